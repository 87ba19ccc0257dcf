/**
 * Simulator benchmark: events per second on the 64-VP storage scenario and its 1,024-VP scale-up
 * (test/bench/storage-*.vps, OpenHCL VMs with StorVSP and ioloads), peak memory, and the ratio to
 * a bare event-queue loop (the floor) that processes the same number of events through the same
 * engine and queue (how close the whole simulator is to the floor of its own engine).
 *
 *   node --expose-gc --import tsx test/bench/sim.bench.ts [--quick] [--reps N] [--profile]
 *
 * The code under test is bundled with esbuild first, as dist/ ships it: running the TypeScript
 * sources through tsx turns every cross-module constant into a getter call and measures the
 * loader, not the simulator. Times are process CPU time (user + system): the 2-core machine runs
 * other jobs, which distort wall time far more. Each figure is the best (lowest CPU) of N runs
 * (default 5) after a warm-up run; the median is printed too.
 *
 * What is measured, per scenario:
 * - `simulate()` only: setup (building the host, guest and OpenHCL models), the event loop, and
 *   the results (totals, percentiles, findings). Parsing/lowering the scenario and serialising the
 *   result to JSON are measured apart and not counted (separate table). The headline events/s and
 *   ns/event divide `counters.events` by the whole of `simulate()`; the event loop alone is shown
 *   beside it.
 * - The floor: a fresh `Engine` with one handler; the queue is filled with as many pending events
 *   as the scenario had on average (sampled during its run), and every event schedules one new
 *   event, like the scenario does: the same share of them at the current time (the engine's
 *   same-time FIFO, `Engine.sameTimeQueued`), the others at a random future time (1 to 100 us,
 *   through the binary heap). Same engine, same queue code, same number of events.
 * - ratio = simulator ns/event (whole `simulate()`) / floor ns/event.
 * - Memory: peak RSS of the process (`process.resourceUsage().maxRSS`) and the JS heap growth
 *   from before the run to its peak (sampled every 64k events).
 *
 * `--profile` adds, per scenario, one more run with every handler wrapped (Engine.wrapHandlers):
 * events and wall time per handler label, summed over the handlers that share it (the timing
 * itself costs ~50-100 ns per event, so the shares matter, not the absolute figures).
 *
 * Prints markdown (docs/bench-sim.md keeps the latest numbers).
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { bundleSim, cpuMs, floorCpuMs, ROOT } from './simBundle';

const root = ROOT;
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const profile = argv.includes('--profile');
const repsArg = argv.indexOf('--reps');
const REPS = Math.max(1, repsArg >= 0 ? Number(argv[repsArg + 1]) || 5 : quick ? 3 : 5);
const { file: out } = bundleSim('vpscope-bench-', {
  'server/src/model/analyze': ['analyzeDocument'],
  'server/src/sim/run': ['simulate'],
  'server/src/sim/engine': ['Engine'],
  'server/src/sim/rng': ['Rng', 'streamState'],
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const m = require(out) as typeof import('../../server/src/model/analyze') & typeof import('../../server/src/sim/run') & typeof import('../../server/src/sim/engine') & typeof import('../../server/src/sim/rng');

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Run {
  setupMs: number;
  runMs: number;
  resultsMs: number;
  totalMs: number;
  wallMs: number;
  heapMB: number;
}

interface Row {
  name: string;
  vps: number;
  simulatedMs: number;
  events: number;
  runs: Run[];
  best: Run;
  parseMs: number;
  jsonMs: number;
  /** Mean queued entries during the run, and the share of events queued for the current time. */
  pending: number;
  sameTime: number;
}

function runScenario(file: string, durationNs?: number): Row {
  const text = readFileSync(join(root, 'test/bench', file), 'utf8');
  const parses: number[] = [];
  let a = m.analyzeDocument(text, { uri: file });
  for (let i = 0; i < 3; i++) {
    const c0 = cpuMs();
    a = m.analyzeDocument(text, { uri: file });
    parses.push(cpuMs() - c0);
  }
  const errs = a.diagnostics.filter((d) => d.severity === 'error');
  if (errs.length || !a.scenario) throw new Error(`${file}: ${errs.map((d) => d.message).join('; ')}`);
  const sc = a.scenario;
  // Warm-up run (JIT) on a short slice of the same scenario.
  // `held` keeps the previous run's engine (and through its handlers, its models) alive across the
  // `gc()` before the next run: otherwise that full GC frees the hidden classes of every model
  // class and V8 discards the code optimised for them, and each run measures a re-warm-up that a
  // process running simulations back to back (a sweep worker) does not pay. Without it the same
  // code measured 0.67 or 1.0 s per 64-VP run depending on unrelated edits of this file
  // (BENCHMARKS.md, engine4 pass).
  let held: unknown;
  m.simulate(sc, { durationNs: Math.min(sc.settings.durationNs, 5_000_000), onPhase: (_p, e) => (held = e) });
  const runs: Run[] = [];
  let events = 0;
  let simulatedMs = 0;
  let pendingSum = 0;
  let pendingN = 0;
  let sameTime = 0;
  let last: ReturnType<typeof m.simulate> | undefined;
  for (let rep = 0; rep < REPS; rep++) {
    last = undefined;
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    let peak = heap0;
    let polls = 0;
    let engine: InstanceType<typeof m.Engine> | undefined;
    let c1 = 0;
    let c2 = 0;
    const w0 = performance.now();
    const c0 = cpuMs();
    const r = m.simulate(sc, {
      durationNs,
      onPhase: (phase, e) => {
        if (phase === 'run') {
          engine = e;
          c1 = cpuMs();
        } else c2 = cpuMs();
      },
      onProgress: () => {
        // Every 4,096 events: the queue length; every 65,536: the heap (memoryUsage costs ~10 us).
        if (engine) {
          pendingSum += engine.queued;
          pendingN++;
        }
        if ((++polls & 15) === 0) {
          const h = process.memoryUsage().heapUsed;
          if (h > peak) peak = h;
        }
      },
      shouldStop: () => false,
    });
    const c3 = cpuMs();
    const wall = performance.now() - w0;
    const h = process.memoryUsage().heapUsed;
    if (h > peak) peak = h;
    events = r.counters.events;
    simulatedMs = r.stop.simulatedNs / 1e6;
    sameTime = engine ? engine.sameTimeQueued / events : 0;
    runs.push({ setupMs: c1 - c0, runMs: c2 - c1, resultsMs: c3 - c2, totalMs: c3 - c0, wallMs: wall, heapMB: (peak - heap0) / 1048576 });
    last = r;
    held = engine;
  }
  void held; // read nowhere: it only keeps the last run alive until the next one
  // JSON serialisation of the result, as the CLI prints it (the document wrapper aside).
  const jsons: number[] = [];
  for (let i = 0; i < 3; i++) {
    const c0 = cpuMs();
    JSON.stringify(last, null, 1);
    jsons.push(cpuMs() - c0);
  }
  const best = runs.reduce((x, y) => (y.totalMs < x.totalMs ? y : x));
  return {
    name: file,
    vps: sc.vms.reduce((s, v) => s + v.vcpus, 0),
    simulatedMs,
    events,
    runs,
    best,
    parseMs: median(parses),
    jsonMs: median(jsons),
    pending: pendingN ? Math.round(pendingSum / pendingN) : 512,
    sameTime,
  };
}

/** One run with every handler timed; prints the handlers by total time. */
function profileScenario(file: string, durationNs: number | undefined): void {
  const text = readFileSync(join(root, 'test/bench', file), 'utf8');
  const sc = m.analyzeDocument(text, { uri: file }).scenario!;
  let labels: string[] = [];
  let count = new Float64Array(0);
  let ms = new Float64Array(0);
  let loopMs = 0;
  let w1 = 0;
  const now = () => performance.now();
  const r = m.simulate(sc, {
    durationNs,
    onPhase: (phase, e) => {
      if (phase === 'run') {
        labels = Array.from({ length: e.handlerCount }, (_, id) => e.handlerLabel(id));
        count = new Float64Array(labels.length);
        ms = new Float64Array(labels.length);
        e.wrapHandlers((id, fn) => (arg, t) => {
          const t0 = now();
          fn(arg, t);
          ms[id] += now() - t0;
          count[id]++;
        });
        w1 = now();
      } else loopMs = now() - w1;
    },
  });
  const by = new Map<string, { n: number; ms: number }>();
  labels.forEach((l, id) => {
    if (!count[id]) return;
    const x = by.get(l) ?? { n: 0, ms: 0 };
    x.n += count[id];
    x.ms += ms[id];
    by.set(l, x);
  });
  const inHandlers = [...by.values()].reduce((a, x) => a + x.ms, 0);
  console.log(`\nProfile of ${file} (${r.counters.events.toLocaleString('en-US')} events, wall ms with timing on: loop ${loopMs.toFixed(0)}, in handlers ${inHandlers.toFixed(0)}, engine and timing ${(loopMs - inHandlers).toFixed(0)}):\n`);
  console.log('| handler | events | share of events | wall ms | share of handler time | ns/event |');
  console.log('|---|---|---|---|---|---|');
  for (const [l, x] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) {
    console.log(`| \`${l.replace(/\|/g, '\\|')}\` | ${x.n.toLocaleString('en-US')} | ${((100 * x.n) / r.counters.events).toFixed(1)}% | ${x.ms.toFixed(0)} | ${((100 * x.ms) / inHandlers).toFixed(1)}% | ${((x.ms * 1e6) / x.n).toFixed(0)} |`);
  }
}

const rows = [runScenario('storage-64vp.vps', quick ? 50_000_000 : undefined), runScenario('storage-1024vp.vps', quick ? 5_000_000 : undefined)];
const rate = (ev: number, ms: number) => (ev / ms / 1000).toFixed(2);
const nsPer = (ms: number, ev: number) => (ms * 1e6) / ev;
console.log(`node ${process.version}; ${quick ? 'quick mode (shortened runs)' : 'full runs'}; best of ${REPS} runs; load average ${loadavg()[0].toFixed(1)}\n`);
console.log('| scenario | VPs | simulated | events | CPU s | M events/s | ns/event | event loop ns/event | floor ns/event | ratio | peak RSS | heap growth |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
const nsRows: number[] = [];
for (const r of rows) {
  const b = r.best;
  const f = floorCpuMs(m, r.events, r.pending, r.sameTime, Math.max(2, Math.min(REPS, 5)));
  const ns = nsPer(b.totalMs, r.events);
  const fns = nsPer(f, r.events);
  nsRows.push(ns);
  console.log(
    `| ${r.name} | ${r.vps} | ${r.simulatedMs} ms | ${r.events.toLocaleString('en-US')} | ${(b.totalMs / 1000).toFixed(3)} | ${rate(r.events, b.totalMs)} | ${ns.toFixed(0)} | ${nsPer(b.runMs, r.events).toFixed(0)} | ${fns.toFixed(0)} | ${(ns / fns).toFixed(2)}x | ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB | ${Math.max(...r.runs.map((x) => x.heapMB)).toFixed(0)} MB |`,
  );
}
if (nsRows.length === 2) console.log(`\nns/event growth 64 -> 1024 VPs: ${(nsRows[1] / nsRows[0]).toFixed(2)}x (whole simulate()), ${(nsPer(rows[1].best.runMs, rows[1].events) / nsPer(rows[0].best.runMs, rows[0].events)).toFixed(2)}x (event loop)`);
console.log('\nPhases (CPU ms, best run; median of all runs in parentheses), and what the figures above exclude:\n');
console.log('| scenario | setup | event loop | results | simulate() | wall | parse + lower (excluded) | JSON (excluded) | mean queued | same-time share |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const b = r.best;
  const med = (f: (x: Run) => number) => median(r.runs.map(f)).toFixed(0);
  console.log(
    `| ${r.name} | ${b.setupMs.toFixed(0)} (${med((x) => x.setupMs)}) | ${b.runMs.toFixed(0)} (${med((x) => x.runMs)}) | ${b.resultsMs.toFixed(0)} (${med((x) => x.resultsMs)}) | ${b.totalMs.toFixed(0)} (${med((x) => x.totalMs)}) | ${b.wallMs.toFixed(0)} (${med((x) => x.wallMs)}) | ${r.parseMs.toFixed(0)} | ${r.jsonMs.toFixed(0)} | ${r.pending} | ${(r.sameTime * 100).toFixed(0)}% |`,
  );
}
if (profile) {
  for (const [file, dur] of [['storage-64vp.vps', quick ? 50_000_000 : undefined], ['storage-1024vp.vps', quick ? 5_000_000 : undefined]] as const) profileScenario(file, dur);
}
console.log(`\npeak RSS is the process's (both scenarios, the floors and the bundling); heap growth is the largest JS heap growth during one run.`);
