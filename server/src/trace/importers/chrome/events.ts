/**
 * Chrome trace events into columns: complete slices (`X`, and `B`/`E` pairs matched per thread),
 * instants (`i`/`I`), counters (`C`, one row per numeric arg) and names from metadata (`M`:
 * process_name, thread_name). Timestamps are microseconds in the format and nanoseconds here.
 *
 * Other phases (async, flow, samples, objects) are counted by phase and otherwise ignored.
 */
import { clipQuote } from '../../../core/text';
import { f64Column, i32Column, u8Column } from '../../columns';
import { ByteInterner } from '../../intern';
import type { ImportStats } from '../../stats';
import type { ScannerSink } from './scanner';

export class SliceTable {
  readonly start = f64Column();
  readonly dur = f64Column();
  readonly pid = i32Column();
  readonly tid = i32Column();
  readonly name = i32Column();
  readonly cat = i32Column();
  /** Nesting depth on its thread (0 = top level). */
  readonly depth = u8Column();

  get length(): number {
    return this.start.length;
  }
}

export class CounterTable {
  readonly ts = f64Column();
  readonly pid = i32Column();
  /** Interned `name` or `name.key` for multi-valued counters. */
  readonly name = i32Column();
  readonly value = f64Column();

  get length(): number {
    return this.ts.length;
  }
}

interface OpenSlice {
  start: number;
  name: number;
  cat: number;
}

export interface ChromeData {
  slices: SliceTable;
  counters: CounterTable;
  strings: ByteInterner;
  /** Instant events by name. */
  instants: Map<string, number>;
  processNames: Map<number, string>;
  /** Keyed by `pid:tid`. */
  threadNames: Map<string, string>;
  /** Smallest and largest timestamps seen (ns). */
  minTs: number;
  maxTs: number;
}

const nsOf = (us: number): number => Math.round(us * 1000);
/** 2^63 ns in microseconds: the largest |ts| or dur accepted. */
const MAX_US = 2 ** 63 / 1000;
/**
 * Distinct threads (pid:tid pairs) kept from one Chrome trace: each costs a few KiB in the
 * analysis, so a file naming millions of tids would take gigabytes. Events of further threads
 * are counted (`threads_over_cap`), not kept.
 */
export const MAX_CHROME_THREADS = 1 << 16;
/**
 * Distinct names kept from one Chrome trace (slice names and categories, counter series,
 * instants): each kept name costs about 300 bytes, so a file of millions of distinct names took
 * gigabytes. Further names share one entry, {@link OTHER_NAMES} (`names_over_cap`). The same bound
 * as threads (an assumption: a trace shows a few hundred names).
 */
export const MAX_CHROME_NAMES = 1 << 16;
const OTHER_NAMES = '(names past the cap)';

/** A JSON value for a warning, short. */
const show = (v: unknown): string => {
  const t = JSON.stringify(v) ?? String(v);
  return t.length > 40 ? t.slice(0, 37) + '...' : t;
};

/** A decimal number as JSON writes one, optionally signed, with blanks around it (`" 12.5 "`). */
const NUMERIC_TEXT = /^\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*$/;

/**
 * A counter event's value: a finite number, or a string holding one (as Perfetto's JSON importer
 * reads them); undefined for anything else (null, booleans, arrays, objects, "abc", "", "0x10",
 * a number that overflowed to Infinity).
 */
export function counterValue(v: unknown): number | undefined {
  const n = jsonNumber(v);
  return Number.isFinite(n) ? n : undefined;
}

/** A JSON number, or a string holding a decimal one (`"12.5"`); NaN for anything else. */
export function jsonNumber(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'string' && v.length <= 400 && NUMERIC_TEXT.test(v) ? Number(v) : NaN;
}

/** What a JSON value is, for a warning, without serialising it (it may be an array of millions). */
const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v === 'string' ? `the string "${clipQuote(v)}"` : typeof v === 'number' ? String(v) : String(v);

export class ChromeEventSink implements ScannerSink {
  readonly data: ChromeData = {
    slices: new SliceTable(),
    counters: new CounterTable(),
    strings: new ByteInterner(),
    instants: new Map(),
    processNames: new Map(),
    threadNames: new Map(),
    minTs: Infinity,
    maxTs: -Infinity,
  };
  private readonly open = new Map<string, OpenSlice[]>();
  /** String -> interned id, so repeated names skip UTF-8 encoding. */
  private readonly sids = new Map<string, number>();

  constructor(
    private readonly stats: ImportStats,
    private readonly maxThreads = MAX_CHROME_THREADS,
  ) {}

  badEvent(reason: string, line: number, offset: number): void {
    this.stats.count('chrome_bad_event');
    this.stats.malformedLines++;
    this.stats.warn(line, offset, reason);
  }

  jsonError(reason: string, line: number, offset: number): void {
    this.stats.count('chrome_json_error');
    this.stats.warn(line, offset, reason);
  }

  duplicateEvents(line: number, offset: number): void {
    this.stats.count('chrome_duplicate_events');
    this.stats.warn(line, offset, 'a second "traceEvents" array in the same object: its events are read too, as Perfetto does (a JSON parser such as the legacy chrome://tracing viewer keeps only the last array)');
  }

  event(v: unknown, line: number, offset: number): void {
    this.line = line;
    this.offset = offset;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.badEvent('event is not an object', line, offset);
    const e = v as Record<string, unknown>;
    const ph = typeof e.ph === 'string' ? e.ph : '';
    const name = typeof e.name === 'string' ? e.name : '';
    const pid = this.toId(e.pid) ?? 0;
    if (Number.isNaN(pid)) return this.badEvent(`event "${clipQuote(name)}": pid ${show(e.pid)} is not an integer in the 32-bit range`, line, offset);
    const tid = this.toId(e.tid) ?? pid;
    if (Number.isNaN(tid)) return this.badEvent(`event "${clipQuote(name)}": tid ${show(e.tid)} is not an integer in the 32-bit range`, line, offset);
    if (!this.admitThread(pid, tid)) {
      this.stats.count('threads_over_cap');
      if (!this.capWarned) {
        this.capWarned = true;
        this.stats.warn(line, offset, `more than ${this.maxThreads} distinct threads: events of further threads are counted, not kept`);
      }
      return;
    }
    if (ph === 'M') {
      const args = (e.args ?? {}) as Record<string, unknown>;
      const label = typeof args.name === 'string' ? args.name : undefined;
      if (name === 'process_name' && label !== undefined) this.data.processNames.set(pid, label);
      else if (name === 'thread_name' && label !== undefined) this.data.threadNames.set(`${pid}:${tid}`, label);
      this.stats.events++;
      return;
    }
    // A string must hold a decimal number: Number("") is 0 and Number("0x10") 16 (silently).
    const tsUs = jsonNumber(e.ts);
    if (!Number.isFinite(tsUs)) return this.badEvent(`event "${clipQuote(name)}" (ph ${clipQuote(ph) || '?'}) without a numeric ts`, line, offset);
    // 2^63 ns in microseconds: further out is not a clock reading (and 1e308 would make the
    // window infinite).
    if (Math.abs(tsUs) >= MAX_US) return this.badEvent(`event "${clipQuote(name)}": ts ${tsUs} out of range`, line, offset);
    const ts = nsOf(tsUs);
    const d = this.data;
    switch (ph) {
      case 'X': {
        // Absent is 0; true was read as 1 us, [7] as 7 us, "" as 0 (silently).
        const durUs = e.dur === undefined || e.dur === null ? 0 : jsonNumber(e.dur);
        if (!Number.isFinite(durUs) || durUs < 0 || durUs >= MAX_US) {
          return this.badEvent(`event "${clipQuote(name)}" (ph X): dur ${show(e.dur)} is not a duration (a non-negative number of microseconds)`, line, offset);
        }
        const dur = durUs > 0 ? nsOf(durUs) : 0;
        this.slice(ts, dur, pid, tid, name, e.cat, this.depthOf(pid, tid));
        this.span(ts, ts + dur);
        break;
      }
      case 'B': {
        const key = `${pid}:${tid}`;
        let st = this.open.get(key);
        if (!st) this.open.set(key, (st = []));
        st.push({ start: ts, name: this.sid(name), cat: this.sid(typeof e.cat === 'string' ? e.cat : '') });
        this.span(ts, ts);
        break;
      }
      case 'E': {
        const st = this.open.get(`${pid}:${tid}`);
        const o = st?.pop();
        if (!o) {
          this.stats.count('chrome_unmatched_end');
          break;
        }
        if (ts < o.start) {
          // Was silently a zero-length slice: time going backwards within a thread is a damaged
          // or merged trace, and the slice's real length is unknown.
          this.stats.count('chrome_end_before_begin');
          this.stats.warn(line, offset, `event "${clipQuote(name)}" (ph E) at ${show(e.ts)} us ends before the B it closes: kept as a slice of no duration`);
        }
        this.pushSlice(o.start, Math.max(0, ts - o.start), pid, tid, o.name, o.cat, st!.length);
        this.span(ts, ts);
        break;
      }
      case 'i':
      case 'I':
      case 'n':
        const key = d.instants.has(name) || d.instants.size < MAX_CHROME_NAMES ? name : this.overNames(OTHER_NAMES);
        d.instants.set(key, (d.instants.get(key) ?? 0) + 1);
        this.span(ts, ts);
        break;
      case 'C': {
        const args = (e.args ?? {}) as Record<string, unknown>;
        const keys = Object.keys(args);
        for (const k of keys) {
          const val = counterValue(args[k]);
          if (val === undefined) {
            // Was skipped without a word (a string such as "abc"), or read as 0 (null, "", [])
            // or 1 (true): a series of nulls showed a counter at 0 that the trace never had.
            this.stats.count('chrome_counter_not_numeric');
            this.stats.warn(line, offset, `event "${clipQuote(name)}" (ph C): value ${clipQuote(k)} is ${describe(args[k])}, not a number; skipped`);
            continue;
          }
          d.counters.ts.push(ts);
          d.counters.pid.push(pid);
          d.counters.name.push(this.sid(keys.length === 1 && k === 'value' ? name : `${name}.${k}`));
          d.counters.value.push(val);
        }
        this.span(ts, ts);
        break;
      }
      default:
        this.stats.count('chrome_unsupported_phase');
        this.stats.countDetail('chromePhases', ph || '?');
    }
    this.stats.events++;
  }

  /** Closes `B` events still open at the end of the trace. */
  finish(): void {
    for (const [key, st] of this.open) {
      const [pid, tid] = key.split(':').map(Number);
      while (st.length) {
        const o = st.pop()!;
        this.stats.count('chrome_unclosed_begin');
        this.pushSlice(o.start, Math.max(0, this.data.maxTs - o.start), pid, tid, o.name, o.cat, st.length);
      }
    }
    this.open.clear();
  }

  private sid(s: string): number {
    let id = this.sids.get(s);
    if (id === undefined) {
      if (this.sids.size >= MAX_CHROME_NAMES) {
        this.overNames(OTHER_NAMES);
        return (this.otherId ??= this.data.strings.idOfString(OTHER_NAMES));
      }
      id = this.data.strings.idOfString(s);
      this.sids.set(s, id);
    }
    return id;
  }

  /** The line and byte offset of the event being read (for the cap's warning). */
  private line = 0;
  private offset = 0;
  private namesWarned = false;
  private otherId: number | undefined;

  /** Counts a name past {@link MAX_CHROME_NAMES} (warned once, where it happens); returns `other`. */
  private overNames(other: string): string {
    this.stats.count('names_over_cap');
    if (!this.namesWarned) {
      this.namesWarned = true;
      this.stats.warn(this.line, this.offset, `more than ${MAX_CHROME_NAMES.toLocaleString('en-US')} distinct names (slices, categories, counters, instants): further names are shown as "${other}"`);
    }
    return other;
  }

  /**
   * A pid or tid: an integer in the 32-bit range, as a number or a decimal string; NaN for any
   * other value (which the caller reports: truncating 2.5 to 2 or 2^63 to 0 would merge
   * threads silently); undefined when absent.
   */
  private toId(v: unknown): number | undefined {
    if (v === undefined || v === null) return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
    return Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff ? n : NaN;
  }

  /** Distinct `pid:tid` pairs kept (see {@link MAX_CHROME_THREADS}). */
  private readonly threadKeys = new Set<string>();
  private capWarned = false;

  /** True when the thread is known or there is room for it. */
  private admitThread(pid: number, tid: number): boolean {
    const key = `${pid}:${tid}`;
    if (this.threadKeys.has(key)) return true;
    if (this.threadKeys.size >= this.maxThreads) return false;
    this.threadKeys.add(key);
    return true;
  }

  /** Open B/E slices on the thread; nesting of X slices is resolved later, by time. */
  private depthOf(pid: number, tid: number): number {
    return this.open.get(`${pid}:${tid}`)?.length ?? 0;
  }

  private slice(ts: number, dur: number, pid: number, tid: number, name: string, cat: unknown, depth: number): void {
    this.pushSlice(ts, dur, pid, tid, this.sid(name), this.sid(typeof cat === 'string' ? cat : ''), depth);
  }

  private pushSlice(ts: number, dur: number, pid: number, tid: number, name: number, cat: number, depth: number): void {
    const t = this.data.slices;
    t.start.push(ts);
    t.dur.push(dur);
    t.pid.push(pid);
    t.tid.push(tid);
    t.name.push(name);
    t.cat.push(cat);
    t.depth.push(Math.min(depth, 255));
  }

  private span(a: number, b: number): void {
    if (a < this.data.minTs) this.data.minTs = a;
    if (b > this.data.maxTs) this.data.maxTs = b;
  }
}
