/**
 * Import statistics: line and event counts, located warnings (first N kept, all counted) and the
 * named counters of `codes.ts`. Plain data, serialisable as is.
 */
import { setOwn } from '../core/dict';
import { clipRuns, MAX_MESSAGE } from '../core/text';
import { COUNTERS, type CounterName, type CounterSeverity } from './codes';

/** A problem tied to a place in the input. `line` is 1-based, `offset` the line's byte offset. */
export interface TraceWarning {
  /** 1-based line (Chrome JSON: event index). */
  line: number;
  /** Byte offset of the line in the input. */
  offset: number;
  /** What is wrong with it. */
  reason: string;
}

export interface CounterValue {
  /** How many times it happened. */
  value: number;
  /** How much it matters: `info`, `data_loss` (the reconstruction had to guess) or `error`. */
  severity: CounterSeverity;
  /** What the counter counts. */
  description: string;
}

export const DEFAULT_MAX_WARNING_SAMPLES = 100;

export class ImportStats {
  /** Lines seen (text formats), including headers, blanks and malformed lines. */
  lines = 0;
  /** Events stored (known and unknown). */
  events = 0;
  /** Header, comment and blank lines. */
  skippedLines = 0;
  /** Lines that produced a warning instead of an event. */
  malformedLines = 0;
  bytes = 0;
  warnings: TraceWarning[] = [];
  warningCount = 0;
  readonly counters: Partial<Record<CounterName, number>> = {};
  /** Sub-keyed counts, e.g. unsupported Chrome phases by phase letter. */
  readonly detail: Record<string, Record<string, number>> = {};

  constructor(readonly maxWarningSamples = DEFAULT_MAX_WARNING_SAMPLES) {}

  count(name: CounterName, by = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + by;
  }

  countDetail(group: string, key: string, by = 1): void {
    const g = (this.detail[group] ??= {});
    setOwn(g, key, (Object.hasOwn(g, key) ? g[key] : 0) + by);
  }

  warn(line: number, offset: number, reason: string): void {
    this.warningCount++;
    // A reason may quote the input (a Chrome event's name of up to 1 MiB): clipped like diagnostics.
    if (this.warnings.length < this.maxWarningSamples) this.warnings.push({ line, offset, reason: clipRuns(reason, MAX_MESSAGE) });
  }

  counterValues(): Record<string, CounterValue> {
    const out: Record<string, CounterValue> = {};
    for (const [k, v] of Object.entries(this.counters)) {
      if (!v) continue;
      const info = COUNTERS[k as CounterName];
      out[k] = { value: v, severity: info.severity, description: info.description };
    }
    return out;
  }
}

