/**
 * The simulator as V8 runs it: deoptimisations, inline-cache states and allocations per run, on the
 * storage scenarios of the simulator benchmark (BENCHMARKS.md, "Engine-speed pass on branch
 * `engine4`"). A diagnostic, not a timing: it prints counts, which the load of the machine does
 * not change.
 *
 *   node --import tsx test/bench/simV8.bench.ts [--scenario storage-64vp.vps] [--duration NS] [--runs N] [--release]
 *
 * The code is bundled with esbuild first, as in sim.bench.ts (dist/ ships a bundle). Three child
 * processes run `simulate()` N times (default 3: the first warms the JIT up) with V8's own logs:
 * - `--trace-deopt`: bailouts per run (all of them should be in the first run: warm-up);
 * - `--log-ic`: every inline cache of server/src/sim by its final state (monomorphic, polymorphic,
 *   megamorphic), and the sites that are not monomorphic with the number of maps they saw;
 * - the inspector's sampling heap profiler on the last run, collected objects included, and the
 *   GCs of that run (`PerformanceObserver`): bytes allocated per event and the allocation sites.
 * Sites are bundle lines, named by the module esbuild's `// path` comment puts above them.
 * Every run is preceded by `gc()`, and the previous run's engine is held across it, as sim.bench.ts
 * does; `--release` drops it first, to see what a full GC between runs does to the optimised code.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleSim, ROOT } from './simBundle';

const root = ROOT;
const argv = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : def;
};
const scenario = opt('--scenario', 'storage-64vp.vps');
const duration = opt('--duration', '');
const runs = Math.max(2, Number(opt('--runs', '3')) || 3);
const release = argv.includes('--release');

const { dir, file: bundle } = bundleSim('vpscope-simv8-', { 'server/src/model/analyze': ['analyzeDocument'], 'server/src/sim/run': ['simulate'] });

// The child: N runs, a marker line after each; with --alloc, the last run under the heap profiler.
const driver = join(dir, 'driver.cjs');
writeFileSync(
  driver,
  `
const { readFileSync } = require('node:fs');
const { PerformanceObserver } = require('node:perf_hooks');
const { Session } = require('node:inspector');
const [bundle, file, runsS, durS, mode, releaseS] = process.argv.slice(2);
const m = require(bundle);
const sc = m.analyzeDocument(readFileSync(file, 'utf8'), { uri: file }).scenario;
let held;
const opts = { ...(durS ? { durationNs: Number(durS) } : {}), onPhase: (p, e) => { if (p === 'results' && releaseS !== '1') held = e; } }; // replaced once this run is over, as in sim.bench.ts
const runs = Number(runsS);
(async () => {
  for (let i = 0; i < runs; i++) {
    const last = i === runs - 1 && mode === 'alloc';
    if (globalThis.gc) globalThis.gc(); // as sim.bench.ts does before each run (holding the last engine unless --release)
    if (!last) {
      const r = m.simulate(sc, opts);
      console.log('=== run ' + (i + 1) + ' done: ' + r.counters.events + ' events');
      continue;
    }
    const s = new Session();
    s.connect();
    const post = (method, params) => new Promise((res, rej) => s.post(method, params, (e, r) => (e ? rej(e) : res(r))));
    const gcs = { minor: 0, major: 0, ms: 0 };
    const obs = new PerformanceObserver((l) => {
      for (const e of l.getEntries()) {
        if (e.detail.kind === 1) gcs.minor++;
        else gcs.major++;
        gcs.ms += e.duration;
      }
    });
    obs.observe({ entryTypes: ['gc'] });
    await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    const r = m.simulate(sc, opts);
    const { profile } = await post('HeapProfiler.stopSampling');
    await new Promise((res) => setTimeout(res, 50));
    obs.disconnect();
    const sites = new Map();
    let total = 0;
    const walk = (n, path) => {
      const p = path.concat((n.callFrame.functionName || '(anonymous)') + ':' + (n.callFrame.lineNumber + 1));
      total += n.selfSize;
      if (n.selfSize) {
        const k = p.slice(-3).join(' > ');
        sites.set(k, (sites.get(k) || 0) + n.selfSize);
      }
      for (const c of n.children) walk(c, p);
    };
    walk(profile.head, []);
    console.log(JSON.stringify({ events: r.counters.events, total, gcs, sites: [...sites].sort((a, b) => b[1] - a[1]).slice(0, 12) }));
  }
})();
`,
);

const file = join(root, 'test/bench', scenario);
const child = (flags: string[], mode = '') =>
  execFileSync(process.execPath, ['--expose-gc', ...flags, driver, bundle, file, String(runs), duration, mode, release ? '1' : '0'], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });

/** Module of each bundle line, from esbuild's `// ../path/server/src/x.ts` comments. */
const lines = readFileSync(bundle, 'utf8').split('\n');
const moduleOf: string[] = [];
let cur = '';
lines.forEach((l, i) => {
  const mm = /^\/\/ .*server\/src\/(.+\.ts)$/.exec(l);
  if (mm) cur = mm[1];
  moduleOf[i + 1] = cur;
});

console.log(`${scenario}${duration ? `, ${Number(duration) / 1e6} ms simulated` : ''}, ${runs} runs in each child, gc() before each${release ? ' with nothing of the previous run alive (--release)' : ' holding the previous run'}; node ${process.version}\n`);

// 1. Deoptimisations per run.
{
  const out = child(['--trace-deopt']);
  const perRun: number[] = [0];
  const reasons = new Map<string, number>();
  for (const l of out.split('\n')) {
    if (l.startsWith('=== run')) perRun.push(0);
    const mm = /^\[bailout \(kind: ([^,]+), reason: ([^)]*)\): begin\. deoptimizing \S+ <JSFunction (\S*)/.exec(l);
    if (!mm) continue;
    perRun[perRun.length - 1]++;
    const k = `${mm[3] || '(anonymous)'}: ${mm[2]}`;
    reasons.set(k, (reasons.get(k) ?? 0) + 1);
  }
  perRun.pop();
  console.log(`Deoptimisations per run: ${perRun.join(', ')} (the first run warms up; later ones should be 0 or near it, in setup or results)`);
  console.log(`Most frequent: ${[...reasons].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, n]) => `${k} x${n}`).join('; ')}\n`);
}

// 2. Inline caches of server/src/sim by final state.
{
  const log = join(dir, 'ic.log');
  child(['--log-ic', `--logfile=${log}`, '--no-logfile-per-isolate']);
  const sites = new Map<string, { state: string; maps: Set<string>; text: string }>();
  for (const l of readFileSync(log, 'utf8').split('\n')) {
    if (!/^(Load|Store|KeyedLoad|KeyedStore|StoreInArrayLiteral)IC,/.test(l)) continue;
    const p = l.split(',');
    const line = Number(p[3]);
    const mod = moduleOf[line] ?? '';
    if (!mod.startsWith('sim/')) continue;
    const k = `${p[0]} ${mod} (bundle line ${line}:${p[4]}) .${p[8]}`;
    let s = sites.get(k);
    if (!s) sites.set(k, (s = { state: '', maps: new Set(), text: (lines[line - 1] ?? '').trim().slice(0, 90) }));
    s.state = p[6];
    s.maps.add(p[7]);
  }
  const by = new Map<string, number>();
  for (const s of sites.values()) by.set(s.state, (by.get(s.state) ?? 0) + 1);
  const name: Record<string, string> = { '1': 'monomorphic', P: 'polymorphic', N: 'megamorphic', X: 'no feedback', '0': 'uninitialised', '^': 'recompute handler' };
  console.log(`Inline caches in server/src/sim (final state of ${sites.size} sites): ${[...by].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${name[s] ?? s} ${n}`).join(', ')}`);
  console.log('Sites not monomorphic (maps seen over the whole log, deprecated ones included):');
  for (const [k, s] of [...sites].filter(([, s]) => s.state === 'P' || s.state === 'N').sort((a, b) => (a[1].state === 'N' ? 0 : 1) - (b[1].state === 'N' ? 0 : 1) || b[1].maps.size - a[1].maps.size).slice(0, 40)) {
    console.log(`  ${name[s.state]} ${s.maps.size} maps  ${k}  | ${s.text}`);
  }
  console.log('');
}

// 3. Allocation and GC of the last run.
{
  const out = child([], 'alloc');
  const res = JSON.parse(out.split('\n').filter((l) => l.startsWith('{')).pop()!) as {
    events: number;
    total: number;
    gcs: { minor: number; major: number; ms: number };
    sites: [string, number][];
  };
  console.log(
    `Last run: ${res.events.toLocaleString('en-US')} events, ${(res.total / 1048576).toFixed(1)} MB allocated (sampled, collected objects included), ${(res.total / res.events).toFixed(1)} bytes/event; GCs during it: ${res.gcs.minor} scavenges, ${res.gcs.major} mark-compacts, ${res.gcs.ms.toFixed(0)} ms`,
  );
  console.log('Allocation sites (last three frames, bundle lines):');
  for (const [k, b] of res.sites) {
    // The module of the innermost frame with a bundle line (builtins such as `Float64Array` have none).
    const at = [...k.matchAll(/:(\d+)(?= > |$)/g)].map((x) => Number(x[1])).filter((n) => n > 0).pop();
    console.log(`  ${(b / 1048576).toFixed(2)} MB  ${k}${at ? `  [${moduleOf[at] || 'bundle prelude'}]` : ''}`);
  }
}
