/**
 * Incremental parsing (`syntax/incremental.ts`) gives exactly what a parse from scratch gives:
 * same tree (offsets, statement ids), errors, comments and tokens, after every edit of random
 * edit sequences on real scenarios (the examples, a generated one): characters and lines
 * inserted, deleted, replaced and duplicated, braces and `;` typed, headers edited, whole blocks
 * removed and pasted back.
 *
 * VPSCOPE_FUZZ_RUNS=N sets the number of runs; VPSCOPE_FUZZ_SEED=S replays a failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from '../../server/src/syntax/parser';
import { isSignificant, parseState, reparse, type ParseState } from '../../server/src/syntax/incremental';
import type { ParseResult } from '../../server/src/syntax/tree';
import { genScenario } from '../bench/genScenario';
import { lineStartsOf } from '../../server/src/core/text';
import { applyEdit, editArb, fuzzParams, seedTexts, type Edit } from './editArb';

const SEEDS = seedTexts({ lines: 120, seed: 5 });

/** Plain data of a parse (class instances and getters left out; derived ranges follow from start/end). */
function plain(r: ParseResult, withTokens: boolean): unknown {
  return JSON.parse(JSON.stringify({ file: r.file, errors: r.errors, tokens: withTokens ? r.tokens : undefined }));
}

/** The tokens the grammar sees, as the editor's index takes them. */
function significant(r: ParseResult): unknown {
  return JSON.parse(JSON.stringify(r.significant ?? r.tokens.filter(isSignificant)));
}

function assertSame(state: ParseState, text: string, withTokens: boolean, history: Edit[]): void {
  assert.equal(state.text, text);
  const want = parse(text);
  const got = plain(state.result, withTokens);
  const exp = plain(want, withTokens);
  assert.deepEqual(got, exp, `incremental parse differs (${state.how}) after edits ${JSON.stringify(history)}`);
  if (withTokens) assert.deepEqual(significant(state.result), significant(want), `significant tokens differ (${state.how}) after edits ${JSON.stringify(history)}`);
  // Spliced from the previous state's when that one's were asked for, else scanned.
  const spliced = state.builtLineStarts() === undefined && state.how === 'spliced';
  assert.deepEqual(state.result.lineStarts!(), lineStartsOf(text), `line starts differ (${state.how}${spliced ? ', spliced' : ''}) after edits ${JSON.stringify(history)}`);
}

test('incremental parse equals a parse from scratch after every edit', () => {
  let spliced = 0;
  let total = 0;
  fc.assert(
    fc.property(fc.constantFrom(...SEEDS.keys()), fc.array(fc.tuple(editArb, fc.constantFrom('none', 'all', 'significant', 'both')), { minLength: 1, maxLength: 12 }), (k, edits) => {
      let text = SEEDS[k];
      let state = parseState(text);
      const history: Edit[] = [];
      for (const [e, ask] of edits) {
        // Sometimes a token array was asked for before the edit (then it is spliced as well).
        if (ask === 'all' || ask === 'both') void state.result.tokens;
        if (ask === 'significant' || ask === 'both') void state.result.significant;
        // The line starts too (then spliced), on another schedule than the tokens'.
        if (history.length % 2 === 1 || ask === 'none') void state.result.lineStarts?.();
        const askTokens = ask !== 'none';
        text = applyEdit(text, e);
        history.push(e);
        state = reparse(state, text);
        total++;
        if (state.how === 'spliced') spliced++;
        assertSame(state, text, askTokens || history.length % 3 === 0, history);
      }
    }),
    fuzzParams(300),
  );
  // Most edits of balanced files are spliced, not parsed again from scratch.
  assert.ok(spliced > total * 0.3, `only ${spliced} of ${total} edits were spliced`);
});

test('typing a block line by line in a large file is spliced, and equal', () => {
  let text = genScenario({ lines: 2000, seed: 2 });
  let state = parseState(text);
  void state.result.significant;
  const at = text.indexOf('vm vm7 {');
  const block = 'vm extra {\n  vcpus 2\n  pool fast\n  guest { thread t { every 1ms; cpu 10us } }\n}\n';
  let how = new Set<string>();
  for (let n = 1; n <= block.length; n++) {
    // Each keystroke: the prefix of the block typed so far, with its closing brace auto-inserted.
    const typed = block.slice(0, n);
    const opens = (typed.match(/\{/g) ?? []).length - (typed.match(/\}/g) ?? []).length;
    text = text.slice(0, at) + typed + '}'.repeat(Math.max(0, opens)) + (typed.endsWith('\n') ? '' : '\n') + text.slice(text.indexOf('vm vm7 {'));
    state = reparse(state, text);
    how.add(state.how);
    assertSame(state, text, n % 10 === 0, []);
    // Back to the original for the next keystroke (reparse both ways).
    text = text.slice(0, at) + text.slice(text.indexOf('vm vm7 {'));
    state = reparse(state, text);
    assertSame(state, text, false, []);
  }
  assert.ok(how.has('spliced'));
});
