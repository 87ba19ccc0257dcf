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
 * Results are kept per job index (plan order), whatever order the workers finish in. Jobs are
 * dispatched longest expected first (a job's `cost`: its scenario's simulated work estimate, see
 * {@link estimateEvents}), so that a long run does not start last and leave the other workers idle;
 * the order of dispatch changes no byte of the output. Runs are sent with `progress: false`: the
 * pool counts whole runs, and the workers' 1,212 progress messages of a 12-run sweep cost the main
 * thread 0.16-0.22 s of CPU (BENCHMARKS.md, "Sweeps: no progress messages from pool runs").
 *
 * The workers can be started before the jobs are known ({@link startWorkers}): their start-up
 * (loading the worker script) then overlaps the main thread's checking of the scenario and of
 * every sweep point. Measured (BENCHMARKS.md, "Sweeps on a worker pool", at load 14-16): a worker
 * answers its first 1-event run of the 64-VP scenario after 0.3 s, the check of that scenario and
 * 3 points takes 25-140 ms cold, so the overlap hides the check, not the start-up.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../core/diagnostic';
import { analyzeDocument } from '../model/analyze';
import type { Scenario } from '../model/ir';
import { SWEEP_VARIANT, sweepPointText, type SweepSpec } from '../model/sweep';
import { planOrder, type RunKey, type SeedsPlan } from '../report/seeds';
import { simulateAllWithFindings } from '../analysis/run';
import type { VariantResult } from '../sim/result';
import type { SimRunRequest } from '../sim/worker';
import { estimateEvents } from '../sim/estimate';

/** After a stop request, how long in-flight runs may take to answer before the workers are terminated. */
const GRACE_MS = 1000;

type StopWhy = 'cancelled' | 'wall_limit';

export interface PoolJob {
  text: string;
  variant: string;
  seed: number;
  /** Expected work (any unit, compared between jobs only): larger goes first. Default 0. */
  cost?: number;
}

/** Workers started ahead of their jobs ({@link startWorkers}), handed to {@link runPool}. */
export interface StartedWorkers {
  slots: { worker: Worker; cells: Int32Array; failed?: string }[];
  /** Terminates them (when no pool runs after all). */
  dispose(): void;
}

/** Starts `n` sim workers now; their jobs come later through {@link runPool}'s `started`. */
export function startWorkers(script: { file: string; eval: boolean }, n: number): StartedWorkers {
  const slots: StartedWorkers['slots'] = [];
  for (let k = 0; k < Math.max(1, n); k++) {
    const cells = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(script.file, { eval: script.eval, workerData: { cancelBuffer: cells.buffer } });
    const slot: StartedWorkers['slots'][number] = { worker, cells };
    // Until the pool listens: keep what went wrong (an 'error' without a listener would throw).
    worker.once('error', (e) => (slot.failed ??= e?.stack ?? String(e)));
    worker.once('exit', (code) => (slot.failed ??= `a simulation worker exited (${code})`));
    slots.push(slot);
  }
  return { slots, dispose: () => slots.forEach((s) => void s.worker.terminate()) };
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
  /** Workers already started (their count wins over `n`); the pool terminates them at the end. */
  started?: StartedWorkers;
}

/** Job indices in dispatch order: largest `cost` first, plan order among equals. */
export function dispatchOrder(jobs: readonly Pick<PoolJob, 'cost'>[]): number[] {
  return jobs.map((_, i) => i).sort((a, b) => (jobs[b].cost ?? 0) - (jobs[a].cost ?? 0) || a - b);
}

/**
 * Runs the jobs on `n` sim workers, at most one run per worker at a time, taking jobs longest
 * expected first ({@link dispatchOrder}); results stay at their job's index.
 * Ctrl-C (or the explicit wall budget) stops dispatching, stops the runs in flight through their
 * workers' cancel cells, and ends with what completed; a second Ctrl-C, or runs that do not stop
 * within {@link GRACE_MS}, terminates the workers.
 */
export function runPool(jobs: PoolJob[], n: number, opts: PoolOptions): Promise<PoolOutcome> {
  const results: (VariantResult | undefined)[] = new Array(jobs.length).fill(undefined);
  const script = opts.script;
  const t0 = performance.now();
  if (!script) {
    opts.started?.dispose();
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
  const started = opts.started?.slots ?? [];
  const size = Math.max(1, Math.min(started.length || n, jobs.length));
  // Started workers beyond the jobs: not needed.
  for (const s of started.slice(size)) void s.worker.terminate();
  const queue = dispatchOrder(jobs);
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
      const i = queue[next++];
      s.job = i;
      const j = jobs[i];
      const remaining = opts.wallMs === undefined ? undefined : Math.max(0, opts.wallMs - (performance.now() - t0));
      const req: SimRunRequest = { type: 'run', id: i + 1, text: j.text, variant: [j.variant], seed: j.seed, maxEvents: opts.maxEvents, timeline: false, progress: false, ...(remaining !== undefined ? { wallMs: remaining } : {}) };
      s.worker.postMessage(req);
    };
    let early: string | undefined;
    for (let k = 0; k < size; k++) {
      const pre = started[k];
      const cells = pre?.cells ?? new Int32Array(new SharedArrayBuffer(8));
      const worker = pre?.worker ?? new Worker(script.file, { eval: script.eval, workerData: { cancelBuffer: cells.buffer } });
      early ??= pre?.failed;
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
    }
    if (early) finish(early);
    else for (const slot of slots) dispatch(slot);
  });
}


/** A sweep point the scenario refuses (checked before anything runs). */
export interface PointError {
  /** Per swept setting (same order), the index of the point's value. */
  index: number[];
  /** The point's value of each swept setting. */
  values: string[];
  /**
   * With crossed sweeps: the first setting whose value fails on its own (the others left as the
   * variant writes them); absent when only the combination fails (or one setting is swept).
   */
  axis?: number;
  variant: string;
  /** The checker's first error in the point's text (offsets: the original text's when below its length). */
  error?: Diagnostic;
}

/** The runs of a plan, in plan order: (point, variant, seed). */
export interface SeedJobs {
  order: RunKey[];
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
* The jobs of a plan: the scenario's text for plain seeds, and for sweeps the text of each
 * (point, variant) (model/sweep.ts: one variant writes the point's value of every swept setting),
 * each checked once before anything runs. Each job's cost is its scenario's {@link estimateEvents}
 * (`scenario`: the checked base, for plain seeds). A point's text is made again when its job is
 * sent, not kept: 1,000 points of a 1 MB scenario held 1 GB.
 */
export function planSeedJobs(text: string, uri: string, plan: SeedsPlan, sweeps: readonly SweepSpec[], scenario?: Scenario, opts: PlanOptions = {}): SeedJobs | PointError {
  const steps = planSteps(text, uri, plan, sweeps, scenario, opts);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * {@link planSeedJobs} for the language server: gives the event loop a turn every 20 ms or so, so
 * that the server keeps answering while a large sweep is checked.
 */
export async function planSeedJobsAsync(text: string, uri: string, plan: SeedsPlan, sweeps: readonly SweepSpec[], scenario?: Scenario, opts: PlanOptions = {}): Promise<SeedJobs | PointError> {
  const steps = planSteps(text, uri, plan, sweeps, scenario, opts);
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

/** The checker's message about a sweep point, without the name of the variant that writes it. */
function pointError(d: Diagnostic): Diagnostic {
  const prefix = `In variant \`${SWEEP_VARIANT}\`: `;
  return d.message.startsWith(prefix) ? { ...d, message: d.message.slice(prefix.length) } : d;
}

/** The check of a plan's points, one point per step. */
function* planSteps(text: string, uri: string, plan: SeedsPlan, sweeps: readonly SweepSpec[], scenario: Scenario | undefined, opts: PlanOptions): Generator<void, SeedJobs | PointError> {
  const order = planOrder({ ...plan, sweeps: sweeps.map((s) => ({ path: s.path, values: s.values })) });
  const costs = new Map<string, number>();
  const key = (values: readonly string[], v: string) => `${values.join('\u0000')}\u0001${v}`;
  const baseCost = (v: string) => {
    if (!scenario) return 0;
    const sc = v === 'base' ? scenario : scenario.variants.find((x) => x.name === v)?.scenario;
    return sc ? estimateEvents(sc) : 0;
  };
  const jobs = () =>
    order.map((o): PoolJob => {
      if (o.point === undefined) return { text, variant: o.variant, seed: o.seed, cost: baseCost(o.variant) };
      const values = o.at ?? [o.point];
      return {
        get text() {
          return sweepPointText(text, sweeps, values, o.variant);
        },
        variant: SWEEP_VARIANT,
        seed: o.seed,
        cost: costs.get(key(values, o.variant)) ?? 0,
      };
    });
  if (sweeps.length) {
    // Indices of each point's values: the first setting varies slowest (as planOrder lists them).
    let idx: number[][] = [[]];
    for (const sw of sweeps) idx = idx.flatMap((p) => sw.values.map((_, i) => [...p, i]));
    const total = idx.length * plan.variants.length;
    let done = 0;
    for (const index of idx) {
      const values = index.map((i, k) => sweeps[k].values[i]);
      for (const v of plan.variants) {
        if (opts.shouldStop?.()) return { order, jobs: jobs(), stopped: 'wall_limit' };
        const a = analyzeDocument(sweepPointText(text, sweeps, values, v), { uri, hazards: false });
        const error = a.diagnostics.find((d) => d.severity === 'error');
        if (error || !a.scenario) {
          let axis: number | undefined;
          for (let k = 0; sweeps.length > 1 && k < sweeps.length && axis === undefined; k++) {
            const alone = analyzeDocument(sweepPointText(text, [sweeps[k]], [values[k]], v), { uri, hazards: false });
            if (!alone.scenario || alone.diagnostics.some((d) => d.severity === 'error')) axis = k;
          }
          return { index, values, variant: v, ...(axis !== undefined ? { axis } : {}), ...(error ? { error: pointError(error) } : {}) };
        }
        const sc = a.scenario.variants.find((x) => x.name === SWEEP_VARIANT)?.scenario ?? a.scenario;
        costs.set(key(values, v), estimateEvents(sc));
        opts.onPoint?.(++done, total);
        yield;
      }
    }
  }
  return { order, jobs: jobs() };
}
