/**
 * Chrome trace events into columns: complete slices (`X`, and `B`/`E` pairs matched per thread),
 * instants (`i`/`I`), counters (`C`, one row per numeric arg) and names from metadata (`M`:
 * process_name, thread_name). Timestamps are microseconds in the format and nanoseconds here.
 *
 * Other phases (async, flow, samples, objects) are counted by phase and otherwise ignored.
 */
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
  /** Ids for string pids/tids some producers emit (labels, not numbers). */
  private readonly labelIds = new Map<string, number>();
  /** String -> interned id, so repeated names skip UTF-8 encoding. */
  private readonly sids = new Map<string, number>();

  constructor(private readonly stats: ImportStats) {}

  badEvent(reason: string, line: number, offset: number): void {
    this.stats.count('chrome_bad_event');
    this.stats.malformedLines++;
    this.stats.warn(line, offset, reason);
  }

  jsonError(reason: string, line: number, offset: number): void {
    this.stats.count('chrome_json_error');
    this.stats.warn(line, offset, reason);
  }

  event(v: unknown, line: number, offset: number): void {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.badEvent('event is not an object', line, offset);
    const e = v as Record<string, unknown>;
    const ph = typeof e.ph === 'string' ? e.ph : '';
    const pid = this.toId(e.pid) ?? 0;
    const tid = this.toId(e.tid) ?? pid;
    const name = typeof e.name === 'string' ? e.name : '';
    if (ph === 'M') {
      const args = (e.args ?? {}) as Record<string, unknown>;
      const label = typeof args.name === 'string' ? args.name : undefined;
      if (name === 'process_name' && label !== undefined) this.data.processNames.set(pid, label);
      else if (name === 'thread_name' && label !== undefined) this.data.threadNames.set(`${pid}:${tid}`, label);
      this.stats.events++;
      return;
    }
    const tsUs = typeof e.ts === 'number' ? e.ts : typeof e.ts === 'string' ? Number(e.ts) : NaN;
    if (!Number.isFinite(tsUs)) return this.badEvent(`event "${name}" (ph ${ph || '?'}) without a numeric ts`, line, offset);
    const ts = nsOf(tsUs);
    const d = this.data;
    switch (ph) {
      case 'X': {
        const durUs = typeof e.dur === 'number' ? e.dur : Number(e.dur ?? 0);
        const dur = Number.isFinite(durUs) && durUs > 0 ? nsOf(durUs) : 0;
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
        this.pushSlice(o.start, Math.max(0, ts - o.start), pid, tid, o.name, o.cat, st!.length);
        this.span(ts, ts);
        break;
      }
      case 'i':
      case 'I':
      case 'n':
        d.instants.set(name, (d.instants.get(name) ?? 0) + 1);
        this.span(ts, ts);
        break;
      case 'C': {
        const args = (e.args ?? {}) as Record<string, unknown>;
        const keys = Object.keys(args);
        for (const k of keys) {
          const val = typeof args[k] === 'number' ? (args[k] as number) : Number(args[k]);
          if (!Number.isFinite(val)) continue;
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
      id = this.data.strings.idOfString(s);
      this.sids.set(s, id);
    }
    return id;
  }

  private toId(v: unknown): number | undefined {
    if (typeof v === 'number' && Number.isFinite(v)) return v | 0;
    if (typeof v === 'string') {
      const n = Number(v);
      if (v !== '' && Number.isFinite(n)) return n | 0;
      let id = this.labelIds.get(v);
      if (id === undefined) {
        id = -1000 - this.labelIds.size;
        this.labelIds.set(v, id);
      }
      return id;
    }
    return undefined;
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
