// Summary of run.sh output: per file and case the least CPU (user + system) of the rounds, its
// ratio to the floor of the same file, MB per CPU second, and the largest peak RSS.
//   node test/bench/e2e/summary.mjs runs.txt DIR_OF_THE_INPUTS
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
const rows = readFileSync(process.argv[2], 'utf8').trim().split('\n').filter((l) => !l.startsWith('load'));
const dir = process.argv[3] ?? '.';
const best = {}, rss = {};
for (const l of rows) {
  const [f, c, u, s, m] = l.split(/\s+/);
  const k = f + ' ' + c;
  best[k] = Math.min(best[k] ?? Infinity, +u + +s);
  rss[k] = Math.max(rss[k] ?? 0, +m);
}
for (const f of [...new Set(rows.map((l) => l.split(' ')[0]))]) {
  const size = statSync(join(dir, f)).size / 1e6;
  const fl = best[f + ' floor'];
  console.log(`${f} ${size.toFixed(0)} MB floor ${fl.toFixed(2)} s (${(size / fl).toFixed(0)} MB/s)`);
  for (const c of ['base-text', 'branch-text', 'base-json', 'branch-json']) {
    const k = f + ' ' + c;
    if (best[k] === undefined) continue;
    console.log(`  ${c.padEnd(12)} ${best[k].toFixed(2)} s  ${(best[k] / fl).toFixed(2)}x  ${(size / best[k]).toFixed(0)} MB/s  RSS ${(rss[k] / 1024).toFixed(0)} MB (${((100 * rss[k]) / 1024 / size).toFixed(0)}%)`);
  }
}
