/**
 * Incremental analysis as the language server does it (the parse reused across edits, then the
 * stages `analyzeSyntax` -> `analyzeChecked` -> `analyzeFull` on one analysis object) gives
 * exactly what `analyzeDocument` gives from scratch, after every edit of random edit sequences:
 * diagnostics (code, range, message, severity, related information, fixes), symbols, statements,
 * and the answers of completion, hover and the outline at random positions, including the
 * answers asked at the `syntax` depth (before the lowering ran), which the server gives right
 * after a keystroke. The incremental side reuses, per top-level statement, the resolution and the
 * names of the versions before (`AnalysisReuse`, model/reuse.ts), as the server does; some versions
 * are skipped (nothing asked of them), so what is reused may be several edits old.
 *
 * VPSCOPE_FUZZ_RUNS=N sets the number of runs; VPSCOPE_FUZZ_SEED=S replays a failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { fraction } from '../arb';
import { analyzeChecked, analyzeDocument, analyzeFull, analyzeSyntax } from '../../server/src/model/analyze';
import { forEachDecl, type DocumentAnalysis, type SymbolDecl } from '../../server/src/model/analysisTypes';
import { AnalysisReuse } from '../../server/src/model/reuse';
import type { StatementInfo } from '../../server/src/model/resolve';
import { parseState, reparse, type ParseState } from '../../server/src/syntax/incremental';
import { completions } from '../../server/src/ide/completion';
import { hoverAt } from '../../server/src/ide/hover';
import { outline } from '../../server/src/ide/outline';
import { statementFacts } from '../../server/src/ide/facts';
import { applyEdit, editArb, fuzzParams, seedTexts, type Edit } from '../syntax/editArb';

const root = join(__dirname, '..', '..');
const SEEDS = seedTexts({ lines: 150, seed: 4 });
const URI = 'file:///w/edited.vps';

const json = (x: unknown) => JSON.parse(JSON.stringify(x ?? null));

function answers(text: string, a: DocumentAnalysis, positions: number[]) {
  const doc = { text, analysis: a };
  return json({
    completion: positions.map((p) => completions(doc, Math.min(p, text.length), { snippets: true })),
    hover: positions.map((p) => hoverAt(doc, Math.min(p, text.length))),
    outline: outline(doc),
  });
}

/** Statements and symbols (what the syntax stage gives). */
function sameNames(got: DocumentAnalysis, want: DocumentAnalysis, what: string): void {
  assert.deepEqual(json(got.symbols), json(want.symbols), `${what}: symbols differ`);
  assert.deepEqual(
    got.statements.map((s) => [s.node.id, s.node.start, s.node.end, s.spec?.id, s.parents, s.variant, (s as StatementInfo).parentNodes.map((p) => p.start)]),
    want.statements.map((s) => [s.node.id, s.node.start, s.node.end, s.spec?.id, s.parents, s.variant, (s as StatementInfo).parentNodes.map((p) => p.start)]),
    `${what}: statements differ`,
  );
}

/**
 * The editor's facts about the statements (ide/facts.ts, kept per top-level statement across
 * versions): placement, override key and the statements sharing it, per statement; vCPUs and pCPUs.
 */
function factsView(text: string, a: DocumentAnalysis) {
  const f = statementFacts({ text, analysis: a });
  const at = (s: { start: number }) => s.start;
  // The lookup by key (an index of blocks by the first part of their keys) against every
  // statement grouped by its key, in document order.
  const groups = new Map<string, number[]>();
  for (const r of a.statements) {
    const key = f.keyOf.get(r.node);
    if (key !== undefined) groups.set(key, [...(groups.get(key) ?? []), r.node.start]);
  }
  for (const [key, starts] of groups) assert.deepEqual(f.byKey.get(key)?.map((e) => at(e.statement)), starts, `statements of key ${key}`);
  return json({
    perStatement: a.statements.map((r) => {
      const key = f.keyOf.get(r.node);
      return [r.node.start, f.placement.get(r.node.start), key, key === undefined ? null : f.byKey.get(key)?.map((e) => [at(e.statement), e.variant])];
    }),
    vcpus: [...f.vcpus].map(([vm, v]) => [vm, v.base, [...v.variants]]),
    pcpus: [f.pcpus.base, [...f.pcpus.variants]],
  });
}

function same(got: DocumentAnalysis, want: DocumentAnalysis, what: string): void {
  assert.deepEqual(json(got.diagnostics), json(want.diagnostics), `${what}: diagnostics differ`);
  sameNames(got, want, what);
  assert.equal(got.scenario === undefined, want.scenario === undefined, `${what}: scenario presence differs`);
  assert.deepEqual(json(got.scenario?.variants.map((v) => v.name)), json(want.scenario?.variants.map((v) => v.name)), `${what}: variants differ`);
  // The whole IR, ranges included: the base's VMs are lowered once and kept while their blocks are
  // (model/lower.ts `VmLowerEntry`), moved to where they are now.
  assert.deepEqual(json(got.scenario), json(want.scenario), `${what}: scenario (IR) differs`);
}

test('incremental analysis equals analyzeDocument from scratch after every edit', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...SEEDS.keys()),
      fc.array(fc.tuple(editArb, fc.constantFrom('none', 'syntax', 'syntax', 'light', 'full')), { minLength: 1, maxLength: 8 }),
      fc.array(fraction(), { minLength: 3, maxLength: 6 }),
      (k, edits, fracs) => {
        let text = SEEDS[k];
        let ps: ParseState = parseState(text);
        const reuse = new AnalysisReuse();
        // The first version analysed from scratch fills what the next ones reuse.
        void analyzeSyntax(ps, { uri: URI }, reuse).analysis.symbols;
        const history: Edit[] = [];
        for (const [e, depth] of edits) {
          text = applyEdit(text, e);
          history.push(e);
          ps = reparse(ps, text);
          const what = `after ${JSON.stringify(history)} (${ps.how}, ${depth})`;
          const positions = fracs.map((f) => Math.floor(f * text.length));
          const syntax = analyzeSyntax(ps, { uri: URI }, reuse);
          // A version nobody asked anything about (typed past): the next one reuses older parts.
          if (depth === 'none') continue;
          const scratchFull = analyzeDocument(text, { uri: URI });
          const scratchSyntax = analyzeSyntax(parseState(text), { uri: URI });
          // The declarations a name completion reads before anything made the symbol table: those
          // kept per top-level statement, the same objects in the same order as the table's.
          const early: SymbolDecl[] = [];
          forEachDecl(syntax.analysis, (d) => early.push(d));
          assert.deepEqual(json(early), json(scratchFull.symbols.decls), `${what}: declarations before the symbol table differ`);
          sameNames(syntax.analysis, scratchFull, `${what} syntax`);
          assert.ok(early.length === syntax.analysis.symbols.decls.length && early.every((d, i) => d === syntax.analysis.symbols.decls[i]), `${what}: not the table's declarations`);
          assert.deepEqual(factsView(text, syntax.analysis), factsView(text, scratchFull), `${what}: statement facts differ`);
          assert.deepEqual(json(syntax.resolveDiags().list), json(scratchSyntax.resolveDiags().list), `${what}: resolution diagnostics differ`);
          assert.deepEqual(json(syntax.symbolDiags().list), json(scratchSyntax.symbolDiags().list), `${what}: symbol diagnostics differ`);
          // Requests right after a keystroke are answered at the syntax depth.
          assert.deepEqual(answers(text, syntax.analysis, positions), answers(text, scratchFull, positions), `${what}: syntax-depth answers differ`);
          if (depth === 'syntax') continue;
          const checked = analyzeChecked(syntax, { uri: URI });
          same(checked.analysis, analyzeDocument(text, { uri: URI, hazards: false }), `${what} light`);
          if (depth === 'light') continue;
          const full = analyzeFull(checked, { uri: URI, severities: undefined });
          same(full.analysis, scratchFull, `${what} full`);
          assert.deepEqual(answers(text, full.analysis, positions), answers(text, scratchFull, positions), `${what}: answers differ`);
        }
      },
    ),
    fuzzParams(60),
  );
});

test('severity settings and suppressions apply the same at every stage', () => {
  const base = readFileSync(join(root, 'examples', 'openhcl-blocking-syscall.vps'), 'utf8');
  const text = `# vpscope-allow VPS210: the "before" case\n${base}`;
  const severities = { VPS211: 'hint', VPS219: 'off', VPS101: 'warning' } as const;
  let ps = parseState(base);
  ps = reparse(ps, text);
  const syntax = analyzeSyntax(ps, { uri: URI, severities });
  const light = analyzeChecked(syntax, { uri: URI, severities });
  assert.deepEqual(json(light.analysis.diagnostics), json(analyzeDocument(text, { uri: URI, hazards: false, severities }).diagnostics));
  const full = analyzeFull(light, { uri: URI, severities });
  assert.deepEqual(json(full.analysis.diagnostics), json(analyzeDocument(text, { uri: URI, severities }).diagnostics));
  assert.deepEqual(json(full.analysis.suppressions), json(analyzeDocument(text, { uri: URI, severities }).suppressions));
});
