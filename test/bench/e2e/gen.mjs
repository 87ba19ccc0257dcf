// The trace bench's generated input (test/bench/trace.bench.ts generate()), standalone: the r2
// trace repeated with shifted timestamps up to MB megabytes.
//   node test/bench/e2e/gen.mjs tracefs_trace|report MB OUT [TRACES_DIR]
import { gunzipSync } from 'node:zlib';
import { readFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
const [kind, mb, out] = process.argv.slice(2);
const targetBytes = Number(mb) * 1e6;
const text = gunzipSync(readFileSync(join(process.argv[5] ?? process.env.VPSCOPE_TRACES ?? '../shared/traces', 'r2_2x_n4', `r2_2x_n4.${kind}.txt.gz`))).toString('latin1');
const header = text.split('\n').filter((l) => l.startsWith('#') || l.startsWith('cpus=')).join('\n') + '\n';
const parts = [];
for (const l of text.split('\n')) {
  if (!l || l.startsWith('#')) continue;
  const m = /^(.*?\] \S+ +)(\d+)(\.\d+: .*)$/.exec(l) ?? /^(.*?\] +)(\d+)(\.\d+: .*)$/.exec(l);
  if (m) parts.push([m[1], Number(m[2]), m[3]]);
}
const span = parts[parts.length - 1][1] - parts[0][1] + 1;
const fd = openSync(out, 'w');
let written = writeSync(fd, header);
for (let rep = 0; written < targetBytes; rep++) {
  const off = rep * span;
  let chunk = '';
  for (const [a, s, b] of parts) chunk += a + (s + off) + b + '\n';
  written += writeSync(fd, Buffer.from(chunk, 'latin1'));
}
closeSync(fd);
