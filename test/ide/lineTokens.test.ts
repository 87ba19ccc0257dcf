/**
 * Requests about the cursor right after an edit (completion, hover, rename) read the tokens of the
 * cursor's line (`lineTokens`, scanned from the line alone) instead of the file's token array. A
 * token never crosses a line break, so the two agree: checked on random edits of every example
 * and a generated scenario (broken strings, comments, `\r\n` and lone `\r` line ends included), at
 * random offsets, for the token the cursor is on and the tokens of its line; and the answers of
 * completion, hover and prepare-rename are the same whether the file's token array was built
 * before them or not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fraction } from '../arb';
import { analyzeDocument } from '../../server/src/model/analyze';
import { completions } from '../../server/src/ide/completion';
import { docIndex, lineTokens, tokenAt } from '../../server/src/ide/document';
import { hoverAt } from '../../server/src/ide/hover';
import { prepareRename } from '../../server/src/ide/navigation';
import { isSignificant } from '../../server/src/syntax/incremental';
import { scan } from '../../server/src/syntax/scanner';
import { applyEdit, editArb, fuzzParams, seedTexts } from '../syntax/editArb';

const SEEDS = seedTexts({ lines: 120, seed: 6 });
const json = (x: unknown) => JSON.parse(JSON.stringify(x ?? null));

test("a line's tokens, scanned alone, are the file's tokens on that line", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...SEEDS.keys()),
      fc.array(editArb, { maxLength: 4 }),
      fc.array(fraction(), { minLength: 1, maxLength: 8 }),
      (k, edits, fracs) => {
        let text = SEEDS[k];
        for (const e of edits) text = applyEdit(text, e);
        const all = scan(text, () => {}).filter(isSignificant);
        for (const f of fracs) {
          const o = Math.floor(f * text.length);
          const line = lineTokens(text, o);
          const t = tokenAt(line, o);
          assert.deepEqual(json(t), json(tokenAt(all, o)), `token at ${o}`);
          if (line.length > 0) {
            const from = all.findIndex((x) => x.start === line[0].start);
            assert.deepEqual(json(line), json(all.slice(from, from + line.length)), `tokens of the line at ${o}`);
            const before = all[from - 1];
            const after = all[from + line.length];
            // The neighbours in the file are on other lines.
            for (const n of [before, after]) if (n) assert.ok(/[\r\n]/.test(text.slice(Math.min(n.end, line[0].start), Math.max(n.start, line[line.length - 1].end))), `neighbour of the line at ${o}`);
          }
        }
      },
    ),
    fuzzParams(150),
  );
});

test('completion, hover and rename answer the same with and without the file token array built', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...SEEDS.keys()),
      fc.array(editArb, { maxLength: 3 }),
      fc.array(fraction(), { minLength: 1, maxLength: 6 }),
      (k, edits, fracs) => {
        let text = SEEDS[k];
        for (const e of edits) text = applyEdit(text, e);
        const lazy = { text, analysis: analyzeDocument(text, { hazards: false }) };
        const built = { text, analysis: analyzeDocument(text, { hazards: false }) };
        void docIndex(built).tokens;
        for (const f of fracs) {
          const o = Math.floor(f * text.length);
          const ask = (doc: typeof lazy) => json({ c: completions(doc, o, { snippets: true }), h: hoverAt(doc, o), r: prepareRename(doc, o) });
          assert.deepEqual(ask(lazy), ask(built), `at ${o}`);
        }
      },
    ),
    fuzzParams(40),
  );
});

test('the line of an offset counted without the line index is the line index\'s (any order, clamped, \\r\\n)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...SEEDS.keys()),
      fc.array(editArb, { maxLength: 4 }),
      fc.array(fc.integer({ min: -5, max: 1 << 20 }), { minLength: 1, maxLength: 12 }),
      fc.boolean(),
      (k, edits, picks, crlf) => {
        let text = SEEDS[k];
        for (const e of edits) text = applyEdit(text, e);
        // Without any `\r` the lines are counted; with one, `lineOf` reads the line index.
        text = crlf ? text.replace(/\r?\n/g, '\r\n') : text.replace(/\r/g, '');
        const analysis = analyzeDocument(text, { hazards: false });
        const fresh = () => docIndex({ text, analysis: { ...analysis, memo: undefined } });
        const lines = fresh().lines;
        // Every offset in order (as declarations come), then some in any order (and out of range).
        const inOrder = fresh();
        for (let o = -2; o <= text.length + 2; o++) assert.equal(inOrder.lineOf(o), lines.positionAt(o).line, `line of ${o}`);
        const anyOrder = fresh();
        for (const n of picks) {
          const o = n < 0 ? n : n % (text.length + 3);
          assert.equal(anyOrder.lineOf(o), lines.positionAt(o).line, `line of ${o}`);
        }
      },
    ),
    fuzzParams(60),
  );
});
