/**
 * The custom part of the protocol between the vpscope VS Code client and the vpscope language
 * server: one namespace per message, holding its `method` and a typed `type`, so that the client
 * (`client.sendRequest(SimulateRequest.type, ...)`) and the server refer to the same definition
 * and a mismatch fails to compile.
 *
 * Ranges in these messages are LSP ranges (0-based line/character, UTF-16), because the client
 * works in editor positions; everything else about the scenario is plain JSON.
 *
 * Invariant: this module imports only `vscode-jsonrpc` (the message classes) and types; it is
 * bundled into both the extension and the server.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type { Scenario } from '../model/ir';
import type { RunDocument } from '../report/simulation';
import type { SeedsDoc } from '../report/seeds';
import type { TraceDocument } from '../trace/schema';
import type { ViewDocument } from './view';

/** An LSP range, written out so the webview and client need no LSP types to read results. */
export interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export interface TextDocumentRef {
  uri: string;
}

// ---------------------------------------------------------------------------------------------
// Scenario model

export interface ScenarioParams {
  textDocument: TextDocumentRef;
}

export interface ScenarioResult {
  uri: string;
  /** Document version the answer was computed for. */
  version: number;
  /** The lowered scenario (offsets in `range` fields); absent while errors make it meaningless. */
  scenario?: Scenario;
  /** Number of error-severity diagnostics (the reason `scenario` may be absent). */
  errors: number;
  /** Names of the variants declared in the document, in order. */
  variants: string[];
}

/**
 * Client -> server: the lowered scenario of an open document, at its current version. Used by
 * the extension to decide what to offer (variants to simulate, whether the document is runnable)
 * without parsing it a second time in the extension host.
 */
export namespace ScenarioRequest {
  export const method = 'vpscope/scenario';
  export const type = new RequestType<ScenarioParams, ScenarioResult | null, void>(method);
}

// ---------------------------------------------------------------------------------------------
// Client commands the server may refer to (code lenses)

/**
 * Commands the VS Code client implements. A client announces the ones it has in
 * `initializationOptions.clientCommands`; the server offers code lenses running
 * `vpscope.simulate` only to a client that has it (other editors get no dead lenses).
 */
export const ClientCommands = {
  /** Arguments: `(uri: string, options?: SimulateCommandOptions)`. */
  simulate: 'vpscope.simulate',
  /**
   * Arguments: `(uri: string, options?: SimulateCommandOptions)`: simulates with `view: true`
   * and shows the run in the scenario's timeline tab.
   */
  showTimeline: 'vpscope.showTimeline',
} as const;

/** What a code lens passes to `vpscope.simulate` after the document URI. */
export interface SimulateCommandOptions {
  /** `base` or a variant name. */
  variant?: string;
  allVariants?: boolean;
  /** Several variants at once (Compare Variants: two, stacked in the timeline). */
  variants?: string[];
  /** Overrides the scenario's `seed` (a timeline tab restored after a reload passes its run's). */
  seed?: number;
}

export interface InitializationOptions {
  /** Client-side commands the server may put into code lenses (see {@link ClientCommands}). */
  clientCommands?: string[];
  /** The `vpscope.backgroundSimulation.*` settings at start (later: `workspace/didChangeConfiguration`). */
  backgroundSimulation?: BackgroundSimulationSettings;
  /** `vpscope.simulation.*` at start (later: `workspace/didChangeConfiguration`). */
  simulation?: SimulationSettings;
  /** `vpscope.traceAnalysis.*` at start (later: `workspace/didChangeConfiguration`). */
  traceAnalysis?: TraceAnalysisSettings;
}

// ---------------------------------------------------------------------------------------------
// Run defaults (settings the server applies to requests that do not say otherwise)

/**
 * `vpscope.simulation.*`: what every simulation the server runs (Simulate, Show Timeline, Compare
 * Variants, exports, the background simulation) uses unless the request says otherwise. `null`
 * or absent: the scenario's own `seed` / `max_events`, as `vpscope simulate` without `--seed` /
 * `--max-events`.
 */
export interface SimulationSettings {
  seed?: number | null;
  maxEvents?: number | null;
  /** Seeds per variant of *Simulate* (1..10000) when the scenario has no `seeds N`; the background simulation runs one. */
  seeds?: number | null;
}

/**
 * `vpscope.traceAnalysis.*`: the thresholds of *Analyze Trace…* and *Generate Scenario from
 * Trace…* when the request has none (`thresholdUs`, `stealPct` of {@link AnalyzeTraceParams}).
 * `null` or absent: the analyser's defaults (`server/src/trace/options.ts`: 1000 us, 10 %).
 */
export interface TraceAnalysisSettings {
  thresholdUs?: number | null;
  stealPct?: number | null;
}

// ---------------------------------------------------------------------------------------------
// Background simulation (simulated findings while typing)

/**
 * `vpscope.backgroundSimulation.*`: after an edit and `debounceMs` of quiet, the server simulates
 * every variant of the open scenario in its simulation worker, capped at `maxSimulatedMs` of
 * simulated time per variant and `wallMs` of wall time for all variants, and publishes the run
 * diagnostics (VPS3xx) with the static ones. The next edit cancels the run.
 */
export interface BackgroundSimulationSettings {
  enabled?: boolean;
  debounceMs?: number;
  maxSimulatedMs?: number;
  wallMs?: number;
}

/**
 * Defaults (design choices, not measurements): 600 ms of quiet is longer than the gap between
 * keystrokes of steady typing; 1 s of simulated time covers the bundled examples' durations
 * (100 ms .. 1 s); 2 s of wall time keeps one of the machine's cores busy for at most that long.
 */
export const BACKGROUND_SIMULATION_DEFAULTS: Required<BackgroundSimulationSettings> = {
  enabled: true,
  debounceMs: 600,
  maxSimulatedMs: 1000,
  wallMs: 2000,
};

export interface BackgroundSimulationParams {
  uri: string;
  /** The document version simulated. */
  version: number;
  /**
   * `simulating`: a run started; `done`: it completed within the budget; `budget`: it stopped at
   * the budget (the findings are those of the part simulated); `skipped`: the scenario has
   * errors or no host; `failed`: the worker failed; `off`: the setting was turned off.
   */
  state: 'simulating' | 'done' | 'budget' | 'skipped' | 'failed' | 'off';
  /** Run diagnostics published (done / budget). */
  findings?: number;
  /** What was hit (budget): `simulated time`, `wall time`, `max_events`. */
  budget?: string;
  /** One line for the status bar tooltip. */
  message: string;
}

export namespace BackgroundSimulationNotification {
  export const method = 'vpscope/backgroundSimulation';
  export const type = new NotificationType<BackgroundSimulationParams>(method);
}

// ---------------------------------------------------------------------------------------------
// Progress

/**
 * Progress of long requests. A client may pass a `workDoneToken` (LSP work-done progress): the
 * server then reports `$/progress` begin / report (percentage 0..100, message) / end on it.
 * Without one, a client that declared `window.workDoneProgress` gets a server-created progress
 * (`window/workDoneProgress/create`), cancellable with `window/workDoneProgress/cancel`.
 */
export interface WorkDoneParams {
  workDoneToken?: string | number;
}

// ---------------------------------------------------------------------------------------------
// Simulation

export interface SimulateParams extends WorkDoneParams {
  textDocument: TextDocumentRef;
  /** Simulate this variant; `base` or absent: the base scenario. Ignored with `allVariants`. */
  variant?: string;
  /** Simulate the base scenario and every variant (like `vpscope simulate --all-variants`). */
  allVariants?: boolean;
  /**
   * Simulate exactly these (`base` or variant names; run and answered in declaration order, base
   * first; e.g. two to compare them stacked in the timeline). Takes precedence over `variant`; ignored with `allVariants`.
   */
  variants?: string[];
  /** Overrides the scenario's `seed` (else `vpscope.simulation.seed`, else the scenario's). */
  seed?: number;
  /**
   * Chosen by the client; echoed in every {@link SimulationProgressNotification} (sent only when
   * it is set) and in the result.
   */
  runId?: string;
  /** Also write the timelines as Chrome trace JSON (Perfetto) to this file path. */
  exportChromeTrace?: string;
  /**
   * Also answer with {@link SimulateResult.view}: the worker records the timelines and encodes
   * them (`vpt1`, gzip, base64) into a view document for the timeline tab.
   */
  view?: boolean;
}

/**
 * The JSON run document (`vpscope.run/1`, schemas/vpscope.run-1.schema.json), as `vpscope
 * simulate --json` prints it: declared once, in report/simulation.ts (types only).
 */
export type { RunDocument };

/** A file the server wrote on request. */
export interface WrittenFile {
  path: string;
  bytes: number;
}

export interface SimulateResult {
  /** The client's `runId`, or one the server chose. */
  runId: string;
  uri: string;
  /** Document version that was simulated (its run diagnostics last until the next version). */
  version: number;
  /** The scenario's title. */
  title: string;
  /** The `vpscope.run/1` document, as `vpscope simulate --json` prints it (no timelines). */
  run: RunDocument;
  /** The text summary, as `vpscope simulate` prints it. */
  summary: string;
  /** Set when a variant stopped early (`wall_limit`: the scenario's wall-clock budget). */
  stoppedEarly?: { variant: string; reason: string; simulatedNs: number };
  /** Number of run diagnostics (stalls and findings on source lines) now shown with the static ones. */
  runDiagnostics: number;
  /**
   * With several seeds (`vpscope.simulation.seeds`, the scenario's `seeds N`) or a `sweep` in the
   * file: the `vpscope.seeds/1` aggregate (as `vpscope simulate --seeds N --json` prints it, without
   * `$schema` and `diagnostics`). `run` is then the first seed's runs (of the first sweep value),
   * `summary` the aggregate's text, and `view` (with `view`) its chart view.
   */
  seeds?: SeedsDoc;
  /** With `exportChromeTrace`: the file written. */
  chromeTrace?: WrittenFile;
  /**
   * With `view`: what the timeline tab shows (`vpscope.view/1`; `origin` says how to run it again).
   * Size: the timelines travel as gzip-compressed `vpt1` bytes in base64, a few bytes per interval
   * (BENCHMARKS.md states the measured figure), plus the run document without timelines.
   */
  view?: ViewDocument;
}

/**
 * Client -> server: run the simulation of an open document (at its current version), in a worker
 * thread. Long: the server reports work-done progress (see {@link WorkDoneParams}) and
 * {@link SimulationProgressNotification}s and honours cancellation of the request
 * ($/cancelRequest), answering with the `RequestCancelled` error. A new simulation of the same
 * document cancels the one still running. A scenario with errors is refused (`InvalidRequest`).
 */
export namespace SimulateRequest {
  export const method = 'vpscope/simulate';
  export const type = new RequestType<SimulateParams, SimulateResult, void>(method);
}

export interface SimulationProgressParams {
  runId: string;
  /** The variant being simulated (`base` for the base scenario). */
  variant: string;
  /** Simulated time reached in that variant, and its duration, in ns. */
  simulatedNs: number;
  totalNs: number;
  /** Of the whole request (all its variants), 0..1, non-decreasing. */
  fraction: number;
  /** Engine events processed so far in this variant (when the simulator reports them). */
  events?: number;
}

/** Server -> client: progress of a running {@link SimulateRequest}, at most a few per second. */
export namespace SimulationProgressNotification {
  export const method = 'vpscope/simulationProgress';
  export const type = new NotificationType<SimulationProgressParams>(method);
}

// ---------------------------------------------------------------------------------------------
// Trace analysis

export interface AnalyzeTraceParams extends WorkDoneParams {
  /** File URI of the trace (ftrace text, `trace-cmd report` output, Chrome trace JSON; `.gz` accepted). */
  uri?: string;
  /** The trace's file path (instead of `uri`). */
  path?: string;
  /**
   * The guest's own scheduling trace (any supported format), linked to this host trace as
   * `vpscope analyze HOST GUEST` does: guest CPUs mapped to the host's vCPU threads, guest time
   * aligned, the linked findings (VPS340-VPS344) and the guest lanes under their vCPU. A
   * `trace-cmd report` of several inputs is linked without it.
   */
  guestPath?: string;
  /** host time = guest time + this (ns); skips the time alignment (`--guest-offset-ns`). */
  guestOffsetNs?: number;
  /**
   * The trace clock each trace was recorded with (`--host-clock` / `--guest-clock`: an ftrace
   * clock name such as `x86-tsc`): text traces do not record it, and the KVM TSC offset aligns
   * the guest only when both are `x86-tsc`. A `.dat` says its own.
   */
  hostClock?: string;
  guestClock?: string;
  /** Reserved: an open scenario whose VM and task names should label the trace's threads (not used yet). */
  scenarioUri?: string;
  /** Report preempted waits and wake-up latencies longer than this (`vpscope analyze --threshold-us`). */
  thresholdUs?: number;
  /** Report vCPUs whose steal exceeds this share of their demand, in % (`--steal-pct`). */
  stealPct?: number;
  /** Also write the timeline as Chrome trace JSON (Perfetto) to this file path. */
  exportChromeTrace?: string;
  /** Echoed in the result. */
  runId?: string;
  /** Also answer with {@link AnalyzeTraceResult.view} (the trace's timeline, encoded as for simulations). */
  view?: boolean;
  /** Also answer with {@link AnalyzeTraceResult.skeleton} (`vpscope analyze --scenario`). */
  skeleton?: boolean;
}

/** The JSON trace document (`vpscope.trace/1`, schemas/vpscope.trace-1.schema.json): declared once, in trace/schema.ts (types only). */
export type { TraceDocument };

export interface AnalyzeTraceResult {
  runId: string;
  /** The trace's file path. */
  path: string;
  /** The text summary, as `vpscope analyze` prints it. */
  summary: string;
  /** The `vpscope.trace/1` document, when its JSON is at most {@link INLINE_TRACE_JSON_BYTES}. */
  document?: TraceDocument;
  /** Otherwise the file the server wrote it to (a temporary file; the client may move it). */
  documentFile?: WrittenFile;
  /** Size of the document's JSON text. */
  documentBytes: number;
  /** With `exportChromeTrace`: the file written. */
  chromeTrace?: WrittenFile;
  /**
   * With `view`: what the timeline tab shows. Sent even when the trace document itself is too
   * large to inline: the view carries the trace document without its timeline plus the timeline
   * in compact form (gzip `vpt1`, base64), far smaller than the JSON.
   */
  view?: ViewDocument;
  /** With `skeleton`: a scenario (`.vps` text) measured from the trace (`trace/skeleton.ts`). */
  skeleton?: string;
}

/** Trace documents whose JSON is larger than this are written to a file instead of sent inline. */
export const INLINE_TRACE_JSON_BYTES = 20 * 1024 * 1024;

/**
 * Client -> server: import and analyse a trace file in a worker thread. Long and cancellable like
 * {@link SimulateRequest}; progress is by bytes of the file read.
 */
export namespace AnalyzeTraceRequest {
  export const method = 'vpscope/analyzeTrace';
  export const type = new RequestType<AnalyzeTraceParams, AnalyzeTraceResult, void>(method);
}
