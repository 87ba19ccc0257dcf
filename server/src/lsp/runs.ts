/**
 * Long jobs of the language server: `vpscope/simulate` and `vpscope/analyzeTrace`. Each runs in a
 * worker thread of its own (dist/simWorker.js, dist/traceWorker.js, found next to the server
 * bundle), so the server keeps answering while it runs; the worker is terminated when the job
 * ends, is cancelled ($/cancelRequest, or the cancel button of a server-created progress), is
 * superseded (a new simulation of the same document) or the server shuts down.
 *
 * Progress goes out as LSP work-done progress (on the client's `workDoneToken`, else on a
 * server-created token when the client supports it) and, for simulations with a `runId`, as
 * `vpscope/simulationProgress` notifications; at most a few per second, never decreasing.
 *
 * With `view: true`, the workers also build the view document for the timeline tab (simulations:
 * every simulated variant's timeline; traces: the trace's timeline), encoded as gzip `vpt1` so that
 * what crosses the worker boundary and the LSP connection is a few bytes per interval.
 *
 * After a simulation, its stalls and findings with a source range become run diagnostics of the
 * document version that was simulated (the session shows them with the static ones until the
 * document changes).
 */
import { outputConflict, sameFile } from '../io/outputs';
import type { Suppression } from '../model/suppress';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { crossSize, fileRunPlan, type FileSweep } from '../model/sweep';
import { TRACE_CLOCKS } from '../trace/link/map';
import { planSeedJobsAsync, runPool, startWorkers } from '../io/simPool';
import { aggregateRuns, renderSeedsSummary, seedRange, seedsViewDocument, type SeedRun, type SeedsPlan } from '../report/seeds';
import {
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  type CancellationToken,
  type Connection,
  type WorkDoneProgressReporter,
} from 'vscode-languageserver';
import { blocksSimulation, type Diagnostic } from '../core/diagnostic';
import type { Finding } from '../core/findings';
import { clipLabel, clipRuns, LineIndex, MAX_MESSAGE } from '../core/text';
import { mergeTimelines, renderSummary, toRunJson } from '../report/simulation';
import { runDiagnostics, type RunDiagnosticsOptions } from '../report/runDiagnostics';
import { withStallRelated } from '../report/runRelated';
import type { VariantResult } from '../sim/result';
import type { SimRunRequest } from '../sim/worker';
import { outputReserve } from '../sim/reserve';
import {
  INLINE_TRACE_JSON_BYTES,
  SimulationProgressNotification,
  type AnalyzeTraceParams,
  type AnalyzeTraceResult,
  type SimulateParams,
  type SimulateResult,
  type WrittenFile,
} from '../shared/protocol';
import { traceLinkOptions, type ViewDocument, type ViewOrigin } from '../shared/view';
import type { ClientFeatures } from './capabilities';
import type { AnalyzedDocument } from './documents';
import type { SimulationDefaults, TraceDefaults } from './runSettings';
import type { ChromeJob, TraceJob, TraceWorkerMessage } from './traceWorker';

/** Progress goes out at most this often (the last state is always sent before `end`). */
export const PROGRESS_INTERVAL_MS = 150;
/** At most this many runs in one Simulate with seeds or a sweep (the CLI's bound too). */
const MAX_SEED_RUNS = 100_000;
/** A simulation still running this long after its wall budget is stopped as hung. */
const WALL_GRACE_MS = 30_000;

export interface WorkerFiles {
  sim: string;
  trace: string;
}

/** The worker bundles beside the server bundle (`dist/`), where scripts/build.mjs writes them. */
export function bundledWorkers(dir: string): WorkerFiles {
  return { sim: join(dir, 'simWorker.js'), trace: join(dir, 'traceWorker.js') };
}

export interface RunContext {
  connection: Connection;
  features(): ClientFeatures;
  /** The open document's light analysis (undefined when the client has not opened it). */
  analyzed(uri: string, token: CancellationToken): Promise<AnalyzedDocument | undefined>;
  /** Why an open document has no analysis (above `vpscope.diagnostics.maxDocumentMB`), else undefined. */
  notAnalyzedBecause?(uri: string): string | undefined;
  /** A simulation of `version` of `uri` found these (offsets in that version's text). */
  /** `vpscope.diagnostics.*` as run diagnostics read them (thresholds, severity per code). */
  runOptions(): Pick<RunDiagnosticsOptions, 'thresholds' | 'severities'>;
  /** `results`: what was simulated, to reconcile the static diagnostics of `version` with. */
  setRunDiagnostics(uri: string, version: number, diagnostics: Diagnostic[], results: readonly VariantResult[]): void;
  workers: WorkerFiles;
  /** `vpscope.simulation.*`: seed and max events for requests that do not set them (read per run: live). */
  simulationDefaults?(): SimulationDefaults;
  /** `vpscope.traceAnalysis.*`: thresholds for requests that do not set them (read per run: live). */
  traceDefaults?(): TraceDefaults;
}

type SimWorkerMessage =
  | { type: 'progress'; id: number; fraction: number }
  | { type: 'result'; id: number; results: VariantResult[]; diagnostics: Diagnostic[]; view?: ViewDocument }
  | { type: 'error'; id: number; message: string; diagnostics?: Diagnostic[] };

interface Job<T> {
  promise: Promise<T>;
  /** Terminates the worker and rejects the promise with `error` (no-op once settled). */
  stop(error: Error): void;
}

const cancelledError = () => new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');

/** "1 s", "300 ms", "2.5 ms": a duration in progress messages. */
function shortNs(ns: number): string {
  const [v, u] = ns >= 1e9 ? [ns / 1e9, 's'] : ns >= 1e6 ? [ns / 1e6, 'ms'] : ns >= 1e3 ? [ns / 1e3, 'us'] : [ns, 'ns'];
  return `${+v.toPrecision(3)} ${u}`;
}

function megabytes(bytes: number): string {
  return bytes >= 1e6 ? `${+(bytes / 1e6).toPrecision(3)} MB` : `${+(bytes / 1e3).toPrecision(3)} kB`;
}

/** The file name of a document URI, for titles and the `file` field of the run document. */
export function fileLabel(uri: string): string {
  try {
    if (uri.startsWith('file:')) return basename(fileURLToPath(uri));
  } catch {
    // Not a valid file URI: fall through.
  }
  const path = uri.replace(/[?#].*$/, '');
  try {
    return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1)) || uri;
  } catch {
    return path.slice(path.lastIndexOf('/') + 1) || uri;
  }
}

/**
 * Work-done progress of one job: on the client's token when it sent one, else on a token the
 * server creates when the client supports that, else nowhere. Reports are throttled and never go
 * back; `done()` ends the progress (after `begin`, even when the creation answered late).
 */
class Progress {
  private readonly title: string;
  private reporter: WorkDoneProgressReporter | undefined;
  private finished = false;
  private lastPct = 0;
  private lastMessage = '';
  private lastSent = -Infinity;
  private dirty = false;

  constructor(
    private readonly ctx: RunContext,
    title: string,
    token: string | number | undefined,
    onCancel: () => void,
    message: string,
  ) {
    // The title names the file: a path of megabytes must not go out in every report.
    this.title = clipLabel(title);
    this.lastMessage = message;
    if (token !== undefined) {
      this.reporter = ctx.connection.window.attachWorkDoneProgress(token);
      this.reporter.begin(this.title, 0, message, true);
    } else if (ctx.features().workDoneProgress) {
      ctx.connection.window.createWorkDoneProgress().then(
        (r) => {
          r.token.onCancellationRequested(onCancel);
          r.begin(this.title, this.lastPct, this.lastMessage, true);
          if (this.finished) r.done();
          else this.reporter = r;
        },
        () => undefined, // The client refused: no progress.
      );
    }
  }

  /** `fraction` 0..1 of the whole job. Returns whether the report went out (for companions). */
  report(fraction: number, message: string): boolean {
    const pct = Math.max(this.lastPct, Math.min(100, Math.floor(fraction * 100)));
    this.lastPct = pct;
    this.lastMessage = message;
    this.dirty = true;
    const now = performance.now();
    if (now - this.lastSent < PROGRESS_INTERVAL_MS) return false;
    this.flush(now);
    return true;
  }

  private sentPct = -1;
  private sentMessage = '';

  private flush(now: number): void {
    this.lastSent = now;
    this.dirty = false;
    if (this.lastPct === this.sentPct && this.lastMessage === this.sentMessage) return;
    this.sentPct = this.lastPct;
    this.sentMessage = this.lastMessage;
    this.reporter?.report(this.lastPct, this.lastMessage);
  }

  done(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.dirty) this.flush(performance.now());
    this.reporter?.done();
    this.reporter = undefined;
  }
}

export class RunManager {
  /** Every worker alive, for shutdown. */
  private readonly live = new Set<Job<unknown>>();
  /** The simulation running for each document. */
  private readonly byDocument = new Map<string, Job<unknown>>();
  /** Workers asked to terminate that have not stopped yet. */
  private readonly stopping = new Set<Promise<unknown>>();
  private seq = 0;

  constructor(private readonly ctx: RunContext) {}

  /** Runs `message` in a fresh worker; `onMessage` settles the job. */
  private start<M, T>(file: string, message: unknown, onMessage: (m: M, finish: (r: T) => void, fail: (e: Error) => void) => void): Job<T> {
    const worker = new Worker(file);
    const terminate = () => {
      const p = worker.terminate().catch(() => undefined);
      this.stopping.add(p);
      void p.then(() => this.stopping.delete(p));
    };
    let settled = false;
    let resolve!: (r: T) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const job: Job<T> = {
      promise,
      stop: (e) => {
        if (settled) return;
        settled = true;
        this.live.delete(job);
        terminate();
        reject(e);
      },
    };
    const finish = (r: T) => {
      if (settled) return;
      settled = true;
      this.live.delete(job);
      terminate();
      resolve(r);
    };
    worker.on('message', (m: M) => {
      if (!settled) onMessage(m, finish, job.stop);
    });
    worker.on('error', (e) => job.stop(internalError('vpscope worker', e)));
    worker.on('exit', (code) => job.stop(new ResponseError(ErrorCodes.InternalError, `vpscope worker exited (code ${code}) without an answer`)));
    this.live.add(job);
    worker.postMessage(message);
    return job;
  }

  /** Number of workers running (for the log and tests). */
  get running(): number {
    return this.live.size;
  }

  /** Stops every job (shutdown). */
  dispose(): void {
    for (const j of [...this.live]) j.stop(new ResponseError(LSPErrorCodes.RequestCancelled, 'the server is shutting down'));
  }

  /**
   * Stops every job and waits until their workers are gone: true when they all stopped within
   * `timeoutMs` (a worker blocked in a system call, e.g. opening a FIFO nobody writes, never does).
   */
  async stopAll(timeoutMs: number): Promise<boolean> {
    this.dispose();
    if (this.stopping.size === 0) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
    const ok = await Promise.race([Promise.all([...this.stopping]).then(() => true), timeout]);
    clearTimeout(timer);
    return ok;
  }

  // ---- simulation ------------------------------------------------------------------------------

  async simulate(params: SimulateParams, token: CancellationToken): Promise<SimulateResult> {
    const uri = params?.textDocument?.uri;
    if (typeof uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'textDocument.uri must be a string');
    if (params.variant !== undefined && typeof params.variant !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'variant must be a string');
    if (params.variants !== undefined && !(Array.isArray(params.variants) && params.variants.length > 0 && params.variants.every((v) => typeof v === 'string'))) {
      throw new ResponseError(ErrorCodes.InvalidParams, 'variants must be a non-empty array of names');
    }
    if (params.seed !== undefined && !(Number.isSafeInteger(params.seed) && params.seed >= 0)) {
      throw new ResponseError(ErrorCodes.InvalidParams, 'seed must be a non-negative integer');
    }
    if (params.exportChromeTrace !== undefined && typeof params.exportChromeTrace !== 'string') {
      throw new ResponseError(ErrorCodes.InvalidParams, 'exportChromeTrace must be a file path');
    }
    if (params.view !== undefined && typeof params.view !== 'boolean') throw new ResponseError(ErrorCodes.InvalidParams, 'view must be a boolean');
    if (params.exportChromeTrace !== undefined) refuseOverwrite(uri, params.exportChromeTrace);
    const a = await this.ctx.analyzed(uri, token);
    if (!a) throw new ResponseError(ErrorCodes.InvalidParams, this.ctx.notAnalyzedBecause?.(uri) ?? clipEcho(`${uri} is not an open document`));
    const analysis = a.ide.analysis;
    const errors = analysis.diagnostics.filter(blocksSimulation).length;
    const scenario = analysis.scenario;
    if (errors > 0 || !scenario) {
      throw new ResponseError(
        LSPErrorCodes.RequestFailed,
        errors > 0 ? `the scenario has ${errors} error${errors === 1 ? '' : 's'}; fix ${errors === 1 ? 'it' : 'them'} before simulating` : 'nothing to simulate (no host)',
      );
    }
    const known = ['base', ...scenario.variants.map((v) => v.name)];
    const asked = params.allVariants ? known : params.variants ? params.variants : [params.variant ?? 'base'];
    for (const n of asked) {
      if (!known.includes(n)) throw new ResponseError(ErrorCodes.InvalidParams, clipEcho(`unknown variant '${n}' (known: ${known.join(', ')})`));
    }
    // The simulator runs variants in declaration order (base first): so do the names here.
    const names = known.filter((n) => asked.includes(n));
    const durations = names.map((n) => (n === 'base' ? scenario : scenario.variants.find((v) => v.name === n)!.scenario).settings.durationNs);

    // One simulation per document: the newest wins.
    this.byDocument.get(uri)?.stop(new ResponseError(LSPErrorCodes.RequestCancelled, 'superseded by a newer simulation of this document'));

    const runId = typeof params.runId === 'string' ? params.runId : `sim-${++this.seq}`;
    const file = fileLabel(uri);
    const text = a.ide.text;
    const version = a.version;
    const defaults = this.ctx.simulationDefaults?.() ?? {};
    // Several seeds (the scenario's `seeds N`, else the setting) or the file's sweeps: the pool.
    const filePlan = fileRunPlan(analysis, text);
    const nSeeds = filePlan.seeds ?? defaults.seeds ?? 1;
    if (params.exportChromeTrace === undefined && (nSeeds > 1 || filePlan.sweeps)) {
      return this.simulateSeeds({ params, token, uri, file, text, version, names, scenario, analysis, nSeeds, sweeps: filePlan.sweeps ?? [], runId });
    }
    const seed = params.seed ?? defaults.seed;
    const origin: ViewOrigin = {
      kind: 'simulation',
      uri,
      ...(params.allVariants ? { allVariants: true } : params.variants ? { variants: names } : { variant: names[0] }),
      ...(params.seed !== undefined ? { seed: params.seed } : {}),
    };
    const request: SimRunRequest = {
      type: 'run',
      id: 1,
      text,
      uri,
      variant: params.allVariants ? 'all' : params.variants ? names : names[0],
      seed,
      ...(defaults.maxEvents !== undefined ? { maxEvents: defaults.maxEvents } : {}),
      timeline: params.exportChromeTrace !== undefined,
      ...(params.view ? { view: { file, sourceUri: uri, origin } } : {}),
      // The view (built in the worker) and a Chrome export come after the run: within the wall limit too.
      reserve: outputReserve({ html: params.view === true, chrome: params.exportChromeTrace !== undefined, timelineJson: 0 }),
    };
    const job = this.start<SimWorkerMessage, { results: VariantResult[]; diagnostics: Diagnostic[]; view?: ViewDocument }>(this.ctx.workers.sim, request, (m, finish, fail) => {
      if (m.type === 'progress') onProgress(m.fraction);
      else if (m.type === 'result') finish(m);
      else {
        if (m.message !== 'the scenario has errors') this.ctx.connection.console.error(`vpscope simulate ${file}: ${m.message}`);
        fail(new ResponseError(LSPErrorCodes.RequestFailed, clipEcho(`simulation failed: ${m.message.split('\n')[0]}`)));
      }
    });
    this.byDocument.set(uri, job);
    const describe = (fraction: number) => {
      const n = names.length;
      const i = Math.min(n - 1, Math.floor(fraction * n));
      const local = Math.min(1, Math.max(0, fraction * n - i));
      return { i, local, message: `${clipLabel(names[i] ?? '')}: ${Math.floor(local * 100)}% of ${shortNs(durations[i])}${n > 1 ? ` (${i + 1}/${n})` : ''}` };
    };
    const progress = new Progress(this.ctx, `Simulating ${file}`, params.workDoneToken, () => job.stop(cancelledError()), describe(0).message);
    let lastFraction = 0;
    const onProgress = (f: number) => {
      const fraction = Math.max(lastFraction, Math.min(1, f));
      lastFraction = fraction;
      const d = describe(fraction);
      if (progress.report(fraction, d.message) && typeof params.runId === 'string') {
        void this.ctx.connection.sendNotification(SimulationProgressNotification.method, {
          runId,
          variant: names[d.i],
          simulatedNs: Math.round(d.local * durations[d.i]),
          totalNs: durations[d.i],
          fraction,
        });
      }
    };
    const cancel = token.onCancellationRequested(() => job.stop(cancelledError()));
    const hung = setTimeout(
      () => job.stop(new ResponseError(LSPErrorCodes.RequestFailed, `the simulation did not stop within its wall limit (${scenario.settings.wallLimitMs} ms) plus ${WALL_GRACE_MS / 1000} s`)),
      scenario.settings.wallLimitMs + WALL_GRACE_MS,
    );
    let answer: { results: VariantResult[]; diagnostics: Diagnostic[]; view?: ViewDocument };
    try {
      answer = await job.promise;
    } finally {
      cancel.dispose();
      clearTimeout(hung);
      if (this.byDocument.get(uri) === job) this.byDocument.delete(uri);
      progress.done();
    }

    const { results, diagnostics } = answer;
    const lines = new LineIndex(text);
    const run = toRunJson(file, text, lines, seed ?? scenario.settings.seed, results, diagnostics, false);
    const summary = renderSummary(file, scenario.title, results, lines, diagnostics);
    // `# vpscope-allow VPS3xx` comments of the simulated document hide run diagnostics too.
    const found = withStallRelated(runDiagnostics(results, { suppressions: analysis.suppressions, ...this.ctx.runOptions() }), results);
    this.ctx.setRunDiagnostics(uri, version, found, results);
    const out: SimulateResult = { runId, uri, version, title: scenario.title, run, summary, runDiagnostics: found.length };
    if (answer.view) out.view = answer.view;
    const last = results[results.length - 1];
    if (last && last.stop.reason !== 'completed') out.stoppedEarly = { variant: last.name, reason: last.stop.reason, simulatedNs: last.stop.simulatedNs };
    if (params.exportChromeTrace !== undefined) {
      const findings: Finding[] = results.flatMap((r) => (results.length > 1 ? r.findings.map((f) => ({ ...f, lane: f.lane ? `${r.name}:${f.lane}` : undefined })) : r.findings));
      const chrome: ChromeJob = {
        type: 'chrome',
        timeline: mergeTimelines(results),
        findings,
        omitStates: ['idle'],
        meta: { file, seed: results[0]?.seed ?? 0 },
        path: params.exportChromeTrace,
      };
      out.chromeTrace = await this.writeChrome(chrome, token);
    }
    return out;
  }

  /**
   * Simulate with several seeds or a sweep: every (point, variant, seed) on a pool of sim workers
   * (io/simPool.ts, as `vpscope simulate --seeds/--sweep`), aggregated as `vpscope.seeds/1`; the
   * result's `run` is the first seed's runs (first sweep point), its run diagnostics those of the
   * first seed without a sweep (a sweep point's run is another scenario than the text shown).
   * Several swept settings (crossed) run every combination, as the CLI.
   */
  private async simulateSeeds(o: {
    params: SimulateParams;
    token: CancellationToken;
    uri: string;
    file: string;
    text: string;
    version: number;
    names: string[];
    scenario: NonNullable<AnalyzedDocument['ide']['analysis']['scenario']>;
    analysis: AnalyzedDocument['ide']['analysis'];
    nSeeds: number;
    /** The file's swept settings, crossed (empty: none). */
    sweeps: FileSweep[];
    runId: string;
  }): Promise<SimulateResult> {
    const { params, uri, file, text, names, scenario, sweeps } = o;
    const swept = sweeps.length > 0;
    const defaults = this.ctx.simulationDefaults?.() ?? {};
    const first = params.seed ?? defaults.seed ?? scenario.settings.seed;
    const seeds = seedRange(first, o.nSeeds);
    if (typeof seeds === 'string') throw new ResponseError(LSPErrorCodes.RequestFailed, seeds);
    const plan: SeedsPlan = { file, seeds, variants: names, ...(swept ? { sweeps: sweeps.map((s) => ({ path: s.path, values: s.values })) } : {}) };
    const { points, factors } = crossSize(sweeps);
    const total = seeds.length * names.length * points;
    if (total > MAX_SEED_RUNS) throw new ResponseError(LSPErrorCodes.RequestFailed, `${total} runs planned (${seeds.length} seeds x ${names.length} variants x ${swept ? `${points} sweep points${sweeps.length > 1 ? ` (${factors})` : ''}` : '1'}); at most ${MAX_SEED_RUNS} (as vpscope simulate)`);
    // The workers start now: their start-up overlaps the checks of the sweep points below.
    const script = { file: this.ctx.workers.sim, eval: false };
    const started = startWorkers(script, Math.max(1, Math.min(availableParallelism(), total)));
    // Checked a point at a time with turns of the event loop between them: the server keeps
    // answering, and a cancel or a newer run ends the check.
    let planned: Awaited<ReturnType<typeof planSeedJobsAsync>>;
    try {
      planned = await planSeedJobsAsync(text, uri, plan, sweeps, scenario, { shouldStop: () => o.token.isCancellationRequested });
    } catch (e) {
      started.dispose();
      throw e;
    }
    if (o.token.isCancellationRequested) {
      started.dispose();
      throw cancelledError();
    }
    if ('index' in planned) {
      started.dispose();
      const what = sweeps.length > 1 ? `sweep point ${sweeps.map((s, k) => `${s.path}=${planned.values[k]}`).join(', ')}` : `sweep value \`${planned.values[0]}\``;
      throw new ResponseError(LSPErrorCodes.RequestFailed, `${what}${planned.variant === 'base' ? '' : ` in variant '${planned.variant}'`}: ${planned.error ? `${planned.error.code}: ${planned.error.message}` : 'nothing to simulate'}`);
    }
    const { order, jobs } = planned;
    let stopPool: (() => void) | undefined;
    let stoppedBy: Error | undefined;
    const stop = (e: Error) => {
      stoppedBy ??= e;
      stopPool?.();
    };
    const progress = new Progress(this.ctx, `Simulating ${file}`, params.workDoneToken, () => stop(cancelledError()), `0/${jobs.length} runs`);
    const promise = runPool(jobs, Math.max(1, availableParallelism()), {
      script,
      started,
      ...(defaults.maxEvents !== undefined ? { maxEvents: defaults.maxEvents } : {}),
      stopper: (s) => (stopPool = s),
      onDone: (d, t) => progress.report(d / t, `${d}/${t} runs`),
    });
    const job: Job<unknown> = { promise, stop };
    this.live.add(job);
    this.byDocument.set(uri, job);
    const cancel = o.token.onCancellationRequested(() => stop(cancelledError()));
    let outcome: Awaited<typeof promise>;
    try {
      outcome = await promise;
    } finally {
      cancel.dispose();
      this.live.delete(job);
      if (this.byDocument.get(uri) === job) this.byDocument.delete(uri);
      progress.done();
    }
    if (stoppedBy) throw stoppedBy;
    if (outcome.error) throw new ResponseError(LSPErrorCodes.RequestFailed, clipEcho(`simulation failed: ${outcome.error.split('\n')[0]}`));
    const runs: SeedRun[] = [];
    order.forEach((k, i) => {
      const r = outcome.results[i];
      if (r) runs.push({ ...k, result: { ...r, name: k.variant } });
    });
    const doc = aggregateRuns(plan, runs, outcome.stopped);
    const firstPoint = order[0]?.point;
    const firstRuns = runs.filter((r) => r.seed === seeds[0] && r.point === firstPoint).map((r) => r.result);
    const lines = new LineIndex(text);
    const diagnostics = o.analysis.diagnostics;
    const found = swept ? [] : withStallRelated(runDiagnostics(firstRuns, { suppressions: o.analysis.suppressions, ...this.ctx.runOptions() }), firstRuns);
    this.ctx.setRunDiagnostics(uri, o.version, found, swept ? [] : firstRuns);
    const out: SimulateResult = {
      runId: o.runId,
      uri,
      version: o.version,
      title: scenario.title,
      run: toRunJson(file, text, lines, seeds[0], firstRuns, diagnostics, false),
      summary: renderSeedsSummary(doc, scenario.title),
      runDiagnostics: found.length,
      seeds: doc,
    };
    if (params.view) {
      const origin: ViewOrigin = { kind: 'simulation', uri, ...(params.allVariants ? { allVariants: true } : params.variants ? { variants: names } : { variant: names[0] }), ...(params.seed !== undefined ? { seed: params.seed } : {}) };
      out.view = { ...seedsViewDocument(doc, scenario.title, file), sourceUri: uri, origin };
    }
    if (outcome.stopped) out.stoppedEarly = { variant: names[names.length - 1], reason: outcome.stopped, simulatedNs: 0 };
    return out;
  }

  // ---- background simulation -------------------------------------------------------------------

  /**
   * Simulates `text` (every variant) in a worker of its own for the background simulation while
   * typing: each variant capped at `maxDurationNs` of simulated time, all of them at `wallMs` of
   * wall time. No progress, no view; the caller publishes the run diagnostics. `stop` terminates
   * the worker (the next edit); the promise then rejects.
   */
  background(
    uri: string,
    text: string,
    budget: { maxDurationNs: number; wallMs: number },
    /** The document's `# vpscope-allow` comments: they hide run diagnostics too. */
    suppressions?: readonly Suppression[],
  ): { promise: Promise<{ results: VariantResult[]; runDiagnostics: Diagnostic[] }>; stop(): void } {
    const defaults = this.ctx.simulationDefaults?.() ?? {};
    const request: SimRunRequest = {
      type: 'run',
      id: 1,
      text,
      uri,
      variant: 'all',
      timeline: false,
      wallMs: budget.wallMs,
      maxDurationNs: budget.maxDurationNs,
      lowPriority: true,
      ...(defaults.seed !== undefined ? { seed: defaults.seed } : {}),
      ...(defaults.maxEvents !== undefined ? { maxEvents: defaults.maxEvents } : {}),
    };
    const job = this.start<SimWorkerMessage, VariantResult[]>(this.ctx.workers.sim, request, (m, finish, fail) => {
      if (m.type === 'result') finish(m.results);
      else if (m.type === 'error') fail(new ResponseError(LSPErrorCodes.RequestFailed, clipEcho(m.message.split('\n')[0])));
    });
    const hung = setTimeout(() => job.stop(new ResponseError(LSPErrorCodes.RequestFailed, 'the background simulation did not stop at its wall budget')), budget.wallMs + WALL_GRACE_MS);
    const promise = job.promise.then(
      (results) => {
        clearTimeout(hung);
        return { results, runDiagnostics: withStallRelated(runDiagnostics(results, { suppressions, ...this.ctx.runOptions() }), results) };
      },
      (e: unknown) => {
        clearTimeout(hung);
        throw e;
      },
    );
    return { promise, stop: () => job.stop(new ResponseError(LSPErrorCodes.RequestCancelled, 'superseded by an edit')) };
  }

  private async writeChrome(job: ChromeJob, token: CancellationToken): Promise<WrittenFile> {
    const w = this.start<TraceWorkerMessage, WrittenFile>(this.ctx.workers.trace, job satisfies TraceJob, (m, finish, fail) => {
      if (m.type === 'written') finish(m.chromeTrace);
      else if (m.type === 'error') fail(new ResponseError(LSPErrorCodes.RequestFailed, clipEcho(m.message)));
    });
    const cancel = token.onCancellationRequested(() => w.stop(cancelledError()));
    try {
      return await w.promise;
    } finally {
      cancel.dispose();
    }
  }

  // ---- trace analysis ------------------------------------------------------------------------

  async analyzeTrace(params: AnalyzeTraceParams, token: CancellationToken): Promise<AnalyzeTraceResult> {
    let path = params?.path;
    if (path === undefined && typeof params?.uri === 'string') {
      try {
        path = fileURLToPath(params.uri);
      } catch {
        throw new ResponseError(ErrorCodes.InvalidParams, clipEcho(`${params.uri} is not a file URI`));
      }
    }
    if (typeof path !== 'string' || path === '') throw new ResponseError(ErrorCodes.InvalidParams, 'path (or a file uri) of the trace is required');
    for (const k of ['thresholdUs', 'stealPct'] as const) {
      const v = params[k];
      if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new ResponseError(ErrorCodes.InvalidParams, `${k} must be a positive number`);
    }
    if (params.exportChromeTrace !== undefined && typeof params.exportChromeTrace !== 'string') {
      throw new ResponseError(ErrorCodes.InvalidParams, 'exportChromeTrace must be a file path');
    }
    if (params.view !== undefined && typeof params.view !== 'boolean') throw new ResponseError(ErrorCodes.InvalidParams, 'view must be a boolean');
    if (params.skeleton !== undefined && typeof params.skeleton !== 'boolean') throw new ResponseError(ErrorCodes.InvalidParams, 'skeleton must be a boolean');
    const guestPath = params.guestPath;
    if (guestPath !== undefined && (typeof guestPath !== 'string' || guestPath === '')) throw new ResponseError(ErrorCodes.InvalidParams, 'guestPath must be a file path');
    if (params.guestOffsetNs !== undefined && !Number.isSafeInteger(params.guestOffsetNs)) throw new ResponseError(ErrorCodes.InvalidParams, 'guestOffsetNs must be an integer number of ns');
    for (const k of ['hostClock', 'guestClock'] as const) {
      const c = params[k];
      if (c !== undefined && !(typeof c === 'string' && TRACE_CLOCKS.includes(c))) throw new ResponseError(ErrorCodes.InvalidParams, `${k} must be a trace clock (${TRACE_CLOCKS.join(', ')})`);
    }
    if (guestPath !== undefined && sameFile(path, guestPath)) throw new ResponseError(ErrorCodes.InvalidParams, 'the guest trace must be another file than the host trace');
    const defaults = this.ctx.traceDefaults?.() ?? {};
    // A FIFO (or a device) would block the worker in open() or read() where terminate() cannot
    // reach it, and with it cancellation and exit: only regular files are analysed here.
    if (params.exportChromeTrace !== undefined) refuseOverwrite(path, params.exportChromeTrace);
    if (params.exportChromeTrace !== undefined && guestPath !== undefined) refuseOverwrite(guestPath, params.exportChromeTrace);
    for (const p of guestPath !== undefined ? [path, guestPath] : [path]) {
      const st = await stat(p).catch(() => undefined); // A missing file is the worker's error to report.
      if (st && !st.isFile()) throw new ResponseError(ErrorCodes.InvalidParams, clipEcho(`${p} is not a regular file (FIFOs, devices and sockets cannot be analysed in the editor; use vpscope analyze)`));
    }
    const runId = typeof params.runId === 'string' ? params.runId : `trace-${++this.seq}`;
    const name = guestPath !== undefined ? `${basename(path)} + ${basename(guestPath)}` : basename(path);
    const job = this.start<TraceWorkerMessage, Extract<TraceWorkerMessage, { type: 'result' }>>(
      this.ctx.workers.trace,
      {
        type: 'analyze',
        path,
        ...(guestPath !== undefined ? { guestPath } : {}),
        ...traceLinkOptions(params),
        thresholdUs: params.thresholdUs ?? defaults.thresholdUs,
        stealPct: params.stealPct ?? defaults.stealPct,
        inlineLimit: INLINE_TRACE_JSON_BYTES,
        exportChromeTrace: params.exportChromeTrace,
        view: params.view === true,
        skeleton: params.skeleton === true,
      } satisfies TraceJob,
      (m, finish, fail) => {
        if (m.type === 'progress') {
          const f = m.total > 0 ? m.done / m.total : 0;
          progress.report(f, m.total > 0 ? `${megabytes(m.done)} of ${megabytes(m.total)}` : megabytes(m.done));
        } else if (m.type === 'result') finish(m);
        else if (m.type === 'error') fail(new ResponseError(LSPErrorCodes.RequestFailed, clipEcho(m.message)));
      },
    );
    const progress = new Progress(this.ctx, `Analyzing ${name}`, params.workDoneToken, () => job.stop(cancelledError()), 'reading');
    const cancel = token.onCancellationRequested(() => job.stop(cancelledError()));
    try {
      const { type: _type, document, view, ...r } = await job.promise;
      const out: AnalyzeTraceResult = { runId, path, ...r };
      if (document) out.document = document as unknown as AnalyzeTraceResult['document'];
      if (view) out.view = view;
      return out;
    } finally {
      cancel.dispose();
      progress.done();
    }
  }
}

/**
 * An error message that quotes what the client sent (a URI, a path, a variant name) or what a
 * worker said about it (`cannot read PATH: ENAMETOOLONG ... open 'PATH'`): every run of more than
 * 80 characters without a space clipped, the whole at most MAX_MESSAGE characters. A 10 MB path
 * was answered with a 20 MB error.
 */
export function clipEcho(message: string): string {
  return clipRuns(message, MAX_MESSAGE);
}

/**
 * The internal error answered for a handler's unexpected exception, its message clipped like any
 * echo: an exception may quote what the client sent, and was sent back whole.
 */
export function internalError(what: string, e: unknown): ResponseError<void> {
  return new ResponseError(ErrorCodes.InternalError, clipEcho(`${what} failed: ${(e as Error)?.message ?? String(e)}`));
}

/** An export must not overwrite the scenario or trace it comes from (nor is a URI we cannot map checked). */
function refuseOverwrite(input: string, output: string): void {
  let inPath = input;
  if (input.startsWith('file:')) {
    try {
      inPath = fileURLToPath(input);
    } catch {
      return;
    }
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(input) && !/^[A-Za-z]:[\\/]/.test(input)) return; // untitled: and other schemes are not files
  const msg = outputConflict([{ what: 'input', path: inPath }], [{ what: 'exportChromeTrace', path: output }]);
  if (msg) throw new ResponseError(ErrorCodes.InvalidParams, clipEcho(msg));
}
