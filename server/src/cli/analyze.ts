/**
 * `vpscope analyze TRACE`: imports a real trace (tracefs text, trace-cmd report text, Chrome
 * JSON; gzip transparently), reconstructs scheduling, prints a summary and the findings, and
 * optionally writes the `vpscope.trace/1` JSON, a Chrome trace for Perfetto, a scenario
 * skeleton, and a self-contained HTML report with the timeline view. Exit codes: 0 loaded (even
 * with warnings), 2 bad usage or nothing could be read.
 */
import { chromeTraceStream } from '../core/chromeTrace';
import { loadTraceFile } from '../io/traceFile';
import { analyzeTraceParts, documentJsonChunks, renderSummary, type ImportedTrace } from '../trace';
import type { TraceFormat } from '../trace/detect';
import { scenarioSkeleton } from '../trace/skeleton';
import { createProgress } from './progress';
import { outputConflict, parseCommand, terminalSafe, usageError, writeChunks, writeOut, type CommandIO } from './common';
import { basename } from 'node:path';
import { buildTraceView } from '../report/view';
import { gzipBase64 } from '../io/gzipBase64';
import { loadWebviewAssets, writeHtmlReport, type WebviewAssets } from '../io/htmlReport';

const USAGE = `Usage: vpscope analyze TRACE [options]

Imports a scheduling trace of a host running VMs and reports per-vCPU running / runnable (steal)
time, preemptions and who took the CPU, wake-up latencies, VM exits, and findings (VPS331-VPS365).

TRACE is tracefs text (/sys/kernel/tracing/trace), 'trace-cmd report' text (also -R and several
input files), a trace-cmd .dat file (v6/v7, zstd or zlib), 'perf script' text of sched:/kvm:
tracepoints (recorded with -a), or Chrome trace JSON; gzip-compressed
files are read directly. TRACE '-' reads standard input ('trace-cmd report | vpscope analyze -').

Options:
  --json               print the vpscope.trace/1 JSON document instead of the text summary
  --out F.json         also write the JSON document to F.json
  --chrome-trace F     write the timeline as Chrome trace JSON (open it in Perfetto): real
                       pids/tids, wake-up arrows, runnable-vCPU and steal counters per VM (a
                       trace defines no CPU pools), findings
  --scenario F.vps     write a scenario skeleton with what the trace measured
  --html F.html        write a self-contained HTML report (timeline view with the findings on
                       their lanes); opens offline in a browser
  --threshold-us N     report preempted waits and wake-up latencies longer than N us (default 1000)
  --steal-pct N        report vCPUs whose steal exceeds N% of their demand (default 10)
  --format F           skip detection: tracefs | trace-cmd | perf-script | chrome-json
  --max-warnings N     warning samples kept in the JSON (default 100; all are counted)
  -h, --help           show this help`;

export type { CommandIO } from './common';

function positiveNumber(v: string | undefined, name: string): number | undefined | Error {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) return new Error(`${name} must be a positive number, got '${v}'`);
  return n;
}

export async function main(args: string[], io: CommandIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const fail = (msg: string): number => usageError('analyze', USAGE, msg, io);
  const parsed = parseCommand(
    'analyze',
    USAGE,
    args,
    {
      json: { type: 'boolean' },
      out: { type: 'string' },
      'chrome-trace': { type: 'string' },
      scenario: { type: 'string' },
      html: { type: 'string' },
      'threshold-us': { type: 'string' },
      'steal-pct': { type: 'string' },
      format: { type: 'string' },
      'max-warnings': { type: 'string' },
    },
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values: v, positionals } = parsed;
  if (positionals.length !== 1) return fail(positionals.length ? `expected one TRACE, got ${positionals.length}` : 'missing TRACE');
  const threshold = positiveNumber(v['threshold-us'], '--threshold-us');
  const steal = positiveNumber(v['steal-pct'], '--steal-pct');
  const maxWarnings = positiveNumber(v['max-warnings'], '--max-warnings');
  for (const x of [threshold, steal, maxWarnings]) if (x instanceof Error) return fail(x.message);
  const formats = ['tracefs', 'trace-cmd', 'perf-script', 'chrome-json'];
  if (v.format !== undefined && !formats.includes(v.format)) return fail(`--format must be one of ${formats.join(', ')}`);
  const file = positionals[0];
  const conflict = outputConflict(
    [{ what: 'TRACE', path: file }],
    [
      { what: '--out', path: v.out },
      { what: '--chrome-trace', path: v['chrome-trace'] },
      { what: '--scenario', path: v.scenario },
      { what: '--html', path: v.html },
    ],
  );
  if (conflict) {
    io.stderr.write(`vpscope analyze: ${terminalSafe(conflict)}\n`);
    return 2;
  }
  let assets: WebviewAssets | undefined;
  if (v.html) {
    try {
      assets = loadWebviewAssets();
    } catch (e) {
      io.stderr.write(terminalSafe(`vpscope analyze: cannot write ${v.html}: ${(e as Error).message}\n`));
      return 2;
    }
  }

  const progress = io.stderr === process.stderr ? createProgress('reading') : { update() {}, done() {} };
  let outcome;
  try {
    outcome = await loadTraceFile(file, {
      format: v.format as TraceFormat | undefined,
      maxWarningSamples: maxWarnings as number | undefined,
      onProgress: (done, total) => progress.update(total ? done / total : 0, `${(done / 1e6).toFixed(0)} MB`),
    });
  } catch (e) {
    progress.done();
    io.stderr.write(terminalSafe(`vpscope analyze: cannot read ${file}: ${(e as Error).message}\n`));
    return 2;
  } finally {
    progress.done();
  }
  if (outcome.status !== 'ok') return 2; // no cancellation source in the CLI; kept for the type
  let trace: ImportedTrace | undefined = outcome.trace;
  outcome = undefined;
  if (trace.stats.events === 0) {
    const why = trace.stats.warnings[0]?.reason ?? (trace.stats.bytes === 0 ? 'the file is empty' : 'no trace events found');
    io.stderr.write(terminalSafe(`vpscope analyze: nothing could be read from ${file}: ${why}\n`));
    return 2;
  }

  // The timeline (about one interval per event) is kept only for the outputs that contain it,
  // and then in columns: the JSON and Chrome writers stream it lane by lane.
  const withTimeline = Boolean(v.json || v.out || v['chrome-trace'] || v.html);
  const { document: doc, timeline } = analyzeTraceParts(
    trace,
    {
      ...(threshold !== undefined ? { runnableStretchUs: threshold as number, wakeLatencyUs: threshold as number } : {}),
      ...(steal !== undefined ? { stealPct: steal as number } : {}),
    },
    { timeline: withTimeline, releaseTrace: true },
  );
  trace = undefined; // released while analysed; nothing below reads it

  try {
    if (v.out) await writeChunks(v.out, documentJsonChunks(doc, timeline!));
    if (v['chrome-trace']) {
      await writeChunks(
        v['chrome-trace'],
        chromeTraceStream(timeline!, { omitStates: ['sleeping', 'idle', 'unknown'], findings: doc.findings, meta: { source: file, format: doc.format } }),
      );
    }
    if (v.scenario) await writeChunks(v.scenario, [scenarioSkeleton(doc)]);
    if (v.html && assets) {
      const view = buildTraceView({ title: basename(file), source: file, trace: doc, timeline: timeline!, encodeBytes: gzipBase64 });
      await writeHtmlReport(v.html, view, assets);
    }
  } catch (e) {
    io.stderr.write(terminalSafe(`vpscope analyze: cannot write output: ${(e as Error).message}\n`));
    return 2;
  }
  if (v.json) await writeOut(io.stdout, documentJsonChunks(doc, timeline!));
  else io.stdout.write(terminalSafe(renderSummary(doc)));
  return 0;
}

// The JSON text is shared with the language server's trace worker.
export { documentChunks } from '../report/trace';
