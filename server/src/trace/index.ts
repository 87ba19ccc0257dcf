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
import { traceFindings } from './analysis';
import { cpuDocs, loadDocs, statsDoc, threadDocs, vmDocs } from './document';
import { identifyVcpus } from './identify';
import type { ImportedTrace } from './importer';
import { withDefaults, type AnalysisOptions } from './options';
import { analyzeChrome } from './reconstruct/chrome';
import { reconstruct } from './reconstruct/sched';
import { TRACE_SCHEMA, type TraceDocument } from './schema';

export { TraceImporter, importTrace, type ImportedTrace, type ImportOutcome, type ImportRunOptions, type CancelToken } from './importer';
export { DEFAULT_OPTIONS, type AnalysisOptions } from './options';
export { TRACE_SCHEMA, type TraceDocument } from './schema';
export { renderSummary } from './summary';

/** Reconstructs scheduling, builds the document and its findings. */
export function analyzeTrace(trace: ImportedTrace, options: Partial<AnalysisOptions> = {}): TraceDocument {
  const opts = withDefaults(options);
  if (trace.chrome) {
    const c = analyzeChrome(trace.chrome, trace.stats, opts);
    const statsAfter = statsDoc(trace); // nested-slice counters are raised during the analysis
    const window = { startNs: c.startNs, endNs: c.endNs, durationNs: c.endNs - c.startNs };
    const findings = traceFindings({ threads: c.threads, vms: c.vms, load: [], stats: statsAfter, window, hasSchedData: c.hasStates }, opts);
    return {
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
      timeline: c.timeline.build(c.startNs, c.endNs),
    };
  }
  const ident = identifyVcpus(trace.threads.list, (t) => (t.comm >= 0 ? trace.events.comms.name(t.comm) : ''), trace.sources);
  const r = reconstruct(trace, ident, opts);
  const statsAfter = statsDoc(trace); // the reconstruction adds inference counters
  const threads = threadDocs(trace, ident, r);
  const vms = vmDocs(trace, ident, threads, r);
  const load = loadDocs(trace, r);
  const window = { startNs: r.startNs, endNs: r.endNs, durationNs: r.endNs - r.startNs };
  const findings = traceFindings({ threads, vms, load, stats: statsAfter, window, hasSchedData: r.switches > 0 }, opts);
  return {
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
    timeline: r.timeline.build(r.startNs, r.endNs),
  };
}
