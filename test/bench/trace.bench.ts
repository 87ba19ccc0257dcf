/**
 * Trace import benchmark: throughput (MB/s) and peak RSS of the streaming importer on the largest
 * real trace (decompressed) and on a generated large trace, against the floor for a JavaScript
 * importer measured on the same file in the same run: a bare loop that reads 4 MiB chunks, finds
 * line ends and locates each line's event name, and does nothing else. Also the whole of
 * `vpscope analyze` (read, import, analysis, output) with the text summary and with `--json`.
 *
 *     node --import tsx test/bench/trace.bench.ts            # 1 GB generated trace
 *     VPSCOPE_BENCH_TRACE_MB=200 node --import tsx test/bench/trace.bench.ts
 *     VPSCOPE_BENCH_ANALYZE=0 ...                            # import only
 *
 * Every measurement runs in its own child process (so peak RSS is that case's alone, read from
 * /proc/self/status VmHWM, falling back to process.resourceUsage().maxRSS). The children run the
 * code bundled by esbuild, the way the CLI ships (`dist/cli.js`); under tsx every imported
 * binding would go through a getter and the numbers would describe tsx, not the importer.
 * The cases of one input run in rounds (floor, import, analyze, analyze --json; then again), so a
 * change in the machine's load hits them alike: five rounds, the whole-CLI cases in the first
 * three. The table shows the best CPU time of the rounds and the largest peak RSS. Prints a
 * markdown table. Asserts nothing: machines are noisy.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
// Static imports: esbuild wraps dynamically imported modules in lazy initialisers, and the
// importer's module-level constants then read measurably slower.
import { TraceImporter } from '../../server/src/trace/importer';
import { main as analyzeMain } from '../../server/src/cli/analyze';
import { TRACES_DIR } from '../traces';
// @ts-expect-error a plain .mjs script (also run standalone), no type declarations
import { generateTrace } from './e2e/gen.mjs';

const CHUNK = 4 * 1024 * 1024;
/** Rounds per input: floor and import run in every round, the whole-CLI cases in the first few. */
const RUNS = 5;
const ANALYZE_RUNS = 3;

// ---------------------------------------------------------------------------------------------
// Child side: `node bundle.js --child MODE FILE` prints one JSON line.
// ---------------------------------------------------------------------------------------------
function peakRssBytes(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** Reads FILE in 4 MiB chunks into one reused buffer, calling `each` with every chunk. */
function readChunks(file: string, each: (b: Buffer) => void): number {
  const buf = Buffer.allocUnsafe(CHUNK);
  const fd = openSync(file, 'r');
  let total = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      total += n;
      each(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return total;
}

/**
 * The floor: line ends with the native search, then per line a loop to the CPU column's `]`,
 * on to the `:` after the timestamp, and over the event name to its `:`. A partial last line is
 * carried like the importer does. Returns a checksum so nothing is optimised away.
 */
function floor(file: string): { events: number; check: number } {
  let events = 0;
  let check = 0;
  let carry = Buffer.alloc(0);
  const line = (b: Buffer, s: number, e: number): void => {
    let i = s;
    while (i < e && b[i] !== 0x5d) i++; // ]
    while (i < e && b[i] !== 0x3a) i++; // : after the timestamp
    const n = ++i + 1;
    i = n;
    while (i < e && b[i] !== 0x3a) i++; // : after the event name
    if (i < e) {
      events++;
      check += i - n;
    }
  };
  readChunks(file, (b) => {
    let s = 0;
    if (carry.length) {
      const nl = b.indexOf(10);
      if (nl < 0) {
        carry = Buffer.concat([carry, b]);
        return;
      }
      const l = Buffer.concat([carry, b.subarray(0, nl)]);
      line(l, 0, l.length);
      s = nl + 1;
      carry = Buffer.alloc(0);
    }
    for (;;) {
      const nl = b.indexOf(10, s);
      if (nl < 0) break;
      line(b, s, nl);
      s = nl + 1;
    }
    if (s < b.length) carry = Buffer.from(b.subarray(s));
  });
  return { events, check };
}

async function child(mode: string, file: string): Promise<void> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let events = 0;
  let extra: Record<string, number> = {};
  if (mode === 'floor') {
    events = floor(file).events;
  } else if (mode === 'import') {
    const imp = new TraceImporter({ fileName: file });
    readChunks(file, (b) => imp.push(b));
    const trace = imp.finish();
    events = trace.stats.events;
    extra = { columnsMB: trace.events.byteLength / 1e6 };
  } else {
    // `vpscope analyze FILE [--json]` as the CLI runs it, its output counted and dropped. A
    // Node stream, as the process's stdout is: the CLI writes it bytes where it can (a plain
    // `{ write }` object would get strings and measure a path no user runs).
    let outBytes = 0;
    const stdout = new Writable({
      write(chunk: Buffer, _enc, cb) {
        outBytes += chunk.length;
        cb();
      },
    });
    const io = { stdout, stderr: { write: (c: string) => process.stderr.write(c) } };
    const code = await analyzeMain(mode === 'analyze-json' ? [file, '--json'] : [file], io);
    if (code !== 0) throw new Error(`vpscope analyze exited ${code}`);
    extra = { outputMB: outBytes / 1e6 };
  }
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000;
  const bytes = statSync(file).size;
  process.stdout.write(
    JSON.stringify({ mode, ms, cpuMs, userMs: c.user / 1000, mbPerSec: bytes / 1e6 / (ms / 1000), mbPerCpuSec: bytes / 1e6 / (cpuMs / 1000), peakRssMB: peakRssBytes() / 1e6, events, ...extra }) + '\n',
  );
}

// ---------------------------------------------------------------------------------------------
// Parent side.
// ---------------------------------------------------------------------------------------------
interface Result {
  mode: string;
  ms: number;
  cpuMs: number;
  userMs: number;
  mbPerSec: number;
  /** Throughput per CPU second (user + system): what the work costs, whatever else runs. */
  mbPerCpuSec: number;
  peakRssMB: number;
  events: number;
  columnsMB?: number;
}

const repoRoot = resolve(__dirname, '..', '..');
const tracesDir = TRACES_DIR;

/** Bundles this file (importer included) so the children run the code the CLI ships. */
async function bundle(dir: string): Promise<string> {
  const esbuild = await import('esbuild');
  const out = join(dir, 'trace-bench.cjs');
  await esbuild.build({
    entryPoints: [__filename],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: out,
    external: ['esbuild'],
    logLevel: 'warning',
  });
  return out;
}

function runChild(script: string, mode: string, file: string): Result {
  const r = spawnSync(process.execPath, [script, '--child', mode, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Result;
}

/**
 * Runs the modes in rounds on one file; per mode the run with the least CPU time, with the
 * largest peak RSS and the best wall-clock throughput of all its runs.
 */
function measureAll(script: string, modes: string[], file: string): Record<string, Result> {
  const runs: Record<string, Result[]> = {};
  for (let i = 0; i < RUNS; i++) {
    for (const m of modes) if (i < ANALYZE_RUNS || !m.startsWith('analyze')) (runs[m] ??= []).push(runChild(script, m, file));
  }
  const out: Record<string, Result> = {};
  for (const m of modes) {
    const rs = runs[m];
    const best = rs.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));
    out[m] = { ...best, mbPerSec: Math.max(...rs.map((r) => r.mbPerSec)), peakRssMB: Math.max(...rs.map((r) => r.peakRssMB)) };
  }
  return out;
}

/** Largest real trace, decompressed. */
function largestRealTrace(dir: string): { file: string; name: string } {
  let best = { path: '', size: 0 };
  for (const run of ['r1_1x_n2', 'r2_2x_n4', 'r3_1x_n2_2hogs']) {
    for (const kind of ['tracefs_trace', 'report']) {
      const p = join(tracesDir, run, `${run}.${kind}.txt.gz`);
      if (!existsSync(p)) continue;
      const size = gunzipSync(readFileSync(p)).length;
      if (size > best.size) best = { path: p, size };
    }
  }
  if (!best.path) throw new Error(`no traces under ${tracesDir}`);
  const name = best.path.split('/').pop()!.replace(/\.gz$/, '');
  const file = join(dir, name);
  writeFileSync(file, gunzipSync(readFileSync(best.path)));
  return { file, name };
}

/**
 * A large tracefs (or `trace-cmd report`) file made of the r2 trace repeated, each copy shifted
 * by the trace's span so timestamps keep increasing (the reconstruction sees one long, valid
 * trace).
 */
function generate(dir: string, targetBytes: number, kind: 'tracefs_trace' | 'report' = 'tracefs_trace'): string {
  return generateTrace(tracesDir, kind, targetBytes, join(dir, `generated.${kind}.txt`));
}

function row(name: string, sizeMB: number, r: Record<string, Result>): string {
  const floorR = r.floor;
  const imp = r.import;
  const ratio = imp.cpuMs / floorR.cpuMs;
  const rssShare = imp.peakRssMB / sizeMB;
  const goals = [imp.mbPerCpuSec >= 250 ? 'yes' : 'NO', ratio <= 3 ? 'yes' : 'NO', rssShare < 0.5 ? 'yes' : 'NO'].join(' / ');
  const tp = (x: Result): string => `${x.mbPerCpuSec.toFixed(0)} (${x.mbPerSec.toFixed(0)})`;
  const rss = (x: Result | undefined): string => (x ? `${x.peakRssMB.toFixed(0)} (${((100 * x.peakRssMB) / sizeMB).toFixed(0)}%)` : '-');
  const ana = r.analyze;
  const json = r['analyze-json'];
  const over = (x: Result | undefined): string => (x ? `${(x.cpuMs / floorR.cpuMs).toFixed(2)}x` : '-');
  // The end-to-end goals: analyze >= 250 MB/s, <= 3x the floor, RSS < half the file;
  // --json <= 4x the floor, RSS < half the file.
  const yes = (ok: boolean): string => (ok ? 'yes' : 'NO');
  const anaGoals = ana && json
    ? [yes(ana.mbPerCpuSec >= 250), yes(ana.cpuMs / floorR.cpuMs <= 3), yes(ana.peakRssMB / sizeMB < 0.5), yes(json.cpuMs / floorR.cpuMs <= 4), yes(json.peakRssMB / sizeMB < 0.5)].join(' / ')
    : '-';
  return `| ${name} | ${sizeMB.toFixed(0)} | ${imp.events.toLocaleString('en-US')} | ${tp(floorR)} | ${tp(imp)} | ${ratio.toFixed(2)}x | ${rss(imp)} | ${goals} | ${ana ? tp(ana) : '-'} | ${over(ana)} | ${rss(ana)} | ${json ? tp(json) : '-'} | ${over(json)} | ${rss(json)} | ${anaGoals} |`;
}

async function parent(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vpscope-trace-bench-'));
  try {
    const script = await bundle(dir);
    const mb = Number(process.env.VPSCOPE_BENCH_TRACE_MB ?? 1024);
    const modes = process.env.VPSCOPE_BENCH_ANALYZE === '0' ? ['floor', 'import'] : ['floor', 'import', 'analyze', 'analyze-json'];
    const real = largestRealTrace(dir);
    const realMB = statSync(real.file).size / 1e6;
    const lines: string[] = [];
    lines.push(`Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`);
    lines.push('');
    lines.push(`Throughput is MB per CPU second (user + system) of the best of ${RUNS} rounds (\`vpscope analyze\`: ${ANALYZE_RUNS}), with MB per wall-clock second in parentheses; the ratio is import CPU time / floor CPU time; peak RSS is the largest of the rounds (in parentheses: of the file size).`);
    lines.push('');
    lines.push('| input | MB | events | floor MB/s | import MB/s | import / floor | import peak RSS MB | import goals: >=250 MB/s / <=3x / RSS < 1/2 | `vpscope analyze` MB/s | analyze / floor | analyze peak RSS MB | `--json` MB/s | `--json` / floor | `--json` peak RSS MB | analyze goals: >=250 MB/s / <=3x / RSS < 1/2; --json <=4x / RSS < 1/2 |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|');
    lines.push(row(`${real.name} (largest real trace)`, realMB, measureAll(script, modes, real.file)));
    for (const kind of ['tracefs_trace', 'report'] as const) {
      const file = generate(dir, mb * 1e6, kind);
      const size = statSync(file).size / 1e6;
      lines.push(row(`generated ${kind === 'report' ? 'trace-cmd report' : 'tracefs'} (r2 repeated)`, size, measureAll(script, modes, file)));
      rmSync(file, { force: true });
    }
    lines.push('');
    lines.push(`Load average during the run: ${loadavg().map((x) => x.toFixed(1)).join(' ')} (other work on the machine slows wall-clock figures, much less the CPU-time ones).`);
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
