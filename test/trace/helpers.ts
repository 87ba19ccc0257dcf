/**
 * Shared helpers for the trace tests: import text or bytes in arbitrary chunkings, analyse, and
 * read state time out of the timeline.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { TraceImporter, type ImportedTrace } from '../../server/src/trace/importer';
import { analyzeTrace, type TraceDocument } from '../../server/src/trace';
import type { AnalysisOptions } from '../../server/src/trace/options';
import type { TraceFormat } from '../../server/src/trace/detect';
import { TRACES_DIR } from '../traces';
import { main as analyzeMain } from '../../server/src/cli/analyze';

export const repoRoot = resolve(__dirname, '..', '..');
/** The shared real traces (CI has them at the same place relative to the repository). */
export const tracesDir = TRACES_DIR;
export const fixturesDir = resolve(__dirname, 'fixtures');

const enc = new TextEncoder();

export function bytesOf(input: string | Uint8Array): Uint8Array {
  return typeof input === 'string' ? enc.encode(input) : input;
}

/** Imports `input`, pushed in chunks of the given sizes (cycled), or as one chunk. */
export function importBytes(input: string | Uint8Array, opts: { chunks?: number[]; format?: TraceFormat; fileName?: string; maxWarningSamples?: number } = {}): ImportedTrace {
  const b = bytesOf(input);
  const imp = new TraceImporter({ format: opts.format, fileName: opts.fileName ?? 'test', maxWarningSamples: opts.maxWarningSamples });
  const sizes = opts.chunks && opts.chunks.length ? opts.chunks : [b.length || 1];
  let o = 0;
  for (let k = 0; o < b.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]);
    imp.push(b.subarray(o, Math.min(b.length, o + n)));
    o += n;
  }
  return imp.finish();
}

export function analyzeText(input: string | Uint8Array, opts: Partial<AnalysisOptions> & { chunks?: number[]; format?: TraceFormat } = {}): TraceDocument {
  const { chunks, format, ...analysis } = opts;
  return analyzeTrace(importBytes(input, { chunks, format }), analysis);
}

/** The decompressed bytes of a real trace file. */
export function realTrace(run: string, kind: 'tracefs_trace' | 'report'): Buffer {
  return gunzipSync(readFileSync(resolve(tracesDir, run, `${run}.${kind}.txt.gz`)));
}

/** ns a lane spends in `states` within [a, b). */
export function stateNs(doc: TraceDocument, laneId: string, states: string[], a = -Infinity, b = Infinity): number {
  const lane = doc.timeline.lanes.find((l) => l.id === laneId);
  if (!lane) throw new Error(`no lane ${laneId}`);
  const idx = new Set(states.map((s) => doc.timeline.states.indexOf(s)));
  let ns = 0;
  const iv = lane.intervals;
  for (let i = 0; i < iv.length; i += 4) {
    if (!idx.has(iv[i + 2])) continue;
    const lo = Math.max(a, iv[i]);
    const hi = Math.min(b, iv[i + 1]);
    if (hi > lo) ns += hi - lo;
  }
  return ns;
}

/** Intervals of a lane as readable tuples: [startNs, endNs, state, cause]. */
export function intervalsOf(doc: TraceDocument, laneId: string): [number, number, string, string][] {
  const lane = doc.timeline.lanes.find((l) => l.id === laneId);
  if (!lane) throw new Error(`no lane ${laneId}`);
  const out: [number, number, string, string][] = [];
  for (let i = 0; i < lane.intervals.length; i += 4) {
    const c = lane.intervals[i + 3];
    out.push([lane.intervals[i], lane.intervals[i + 1], doc.timeline.states[lane.intervals[i + 2]], c >= 0 ? doc.timeline.causes[c] : '']);
  }
  return out;
}

export function thread(doc: TraceDocument, tid: number) {
  const t = doc.threads.find((x) => x.tid === tid);
  if (!t) throw new Error(`no thread ${tid} in ${doc.threads.map((x) => x.tid).join(',')}`);
  return t;
}

/** A tracefs line in the kernel's format (5-char flags), for building small traces. */
export function tf(comm: string, pid: number, cpu: number, ts: string, event: string, body: string, flags = 'd..2.'): string {
  return `${`${comm}-${pid}`.padStart(16)} [${String(cpu).padStart(3, '0')}] ${flags} ${ts}: ${event}: ${body}`;
}

export function sw(prevComm: string, prevPid: number, state: string, nextComm: string, nextPid: number): string {
  return `prev_comm=${prevComm} prev_pid=${prevPid} prev_prio=120 prev_state=${state} ==> next_comm=${nextComm} next_pid=${nextPid} next_prio=120`;
}

export function wk(comm: string, pid: number, cpu: number): string {
  return `comm=${comm} pid=${pid} prio=120 target_cpu=${String(cpu).padStart(3, '0')}`;
}

/** Everything observable about an import, as plain data. */
export function digest(tr: ImportedTrace) {
  const e = tr.events;
  const rows: number[] = [];
  for (let i = 0; i < e.length; i++) rows.push(e.ts.get(i), e.cpu.get(i), e.src.get(i), e.kind.get(i), e.pid.get(i), e.a0.get(i), e.a1.get(i), e.a2.get(i));
  return {
    format: tr.format,
    lines: tr.stats.lines,
    events: tr.stats.events,
    skipped: tr.stats.skippedLines,
    malformed: tr.stats.malformedLines,
    warnings: tr.stats.warnings,
    counters: { ...tr.stats.counters },
    rows,
    names: e.eventNames.names(),
    threads: tr.threads.list.map((t) => [t.src, t.tid, t.comm >= 0 ? e.comms.name(t.comm) : '', t.tgid, t.creator]),
  };
}

/** Runs `vpscope analyze ARGS` in-process, capturing what it writes. */
export async function runAnalyze(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await analyzeMain(args, { stdout: { write: (c: string) => (out += c) }, stderr: { write: (c: string) => (err += c) } });
  return { code, out, err };
}
