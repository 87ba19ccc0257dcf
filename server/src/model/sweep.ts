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
 * Pure: text in, text and messages out.
 */
import type { DocumentAnalysis } from './analysisTypes';
import type { Statement } from '../syntax/tree';
import type { StatementSpec } from './schemaTypes';
import { childSpecs, resolveStatement } from './schema';
import { nameOf } from './resolve';
import { closeMatches, didYouMean } from './util';

/** The name of the synthetic variant a sweep point adds to the text. */
export const SWEEP_VARIANT = 'vpscope_sweep_point';
/** At most this many values per sweep (a typo in a range must not plan millions of runs). */
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
    if (!(step > 0)) return `--sweep: the step of '${raw}' must be positive`;
    if (hi < lo) return `--sweep: the range '${raw}' is empty (${b} < ${a})`;
    const n = Math.floor((hi - lo) / step + 1e-9) + 1;
    if (n > MAX_SWEEP_VALUES) return `--sweep: '${raw}' makes ${n} values (at most ${MAX_SWEEP_VALUES})`;
    // Decimals as many as the inputs have, so 0.1 steps print as 0.3, not 0.30000000000000004.
    const dec = Math.max(...[a, b, s ?? '1'].map((x) => (x.includes('.') ? x.length - x.indexOf('.') - 1 : 0)));
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(`${Number((lo + i * step).toFixed(dec))}${unit}`);
    return out;
  }
  if (raw.includes('..')) return `--sweep: bad range '${raw}': write 'A..B' or 'A..B step S' (numbers, one optional unit)`;
  const values = raw.split(',').map((v) => v.trim());
  if (values.some((v) => v === '')) return `--sweep: empty value in '${raw}'`;
  if (values.some((v) => /[{};#"\n]/.test(v))) return `--sweep: a value is the text of one setting (no '{', '}', ';', '#' or quotes): '${raw}'`;
  if (values.length > MAX_SWEEP_VALUES) return `--sweep: ${values.length} values (at most ${MAX_SWEEP_VALUES})`;
  return values;
}

/**
 * Checks the path against the schema and the base scenario's blocks. Returns undefined when it
 * names a setting the base can take, else a message naming what exists where it went wrong.
 */
export function checkSweepPath(sweep: SweepSpec, analysis: DocumentAnalysis): string | undefined {
  const specOf = new Map<Statement, StatementSpec | undefined>();
  for (const r of analysis.statements) if (r.variant === undefined) specOf.set(r.node, r.spec);
  let parent = 'file';
  let here: readonly Statement[] = analysis.parse.file.statements.filter((s) => specOf.get(s)?.id !== 'variant');
  let where = 'the top level';
  for (let i = 0; i < sweep.steps.length; i++) {
    const st = sweep.steps[i];
    const last = i === sweep.steps.length - 1;
    const spec = resolveStatement(st.keyword, parent);
    const allowed = childSpecs(parent).filter((c) => c.id !== 'variant' && !c.variantOnly);
    if (!spec || spec.variantOnly || spec.id === 'variant') {
      const kws = allowed.filter((c) => (last ? c.body !== 'required' : c.body !== 'none')).map((c) => c.keyword);
      return `--sweep: unknown ${last ? 'setting' : 'block'} \`${st.keyword}\` in ${where}.${didYouMean(closeMatches(st.keyword, kws))} Known there: ${kws.join(', ') || '(none)'}.${knownPathsHint(analysis, specOf)}`;
    }
    const named = spec.args[0]?.type.kind === 'name';
    if (named && st.name === undefined) return `--sweep: \`${st.keyword}\` is a named block: write \`${st.keyword} NAME\` in the path (${namesIn(here, spec, specOf) || 'none in the base'}).`;
    if (!named && st.name !== undefined) return `--sweep: \`${st.keyword}\` takes no name in a path (\`${st.keyword} ${st.name}\`).`;
    if (last) {
      if (spec.id === 'scenario.seed') return '--sweep: the seed is set per run by --seed, --seeds and --seed-list; sweep another setting.';
      if (spec.body === 'required' || named) return `--sweep: the path ends at the block \`${st.keyword}${st.name ? ' ' + st.name : ''}\`; it must end at a setting of it (${childSpecs(spec.id).filter((c) => c.body !== 'required' && c.args[0]?.type.kind !== 'name').map((c) => c.keyword).join(', ')}).`;
      return undefined;
    }
    if (spec.body === 'none') return `--sweep: \`${st.keyword}\` is a setting, not a block: the path must end there.`;
    const block = here.find((s) => specOf.get(s)?.id === spec.id && (!named || nameOf(s) === st.name));
    if (!block) {
      if (named) {
        const names = here.filter((s) => specOf.get(s)?.id === spec.id).map((s) => nameOf(s)).filter((n): n is string => n !== undefined);
        return `--sweep: the base scenario has no ${st.keyword} \`${st.name}\` in ${where}.${didYouMean(closeMatches(st.name!, names))} It has: ${names.join(', ') || '(none)'}.`;
      }
      // An unnamed block the base does not write (e.g. `boost`): the variant adds it.
      here = [];
    } else here = block.body?.statements ?? [];
    parent = spec.id;
    where = `\`${sweep.steps.slice(0, i + 1).map((s) => (s.name ? `${s.keyword} ${s.name}` : s.keyword)).join('.')}\``;
  }
  return undefined;
}

function namesIn(list: readonly Statement[], spec: StatementSpec, specOf: Map<Statement, StatementSpec | undefined>): string {
  return list.filter((s) => specOf.get(s)?.id === spec.id).map((s) => nameOf(s)).filter(Boolean).join(', ');
}

/** Paths of the settings the base writes (to show what a sweep can name). */
export function knownSweepPaths(analysis: DocumentAnalysis, limit = 40): string[] {
  const specOf = new Map<Statement, StatementSpec | undefined>();
  for (const r of analysis.statements) if (r.variant === undefined) specOf.set(r.node, r.spec);
  const out: string[] = [];
  const walk = (list: readonly Statement[], prefix: string) => {
    for (const s of list) {
      if (out.length >= limit) return;
      const spec = specOf.get(s);
      if (!spec || spec.id === 'variant' || spec.step || spec.repeatable && spec.args[0]?.type.kind !== 'name') continue;
      const named = spec.args[0]?.type.kind === 'name';
      const label = named ? `${spec.keyword} ${nameOf(s) ?? '?'}` : spec.keyword;
      if (s.body && spec.body !== 'none') walk(s.body.statements, prefix + label + '.');
      else if (!named) out.push(prefix + label);
    }
  };
  walk(analysis.parse.file.statements, '');
  return out;
}

function knownPathsHint(analysis: DocumentAnalysis, _specOf: Map<Statement, StatementSpec | undefined>): string {
  const paths = knownSweepPaths(analysis, 25);
  return paths.length ? ` Settings this file writes: ${paths.join(', ')}${paths.length >= 25 ? ', ...' : ''}.` : '';
}

/**
 * The scenario text of one sweep point for one selected variant (`base` or a variant's name):
 * the original text plus a variant named {@link SWEEP_VARIANT} that writes the value. Offsets of
 * the original text are unchanged (the variant is appended).
 */
export function sweepPointText(text: string, sweep: SweepSpec, value: string, variant: string): string {
  let body = `${sweep.steps[sweep.steps.length - 1].keyword} ${value}`;
  for (let i = sweep.steps.length - 2; i >= 0; i--) {
    const s = sweep.steps[i];
    body = `${s.keyword}${s.name ? ' ' + s.name : ''} { ${body} }`;
  }
  const basedOn = variant === 'base' ? '' : `  based_on ${variant}\n`;
  return `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}\nvariant ${SWEEP_VARIANT} {\n${basedOn}  ${body}\n}\n`;
}
