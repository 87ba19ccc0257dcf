/**
 * Formatting never changes what the parser (and so the checker) sees, on ANY document: generated
 * from the grammar, or examples broken by random edits. Before: formatting broken text moved
 * top-level keywords off column 0 and changed the parse (1 error -> 4); 100,000 lines of `x {`
 * asked for 10^10 spaces (SIGABRT at ~4 GB).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { fraction } from '../arb';
import { formatEdits, MAX_FORMAT_EDITS, parseFingerprint } from '../../server/src/ide/format';
import { parse } from '../../server/src/syntax/parser';
import { analyzeDocument } from '../../server/src/model/analyze';
import { applyEdits } from './fixture';

const EXAMPLES = join(__dirname, '../../examples');
const examples = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.vps'))
  .sort()
  .map((f) => readFileSync(join(EXAMPLES, f), 'utf8'));

const format = (t: string) => applyEdits(t, formatEdits(t, parse(t).tokens));

/**
 * The checker's diagnostics without positions: code, message and the text they point at (whitespace
 * removed). A message that quotes the source keeps its spacing (VPS107 quotes `5  ms`, which the
 * formatter writes `5 ms`), so runs of spaces in messages count as one.
 */
function diagnostics(text: string): string[] {
  return analyzeDocument(text)
    .diagnostics.map((d) => `${d.code} ${d.message.replace(/[ \t]+/g, ' ')} @${text.slice(d.range.start, d.range.end).replace(/\s+/g, '')}`)
    .sort();
}

function checkSafe(text: string): void {
  const once = format(text);
  assert.equal(parseFingerprint(once), parseFingerprint(text), 'tokens, tree or syntax errors changed');
  assert.deepEqual(diagnostics(once), diagnostics(text), 'diagnostics changed');
  assert.equal(format(once), once, 'not idempotent');
}

// ---- documents from the grammar ----------------------------------------------------------------

const ws = fc.constantFrom('', ' ', '  ', '\t', '\n', '\n\n', ' \n  ', '\r\n');
const word = fc.constantFrom('vm', 'host', 'pcpus', 'vcpus', 'guest', 'thread', 'every', 'cpu', 'variant', 'scenario', 'duration', 'openhcl', 'task', 'a', 'b', 'load');
const value = fc.constantFrom('4', '1ms', '10us..20us', '0-3,^1', '"x y"', '-5', 'uniform', '2.5');
const statement: fc.Arbitrary<string> = fc.letrec((tie) => ({
  stmt: fc.tuple(ws, word, fc.array(fc.tuple(ws, value), { maxLength: 3 }), fc.option(tie('body'), { freq: 3 }), ws, fc.constantFrom('\n', ';', '', ' # note\n'))
    .map(([w0, kw, args, body, w1, end]) => `${w0}${kw}${args.map(([w, v]) => (w || ' ') + v).join('')}${body ?? ''}${w1}${end}`),
  body: fc.tuple(ws, fc.array(tie('stmt'), { maxLength: 3 }), ws, fc.boolean()).map(([w, ss, w2, closed]) => ` {${w}${(ss as string[]).join('')}${w2}${closed ? '}' : ''}`),
})).stmt as fc.Arbitrary<string>;
const grammarDoc = fc.array(statement, { maxLength: 6 }).map((ss) => ss.join(''));

// ---- examples broken by random edits --------------------------------------------------------------

const FRAGMENTS = ['{', '}', '}\n', '\n', '  ', ';', 'vm x {', '\nhost {', '\t', '"', '#', '@', '..', 'variant v {\n'];
const mutated = fc
  .tuple(
    fc.nat({ max: examples.length - 1 }),
    fc.array(fc.record({ at: fraction(), del: fc.nat({ max: 6 }), insert: fc.constantFrom(...FRAGMENTS, '') }), { minLength: 1, maxLength: 4 }),
  )
  .map(([k, edits]) => {
    let t = examples[k];
    for (const e of edits) {
      const at = Math.floor(e.at * t.length);
      t = t.slice(0, at) + e.insert + t.slice(Math.min(t.length, at + e.del));
    }
    return t;
  });

test('the broken text of the issue keeps its parse: 1 error stays 1 error', () => {
  const t = 'vm a {\n  vcpus 2\nhost { pcpus 4 }\nvm b {   vcpus 1 }\n';
  const before = parse(t).errors.length;
  const f = format(t);
  assert.equal(parse(f).errors.length, before);
  checkSafe(t);
  // What can be tidied without moving a line still is.
  assert.match(f, /vm b \{ vcpus 1 \}/);
});

test('a head right before a stray `}` gets the same diagnostics with or without a space (`vm}` / `vm }`)', () => {
  // Found by the grammar property below: `vm}` lost "needs a name" because the '}' error counted as the head's.
  checkSafe('vm {vm {vm {vm {\n\nvm}\n\n\n\nvm {\n');
  assert.deepEqual(diagnostics('vm {\nvm}\n'), diagnostics('vm {\nvm }\n'));
});

test('100,000 lines of `x {`: bounded output, no crash', () => {
  const t = 'x {\n'.repeat(100_000);
  const edits = formatEdits(t, parse(t).tokens);
  let added = 0;
  for (const e of edits) added += e.newText.length - (e.range.end - e.range.start);
  assert.ok(added <= 2 * t.length + 4096, `${added} characters added by the edits`);
});

test('a document with more syntax errors than the parser lists is left alone', () => {
  // The unlisted errors cannot be compared before and after: formatting could change them unseen.
  const t = '  }\n'.repeat(2000);
  assert.ok(parse(t).errors.some((e) => e.code === 'VPS013'));
  assert.deepEqual(formatEdits(t, parse(t).tokens), []);
});

test(`more than MAX_FORMAT_EDITS edits are one edit with the same result`, () => {
  const t = 'a{\nb\n}\n'.repeat(MAX_FORMAT_EDITS);
  const edits = formatEdits(t, parse(t).tokens);
  assert.equal(edits.length, 1);
  assert.equal(applyEdits(t, edits), 'a {\n  b\n}\n'.repeat(MAX_FORMAT_EDITS));
  assert.equal(parseFingerprint(applyEdits(t, edits)), parseFingerprint(t));
  // 100,000 nested blocks: 5 MB of edits before, now one edit of about the document's size; 1 MB
  // of `{`: 100 MB of edits (and 24 s) in the server before, now one edit of twice its size.
  for (const n of ['vm a ' + '{ '.repeat(100_000) + '}'.repeat(100_000) + '\n', '{'.repeat(1 << 20)]) {
    const one = formatEdits(n, parse(n).tokens);
    assert.ok(one.length <= 1 && JSON.stringify(one).length < 3 * n.length, `${JSON.stringify(one).length} bytes`);
  }
});

test('deep but reasonable nesting is still indented (under the budget)', () => {
  const t = 'vm a {\nguest {\nthread t {\nevery 1ms\n}\n}\n}\n';
  assert.equal(format(t), 'vm a {\n  guest {\n    thread t {\n      every 1ms\n    }\n  }\n}\n');
});

test('property: formatting a document made from the grammar keeps tokens, tree and diagnostics, and is idempotent', () => {
  fc.assert(fc.property(grammarDoc, checkSafe), { numRuns: 300 });
});

test('property: formatting an example broken by random edits keeps tokens, tree and diagnostics, and is idempotent', () => {
  fc.assert(fc.property(mutated, checkSafe), { numRuns: 150 });
});
