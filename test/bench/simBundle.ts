/**
 * The simulator as the benchmarks run it: the named exports of core modules bundled by esbuild
 * into one CommonJS file in a fresh temporary folder, as dist/ ships the code (through tsx every
 * cross-module constant becomes a getter and the loader dominates: docs/bench-sim.md). Shared by
 * sim.bench.ts, shapes.bench.ts and simV8.bench.ts.
 */
import { buildSync } from 'esbuild';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '../../server/src/sim/engine';
import type { Rng, streamState } from '../../server/src/sim/rng';

/** The repository's root. */
export const ROOT = join(__dirname, '..', '..');

/**
 * Bundles `exports` (module path under the root -> the names it exports) into `DIR/sim.cjs`, DIR
 * a new folder named from `prefix` under the system's temporary folder.
 */
export function bundleSim(prefix: string, exports: Record<string, string[]>): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, Object.entries(exports).map(([mod, names]) => `export { ${names.join(', ')} } from ${JSON.stringify(join(ROOT, mod))};`).join('\n'));
  const file = join(dir, 'sim.cjs');
  buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: file, logLevel: 'warning' });
  return { dir, file };
}

/** CPU time of this process so far (user + system), ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** What `floorCpuMs` needs from a bundle (export these three). */
export interface FloorModules {
  Engine: typeof Engine;
  Rng: typeof Rng;
  streamState: typeof streamState;
}

/**
 * The floor: the bundle's Engine and queue with a trivial handler. `pending` entries in flight;
 * each event schedules one new one, a `sameTime` share of them at the current time, the rest
 * 1..100 us ahead. Best CPU ms of `reps` runs of `events` events, after a warm-up run.
 */
export function floorCpuMs(m: FloorModules, events: number, pending: number, sameTime: number, reps: number): number {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const rng = new m.Rng(m.streamState(1, 'floor'));
  const delays = new Float64Array(4096);
  for (let i = 0; i < delays.length; i++) delays[i] = rng.float() < sameTime ? 0 : 1000 + Math.floor(rng.float() * 99_000);
  let best = Infinity;
  for (let rep = 0; rep < reps + 1; rep++) {
    const e = new m.Engine();
    let k = 0;
    const id = e.register({
      onEvent(_a: number, now: number) {
        e.post(id, 0, now + delays[k++ & 4095]);
      },
    });
    for (let i = 0; i < pending; i++) e.post(id, 0, 1000 + ((i * 7919) % 99_000));
    e.run(Infinity, { maxEvents: Math.min(200_000, events) }); // warm-up
    gc();
    const c0 = cpuMs();
    e.run(Infinity, { maxEvents: e.events + events });
    const ms = cpuMs() - c0;
    if (rep > 0 || reps === 0) best = Math.min(best, ms); // the first run warms the JIT up
  }
  return best;
}
