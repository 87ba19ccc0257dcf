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
