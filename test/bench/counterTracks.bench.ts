/**
 * Counter tracks: the cost of the derived counters (runnable vCPUs, steal per VM: the sweep of
 * server/src/core/runnableCounters.ts over the decoded lanes, what the view does on load) and of
 * one drawing of every derived track at full zoom-out (counterColumns + paintCounter per track,
 * 3,200 device columns), on the timeline view bench's input (storage-64vp simulated for 292 ms).
 * Minimum of N runs, in ms.
 *
 *   node --import tsx test/bench/counterTracks.bench.ts [--duration 292ms] [--runs 5]
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { analyzeDocument } from '../../server/src/model/analyze';
import { simulateAll } from '../../server/src/sim/run';
import { timelineSourceOf, type TimelineData } from '../../server/src/core/timeline';
import { counterColumns, derivedTracks, paintCounter } from '../../webview/src/counterTracks';
import type { LaneModel } from '../../webview/src/contract';

const root = resolve(__dirname, '..', '..');
const argv = process.argv.slice(2);
const arg = (n: string, d: string) => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : d;
};
const duration = arg('duration', '292ms');
const runs = Number(arg('runs', '5'));
const text = readFileSync(join(root, 'test/bench/storage-64vp.vps'), 'utf8').replace(/duration 400ms/, `duration ${duration}`);
const a = analyzeDocument(text, { uri: 'storage-64vp.vps' });
const [r] = simulateAll(a.scenario!, { variants: ['base'], timeline: true }) as unknown as [{ timeline: TimelineData }];
const tl = timelineSourceOf(r.timeline);
// The lanes as the view decodes them: typed columns.
let intervals = 0;
const lanes: LaneModel[] = tl.lanes.map((l) => {
  const iv = l;
  const n = iv.length;
  intervals += n;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  const states = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    starts[i] = iv.startAt(i);
    ends[i] = iv.endAt(i);
    states[i] = iv.stateAt(i);
  }
  return { id: l.id, label: l.label, group: l.group, kind: l.kind, cols: { starts, ends, states, causes: new Int32Array(n) } };
});
const vcpuIntervals = lanes.filter((l) => l.kind === 'vcpu').reduce((s, l) => s + l.cols.starts.length, 0);
let derive = Infinity;
let draw = Infinity;
let tracks = derivedTracks(tl.states, lanes);
const W = 3200;
const H = 60;
const lo = new Float64Array(W);
const hi = new Float64Array(W);
const px = new Uint32Array(W * H);
let columns = Infinity;
for (let k = 0; k < runs; k++) {
  const t0 = performance.now();
  tracks = derivedTracks(tl.states, lanes);
  derive = Math.min(derive, performance.now() - t0);
}
// Drawing: the same tracks each time (their block summary is built on the first drawing).
const npp = (tl.endNs - tl.startNs) / W;
for (let k = 0; k <= runs; k++) {
  let c = 0;
  const t0 = performance.now();
  for (const t of tracks) {
    const t1 = performance.now();
    counterColumns(t, tl.startNs, npp, W, lo, hi);
    c += performance.now() - t1;
    paintCounter(px, W, 0, H, t, lo, hi, 1, 2);
  }
  if (k === 0) continue; // the first builds the summaries
  draw = Math.min(draw, performance.now() - t0);
  columns = Math.min(columns, c);
}
const points = tracks.reduce((s, t) => s + t.ts.length, 0);
// What shipping them in the document would weigh: flat `[tNs, value, ...]` JSON per track (the
// `points` of a trace's counter series), gzipped as the view's timeline data is.
const json = JSON.stringify(tracks.map((t) => Array.from(t.ts).flatMap((x, i) => [x, t.vs[i]])));
const gz = gzipSync(json).length;
console.log(`shipped as JSON points: ${(json.length / 2 ** 20).toFixed(1)} MB (${(json.length / intervals).toFixed(2)} bytes/interval), gzipped ${(gz / 2 ** 20).toFixed(1)} MB (${(gz / intervals).toFixed(2)} bytes/interval; base64 adds a third)`);
console.log(`${intervals.toLocaleString('en-US')} intervals (${vcpuIntervals.toLocaleString('en-US')} on ${lanes.filter((l) => l.kind === 'vcpu').length} vCPU lanes); ${tracks.length} derived tracks, ${points.toLocaleString('en-US')} points (${((points * 8 * 4) / 3 / 2 ** 20).toFixed(1)} MB of Float64 columns)`);
console.log(`derive (sweep + tracks): ${derive.toFixed(1)} ms; draw all ${tracks.length} tracks at full zoom-out, ${W} columns: ${draw.toFixed(1)} ms (${(draw / tracks.length).toFixed(2)} ms per track, of which per-column min/max ${(columns / tracks.length).toFixed(2)} ms, painting ${H} rows the rest); min of ${runs}`);
