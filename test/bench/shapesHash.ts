/**
 * Byte-identity check for simulator changes that must not change results: bundles the CLI of a
 * source tree, writes every scenario shape of shapes.ts at the given sizes, runs
 * `vpscope simulate FILE --json` on each and prints the sha256 of the output. Run it on a copy of
 * the base (`git archive HEAD | tar -x -C DIR`, plus a node_modules symlink) and on the branch,
 * then diff the two listings.
 *
 *   node --import tsx test/bench/shapesHash.ts ROOT [--sizes 1,4,16] [--only NAME,...] > hashes.txt
 */
import { buildSync } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SHAPES } from './shapes';

const argv = process.argv.slice(2);
const arg = (k: string) => {
  const i = argv.indexOf(k);
  return i >= 0 ? argv[i + 1] : undefined;
};
const root = resolve(argv[0] && !argv[0].startsWith('--') ? argv[0] : join(__dirname, '..', '..'));
const sizes = (arg('--sizes') ?? '1,4,16').split(',').map(Number);
const only = arg('--only')?.split(',');
const dir = mkdtempSync(join(tmpdir(), 'vpscope-shapes-hash-'));
const cli = join(dir, 'cli.cjs');
// The JSON names the scenario file: the same path on both sides, or every hash differs.
const scen = join(tmpdir(), 'vpscope-shapes-hash');
mkdirSync(scen, { recursive: true });
buildSync({ entryPoints: [join(root, 'server/src/cli/main.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: cli, logLevel: 'error', define: { VPSCOPE_VERSION: '"0"' } });
for (const s of SHAPES.filter((x) => !only || only.includes(x.name))) {
  for (const n of sizes) {
    const f = join(scen, `${s.name}-${n}.vps`);
    writeFileSync(f, s.text(n));
    const out = execFileSync(process.execPath, [cli, 'simulate', f, '--json'], { maxBuffer: 1 << 30 });
    console.log(createHash('sha256').update(out).digest('hex').slice(0, 16), out.length, `${s.name}-${n}`);
  }
}
