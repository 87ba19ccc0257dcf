/**
 * Parameter sweeps (`vpscope simulate --sweep 'PATH=v1,v2,...'`): a sweep point is one more
 * variant, written as text and merged by the ordinary variant rules (variants.ts), so a swept
 * setting is checked, lowered and simulated exactly as if the user had written
 *
 *   variant vpscope_sweep { based_on V; vm web { vcpus 4 } }
 *
 * for each selected variant V (no `based_on` for the base). The point's value wins over what V
 * writes for the same setting (a variant's own statements win over what it is based on).
 *
 * PATH is a dotted path of statements from the top level: each step is `KEYWORD` or `KEYWORD
 * NAME` (a named block), the last step is the setting: `host.pcpus`, `vm web.vcpus`,
 * `host.load noise.threads`, `vm store.openhcl.task nvme.rate`, `scenario.duration`. It is
 * resolved against the schema and the base's blocks before anything runs: an unknown step is an
 * error listing what exists there. Values are the setting's text (`4`, `20k/s`, `exp 50us`);
 * `A..B step S` expands to numbers (with one optional unit suffix: `100us..500us step 100us`).
 *
 * The same sweep can be written in the file, shaped like a variant body with the value list in
 * place of the value (`sweep { vm web { vcpus 2..16 step 2 } }`): {@link checkFileSweeps} checks
 * it during analysis (diagnostics on the precise step, name or value), {@link fileRunPlan} reads
 * it (and `scenario { seeds N }`) for the shells.
 *
 * Several swept settings (several in one `sweep` block, several `sweep` statements, or repeated
 * `--sweep`) are crossed: every combination of their values is one point, and one variant writes
 * them all. The axes are in writing order (document order, or the order of the `--sweep`
 * options); the points are listed with the first axis varying slowest, the last fastest (as
 * nested loops written in that order). At most {@link MAX_SWEEP_VALUES} points in all.
 *
 * Pure: text in, text and messages out.
 */
import type { DocumentAnalysis, ResolvedStatement } from './analysisTypes';
import type { TextRange } from '../core/text';
import type { SourceFile, Statement } from '../syntax/tree';
import type { StatementSpec } from './schemaTypes';
import { parse } from '../syntax/parser';
import { childSpecs, resolveStatement } from './schema';
import { nameOf } from './resolve';
import { ArgParser } from './args';
import { Codes } from './codes';
import { closeMatches, DiagSink, didYouMean } from './util';
import { crossSize } from '../core/cross';
import { clipQuote } from '../core/text';

export { crossPoints, crossSize, pointLabel } from '../core/cross';

/** The name of the synthetic variant a sweep point adds to the text. */
export const SWEEP_VARIANT = 'vpscope_sweep_point';
/**
 * At most this many values per sweep, and points in a cross product of sweeps (a typo in a range
 * must not plan millions of runs).
 */
export const MAX_SWEEP_VALUES = 1000;

export interface SweepStep {
  keyword: string;
  name?: string;
}

export interface SweepSpec {
  /** The path as the user wrote it (normalised spacing). */
  path: string;
  steps: SweepStep[];
  /** Values as setting text, in order. */
  values: string[];
}

/** Parses `PATH=v1,v2,...` or `PATH=A..B step S`; a string is an error message. */
export function parseSweep(spec: string): SweepSpec | string {
  const eq = spec.indexOf('=');
  if (eq < 0) return `--sweep expects 'PATH=v1,v2,...' or 'PATH=A..B step S', got '${spec}'`;
  const rawPath = spec.slice(0, eq).trim();
  const rawValues = spec.slice(eq + 1).trim();
  if (!rawPath) return `--sweep: missing PATH before '=' in '${spec}'`;
  const steps: SweepStep[] = [];
  for (const part of rawPath.split('.')) {
    const words = part.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0 || words.length > 2 || !words.every((w) => /^[A-Za-z_][A-Za-z0-9_-]*$/.test(w))) {
      return `--sweep: bad PATH '${rawPath}': each step is KEYWORD or KEYWORD NAME, joined by '.' (e.g. 'vm web.vcpus', 'host.pcpus')`;
    }
    steps.push(words.length === 2 ? { keyword: words[0], name: words[1] } : { keyword: words[0] });
  }
  const values = parseValues(rawValues);
  if (typeof values === 'string') return values;
  return { path: steps.map((s) => (s.name ? `${s.keyword} ${s.name}` : s.keyword)).join('.'), steps, values };
}

const NUM = String.raw`(\d+(?:\.\d+)?)([A-Za-z/%]*)`;
const RANGE = new RegExp(String.raw`^${NUM}\s*\.\.\s*${NUM}(?:\s+step\s+${NUM})?$`);

function parseValues(raw: string): string[] | string {
  if (!raw) return `--sweep: no values after '='`;
  const r = RANGE.exec(raw);
  if (r) {
    const [, a, ua, b, ub, s, us] = r;
    const unit = ua || ub || us || '';
    if ((ua && ua !== unit) || (ub && ub !== unit) || (us && us !== unit)) return `--sweep: a range uses one unit, got '${raw}'`;
    const lo = Number(a);
    const hi = Number(b);
    const step = s === undefined ? 1 : Number(s);
    // A number of 309 digits or more is Infinity: its range would make no value at all (NaN steps).
    for (const [x, text] of [[lo, a], [hi, b], [step, s ?? '1']] as const) {
      if (!Number.isFinite(x)) return `--sweep: the number '${clipQuote(text)}' of '${clipQuote(raw)}' is too large (a number of a range is at most about 1.8e308, the largest double)`;
    }
    if (!(step > 0)) return `--sweep: the step of '${raw}' must be positive`;
    if (hi < lo) return `--sweep: the range '${raw}' is empty (${b} < ${a})`;
    const n = Math.floor((hi - lo) / step + 1e-9) + 1;
    if (n > MAX_SWEEP_VALUES) return `--sweep: '${raw}' makes ${n} values (at most ${MAX_SWEEP_VALUES})`;
    // Decimals as many as the inputs have, so 0.1 steps print as 0.3, not 0.30000000000000004
    // (toFixed takes at most 100: more decimals than that were a RangeError, a crash of the check).
    const dec = Math.min(100, Math.max(...[a, b, s ?? '1'].map((x) => (x.includes('.') ? x.length - x.indexOf('.') - 1 : 0))));
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const v = `${Number((lo + i * step).toFixed(dec))}${unit}`;
      // Past 2^53 (or a step below the numbers' precision) consecutive values round to the same number.
      if (i > 0 && v === out[i - 1]) return `--sweep: the step of '${raw}' is below the precision of its numbers (values repeat: ${clipQuote(v)}); use a larger step or smaller numbers`;
      out.push(v);
    }
    return out;
  }
  // A lone `A..B` that is not a range of numbers (`uniform 1ms..2ms` is a value: a distribution).
  if (raw.includes('..') && !raw.includes(',') && /^[\d.]/.test(raw)) return `--sweep: bad range '${raw}': write 'A..B' or 'A..B step S' (numbers, one optional unit)`;
  const values = raw.split(',').map((v) => v.trim());
  if (values.some((v) => v === '')) return `--sweep: empty value in '${raw}'`;
  if (values.some((v) => /[{};#"\n]/.test(v))) return `--sweep: a value is the text of one setting (no '{', '}', ';', '#' or quotes): '${raw}'`;
  if (values.length > MAX_SWEEP_VALUES) return `--sweep: ${values.length} values (at most ${MAX_SWEEP_VALUES})`;
  // A point is known by its value's text: two equal ones were aggregated together, each row
  // shown twice with n counting both (as if a seed more), as --seed-list refuses a seed twice.
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) return `--sweep: the value '${clipQuote(v)}' is listed twice in '${clipQuote(raw)}'`;
    seen.add(v);
  }
  return values;
}

/** What is wrong with a sweep path, and at which step (its keyword or its name). */
interface PathProblem {
  message: string;
  step: number;
  at: 'keyword' | 'name';
  code: string;
}

/** `spec` of each base statement (variants left out). */
function baseSpecs(statements: readonly ResolvedStatement[]): Map<Statement, StatementSpec | undefined> {
  const specOf = new Map<Statement, StatementSpec | undefined>();
  for (const r of statements) if (r.variant === undefined) specOf.set(r.node, r.spec);
  return specOf;
}

/**
 * Resolves a path against the schema and the base's blocks (`top`: its top-level statements).
 * `cli`: messages for `--sweep` (`--seed` advice); else for a `sweep` statement.
 */
function resolvePath(steps: readonly SweepStep[], specOf: Map<Statement, StatementSpec | undefined>, top: readonly Statement[], hint: () => string, cli: boolean): PathProblem | undefined {
  let parent = 'file';
  let here: readonly Statement[] = top.filter((s) => { const id = specOf.get(s)?.id; return id !== 'variant' && id !== 'sweep'; });
  let where = 'the top level';
  for (let i = 0; i < steps.length; i++) {
    const st = steps[i];
    const last = i === steps.length - 1;
    const spec = resolveStatement(st.keyword, parent);
    const allowed = childSpecs(parent).filter((c) => c.id !== 'variant' && c.id !== 'sweep' && !c.variantOnly);
    if (!spec || spec.variantOnly || spec.id === 'variant' || spec.id === 'sweep') {
      const kws = allowed.filter((c) => (last ? c.body !== 'required' : c.body !== 'none')).map((c) => c.keyword);
      return { step: i, at: 'keyword', code: Codes.unknownKeyword, message: `unknown ${last ? 'setting' : 'block'} \`${st.keyword}\` in ${where}.${didYouMean(closeMatches(st.keyword, kws))} Known there: ${kws.join(', ') || '(none)'}.${hint()}` };
    }
    const named = spec.args[0]?.type.kind === 'name';
    if (last && (spec.body === 'required' || named) && !cli) return { step: i, at: 'keyword', code: Codes.badSweep, message: `the sweep ends at the block \`${st.keyword}\`; it must end at a setting of it, with its values (${childSpecs(spec.id).filter((c) => c.body !== 'required' && c.args[0]?.type.kind !== 'name').map((c) => c.keyword).join(', ')}).` };
    if (named && st.name === undefined) return { step: i, at: 'keyword', code: Codes.badSweep, message: `\`${st.keyword}\` is a named block: write \`${st.keyword} NAME\`${cli ? ' in the path' : ''} (${namesIn(here, spec, specOf) || 'none in the base'}).` };
    if (!named && st.name !== undefined) return { step: i, at: 'name', code: Codes.badSweep, message: `\`${st.keyword}\` takes no name in a ${cli ? 'path' : 'sweep'} (\`${st.keyword} ${st.name}\`).` };
    if (last) {
      if (spec.id === 'scenario.seed') return { step: i, at: 'keyword', code: Codes.badSweep, message: cli ? 'the seed is set per run by --seed, --seeds and --seed-list; sweep another setting.' : 'the seed is set per run (`seed`, `seeds`, --seeds): sweep another setting.' };
      if (spec.id === 'scenario.seeds') return { step: i, at: 'keyword', code: Codes.badSweep, message: 'the number of seeds is not a setting of one run; sweep another setting.' };
      if (spec.body === 'required' || named) return { step: i, at: named ? 'name' : 'keyword', code: Codes.badSweep, message: `the ${cli ? 'path' : 'sweep'} ends at the block \`${st.keyword}${st.name ? ' ' + st.name : ''}\`; it must end at a setting of it (${childSpecs(spec.id).filter((c) => c.body !== 'required' && c.args[0]?.type.kind !== 'name').map((c) => c.keyword).join(', ')}).` };
      return undefined;
    }
    if (spec.body === 'none') return { step: i, at: 'keyword', code: Codes.badSweep, message: `\`${st.keyword}\` is a setting, not a block: the ${cli ? 'path' : 'sweep'} must end there.` };
    const block = here.find((s) => specOf.get(s)?.id === spec.id && (!named || nameOf(s) === st.name));
    if (!block) {
      if (named) {
        const names = here.filter((s) => specOf.get(s)?.id === spec.id).map((s) => nameOf(s)).filter((n): n is string => n !== undefined);
        return { step: i, at: 'name', code: Codes.unknownName, message: `the base scenario has no ${st.keyword} \`${st.name}\` in ${where}.${didYouMean(closeMatches(st.name!, names))} It has: ${names.join(', ') || '(none)'}.` };
      }
      // An unnamed block the base does not write (e.g. `boost`): the variant adds it.
      here = [];
    } else here = block.body?.statements ?? [];
    parent = spec.id;
    where = `\`${steps.slice(0, i + 1).map((s) => (s.name ? `${s.keyword} ${s.name}` : s.keyword)).join('.')}\``;
  }
  return undefined;
}

/**
 * Checks the path against the schema and the base scenario's blocks. Returns undefined when it
 * names a setting the base can take, else a message naming what exists where it went wrong.
 */
export function checkSweepPath(sweep: SweepSpec, analysis: DocumentAnalysis): string | undefined {
  const specOf = baseSpecs(analysis.statements);
  const p = resolvePath(sweep.steps, specOf, analysis.parse.file.statements, () => knownPathsHint(analysis), true);
  return p ? `--sweep: ${p.message}` : undefined;
}

function namesIn(list: readonly Statement[], spec: StatementSpec, specOf: Map<Statement, StatementSpec | undefined>): string {
  return list.filter((s) => specOf.get(s)?.id === spec.id).map((s) => nameOf(s)).filter(Boolean).join(', ');
}

/** Paths of the settings the base writes (to show what a sweep can name). */
export function knownSweepPaths(analysis: Pick<DocumentAnalysis, 'statements' | 'parse'>, limit = 40): string[] {
  const specOf = baseSpecs(analysis.statements);
  const out: string[] = [];
  const walk = (list: readonly Statement[], prefix: string) => {
    for (const s of list) {
      if (out.length >= limit) return;
      const spec = specOf.get(s);
      if (!spec || spec.id === 'variant' || spec.id === 'sweep' || spec.id === 'scenario.seed' || spec.id === 'scenario.seeds' || spec.step || spec.repeatable && spec.args[0]?.type.kind !== 'name') continue;
      const named = spec.args[0]?.type.kind === 'name';
      const label = named ? `${spec.keyword} ${nameOf(s) ?? '?'}` : spec.keyword;
      if (s.body && spec.body !== 'none') walk(s.body.statements, prefix + label + '.');
      else if (!named) out.push(prefix + label);
    }
  };
  walk(analysis.parse.file.statements, '');
  return out;
}

function knownPathsHint(analysis: Pick<DocumentAnalysis, 'statements' | 'parse'>): string {
  const paths = knownSweepPaths(analysis, 25);
  return paths.length ? ` Settings this file writes: ${paths.join(', ')}${paths.length >= 25 ? ', ...' : ''}.` : '';
}

/**
 * The scenario text of one sweep point for one selected variant (`base` or a variant's name):
 * the original text plus a variant named {@link SWEEP_VARIANT} that writes the point's value of
 * each swept setting (`values[i]` for `sweeps[i]`; settings under the same blocks share them).
 * Offsets of the original text are unchanged (the variant is appended).
 */
export function sweepPointText(text: string, sweeps: readonly SweepSpec[], values: readonly string[], variant: string): string {
  // The settings as a tree of blocks, in the order the paths first name them.
  interface Node { head: string; children: Node[]; value?: string }
  const root: Node = { head: '', children: [] };
  sweeps.forEach((sw, k) => {
    let at = root;
    for (let i = 0; i < sw.steps.length - 1; i++) {
      const s = sw.steps[i];
      const head = `${s.keyword}${s.name ? ' ' + s.name : ''}`;
      let next = at.children.find((c) => c.head === head && c.value === undefined);
      if (!next) at.children.push((next = { head, children: [] }));
      at = next;
    }
    at.children.push({ head: sw.steps[sw.steps.length - 1].keyword, children: [], value: values[k] });
  });
  const write = (n: Node, indent: string): string => n.children.map((c) => (c.value !== undefined ? `${indent}${c.head} ${c.value}\n` : `${indent}${c.head} {\n${write(c, indent + '  ')}${indent}}\n`)).join('');
  const basedOn = variant === 'base' ? '' : `  based_on ${variant}\n`;
  return `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}\nvariant ${SWEEP_VARIANT} {\n${basedOn}${write(root, '  ')}}\n`;
}

/**
 * What is wrong with crossing these sweeps (a setting swept twice, more than
 * {@link MAX_SWEEP_VALUES} points), or undefined.
 */
export function crossProblem(sweeps: readonly Pick<SweepSpec, 'path' | 'values'>[]): string | undefined {
  const seen = new Set<string>();
  for (const s of sweeps) {
    if (seen.has(s.path)) return `--sweep: \`${s.path}\` is swept twice; give it one list of values.`;
    seen.add(s.path);
  }
  const { points, factors } = crossSize(sweeps);
  if (points > MAX_SWEEP_VALUES) return `--sweep: the sweeps cross to ${points} points (${factors}); at most ${MAX_SWEEP_VALUES}.`;
  return undefined;
}

// ------------------------------------------------------------------ `sweep { ... }` in the file

/** One swept setting of the file (a `sweep` block may hold several), read. */
export interface FileSweep extends SweepSpec {
  /** The `sweep` statement holding it. */
  range: TextRange;
  /** The setting's statement inside it (`vcpus 2..16 step 2`). */
  setting: TextRange;
  /** Where each value is written (for a range `A..B step S`, the whole range for each). */
  valueRanges: TextRange[];
}

/** What the file asks `vpscope simulate` to run by default: its sweeps and its seed count. */
export interface FileRunPlan {
  /** The swept settings, in document order (crossed); absent when the file has none. */
  sweeps?: FileSweep[];
  /** `scenario { seeds N }`, when written and valid. */
  seeds?: number;
}

/** A `--sweep` message as a diagnostic's: without the option's name, capitalised. */
function asDiagnostic(msg: string): string {
  const m = msg.replace(/^--sweep: /, '');
  return m.charAt(0).toUpperCase() + m.slice(1);
}

/** The top-level `sweep` statements (by keyword: `sweep` exists only there). */
function sweepStatements(file: SourceFile): Statement[] {
  return file.statements.filter((s) => !s.keyword.missing && s.keyword.name === 'sweep');
}

/**
 * Reads one `sweep` statement: every setting in it (a statement without a block, under the blocks
 * around it), in document order. With a sink, reports what is wrong with each (on the step, name
 * or value at fault) and checks each value as its setting checks it (types, units, static ranges;
 * what depends on the rest of the scenario, e.g. a VP index against `vcpus`, is checked per point
 * before a run). Returns the valid settings; `ok` is false when any was not.
 */
function readSweep(text: string, stmt: Statement, specOf: Map<Statement, StatementSpec | undefined>, top: readonly Statement[], hint: () => string, sink?: DiagSink): { sweeps: FileSweep[]; ok: boolean } {
  const out: FileSweep[] = [];
  let ok = true;
  const bad = (code: string, message: string, range: TextRange): undefined => {
    sink?.error(code, message, { start: range.start, end: range.end });
    ok = false;
    return undefined;
  };
  const example = '`sweep { vm web { vcpus 2..16 step 2 } }`';
  if (stmt.args.length) {
    bad(Codes.badSweep, `\`sweep\` takes no arguments: the settings and their values go in its block (${example}).`, stmt.args[0]);
    return { sweeps: out, ok };
  }
  if (!stmt.body) return { sweeps: out, ok: false }; // `sweep` without a block: VPS114 from resolution
  const walk = (block: Statement, chain: Statement[]) => {
    const list = block.body!.statements;
    if (list.length === 0) return bad(Codes.badSweep, `Write the setting to vary inside \`${block.keyword.name}\`, with its values: ${example}.`, block.keyword);
    for (const cur of list) {
      if (cur.keyword.missing) {
        ok = false; // the syntax error explains it
        continue;
      }
      if (cur.body) walk(cur, [...chain, cur]);
      else {
        const sw = readSetting(text, stmt, [...chain, cur], specOf, top, hint, bad, sink);
        if (sw) out.push(sw);
      }
    }
    return undefined;
  };
  walk(stmt, []);
  return { sweeps: out, ok };
}

/** One setting of a `sweep` (`chain`: the blocks around it, then the setting). */
function readSetting(text: string, stmt: Statement, chain: Statement[], specOf: Map<Statement, StatementSpec | undefined>, top: readonly Statement[], hint: () => string, bad: (code: string, message: string, range: TextRange) => undefined, sink?: DiagSink): FileSweep | undefined {
  const last = chain[chain.length - 1];
  const steps: SweepStep[] = [];
  for (let i = 0; i < chain.length - 1; i++) {
    const s = chain[i];
    if (s.args.length > 1) return bad(Codes.badSweep, `In a sweep, \`${s.keyword.name}\` takes only its name.`, s.args[1]);
    const name = s.args[0] ? nameOf(s) : undefined;
    if (s.args[0] && name === undefined) return bad(Codes.badSweep, `\`${s.keyword.name}\` takes a name here.`, s.args[0]);
    steps.push(name === undefined ? { keyword: s.keyword.name } : { keyword: s.keyword.name, name });
  }
  steps.push({ keyword: last.keyword.name });
  const p = resolvePath(steps, specOf, top, hint, false);
  if (p) {
    const s = chain[p.step];
    return bad(p.code, asDiagnostic(p.message), p.at === 'name' && s.args[0] ? s.args[0] : s.keyword);
  }
  if (last.args.length === 0) return bad(Codes.missingArgument, `List the values of \`${last.keyword.name}\` to sweep: \`${last.keyword.name} 1, 2, 4\` or \`${last.keyword.name} 2..16 step 2\`.`, { start: last.keyword.end, end: last.keyword.end });
  const from = last.args[0].start;
  const to = last.args[last.args.length - 1].end;
  const raw = text.slice(from, to);
  const values = parseValues(raw);
  if (typeof values === 'string') return bad(Codes.badSweep, asDiagnostic(values), { start: from, end: to });
  // Where each value is: the pieces between commas (a range: the whole range).
  const valueRanges: TextRange[] = [];
  if (RANGE.test(raw.trim())) for (let i = 0; i < values.length; i++) valueRanges.push({ start: from, end: to });
  else {
    let at = from;
    for (const piece of raw.split(',')) {
      const lead = piece.length - piece.trimStart().length;
      valueRanges.push({ start: at + lead, end: at + lead + piece.trim().length });
      at += piece.length + 1;
    }
  }
  const spec = resolveStatement(last.keyword.name, chain.length > 1 ? pathSpecId(steps) : 'file');
  if (sink && spec) {
    // Each value as the setting's own statement: `KEYWORD VALUE`, checked by the argument parser.
    const seen = new Set<string>();
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (seen.has(v)) continue;
      seen.add(v);
      const head = `${last.keyword.name} `;
      const synth = head + v;
      const st = parse(synth).file.statements[0];
      if (!st) continue;
      const own = new DiagSink();
      new ArgParser(synth, own).parse(st, spec);
      const err = own.list.find((d) => d.severity === 'error');
      if (err) return bad(err.code, `Sweep value \`${v}\`: ${err.message}`, valueRanges[i]);
    }
  }
  return { path: steps.map((s) => (s.name ? `${s.keyword} ${s.name}` : s.keyword)).join('.'), steps, values, range: { start: stmt.start, end: stmt.end }, setting: { start: last.start, end: last.end }, valueRanges };
}

/** The spec id of the block holding the path's setting (`vm` for `vm web.vcpus`). */
function pathSpecId(steps: readonly SweepStep[]): string {
  let parent = 'file';
  for (let i = 0; i < steps.length - 1; i++) parent = resolveStatement(steps[i].keyword, parent)?.id ?? '';
  return parent;
}

/**
 * Every swept setting of the file, in document order, and whether all were valid. With a sink,
 * also the problems of the cross product: a setting swept twice (on the second), more than
 * {@link MAX_SWEEP_VALUES} points (on the values of the setting that goes past it).
 */
function readFileSweeps(text: string, file: SourceFile, statements: readonly ResolvedStatement[], hint: ((ana: Pick<DocumentAnalysis, 'statements' | 'parse'>) => string) | undefined, sink?: DiagSink): { sweeps: FileSweep[]; ok: boolean } {
  const list = sweepStatements(file);
  if (list.length === 0) return { sweeps: [], ok: true };
  const specOf = baseSpecs(statements);
  const ana = { statements: statements as ResolvedStatement[], parse: { file } as DocumentAnalysis['parse'] };
  const all: FileSweep[] = [];
  let ok = true;
  for (const s of list) {
    if (specOf.get(s)?.id !== 'sweep') continue;
    const r = readSweep(text, s, specOf, file.statements, () => (hint ? hint(ana) : ''), sink);
    ok &&= r.ok;
    all.push(...r.sweeps);
  }
  const out: FileSweep[] = [];
  let points = 1;
  for (const sw of all) {
    const first = out.find((o) => o.path === sw.path);
    if (first) {
      sink?.error(Codes.badSweep, `\`${sw.path}\` is swept twice: give it one list of values (sweeps are crossed, and a setting takes one value per point).`, sw.setting, {
        related: [{ range: first.setting, message: `\`${sw.path}\` swept first here` }],
      });
      ok = false;
      continue;
    }
    if (points * sw.values.length > MAX_SWEEP_VALUES) {
      const { factors } = crossSize([...out, sw]);
      const n = points * sw.values.length;
      const at = sw.valueRanges.length ? { start: sw.valueRanges[0].start, end: sw.valueRanges[sw.valueRanges.length - 1].end } : sw.setting;
      sink?.error(Codes.badSweep, `The sweeps cross to ${n}${out.length + 1 < all.length ? ' or more' : ''} points (${factors}): at most ${MAX_SWEEP_VALUES}. Fewer values, or sweep this setting on its own.`, at, {
        related: out.map((o) => ({ range: o.setting, message: `${o.values.length} value${o.values.length === 1 ? '' : 's'} of \`${o.path}\`` })),
      });
      ok = false;
      return { sweeps: out, ok };
    }
    points *= sw.values.length;
    out.push(sw);
  }
  return { sweeps: out, ok };
}

/**
 * Checks the file's `sweep` statements (called by the analysis, after resolution): each names
 * settings with valid values, no setting twice, their cross product at most
 * {@link MAX_SWEEP_VALUES} points. Cheap when there is none.
 */
export function checkFileSweeps(text: string, file: SourceFile, statements: readonly ResolvedStatement[], sink: DiagSink): void {
  readFileSweeps(text, file, statements, knownPathsHint, sink);
}

/** The file's sweeps (all of them, when all are valid) and `scenario { seeds N }`, for the shells. */
export function fileRunPlan(analysis: DocumentAnalysis, text: string): FileRunPlan {
  const out: FileRunPlan = {};
  const r = readFileSweeps(text, analysis.parse.file, analysis.statements, undefined, new DiagSink());
  if (r.ok && r.sweeps.length) out.sweeps = r.sweeps;
  const specOf = baseSpecs(analysis.statements);
  for (const s of analysis.parse.file.statements) {
    if (specOf.get(s)?.id !== 'scenario' || !s.body) continue;
    for (const c of s.body.statements) {
      const a = c.args[0];
      if (specOf.get(c)?.id === 'scenario.seeds' && c.args.length === 1 && a.type === 'number' && a.unit === '' && Number.isInteger(a.value) && a.value >= 1 && a.value <= 10000) out.seeds = a.value;
    }
  }
  return out;
}

/**
 * Names of the base's `keyword` blocks at a sweep path (`steps`: the blocks around it), for
 * completion: `sweep { vm | }` -> the VMs, `sweep { host { load | } }` -> the host's loads.
 */
export function sweepBlockNames(analysis: Pick<DocumentAnalysis, 'statements' | 'parse'>, steps: readonly { keyword: string; name?: string }[], keyword: string): string[] {
  const specOf = baseSpecs(analysis.statements);
  let parent = 'file';
  let here: readonly Statement[] = analysis.parse.file.statements;
  for (const st of steps) {
    const spec = resolveStatement(st.keyword, parent);
    if (!spec || spec.body === 'none') return [];
    const named = spec.args[0]?.type.kind === 'name';
    const block = here.find((s) => specOf.get(s)?.id === spec.id && (!named || nameOf(s) === st.name));
    here = block?.body?.statements ?? [];
    parent = spec.id;
  }
  const spec = resolveStatement(keyword, parent);
  if (!spec) return [];
  const out: string[] = [];
  for (const s of here) {
    const n = specOf.get(s)?.id === spec.id ? nameOf(s) : undefined;
    if (n !== undefined && !out.includes(n)) out.push(n);
  }
  return out;
}
