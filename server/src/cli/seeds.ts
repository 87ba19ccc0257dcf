/**
 * `vpscope simulate FILE --seeds N | --seed-list A,B,... [--sweep 'PATH=v1,v2,...'] [--jobs N]`:
 * every selected variant (at every sweep point) runs once per seed, on a pool of sim workers
 * (server/src/sim/worker.ts, one per job slot); the statistics and reports are in
 * report/seeds.ts, the sweep's synthetic variant in model/sweep.ts.
 *
 * The pool and the planning of its jobs are in io/simPool.ts (shared with the language server).
 *
 * Results are put in plan order (point, variant, seed) before anything is computed from them, so
 * the output is byte-identical whatever the number of workers and the order they finish in.
 */
import type { DocumentAnalysis } from '../model/analysisTypes';
import { clipQuote, type LineIndex } from '../core/text';
import type { FileSweep, SweepSpec } from '../model/sweep';
import { writeHtmlReport, type WebviewAssets } from '../io/htmlReport';
import { defaultJobs, planSeedJobs, runPool, type PoolOutcome, type StartedWorkers } from '../io/simPool';
import { aggregateRuns, renderSeedsSummary, SEEDS_SCHEMA_FILE, seedsViewDocument, type SeedRun, type SeedsDocument, type SeedsPlan } from '../report/seeds';
import { toJsonDiagnostic } from './format';
import { createProgress } from './progress';
import { terminalSafe, writeChunks, writeOut, simWorkerScript } from './common';

export interface SeedsCommand {
  shown: string;
  title: string;
  text: string;
  uri: string;
  analysis: DocumentAnalysis;
  lines: LineIndex;
  variants: string[];
  seeds: number[];
  /** The swept settings (crossed; empty: no sweep): the command line's, or the file's. */
  sweeps: SweepSpec[];
  /** The pool's workers, started while the scenario was checked. */
  started?: StartedWorkers;
  jobs?: number;
  maxEvents?: number;
  /** An explicit budget for the whole command (--wall-ms); else each run has the scenario's wall_limit. */
  wallMs?: number;
  json: boolean;
  out?: string;
  /** `--html F`: the report page with the seeds/sweep charts. */
  html?: { path: string; assets: WebviewAssets };
}

/** Exit status after Ctrl-C (SIGINT): 128 + 2. */
const EXIT_INTERRUPTED = 130;
/** Runs the plan and prints the aggregate (text or `vpscope.seeds/1` JSON); returns the exit status. */
export async function runSeeds(c: SeedsCommand): Promise<number> {
  const plan: SeedsPlan = { file: c.shown, seeds: c.seeds, variants: c.variants, ...(c.sweeps.length ? { sweeps: c.sweeps.map((s) => ({ path: s.path, values: s.values })) } : {}) };
  // Each (point, variant) text is checked once before anything runs: a value the setting does not
  // accept is bad usage (exit 2) on the command line, an error in the input (exit 1, at the value)
  // for the file's own sweep; reported with the checker's message.
  // --wall-ms bounds the check of the points too (1,000 points of a large file take seconds).
  const t0 = performance.now();
  const over = () => c.wallMs !== undefined && performance.now() - t0 >= c.wallMs;
  const checking = createProgress('checking');
  const planned = planSeedJobs(c.text, c.uri, plan, c.sweeps, c.analysis.scenario, { shouldStop: over, onPoint: (d, t) => checking.update(d / t, `${d}/${t} sweep points checked`) });
  checking.done();
  if ('index' in planned) {
    c.started?.dispose();
    const { index, values, variant: v, error: err } = planned;
    // The setting at fault: with one, that one; crossed, the first that fails on its own, else
    // (only the combination fails) the first, with the whole point named.
    // Values are quoted clipped (`clipQuote`): a 128 KB `--sweep` value was echoed whole.
    const inVariant = c.sweeps.length > 1 ? ` with ${c.sweeps.map((s, k) => `${s.path}=${clipQuote(String(values[k]))}`).join(', ')}` : '';
    const fileSweeps = c.sweeps.every((s): s is FileSweep => 'valueRanges' in s);
    if (fileSweeps) {
      const k = planned.axis ?? 0;
      const at = c.lines.positionAt((c.sweeps[k] as FileSweep).valueRanges[index[k]].start);
      process.stderr.write(terminalSafe(`${c.shown}:${at.line + 1}:${at.character + 1}: error ${err?.code ?? 'VPS147'}: sweep value \`${clipQuote(String(values[k]))}\`${inVariant}${v === 'base' ? '' : ` in variant '${v}'`}: ${err ? err.message : 'nothing to simulate'}\n`));
      return 1;
    }
    const p = err ? c.lines.positionAt(Math.min(err.range.start, c.text.length)) : undefined;
    const where = err && err.range.start < c.text.length && p ? ` (at ${c.shown}:${p.line + 1}:${p.character + 1})` : '';
    const point = c.sweeps.map((s, k) => `${s.path}=${clipQuote(String(values[k]))}`).join(' ');
    process.stderr.write(terminalSafe(`vpscope simulate: --sweep ${point}${v === 'base' ? '' : ` in variant '${v}'`}: ${err ? `${err.code}: ${err.message}${where}` : 'nothing to simulate'}\n`));
    return 2;
  }
  const { order, jobs } = planned;
  const n = c.jobs ?? defaultJobs();
  const progress = createProgress('simulating');
  const wallMs = c.wallMs === undefined ? undefined : Math.max(0, c.wallMs - (performance.now() - t0));
  if (planned.stopped) c.started?.dispose();
  const outcome: PoolOutcome = planned.stopped
    ? { results: jobs.map(() => undefined), stopped: planned.stopped }
    : await runPool(jobs, n, { script: simWorkerScript(), started: c.started, sigint: true, maxEvents: c.maxEvents, wallMs, onDone: (d, t) => progress.update(d / t, `${d}/${t} runs`) });
  progress.done();
  if (outcome.error) {
    process.stderr.write(`vpscope simulate: internal error: ${outcome.error}\n`);
    return 3;
  }
  const runs: SeedRun[] = [];
  order.forEach((o, i) => {
    const r = outcome.results[i];
    if (r) runs.push({ ...o, result: { ...r, name: o.variant } });
  });
  const doc = aggregateRuns(plan, runs, outcome.stopped);
  const full: SeedsDocument = { $schema: SEEDS_SCHEMA_FILE, ...doc, diagnostics: c.analysis.diagnostics.map((d) => toJsonDiagnostic(d, c.lines)) };
  const json = JSON.stringify(full, null, 1) + '\n';
  try {
    if (c.out) await writeChunks(c.out, [json]);
  } catch (e) {
    process.stderr.write(terminalSafe(`vpscope simulate: cannot write ${c.out}: ${(e as Error).message}\n`));
    return 2;
  }
  if (c.html) {
    try {
      await writeHtmlReport(c.html.path, seedsViewDocument(doc, c.title || c.shown, c.shown), c.html.assets);
    } catch (e) {
      process.stderr.write(terminalSafe(`vpscope simulate: cannot write ${c.html.path}: ${(e as Error).message}\n`));
      return 2;
    }
  }
  if (c.json) await writeOut(process.stdout, [json]);
  else process.stdout.write(terminalSafe(renderSeedsSummary(doc, c.title)));
  if (outcome.stopped) {
    process.stderr.write(`vpscope simulate: stopped early (${outcome.stopped}) ${planned.stopped ? 'while checking the sweep points, ' : ''}after ${runs.length}/${jobs.length} runs\n`);
  }
  return outcome.stopped === 'cancelled' ? EXIT_INTERRUPTED : 0;
}
