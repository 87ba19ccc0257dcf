/**
 * Sweep benchmark (issue 11): wall time of `vpscope simulate FILE --seeds N --sweep ... --json` on
 * 1 and 2 workers (`--jobs`), and the speed-up. The CLI and the sim worker are bundled with esbuild
 * first (as dist/ ships them: cli.js + simWorker.js side by side), so no worker pays for the
 * TypeScript loader. Process CPU time (all threads, getrusage) is printed beside the wall time:
 * the extra CPU of more workers is their own start-up and JIT warm-up. Each figure is the best (lowest wall time) of N repetitions (default 3): the
 * machine is shared, and other jobs only ever add time. The JSON of every repetition is compared
 * byte for byte across worker counts. Before each repetition, the ceiling the machine offers then
 * is measured: two threads spinning on a fixed amount of work each against one (2.00x on two free
 * cores), to read the pool's speed-up against. That spin loop touches no memory, so it says little
 * about simulations sharing the cores' caches; the ceiling for this very work is measured too (unless
 * `--pair 0`): right after each 1-worker repetition, two copies of that 1-worker process at once
 * (2 x one alone / the pair; 2.00 = two processes run as fast as one). The process CPU is split into
 * the main thread, the sim workers and the helper threads (V8's concurrent JIT and GC, libuv), from
 * /proc/thread-self (Linux).
 *
 *   node --import tsx test/bench/sweep.bench.ts [--reps N] [--jobs 1,2,4] [--plan even|uneven|startup] [--root DIR] [--pair 0]
 *
 * Plans, on test/bench/storage-64vp.vps (64-VP OpenHCL storage VM):
 * - even (default): 4 seeds x 3 values of `host.load housekeeping.threads`, 400 ms simulated
 *   per run = 12 runs of about the same length;
 * - uneven: 3 seeds x `scenario.duration` 50, 100, 200, 400, 800 ms = 15 runs whose lengths
 *   differ 16-fold, the longest last in plan order (what a sweep of vcpus 2..16 does): the case
 *   for dispatching the longest expected run first (list scheduling on 2 workers in plan order
 *   ends at 52 units of the shortest run, longest first at 47, the ideal is 46.5);
 * - startup: the even plan with `--max-events 1` (every run stops at its first event): what is
 *   left is process start, the checks, the workers' start-up and the messages.
 * `--root DIR`: bundle the code of another checkout (e.g. the commit before a change, extracted
 * with `git archive`, node_modules linked) to compare before and after in the same minutes.
 */
import { buildSync } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const argv = process.argv.slice(2);
const arg = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const REPS = Math.max(1, Number(arg('--reps')) || 3);
const JOBS = (arg('--jobs') ?? '1,2').split(',').map(Number);
const PLAN = arg('--plan') ?? 'even';
const code = arg('--root') ?? root;
/** `--pair 0`: skip the two-processes ceiling (it adds about two 1-worker runs per repetition). */
const PAIR = JOBS.includes(1) && arg('--pair') !== '0';
const dir = mkdtempSync(join(tmpdir(), 'vpscope-sweep-bench-'));
const common = { bundle: true, platform: 'node' as const, target: 'node20', format: 'cjs' as const, logLevel: 'warning' as const, define: { VPSCOPE_VERSION: '"bench"' } };
buildSync({ ...common, entryPoints: [join(code, 'server/src/cli/main.ts')], outfile: join(dir, 'cli.js') });
buildSync({ ...common, entryPoints: [join(code, 'server/src/sim/worker.ts')], outfile: join(dir, 'simWorker.js') });
// The process's CPU time (all its threads: getrusage(RUSAGE_SELF)), printed on stderr at exit, and
// where it went (Linux, /proc/thread-self): the main thread, the sim workers (each worker prints
// its thread's CPU when it posts a result; the last figure is its total but for the few ms after
// its last run), the rest being V8's and libuv's helper threads (concurrent JIT compilation,
// parallel and concurrent GC). Preloaded with --require (the CLI runs only as the main module).
writeFileSync(
  join(dir, 'timed.js'),
  `const wt = require('node:worker_threads');
const fs = require('node:fs');
const threadMs = () => { try { const s = fs.readFileSync('/proc/thread-self/stat', 'utf8'); const a = s.slice(s.lastIndexOf(')') + 2).split(' '); return (Number(a[11]) + Number(a[12])) * 10; } catch { return NaN; } };
if (wt.isMainThread) process.on('exit', () => { const u = process.resourceUsage(); process.stderr.write('\\nCPU_MS=' + (u.userCPUTime + u.systemCPUTime) / 1000 + ' MAIN_MS=' + threadMs() + '\\n'); });
else if (wt.parentPort) { const port = wt.parentPort; const post = port.postMessage.bind(port); port.postMessage = (m, t) => { if (m && m.type === 'result') fs.writeSync(2, '\\nWORKER_MS=' + wt.threadId + ':' + threadMs() + '\\n'); return post(m, t); }; }
`,
);
const scenario = join(dir, 'storage-64vp.vps');
writeFileSync(scenario, readFileSync(join(root, 'test/bench/storage-64vp.vps'), 'utf8'));
const PLANS: Record<string, { args: string[]; what: string }> = {
  even: { args: ['--seeds', '4', '--sweep', 'host.load housekeeping.threads=4,8,16'], what: '400 ms simulated per run, 4 seeds x 3 values of host.load housekeeping.threads' },
  uneven: { args: ['--seeds', '3', '--sweep', 'scenario.duration=50ms,100ms,200ms,400ms,800ms'], what: '3 seeds x scenario.duration 50..800 ms (run lengths 1:2:4:8:16, longest last in plan order)' },
  startup: { args: ['--seeds', '4', '--sweep', 'host.load housekeeping.threads=4,8,16', '--max-events', '1'], what: 'the even plan with --max-events 1: start-up, checks and dispatch only' },
};
if (!PLANS[PLAN]) throw new Error(`--plan: one of ${Object.keys(PLANS).join(', ')}`);
const args = ['simulate', scenario, ...PLANS[PLAN].args, '--json'];

interface Once {
  ms: number;
  cpuMs: number;
  /** The main thread's CPU, the sim workers' (summed), the rest (helper threads); ms. */
  mainMs: number;
  workersMs: number;
  out: string;
}
function parse(stderr: string, stdout: string, ms: number): Once {
  const cpuMs = Number(/CPU_MS=([\d.]+)/.exec(stderr)?.[1] ?? NaN);
  const mainMs = Number(/MAIN_MS=([\d.]+)/.exec(stderr)?.[1] ?? NaN);
  const perWorker = new Map<string, number>();
  for (const m of stderr.matchAll(/WORKER_MS=(\d+):([\d.]+)/g)) perWorker.set(m[1], Number(m[2]));
  const workersMs = [...perWorker.values()].reduce((a, b) => a + b, 0);
  return { ms, cpuMs, mainMs, workersMs, out: stdout };
}
const cliArgs = (jobs: number) => ['--require', join(dir, 'timed.js'), join(dir, 'cli.js'), ...args, '--jobs', String(jobs)];
function once(jobs: number): Once {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, cliArgs(jobs), { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return parse(r.stderr, r.stdout, ms);
}

/**
 * The ceiling for this very work: two copies of the 1-worker process started at once (wall of
 * the pair), read against one copy alone (the 1-worker repetition just before it):
 * 2 x t(one) / t(pair), 2.00 when the machine runs two of them as fast as one. Two independent
 * processes share nothing but the machine (cores, caches, memory bandwidth, what the host gives
 * the VM) and each one's helper threads, so the pool's speed-up can be read against it.
 */
writeFileSync(
  join(dir, 'pair.js'),
  `const { spawn } = require('node:child_process');
const args = JSON.parse(process.argv[2]);
const t0 = performance.now();
const one = () => new Promise((resolve) => { const p = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] }); let err = ''; p.stderr.on('data', (d) => (err += d)); p.on('close', (code) => resolve({ code, err })); });
Promise.all([one(), one()]).then((r) => { const ms = performance.now() - t0; const cpu = r.map((x) => Number((/CPU_MS=([\\d.]+)/.exec(x.err) || [])[1])); console.log(JSON.stringify({ ms, cpuMs: cpu[0] + cpu[1], codes: r.map((x) => x.code) })); });
`,
);
function pair(): { ms: number; cpuMs: number } {
  const r = spawnSync(process.execPath, [join(dir, 'pair.js'), JSON.stringify(cliArgs(1))], { encoding: 'utf8' });
  const o = JSON.parse(r.stdout) as { ms: number; cpuMs: number; codes: number[] };
  if (o.codes.some((c) => c !== 0)) throw new Error(`pair: exit ${o.codes.join(', ')}`);
  return o;
}

/**
 * What the machine gives two threads right now: wall time of one thread spinning for a fixed
 * amount of work vs two threads doing that work each (ceiling = 2 x t1 / t2; 2.0 on an idle
 * 2-core machine). Measured beside each repetition, so the pool's speed-up can be read against it.
 */
writeFileSync(
  join(dir, 'spin.js'),
  `const { Worker } = require('node:worker_threads');
const code = 'let x = 0; for (let i = 0; i < 6e8; i++) x = (x + i) | 0; require("node:worker_threads").parentPort.postMessage(x);';
async function go(n) {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, () => new Promise((r) => new Worker(code, { eval: true }).on('message', r))));
  return performance.now() - t0;
}
(async () => { const t1 = await go(1); const t2 = await go(2); console.log(JSON.stringify({ t1, t2 })); })();
`,
);
function ceiling(): number {
  const r = spawnSync(process.execPath, [join(dir, 'spin.js')], { encoding: 'utf8' });
  const { t1, t2 } = JSON.parse(r.stdout) as { t1: number; t2: number };
  return (2 * t1) / t2;
}

const load0 = loadavg();
const ceilings: number[] = [];
const times = new Map<number, number[]>();
const cpuTimes = new Map<number, Once[]>();
const pairs: { ms: number; cpuMs: number; one: number }[] = [];
let reference: string | undefined;
let runs = 0;
for (let rep = 0; rep < REPS; rep++) {
  ceilings.push(ceiling());
  for (const j of JOBS) {
    const o = once(j);
    cpuTimes.set(j, [...(cpuTimes.get(j) ?? []), o]);
    if (reference === undefined) {
      reference = o.out;
      runs = JSON.parse(o.out).runs.length;
    } else if (o.out !== reference) throw new Error(`--jobs ${j}: JSON differs from the first run`);
    const l = times.get(j) ?? [];
    l.push(o.ms);
    times.set(j, l);
    if (j === 1 && PAIR) pairs.push({ ...pair(), one: o.ms });
  }
}
const load1 = loadavg();
const best = (j: number) => Math.min(...times.get(j)!);
const s = (ms: number) => (ms / 1000).toFixed(2);
console.log(`Sweep (${PLAN}): storage-64vp.vps, ${runs} runs (${PLANS[PLAN].what}), code of ${code}, whole CLI process, best of ${REPS} (wall time)`);
console.log(`Machine: ${cpus().length} CPUs (${availableParallelism()} available), load average ${load0.map((x) => x.toFixed(2)).join(' ')} before, ${load1.map((x) => x.toFixed(2)).join(' ')} after\n`);
console.log('| workers | wall (best) | all reps | speed-up vs 1 | process CPU (min) | of which main / workers / helper threads |');
console.log('|---:|---:|---|---:|---:|---|');
for (const j of JOBS) {
  const c = cpuTimes.get(j)!.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));
  console.log(`| ${j} | ${s(best(j))} s | ${times.get(j)!.map(s).join(', ')} | ${(best(JOBS[0]) / best(j)).toFixed(2)}x | ${s(c.cpuMs)} s | ${s(c.mainMs)} / ${s(c.workersMs)} / ${s(c.cpuMs - c.mainMs - c.workersMs)} s |`);
}
console.log(`\nTwo spinning threads vs one, per repetition (2.00 = two free cores): ${ceilings.map((c) => c.toFixed(2) + 'x').join(', ')}`);
if (pairs.length) {
  const bestPair = Math.min(...pairs.map((p) => p.ms));
  console.log(
    `Two 1-worker processes at once vs one alone (this work's ceiling, 2.00 = no loss): ${s(bestPair)} s best pair (${pairs.map((p) => s(p.ms)).join(', ')}; CPU min ${s(Math.min(...pairs.map((p) => p.cpuMs)))} s for both) -> ${((2 * best(1)) / bestPair).toFixed(2)}x on the best times, per repetition ${pairs.map((p) => ((2 * p.one) / p.ms).toFixed(2) + 'x').join(', ')}`,
  );
}
console.log('JSON byte-identical across worker counts: yes');

/**
 * What the dispatch order is worth on free cores, modelled from this plan's own runs: each run's
 * cost taken as its engine events (from the JSON; deterministic, so unaffected by the machine's
 * load), list scheduling on N workers in plan order vs longest first (by events: what the pool's
 * estimate aims at), against the ideal (total / N). A model, not a measurement: CPU time per
 * event differs between runs.
 */
{
  const doc = JSON.parse(reference!) as { runs: { events: number }[] };
  const costs = doc.runs.map((r) => r.events);
  const span = (order: number[], n: number) => {
    const free = new Array(n).fill(0);
    for (const i of order) {
      const k = free.indexOf(Math.min(...free));
      free[k] += costs[i];
    }
    return Math.max(...free);
  };
  const planOrder = costs.map((_, i) => i);
  const longest = [...planOrder].sort((a, b) => costs[b] - costs[a] || a - b);
  const total = costs.reduce((a, b) => a + b, 0);
  console.log('\nModelled makespan (run cost = its engine events), in % of the ideal total/N:');
  for (const n of [2, 4]) console.log(`  ${n} workers: plan order ${((100 * span(planOrder, n) * n) / total).toFixed(1)}%, longest first ${((100 * span(longest, n) * n) / total).toFixed(1)}%`);
}
