/**
 * The language server's worker for file-sized jobs (bundled to dist/traceWorker.js): a thin
 * node:worker_threads shell, one worker per job, so the server's event loop never runs them.
 *
 *  - `analyze`: reads a trace file through `io/traceFile.ts` (the trace core is pure), imports and
 *    analyses it (`trace/`), renders the text summary, measures the `vpscope.trace/1` JSON and
 *    sends the document back, or writes it to a temporary file when it is larger than the limit;
 *    optionally writes the Chrome trace; with `view`, also builds the view document (the trace
 *    without its timeline, plus the timeline as gzip `vpt1`) for the timeline tab.
 *  - `chrome`: writes a timeline (a simulation's, sent by the server) as Chrome trace JSON.
 *  - `symbols`: indexes `.vps` files of the workspace for workspace symbols (`workspaceFiles.ts`),
 *    one message per file, so a large file is analysed off the server's thread.
 *
 * It lives in `lsp/` rather than beside the trace core because `trace/` must stay free of Node
 * modules (test/trace/layering.test.ts, test/arch/layers.test.ts).
 *
 * Protocol (structured-clone messages; one job per worker):
 *   in : TraceJob
 *   out: { type: 'progress', done, total }                       (bytes of the file read)
 *        { type: 'result', ... AnalyzeOutcome } | { type: 'written', chromeTrace }
 *        { type: 'error', message }
 * Cancellation: the server terminates the worker (`worker.terminate()`); nothing here needs to
 * clean up but a half-written output file, which the server removes.
 */
import { closeSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { chromeTraceStream, toChromeTraceChunks } from '../core/chromeTrace';
import type { Finding } from '../core/findings';
import type { TimelineData } from '../core/timeline';
import { loadTraceFile } from '../io/traceFile';
import { gzipBase64 } from '../io/gzipBase64';
import { documentChunks } from '../report/trace';
import { buildTraceView } from '../report/view';
import { analyzeDocument } from '../model/analyze';
import { traceLinkOptions, type TraceLinkOptions, type ViewDocument } from '../shared/view';
import { analyzeTrace, analyzeTraceParts, documentJsonChunks, renderSummary, type ImportedTrace, type TraceDocument, type TraceSummaryDocument } from '../trace';
import { applyLinks, linkHostGuest, linkSources, type LinkResult } from '../trace/link';
import { scenarioSkeleton } from '../trace/skeleton';
import { indexFiles, type SymbolsJob } from './workspaceFiles';

export interface AnalyzeJob extends TraceLinkOptions {
  type: 'analyze';
  path: string;
  /** The guest's trace, linked to the host's (`vpscope analyze HOST GUEST`). */
  guestPath?: string;
  thresholdUs?: number;
  stealPct?: number;
  /** Documents whose JSON is longer than this (in UTF-16 units, ~bytes) go to a file. */
  inlineLimit: number;
  exportChromeTrace?: string;
  /** Also build the view document. */
  view?: boolean;
  /** Also write a scenario skeleton from what the trace measured (`vpscope analyze --scenario`). */
  skeleton?: boolean;
}

export interface ChromeJob {
  type: 'chrome';
  timeline: TimelineData;
  findings: Finding[];
  omitStates: string[];
  meta: Record<string, string | number>;
  path: string;
}

export type TraceJob = AnalyzeJob | ChromeJob;

export interface WrittenFileInfo {
  path: string;
  bytes: number;
}

export interface AnalyzeOutcome {
  summary: string;
  document?: TraceDocument;
  documentFile?: WrittenFileInfo;
  documentBytes: number;
  chromeTrace?: WrittenFileInfo;
  view?: ViewDocument;
  skeleton?: string;
}

export type TraceWorkerMessage =
  | { type: 'progress'; done: number; total: number }
  | ({ type: 'result' } & AnalyzeOutcome)
  | { type: 'written'; chromeTrace: WrittenFileInfo }
  | { type: 'error'; message: string };

/** Writes string chunks to a file; returns its size in bytes. */
function writeChunks(path: string, chunks: Iterable<string>): number {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new Error(`cannot write ${path}: ${(e as Error).message}`);
  }
  let bytes = 0;
  try {
    for (const c of chunks) bytes += writeSync(fd, c);
  } catch (e) {
    throw new Error(`cannot write ${path}: ${(e as Error).message}`);
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/**
 * The summary and the document: inline (`inline()` gives the object) when its JSON is at most the
 * job's limit, else written to a temporary file.
 */
function documentOutcome(job: AnalyzeJob, summary: string, chunks: string[], inline: () => TraceDocument): AnalyzeOutcome {
  let length = 0;
  for (const c of chunks) length += c.length;
  const result: AnalyzeOutcome = { summary, documentBytes: length };
  if (length > job.inlineLimit) {
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-trace-'));
    const file = join(dir, `${basename(job.path).replace(/\.gz$/, '')}.vpscope-trace.json`);
    result.documentFile = { path: file, bytes: writeChunks(file, chunks) };
    result.documentBytes = result.documentFile.bytes;
  } else {
    result.document = inline();
  }
  return result;
}

/** Reads one trace file; posts the error and answers undefined when nothing can be analysed. */
async function load(path: string, post: (m: TraceWorkerMessage) => void): Promise<ImportedTrace | undefined> {
  let outcome;
  try {
    outcome = await loadTraceFile(path, { onProgress: (done, total) => post({ type: 'progress', done, total: total ?? 0 }) });
  } catch (e) {
    post({ type: 'error', message: `cannot read ${path}: ${(e as Error).message}` });
    return undefined;
  }
  if (outcome.status !== 'ok') {
    post({ type: 'error', message: 'cancelled' });
    return undefined;
  }
  const trace = outcome.trace;
  if (trace.stats.events === 0) {
    const why = trace.stats.warnings[0]?.reason ?? (trace.stats.bytes === 0 ? 'the file is empty' : 'no trace events found');
    post({ type: 'error', message: `nothing could be read from ${path}: ${why}` });
    return undefined;
  }
  return trace;
}

async function analyze(job: AnalyzeJob, post: (m: TraceWorkerMessage) => void): Promise<void> {
  const trace = await load(job.path, post);
  if (!trace) return;
  const options = {
    ...(job.thresholdUs !== undefined ? { runnableStretchUs: job.thresholdUs, wakeLatencyUs: job.thresholdUs } : {}),
    ...(job.stealPct !== undefined ? { stealPct: job.stealPct } : {}),
  };
  // Host and guest (a guest file, or a `trace-cmd report` of several inputs): linked as by the CLI.
  if (job.guestPath !== undefined || trace.sources.length > 2) {
    await analyzeLinked(job, trace, options, post);
    return;
  }
  const doc = analyzeTrace(trace, options);
  const result = documentOutcome(job, renderSummary(doc), [...documentChunks(doc)], () => doc);
  if (job.view) {
    result.view = buildTraceView({
      title: basename(job.path),
      source: job.path,
      origin: { kind: 'trace', path: job.path },
      trace: doc as unknown as Parameters<typeof buildTraceView>[0]['trace'],
      encodeBytes: gzipBase64,
    });
  }
  if (job.skeleton) result.skeleton = scenarioSkeleton(doc);
  if (job.exportChromeTrace) {
    const bytes = writeChunks(
      job.exportChromeTrace,
      toChromeTraceChunks(doc.timeline, { omitStates: ['sleeping', 'idle', 'unknown'], findings: doc.findings, meta: { source: job.path, format: doc.format } }),
    );
    result.chromeTrace = { path: job.exportChromeTrace, bytes };
  }
  post({ type: 'result', ...result });
}

/**
 * `vpscope analyze HOST GUEST` in the worker: both traces analysed with their timelines in
 * columns, linked (trace/link), and every output written from the linked document and timeline.
 */
async function analyzeLinked(job: AnalyzeJob, trace: ImportedTrace, options: { runnableStretchUs?: number; wakeLatencyUs?: number; stealPct?: number }, post: (m: TraceWorkerMessage) => void): Promise<void> {
  const host = analyzeTraceParts(trace, options, { timeline: true, releaseTrace: true });
  const link = traceLinkOptions(job);
  const links: LinkResult[] = [];
  const guestDocs: TraceSummaryDocument[] = [];
  if (job.guestPath !== undefined) {
    const g = await load(job.guestPath, post);
    if (!g) return;
    const gp = analyzeTraceParts(g, options, { timeline: true, releaseTrace: true });
    guestDocs.push(gp.document);
    links.push(linkHostGuest({ doc: host.document, timeline: host.timeline!, name: job.path }, { doc: gp.document, timeline: gp.timeline!, name: job.guestPath }, link));
  } else links.push(...linkSources(host.document, host.timeline!, link));
  const { document: doc, timeline } = applyLinks(host.document, host.timeline!, links, guestDocs);
  const chunks = [...documentJsonChunks(doc, timeline)];
  const result = documentOutcome(job, renderSummary(doc), chunks, () => JSON.parse(chunks.join('')) as TraceDocument);
  const title = job.guestPath !== undefined ? `${basename(job.path)} + ${basename(job.guestPath)}` : basename(job.path);
  if (job.view) {
    result.view = buildTraceView({
      title,
      source: job.path,
      origin: {
        kind: 'trace',
        path: job.path,
        ...(job.guestPath !== undefined ? { guestPath: job.guestPath } : {}),
        ...link,
      },
      trace: doc as unknown as Parameters<typeof buildTraceView>[0]['trace'],
      timeline,
      encodeBytes: gzipBase64,
    });
  }
  if (job.skeleton) result.skeleton = scenarioSkeleton(doc);
  if (job.exportChromeTrace) {
    const bytes = writeChunks(job.exportChromeTrace, chromeTraceStream(timeline, { omitStates: ['sleeping', 'idle', 'unknown'], findings: doc.findings, meta: { source: job.path, format: doc.format } }));
    result.chromeTrace = { path: job.exportChromeTrace, bytes };
  }
  post({ type: 'result', ...result });
}

function chrome(job: ChromeJob, post: (m: TraceWorkerMessage) => void): void {
  const bytes = writeChunks(job.path, toChromeTraceChunks(job.timeline, { omitStates: job.omitStates, findings: job.findings, meta: job.meta }));
  post({ type: 'written', chromeTrace: { path: job.path, bytes } });
}

if (parentPort) {
  const port = parentPort;
  const post = (m: TraceWorkerMessage) => port.postMessage(m);
  port.once('message', (job: TraceJob | SymbolsJob) => {
    if (job.type === 'symbols') {
      // Workspace files are only read for their names: no hazard checks.
      indexFiles(job, (text) => analyzeDocument(text, { uri: '', hazards: false }), (m) => port.postMessage(m));
      return;
    }
    const run = async () => (job.type === 'analyze' ? analyze(job, post) : chrome(job, post));
    run().catch((e: unknown) => post({ type: 'error', message: (e as Error)?.message ?? String(e) }));
  });
}
