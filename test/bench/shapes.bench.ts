/**
 * Scenario-shape benchmark: the simulator's cost per event on shapes of scenario the storage
 * benchmark (sim.bench.ts) does not cover, at three sizes each (n = 4, 16, 64: 16 to 1,024 pCPUs), and its ratio to the bare-queue
 * floor measured in the same run (test/bench/shapes.ts has the shapes; docs/bench-sim.md
 * "Scenario shapes" the latest table).
 *
 *   node --expose-gc --import tsx test/bench/shapes.bench.ts [--sizes 4,16,64] [--only NAME,...] [--reps N]
 *
 * Per shape and size: engine events, CPU time of the event loop (user + system, best of N runs
 * (default 3) after two warm-up runs, each run of the same scenario and seed), ns per event, the ratio to the floor
 * (the same Engine with a trivial handler, 1,000 pending events, none at the same instant), and
 * the growth of ns/event from the smallest size to each larger one (more than ~1.5x at 16x the
 * size points at work per event that grows with the VM: a scan of vCPUs, of a team, of a queue). The code is bundled with esbuild
 * first, as dist/ ships it (see sim.bench.ts for why).
 */
import { loadavg } from 'node:os';
import { SHAPES } from './shapes';
import { bundleSim, cpuMs, floorCpuMs } from './simBundle';

const argv = process.argv.slice(2);
const arg = (k: string) => {
  const i = argv.indexOf(k);
  return i >= 0 ? argv[i + 1] : undefined;
};
const SIZES = (arg('--sizes') ?? '4,16,64').split(',').map(Number);
const ONLY = arg('--only')?.split(',');
const REPS = Math.max(1, Number(arg('--reps') ?? 3));
const { file: out } = bundleSim('vpscope-shapes-', {
  'server/src/model/analyze': ['analyzeDocument'],
  'server/src/sim/run': ['simulate'],
  'server/src/sim/engine': ['Engine'],
  'server/src/sim/rng': ['Rng', 'streamState'],
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const m = require(out) as typeof import('../../server/src/model/analyze') & typeof import('../../server/src/sim/run') & typeof import('../../server/src/sim/engine') & typeof import('../../server/src/sim/rng');

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

interface Row {
  shape: string;
  n: number;
  pcpus: number;
  vcpus: number;
  simulatedMs: number;
  events: number;
  loopMs: number;
  totalMs: number;
}

function runShape(name: string, n: number, text: string): Row {
  const a = m.analyzeDocument(text, { uri: `${name}.vps` });
  const errs = a.diagnostics.filter((d) => d.severity === 'error');
  if (errs.length || !a.scenario) throw new Error(`${name}@${n}: ${errs.map((d) => d.message).join('; ')}\n${text}`);
  const sc = a.scenario;
  let held: unknown;
  // Warm-up: two whole runs (one short run left some shapes 2-4x slower on the next runs: the
  // JIT was still compiling on the other core).
  for (let i = 0; i < 2; i++) m.simulate(sc, { onPhase: (_p, e) => (held = e) });
  let best: Row | undefined;
  for (let rep = 0; rep < REPS; rep++) {
    gc();
    let c1 = 0;
    let c2 = 0;
    let engine: unknown;
    const c0 = cpuMs();
    const r = m.simulate(sc, {
      onPhase: (phase, e) => {
        if (phase === 'run') {
          engine = e;
          c1 = cpuMs();
        } else c2 = cpuMs();
      },
      shouldStop: () => false,
    });
    const c3 = cpuMs();
    held = engine;
    const row: Row = {
      shape: name,
      n,
      pcpus: sc.host.pcpus,
      vcpus: sc.vms.reduce((s, v) => s + v.vcpus, 0),
      simulatedMs: r.stop.simulatedNs / 1e6,
      events: r.counters.events,
      loopMs: c2 - c1,
      totalMs: c3 - c0,
    };
    if (!best || row.loopMs < best.loopMs) best = row;
  }
  void held;
  return best!;
}

/** The floor (simBundle.ts): `pending` events in flight, none at the same instant, best of 3 runs; ns per event. */
const floor = (events: number, pending: number) => (floorCpuMs(m, events, pending, 0, 3) * 1e6) / events;

const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const load0 = loadavg()[0];
const floorNs = floor(500_000, 1000);
const rows: Row[] = [];
for (const s of SHAPES) {
  if (ONLY && !ONLY.includes(s.name)) continue;
  for (const n of SIZES) rows.push(runShape(s.name, n, s.text(n)));
}
const floorNs2 = floor(500_000, 1000);
const fl = Math.min(floorNs, floorNs2);
console.log(`Scenario shapes, best of ${REPS} runs each; floor ${fmt(fl, 1)} ns/event (min of two floor runs, before and after); load average ${load0.toFixed(1)} -> ${loadavg()[0].toFixed(1)}\n`);
console.log('| shape | n | pCPUs | vCPUs | simulated ms | events | loop CPU ms | ns/event (loop) | ratio to floor | ns/event growth vs smallest n |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const ns = (r.loopMs * 1e6) / r.events;
  const first = rows.find((x) => x.shape === r.shape)!;
  const ns0 = (first.loopMs * 1e6) / first.events;
  console.log(`| ${r.shape} | ${r.n} | ${r.pcpus} | ${r.vcpus} | ${fmt(r.simulatedMs)} | ${fmt(r.events)} | ${fmt(r.loopMs)} | ${fmt(ns)} | ${(ns / fl).toFixed(1)}x | ${r === first ? '' : (ns / ns0).toFixed(2) + 'x'} |`);
}
