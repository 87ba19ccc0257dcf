/**
 * Units of the language: which suffixes exist, what kind of value each denotes and the factor to
 * the model's base unit (ns for durations, 1 for counts, percent points for percents, events per
 * second for rates). Pure functions; no diagnostics here.
 */
import { dict } from '../core/dict';
import type { UnitKind } from './schemaTypes';

export interface UnitInfo {
  kind: UnitKind;
  /** Multiply the written number by this to get the base unit. */
  factor: number;
}

/** Durations: factor to integer nanoseconds. `µs`/`μs` are accepted as `us`. */
export const DURATION_UNITS: Readonly<Record<string, number>> = dict({ ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9 });
/** Count multipliers (decimal, as in `10k`, `50M`). */
export const COUNT_UNITS: Readonly<Record<string, number>> = dict({ '': 1, k: 1e3, M: 1e6, G: 1e9 });
/** Rates: per-time suffix -> events per second. */
const PER_UNITS: Readonly<Record<string, number>> = dict({ s: 1, ms: 1e3, us: 1e6, ns: 1e9 });

/** Answers of `classifyUnit` so far (a file writes a handful of units thousands of times). */
const classified = new Map<string, Readonly<UnitInfo> | null>();
const MAX_CLASSIFIED = 512;

/** What a unit suffix means, or undefined when the suffix is not a unit of the language. The answer is shared: read it, do not change it. */
export function classifyUnit(unit: string): Readonly<UnitInfo> | undefined {
  const known = classified.get(unit);
  if (known !== undefined) return known ?? undefined;
  const u = computeUnit(unit);
  if (classified.size < MAX_CLASSIFIED) classified.set(unit, u ? Object.freeze(u) : null);
  return u;
}

function computeUnit(unit: string): UnitInfo | undefined {
  if (unit in DURATION_UNITS) return { kind: 'duration', factor: DURATION_UNITS[unit] };
  if (unit in COUNT_UNITS) return { kind: 'count', factor: COUNT_UNITS[unit] };
  if (unit === '%') return { kind: 'percent', factor: 1 };
  const slash = unit.indexOf('/');
  if (slash >= 0) {
    const mult = unit.slice(0, slash);
    const per = unit.slice(slash + 1);
    if (mult in COUNT_UNITS && per in PER_UNITS) return { kind: 'rate', factor: COUNT_UNITS[mult] * PER_UNITS[per] };
  }
  return undefined;
}

/** Spellings people write for durations that the language spells otherwise (for fixes). */
export const UNIT_ALIASES: Readonly<Record<string, string>> = dict({
  sec: 's', secs: 's', second: 's', seconds: 's', msec: 'ms', msecs: 'ms', millis: 'ms', usec: 'us', usecs: 'us', micros: 'us', nsec: 'ns', nsecs: 'ns', nanos: 'ns',
});

/** Every unit written in examples and messages, by kind (for "did you mean" and completion). */
export const UNIT_EXAMPLES: Readonly<Record<UnitKind, string[]>> = {
  duration: ['ns', 'us', 'ms', 's'],
  count: ['k', 'M', 'G'],
  percent: ['%'],
  rate: ['/s', 'k/s', 'M/s', '/ms', '/us'],
};

/** A word that is a unit on its own (`10 us` written with a space). */
export function isUnitWord(word: string): boolean {
  return word !== '' && classifyUnit(word) !== undefined;
}

export function unitKindName(kind: UnitKind): string {
  switch (kind) {
    case 'duration':
      return 'a duration';
    case 'count':
      return 'a count';
    case 'percent':
      return 'a percentage';
    case 'rate':
      return 'a rate';
  }
}

/** Formats nanoseconds with the largest unit that keeps the value readable (`1.5ms`, `250ns`). */
export function formatNs(ns: number): string {
  if (ns === 0) return '0';
  const abs = Math.abs(ns);
  const fmt = (v: number, u: string) => `${Number(v.toPrecision(6))}${u}`;
  if (abs >= 1e9) return fmt(ns / 1e9, 's');
  if (abs >= 1e6) return fmt(ns / 1e6, 'ms');
  if (abs >= 1e3) return fmt(ns / 1e3, 'us');
  return fmt(ns, 'ns');
}
