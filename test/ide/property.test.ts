/**
 * Property test: random documents (the examples, mutated by random edits that break them the
 * way typing does) x random positions. No feature throws; every range it returns lies inside the
 * document; completion and selection ranges contain the cursor; formatting is idempotent and
 * keeps the tokens; signature help points inside its labels; inlay hints stay in the requested
 * range; on-type formatting of `}` only re-indents.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { LineIndex } from '../../server/src/core/text';
import { quickFixes } from '../../server/src/ide/codeActions';
import { completions } from '../../server/src/ide/completion';
import { foldingRegions } from '../../server/src/ide/folding';
import { formatEdits } from '../../server/src/ide/format';
import { hoverAt } from '../../server/src/ide/hover';
import { definitionAt, highlightsAt, prepareRename, referencesAt, renameAt } from '../../server/src/ide/navigation';
import { outline, workspaceSymbols } from '../../server/src/ide/outline';
import { selectionChain } from '../../server/src/ide/selection';
import { semanticTokens } from '../../server/src/ide/semanticTokens';
import { signatureHelpAt } from '../../server/src/ide/signature';
import { inlayHints } from '../../server/src/ide/inlayHints';
import { onTypeFormatEdits } from '../../server/src/ide/onType';
import type { OutlineSymbol, TextRange } from '../../server/src/ide/types';
import { parse } from '../../server/src/syntax/parser';
import { analyze, applyEdits } from './fixture';

const EXAMPLES = join(__dirname, '../../examples');
const texts = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.vps'))
  .sort()
  .map((f) => readFileSync(join(EXAMPLES, f), 'utf8'));

/** What people type and delete: braces, separators, words, numbers with units, half-tokens. */
const FRAGMENTS = ['{', '}', ';', '\n', ' ', ',', '..', '-', '^', '"', '#', 'vm x {', 'task t {', 'cpu exp ', '10us', '2.5', 'ms', 'target_vp ', 'lock ', 'disk_io ', 'pool ', 'variant v {', '\t', '0-3,^1', '\r\n', 'é', '😀', '@'];

const mutation = fc.record({
  at: fc.nat(),
  del: fc.nat({ max: 40 }),
  insert: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 6 })),
});

function mutate(text: string, edits: { at: number; del: number; insert: string }[]): string {
  let t = text;
  for (const e of edits) {
    const at = t.length ? e.at % (t.length + 1) : 0;
    t = t.slice(0, at) + e.insert + t.slice(Math.min(t.length, at + e.del));
  }
  return t;
}

function inside(r: TextRange, len: number, what: string): void {
  assert.ok(Number.isInteger(r.start) && Number.isInteger(r.end) && 0 <= r.start && r.start <= r.end && r.end <= len, `${what}: ${JSON.stringify(r)} outside 0..${len}`);
}

function tokenTexts(text: string): string[] {
  return parse(text)
    .tokens.filter((t) => t.kind !== 'newline' && t.kind !== 'eof')
    .map((t) => (t.kind === 'comment' ? t.text.trimEnd() : t.text));
}

test('random edits x random positions: no feature throws, every range is inside the document', () => {
  fc.assert(
    fc.property(fc.nat({ max: texts.length - 1 }), fc.array(mutation, { maxLength: 6 }), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), (which, edits, positions) => {
      const text = mutate(texts[which], edits);
      const len = text.length;
      const doc = analyze(text);
      for (const raw of positions) {
        const p = raw % (len + 1);
        for (const c of completions(doc, p, { snippets: true })) {
          inside(c.range, len, 'completion');
          assert.ok(c.range.start <= p && p <= c.range.end, `completion range ${JSON.stringify(c.range)} does not contain ${p}`);
          assert.ok(!/[\r\n]/.test(text.slice(c.range.start, c.range.end)), 'completion range spans lines');
        }
        const h = hoverAt(doc, p);
        if (h) {
          inside(h.range, len, 'hover');
          assert.ok(h.markdown.length > 0);
        }
        for (const r of definitionAt(doc, p)) inside(r, len, 'definition');
        for (const r of referencesAt(doc, p, { includeDeclaration: true })) inside(r, len, 'references');
        for (const hl of highlightsAt(doc, p)) inside(hl.range, len, 'highlight');
        const chain = selectionChain(doc, p);
        assert.ok(chain.length > 0);
        chain.forEach((r, i) => {
          inside(r, len, 'selection');
          assert.ok(r.start <= p && p <= r.end, 'selection contains the cursor');
          if (i > 0) assert.ok(r.start <= chain[i - 1].start && chain[i - 1].end <= r.end, 'selection grows');
        });
        const prep = prepareRename(doc, p);
        if (prep.ok) {
          inside(prep.range, len, 'prepareRename');
          const r = renameAt(doc, p, 'renamed_x');
          if (r.ok) for (const e of r.edits) inside(e.range, len, 'rename');
        }
        for (const q of quickFixes(doc, { start: p, end: p })) for (const e of q.edits) inside(e.range, len, 'quick fix');
      }
      const toks = semanticTokens(doc);
      toks.forEach((t, i) => {
        inside({ start: t.start, end: t.start + t.length }, len, 'semantic token');
        assert.ok(!/[\r\n]/.test(text.slice(t.start, t.start + t.length)), 'semantic token spans lines');
        if (i > 0) assert.ok(t.start >= toks[i - 1].start + toks[i - 1].length, 'semantic tokens overlap');
      });
      const lines = new LineIndex(text).lineCount;
      for (const f of foldingRegions(doc)) assert.ok(0 <= f.startLine && f.startLine < f.endLine && f.endLine < lines, `folding ${JSON.stringify(f)}`);
      const visit = (s: OutlineSymbol) => {
        inside(s.range, len, 'outline');
        inside(s.selectionRange, len, 'outline selection');
        assert.ok(s.range.start <= s.selectionRange.start && s.selectionRange.end <= s.range.end, 'selection range inside the symbol');
        s.children.forEach(visit);
      };
      outline(doc).forEach(visit);
      for (const w of workspaceSymbols(doc, '')) inside(w.range, len, 'workspace symbol');

      const formatted = applyEdits(text, formatEdits(text, doc.analysis.parse.tokens));
      assert.deepEqual(tokenTexts(formatted), tokenTexts(text), 'formatting changed the tokens');
      assert.deepEqual(formatEdits(formatted, parse(formatted).tokens), [], 'formatting is not idempotent');
    }),
    { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
  );
});

test('random edits x random positions: signature help, inlay hints and on-type formatting never throw and stay in bounds', () => {
  fc.assert(
    fc.property(fc.nat({ max: texts.length - 1 }), fc.array(mutation, { maxLength: 6 }), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.nat(), fc.nat(), (which, edits, positions, r1, r2) => {
      const text = mutate(texts[which], edits);
      const len = text.length;
      const doc = analyze(text);
      for (const raw of positions) {
        const p = raw % (len + 1);
        const sig = signatureHelpAt(doc, p);
        if (sig) {
          assert.ok(sig.signatures.length > 0 && sig.activeSignature >= 0 && sig.activeSignature < sig.signatures.length);
          for (const s of sig.signatures) {
            assert.ok(s.activeParameter >= -1 && s.activeParameter < s.parameters.length, `active ${s.activeParameter} of ${s.parameters.length}`);
            for (const q of s.parameters) assert.ok(0 <= q.label[0] && q.label[0] < q.label[1] && q.label[1] <= s.label.length, `${s.label}: ${q.label}`);
          }
        }
        // `}` typed at p: only indentation changes, and the tokens stay.
        const typed = text.slice(0, p) + '}' + text.slice(p);
        const tdoc = analyze(typed);
        const onType = onTypeFormatEdits(tdoc, p + 1, '}');
        for (const e of onType) {
          inside(e.range, typed.length, 'on-type edit');
          assert.match(typed.slice(e.range.start, e.range.end), /^[ \t]*$/);
          assert.match(e.newText, /^[ \t]*$/);
        }
        assert.deepEqual(tokenTexts(applyEdits(typed, onType)), tokenTexts(typed), 'on-type formatting changed the tokens');
      }
      const a = r1 % (len + 1);
      const b = r2 % (len + 1);
      const range = { start: Math.min(a, b), end: Math.max(a, b) };
      const hints = inlayHints(doc, range, { channelMap: true, variantValues: true, defaults: true });
      hints.forEach((h, i) => {
        assert.ok(range.start <= h.offset && h.offset <= range.end, `hint at ${h.offset} outside ${JSON.stringify(range)}`);
        assert.ok(h.label.length > 0);
        if (i > 0) assert.ok(h.offset >= hints[i - 1].offset, 'hints sorted');
      });
    }),
    { numRuns: Number(process.env.PROPERTY_RUNS ?? 200) },
  );
});
