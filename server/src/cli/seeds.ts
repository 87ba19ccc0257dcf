/**
 * `vpscope simulate FILE --seeds N | --seed-list A,B,... [--sweep 'PATH=v1,v2,...'] [--jobs N]`:
 * every selected variant (at every sweep point) runs once per seed, on a pool of sim workers
 * (server/src/sim/worker.ts, one per job slot); the statistics and reports are in
 * report/seeds.ts, the sweep's synthetic variant in model/sweep.ts.
 *
 * The pool is `node:worker_threads` directly: each run is one message to a long-lived worker
 * that already speaks the simulation protocol (cancel cells, wall budget, progress), so a pool is
 * a queue and N workers; no pool library is installed (piscina would be a new dependency) and
 * none would save the cancel-cell handling, which is ours.
 *
 * Results are put in plan order (point, variant, seed) before anything is computed from them, so
 * the output is byte-identical whatever the number of workers and the order they finish in.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DocumentAnalysis } from '../model/analysisTypes';
import type { LineIndex } from '../core/text';
import { analyzeDocument } from '../model/analyze';
import { SWEEP_VARIANT, sweepPointText, type FileSweep, type SweepSpec } from '../model/sweep';
import { writeHtmlReport, type WebviewAssets } from '../io/htmlReport';
import { aggregateRuns, planOrder, renderSeedsSummary, SEEDS_SCHEMA_FILE, seedsViewDocument, type SeedRun, type SeedsDocument, type SeedsPlan } from '../report/seeds';
import { simulateAllWithFindings } from '../analysis/run';
import type { VariantResult } from '../sim/result';
import type { SimRunRequest } from '../sim/worker';
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
  sweep?: SweepSpec;
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
/** After a stop request, how long in-flight runs may take to answer before the workers are terminated. */
const GRACE_MS = 1000;

type StopWhy = 'cancelled' | 'wall_limit';

export interface PoolJob {
  text: string;
  variant: string;
  seed: number;
}

export interface PoolOutcome {
  /** Per job (same index), the result of a run that completed (or was stopped by max_events). */
  results: (VariantResult | undefined)[];
  stopped?: StopWhy;
  error?: string;
}

/** The number of workers: `--jobs`, else one per core the process may use. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Runs the jobs on `n` sim workers, at most one run per worker at a time, taking jobs in order.
 * Ctrl-C (or the explicit wall budget) stops dispatching, stops the runs in flight through their
 * workers' cancel cells, and ends with what completed; a second Ctrl-C, or runs that do not stop
 * within {@link GRACE_MS}, terminates the workers.
 */
export function runPool(jobs: PoolJob[], n: number, opts: { maxEvents?: number; wallMs?: number; onDone?: (done: number, total: number) => void } = {}): Promise<PoolOutcome> {
  const results: (VariantResult | undefined)[] = new Array(jobs.length).fill(undefined);
  const script = simWorkerScript();
  const t0 = performance.now();
  if (!script) {
    // No worker beside the command (an unusual install): run here, in order.
    for (let i = 0; i < jobs.length; i++) {
      const j = jobs[i];
      const a = analyzeDocument(j.text);
      const [r] = simulateAllWithFindings(a.scenario!, { variants: [j.variant], seed: j.seed, maxEvents: opts.maxEvents, timeline: false });
      results[i] = r;
      opts.onDone?.(i + 1, jobs.length);
    }
    return Promise.resolve({ results });
  }
  const size = Math.max(1, Math.min(n, jobs.length));
  return new Promise<PoolOutcome>((resolve) => {
    let next = 0;
    let done = 0;
    let stopped: StopWhy | undefined;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const slots: { worker: Worker; cells: Int32Array; job: number }[] = [];
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(wallTimer);
      clearTimeout(killTimer);
      process.removeListener('SIGINT', onSigint);
      for (const s of slots) void s.worker.terminate();
      resolve({ results, ...(stopped ? { stopped } : {}), ...(error ? { error } : {}) });
    };
    const stop = (why: StopWhy) => {
      if (stopped) return;
      stopped = why;
      for (const s of slots) if (s.job >= 0) Atomics.store(s.cells, why === 'cancelled' ? 0 : 1, s.job + 1);
      if (slots.every((s) => s.job < 0)) finish();
      else killTimer = setTimeout(() => finish(), GRACE_MS);
    };
    const onSigint = () => (stopped === 'cancelled' ? finish() : stop('cancelled'));
    process.on('SIGINT', onSigint);
    const wallTimer = opts.wallMs === undefined ? undefined : setTimeout(() => stop('wall_limit'), Math.min(opts.wallMs, 2 ** 31 - 1));
    const dispatch = (s: (typeof slots)[number]) => {
      if (stopped || next >= jobs.length) {
        s.job = -1;
        if (slots.every((x) => x.job < 0)) finish();
        return;
      }
      const i = next++;
      s.job = i;
      const j = jobs[i];
      const remaining = opts.wallMs === undefined ? undefined : Math.max(0, opts.wallMs - (performance.now() - t0));
      const req: SimRunRequest = { type: 'run', id: i + 1, text: j.text, variant: [j.variant], seed: j.seed, maxEvents: opts.maxEvents, timeline: false, ...(remaining !== undefined ? { wallMs: remaining } : {}) };
      s.worker.postMessage(req);
    };
    for (let k = 0; k < size; k++) {
      const cells = new Int32Array(new SharedArrayBuffer(8));
      const worker = new Worker(script.file, { eval: script.eval, workerData: { cancelBuffer: cells.buffer } });
      const slot = { worker, cells, job: -1 };
      slots.push(slot);
      worker.on('message', (m: { type: string; id: number; results?: VariantResult[]; message?: string }) => {
        if (m.type === 'result' || m.type === 'error') {
          if (m.id !== slot.job + 1) return;
          if (m.type === 'error' && m.message !== 'cancelled') {
            finish(`run ${m.id}: ${m.message ?? 'unknown'}`);
            return;
          }
          const r = m.results?.[0];
          // A run a stop cut short is not a sample of the scenario: left out (listed as not run).
          if (r && r.stop.reason !== 'cancelled' && r.stop.reason !== 'wall_limit') {
            results[slot.job] = r;
            done++;
            opts.onDone?.(done, jobs.length);
          }
          dispatch(slot);
        }
      });
      worker.on('error', (e) => finish(e?.stack ?? String(e)));
      worker.on('exit', (code) => finish(`a simulation worker exited (${code})`));
      dispatch(slot);
    }
  });
}

/** Runs the plan and prints the aggregate (text or `vpscope.seeds/1` JSON); returns the exit status. */
export async function runSeeds(c: SeedsCommand): Promise<number> {
  const plan: SeedsPlan = { file: c.shown, seeds: c.seeds, variants: c.variants, ...(c.sweep ? { sweep: { path: c.sweep.path, values: c.sweep.values } } : {}) };
  // Each (value, variant) text is checked once before anything runs: a value the setting does not
  // accept is bad usage (exit 2), reported with the checker's message.
  const texts = new Map<string, string>();
  if (c.sweep) {
    const fileSweep = 'valueRanges' in c.sweep ? (c.sweep as FileSweep) : undefined;
    for (const [k, value] of c.sweep.values.entries()) {
      for (const v of c.variants) {
        const t = sweepPointText(c.text, c.sweep, value, v);
        const a = analyzeDocument(t, { uri: c.uri, hazards: false });
        const err = a.diagnostics.find((d) => d.severity === 'error');
        if ((err || !a.scenario) && fileSweep) {
          // The file's own sweep: an error in the input (exit 1), at the value that makes it.
          const at = c.lines.positionAt(fileSweep.valueRanges[k].start);
          process.stderr.write(terminalSafe(`${c.shown}:${at.line + 1}:${at.character + 1}: error ${err?.code ?? 'VPS147'}: sweep value \`${value}\`${v === 'base' ? '' : ` in variant '${v}'`}: ${err ? err.message : 'nothing to simulate'}\n`));
          return 1;
        }
        if (err || !a.scenario) {
          const p = err ? c.lines.positionAt(Math.min(err.range.start, c.text.length)) : undefined;
          const at = err && err.range.start < c.text.length && p ? ` (at ${c.shown}:${p.line + 1}:${p.character + 1})` : '';
          process.stderr.write(terminalSafe(`vpscope simulate: --sweep ${c.sweep.path}=${value}${v === 'base' ? '' : ` in variant '${v}'`}: ${err ? `${err.code}: ${err.message}${at}` : 'nothing to simulate'}\n`));
          return 2;
        }
        texts.set(`${value}\u0000${v}`, t);
      }
    }
  }
  const order = planOrder(plan);
  const jobs: PoolJob[] = order.map((o) => (o.point === undefined ? { text: c.text, variant: o.variant, seed: o.seed } : { text: texts.get(`${o.point}\u0000${o.variant}`)!, variant: SWEEP_VARIANT, seed: o.seed }));
  const n = c.jobs ?? defaultJobs();
  const progress = createProgress('simulating');
  const outcome = await runPool(jobs, n, { maxEvents: c.maxEvents, wallMs: c.wallMs, onDone: (d, t) => progress.update(d / t, `${d}/${t} runs`) });
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
    process.stderr.write(`vpscope simulate: stopped early (${outcome.stopped}) after ${runs.length}/${jobs.length} runs\n`);
  }
  return outcome.stopped === 'cancelled' ? EXIT_INTERRUPTED : 0;
}
