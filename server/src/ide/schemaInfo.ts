/**
 * What the editor features need to know about the schema beyond `model/schema.ts`: which spec a
 * chain of statements resolves to, which argument spec each written argument fills (a
 * distribution takes several arguments), the units a value accepts, and the markdown that
 * documents a statement or a value.
 */
import { DIST_KINDS, resolveStatement } from '../model/schema';
import { COUNT_UNITS, DURATION_UNITS } from '../model/units';
import type { ArgSpec, StatementSpec, ValueType } from '../model/schemaTypes';
import type { Arg, Statement } from '../syntax/tree';

/** The spec of each statement of a chain (outermost first); undefined from the first unknown one on. */
export function resolveChain(chain: readonly Statement[]): (StatementSpec | undefined)[] {
  const out: (StatementSpec | undefined)[] = [];
  let parent: string | undefined = 'file';
  for (const s of chain) {
    const spec: StatementSpec | undefined = parent !== undefined && !s.keyword.missing ? resolveStatement(s.keyword.name, parent) : undefined;
    out.push(spec);
    parent = spec?.id;
  }
  return out;
}

/** Which part of an argument spec a written argument is. */
export interface ArgRole {
  spec: ArgSpec;
  /** `distKind`: the word `exp`; `distParam`: a value after it; `value`: anything else. */
  part: 'value' | 'distKind' | 'distParam';
  /** With `distParam`: the distribution and the index of the parameter. */
  distKind?: string;
  paramIndex?: number;
}

export interface ArgMatch {
  /** The role of each written argument (undefined for extra arguments). */
  roles: (ArgRole | undefined)[];
  /** What the next argument would be, when the statement wants more. */
  next?: ArgRole;
}

/**
 * Assigns written arguments to argument specs. A `dist` spec takes a kind word and its
 * parameters (`normal 1ms 100us`) or a single value (`20us`).
 */
export function matchArgs(specArgs: readonly ArgSpec[], args: readonly Arg[]): ArgMatch {
  const roles: (ArgRole | undefined)[] = new Array(args.length).fill(undefined);
  let k = 0;
  let ai = 0;
  while (ai < specArgs.length) {
    const spec = specArgs[ai];
    if (k >= args.length) return { roles, next: { spec, part: 'value' } };
    const arg = args[k];
    if (spec.type.kind === 'dist' && arg.type === 'ident' && DIST_KINDS[arg.name]) {
      roles[k++] = { spec, part: 'distKind', distKind: arg.name };
      const params = DIST_KINDS[arg.name].params;
      for (let p = 0; p < params.length; p++) {
        if (k >= args.length) return { roles, next: { spec, part: 'distParam', distKind: arg.name, paramIndex: p } };
        roles[k++] = { spec, part: 'distParam', distKind: arg.name, paramIndex: p };
      }
    } else {
      roles[k++] = { spec, part: 'value' };
    }
    ai++;
  }
  return { roles };
}

export type UnitClass = 'duration' | 'count' | 'percent' | 'rate';

/** The unit class a role's value takes, if it takes a number with a unit. */
export function unitClassOf(role: ArgRole): UnitClass | undefined {
  if (role.part === 'distParam') {
    const p = DIST_KINDS[role.distKind!]?.params[role.paramIndex!];
    return p === 'percent' ? 'percent' : 'duration';
  }
  if (role.part === 'distKind') return undefined;
  switch (role.spec.type.kind) {
    case 'duration':
    case 'dist':
      return 'duration';
    case 'count':
      return 'count';
    case 'percent':
      return 'percent';
    case 'rate':
      return 'rate';
    default:
      return undefined;
  }
}

export interface UnitInfo {
  unit: string;
  doc: string;
}

export const UNITS: Record<UnitClass, UnitInfo[]> = {
  duration: [
    { unit: 'ns', doc: 'nanoseconds' },
    { unit: 'us', doc: 'microseconds (1 us = 1,000 ns)' },
    { unit: 'ms', doc: 'milliseconds (1 ms = 1,000,000 ns)' },
    { unit: 's', doc: 'seconds' },
  ],
  count: [
    { unit: 'k', doc: 'thousands (x 1,000)' },
    { unit: 'M', doc: 'millions (x 1,000,000)' },
    { unit: 'G', doc: 'billions (x 1,000,000,000)' },
  ],
  percent: [{ unit: '%', doc: 'percent' }],
  rate: [
    { unit: '/s', doc: 'events per second' },
    { unit: 'k/s', doc: 'thousands of events per second' },
    { unit: 'M/s', doc: 'millions of events per second' },
    { unit: '/ms', doc: 'events per millisecond' },
    { unit: '/us', doc: 'events per microsecond' },
  ],
};

const NS_PER = DURATION_UNITS;
const COUNT_MUL = COUNT_UNITS;

function group(n: number): string {
  const [i, f] = String(n).split('.');
  return i.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (f ? '.' + f : '');
}

/** A number with a unit in canonical terms, for hovers: `2.5ms` -> `2,500,000 ns`. */
export function describeQuantity(value: number, unit: string): string | undefined {
  if (unit in NS_PER && unit !== '') return `${group(Math.round(value * NS_PER[unit]))} ns`;
  if (unit === '%') return `${value}% (a fraction of ${value / 100})`;
  const rate = /^([kMG]?)\/(ns|us|ms|s)$/.exec(unit);
  if (rate) {
    const perSec = (value * COUNT_MUL[rate[1]]) / (NS_PER[rate[2]] / 1e9);
    return `${group(perSec)} per second (mean interval ${describeInterval(1e9 / perSec)})`;
  }
  if (unit in COUNT_MUL && unit !== '') return group(value * COUNT_MUL[unit]);
  return undefined;
}

function describeInterval(ns: number): string {
  if (ns >= 1e9) return `${+(ns / 1e9).toPrecision(3)} s`;
  if (ns >= 1e6) return `${+(ns / 1e6).toPrecision(3)} ms`;
  if (ns >= 1e3) return `${+(ns / 1e3).toPrecision(3)} us`;
  return `${+ns.toPrecision(3)} ns`;
}

function fmtBound(n: number, kind: ValueType['kind']): string {
  if (kind !== 'duration') return group(n);
  if (n >= 1e9 && n % 1e9 === 0) return `${n / 1e9}s`;
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}ms`;
  if (n >= 1e3 && n % 1e3 === 0) return `${n / 1e3}us`;
  return `${n}ns`;
}

/** A short description of what a value type accepts, e.g. `duration 1ms..1s`, `one of credit, credit2`. */
export function describeType(t: ValueType): string {
  const bounds = (min?: number, max?: number) =>
    min !== undefined && max !== undefined ? ` ${fmtBound(min, t.kind)}..${fmtBound(max, t.kind)}` : min !== undefined && min > 0 ? ` >= ${fmtBound(min, t.kind)}` : max !== undefined ? ` <= ${fmtBound(max, t.kind)}` : '';
  switch (t.kind) {
    case 'duration':
      return `duration${bounds(t.min, t.max)} (ns, us, ms, s)`;
    case 'count':
      return `count${bounds(t.min, t.max)}`;
    case 'signed':
      return `integer ${t.min}..${t.max}`;
    case 'percent':
      return `percent${bounds(t.min, t.max)}`;
    case 'rate':
      return 'rate (e.g. 20k/s, 500/s)';
    case 'bool':
      return 'on | off';
    case 'enum':
      return `one of ${t.values.map((v) => v.name).join(', ')}`;
    case 'enumList':
      return `list of ${t.values.map((v) => v.name).join(', ')}`;
    case 'cpulist':
      return 'CPU list (0-3,5,^1 or all)';
    case 'vp':
      return "VP index (below the VM's vcpus)";
    case 'vplist':
      return 'list of VP indices (0-3,5)';
    case 'dist':
      return 'distribution (20us, exp 100us, uniform 10us..30us, normal, lognormal, bimodal)';
    case 'name':
      return `new ${t.declares} name`;
    case 'ref':
      return `${t.to} name`;
    case 'string':
      return '"string"';
    case 'literal':
      return `the word \`${t.word}\``;
    case 'text':
      return 'free word';
  }
}

/** The argument signature: `target_vp VP`, `retarget_vp VP at TIME`, `cpu TIME`. */
export function signature(spec: StatementSpec): string {
  const parts = [spec.keyword];
  for (const a of spec.args) {
    const word = a.type.kind === 'literal' ? a.type.word : a.name.toUpperCase();
    parts.push(a.optional ? `[${word}]` : word);
  }
  if (spec.body === 'required') parts.push('{ ... }');
  else if (spec.body === 'optional') parts.push('[{ ... }]');
  return parts.join(' ');
}

/** The block a spec belongs to, in words: `vm > openhcl > task`. */
export function specPath(spec: StatementSpec): string {
  return spec.id.split('.').join(' > ');
}

/** Markdown documentation of a statement: signature, meaning, values, default, source. */
export function specMarkdown(spec: StatementSpec, options: { signature?: boolean } = {}): string {
  const out: string[] = [];
  if (options.signature !== false) out.push('```vpscope\n' + signature(spec) + '\n```');
  out.push(spec.doc);
  const facts: string[] = [];
  for (const a of spec.args) {
    if (a.type.kind === 'literal') continue;
    facts.push(`\`${a.name.toUpperCase()}\`${a.optional ? ' (optional)' : ''}: ${describeType(a.type)}${a.doc ? ` — ${a.doc}` : ''}`);
  }
  if (spec.default !== undefined) facts.push(`Default: \`${spec.default}\`${spec.assumption ? ' — *an assumption of vpscope, not a documented number*' : ''}`);
  if (spec.required) facts.push('Required.');
  if (spec.repeatable && spec.step) facts.push('A program step: steps run in the order written.');
  if (spec.source) facts.push(`Source: ${spec.source}`);
  if (facts.length) out.push(facts.map((f) => `- ${f}`).join('\n'));
  return out.join('\n\n');
}

/** Whether a spec opens a block or declares a name (shown as a keyword rather than a setting). */
export function isBlockLike(spec: StatementSpec): boolean {
  return spec.body !== 'none' || spec.args.some((a) => a.type.kind === 'name');
}

/** Identifiers as the scanner reads them; what a rename may produce. */
export const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function isIdentifier(s: string): boolean {
  return IDENT_RE.test(s) && !s.endsWith('-');
}

/** The name an argument spells (identifier or string), if any. */
export function argName(a: Arg | undefined): string | undefined {
  if (!a) return undefined;
  if (a.type === 'ident' && !a.missing) return a.name;
  if (a.type === 'string') return a.value;
  return undefined;
}
