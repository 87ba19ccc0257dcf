/**
 * Public API of the trace layer: plain data in, plain data out. The CLI and (later) the editor
 * call these; nothing here touches files, processes or the clock.
 *
 *     const outcome = await importTrace(chunks, { fileName, totalBytes, onProgress, signal });
 *     if (outcome.status === 'ok') {
 *       const doc = analyzeTrace(outcome.trace, { runnableStretchUs: 500 });
 *     }
 *
 * Invariant: nothing under trace/ imports node modules, reads the clock or touches `process`.
 */
import type { TimelineBuilder, TimelineSource } from '../core/timeline';
import { traceFindings } from './analysis';
import { cpuDocs, loadDocs, statsDoc, threadDocs, tscOffsetDocs, vmDocs } from './document';
import { identifyVcpus } from './identify';
import type { ImportedTrace } from './importer';
import { withDefaults, type AnalysisOptions } from './options';
import { analyzeChrome } from './reconstruct/chrome';
import { counterSeries } from './reconstruct/chromeCounters';
import { reconstruct, startReconstruct, type SchedResult } from './reconstruct/sched';
import { TRACE_SCHEMA, TRACE_SCHEMA_FILE, type TraceDocument, type TraceSummaryDocument } from './schema';

export { TraceImporter, importTrace, type ImportedTrace, type ImportOutcome, type ImportRunOptions, type CancelToken } from './importer';
export { DEFAULT_OPTIONS, type AnalysisOptions } from './options';
export { TRACE_SCHEMA, TRACE_SCHEMA_FILE, type TraceDocument, type TraceSummaryDocument } from './schema';
export { renderSummary } from './summary';
export { documentJsonBytes, documentJsonChunks } from './json';

/** What {@link analyzeTraceParts} returns. */
export interface TraceAnalysis {
  /** Everything but the timeline. */
  document: TraceSummaryDocument;
  /**
   * The timeline with its lanes still in typed arrays (undefined unless asked for): serialise it
   * with `documentJsonChunks` or core/chromeTrace's `chromeTraceStream`.
   */
  timeline: TimelineSource | undefined;
}

/** Reconstructs scheduling, builds the document and its findings. */
export function analyzeTrace(trace: ImportedTrace, options: Partial<AnalysisOptions> = {}): TraceDocument {
  const r = analyze(trace, options, true, false);
  return { ...r.document, timeline: r.timeline.build(r.startNs, r.endNs) };
}

/**
 * {@link analyzeTrace} for large inputs: the document without its timeline, and the timeline
 * only when `parts.timeline` is set, and then in columns rather than as number arrays (which
 * take about as much memory as a trace has events). Without a timeline the reconstruction
 * records no intervals at all: the text summary and the findings need none.
 */
export function analyzeTraceParts(
  trace: ImportedTrace,
  options: Partial<AnalysisOptions> = {},
  parts: {
    timeline: boolean;
    /**
     * Release the trace's event rows as the reconstruction reads them, so they and the timeline
     * are not both in memory at their full size; the trace cannot be analysed again.
     */
    releaseTrace?: boolean;
    /**
     * False: the timeline records no wake-up arrows (`wakes`, read by the Chrome export, the HTML
     * view and the host-guest linking; not part of the JSON document). Default true.
     */
    wakes?: boolean;
  },
): TraceAnalysis {
  const r = analyze(trace, options, parts.timeline, parts.releaseTrace ?? false, parts.wakes ?? true);
  return { document: r.document, timeline: parts.timeline ? r.timeline.source(r.startNs, r.endNs) : undefined };
}

function analyze(
  trace: ImportedTrace,
  options: Partial<AnalysisOptions>,
  keepTimeline: boolean,
  release: boolean,
  wakes = true,
): { document: TraceSummaryDocument; timeline: TimelineBuilder; startNs: number; endNs: number } {
  const opts = withDefaults(options);
  if (trace.chrome) {
    const c = analyzeChrome(trace.chrome, trace.stats, opts);
    const statsAfter = statsDoc(trace); // nested-slice counters are raised during the analysis
    const window = { startNs: c.startNs, endNs: c.endNs, durationNs: c.endNs - c.startNs };
    const findings = traceFindings({ threads: c.threads, vms: c.vms, load: [], stats: statsAfter, window, hasSchedData: c.hasStates }, opts);
    const document: TraceSummaryDocument = {
      $schema: TRACE_SCHEMA_FILE,
      schema: TRACE_SCHEMA,
      file: trace.fileName,
      format: trace.format,
      formatDetail: trace.formatDetail,
      options: opts,
      stats: statsAfter,
      window,
      threads: c.threads,
      vms: c.vms,
      cpus: c.cpus,
      load: [],
      findings,
    };
    const counters = counterSeries(trace.chrome, c.endNs, (pid) => trace.chrome!.processNames.get(pid) ?? `pid:${pid}`);
    if (counters.series.length) document.counters = counters.series;
    if (counters.omitted) document.countersOmitted = counters.omitted;
    return { document, timeline: c.timeline, startNs: c.startNs, endNs: c.endNs };
  }
  const ident = identifyVcpus(trace.threads.list, (t) => (t.comm >= 0 ? trace.events.comms.name(t.comm) : ''), trace.sources);
  if (trace.reconstructedLost) throw new Error('the trace was read without its rows (reconstructedLost): import it again');
  if (trace.reconstructed && keepTimeline && !trace.reconstructed.timeline) throw new Error('a trace reconstructed while read has no timeline');
  if (trace.reconstructed && keepTimeline && wakes) throw new Error('a trace reconstructed while read has no wake-up arrows');
  const r = trace.reconstructed
    ? trace.reconstructed.finishWith(ident)
    : trace.replay
      ? replayed(trace, trace.replay, ident, opts, keepTimeline, wakes)
      : reconstruct(trace, ident, opts, { timeline: keepTimeline, release, wakes });
  const statsAfter = statsDoc(trace); // the reconstruction adds inference counters
  const threads = threadDocs(trace, ident, r);
  const vms = vmDocs(trace, ident, threads, r);
  const load = loadDocs(trace, r);
  const window = { startNs: r.startNs, endNs: r.endNs, durationNs: r.endNs - r.startNs };
  const findings = traceFindings({ threads, vms, load, stats: statsAfter, window, hasSchedData: r.switches > 0 }, opts);
  const document: TraceSummaryDocument = {
    $schema: TRACE_SCHEMA_FILE,
    schema: TRACE_SCHEMA,
    file: trace.fileName,
    format: trace.format,
    formatDetail: trace.formatDetail,
    options: opts,
    stats: statsAfter,
    window,
    threads,
    vms,
    cpus: cpuDocs(trace, r),
    load,
    findings,
  };
  const tsc = tscOffsetDocs(trace);
  if (tsc.length) document.tscOffsets = tsc;
  return { document, timeline: r.timeline, startNs: r.startNs, endNs: r.endNs };
}

/**
 * The reconstruction of a trace read in two passes: its rows decoded again and replayed block by
 * block, each block released once read (the trace can still be analysed again: the replay reads
 * the file anew). A file that changed between the two reads is said so in the warnings.
 */
function replayed(
  trace: ImportedTrace,
  replay: NonNullable<ImportedTrace['replay']>,
  ident: ReturnType<typeof identifyVcpus>,
  opts: ReturnType<typeof withDefaults>,
  timeline: boolean,
  wakes: boolean,
): SchedResult {
  const rec = startReconstruct(trace, ident, opts, { timeline, wakes });
  const n = replay((rows, bi, len) => {
    rec.block(rows, bi, len);
    rows.releaseBlock(bi);
  });
  if (n !== trace.events.length) {
    trace.stats.count('input_error');
    trace.stats.warn(0, 0, `the file changed while it was read: ${n} events the second time, ${trace.events.length} the first (the analysis used the second)`);
  }
  return rec.finish();
}
