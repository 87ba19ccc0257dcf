// The trace bench's generated input, also standalone: the r2 trace repeated with shifted
// timestamps up to MB megabytes (test/bench/trace.bench.ts imports generateTrace from here).
//   node test/bench/e2e/gen.mjs tracefs_trace|report MB OUT [TRACES_DIR]
import { gunzipSync } from 'node:zlib';
import { readFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';

/** Writes `out`: the header of r2_2x_n4's `kind` text, then its events repeated, later each time, to `targetBytes`. */
export function generateTrace(tracesDir, kind, targetBytes, out) {
  const text = gunzipSync(readFileSync(join(tracesDir, 'r2_2x_n4', `r2_2x_n4.${kind}.txt.gz`))).toString('latin1');
  const header = text.split('\n').filter((l) => l.startsWith('#') || l.startsWith('cpus=')).join('\n') + '\n';
  const parts = [];
  for (const l of text.split('\n')) {
    if (!l || l.startsWith('#')) continue;
    // tracefs: `comm-pid [cpu] flags secs.usecs: ...`; report: `comm-pid [cpu] secs.usecs: ...`.
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
  return out;
}

// Run as a script (not when imported: tsx loads this file as CommonJS, without import.meta).
if (/[\\/]gen\.mjs$/.test(process.argv[1] ?? '')) {
  const [kind, mb, out] = process.argv.slice(2);
  generateTrace(process.argv[5] ?? process.env.VPSCOPE_TRACES ?? '../shared/traces', kind, Number(mb) * 1e6, out);
}
