/**
 * Huge documents (issue 9): the whole-file answers (outline, folding, semantic tokens, inlay
 * hints) are bounded by ide/limits.ts, and what they keep is the head, in document order, of
 * what an unbounded answer would be, so nothing but the tail is lost. On a generated scenario
 * large enough to pass the outline and folding bounds (40,000 lines), and over the protocol.
 * No timing is asserted: the bounds are counts a user sees (items in the outline, folds).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldingLimited, foldingRegions } from '../../server/src/ide/folding';
import { inlayHints } from '../../server/src/ide/inlayHints';
import { MAX_CODE_LENSES, MAX_FOLDING_REGIONS, MAX_INLAY_HINTS, MAX_OUTLINE_ITEMS, MAX_REFERENCES, MAX_SEMANTIC_TOKENS } from '../../server/src/ide/limits';
import { limitLenses, simulateLenses } from '../../server/src/ide/codeLens';
import { highlightsAt, highlightsLimited, referencesAt, referencesLimited, renameAt } from '../../server/src/ide/navigation';
import { outline, outlineLimited } from '../../server/src/ide/outline';
import { semanticTokens, semanticTokensLimited } from '../../server/src/ide/semanticTokens';
import type { IdeDocument } from '../../server/src/ide/document';
import type { OutlineSymbol } from '../../server/src/ide/types';
import { analyzeDocument, analyzeSyntax } from '../../server/src/model/analyze';
import { parseState } from '../../server/src/syntax/incremental';
import { genScenario } from '../bench/genScenario';
import { pushCapabilities, startClient } from '../lsp/harness';

const BIG = genScenario({ lines: 40_000, seed: 3 });
const doc: IdeDocument = { text: BIG, analysis: analyzeSyntax(parseState(BIG)).analysis };

/** The outline flattened in document order (pre-order), as [depth, name, start]. */
function flat(list: readonly OutlineSymbol[], depth = 0, out: [number, string, number][] = []): [number, string, number][] {
  for (const s of list) {
    out.push([depth, s.name, s.range.start]);
    flat(s.children, depth + 1, out);
  }
  return out;
}

test('the outline of a huge document is its first MAX_OUTLINE_ITEMS items, in document order', () => {
  const all = flat(outlineLimited(doc, Infinity).symbols);
  assert.ok(all.length > 2 * MAX_OUTLINE_ITEMS, `the scenario passes the bound (${all.length} items)`);
  const cut = outlineLimited(doc);
  assert.equal(cut.truncated, true);
  assert.deepEqual(flat(cut.symbols), all.slice(0, MAX_OUTLINE_ITEMS));
  assert.equal(flat(outline(doc)).length, MAX_OUTLINE_ITEMS);
  // At the bound exactly nothing is lost, and a bound of 0 gives an empty outline.
  const exact = outlineLimited(doc, all.length);
  assert.equal(exact.truncated, false);
  assert.equal(flat(exact.symbols).length, all.length);
  assert.deepEqual(outlineLimited(doc, 0), { symbols: [], truncated: true });
});

test('folding of a huge document: the first MAX_FOLDING_REGIONS regions by line, as the unbounded list begins', () => {
  const all = foldingLimited(doc, Infinity).regions;
  assert.ok(all.length > MAX_FOLDING_REGIONS, `the scenario passes the bound (${all.length} regions)`);
  assert.deepEqual(foldingRegions(doc), all.slice(0, MAX_FOLDING_REGIONS));
  assert.equal(foldingLimited(doc).truncated, true);
  for (const n of [1, 2, 17, 1000]) assert.deepEqual(foldingRegions(doc, n), all.slice(0, n), `limit ${n}`);
  assert.equal(foldingLimited(doc, all.length).truncated, false);
});

test('semantic tokens: a bounded answer is the head of the whole one; a range is answered from its statements alone', () => {
  const all = semanticTokensLimited(doc, undefined, Infinity).tokens;
  assert.ok(all.length < MAX_SEMANTIC_TOKENS, 'this scenario is answered whole');
  assert.deepEqual(semanticTokens(doc), all);
  for (const n of [1, 500, 20_000]) {
    const cut = semanticTokensLimited(doc, undefined, n);
    assert.equal(cut.truncated, true);
    assert.deepEqual(cut.tokens, all.slice(0, n), `limit ${n}`);
  }
  // Ranges (the editor's viewport): exactly the tokens of the whole answer that touch them.
  const ranges = [
    { start: 0, end: 0 },
    { start: 0, end: 2_000 },
    { start: 123_456, end: 130_000 },
    { start: BIG.length - 5_000, end: BIG.length },
    { start: BIG.indexOf('\n', 500_000), end: BIG.indexOf('\n', 500_000) + 1 },
  ];
  for (const r of ranges) {
    const want = all.filter((t) => t.start + t.length > r.start && t.start < r.end);
    assert.deepEqual(semanticTokensLimited(doc, r).tokens, want, `range ${r.start}-${r.end}`);
  }
});

test('inlay hints: at most MAX_INLAY_HINTS in one answer', () => {
  // The full analysis of a smaller scenario (hints need the lowered model), asked for everything.
  const text = genScenario({ lines: 3_000, seed: 3 });
  const d: IdeDocument = { text, analysis: analyzeDocument(text) };
  const everything = { start: 0, end: text.length };
  const all = inlayHints(d, everything, { channelMap: true, variantValues: true, defaults: true });
  assert.ok(all.length > 0 && all.length <= MAX_INLAY_HINTS, `${all.length} hints`);
  assert.ok(MAX_INLAY_HINTS >= 1000, 'no viewport holds as many');
});

test('over the protocol: the outline and the folding of a huge document stop at their bounds', async () => {
  // A client that states no folding `rangeLimit` (the harness's default client states 5000).
  const capabilities = structuredClone(pushCapabilities);
  delete capabilities.textDocument!.foldingRange!.rangeLimit;
  const client = await startClient({ capabilities });
  try {
    const uri = 'file:///work/huge.vps';
    client.open(uri, BIG, 1);
    const td = { textDocument: { uri } };
    const symbols = await client.request<{ children?: unknown[] }[]>('textDocument/documentSymbol', td);
    const count = (l: { children?: unknown[] }[]): number => l.reduce((n, s) => n + 1 + count((s.children ?? []) as { children?: unknown[] }[]), 0);
    assert.equal(count(symbols), MAX_OUTLINE_ITEMS);
    const folds = await client.request<unknown[]>('textDocument/foldingRange', td);
    assert.equal(folds.length, MAX_FOLDING_REGIONS);
    const range = await client.request<{ data: number[] }>('textDocument/semanticTokens/range', { ...td, range: { start: { line: 20_000, character: 0 }, end: { line: 20_050, character: 0 } } });
    assert.ok(range.data.length / 5 > 0 && range.data.length / 5 < 1_000, `${range.data.length / 5} tokens in 50 lines`);
    const tokens = await client.request<{ data: number[] }>('textDocument/semanticTokens/full', td);
    assert.equal(tokens.data.length / 5, semanticTokens(doc).length);
  } finally {
    await client.shutdown();
  }
});

test('references and highlights of a name used more than MAX_REFERENCES times: the first ones in document order; rename edits every use', () => {
  const uses = MAX_REFERENCES + 1_000;
  const lines = ['host {', '  pcpus 4', '  pool fast { cpus 0-3 }', '}'];
  for (let k = 0; k < uses; k++) lines.push(`vm v${k} { vcpus 1; pool fast }`);
  const text = lines.join('\n') + '\n';
  const big: IdeDocument = { text, analysis: analyzeSyntax(parseState(text)).analysis };
  const at = text.indexOf('pool fast') + 'pool '.length;
  const all = referencesLimited(big, at, { includeDeclaration: true }, Infinity);
  assert.equal(all.ranges.length, uses + 1, 'every use and the declaration');
  const cut = referencesLimited(big, at, { includeDeclaration: true });
  assert.equal(cut.truncated, true);
  assert.deepEqual(cut.ranges, all.ranges.slice(0, MAX_REFERENCES));
  assert.deepEqual(referencesAt(big, at, { includeDeclaration: true }), all.ranges.slice(0, MAX_REFERENCES));
  assert.deepEqual(highlightsAt(big, at), highlightsLimited(big, at, Infinity).highlights.slice(0, MAX_REFERENCES));
  assert.equal(highlightsLimited(big, at).truncated, true);
  // Below the bound nothing is cut.
  assert.equal(referencesLimited(big, at, { includeDeclaration: true }, uses + 1).truncated, false);
  // A rename is never cut: one left out would break the document.
  const renamed = renameAt(big, at, 'quick');
  assert.ok(renamed.ok && renamed.edits.length === uses + 1, 'rename edits the declaration and every use');
});

test('code lenses of a file with more variants than MAX_CODE_LENSES: the first ones by position', () => {
  const lines = ['host {', '  pcpus 4', '}', 'vm a { vcpus 1 }'];
  for (let k = 0; k < MAX_CODE_LENSES + 500; k++) lines.push(`variant v${k} { vm a { vcpus 2 } }`);
  const text = lines.join('\n') + '\n';
  const big: IdeDocument = { text, analysis: analyzeSyntax(parseState(text)).analysis };
  const all = simulateLenses(big, { simulate: true, timeline: true });
  assert.equal(all.length, 4 + 2 * (MAX_CODE_LENSES + 500), 'four above the first statement, two per variant');
  const { lenses, truncated } = limitLenses(all);
  assert.equal(truncated, true);
  assert.equal(lenses.length, MAX_CODE_LENSES);
  assert.deepEqual(lenses, all.slice(0, MAX_CODE_LENSES), 'the head in document order');
  assert.equal(lenses.at(-1)!.title, 'Show Timeline');
  // Within the bound the list is as it was.
  const few = all.slice(0, 10);
  assert.deepEqual(limitLenses(few), { lenses: few, truncated: false });
});
