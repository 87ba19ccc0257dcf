/**
 * Chrome trace event export of a {@link TimelineData}: one process per lane group (a VM, the
 * host, a traced process), one thread per lane, one complete (`X`) event per interval. Perfetto and
 * chrome://tracing open the result. Timestamps are microseconds (the format's unit) with ns
 * precision kept as fractions.
 *
 * The output is built as an array of string chunks so a large timeline does not need one huge
 * intermediate object graph.
 */
import type { Finding } from './findings';
import type { TimelineData } from './timeline';

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
