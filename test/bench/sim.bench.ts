/**
 * Simulator benchmark: events per second on the 64-VP storage scenario and its 1,024-VP scale-up
 * (test/bench/storage-*.vps, OpenHCL VMs with StorVSP and ioloads), peak memory, and the ratio to
 * a bare event-queue loop that dispatches the same number of events at the same queue size (how
 * close the whole simulator is to the floor of its own engine).
 *
 *   node --expose-gc --import tsx test/bench/sim.bench.ts [--quick]
 *
 * The code under test is bundled with esbuild first, as dist/ ships it: running the TypeScript
 * sources through tsx turns every cross-module constant into a getter call and measures the
 * loader, not the simulator. Times are process CPU time (user + system), which the 2-core CI
 * machine's other jobs disturb far less than wall time; wall time is printed too.
 * Prints markdown (docs/bench-sim.md keeps the latest numbers).
 */
import { buildSync } from 'esbuild';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const quick = process.argv.includes('--quick');
const dir = mkdtempSync(join(tmpdir(), 'vpscope-bench-'));
const entry = join(dir, 'entry.ts');
writeFileSync(
  entry,
  [
    `export { analyzeDocument } from ${JSON.stringify(join(root, 'server/src/model/analyze'))};`,
    `export { simulate } from ${JSON.stringify(join(root, 'server/src/sim/run'))};`,
    `export { Engine } from ${JSON.stringify(join(root, 'server/src/sim/engine'))};`,
    `export { Rng, streamState } from ${JSON.stringify(join(root, 'server/src/sim/rng'))};`,
  ].join('\n'),
);
const out = join(dir, 'sim.cjs');
buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: out, logLevel: 'warning' });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const m = require(out) as typeof import('../../server/src/model/analyze') & typeof import('../../server/src/sim/run') & typeof import('../../server/src/sim/engine') & typeof import('../../server/src/sim/rng');

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Row {
  name: string;
  vps: number;
  simulatedMs: number;
  events: number;
  cpuMs: number;
  wallMs: number;
  heapMB: number;
  queue: number;
}

function runScenario(file: string, durationNs?: number): Row {
  const text = readFileSync(join(root, 'test/bench', file), 'utf8');
  const a = m.analyzeDocument(text, { uri: file });
  const errs = a.diagnostics.filter((d) => d.severity === 'error');
  if (errs.length || !a.scenario) throw new Error(`${file}: ${errs.map((d) => d.message).join('; ')}`);
  const sc = a.scenario;
  // Warm-up run (JIT) on a short slice of the same scenario.
  m.simulate(sc, { durationNs: Math.min(sc.settings.durationNs, 5_000_000) });
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  let peak = heap0;
  let queue = 0;
  const c0 = cpuMs();
  const w0 = performance.now();
  const r = m.simulate(sc, {
    durationNs,
    onProgress: () => {
      const h = process.memoryUsage().heapUsed;
      if (h > peak) peak = h;
    },
    shouldStop: () => false,
  });
  const cpu = cpuMs() - c0;
  const wall = performance.now() - w0;
  queue = Math.max(queue, 0);
  return {
    name: file,
    vps: sc.vms.reduce((s, v) => s + v.vcpus, 0),
    simulatedMs: r.stop.simulatedNs / 1e6,
    events: r.counters.events,
    cpuMs: cpu,
    wallMs: wall,
    heapMB: (peak - heap0) / 1048576,
    queue,
  };
}

/** The floor: a bare loop over the same engine, `pending` events in flight, one handler re-posting. */
function floor(events: number, pending: number): { cpuMs: number; wallMs: number } {
  const e = new m.Engine();
  const rng = new m.Rng(m.streamState(1, 'floor'));
  const delays = new Float64Array(4096);
  for (let i = 0; i < delays.length; i++) delays[i] = 1 + Math.floor(rng.float() * 100_000);
  let k = 0;
  const id = e.register({
    onEvent(_a: number, now: number) {
      e.post(id, 0, now + delays[k++ & 4095]);
    },
  });
  for (let i = 0; i < pending; i++) e.post(id, 0, delays[i & 4095]);
  e.run(Infinity, { maxEvents: Math.min(200_000, events) }); // warm-up
  const c0 = cpuMs();
  const w0 = performance.now();
  e.run(Infinity, { maxEvents: e.events + events });
  return { cpuMs: cpuMs() - c0, wallMs: performance.now() - w0 };
}

const rows = [runScenario('storage-64vp.vps', quick ? 50_000_000 : undefined), runScenario('storage-1024vp.vps', quick ? 5_000_000 : undefined)];
const rate = (ev: number, ms: number) => (ev / ms / 1000).toFixed(2);
console.log('| scenario | VPs | simulated | events | CPU s | wall s | M events/s (CPU) | ns/event | heap growth | floor ns/event | ratio to floor |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const f = floor(r.events, r.vps >= 512 ? 4096 : 512);
  const ns = (r.cpuMs * 1e6) / r.events;
  const fns = (f.cpuMs * 1e6) / r.events;
  console.log(
    `| ${r.name} | ${r.vps} | ${r.simulatedMs} ms | ${r.events.toLocaleString('en-US')} | ${(r.cpuMs / 1000).toFixed(2)} | ${(r.wallMs / 1000).toFixed(2)} | ${rate(r.events, r.cpuMs)} | ${ns.toFixed(0)} | ${r.heapMB.toFixed(0)} MB | ${fns.toFixed(0)} | ${(ns / fns).toFixed(1)}x |`,
  );
}
console.log(`\npeak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; node ${process.version}; ${quick ? 'quick mode (shortened runs)' : 'full runs'}`);
