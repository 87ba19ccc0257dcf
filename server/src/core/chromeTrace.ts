/**
 * Chrome trace event export of a {@link TimelineData}: one process per lane group (a VM, the
 * host, a traced process), one thread per lane, one complete (`X`) event per interval. Perfetto and
 * chrome://tracing open the result. Timestamps are microseconds (the format's unit) with ns
 * precision kept as fractions.
 *
 * The output is built as an array of string chunks so a large timeline does not need one huge
 * intermediate object graph; {@link chromeTraceStream} yields the same text piece by piece from a
 * {@link TimelineSource} (lanes still in typed arrays), so nothing proportional to the timeline is
 * held besides the timeline itself.
 */
import type { Finding } from './findings';
import type { TimelineData, TimelineSource } from './timeline';

export interface ChromeExportOptions {
  /** Skip intervals in these states (e.g. `idle`) to keep files small. */
  omitStates?: string[];
  /** Findings to add as instant events on their lanes. */
  findings?: Finding[];
  /** Extra metadata written to `otherData`. */
  meta?: Record<string, string | number>;
}

const usOf = (ns: number): number => Math.round(ns) / 1000;

export function toChromeTraceChunks(tl: TimelineData, opts: ChromeExportOptions = {}): string[] {
  const out: string[] = [];
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
  out.push('{"traceEvents":[\n');
  out.push(events.join(',\n'));
  let first = events.length === 0;
  for (const lane of tl.lanes) {
    const { pid, tid } = tidOf.get(lane.id)!;
    const iv = lane.intervals;
    let buf = '';
    for (let i = 0; i < iv.length; i += 4) {
      const state = tl.states[iv[i + 2]] ?? 'unknown';
      if (omit.has(state)) continue;
      const cause = iv[i + 3] >= 0 ? tl.causes[iv[i + 3]] : undefined;
      const name = cause ? `${state}: ${cause}` : state;
      const ev = `{"ph":"X","pid":${pid},"tid":${tid},"ts":${usOf(iv[i])},"dur":${usOf(iv[i + 1] - iv[i])},"name":${JSON.stringify(name)},"cat":${JSON.stringify(state)}}`;
      buf += (first ? '' : ',\n') + ev;
      first = false;
      if (buf.length > 1 << 16) {
        out.push(buf);
        buf = '';
      }
    }
    if (buf) out.push(buf);
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
    out.push((first ? '' : ',\n') + JSON.stringify(ev));
    first = false;
  }
  out.push('\n],"displayTimeUnit":"ns","otherData":');
  out.push(JSON.stringify({ generator: 'vpscope', ...(opts.meta ?? {}) }));
  out.push('}\n');
  return out;
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
