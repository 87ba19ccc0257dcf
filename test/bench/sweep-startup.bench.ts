/**
 * Start-up parts of the sweep bench's plan (BENCHMARKS.md, "Sweeps on a worker pool"), to see
 * what starting the pool's workers before the check can save: (a) one sim worker (dist/, as
 * shipped: run `npm run build` first) from `new Worker()` to the answer of a run that stops at
 * its first event; (b) the main thread's check of the scenario and of its 3 sweep points
 * (analyzeDocument x 4, as the CLI and planSeedJobs do), cold (first) and warm (min). Overlap can
 * save at most the smaller of the two. Wall times, 10 repetitions.
 *
 *   node --import tsx test/bench/sweep-startup.bench.ts
 */
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { analyzeDocument } from '../../server/src/model/analyze';
import { parseSweep, sweepPointText, type SweepSpec } from '../../server/src/model/sweep';

const root = join(__dirname, '..', '..');
const text = readFileSync(join(root, 'test/bench/storage-64vp.vps'), 'utf8');
const sw = parseSweep('host.load housekeeping.threads=4,8,16') as SweepSpec;
async function worker(): Promise<number> {
  const t0 = performance.now();
  const cells = new Int32Array(new SharedArrayBuffer(8));
  const w = new Worker(join(root, 'dist/simWorker.js'), { execArgv: [], workerData: { cancelBuffer: cells.buffer } });
  await new Promise<void>((r) => { w.on('message', (m) => { if (m.type === 'result' || m.type === 'error') r(); }); w.postMessage({ type: 'run', id: 1, text, variant: ['base'], seed: 1, maxEvents: 1, timeline: false }); });
  const t = performance.now() - t0;
  await w.terminate();
  return t;
}
function check(): number {
  const t0 = performance.now();
  analyzeDocument(text);
  for (const v of sw.values) analyzeDocument(sweepPointText(text, [sw], [v], 'base'), { hazards: false });
  return performance.now() - t0;
}
(async () => {
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const a: number[] = [], b: number[] = [];
  for (let i = 0; i < 10; i++) { a.push(await worker()); b.push(check()); }
  console.log(`worker start + 1-event run: min ${Math.min(...a).toFixed(0)} ms (${a.map((x) => x.toFixed(0)).join(' ')})`);
  console.log(`check of the scenario + 3 points: min ${Math.min(...b).toFixed(0)} ms, first ${b[0].toFixed(0)} ms (${b.map((x) => x.toFixed(0)).join(' ')})`);
})();
