/**
 * The pool of simulation workers behind `vpscope simulate --seeds/--sweep` and the editor's
 * Simulate with seeds or a sweep: every (point, variant, seed) is one job, run by one of N
 * long-lived workers (server/src/sim/worker.ts, the same script a single run uses).
 *
 * The pool is `node:worker_threads` directly: each run is one message to a worker that already
 * speaks the simulation protocol (cancel cells, wall budget, progress), so a pool is a queue and
 * N workers; no pool library is installed (piscina would be a new dependency) and none would save
 * the cancel-cell handling, which is ours.
 *
 * Results are kept per job index (plan order), whatever order the workers finish in.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../core/diagnostic';
import { analyzeDocument } from '../model/analyze';
import { SWEEP_VARIANT, sweepPointText, type SweepSpec } from '../model/sweep';
import { planOrder, type SeedsPlan } from '../report/seeds';
import { simulateAllWithFindings } from '../analysis/run';
import type { VariantResult } from '../sim/result';
import type { SimRunRequest } from '../sim/worker';

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

export interface PoolOptions {
  /** The sim worker's script (the CLI's or the server's bundle); none: run in this thread, in order. */
  script: { file: string; eval: boolean } | undefined;
  maxEvents?: number;
  /** Budget of the whole pool, ms. */
  wallMs?: number;
  onDone?: (done: number, total: number) => void;
  /** Handle Ctrl-C (the CLI): stop the runs, a second one terminates the workers. */
  sigint?: boolean;
  /** Receives the function that stops the pool (the editor's cancellation). */
  stopper?: (stop: () => void) => void;
}

/**
 * Runs the jobs on `n` sim workers, at most one run per worker at a time, taking jobs in order.
 * Ctrl-C (or the explicit wall budget) stops dispatching, stops the runs in flight through their
 * workers' cancel cells, and ends with what completed; a second Ctrl-C, or runs that do not stop
 * within {@link GRACE_MS}, terminates the workers.
 */
export function runPool(jobs: PoolJob[], n: number, opts: PoolOptions): Promise<PoolOutcome> {
  const results: (VariantResult | undefined)[] = new Array(jobs.length).fill(undefined);
  const script = opts.script;
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
      if (opts.sigint) process.removeListener('SIGINT', onSigint);
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
    if (opts.sigint) process.on('SIGINT', onSigint);
    // A stop from the caller (the editor's cancel, a newer run): like a first Ctrl-C.
    opts.stopper?.(() => stop('cancelled'));
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


/** A sweep point the scenario refuses (checked before anything runs). */
export interface PointError {
  /** Index of the value in the sweep. */
  index: number;
  value: string;
  variant: string;
  /** The checker's first error in the point's text (offsets: the original text's when below its length). */
  error?: Diagnostic;
}

/** The runs of a plan, in plan order: (point, variant, seed). */
export interface SeedJobs {
  order: { point?: string; variant: string; seed: number }[];
  jobs: PoolJob[];
  /** The check of the points was stopped (`shouldStop`): nothing may run. */
  stopped?: 'wall_limit';
}

/** Checking a plan's points: a stop asked between points, and progress. */
export interface PlanOptions {
  /** Read between points: true ends the check (the outcome says `stopped`). */
  shouldStop?: () => boolean;
  onPoint?: (done: number, total: number) => void;
}

/**
 * The jobs of a plan: the scenario's text for plain seeds, and for a sweep the text of each
 * (value, variant) point (model/sweep.ts), each checked once before anything runs. A point's text
 * is made again when its job is sent, not kept: 1,000 points of a 1 MB scenario held 1 GB.
 */
export function planSeedJobs(text: string, uri: string, plan: SeedsPlan, sweep: SweepSpec | undefined, opts: PlanOptions = {}): SeedJobs | PointError {
  const steps = planSteps(text, uri, plan, sweep, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * {@link planSeedJobs} for the language server: gives the event loop a turn every 20 ms or so, so
 * that the server keeps answering while a large sweep is checked.
 */
export async function planSeedJobsAsync(text: string, uri: string, plan: SeedsPlan, sweep: SweepSpec | undefined, opts: PlanOptions = {}): Promise<SeedJobs | PointError> {
  const steps = planSteps(text, uri, plan, sweep, opts);
  let slice = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - slice > 20) {
      await new Promise((res) => setImmediate(res));
      slice = performance.now();
    }
  }
}

/** The check of a plan's points, one point per step. */
function* planSteps(text: string, uri: string, plan: SeedsPlan, sweep: SweepSpec | undefined, opts: PlanOptions): Generator<void, SeedJobs | PointError> {
  const order = planOrder(plan);
  const job = (o: (typeof order)[number]): PoolJob =>
    o.point === undefined
      ? { text, variant: o.variant, seed: o.seed }
      : {
          get text() {
            return sweepPointText(text, sweep!, o.point!, o.variant);
          },
          variant: SWEEP_VARIANT,
          seed: o.seed,
        };
  if (sweep) {
    const total = sweep.values.length * plan.variants.length;
    let done = 0;
    for (const [index, value] of sweep.values.entries()) {
      for (const v of plan.variants) {
        if (opts.shouldStop?.()) return { order, jobs: order.map(job), stopped: 'wall_limit' };
        const a = analyzeDocument(sweepPointText(text, sweep, value, v), { uri, hazards: false });
        const error = a.diagnostics.find((d) => d.severity === 'error');
        if (error || !a.scenario) return { index, value, variant: v, ...(error ? { error } : {}) };
        opts.onPoint?.(++done, total);
        yield;
      }
    }
  }
  return { order, jobs: order.map(job) };
}
