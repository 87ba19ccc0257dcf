/**
 * Benchmark of the scenario front end on generated scenarios of 1k to 10k lines, measuring what
 * users run: `vpscope check` and the editor call `analyzeDocument(text)`, which includes the
 * static hazard checks (VPS2xx). Three figures per size:
 *
 * - parse: `parse(text)` (scanner + error-tolerant parser);
 * - checker: `analyzeDocument(text, { hazards: false })` (parse, resolution, arguments, symbols,
 *   lowering of the base and of every variant);
 * - full check: `analyzeDocument(text)`, the checker plus the static hazards.
 *
 *     node --import tsx test/bench/parse.bench.ts [--runs N] [--warmup N] [--json] [--semi-space MB]
 *
 * Each figure is the median over N runs (default 11, at least 7) after warm-up runs, of the CPU
 * time of this process (user + system, V8's GC helper threads included): on a shared machine the
 * wall time measures the machine, the CPU time still measures the code. Wall medians are printed
 * beside them. Default Node flags unless `--semi-space MB` re-runs the table in a child process
 * with `--max-semi-space-size=MB` (for comparison only: the goal is on default flags).
 *
 * Growth: the cost per line at 2k, 5k and 10k lines divided by the cost per line at 1k (1.00 =
 * linear). Goal (the front-end issue): the full check of 10k lines under 50 ms, and per-line cost
 * flat (10k/1k ratio at most 1.3).
 *
 * GC: the young-generation collections (scavenges) and full collections per run, counted with a
 * `gc` PerformanceObserver.
 */
import { performance, PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import { spawnSync } from 'node:child_process';
import { parse } from '../../server/src/syntax/parser';
import { analyzeDocument } from '../../server/src/model/analyze';
import { genScenario } from './genScenario';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const RUNS = Math.max(7, Number(opt('--runs')) || 11);
const WARMUP = Number(opt('--warmup') ?? 5);
const SIZES = [1000, 2000, 5000, 10000];
const GOAL_MS = 50;
const GOAL_RATIO = 1.3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ---- GC counting ------------------------------------------------------------------------------

let minorGcs = 0;
let majorGcs = 0;
let gcMs = 0;
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
    if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) minorGcs++;
    else if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR || kind === perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL) majorGcs++;
    gcMs += e.duration;
  }
});
obs.observe({ entryTypes: ['gc'] });
/** GC entries are delivered asynchronously: let them arrive. */
const settle = () => new Promise<void>((r) => setImmediate(r));

interface Measure {
  /** Median CPU ms (user + system). */
  cpu: number;
  /** Median wall ms. */
  wall: number;
  /** Minimum CPU ms. */
  cpuMin: number;
  /** Scavenges and full GCs per run (averages), GC pause ms per run. */
  minor: number;
  major: number;
  gcMs: number;
}

async function measure(fn: () => unknown): Promise<Measure> {
  for (let i = 0; i < WARMUP; i++) fn();
  await settle();
  const cs: number[] = [];
  const ws: number[] = [];
  minorGcs = majorGcs = 0;
  gcMs = 0;
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    const w = performance.now() - t0;
    const c = process.cpuUsage(c0);
    cs.push((c.user + c.system) / 1000);
    ws.push(w);
  }
  await settle();
  await settle();
  return { cpu: median(cs), wall: median(ws), cpuMin: Math.min(...cs), minor: minorGcs / RUNS, major: majorGcs / RUNS, gcMs: gcMs / RUNS };
}

interface Row {
  lines: number;
  bytes: number;
  diagnostics: number;
  parse: Measure;
  check: Measure;
  full: Measure;
}

async function main(): Promise<void> {
  // Warm the JIT on a mid-sized document first, so that the smallest size (the base of the growth
  // ratios) is not measured with colder code than the others.
  const warm = genScenario({ lines: 2000, seed: 2 });
  for (let i = 0; i < 3 * WARMUP; i++) {
    parse(warm);
    analyzeDocument(warm);
  }
  const rows: Row[] = [];
  for (const n of SIZES) {
    const text = genScenario({ lines: n, seed: 1 });
    const lines = text.split('\n').length - 1;
    const full = analyzeDocument(text);
    const errors = full.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) throw new Error(`generated scenario has errors: ${errors[0].code} ${errors[0].message}`);
    rows.push({
      lines,
      bytes: text.length,
      diagnostics: full.diagnostics.length,
      parse: await measure(() => parse(text)),
      check: await measure(() => analyzeDocument(text, { hazards: false })),
      full: await measure(() => analyzeDocument(text)),
    });
  }

  const perLine = (ms: number, lines: number) => (ms * 1e6) / lines;
  const ratio = (r: Row, pick: (r: Row) => Measure) => perLine(pick(r).cpu, r.lines) / perLine(pick(rows[0]).cpu, rows[0].lines);
  const fmt = (x: number, d = 1) => x.toFixed(d);

  if (argv.includes('--json')) {
    process.stdout.write(JSON.stringify({ node: process.version, execArgv: process.execArgv, runs: RUNS, warmup: WARMUP, rows }, null, 2) + '\n');
    return;
  }
  const out: string[] = [];
  const flags = process.execArgv.filter((f) => f.startsWith('--max-semi-space-size'));
  out.push(`Node ${process.version}${flags.length ? ` ${flags.join(' ')}` : ', default flags'}; median of ${RUNS} runs after ${WARMUP} warm-up runs; CPU ms (wall ms).`, '');
  out.push('| lines | KiB | parse | checker | full check | full ns/line (CPU) | scavenges / full GCs per full check | GC ms (wall) | diagnostics |');
  out.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const m = (x: Measure) => `${fmt(x.cpu)} (${fmt(x.wall)})`;
    out.push(
      `| ${r.lines} | ${fmt(r.bytes / 1024, 0)} | ${m(r.parse)} | ${m(r.check)} | ${m(r.full)} | ${fmt(perLine(r.full.cpu, r.lines), 0)} | ${fmt(r.full.minor, 1)} / ${fmt(r.full.major, 1)} | ${fmt(r.full.gcMs)} | ${r.diagnostics} |`,
    );
  }
  out.push('');
  out.push(`Growth of the CPU time per line relative to ${rows[0].lines} lines (1.00 = linear):`, '');
  out.push(`| | ${rows.slice(1).map((r) => `${r.lines}`).join(' | ')} |`);
  out.push(`|---|${rows.slice(1).map(() => '---:').join('|')}|`);
  for (const [name, pick] of [['parse', (r: Row) => r.parse], ['checker', (r: Row) => r.check], ['full check', (r: Row) => r.full]] as const) {
    out.push(`| ${name} | ${rows.slice(1).map((r) => fmt(ratio(r, pick), 2)).join(' | ')} |`);
  }
  const last = rows[rows.length - 1];
  const g = ratio(last, (r) => r.full);
  out.push('');
  out.push(
    `Goal: full check of ${last.lines} lines under ${GOAL_MS} ms: ${last.full.cpu <= GOAL_MS ? 'met' : 'NOT met'} (median CPU ${fmt(last.full.cpu)} ms, best ${fmt(last.full.cpuMin)} ms); ` +
      `per-line growth ${rows[0].lines} -> ${last.lines} at most ${GOAL_RATIO}: ${g <= GOAL_RATIO ? 'met' : 'NOT met'} (${fmt(g, 2)}). ` +
      `Load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs.`,
  );
  process.stdout.write(out.join('\n') + '\n');

  const semi = opt('--semi-space');
  if (semi && !argv.includes('--child')) {
    const keep = process.execArgv.filter((f) => !f.startsWith('--max-semi-space-size'));
    process.stdout.write(`\nSame, with \`node --max-semi-space-size=${semi}\`:\n\n`);
    const r = spawnSync(process.execPath, [...keep, `--max-semi-space-size=${semi}`, __filename, ...argv.filter((a, i) => a !== '--semi-space' && argv[i - 1] !== '--semi-space'), '--child'], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = r.status ?? 1;
  }
}

main().then(
  () => obs.disconnect(),
  (e) => {
    obs.disconnect();
    console.error(e);
    process.exitCode = 1;
  },
);
