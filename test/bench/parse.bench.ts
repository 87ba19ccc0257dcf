/**
 * Benchmark of the scenario front end: parse, and the full check (`analyzeDocument`: parse,
 * resolution, arguments, symbols, lowering of the base and its variants; with and without the
 * static hazard checks) on generated scenarios of 1k to 10k lines. Prints a markdown table.
 *
 *     node --expose-gc --import tsx test/bench/parse.bench.ts [--runs N] [--json]
 *
 * Each figure is the median of N back-to-back runs after warm-up (steady state, as while typing;
 * `--gc` forces a full GC before each run instead). "ns/line" must stay flat from 1k to 10k
 * lines: the front end is linear.
 *
 * The check allocates a tree that survives until the analysis ends (~40 MB for 10k lines), so
 * its cost on large files is dominated by V8's young-generation GC copying survivors. The table
 * is printed twice: with Node's default young generation, and (in a child process) with
 * `--max-semi-space-size=64`, the flag the language server can run with.
 */
import { performance } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import { spawnSync } from 'node:child_process';
import { parse } from '../../server/src/syntax/parser';
import { analyzeDocument } from '../../server/src/model/analyze';
import { genScenario } from './genScenario';

const argv = process.argv.slice(2);
const RUNS = Number(argv[argv.indexOf('--runs') + 1]) || 15;
const WARMUP = 5;
const SIZES = [1000, 2000, 5000, 10000];
const GOAL_MS = 50;
// `--gc`: a full GC before each timed run (needs --expose-gc). Off by default: after a full GC
// V8 shrinks its young generation, and the next analysis then pays for growing it again, which
// measures V8's heap sizing more than the checker (a "cold" analysis after a long pause).
const gc = argv.includes('--gc') ? (globalThis as { gc?: () => void }).gc : undefined;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Median and minimum wall time of `fn` in ms, and the median CPU time (user + system of this
 * process, GC helper threads included). On a busy machine the wall time measures the machine;
 * the CPU time still measures the code.
 */
function time(fn: () => unknown): { med: number; min: number; cpu: number } {
  for (let i = 0; i < WARMUP; i++) fn();
  const xs: number[] = [];
  const cs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    gc?.();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    xs.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cs.push((c.user + c.system) / 1000);
  }
  return { med: median(xs), min: Math.min(...xs), cpu: median(cs) };
}

interface Row {
  lines: number;
  bytes: number;
  parseMs: number;
  checkMs: number;
  fullMs: number;
  checkMinMs: number;
  checkCpuMs: number;
  diagnostics: number;
}

const rows: Row[] = [];
for (const n of SIZES) {
  const text = genScenario({ lines: n, seed: 1 });
  const lines = text.split('\n').length - 1;
  const full = analyzeDocument(text);
  const errors = full.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`generated scenario has errors: ${errors[0].code} ${errors[0].message}`);
  const check = time(() => analyzeDocument(text, { hazards: false }));
  rows.push({
    lines,
    bytes: text.length,
    parseMs: time(() => parse(text)).med,
    checkMs: check.med,
    checkMinMs: check.min,
    checkCpuMs: check.cpu,
    fullMs: time(() => analyzeDocument(text)).med,
    diagnostics: full.diagnostics.length,
  });
}

const perLine = (ms: number, lines: number) => (ms * 1e6) / lines;
const fmt = (x: number, d = 1) => x.toFixed(d);

if (argv.includes('--json')) {
  process.stdout.write(JSON.stringify({ runs: RUNS, rows }, null, 2) + '\n');
} else {
  const out: string[] = [];
  out.push(`Median of ${RUNS} runs after ${WARMUP} warm-up runs${gc ? ', full GC before each run' : ''}; Node ${process.version}.`, '');
  out.push('| lines | KiB | parse ms | check ms (min) | check CPU ms | check + hazards ms | parse ns/line | check ns/line | check + hazards ns/line | hazard diagnostics |');
  out.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    out.push(`| ${r.lines} | ${fmt(r.bytes / 1024, 0)} | ${fmt(r.parseMs)} | ${fmt(r.checkMs)} (${fmt(r.checkMinMs)}) | ${fmt(r.checkCpuMs)} | ${fmt(r.fullMs)} | ${fmt(perLine(r.parseMs, r.lines), 0)} | ${fmt(perLine(r.checkMs, r.lines), 0)} | ${fmt(perLine(r.fullMs, r.lines), 0)} | ${r.diagnostics} |`);
  }
  const a = rows[0];
  const b = rows[rows.length - 1];
  const ratio = (x: (r: Row) => number) => fmt(perLine(x(b), b.lines) / perLine(x(a), a.lines), 2);
  out.push('');
  out.push(`Growth ${a.lines} -> ${b.lines} lines, time per line ratio (1.00 = linear): parse ${ratio((r) => r.parseMs)}, check ${ratio((r) => r.checkMs)}, check + hazards ${ratio((r) => r.fullMs)}.`);
  out.push(`Goal: check of ${b.lines} lines under ${GOAL_MS} ms: ${b.checkMs < GOAL_MS ? 'met' : 'NOT met'} (median ${fmt(b.checkMs)} ms, best ${fmt(b.checkMinMs)} ms). Load average while measuring: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs.`);
  process.stdout.write(out.join('\n') + '\n');
  if (!argv.includes('--child')) {
    const flags = process.execArgv.filter((f) => !f.startsWith('--max-semi-space-size'));
    process.stdout.write('\nSame, with `node --max-semi-space-size=64` (a larger young generation):\n\n');
    const r = spawnSync(process.execPath, [...flags, '--max-semi-space-size=64', __filename, ...argv, '--child'], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = r.status ?? 1;
  }
}
