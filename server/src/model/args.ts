/**
 * Arguments: checks a statement's arguments against its spec and turns them into typed values
 * (durations in ns, rates per second, percents in points, CPU lists as items). Everything that
 * needs no context beyond the statement is checked here once per statement: count, kinds, units,
 * static ranges, enum values. Context checks (VP index below the VM's `vcpus`, CPU below
 * `pcpus`) happen during lowering, which knows the context.
 */
import type { Fix } from '../core/diagnostic';
import type { TextRange } from '../core/text';
import type { Arg, IdentArg, NumberArg, Statement } from '../syntax/tree';
import type { Dist } from './ir';
import type { ArgSpec, StatementSpec, ValueType } from './schemaTypes';
import { Codes } from './codes';
import { BOOL_WORDS, DIST_KINDS } from './schema';
import { classifyUnit, formatNs, isUnitWord, UNIT_ALIASES, UNIT_EXAMPLES, unitKindName } from './units';
import { closeMatches, DiagSink, didYouMean, replaceFixes, wordList } from './util';
import { exampleOf } from './resolve';

/** One item of a CPU or VP list: a number or a span, possibly excluded with `^`. */
export interface ListItem {
  lo: number;
  hi: number;
  not: boolean;
  range: TextRange;
}

/** A CPU / VP list before it is expanded against a count. */
export interface IndexList {
  all: boolean;
  items: ListItem[];
  range: TextRange;
}

export type NumValue = { kind: 'number'; value: number; range: TextRange };

export type Value =
  | NumValue
  | { kind: 'bool'; value: boolean; range: TextRange }
  | { kind: 'word'; value: string; range: TextRange }
  | { kind: 'words'; value: string[]; range: TextRange }
  | { kind: 'list'; value: IndexList; range: TextRange }
  | { kind: 'dist'; value: Dist; range: TextRange }
  | { kind: 'literal'; range: TextRange };

export interface ParsedArgs {
  /** Aligned with `spec.args`; undefined for an omitted optional argument or an invalid one. */
  values: (Value | undefined)[];
  /** No error in the arguments. */
  ok: boolean;
}

const SYNTAX_OF: Record<ValueType['kind'], string> = {
  duration: 'a duration such as `10ms`',
  count: 'a whole number such as `4`',
  signed: 'a whole number such as `-5`',
  percent: 'a percentage such as `50%`',
  rate: 'a rate such as `1k/s`',
  bool: '`on` or `off`',
  enum: 'one of the listed words',
  enumList: 'a list of words such as `timer,nmi`',
  cpulist: 'a CPU list such as `0-3,^1`',
  vp: 'a VP index such as `0`',
  vplist: 'a list of VPs such as `0-3`',
  dist: 'a duration or a distribution (`20us`, `exp 100us`, `uniform 10us..30us`)',
  name: 'a name',
  ref: 'a name',
  string: 'a "string"',
  literal: 'a word',
  text: 'a word',
};

/** `text`: the document, to quote a number as written (`1e308ms` printed as `1e+308ms`). */
function describeArg(a: Arg, text: string): string {
  switch (a.type) {
    case 'number':
      return `the number \`${text.slice(a.start, a.end)}\``;
    case 'ident':
      return `the word \`${a.name}\``;
    case 'string':
      return 'a string';
    case 'list':
      return 'a list';
    case 'range':
      return 'a range';
    case 'span':
      return 'a span';
    case 'not':
      return 'an exclusion';
  }
}

function plural(n: number, w: string): string {
  return `${n} ${w}${n === 1 ? '' : 's'}`;
}

/** Formats a base-unit value back into the language (`30ms`, `50%`). */
function fmtLimit(t: ValueType, v: number): string {
  if (t.kind === 'duration') return formatNs(v);
  if (t.kind === 'percent') return `${v}%`;
  return String(v);
}

export class ArgParser {
  /** Parsed arguments by statement id (see `Statement.id`); statements without one in a map. */
  private readonly byId: (ParsedArgs | undefined)[] = [];
  private other: Map<Statement, ParsedArgs> | undefined;

  /**
   * @param skip statements whose arguments are not checked (their head has a syntax error, which
   *   already explains the line: one typo, one error).
   */
  constructor(
    private readonly text: string,
    private diags: DiagSink,
    private readonly skip: (stmt: Statement) => boolean = () => false,
  ) {}

  /**
   * Where the diagnostics of the statements parsed from now on go (model/analyze.ts: a recording
   * sink per top-level block, then, once every statement's diagnostics are in, a sink nobody reads
   * for the statements whose diagnostics were replayed from an earlier version).
   */
  setSink(diags: DiagSink): void {
    this.diags = diags;
  }

  /** Parses (once) and returns the statement's arguments. */
  parse(stmt: Statement, spec: StatementSpec): ParsedArgs {
    const id = stmt.id;
    const numbered = id >= 0;
    const cached = numbered ? this.byId[id] : this.other?.get(stmt);
    if (cached) return cached;
    const r = this.skip(stmt) ? { values: spec.args.map(() => undefined), ok: false } : this.doParse(stmt, spec);
    if (numbered) {
      // Statements are parsed in document order, so this mostly appends.
      while (this.byId.length < id) this.byId.push(undefined);
      this.byId[id] = r;
    } else (this.other ??= new Map()).set(stmt, r);
    return r;
  }

  /** Where the last `parseOne` stopped: the index after what it consumed, and whether the rest of the line is lost. */
  private nextIdx = 0;
  private stopped = false;

  /** The result of a `parseOne`: the value, with the position after it (kept in fields, not an object per argument). */
  private out(value: Value | undefined, next: number, stop = false): Value | undefined {
    this.nextIdx = next;
    this.stopped = stop;
    return value;
  }

  private doParse(stmt: Statement, spec: StatementSpec): ParsedArgs {
    const args = hasMissingWord(stmt.args) ? stmt.args.filter((a) => !(a.missing && a.type === 'ident')) : stmt.args;
    const n = spec.args.length;
    // Exactly as long as the spec's arguments (filled with undefined, not holes).
    const values: (Value | undefined)[] = new Array(n).fill(undefined);
    let ok = true;
    let i = 0;
    for (let k = 0; k < n; k++) {
      const as = spec.args[k];
      if (i >= args.length) {
        if (!as.optional) {
          // After a bad value, a "missing" value is usually that same value: do not report twice.
          if (ok) this.missing(stmt, spec, as);
          ok = false;
        }
        continue;
      }
      const value = this.parseOne(args, i, as, spec, stmt);
      if (value === undefined) ok = false;
      values[k] = value;
      i = this.nextIdx;
      if (value === undefined && this.stopped) {
        // The rest of the line cannot be aligned with the spec any more; do not report more.
        return { values, ok: false };
      }
    }
    // A reference whose kind another argument names (`remove disk archive`): that word must be
    // one the statement knows.
    for (let k = 0; k < n; k++) {
      const rk = spec.args[k].refKinds;
      const w = rk && values[rk.arg];
      if (!rk || w?.kind !== 'word' || Object.prototype.hasOwnProperty.call(rk.kinds, w.value)) continue;
      const words = Object.keys(rk.kinds);
      const m = closeMatches(w.value, words);
      this.diags.error(Codes.unknownValue, `\`${spec.keyword}\` here takes ${wordList(words)}; \`${w.value}\` is not one of the named blocks this block holds.${didYouMean(m)}`, w.range, { fixes: replaceFixes(w.range, m) });
      values[rk.arg] = undefined;
      ok = false;
    }
    if (i < args.length) {
      ok = false;
      const extra = args.slice(i);
      const range = { start: extra[0].start, end: extra[extra.length - 1].end };
      const del = { start: i > 0 ? args[i - 1].end : stmt.keyword.end, end: range.end };
      const takes = n === 0 ? 'takes no value' : `takes ${plural(n, 'value')}` + (spec.args.some((a) => a.type.kind === 'dist') ? ' (a distribution counts as one)' : '');
      const hint = extra[0].type === 'ident' && extra.length > 0 ? ' To write another statement, start a new line or add `;`.' : '';
      this.diags.error(Codes.extraArgument, `\`${spec.keyword}\` ${takes}; remove ${extra.length === 1 ? describeArg(extra[0], this.text) : `the last ${extra.length} values`}.${hint} Example: ${exampleOf(spec)}.`, range, {
        fixes: [{ title: 'Remove the extra values', edits: [{ range: del, newText: '' }], preferred: true }],
      });
    }
    return { values, ok };
  }

  private missing(stmt: Statement, spec: StatementSpec, as: ArgSpec): void {
    const what = SYNTAX_OF[as.type.kind];
    const range = { start: stmt.keyword.start, end: stmt.args.length ? stmt.args[stmt.args.length - 1].end : stmt.keyword.end };
    this.diags.error(Codes.missingArgument, `\`${spec.keyword}\` needs ${as.type.kind === 'literal' ? `the word \`${as.type.word}\`` : what} as its ${ordinal(spec.args.indexOf(as))} value${as.name === 'value' ? '' : ` (${as.name})`}; e.g. ${exampleOf(spec)}.`, range.start === range.end ? stmt : range);
  }

  /** Parses the argument at `args[i]` for `as`; `next` is the index after what it consumed. */
  private parseOne(args: Arg[], i: number, as: ArgSpec, spec: StatementSpec, stmt: Statement): Value | undefined {
    const t = as.type;
    const a = args[i];
    switch (t.kind) {
      case 'duration':
      case 'count':
      case 'signed':
      case 'percent':
      case 'rate': {
        if (a.type !== 'number') return this.out(this.wrongType(a, as, spec), i + 1);
        const detached = this.detachedUnit(a, args[i + 1], t);
        const v = this.number(a, t, spec, detached);
        return this.out(v, detached ? i + 2 : i + 1);
      }
      case 'vp': {
        if (a.type !== 'number') return this.out(this.wrongType(a, as, spec), i + 1);
        const v = this.number(a, { kind: 'count', min: 0, integer: true }, spec);
        return this.out(v, i + 1);
      }
      case 'bool': {
        if (a.type === 'ident' && a.name in BOOL_WORDS) return this.out({ kind: 'bool', value: BOOL_WORDS[a.name], range: a }, i + 1);
        if (a.type === 'ident') {
          const m = closeMatches(a.name, ['on', 'off']);
          this.diags.error(Codes.unknownValue, `\`${spec.keyword}\` is on or off; \`${a.name}\` is neither (also accepted: true/false, yes/no).${didYouMean(m)}`, a, { fixes: replaceFixes(a, m) });
          return this.out(undefined, i + 1);
        }
        if (a.type === 'number' && (a.value === 0 || a.value === 1) && a.unit === '') {
          const w = a.value ? 'on' : 'off';
          this.diags.error(Codes.wrongType, `\`${spec.keyword}\` is \`on\` or \`off\`, not a number; write \`${w}\`.`, a, { fixes: replaceFixes(a, [w]) });
          return this.out(undefined, i + 1);
        }
        return this.out(this.wrongType(a, as, spec), i + 1);
      }
      case 'enum': {
        if (a.type !== 'ident') return this.out(this.wrongType(a, as, spec), i + 1);
        return this.out(this.enumWord(a, enumNames(t), spec), i + 1);
      }
      case 'enumList': {
        const items = a.type === 'list' ? a.items : [a];
        const out: string[] = [];
        let good = true;
        for (const it of items) {
          if (it.missing) {
            good = false;
            continue;
          }
          if (it.type !== 'ident') {
            this.wrongType(it, as, spec);
            good = false;
            continue;
          }
          const w = this.enumWord(it, enumNames(t), spec);
          if (w?.kind === 'word') out.push(w.value);
          else good = false;
        }
        return this.out(good ? { kind: 'words', value: out, range: a } : undefined, i + 1);
      }
      case 'cpulist':
      case 'vplist':
        return this.out(this.indexList(a, t.kind, spec), i + 1);
      case 'dist':
        return this.dist(args, i, spec, as);
      case 'name':
      case 'ref':
      case 'text':
        if (a.type === 'ident') return this.out({ kind: 'word', value: a.name, range: a }, i + 1);
        if (a.type === 'string') return this.out({ kind: 'word', value: a.value, range: a }, i + 1);
        return this.out(this.wrongType(a, as, spec), i + 1);
      case 'string':
        if (a.type === 'string') return this.out({ kind: 'word', value: a.value, range: a }, i + 1);
        if (a.type === 'ident') return this.out({ kind: 'word', value: a.name, range: a }, i + 1);
        return this.out(this.wrongType(a, as, spec), i + 1);
      case 'literal':
        if (a.type === 'ident' && a.name === t.word) return this.out({ kind: 'literal', range: a }, i + 1);
        this.diags.error(Codes.wrongType, `\`${spec.keyword}\` expects the word \`${t.word}\` here, found ${describeArg(a, this.text)}; e.g. ${exampleOf(spec)}.`, a, {
          fixes: [{ title: `Insert '${t.word}'`, edits: [{ range: { start: a.start, end: a.start }, newText: `${t.word} ` }], preferred: true }],
        });
        // Assume the word was forgotten: re-read this argument as the next value.
        return this.out({ kind: 'literal', range: { start: a.start, end: a.start } }, a.type === 'number' ? i : i + 1);
    }
  }

  private wrongType(a: Arg, as: ArgSpec, spec: StatementSpec): undefined {
    let expected = SYNTAX_OF[as.type.kind];
    if (as.type.kind === 'enum') expected = `one of ${wordList(as.type.values.map((v) => v.name))}`;
    this.diags.error(Codes.wrongType, `\`${spec.keyword}\` expects ${expected} as ${as.name}, found ${describeArg(a, this.text)}; e.g. ${exampleOf(spec)}.`, a);
    return undefined;
  }

  private enumWord(a: IdentArg, values: string[], spec: StatementSpec): Value | undefined {
    if (values.includes(a.name)) return { kind: 'word', value: a.name, range: a };
    const m = closeMatches(a.name, values);
    this.diags.error(Codes.unknownValue, `Unknown value \`${a.name}\` for \`${spec.keyword}\`; expected ${wordList(values)}.${didYouMean(m)}`, a, { fixes: replaceFixes(a, m) });
    return undefined;
  }

  /** `10 us`: a bare number followed by a word that is a unit. */
  private detachedUnit(a: NumberArg, next: Arg | undefined, t: ValueType): IdentArg | undefined {
    if (a.unit !== '' || !next || next.type !== 'ident') return undefined;
    const alias = UNIT_ALIASES[next.name];
    // The number as written: `a.value` of `99999999999999999999` would print as `100000000000000000000`.
    const num = this.text.slice(a.start, a.end);
    if (alias && t.kind === 'duration') {
      this.diags.error(Codes.detachedUnit, `Write the unit right after the number, as \`${alias}\`: \`${num}${alias}\`, not \`${this.text.slice(a.start, next.end)}\`.`, { start: a.start, end: next.end }, {
        fixes: [{ title: `Write '${num}${alias}'`, edits: [{ range: { start: a.end, end: next.end }, newText: alias }], preferred: true }],
      });
      return next;
    }
    if (!isUnitWord(next.name)) return undefined;
    if (t.kind === 'count' && classifyUnit(next.name)?.kind !== 'count') return undefined;
    const gap = { start: a.end, end: next.start };
    this.diags.error(Codes.detachedUnit, `Write the unit right after the number: \`${num}${next.name}\`, not \`${this.text.slice(a.start, next.end)}\`.`, { start: a.start, end: next.end }, {
      fixes: [{ title: `Join into '${num}${next.name}'`, edits: [{ range: gap, newText: '' }], preferred: true }],
    });
    return next;
  }

  /** A number of the given kind, in base units, with unit and range checks. */
  private number(a: NumberArg, t: ValueType, spec: StatementSpec, detached?: IdentArg): NumValue | undefined {
    if (a.missing) return undefined;
    const unit = detached ? UNIT_ALIASES[detached.name] ?? detached.name : a.unit;
    const range: TextRange = detached ? { start: a.start, end: detached.end } : a;
    const kw = spec.keyword;
    const want = t.kind === 'signed' || t.kind === 'vp' ? 'count' : (t.kind as 'duration' | 'count' | 'percent' | 'rate');
    let value: number;
    if (unit === '') {
      if (want === 'count') value = a.value;
      else if (a.value === 0) value = 0;
      else {
        if (!detached) this.missingUnit(a, want, kw);
        return undefined;
      }
    } else {
      const u = classifyUnit(unit);
      if (!u) {
        const alias = UNIT_ALIASES[unit];
        let m = alias && want === 'duration' ? [alias] : closeMatches(unit, UNIT_EXAMPLES[want], 2);
        if (m.length === 0) m = closeMatches(unit, Object.values(UNIT_EXAMPLES).flat(), 2);
        this.diags.error(Codes.unknownUnit, `Unknown unit \`${unit}\` in \`${a.value}${unit}\`; \`${kw}\` takes ${SYNTAX_OF[t.kind]}.${didYouMean(m.map((x) => `${a.value}${x}`))}`, { start: a.unitRange.start, end: a.unitRange.end }, {
          fixes: m.map((x, k) => ({ title: `Change the unit to '${x}'`, edits: [{ range: a.unitRange, newText: x }], preferred: k === 0 })),
        });
        return undefined;
      }
      if (u.kind !== want) {
        if (want === 'rate' && u.kind === 'count') {
          this.missingUnit(a, 'rate', kw);
          return undefined;
        }
        const fixes: Fix[] = [];
        if (want === 'count') fixes.push({ title: `Remove '${unit}'`, edits: [{ range: a.unitRange, newText: '' }], preferred: true });
        const hint = want === 'rate' && u.kind === 'duration' ? ` A rate is events per unit of time (\`1k/s\`); for a period use \`every ${a.value}${unit}\`.` : '';
        this.diags.error(Codes.wrongUnitKind, `\`${kw}\` takes ${unitKindName(want)}, but \`${a.value}${unit}\` is ${unitKindName(u.kind)}.${hint}${want === 'count' ? ` Write \`${a.value}\`.` : ` e.g. ${exampleOf(spec)}.`}`, range, { fixes });
        return undefined;
      }
      value = a.value * u.factor;
    }
    if (!Number.isFinite(value) || ((t.kind === 'duration' || (t.kind === 'count' && t.integer) || t.kind === 'signed' || t.kind === 'vp') && Math.abs(value) > Number.MAX_SAFE_INTEGER)) {
      // `1e400s` is Infinity; a whole number above 2^53 - 1 (a seed, a duration in ns) would be
      // silently rounded to a neighbour.
      const what = t.kind === 'duration' ? 'a duration up to 2^53 - 1 ns (about 104 days)' : !Number.isFinite(value) ? 'a finite number' : 'a whole number up to 2^53 - 1 (9007199254740991), the largest one stored exactly';
      this.diags.error(Codes.outOfRange, `\`${kw}\` takes ${what}; \`${this.text.slice(range.start, range.end)}\` is out of range.`, range);
      return undefined;
    }
    if (t.kind === 'duration') value = Math.round(value);
    if ((t.kind === 'count' && t.integer) || t.kind === 'signed' || t.kind === 'vp') {
      if (!Number.isInteger(value)) {
        this.diags.error(Codes.wrongType, `\`${kw}\` takes a whole number; \`${this.text.slice(range.start, range.end)}\` is not one.`, range);
        return undefined;
      }
    }
    if (t.kind !== 'signed' && value < 0) {
      this.diags.error(Codes.outOfRange, `\`${kw}\` cannot be negative.`, range);
      return undefined;
    }
    const min = 'min' in t ? t.min : undefined;
    const max = 'max' in t ? t.max : undefined;
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
      const lim = min !== undefined && max !== undefined ? `between ${fmtLimit(t, min)} and ${fmtLimit(t, max)}` : min !== undefined ? `at least ${fmtLimit(t, min)}` : `at most ${fmtLimit(t, max!)}`;
      this.diags.error(Codes.outOfRange, `\`${kw}\` must be ${lim}; \`${this.text.slice(range.start, range.end)}\` is out of range.`, range);
      return undefined;
    }
    return { kind: 'number', value, range };
  }

  private missingUnit(a: NumberArg, want: 'duration' | 'percent' | 'rate' | 'count', kw: string): void {
    const at = { start: a.end, end: a.end };
    const mk = (u: string, preferred: boolean): Fix => ({ title: `Add '${u}'`, edits: [{ range: at, newText: u }], preferred });
    if (want === 'duration') {
      this.diags.error(Codes.missingUnit, `\`${kw}\` takes a duration: add a unit to \`${a.value}\` (\`${a.value}ms\`, \`${a.value}us\`, \`${a.value}ns\` or \`${a.value}s\`); only 0 may be written alone.`, a, {
        fixes: [mk('ms', true), mk('us', false), mk('s', false), mk('ns', false)],
      });
    } else if (want === 'percent') {
      this.diags.error(Codes.missingUnit, `\`${kw}\` takes a percentage: write \`${a.value}%\`.`, a, { fixes: [mk('%', true)] });
    } else if (want === 'rate') {
      const base = a.unit === '' ? `${a.value}` : `${a.value}${a.unit}`;
      const at2 = { start: a.end, end: a.end };
      this.diags.error(Codes.missingUnit, `\`${kw}\` takes a rate (events per unit of time): write \`${base}/s\`.`, a, {
        fixes: [{ title: "Add '/s'", edits: [{ range: at2, newText: '/s' }], preferred: true }],
      });
    }
  }

  private indexList(a: Arg, kind: 'cpulist' | 'vplist', spec: StatementSpec): Value | undefined {
    const what = kind === 'cpulist' ? 'CPU' : 'VP';
    if (a.type === 'ident' && a.name === 'all') return { kind: 'list', value: { all: true, items: [], range: a }, range: a };
    const items: ListItem[] = [];
    let good = true;
    const num = (n: NumberArg): number | undefined => {
      if (n.missing) return undefined;
      const u = n.unit === '' ? undefined : classifyUnit(n.unit);
      if (u && u.kind !== 'count') {
        this.diags.error(Codes.wrongUnitKind, `A ${what} list holds plain ${what} numbers, but \`${this.text.slice(n.start, n.end)}\` is ${unitKindName(u.kind)}; write \`${n.value}\`.`, n, {
          fixes: [{ title: `Remove '${n.unit}'`, edits: [{ range: n.unitRange, newText: '' }], preferred: true }],
        });
        return undefined;
      }
      if (n.unit !== '' || !Number.isInteger(n.value) || n.value < 0) {
        this.diags.error(Codes.wrongType, `A ${what} list holds ${what} numbers (\`0-3,5,^1\`); \`${this.text.slice(n.start, n.end)}\` is not one.`, n);
        return undefined;
      }
      return n.value;
    };
    const one = (it: Arg, not: boolean): void => {
      if (it.missing) {
        good = false;
        return;
      }
      if (it.type === 'number') {
        const v = num(it);
        if (v === undefined) good = false;
        else items.push({ lo: v, hi: v, not, range: it });
      } else if (it.type === 'span') {
        const lo = num(it.lo);
        const hi = num(it.hi);
        if (lo === undefined || hi === undefined) good = false;
        else if (lo > hi) {
          good = false;
          this.diags.error(Codes.badCpuList, `The span \`${lo}-${hi}\` goes downwards; write \`${hi}-${lo}\`.`, it, {
            fixes: [{ title: `Write '${hi}-${lo}'`, edits: [{ range: it, newText: `${hi}-${lo}` }], preferred: true }],
          });
        } else items.push({ lo, hi, not, range: it });
      } else if (it.type === 'not' && !not) {
        one(it.operand, true);
      } else if (it.type === 'ident' && it.name === 'all') {
        this.diags.error(Codes.wrongType, `\`all\` stands alone; it cannot be part of a list.`, it);
        good = false;
      } else {
        this.diags.error(Codes.wrongType, `\`${spec.keyword}\` expects ${SYNTAX_OF[kind]}, found ${describeArg(it, this.text)}.`, it);
        good = false;
      }
    };
    if (a.type === 'list') for (const it of a.items) one(it, false);
    else one(a, false);
    if (!good) return undefined;
    return { kind: 'list', value: { all: false, items, range: a }, range: a };
  }

  private dist(args: Arg[], i: number, spec: StatementSpec, as: ArgSpec): Value | undefined {
    const a = args[i];
    const durT = DURATION_T;
    if (a.type === 'number') {
      const detached = this.detachedUnit(a, args[i + 1], durT);
      const v = this.number(a, durT, spec, detached);
      const next = detached ? i + 2 : i + 1;
      return this.out(v && { kind: 'dist', value: { kind: 'fixed', value: v.value as number }, range: v.range }, next);
    }
    if (a.type === 'range') {
      const lo = this.number(a.lo, durT, spec);
      const hi = this.number(a.hi, durT, spec);
      if (!lo || !hi) return this.out(undefined, i + 1);
      return this.uniform(lo, hi, a, i + 1);
    }
    if (a.type !== 'ident') {
      this.wrongType(a, as, spec);
      return this.out(undefined, i + 1);
    }
    const kind = DIST_KINDS[a.name];
    if (!kind) {
      const m = closeMatches(a.name, Object.keys(DIST_KINDS));
      this.diags.error(Codes.unknownValue, `\`${spec.keyword}\` takes a duration or a distribution (${wordList(Object.keys(DIST_KINDS))}); \`${a.name}\` is neither.${didYouMean(m)}`, a, { fixes: replaceFixes(a, m) });
      return this.out(undefined, i + 1, true);
    }
    let j = i + 1;
    // The distribution's parameters (at most three), in order.
    let p0 = 0;
    let p1 = 0;
    let p2 = 0;
    let np = 0;
    let lastEnd = a.end;
    for (const p of kind.params) {
      const b = args[j];
      const need = p === 'percent' ? 'a probability such as `1%`' : p === 'range' ? 'a range such as `10us..30us`' : 'a duration such as `100us`';
      if (!b) {
        this.diags.error(Codes.missingArgument, `\`${a.name}\` needs ${need}: ${DIST_KINDS[a.name].doc}`, { start: a.start, end: lastEnd });
        return this.out(undefined, j);
      }
      if (p === 'range') {
        if (b.type === 'range') {
          const lo = this.number(b.lo, durT, spec);
          const hi = this.number(b.hi, durT, spec);
          if (!lo || !hi) return this.out(undefined, j + 1);
          return this.uniform(lo, hi, { start: a.start, end: b.end }, j + 1);
        }
        // Also accept `uniform 10us 30us`.
        if (b.type === 'number' && args[j + 1]?.type === 'number') {
          const lo = this.number(b, durT, spec);
          const hi = this.number(args[j + 1] as NumberArg, durT, spec);
          if (!lo || !hi) return this.out(undefined, j + 2);
          return this.uniform(lo, hi, { start: a.start, end: args[j + 1].end }, j + 2);
        }
        this.diags.error(Codes.wrongType, `\`uniform\` needs ${need}, found ${describeArg(b, this.text)}.`, b);
        return this.out(undefined, j + 1);
      }
      if (b.type !== 'number') {
        this.diags.error(Codes.wrongType, `\`${a.name}\` needs ${need}, found ${describeArg(b, this.text)}; ${DIST_KINDS[a.name].doc}`, b);
        return this.out(undefined, j + 1, true);
      }
      const t = p === 'percent' ? PROBABILITY_T : durT;
      const detached = this.detachedUnit(b, args[j + 1], t);
      const v = this.number(b, t, spec, detached);
      if (!v) return this.out(undefined, detached ? j + 2 : j + 1);
      if (np === 0) p0 = v.value;
      else if (np === 1) p1 = v.value;
      else p2 = v.value;
      np++;
      lastEnd = v.range.end;
      j += detached ? 2 : 1;
    }
    const range = { start: a.start, end: lastEnd };
    let d: Dist;
    switch (a.name) {
      case 'fixed':
        d = { kind: 'fixed', value: p0 };
        break;
      case 'exp':
        d = { kind: 'exp', mean: p0 };
        break;
      case 'normal':
        d = { kind: 'normal', mean: p0, sd: p1 };
        break;
      case 'lognormal':
        d = { kind: 'lognormal', mean: p0, sd: p1 };
        break;
      default:
        d = { kind: 'bimodal', a: p0, b: p1, p: p2 / 100 };
    }
    return this.out({ kind: 'dist', value: d, range }, j);
  }

  private uniform(lo: NumValue, hi: NumValue, range: TextRange, next: number): Value | undefined {
    const l = lo.value;
    const h = hi.value;
    if (l > h) {
      this.diags.error(Codes.outOfRange, `A uniform range goes upwards: the lower bound ${formatNs(l)} is above the upper bound ${formatNs(h)}.`, range);
      return this.out(undefined, next);
    }
    return this.out({ kind: 'dist', value: { kind: 'uniform', lo: l, hi: h }, range }, next);
  }
}

/** Value types the distributions read their parameters as. */
const DURATION_T: ValueType = { kind: 'duration' };
const PROBABILITY_T: ValueType = { kind: 'percent', min: 0, max: 100 };

/** An argument the parser invented for a missing list item (`0,,1`): not a value. */
function hasMissingWord(args: readonly Arg[]): boolean {
  for (const a of args) if (a.missing && a.type === 'ident') return true;
  return false;
}

/** The words of an enum type, listed once per type. */
const enumNamesCache = new WeakMap<ValueType, string[]>();
function enumNames(t: ValueType & { values: readonly { name: string }[] }): string[] {
  let names = enumNamesCache.get(t);
  if (!names) enumNamesCache.set(t, (names = t.values.map((v) => v.name)));
  return names;
}

function ordinal(i: number): string {
  return ['first', 'second', 'third', 'fourth'][i] ?? `${i + 1}th`;
}

/** Expands an index list against a count; out-of-range items are returned separately. */
export function expandIndexList(list: IndexList, n: number): { indices: number[]; outOfRange: ListItem[] } {
  const outOfRange: ListItem[] = [];
  if (list.all) return { indices: range0(n), outOfRange };
  // The common case, one number or span (`0-63`): the indices in order, no set to sort.
  if (list.items.length === 1 && !list.items[0].not) {
    const it = list.items[0];
    if (it.hi >= n) outOfRange.push(it);
    const indices: number[] = [];
    for (let k = it.lo; k <= Math.min(it.hi, n - 1); k++) indices.push(k);
    return { indices, outOfRange };
  }
  const incl = list.items.filter((x) => !x.not);
  const set = new Set<number>(incl.length === 0 ? range0(n) : []);
  for (const it of incl) {
    if (it.hi >= n) outOfRange.push(it);
    for (let k = it.lo; k <= Math.min(it.hi, n - 1); k++) set.add(k);
  }
  for (const it of list.items) {
    if (!it.not) continue;
    if (it.hi >= n) outOfRange.push(it);
    for (let k = it.lo; k <= Math.min(it.hi, n - 1); k++) set.delete(k);
  }
  return { indices: [...set].sort((x, y) => x - y), outOfRange };
}

function range0(n: number): number[] {
  return Array.from({ length: Math.max(0, n) }, (_, k) => k);
}
