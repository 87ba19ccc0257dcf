/**
 * `analyzeDocument`: the one entry point of the checker, used alike by the language server, the
 * CLI and the simulator. Text in, plain data out (tree, resolved statements, symbols,
 * diagnostics, the lowered scenario). Never throws on any input.
 *
 * Passes, in order:
 * 1. parse (syntax errors VPS0xx);
 * 2. resolve every statement against the schema (unknown/misplaced keywords, blocks, duplicates);
 * 3. parse every statement's arguments (types, units, static ranges);
 * 4. symbols (duplicate and unknown names);
 * 5. lower the base to the IR (context checks: VP/CPU ranges, Xen cpupool rules, settings that
 *    mean nothing where written); then each variant merged into a copy of the base;
 * 6. static hazards (`analysis/static`, VPS2xx) on the lowered scenario.
 *
 * `scenario` is present when the base has a host with a valid `pcpus`. Other errors do not
 * remove it: an invalid statement is ignored (its default applies) and a VM without a valid
 * `vcpus` is left out, so hazards keep working while one line is being typed. Consumers that
 * need a clean model (the simulator) must check `diagnostics` for errors first.
 */
import type { Diagnostic } from '../core/diagnostic';
import { sortDiagnostics } from '../core/diagnostic';
import { parse } from '../syntax/parser';
import type { ParseResult, Statement } from '../syntax/tree';
import type { DocumentAnalysis } from './analysisTypes';
import type { Scenario, VariantDef } from './ir';
import type { StatementSpec } from './schemaTypes';
import { ArgParser } from './args';
import { Codes } from './codes';
import { lower, type LowerContext, type LowerMemo } from './lower';
import { nameOf, resolve } from './resolve';
import { buildSymbols } from './symbols';
import { DiagSink } from './util';
import { mergeVariant } from './variants';
import { staticHazards } from '../analysis/static/index';

export interface AnalyzeOptions {
  /** Document URI or path; its base name is the title of a scenario without `scenario "..."`. */
  uri?: string;
  /** Skip the static hazard checks (VPS2xx), e.g. for benchmarks of the checker alone. */
  hazards?: boolean;
}

export function analyzeDocument(text: string, opts: AnalyzeOptions = {}): DocumentAnalysis {
  const parsed = parse(text);
  const { sink, res, symbols, scenario } = check(text, parsed, opts);
  const analysis: DocumentAnalysis = { parse: parsed, statements: res.statements, symbols, diagnostics: [], scenario };
  let all = sink.list;
  if (scenario && opts.hazards !== false) {
    try {
      const hz = staticHazards(scenario, analysis, text);
      all = all.concat(dropOverlaps(hz, sink.list));
    } catch (e) {
      // A bug in a hazard check must never take the checker down with it.
      const s = new DiagSink();
      internalError(s, 'static hazard checks', e);
      all = all.concat(s.list);
    }
  }
  analysis.diagnostics = finalize(all, text.length);
  return analysis;
}

/**
 * Passes 2-5. In a function of their own so that what only they need (the parsed arguments of
 * every statement, the merge's bookkeeping) is garbage before the hazard checks run: a 10k-line
 * file's arguments are megabytes that the garbage collector would otherwise copy again.
 */
function check(text: string, parsed: ParseResult, opts: AnalyzeOptions) {
  const sink = new DiagSink();
  for (const e of parsed.errors) sink.error(e.code, e.message, e.range, e.related ? { related: e.related } : undefined);

  const res = resolve(parsed.file, sink);
  const args = new ArgParser(text, sink, headHasSyntaxError(parsed.errors));
  const resolved = res.statements;
  for (let k = 0; k < resolved.length; k++) {
    const rs = resolved[k];
    if (rs.spec) args.parse(rs.node, rs.spec);
  }
  const symbols = buildSymbols(res, sink);

  const origin = new Map<Statement, Statement>();
  const specOf = (s: Statement): StatementSpec | undefined => {
    const i = res.info.get(s);
    if (i) return i.spec;
    const o = origin.get(s);
    return o ? res.info.get(o)?.spec : undefined;
  };
  const memo: LowerMemo = { record: true, vms: new Map() };
  const lctx = (diags: DiagSink): LowerContext => ({
    memo,
    text,
    title: titleFromUri(opts.uri),
    spec: specOf,
    args: (s) => {
      const o = res.info.has(s) ? s : origin.get(s);
      const spec = o && res.info.get(o)?.spec;
      return spec ? args.parse(o!, spec) : undefined;
    },
    sink: diags,
  });

  let scenario: Scenario | undefined;
  try {
    scenario = lower(res.base, lctx(sink));
  } catch (e) {
    internalError(sink, 'lowering', e);
  }
  memo.record = false;

  if (scenario) {
    for (const vstmt of res.variants) {
      const name = nameOf(vstmt);
      if (name === undefined || !vstmt.body) continue;
      const vsink = new DiagSink();
      try {
        const merged = mergeVariant(res.base, vstmt.body.statements, { spec: specOf, origin, sink: vsink, variantName: name });
        const vs = lower(merged, lctx(vsink));
        if (vs) {
          const desc = vstmt.body.statements.find((s) => specOf(s)?.id === 'variant.description');
          const dv = desc ? args.parse(desc, specOf(desc)!).values[0] : undefined;
          const def: VariantDef = { range: { start: vstmt.start, end: vstmt.end }, name, scenario: vs };
          if (dv?.kind === 'word') def.description = dv.value;
          scenario.variants.push(def);
        }
      } catch (e) {
        internalError(vsink, `variant ${name}`, e);
      }
      foldVariantDiagnostics(sink, vsink, vstmt, name);
    }
  }
  return { sink, res, symbols, scenario };
}

/**
 * A variant's diagnostics join the document's: those in the variant's own text as they are;
 * those at base statements (the merged variant is invalid there, e.g. a VP index beyond the
 * variant's `vcpus`) say which variant and point at it. Anything the base already reports at the
 * same range with the same code is dropped.
 */
function foldVariantDiagnostics(sink: DiagSink, vsink: DiagSink, vstmt: Statement, name: string): void {
  for (const d of vsink.list) {
    if (sink.has(d.code, d.range)) continue;
    const inside = d.range.start >= vstmt.start && d.range.end <= vstmt.end;
    if (inside) sink.add(d.severity, d.code, d.message, d.range, d);
    else {
      const nameArg = vstmt.args[0] ?? vstmt.keyword;
      sink.add(d.severity, d.code, `In variant \`${name}\`: ${d.message}`, d.range, {
        related: [...(d.related ?? []), { range: { start: nameArg.start, end: nameArg.end }, message: `variant \`${name}\`` }],
        // A fix would edit the base, which the variant does not own.
        tags: d.tags,
      });
    }
  }
}

/**
 * The checker's own VPS130/VPS131 (targeting settings that mean nothing) and the static hazard
 * VPS222 describe the same problem; keep the checker's, which carries the quick fix.
 */
function dropOverlaps(hazards: Diagnostic[], own: Diagnostic[]): Diagnostic[] {
  const mine = own.filter((d) => d.code === Codes.runOnTargetWithoutTarget || d.code === Codes.ignoredByBackend);
  if (mine.length === 0) return hazards;
  return hazards.filter((h) => h.code !== 'VPS222' || !mine.some((m) => m.range.start < h.range.end + 1 && h.range.start < m.range.end + 1));
}

/** Clamps ranges into the document, drops duplicates per (code, range), sorts. */
function finalize(list: Diagnostic[], n: number): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of list) {
    const start = Math.max(0, Math.min(d.range.start, n));
    const end = Math.max(start, Math.min(d.range.end, n));
    d.range = { start, end };
    const k = `${d.code}:${start}:${end}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(d);
  }
  return sortDiagnostics(out);
}

function internalError(sink: DiagSink, where: string, e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  sink.add('error', Codes.internalError, `Internal error in the ${where} (please report it): ${msg}`, { start: 0, end: 0 });
}

/**
 * Statements whose head (keyword and arguments, not the body) contains a syntax error: their
 * arguments are not checked, since the syntax error already explains the line.
 */
function headHasSyntaxError(errors: readonly { range: { start: number; end: number } }[]): (stmt: Statement) => boolean {
  const starts = errors.map((e) => e.range.start).sort((a, b) => a - b);
  return (stmt) => {
    if (starts.length === 0) return false;
    const end = stmt.body ? stmt.body.open.start : stmt.end;
    // First error start >= stmt.start (binary search), then compare with the head's end.
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] < stmt.start) lo = mid + 1;
      else hi = mid;
    }
    // An error at the body's '{' (unclosed block) is about the body, not the head.
    return lo < starts.length && (stmt.body ? starts[lo] < end : starts[lo] <= end);
  };
}

function titleFromUri(uri: string | undefined): string {
  if (!uri) return 'untitled';
  const base = decodeURIComponent(uri.replace(/[?#].*$/, '')).split(/[\\/]/).pop() ?? uri;
  return base.replace(/\.vps$/i, '') || 'untitled';
}
