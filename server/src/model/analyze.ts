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
 *    mean nothing where written); then each variant merged into a copy of the base (or of the
 *    variant it is `based_on`), without what it removes, and lowered;
 * 6. static hazards (`analysis/static`, VPS2xx) on the lowered scenario.
 *
 * `scenario` is present when the base has a host with a valid `pcpus`. Other errors do not
 * remove it: an invalid statement is ignored (its default applies) and a VM without a valid
 * `vcpus` is left out, so hazards keep working while one line is being typed. Consumers that
 * need a clean model (the simulator) must check `diagnostics` for errors first.
 */
import type { Diagnostic, Fix } from '../core/diagnostic';
import { sortDiagnostics } from '../core/diagnostic';
import type { Statement } from '../syntax/tree';
import { parseState, type ParseState } from '../syntax/incremental';
import type { DocumentAnalysis, SymbolDecl, SymbolTable } from './analysisTypes';
import type { Scenario, VariantDef } from './ir';
import type { StatementSpec } from './schemaTypes';
import { ArgParser, type ParsedArgs } from './args';
import { Codes } from './codes';
import { lower, type LowerContext, type LowerMemo, type VmLowerEntry } from './lower';
import { fixInVariant } from './variantFix';
import { nameOf, resolve, type Resolution } from './resolve';
import { buildSymbols, forEachDeclaration } from './symbols';
import { diagnosticWithin, RecordingSink, replayDiagnostic, shiftDiagnostic, type AnalysisReuse } from './reuse';
import { checkSetupSize, irSize, MAX_CYCLE_REPORTS, MAX_STATEMENTS, MAX_VARIANT_OBJECTS, statementPast } from './limits';
import { capRelated, clipMessage, DiagSink, eolOf, MAX_RELATED } from './util';
import { mergeVariant, RESERVED_VARIANT } from './variants';
import { checkFileSweeps } from './sweep';
import { staticHazards } from '../analysis/static/index';
import { isKnownCode } from '../analysis/catalog';
import { applySuppressions, parseSuppressions, unsuppressible, unusedSuppressions } from './suppress';
import { applySeverityOverrides, type SeverityOverrides } from './findingSettings';

export interface AnalyzeOptions {
  /** Document URI or path; its base name is the title of a scenario without `scenario "..."`. */
  uri?: string;
  /** Skip the static hazard checks (VPS2xx), e.g. for benchmarks of the checker alone. */
  hazards?: boolean;
  /**
   * Severity per code (a shell's settings, e.g. `{ VPS211: 'hint', VPS219: 'off' }`); applied
   * after suppressions. The checker's errors keep theirs (docs/language.md).
   */
  severities?: SeverityOverrides;
}

export function analyzeDocument(text: string, opts: AnalyzeOptions = {}): DocumentAnalysis {
  const syntax = analyzeSyntax(parseState(text), opts);
  const checked = analyzeChecked(syntax, opts);
  return opts.hazards === false ? checked.analysis : analyzeFull(checked, opts).analysis;
}

/**
 * Stage 1 of an analysis, enough for completion, hover, navigation, outline, formatting (every
 * editor feature but diagnostics, quick fixes, inlay hints and runs): the parse (incremental
 * after an edit, see `syntax/incremental.ts`), every statement resolved, the symbol table. Its
 * `analysis` has no diagnostics and no scenario yet; `analyzeChecked` and `analyzeFull` fill them
 * in on the same object, so what was derived from it (the editor's indexes) stays valid.
 */
export interface SyntaxStage {
  readonly text: string;
  readonly parseState: ParseState;
  readonly analysis: DocumentAnalysis;
  /** What is kept across the versions of the document, when the caller keeps it (model/reuse.ts). */
  readonly reuse?: AnalysisReuse;
  /** For the next stages: the resolution. */
  res(): Resolution;
  /** For the next stages: syntax errors and the resolution's diagnostics; the symbol table's. */
  resolveDiags(): DiagSink;
  symbolDiags(): DiagSink;
}

/** Stage 2: arguments, lowering, variants; `analysis` is what `analyzeDocument(text, { hazards: false })` gives. */
export interface CheckedStage {
  readonly syntax: SyntaxStage;
  readonly analysis: DocumentAnalysis;
  /** Every diagnostic so far, before suppressions, severities and sorting. */
  readonly raw: readonly Diagnostic[];
}

/** Stage 3: the static hazards; `analysis` is what `analyzeDocument(text)` gives. */
export interface FullStage {
  readonly checked: CheckedStage;
  readonly analysis: DocumentAnalysis;
}

/**
 * Stage 1 from a parse state (`reparse(previous, text)` after an edit, or `parseState(text)`).
 * With `reuse` (one object per document, given for every version), the resolution and the names
 * of the top-level statements the edit did not touch are taken from the previous version's
 * analysis (model/reuse.ts); the file-wide parts are made again.
 */
export function analyzeSyntax(ps: ParseState, _opts: AnalyzeOptions = {}, reuse?: AnalysisReuse): SyntaxStage {
  const text = ps.text;
  const parsed = ps.result;
  if (reuse && ps.replaced.length > 0) reuse.forgetReplaced(ps.replaced);
  // Both made on first use: a keyword completion right after a keystroke needs neither.
  let resolution: { res: Resolution; diags: DiagSink } | undefined;
  let table: { symbols: SymbolTable; diags: DiagSink } | undefined;
  const resolved = () => {
    if (!resolution) {
      const diags = new DiagSink();
      for (const e of parsed.errors) diags.error(e.code, e.message, e.range, e.related ? { related: e.related } : undefined);
      resolution = { res: resolve(parsed.file, diags, reuse), diags };
    }
    return resolution;
  };
  const symbolTable = () => {
    if (!table) {
      const diags = new DiagSink();
      table = { symbols: buildSymbols(resolved().res, diags, reuse), diags };
    }
    return table;
  };
  const eachDecl = (fn: (d: SymbolDecl) => void): void => {
    if (table || !reuse) {
      const decls = symbolTable().symbols.decls;
      for (let i = 0; i < decls.length; i++) fn(decls[i]);
    } else forEachDeclaration(parsed.file, reuse, fn);
  };
  const analysis = new SyntaxAnalysis(parsed, () => resolved().res.statements, () => symbolTable().symbols, eachDecl);
  return { text, parseState: ps, analysis, reuse, res: () => resolved().res, resolveDiags: () => resolved().diags, symbolDiags: () => symbolTable().diags };
}

/**
 * Stage 1's analysis: its statements and symbols made on first use. A class rather than an
 * object literal with getters: V8 gives each such literal (its getters are new closures) a map of
 * its own, and the inline caches that read `statements` or `symbols` then keep the last
 * version's analysis alive through the young generation's collections (BENCHMARKS.md, "What
 * survives the scavenges").
 */
class SyntaxAnalysis implements DocumentAnalysis {
  readonly parse: DocumentAnalysis['parse'];
  diagnostics: Diagnostic[];
  scenario: Scenario | undefined;
  suppressions: DocumentAnalysis['suppressions'];
  memo: DocumentAnalysis['memo'];
  private readonly statementsOf: () => DocumentAnalysis['statements'];
  private readonly symbolsOf: () => SymbolTable;
  private readonly eachDecl: (fn: (d: SymbolDecl) => void) => void;
  constructor(parse: DocumentAnalysis['parse'], statements: () => DocumentAnalysis['statements'], symbols: () => SymbolTable, eachDecl: (fn: (d: SymbolDecl) => void) => void) {
    this.parse = parse;
    this.diagnostics = [];
    this.scenario = undefined;
    this.suppressions = undefined;
    this.memo = undefined;
    this.statementsOf = statements;
    this.symbolsOf = symbols;
    this.eachDecl = eachDecl;
  }
  forEachDecl(fn: (d: SymbolDecl) => void): void {
    this.eachDecl(fn);
  }
  get statements(): DocumentAnalysis['statements'] {
    return this.statementsOf();
  }
  get symbols(): SymbolTable {
    return this.symbolsOf();
  }
}

/** Stage 2 on top of stage 1 (fills in `syntax.analysis`). */
export function analyzeChecked(syntax: SyntaxStage, opts: AnalyzeOptions = {}): CheckedStage {
  const { sink, scenario } = check(syntax, opts);
  const analysis = syntax.analysis;
  analysis.scenario = scenario;
  analysis.diagnostics = finish(syntax.text, analysis, sink.list, false, opts);
  return { syntax, analysis, raw: sink.list };
}

/** Stage 3 on top of stage 2 (fills in the same analysis object). */
export function analyzeFull(checked: CheckedStage, opts: AnalyzeOptions = {}): FullStage {
  const { text } = checked.syntax;
  const analysis = checked.analysis;
  const scenario = analysis.scenario;
  const raw = checked.raw as Diagnostic[];
  let all = raw;
  if (scenario) {
    // The hazard checks see the analysis as a from-scratch one shows it to them: no diagnostics yet.
    const before = analysis.diagnostics;
    analysis.diagnostics = [];
    try {
      const hz = staticHazards(scenario, analysis, text, checked.syntax.reuse);
      all = all.concat(dropOverlaps(hz, raw));
    } catch (e) {
      // A bug in a hazard check must never take the checker down with it.
      const s = new DiagSink();
      internalError(s, 'static hazard checks', e);
      all = all.concat(s.list);
    } finally {
      analysis.diagnostics = before;
    }
  }
  analysis.diagnostics = finish(text, analysis, all, true, opts);
  return { checked, analysis };
}

/**
 * Suppression comments (model/suppress.ts): drop what they cover, then report the ones that
 * suppress nothing the checker can judge (run findings VPS3xx are judged by run diagnostics);
 * then the severity settings; then clamp, dedupe and sort.
 */
function finish(text: string, analysis: DocumentAnalysis, list: Diagnostic[], hazards: boolean, opts: AnalyzeOptions): Diagnostic[] {
  let all = list;
  const sup = parseSuppressions(text, analysis.parse.file, isKnownCode);
  if (sup.list.length || sup.problems.length) {
    const hazardsRan = !!analysis.scenario && hazards;
    const { kept, used } = applySuppressions(all, sup.list);
    const judged = (code: string) => code < 'VPS200' || (code < 'VPS300' && hazardsRan);
    all = kept.concat(sup.problems, unusedSuppressions(sup.list, used, judged));
  }
  analysis.suppressions = sup.list;
  if (opts.severities) all = applySeverityOverrides(all, opts.severities, (d) => d.severity === 'error' && unsuppressible(d.code));
  return finalize(all, text.length);
}

/**
 * Passes 3 and 5 (arguments, lowering) after stage 1. In a function of their own so that what
 * only they need (the parsed arguments of every statement, the merge's bookkeeping) is garbage
 * before the hazard checks run: a 10k-line file's arguments are megabytes that the garbage
 * collector would otherwise copy again.
 */
function check(syntax: SyntaxStage, opts: AnalyzeOptions) {
  const { text } = syntax;
  const parsed = syntax.parseState.result;
  // Diagnostics in the order of the passes (the first of a (code, range) wins): syntax and
  // resolution, arguments, symbols, lowering.
  const sink = new DiagSink();
  // A document past the statement bound gets its syntax errors and one VPS146, nothing else: not
  // even the resolution's diagnostics (a million unknown keywords are a million of them).
  const past = statementPast(parsed.file.statements, MAX_STATEMENTS);
  if (past) {
    for (const e of parsed.errors) sink.error(e.code, e.message, e.range, e.related ? { related: e.related } : undefined);
    sink.error(
      Codes.tooLargeToSimulate,
      `The document has more than ${MAX_STATEMENTS.toLocaleString('en-US')} statements (vpscope's bound; this is the first one past it): only its syntax is checked, nothing else. Split it into several files.`,
      { start: past.start, end: past.keyword.end > past.start ? past.keyword.end : past.end },
    );
    return { sink, scenario: undefined };
  }
  const res = syntax.res();
  for (const d of syntax.resolveDiags().list) sink.adopt(d);
  const args = new ArgParser(text, sink, headHasSyntaxError(parsed.errors));
  parseAllArgs(args, res, parsed.file.statements, sink, syntax.reuse);
  for (const d of syntax.symbolDiags().list) sink.adopt(d);
  checkFileSweeps(text, parsed.file, res.statements, sink);

  const origin = new Map<Statement, Statement>();
  const specOf = (s: Statement): StatementSpec | undefined => {
    const i = res.info.get(s);
    if (i) return i.spec;
    const o = origin.get(s);
    return o ? res.info.get(o)?.spec : undefined;
  };
  const memo: LowerMemo = { record: true, vms: new Map() };
  const cache = syntax.reuse ? { map: syntax.reuse.lowering as WeakMap<Statement, VmLowerEntry>, eol: eolOf(text) } : undefined;
  const lctx = (diags: DiagSink, removed?: ReadonlyMap<string, Statement>): LowerContext => ({
    memo,
    cache,
    text,
    title: titleFromUri(opts.uri),
    spec: specOf,
    args: (s) => {
      const o = res.info.has(s) ? s : origin.get(s);
      const spec = o && res.info.get(o)?.spec;
      return spec ? args.parse(o!, spec) : undefined;
    },
    sink: diags,
    removed,
  });

  let scenario: Scenario | undefined;
  try {
    scenario = lower(res.base, lctx(sink));
    if (scenario) checkSetupSize(scenario, text, sink);
  } catch (e) {
    internalError(sink, 'lowering', e);
  }
  memo.record = false;

  if (scenario) {
    const variants = new VariantMerges(res, specOf, (s) => args.parse(s, specOf(s)!), origin, sink);
    let objects = irSize(scenario);
    for (const vstmt of res.variants) {
      const name = nameOf(vstmt);
      if (name === undefined || !vstmt.body) continue;
      if (objects > MAX_VARIANT_OBJECTS) {
        const at = vstmt.args[0] ?? vstmt.keyword;
        sink.error(
          Codes.tooLargeToSimulate,
          `Variant \`${name}\` is not checked or simulated: the base and the variants above it already make ${objects.toLocaleString('en-US')} objects (VMs, threads, tasks, loads... as merged; at most ${MAX_VARIANT_OBJECTS.toLocaleString('en-US')} per file). Split the variants into several files, or build fewer on each other.`,
          { start: at.start, end: at.end },
        );
        continue;
      }
      if (name === RESERVED_VARIANT) {
        // Runs and comparisons call the base scenario `base`: a variant of that name would give
        // two "base" runs and a "base vs base" comparison.
        const at = vstmt.args[0] ?? vstmt.keyword;
        sink.error(Codes.reservedVariantName, '`base` is the name of the base scenario in runs and comparisons; give this variant another name.', { start: at.start, end: at.end });
        continue;
      }
      const vsink = variants.sinkOf(vstmt);
      try {
        const merged = variants.merged(vstmt);
        const vs = merged && lower(merged.list, lctx(vsink, merged.removed));
        if (vs) {
          checkSetupSize(vs, text, vsink);
          objects += irSize(vs);
          const desc = vstmt.body.statements.find((s) => specOf(s)?.id === 'variant.description');
          const dv = desc ? args.parse(desc, specOf(desc)!).values[0] : undefined;
          const def: VariantDef = { range: { start: vstmt.start, end: vstmt.end }, name, scenario: vs };
          if (dv?.kind === 'word') def.description = dv.value;
          if (merged.basedOn !== undefined) def.basedOn = merged.basedOn;
          scenario.variants.push(def);
        }
      } catch (e) {
        internalError(vsink, `variant ${name}`, e);
      }
      foldVariantDiagnostics(sink, vsink, vstmt, name, text, parsed.file.statements);
    }
  }
  return { sink, scenario };
}

/** What the arguments of one top-level block raised, kept for the next versions (`AnalysisReuse.args`). */
interface ArgsEntry {
  /** Every diagnostic given to the sink, kept or not, at offsets relative to the block's start. */
  given: Diagnostic[];
}

/**
 * Pass 3: the arguments of every statement, in document order, their diagnostics into `sink`.
 * With `reuse`, a top-level block (with a body) that an earlier version parsed, the same object
 * (the incremental parse keeps it while no edit touches it), is not parsed again: the diagnostics
 * its arguments gave then are given to `sink` again, moved to where the block is now, in the same
 * place of the sequence, so the sink keeps the same ones. What a block's arguments raise depends on
 * the block alone: each statement's text, its spec (the block's resolution, model/reuse.ts) and
 * the syntax errors in its head (inside the block: an error reaching across a block's border makes
 * the parse start again from scratch, with new objects). A block whose diagnostics reach outside it
 * is not kept. The arguments of such a block are parsed on demand later (the lowering of what is
 * not reused), silently: their diagnostics are in already.
 */
function parseAllArgs(args: ArgParser, res: Resolution, top: readonly Statement[], sink: DiagSink, reuse: AnalysisReuse | undefined): void {
  const resolved = res.statements;
  const tops = res.tops;
  const cache = reuse && tops.length === top.length + 1 ? (reuse.args as WeakMap<Statement, ArgsEntry>) : undefined;
  if (!cache) {
    for (let k = 0; k < resolved.length; k++) {
      const rs = resolved[k];
      if (rs.spec) args.parse(rs.node, rs.spec);
    }
    return;
  }
  for (let t = 0; t < top.length; t++) {
    const stmt = top[t];
    const to = tops[t + 1];
    const keep = stmt.body !== undefined;
    const hit = keep ? cache.get(stmt) : undefined;
    if (hit) {
      for (const d of hit.given) replayDiagnostic(sink, d, stmt.start);
      continue;
    }
    const rec = keep ? new RecordingSink(sink) : undefined;
    if (rec) args.setSink(rec);
    for (let k = tops[t]; k < to; k++) {
      const rs = resolved[k];
      if (rs.spec) args.parse(rs.node, rs.spec);
    }
    if (rec) {
      args.setSink(sink);
      if (rec.given.every((d) => diagnosticWithin(d, stmt.start, stmt.end))) cache.set(stmt, { given: rec.given.map((d) => shiftDiagnostic(d, -stmt.start)) });
      else cache.delete(stmt);
    }
  }
  // Every statement's diagnostics are in: what is parsed from now on is in a block replayed above.
  args.setSink(new DiagSink());
}

/** A variant merged into what it builds on: the statements to lower and the blocks it removes. */
interface MergedVariant {
  list: Statement[];
  removed: Map<string, Statement>;
  /** The variant it builds on, when its `based_on` is valid. */
  basedOn?: string;
}

/**
 * The variants of a file merged into what each builds on: the base scenario, or, with `based_on
 * a`, variant `a` as merged (so `a`'s overrides come first and the variant's own win). Each
 * variant is merged once, with its own diagnostics; chains are followed, and a cycle is reported
 * at every `based_on` in it (those variants are then merged into the base).
 */
class VariantMerges {
  private readonly byName = new Map<string, Statement>();
  private readonly sinks = new Map<Statement, DiagSink>();
  private readonly done = new Map<Statement, MergedVariant | undefined>();
  /** Variants whose `based_on` is part of a cycle (ignored). */
  private readonly cyclic = new Set<Statement>();

  constructor(
    private readonly res: Resolution,
    private readonly specOf: (s: Statement) => StatementSpec | undefined,
    private readonly argsOf: (s: Statement) => ParsedArgs,
    private readonly origin: Map<Statement, Statement>,
    sink: DiagSink,
  ) {
    for (const v of res.variants) {
      const n = nameOf(v);
      if (n !== undefined && !this.byName.has(n)) this.byName.set(n, v);
    }
    this.findCycles(sink);
  }

  sinkOf(v: Statement): DiagSink {
    let s = this.sinks.get(v);
    if (!s) this.sinks.set(v, (s = new DiagSink()));
    return s;
  }

  /** The `based_on` statement of a variant and the variant it names, if it names one. */
  private basedOn(v: Statement): { stmt: Statement; name: string; target?: Statement } | undefined {
    const stmt = v.body?.statements.find((s) => this.specOf(s)?.id === 'variant.based_on');
    if (!stmt) return undefined;
    const w = this.argsOf(stmt).values[0];
    if (w?.kind !== 'word') return undefined;
    return { stmt, name: w.value, target: this.byName.get(w.value) };
  }

  /**
   * Reports every cycle of `based_on` once per variant in it (at most {@link MAX_CYCLE_REPORTS}
   * of them, the first in the file), and remembers those variants.
   * Linear in the number of variants: each `based_on` is followed once (every variant has at most
   * one, so the walk from a variant ends in a cycle, the base, or a variant walked before).
   */
  private findCycles(sink: DiagSink): void {
    const state = new Map<Statement, 1 | 2>(); // 1: on the current walk, 2: done
    const next = new Map<Statement, { stmt: Statement; name: string; target?: Statement } | undefined>();
    const basedOn = (v: Statement) => {
      if (!next.has(v)) next.set(v, this.basedOn(v));
      return next.get(v);
    };
    for (const v0 of this.byName.values()) {
      if (state.has(v0)) continue;
      const walk: Statement[] = [];
      let cur: Statement | undefined = v0;
      while (cur && !state.has(cur)) {
        state.set(cur, 1);
        walk.push(cur);
        cur = basedOn(cur)?.target;
      }
      if (cur && state.get(cur) === 1) {
        const cycle = walk.slice(walk.indexOf(cur));
        for (const c of cycle) this.cyclic.add(c);
        const names = cycle.map((c) => nameOf(c)!);
        // A long cycle is reported at its first MAX_CYCLE_REPORTS variants in the file, not at
        // each: 10,000 variants in one cycle made 10,000 errors (75 MB of JSON, 9 s in `check`).
        const order = cycle.map((_, i) => i);
        if (cycle.length > MAX_CYCLE_REPORTS) order.sort((a, b) => cycle[a].start - cycle[b].start).length = MAX_CYCLE_REPORTS;
        for (const i of order) this.reportCycle(sink, cycle, names, i, basedOn);
      }
      for (const w of walk) state.set(w, 2);
    }
  }

  /** The VPS144 of the `i`th variant of `cycle`: the path from it round to it (shortened when long). */
  private reportCycle(
    sink: DiagSink,
    cycle: Statement[],
    names: string[],
    i: number,
    basedOn: (v: Statement) => { stmt: Statement; name: string } | undefined,
  ): void {
    const n = cycle.length;
    const b = basedOn(cycle[i])!;
    const at = b.stmt.args[0] ?? b.stmt.keyword;
    const MAX_PATH = 8;
    const shown: string[] = [];
    for (let k = 0; k <= Math.min(n, MAX_PATH); k++) shown.push(`\`${names[(i + k) % n]}\``);
    const path = n <= MAX_PATH ? shown.join(' -> ') : `${shown.slice(0, MAX_PATH).join(' -> ')} -> ... ${n - MAX_PATH} more -> \`${names[i]}\``;
    const related = [];
    for (let k = 1; k < n && k <= MAX_RELATED; k++) {
      const c = cycle[(i + k) % n];
      const cb = basedOn(c)!;
      related.push({ range: rangeOfStmt(cb.stmt), message: `\`${nameOf(c)}\` is based on \`${cb.name}\`` });
    }
    sink.error(
      Codes.basedOnCycle,
      n === 1
        ? `Variant \`${names[i]}\` is based on itself; remove this \`based_on\`.`
        : `Variant \`${names[i]}\` is based on itself through a cycle (${path}), so it has no base to start from; remove one of these \`based_on\`.${
            n > MAX_CYCLE_REPORTS ? ` This cycle of ${n.toLocaleString('en-US')} variants is reported at its first ${MAX_CYCLE_REPORTS} in the file only.` : ''
          }`,
      { start: at.start, end: at.end },
      { related: capRelated(related, n - 1) },
    );
  }

  /**
   * A variant merged into what it builds on (memoized; undefined when it has no body). The
   * variants it builds on that are not merged yet are merged first, from the farthest, in a loop:
   * a recursion overflowed the stack on a chain of 10,000 variants (VPS199).
   */
  merged(v: Statement): MergedVariant | undefined {
    if (this.done.has(v)) return this.done.get(v);
    const pending: Statement[] = [];
    const seen = new Set<Statement>();
    for (let cur: Statement | undefined = v; cur && !this.done.has(cur) && !seen.has(cur); ) {
      seen.add(cur);
      pending.push(cur);
      const b: { target?: Statement } | undefined = cur.body && nameOf(cur) !== undefined && !this.cyclic.has(cur) ? this.basedOn(cur) : undefined;
      cur = b?.target;
    }
    for (let k = pending.length - 1; k > 0; k--) this.mergeOne(pending[k]);
    return this.mergeOne(v);
  }

  private mergeOne(v: Statement): MergedVariant | undefined {
    if (this.done.has(v)) return this.done.get(v);
    this.done.set(v, undefined); // guards against a cycle the checks above missed
    const body = v.body;
    const name = nameOf(v);
    if (!body || name === undefined) return undefined;
    const b = this.cyclic.has(v) ? undefined : this.basedOn(v);
    const parent = b?.target && b.target !== v ? this.merged(b.target) : undefined;
    const removed = new Map(parent?.removed ?? []);
    const list = mergeVariant(parent?.list ?? this.res.base, body.statements, {
      spec: this.specOf,
      origin: this.origin,
      sink: this.sinkOf(v),
      variantName: name,
      baseLabel: parent ? `variant \`${b!.name}\`` : undefined,
      removed,
    });
    const m: MergedVariant = { list, removed };
    if (parent) m.basedOn = b!.name;
    this.done.set(v, m);
    return m;
  }
}

function rangeOfStmt(s: Statement): { start: number; end: number } {
  return { start: s.start, end: s.end };
}

/**
 * A variant's diagnostics join the document's: those in the variant's own text as they are;
 * those at base statements (the merged variant is invalid there, e.g. a VP index beyond the
 * variant's `vcpus`) say which variant and point at it. Anything the base already reports at the
 * same range with the same code is dropped.
 */
function foldVariantDiagnostics(sink: DiagSink, vsink: DiagSink, vstmt: Statement, name: string, text: string, top: readonly Statement[]): void {
  for (const d of vsink.list) {
    if (sink.has(d.code, d.range)) continue;
    const inside = d.range.start >= vstmt.start && d.range.end <= vstmt.end;
    if (inside) sink.add(d.severity, d.code, d.message, d.range, d);
    else {
      const nameArg = vstmt.args[0] ?? vstmt.keyword;
      sink.add(d.severity, d.code, `In variant \`${name}\`: ${d.message}`, d.range, {
        related: [...(d.related ?? []), { range: { start: nameArg.start, end: nameArg.end }, message: `variant \`${name}\`` }],
        // A fix of the base statement would change the base, which the variant does not own: it
        // is written as the variant's override instead, or dropped (model/variantFix.ts).
        tags: d.tags,
        fixes: (d.fixes ?? []).map((f) => fixInVariant(text, top, vstmt, f)).filter((f): f is Fix => f !== undefined),
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

/** Clamps ranges into the document, drops duplicates per (code, range), shortens long quotes, sorts. */
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
    // Messages quote what the user wrote: a 100,000-character name is not repeated whole.
    d.message = clipMessage(d.message);
    if (d.related) for (const r of d.related) r.message = clipMessage(r.message);
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
  const sorted = errors.map((e) => e.range).sort((a, b) => a.start - b.start || a.end - b.end);
  return (stmt) => {
    if (sorted.length === 0) return false;
    const end = stmt.body ? stmt.body.open.start : stmt.end;
    // First error start >= stmt.start (binary search), then compare with the head's end.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid].start < stmt.start) lo = mid + 1;
      else hi = mid;
    }
    // An error at the body's '{' (unclosed block) is about the body, not the head; one on the
    // token right after a head without a body (`vm}`: the '}') is about that token, so `vm}`
    // and `vm }` get the same diagnostics. Only an empty error at the head's end (something
    // missing there) is the head's.
    for (let k = lo; k < sorted.length && sorted[k].start <= end; k++) {
      const e = sorted[k];
      if (e.start < end || (!stmt.body && e.end === e.start)) return true;
    }
    return false;
  };
}

function titleFromUri(uri: string | undefined): string {
  if (!uri) return 'untitled';
  const base = decodeURIComponent(uri.replace(/[?#].*$/, '')).split(/[\\/]/).pop() ?? uri;
  return base.replace(/\.vps$/i, '') || 'untitled';
}
