/**
 * Chrome trace event export of a {@link TimelineData}: one process per lane group (a VM, the
 * host, a traced process), one thread per lane, one complete (`X`) event per interval. Perfetto and
 * chrome://tracing open the result. Timestamps are microseconds (the format's unit) with ns
 * precision kept as fractions.
 *
 * {@link chromeTraceStream} yields the text piece by piece (about 64 KiB) from a
 * {@link TimelineSource} (lanes still in typed arrays, or read through an index map), so nothing
 * proportional to the timeline is held besides the timeline itself; {@link toChromeTraceChunks}
 * and {@link toChromeTrace} collect the same text.
 */
import type { Finding } from './findings';
import { timelineSourceOf, type TimelineData, type TimelineSource } from './timeline';

export interface ChromeExportOptions {
  /** Skip intervals in these states (e.g. `idle`) to keep files small. */
  omitStates?: string[];
  /** Findings to add as instant events on their lanes. */
  findings?: Finding[];
  /** Extra metadata written to `otherData`. */
  meta?: Record<string, string | number>;
}

const usOf = (ns: number): number => Math.round(ns) / 1000;

/**
 * The whole export as an array of chunks (the text is held at once: ~100 B per event). Writers
 * of large timelines iterate {@link chromeTraceStream} instead.
 */
export function toChromeTraceChunks(tl: TimelineData, opts: ChromeExportOptions = {}): string[] {
  return [...chromeTraceStream(timelineSourceOf(tl), opts)];
}

export function toChromeTrace(tl: TimelineData, opts: ChromeExportOptions = {}): string {
  return toChromeTraceChunks(tl, opts).join('');
}

/**
 * The same text as {@link toChromeTraceChunks} (joined), generated lazily from a timeline whose
 * lanes are read through {@link TimelineSource}: pieces of about 64 KiB, for writers with
 * backpressure.
 */
export function* chromeTraceStream(tl: TimelineSource, opts: ChromeExportOptions = {}): Generator<string> {
  const omit = new Set(opts.omitStates ?? []);
  const pidOf = new Map<string, number>();
  const tidOf = new Map<string, { pid: number; tid: number }>();
  const events: string[] = [];
  let nextPid = 1;
  for (const lane of tl.lanes) {
    let pid = pidOf.get(lane.group);
    if (pid === undefined) {
      pid = nextPid++;
      pidOf.set(lane.group, pid);
      events.push(JSON.stringify({ ph: 'M', name: 'process_name', pid, tid: 0, args: { name: lane.group } }));
      events.push(JSON.stringify({ ph: 'M', name: 'process_sort_index', pid, tid: 0, args: { sort_index: pid } }));
    }
    const tid = tidOf.size + 1;
    tidOf.set(lane.id, { pid, tid });
    events.push(JSON.stringify({ ph: 'M', name: 'thread_name', pid, tid, args: { name: lane.label } }));
    events.push(JSON.stringify({ ph: 'M', name: 'thread_sort_index', pid, tid, args: { sort_index: tid } }));
  }
  yield '{"traceEvents":[\n';
  yield events.join(',\n');
  let first = events.length === 0;
  events.length = 0;
  // Names and categories as JSON, per state and cause index (the same few strings repeat).
  const stateJson = tl.states.map((s) => JSON.stringify(s));
  const nameJson = new Map<number, string>();
  for (const lane of tl.lanes) {
    const { pid, tid } = tidOf.get(lane.id)!;
    const head = `{"ph":"X","pid":${pid},"tid":${tid},"ts":`;
    let buf = '';
    for (let i = 0; i < lane.length; i++) {
      const st = lane.stateAt(i);
      const state = tl.states[st] ?? 'unknown';
      if (omit.has(state)) continue;
      const c = lane.causeAt(i);
      const cacheable = st >= 0 && st < 4096 && c >= -1 && c < 1048575;
      const key = st * 1048576 + c + 1;
      let names = cacheable ? nameJson.get(key) : undefined;
      if (names === undefined) {
        const cause = c >= 0 ? tl.causes[c] : undefined;
        names = `,"name":${JSON.stringify(cause ? `${state}: ${cause}` : state)},"cat":${stateJson[st] ?? JSON.stringify(state)}}`;
        if (cacheable) nameJson.set(key, names);
      }
      const a = lane.startAt(i);
      buf += (first ? '' : ',\n') + head + usOf(a) + ',"dur":' + usOf(lane.endAt(i) - a) + names;
      first = false;
      if (buf.length > 1 << 16) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  for (const f of opts.findings ?? []) {
    if (f.startNs === undefined) continue;
    const where = f.lane ? tidOf.get(f.lane) : undefined;
    const ev = {
      ph: 'i',
      s: where ? 't' : 'g',
      pid: where?.pid ?? 0,
      tid: where?.tid ?? 0,
      ts: usOf(f.startNs),
      name: `${f.code} ${f.title}`,
      cat: 'finding',
      args: { message: f.message, durationNs: f.durationNs ?? 0 },
    };
    yield (first ? '' : ',\n') + JSON.stringify(ev);
    first = false;
  }
  yield '\n],"displayTimeUnit":"ns","otherData":';
  yield JSON.stringify({ generator: 'vpscope', ...(opts.meta ?? {}) });
  yield '}\n';
}
