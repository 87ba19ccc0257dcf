/**
 * trace-cmd `.dat` import benchmark: throughput and peak RSS of the native reader against a floor
 * measured on the same file in the same run — the bare decompress + scan: read each CPU's data
 * (1 MiB windows, or its compressed chunks decompressed with the same decompressor), and walk every
 * page's event headers to count the events, decoding nothing. Also `vpscope analyze` on the file.
 *
 *     node --import tsx test/bench/dat.bench.ts                       # 300 MB generated
 *     VPSCOPE_BENCH_DAT_MB=100 node --import tsx test/bench/dat.bench.ts
 *
 * Inputs: the largest shared real `.dat` (v7, zstd) and files generated from it: its header
 * sections and per-CPU pages re-packed, the pages repeated with shifted page timestamps until
 * the target size, as v6 (uncompressed) and as v7 with zlib. Cases: floor, import, `vpscope
 * analyze` (text summary) and `vpscope analyze --json`. Each case runs in its own child
 * process (bundled by esbuild, as the CLI ships) so peak RSS (VmHWM) is that case's alone; three
 * rounds, interleaved; best CPU time, largest RSS. Prints markdown; asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { decompress as zstd } from 'fzstd';
import { main as analyzeMain } from '../../server/src/cli/analyze';
import { datDecompressors, loadTraceFile } from '../../server/src/io/traceFile';
import { runSync } from '../../server/src/trace/importers/dat';
import { readLayout } from '../../server/src/trace/importers/dat/file';
import { buildDat } from '../trace/datWriter';
import { TRACES_DIR } from '../traces';

const RUNS = 3;

function peakRssMB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? (Number(m[1]) * 1024) / 1e6 : (process.resourceUsage().maxRSS * 1024) / 1e6;
}

/** Reads `len` bytes at `off` of an open file. */
function pread(fd: number, off: number, len: number): Buffer {
  const b = Buffer.allocUnsafe(len);
  const n = readSync(fd, b, 0, len, off);
  return b.subarray(0, n);
}

/** The floor: decompress + walk event headers; returns the events counted and the bytes scanned. */
function floor(file: string): { events: number; scanned: number } {
  const fd = openSync(file, 'r');
  const size = statSync(file).size;
  const L = runSync(readLayout(size, datDecompressors), pread(fd, 0, size > 64 << 20 ? 64 << 20 : size));
  let events = 0;
  let scanned = 0;
  const ps = L.pageSize;
  const walk = (b: Uint8Array) => {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    scanned += b.length;
    for (let p = 0; p + 16 <= b.length; p += ps) {
      const end = p + 16 + (dv.getUint32(p + 8, true) & ((1 << 27) - 1));
      for (let i = p + 16; i + 4 <= end; ) {
        const t = dv.getUint32(i, true) & 31;
        if (t === 0) {
          i += 4 + dv.getUint32(i + 4, true);
          events++;
        } else if (t <= 28) {
          i += 4 + t * 4;
          events++;
        } else if (t === 29) i = dv.getUint32(i, true) >>> 5 ? i + 4 + dv.getUint32(i + 4, true) : end;
        else i += 8;
      }
    }
  };
  for (const c of L.cpus) {
    if (L.compression === 'none') {
      for (let o = c.offset; o < c.offset + c.size; o += 1 << 20) walk(pread(fd, o, Math.min(1 << 20, c.offset + c.size - o)));
      continue;
    }
    let o = c.offset;
    const n = pread(fd, o, 4).readUInt32LE(0);
    o += 4;
    for (let k = 0; k < n; k++) {
      const h = pread(fd, o, 8);
      const z = pread(fd, o + 8, h.readUInt32LE(0));
      const usize = h.readUInt32LE(4);
      walk(L.compression === 'zstd' ? zstd(z, new Uint8Array(usize)) : inflateSync(z));
      o += 8 + z.length;
    }
  }
  closeSync(fd);
  return { events, scanned };
}

async function child(mode: string, file: string): Promise<void> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let events = 0;
  let scanned = 0;
  if (mode === 'floor') ({ events, scanned } = floor(file));
  else if (mode === 'import') {
    const o = await loadTraceFile(file);
    if (o.status !== 'ok') throw new Error('cancelled');
    events = o.trace.stats.events;
  } else {
    const io = { stdout: { write: () => true }, stderr: { write: (c: string) => process.stderr.write(c) } };
    const code = await analyzeMain(mode === 'analyze-json' ? [file, '--json'] : [file], io);
    if (code !== 0) throw new Error(`vpscope analyze exited ${code}`);
  }
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  process.stdout.write(JSON.stringify({ mode, ms, cpuMs: (c.user + c.system) / 1000, peakRssMB: peakRssMB(), events, scanned }) + '\n');
}

interface Result {
  mode: string;
  ms: number;
  cpuMs: number;
  peakRssMB: number;
  events: number;
  scanned: number;
}

const repoRoot = resolve(__dirname, '..', '..');
const tracesDir = TRACES_DIR;

async function bundle(dir: string): Promise<string> {
  const esbuild = await import('esbuild');
  const out = join(dir, 'dat-bench.cjs');
  await esbuild.build({ entryPoints: [__filename], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: out, external: ['esbuild'], logLevel: 'warning' });
  return out;
}

function runChild(script: string, mode: string, file: string): Result {
  const r = spawnSync(process.execPath, [script, '--child', mode, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Result;
}

function measureAll(script: string, file: string): Record<string, Result> {
  const runs: Record<string, Result[]> = {};
  for (let i = 0; i < RUNS; i++) for (const m of ['floor', 'import', 'analyze', 'analyze-json']) (runs[m] ??= []).push(runChild(script, m, file));
  const out: Record<string, Result> = {};
  for (const [m, rs] of Object.entries(runs)) {
    const best = rs.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));
    out[m] = { ...best, peakRssMB: Math.max(...rs.map((r) => r.peakRssMB)) };
  }
  return out;
}

/** The real file's header sections and per-CPU pages (decompressed). */
function unpack(file: string) {
  const b = readFileSync(file);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const L = runSync(readLayout(b.length, datDecompressors), b);
  const section = (off: number): Uint8Array => {
    const fl = dv.getUint16(off + 2, true);
    const size = Number(dv.getBigUint64(off + 8, true));
    const d = b.subarray(off + 16, off + 16 + size);
    return fl & 1 ? zstd(d.subarray(8, 8 + d.readUInt32LE(0)), new Uint8Array(d.readUInt32LE(4))) : d;
  };
  // Option offsets of the sections: walk the options chain.
  const opts = new Map<number, number>();
  // The u64 after magic, version, endian, long size, page size, "zstd\0" and its version.
  let p = 10;
  p = b.indexOf(0, p) + 1 + 2 + 4; // version, endian + long size, page size
  p = b.indexOf(0, p) + 1;
  p = b.indexOf(0, p) + 1;
  let next = Number(dv.getBigUint64(p, true));
  while (next) {
    const d = section(next);
    const ddv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    next = 0;
    for (let q = 0; q + 6 <= d.length; ) {
      const id = ddv.getUint16(q, true);
      const sz = ddv.getUint32(q + 2, true);
      if (id === 0) {
        next = Number(ddv.getBigUint64(q + 6, true));
        break;
      }
      if (id >= 16 && id <= 21) opts.set(id, Number(ddv.getBigUint64(q + 6, true)));
      q += 6 + sz;
    }
  }
  const pagesOf = (c: { offset: number; size: number }): Uint8Array => {
    const parts: Uint8Array[] = [];
    let o = c.offset;
    const n = b.readUInt32LE(o);
    o += 4;
    for (let k = 0; k < n; k++) {
      const zs = b.readUInt32LE(o);
      parts.push(zstd(b.subarray(o + 8, o + 8 + zs), new Uint8Array(b.readUInt32LE(o + 4))));
      o += 8 + zs;
    }
    return Buffer.concat(parts);
  };
  return {
    pageSize: L.pageSize,
    raw: { header: section(opts.get(16)!), ftrace: section(opts.get(17)!), formats: section(opts.get(18)!), cmdlines: section(opts.get(21)!) },
    cpus: L.cpus.map(pagesOf),
  };
}

/** Pages repeated `n` times, each copy's page timestamps shifted by `span` * copy. */
function repeat(pages: Uint8Array, n: number, span: bigint, ps: number): Uint8Array {
  const out = new Uint8Array(pages.length * n);
  for (let k = 0; k < n; k++) {
    out.set(pages, k * pages.length);
    const dv = new DataView(out.buffer, k * pages.length, pages.length);
    for (let p = 0; p + 8 <= pages.length; p += ps) dv.setBigUint64(p, dv.getBigUint64(p, true) + span * BigInt(k), true);
  }
  return out;
}

function row(name: string, file: string, r: Record<string, Result>): string {
  const sizeMB = statSync(file).size / 1e6;
  const dataMB = r.floor.scanned / 1e6;
  const f = r.floor;
  const i = r.import;
  const a = r.analyze;
  const j = r['analyze-json'];
  const tp = (x: Result) => `${(dataMB / (x.cpuMs / 1000)).toFixed(0)}`;
  const rss = (x: Result) => `${x.peakRssMB.toFixed(0)} (${((100 * x.peakRssMB) / sizeMB).toFixed(0)}% of file, ${((100 * x.peakRssMB) / dataMB).toFixed(0)}% of data)`;
  const over = (x: Result) => `${(x.cpuMs / f.cpuMs).toFixed(2)}x`;
  return `| ${name} | ${sizeMB.toFixed(1)} | ${dataMB.toFixed(1)} | ${i.events.toLocaleString('en-US')} | ${f.cpuMs.toFixed(0)} ms, ${tp(f)} | ${i.cpuMs.toFixed(0)} ms, ${tp(i)} | ${over(i)} | ${rss(i)} | ${a.cpuMs.toFixed(0)} ms, ${tp(a)} | ${over(a)} | ${rss(a)} | ${j.cpuMs.toFixed(0)} ms, ${tp(j)} | ${over(j)} | ${rss(j)} |`;
}

async function parent(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vpscope-dat-bench-'));
  try {
    const script = await bundle(dir);
    const mb = Number(process.env.VPSCOPE_BENCH_DAT_MB ?? 300);
    const real = join(tracesDir, 'r2_2x_n4', 'r2_2x_n4.dat');
    const u = unpack(real);
    const per = u.cpus.reduce((n, c) => n + c.length, 0);
    const copies = Math.max(1, Math.ceil((mb * 1e6) / per));
    // Span: the trace's length (last page timestamp - first) plus a second, per copy.
    const first = (c: Uint8Array) => new DataView(c.buffer, c.byteOffset).getBigUint64(0, true);
    const last = (c: Uint8Array) => new DataView(c.buffer, c.byteOffset).getBigUint64(c.length - u.pageSize, true);
    const span = u.cpus.reduce((m, c) => (last(c) > m ? last(c) : m), 0n) - u.cpus.reduce((m, c) => (first(c) < m ? first(c) : m), 1n << 62n) + 1_000_000_000n;
    const big = u.cpus.map((c) => repeat(c, copies, span, u.pageSize));
    const v6 = join(dir, 'generated-v6.dat');
    writeFileSync(v6, buildDat({ version: 6, cpus: big, raw: u.raw }));
    const v7 = join(dir, 'generated-v7-zlib.dat');
    writeFileSync(v7, buildDat({ version: 7, compression: 'zlib', cpus: big, raw: u.raw, pagesPerChunk: 10 }));
    big.length = 0;
    if (process.env.VPSCOPE_BENCH_DAT_KEEP) {
      // Keep the generated inputs for profiling, and stop.
      for (const f of [v6, v7]) writeFileSync(join(process.env.VPSCOPE_BENCH_DAT_KEEP, f.split('/').pop()!), readFileSync(f));
      return;
    }
    const lines: string[] = [];
    lines.push(`Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
    lines.push('');
    lines.push(`CPU time (user + system) of the best of ${RUNS} rounds; MB/s is decompressed ring-buffer data per CPU second; peak RSS (VmHWM) is the largest of the rounds.`);
    lines.push('');
    lines.push('| input | file MB | data MB | events | floor (decompress + scan) | import | import / floor | import peak RSS MB | `vpscope analyze` | analyze / floor | `vpscope analyze` peak RSS MB | `--json` | `--json` / floor | `--json` peak RSS MB |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    lines.push(row('r2_2x_n4.dat (real, v7 zstd)', real, measureAll(script, real)));
    lines.push(row(`generated v6 (r2 pages x${copies})`, v6, measureAll(script, v6)));
    lines.push(row(`generated v7 zlib (r2 pages x${copies})`, v7, measureAll(script, v7)));
    lines.push('');
    lines.push(`Load average after the run: ${loadavg().map((x) => x.toFixed(1)).join(' ')}.`);
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3], process.argv[4]).catch((e) => {
    process.stderr.write(String(e?.stack ?? e) + '\n');
    process.exitCode = 1;
  });
} else {
  parent().catch((e) => {
    process.stderr.write(String(e?.stack ?? e) + '\n');
    process.exitCode = 1;
  });
}
