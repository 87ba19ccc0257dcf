/**
 * The server's document model (lsp/editableDocument.ts) against `TextDocument` of
 * `vscode-languageserver-textdocument`, which it replaces: random sequences of incremental and
 * full changes (ranges anywhere, reversed, past the end of a line or of the document, negative;
 * text with `\r\n`, lone `\r`, `\n` and surrogate pairs), applied to both, one change per update
 * or several at once; after each update the same text, line count, version, `offsetAt` of random
 * positions (in range and out) and `positionAt` of every offset (of random ones on long texts).
 * Long texts (a few chunks of 16 K units, short lines) and wide edits exercise edits across
 * chunk boundaries.
 *
 * Two references: `TextDocument` updated incrementally as the server used it, and a `TextDocument`
 * created afresh from the text after each change (what its `update` means by definition). They
 * differ after a change whose range starts past the last line: `TextDocument.update` (1.0.16)
 * then splices its line offsets at the unclamped line number and answers wrongly from then on
 * (e.g. `offsetAt` undefined, `lineCount` 6 for a text of 3 line breaks; the first test below
 * keeps one such case). The new model answers as the fresh one always, and as the incremental
 * one whenever every range of an update is within the document's lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TextDocument, type TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { CHUNK_CHARS, EditableDocument } from '../../server/src/lsp/editableDocument';

const PIECES = ['a', 'bc', ' ', '\n', '\r\n', '\r', '\u{1F600}', '\uD83D', '\uDE00', 'vm x {', '}', '\t', 'é'];
const textArb = fc.array(fc.constantFrom(...PIECES), { maxLength: 30 }).map((xs) => xs.join(''));
const coord = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: -3, max: 3 }), fc.integer({ min: 0, max: 1_000_000 }));
const posArb = fc.record({ line: coord, character: coord });
const changeArb: fc.Arbitrary<TextDocumentContentChangeEvent> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ range: fc.record({ start: posArb, end: posArb }), text: textArb }) },
  { weight: 1, arbitrary: fc.record({ text: textArb }) },
);
const updateArb = fc.array(changeArb, { minLength: 1, maxLength: 3 });

function sameAnswers(old: TextDocument, ours: EditableDocument, probes: { line: number; character: number }[], what: string): void {
  const text = old.getText();
  assert.equal(ours.getText(), text, `${what}: text`);
  assert.equal(ours.lineCount, old.lineCount, `${what}: lineCount`);
  assert.equal(ours.version, old.version, `${what}: version`);
  for (const p of probes) assert.equal(ours.offsetAt(p), old.offsetAt(p), `${what}: offsetAt ${JSON.stringify(p)}`);
  // Every line start and end, and every offset of short texts.
  for (let line = -1; line <= old.lineCount; line++) {
    for (const character of [0, 1, 1e9]) assert.equal(ours.offsetAt({ line, character }), old.offsetAt({ line, character }), `${what}: offsetAt ${line}:${character}`);
  }
  for (let line = -1; line <= old.lineCount; line++) {
    assert.deepEqual(ours.getLineRange(line), old.getLineRange(line), `${what}: getLineRange ${line}`);
    assert.equal(ours.getEOLCharacters(line), old.getEOLCharacters(line), `${what}: getEOLCharacters ${line}`);
  }
  const step = text.length > 400 ? Math.ceil(text.length / 400) : 1;
  for (let o = -1; o <= text.length + 1; o += step) assert.deepEqual(ours.positionAt(o), old.positionAt(o), `${what}: positionAt ${o}`);
  assert.deepEqual(ours.positionAt(text.length), old.positionAt(text.length), `${what}: positionAt end`);
}

/**
 * The text after `changes`, each applied to a TextDocument created afresh; `inRange`: every range
 * was within the lines of the text it applied to (start and end line below the line count).
 */
function reference(text: string, changes: readonly TextDocumentContentChangeEvent[]): { text: string; inRange: boolean } {
  let inRange = true;
  for (const c of changes) {
    const d = TextDocument.create('file:///r.vps', 'vpscope', 0, text);
    if ('range' in c && (c.range.start.line >= d.lineCount || c.range.end.line >= d.lineCount)) inRange = false;
    TextDocument.update(d, [c], 1);
    text = d.getText();
  }
  return { text, inRange };
}

test('TextDocument.update (1.0.16) answers wrongly after a range past the last line; EditableDocument as a fresh TextDocument', () => {
  const change = [{ range: { start: { line: 2, character: 0 }, end: { line: 5, character: 0 } }, text: '\n\r\n\r\n' }];
  const old = TextDocument.create('file:///e.vps', 'vpscope', 1, '');
  TextDocument.update(old, change, 2);
  const ours = EditableDocument.create('file:///e.vps', 'vpscope', 1, '');
  EditableDocument.update(ours, change, 2);
  const fresh = TextDocument.create('file:///e.vps', 'vpscope', 2, '\n\r\n\r\n');
  assert.equal(old.getText(), fresh.getText());
  assert.equal(old.lineCount, 6);
  assert.equal(fresh.lineCount, 4);
  sameAnswers(fresh, ours, [], 'fresh');
});

test('EditableDocument answers as TextDocument after random edit sequences (short texts)', () => {
  fc.assert(
    fc.property(textArb, fc.array(updateArb, { minLength: 1, maxLength: 25 }), fc.array(posArb, { minLength: 5, maxLength: 5 }), (initial, updates, probes) => {
      let old = TextDocument.create('file:///a.vps', 'vpscope', 1, initial);
      const ours = EditableDocument.create('file:///a.vps', 'vpscope', 1, initial);
      sameAnswers(old, ours, probes, 'initial');
      let v = 2;
      for (const changes of updates) {
        const { text, inRange } = reference(old.getText(), changes);
        if (inRange) TextDocument.update(old, changes, v);
        else old = TextDocument.create('file:///a.vps', 'vpscope', v, text);
        assert.equal(EditableDocument.update(ours, changes, v), ours);
        sameAnswers(TextDocument.create('file:///a.vps', 'vpscope', v, text), ours, probes, `after ${JSON.stringify(changes)} (fresh)`);
        if (inRange) sameAnswers(old, ours, probes, `after ${JSON.stringify(changes)} (incremental)`);
        v++;
      }
    }),
    { numRuns: 400 },
  );
});

/** A long text of short lines with every kind of line break, so that it spans several chunks. */
function longText(seed: number, chars: number): string {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out: string[] = [];
  let n = 0;
  while (n < chars) {
    const p = PIECES[Math.floor(rand() * PIECES.length)];
    out.push(p);
    n += p.length;
  }
  return out.join('');
}

test('EditableDocument answers as TextDocument on texts of several chunks, edits across chunk boundaries, reads between bursts', () => {
  const lineArb = fc.integer({ min: 0, max: 40_000 });
  const bigCoord = fc.oneof(lineArb, fc.integer({ min: -2, max: 5 }));
  const bigPos = fc.record({ line: bigCoord, character: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: -2, max: 50 })) });
  const bigChange: fc.Arbitrary<TextDocumentContentChangeEvent> = fc.oneof(
    { weight: 10, arbitrary: fc.record({ range: fc.record({ start: bigPos, end: bigPos }), text: textArb }) },
    // Wide deletions and insertions of a chunk's size.
    { weight: 2, arbitrary: fc.tuple(lineArb, fc.integer({ min: 0, max: 6000 })).map(([l, n]) => ({ range: { start: { line: l, character: 0 }, end: { line: l + n, character: 0 } }, text: '' })) },
    { weight: 1, arbitrary: fc.tuple(lineArb, fc.integer({ min: 1, max: 3 })).map(([l, k]) => ({ range: { start: { line: l, character: 0 }, end: { line: l, character: 0 } }, text: longText(l + k, k * CHUNK_CHARS) })) },
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), fc.array(fc.tuple(fc.array(bigChange, { minLength: 1, maxLength: 4 }), fc.boolean()), { minLength: 1, maxLength: 60 }), fc.array(bigPos, { minLength: 20, maxLength: 20 }), (seed, updates, probes) => {
      const initial = longText(seed, 3 * CHUNK_CHARS + (seed % 5000));
      let old = TextDocument.create('file:///b.vps', 'vpscope', 1, initial);
      const ours = EditableDocument.create('file:///b.vps', 'vpscope', 1, initial);
      let v = 2;
      for (const [changes, read] of updates) {
        const { text, inRange } = reference(old.getText(), changes);
        if (inRange) TextDocument.update(old, changes, v);
        // Past the last line: compared with a fresh TextDocument (see the top of this file).
        else old = TextDocument.create('file:///b.vps', 'vpscope', v, text);
        EditableDocument.update(ours, changes, v);
        v++;
        // Positions first (before the full text is built again: answered from the chunks).
        for (const p of probes) assert.equal(ours.offsetAt(p), old.offsetAt(p), `offsetAt ${JSON.stringify(p)}`);
        const len = old.getText().length;
        for (const p of probes) {
          const o = Math.abs(p.line * 7919 + p.character) % (len + 1);
          assert.deepEqual(ours.positionAt(o), old.positionAt(o), `positionAt ${o}`);
        }
        assert.equal(ours.lineCount, old.lineCount);
        if (read) assert.equal(ours.getText(), old.getText());
      }
      sameAnswers(old, ours, probes, 'end');
    }),
    { numRuns: 25 },
  );
});

test('EditableDocument: malformed changes throw as TextDocument does, the changes before them applied', () => {
  const ours = EditableDocument.create('file:///c.vps', 'vpscope', 1, 'a\nb\n');
  const bad = [{ range: null, text: 'x' }, { text: 5 }, null, { range: { start: { line: 'x', character: 0 }, end: { line: 0, character: 0 } }, text: '' }];
  for (const b of bad) {
    assert.throws(() => EditableDocument.update(ours, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '#' }, b as never], 9));
  }
  assert.equal(ours.version, 1);
  assert.equal(ours.getText(), '####a\nb\n');
});

test('EditableDocument: a burst of edits costs about one rebuild of the text, not one per edit', () => {
  const text = longText(3, 4 * 1024 * 1024);
  const ours = EditableDocument.create('file:///d.vps', 'vpscope', 1, text);
  const lines = ours.lineCount;
  const t0 = performance.now();
  for (let v = 2; v < 2002; v++) {
    const line = (v * 7919) % (lines - 1);
    EditableDocument.update(ours, [{ range: { start: { line, character: 0 }, end: { line, character: v % 2 } }, text: v % 2 ? '' : ' ' }], v);
  }
  const edits = performance.now() - t0;
  const t1 = performance.now();
  ours.getText();
  const rebuild = performance.now() - t1;
  // 2,000 edits of a 4 M-unit text: a copy of the text each would be 8 G units moved. Generous
  // bound for a loaded machine: the edits together take less than 200 rebuilds.
  assert.ok(edits < Math.max(200 * rebuild, 500), `2,000 edits took ${edits.toFixed(0)} ms, one rebuild ${rebuild.toFixed(1)} ms`);
});
