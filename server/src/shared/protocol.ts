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
// Simulation

export interface SimulateParams {
  textDocument: TextDocumentRef;
  /** Simulate this variant; `base` or absent: the base scenario. Ignored with `allVariants`. */
  variant?: string;
  /** Simulate the base scenario and every variant (like `vpscope simulate --all-variants`). */
  allVariants?: boolean;
  /** Overrides the scenario's `seed`. */
  seed?: number;
  /** Chosen by the client; echoed in every {@link SimulationProgressNotification}. */
  runId: string;
}

/**
 * The JSON run document (`"schema": "vpscope.run/1"`, described in the README): top level
 * `{schema, file, seed, variants: [{name, ...results}], diagnostics}`.
 * Typed loosely here so this module does not depend on the simulator's result types.
 */
export interface RunDocument {
  schema: 'vpscope.run/1';
  file: string;
  seed: number;
  variants: ({ name: string } & Record<string, unknown>)[];
  diagnostics: { severity: string; code: string; message: string; range: LspRange }[];
  [key: string]: unknown;
}

/**
 * Client -> server: run the simulation of an open document (at its current version). Long:
 * the server reports {@link SimulationProgressNotification}s and honours cancellation of the
 * request ($/cancelRequest), answering with the `RequestCancelled` error.
 */
export namespace SimulateRequest {
  export const method = 'vpscope/simulate';
  export const type = new RequestType<SimulateParams, RunDocument, void>(method);
}

export interface SimulationProgressParams {
  runId: string;
  /** The variant being simulated (`base` for the base scenario). */
  variant: string;
  /** Simulated time reached, and the scenario's duration, in ns. */
  simulatedNs: number;
  totalNs: number;
  /** Engine events processed so far in this variant. */
  events: number;
}

/** Server -> client: progress of a running {@link SimulateRequest}, at most a few per second. */
export namespace SimulationProgressNotification {
  export const method = 'vpscope/simulationProgress';
  export const type = new NotificationType<SimulationProgressParams>(method);
}

// ---------------------------------------------------------------------------------------------
// Trace analysis

export interface AnalyzeTraceParams {
  /** File URI of the trace (ftrace text, `trace-cmd report` output, Chrome trace JSON; `.gz` accepted). */
  uri: string;
  /** An open scenario document whose VM and task names should label the trace's threads. */
  scenarioUri?: string;
}

/** The JSON trace document (`"schema": "vpscope.trace/1"`, described in the README). */
export interface TraceDocument {
  schema: 'vpscope.trace/1';
  [key: string]: unknown;
}

/**
 * Client -> server: import and analyse a trace file. Long and cancellable like
 * {@link SimulateRequest}.
 */
export namespace AnalyzeTraceRequest {
  export const method = 'vpscope/analyzeTrace';
  export const type = new RequestType<AnalyzeTraceParams, TraceDocument, void>(method);
}
