/**
 * Simulation worker (bundled to dist/simWorker.js): a thin node:worker_threads shell around
 * `analyzeDocument` + `simulateAllWithFindings` (analysis/run: simulation, then run hazards), so the language server can simulate without blocking.
 * The one Node shell kept beside the engine (ARCHITECTURE.md); it owns the clock for the wall
 * budget.
 *
 * Protocol (structured-clone messages):
 *   in : { type: 'run', id, text, uri?, variant?: string | string[] | 'all', seed?, maxEvents?,
 *          wallMs?, timeline?, progress?, view? }
 *        { type: 'cancel', id }
 *   out: { type: 'progress', id, fraction }   (unless the run says progress: false)
 *        { type: 'started', id }   (with announceStop: the scenario is checked, the runs begin: from
 *                                   here a stop is polled, in the set-up too, every 256 threads)
 *        { type: 'stopping', id, reason, reservedMs? }   (with announceStop: a stop was seen; the result
 *                                   follows; reservedMs: the part of the budget kept for what follows)
 *        { type: 'result', id, results: VariantResult[], diagnostics: Diagnostic[], view?, notRun? }   (ranges are offsets)
 *        { type: 'error', id, message, diagnostics? }   (scenario errors or an internal failure)
 *
 * With `view`, the worker records the timelines, builds the view document (`vpscope.view/1`,
 * timelines as gzip-compressed `vpt1` in base64, ranges as LSP ranges) and sends it with the
 * results; the results then travel without their timelines unless `timeline` asked for them too
 * (a timeline as number arrays is ~50 bytes per interval to clone; the view ~3).
 *
 * Cancellation: a `cancel` message can only be seen between tasks of the worker's event loop, and
 * the simulation is synchronous, so the worker also reads a shared cell (`cancelBuffer`, an
 * Int32Array over a SharedArrayBuffer passed in `workerData`) into which the parent stores the id
 * of the run to cancel with Atomics.store; `shouldStop` polls it every few thousand events. Without
 * the buffer, `cancel` only takes effect for runs that have not started. A second cell (index 1),
 * when the buffer has one, holds the id of a run whose wall budget the parent's clock says is
 * spent (the CLI's timer): that run stops with `wall_limit`.
 *
 * `result.notRun` lists the selected variants a stop kept from starting (with the reason).
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { LineIndex } from '../core/text';
import { gzipBase64 } from '../io/gzipBase64';
import { analyzeDocument } from '../model/analyze';
import { simulateAllCapped, simulateAllWithFindings } from '../analysis/run';
import { toRunJson } from '../report/simulation';
import { buildSimulationView } from '../report/view';
import type { ViewOrigin } from '../shared/view';
import { packLaneIntervals } from './laneTransfer';
import type { VariantResult } from './result';
import type { SimulateAllOptions } from './run';
import type { RunSize } from './contracts';
import { reserveMs, type WallReserve } from './reserve';

/** What the view document says about its source (the rest comes from the run). */
export interface SimViewRequest {
  /** File name shown in titles and `run.file`. */
  file: string;
  sourceUri?: string;
  origin?: ViewOrigin;
}

export interface SimRunRequest {
  type: 'run';
  id: number;
  text: string;
  uri?: string;
  variant?: string | string[] | 'all';
  seed?: number;
  maxEvents?: number;
  wallMs?: number;
  /**
   * Cap on the simulated time of each variant (ns): a variant declaring a longer `duration` is
   * simulated for this long only (background simulation while typing). Absent: no cap.
   */
  maxDurationNs?: number;
  /**
   * Lower this worker thread's scheduling priority (nice 19) before simulating, so that the
   * language server's main thread wins the CPU while a background simulation runs. Linux only:
   * there the nice value is per thread (setpriority(2), "Bugs"); elsewhere it would be the whole
   * process's, so it is not done.
   */
  lowPriority?: boolean;
  /** Keep the timelines in the results (default true). */
  timeline?: boolean;
  /**
   * Post `{type: 'progress'}` messages (default true). The sweep pool, which counts whole runs,
   * turns them off: each one wakes the parent's thread (BENCHMARKS.md, "Sweeps: no progress
   * messages from pool runs": 1,212 of them in the 12-run sweep, 0.16-0.22 s of the main
   * thread's CPU at load 8-22).
   */
  progress?: boolean;
  /** Also build the view document (timelines are recorded for it). */
  view?: SimViewRequest;
  /**
   * Send each timeline's intervals in one Float64Array whose buffer is transferred (no copy)
   * instead of cloned number arrays (measured here: cloning a run of 1.87 M intervals took 2.3 s;
   * the transfer is free); the receiver converts back (`sim/laneTransfer.ts`).
   */
  transferTimelines?: boolean;
  /**
   * Post `{type: 'started'}` when the runs begin and `{type: 'stopping'}` when a stop is first
   * seen (the CLI waits for the results then).
   */
  announceStop?: boolean;
  /**
   * Keep part of `wallMs` for the work after a stop (results, then the caller's outputs): the
   * run stops when the time spent plus the estimate of that work reaches the budget (see
   * {@link reserveMs}). Absent: the whole budget goes to the runs.
   */
  reserve?: WallReserve;
}



export interface SimCancelRequest {
  type: 'cancel';
  id: number;
}

/**
 * Events between two polls, adapted to the clock (the engine asks after each poll): aims at a
 * poll every 10-25 ms of wall time however slow the events are (a batch of 4,096 took up to
 * 340 ms with 65,536 vCPU threads on two loaded cores, measured here, and the CLI waits 500 ms
 * for a stop to be seen), so a stop is seen in time; fast events keep batches of 4,096 (one clock
 * read per batch). Only when the polls happen depends on it, never a result.
 */
export function adaptiveBatch(clock: () => number, max = 4096): () => number {
  let batch = max;
  let lastPoll = -1;
  return () => {
    const now = clock();
    const dt = lastPoll < 0 ? 0 : now - lastPoll;
    lastPoll = now;
    if (dt > 25) batch = Math.max(16, Math.floor((batch * 10) / dt));
    else if (dt < 10 && batch < max) batch = Math.min(max, batch * 2);
    return batch;
  };
}

const shared: Int32Array | undefined = workerData?.cancelBuffer ? new Int32Array(workerData.cancelBuffer) : undefined;
const cancelled = new Set<number>();

function run(req: SimRunRequest): void {
  const port = parentPort!;
  if (cancelled.delete(req.id)) {
    port.postMessage({ type: 'error', id: req.id, message: 'cancelled' });
    return;
  }
  const a = analyzeDocument(req.text, { uri: req.uri });
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !a.scenario) {
    port.postMessage({ type: 'error', id: req.id, message: 'the scenario has errors', diagnostics: a.diagnostics });
    return;
  }
  if (req.lowPriority && process.platform === 'linux') {
    try {
      setPriority(0, 19); // pid 0: the calling thread on Linux.
    } catch {
      // Not permitted or not supported: simulate at normal priority.
    }
  }
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const budget = req.wallMs ?? a.scenario.settings.wallLimitMs;
  // The process's CPU time stands for this thread's: the caller waits while the run goes on.
  const reserve = req.reserve;
  const spentMs = (now: number) => {
    if (!reserve) return now - t0;
    const c = process.cpuUsage(cpu0);
    const cpuMs = (c.user + c.system) / 1000;
    return now - t0 + reserveMs(reserve, lastSize, cpuMs > 0 ? (now - t0) / cpuMs : 1, budget);
  };
  let lastSize: RunSize = { lanes: 0, intervals: 0, samples: 0 };
  let lastSent = -1;
  let stopping = false;
  let notRun: { names: string[]; reason: 'cancelled' | 'wall_limit' } | undefined;
  const checkEvery = adaptiveBatch(() => performance.now());
  const variants = req.variant === undefined ? 'base' : req.variant === 'all' ? 'all' : Array.isArray(req.variant) ? req.variant : [req.variant];
  const options: SimulateAllOptions = {
    variants,
    seed: req.seed,
    maxEvents: req.maxEvents,
    timeline: (req.timeline ?? true) || req.view !== undefined,
    checkEvery,
    shouldStop: (size) => {
      if (size) lastSize = size;
      const why =
        shared && Atomics.load(shared, 0) === req.id
          ? 'cancelled'
          : spentMs(performance.now()) > budget || (shared && shared.length > 1 && Atomics.load(shared, 1) === req.id)
            ? 'wall_limit'
            : false;
      // Tells the parent the stop was seen: results follow (the CLI stops waiting for a reply).
      if (why && !stopping && req.announceStop) {
        stopping = true;
        const now = performance.now();
        const kept = why === 'wall_limit' ? Math.max(0, Math.round(spentMs(now) - (now - t0))) : 0;
        port.postMessage({ type: 'stopping', id: req.id, reason: why, ...(kept > 0 ? { reservedMs: kept } : {}) });
      }
      return why;
    },
    onNotRun: (names, reason) => {
      notRun = { names, reason };
    },
    onProgress: req.progress === false ? undefined : (fraction: number) => {
      // At most ~100 progress messages per run.
      const step = Math.floor(fraction * 100);
      if (step !== lastSent) {
        lastSent = step;
        port.postMessage({ type: 'progress', id: req.id, fraction });
      }
    },
  };
  const scenario = a.scenario;
  const cap = req.maxDurationNs;
  if (req.announceStop) port.postMessage({ type: 'started', id: req.id });
  const results = cap === undefined ? simulateAllWithFindings(scenario, options) : simulateAllCapped(scenario, options, cap);
  if (!req.view) {
    const transfer = req.transferTimelines ? packLaneIntervals(results.map((r) => r.timeline)) : [];
    port.postMessage({ type: 'result', id: req.id, results, diagnostics: a.diagnostics, ...(notRun ? { notRun } : {}) }, transfer);
    return;
  }
  const lines = new LineIndex(req.text);
  const run = toRunJson(req.view.file, req.text, lines, a.scenario.settings.seed, results, a.diagnostics, true);
  const view = buildSimulationView({
    title: a.scenario.title || req.view.file,
    source: req.view.file,
    sourceUri: req.view.sourceUri,
    origin: req.view.origin,
    run,
    encodeBytes: gzipBase64,
  });
  const keep = req.timeline ?? true;
  const sent = keep ? results : results.map(({ timeline: _t, ...r }) => r);
  port.postMessage({ type: 'result', id: req.id, results: sent, diagnostics: a.diagnostics, view, ...(notRun ? { notRun } : {}) });
}

if (parentPort) {
  parentPort.on('message', (msg: SimRunRequest | SimCancelRequest) => {
    if (msg.type === 'cancel') {
      cancelled.add(msg.id);
      if (shared) Atomics.store(shared, 0, msg.id);
      return;
    }
    try {
      run(msg);
    } catch (e) {
      parentPort!.postMessage({ type: 'error', id: msg.id, message: (e as Error)?.stack ?? String(e) });
    }
  });
}
