/**
 * `vpscope analyze TRACE`: imports a real trace (tracefs text, trace-cmd report text, Chrome
 * JSON; gzip transparently), reconstructs scheduling, prints a summary and the findings, and
 * optionally writes the `vpscope.trace/1` JSON, a Chrome trace for Perfetto, a scenario
 * skeleton, and a self-contained HTML report with the timeline view. Exit codes: 0 loaded (even
 * with warnings), 2 bad usage or nothing could be read.
 */
import { chromeTraceStream } from '../core/chromeTrace';
import { loadTraceFile } from '../io/traceFile';
import { analyzeTraceParts, documentJsonBytes, documentJsonChunks, renderSummary, type ImportedTrace } from '../trace';
import type { TraceFormat } from '../trace/detect';
import { scenarioSkeleton } from '../trace/skeleton';
import { createProgress } from './progress';
import { outputConflict, parseCommand, takesBytes, terminalSafe, usageError, writeChunks, writeOut, type CommandIO } from './common';
import { basename } from 'node:path';
import { buildTraceView } from '../report/view';
import { gzipBase64 } from '../io/gzipBase64';
import { loadWebviewAssets, writeHtmlReport, type WebviewAssets } from '../io/htmlReport';
import { applyLinks, linkHostGuest, linkSources, TRACE_CLOCKS, type LinkOptions, type LinkResult } from '../trace/link';
import type { TimelineSource } from '../core/timeline';
import { clipLabel } from '../core/text';
import { sameFile } from '../io/outputs';
import type { TraceSummaryDocument } from '../trace/schema';

const USAGE = `Usage: vpscope analyze TRACE [GUEST_TRACE] [options]

Imports a scheduling trace of a host running VMs and reports per-vCPU running / runnable (steal)
time, preemptions and who took the CPU, wake-up latencies, VM exits, and findings (VPS331-VPS365).

TRACE is tracefs text (/sys/kernel/tracing/trace), 'trace-cmd report' text (also -R and several
input files), a trace-cmd .dat file (v6/v7, zstd or zlib), 'perf script' text of sched:/kvm:
tracepoints (recorded with -a), or Chrome trace JSON; gzip-compressed
files are read directly. TRACE '-' reads standard input ('trace-cmd report | vpscope analyze -').

Host and guest: with GUEST_TRACE (the guest's own scheduling trace, any of the formats above), or
a 'trace-cmd report' of a host and a guest file, guest CPUs are linked to the host's vCPU threads
and put on the host's time axis: guest threads frozen by host preemptions and who took the pCPU,
lock-holder preemption suspected, steal the guest felt vs the host measured (VPS340-VPS344). The
summary and the JSON say how CPUs were mapped and how time was aligned (time-sync data, the
host's kvm_write_tsc_offset events when both traces use the x86-tsc clock, the same clock when
the events agree, else an estimated offset) and how many guest events disagree.

Options:
  --json               print the vpscope.trace/1 JSON document instead of the text summary
  --out F.json         also write the JSON document to F.json
  --chrome-trace F     write the timeline as Chrome trace JSON (open it in Perfetto): real
                       pids/tids, wake-up arrows, runnable-vCPU and steal counters per VM (a
                       trace defines no CPU pools), findings
  --scenario F.vps     write a scenario skeleton with what the trace measured
  --html F.html        write a self-contained HTML report (timeline view with the findings on
                       their lanes); opens offline in a browser
  --no-derived-tracks  the HTML report opens with the derived counter tracks (runnable vCPUs,
                       steal per VM) hidden; its "Derived tracks" toggle shows them
  --threshold-us N     report preempted waits and wake-up latencies longer than N us (default 1000)
  --steal-pct N        report vCPUs whose steal exceeds N% of their demand (default 10)
  --format F           skip detection: tracefs | trace-cmd | perf-script | chrome-json
  --max-warnings N     warning samples kept in the JSON (default 100; all are counted)
  --guest-offset-ns N  host time = guest time + N (skips the time alignment)
  --guest-vcpus MAP    guest CPU -> host vCPU thread id, e.g. 0=1834,1=1835 (skips the mapping)
  --host-clock C       the trace clock the host trace was recorded with (text traces do not say
  --guest-clock C      it; a .dat does): x86-tsc lets the host's kvm_write_tsc_offset events
                       align the guest; local, global, mono, boot... are accepted and mean not TSC
  -h, --help           show this help`;

export type { CommandIO } from './common';

/** ftrace's trace clocks (Documentation/trace/ftrace.rst, trace_clock), and `tsc` for x86-tsc. */

/** Guest CPUs `--guest-vcpus` may name: below the trace readers' CPU bound (ftrace and dat importers, 8,192). */
const GUEST_VCPUS_MAX_CPUS = 8192;
/** Largest host thread id `--guest-vcpus` may name: pid_t is a signed 32-bit number. */
const GUEST_VCPUS_MAX_TID = 0x7fffffff;

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
      'no-derived-tracks': { type: 'boolean' },
      'threshold-us': { type: 'string' },
      'steal-pct': { type: 'string' },
      format: { type: 'string' },
      'max-warnings': { type: 'string' },
      'guest-offset-ns': { type: 'string' },
      'guest-vcpus': { type: 'string' },
      'host-clock': { type: 'string' },
      'guest-clock': { type: 'string' },
    },
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values: v, positionals } = parsed;
  if (positionals.length < 1 || positionals.length > 2) return fail(positionals.length ? `expected TRACE and at most one GUEST_TRACE, got ${positionals.length} files` : 'missing TRACE');
  if (positionals.length === 2 && positionals[0] === '-' && positionals[1] === '-') return fail('only one of TRACE and GUEST_TRACE can be standard input (-)');
  const link: LinkOptions = {};
  if (v['guest-offset-ns'] !== undefined) {
    const n = Number(v['guest-offset-ns']);
    if (!/^\s*[-+]?\d+\s*$/.test(v['guest-offset-ns']) || !Number.isSafeInteger(n)) return fail(`--guest-offset-ns must be an integer number of ns, got '${v['guest-offset-ns']}'`);
    link.guestOffsetNs = n;
  }
  if (v['guest-vcpus'] !== undefined) {
    const map: Record<number, number> = {};
    const cpuOfThread = new Map<number, number>();
    for (const part of v['guest-vcpus'].split(',')) {
      const m = /^\s*(\d+)\s*=\s*(\d+)\s*$/.exec(part);
      if (!m) return fail(`--guest-vcpus must look like 0=1834,1=1835 (guest CPU = host thread id), got '${part}'`);
      // Past these the number was rounded and echoed (0=99999999999999999999 linked thread 1e20).
      if (Number(m[1]) >= GUEST_VCPUS_MAX_CPUS) return fail(`--guest-vcpus: guest CPU ${clipLabel(m[1])} out of range (guest CPUs are 0-${GUEST_VCPUS_MAX_CPUS - 1}, as in the trace readers)`);
      if (Number(m[2]) > GUEST_VCPUS_MAX_TID) return fail(`--guest-vcpus: host thread id ${clipLabel(m[2])} out of range (at most ${GUEST_VCPUS_MAX_TID}, the largest pid_t)`);
      // A CPU given twice kept the last thread without a word (0=1779,0=1780 linked CPU 0 to 1780).
      if (Number(m[1]) in map) return fail(`--guest-vcpus maps guest CPU ${Number(m[1])} twice`);
      // One vCPU is one host thread: two guest CPUs on one thread is a typo, not a layout.
      const other = cpuOfThread.get(Number(m[2]));
      if (other !== undefined) return fail(`--guest-vcpus maps guest CPUs ${other} and ${Number(m[1])} to the same host thread ${Number(m[2])} (each vCPU has its own thread)`);
      map[Number(m[1])] = Number(m[2]);
      cpuOfThread.set(Number(m[2]), Number(m[1]));
    }
    link.guestVcpus = map;
  }
  for (const [opt, key] of [['host-clock', 'hostClock'], ['guest-clock', 'guestClock']] as const) {
    const c = v[opt];
    if (c === undefined) continue;
    if (!TRACE_CLOCKS.includes(c)) return fail(`--${opt} must be a trace clock (${TRACE_CLOCKS.join(', ')}), got '${c}'`);
    link[key] = c;
  }
  const threshold = positiveNumber(v['threshold-us'], '--threshold-us');
  const steal = positiveNumber(v['steal-pct'], '--steal-pct');
  const maxWarnings = positiveNumber(v['max-warnings'], '--max-warnings');
  for (const x of [threshold, steal, maxWarnings]) if (x instanceof Error) return fail(x.message);
  const formats = ['tracefs', 'trace-cmd', 'perf-script', 'chrome-json'];
  if (v.format !== undefined && !formats.includes(v.format)) return fail(`--format must be one of ${formats.join(', ')}`);
  const file = positionals[0];
  const guestFile: string | undefined = positionals[1];
  if (guestFile !== undefined && sameFile(file, guestFile)) {
    io.stderr.write(`vpscope analyze: ${terminalSafe(`GUEST_TRACE ${clipLabel(guestFile)} is the same file as TRACE ${clipLabel(file)}: the guest's trace must be another file than the host's`)}\n`);
    return 2;
  }
  const conflict = outputConflict(
    [{ what: 'TRACE', path: file }, ...(guestFile !== undefined ? [{ what: 'GUEST_TRACE', path: guestFile }] : [])],
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

  // The timeline (about one interval per event) is kept only for the outputs that contain it,
  // and then in columns: the JSON and Chrome writers stream it lane by lane.
  const withTimeline = Boolean(v.json || v.out || v['chrome-trace'] || v.html);
  const analysisOptions = {
    ...(threshold !== undefined ? { runnableStretchUs: threshold as number, wakeLatencyUs: threshold as number } : {}),
    ...(steal !== undefined ? { stealPct: steal as number } : {}),
  };
  // Without a guest trace and an output drawing wake-up arrows, a text trace is reconstructed
  // while it is read (no table of its rows; see loadTraceFile), its timeline too when kept.
  const whileReading = v['chrome-trace'] || v.html || guestFile !== undefined ? undefined : analysisOptions;
  const load = async (path: string): Promise<ImportedTrace | number> => {
    const progress = io.stderr === process.stderr ? createProgress(guestFile !== undefined ? `reading ${basename(path)}` : 'reading') : { update() {}, done() {} };
    let outcome;
    try {
      outcome = await loadTraceFile(path, {
        format: v.format as TraceFormat | undefined,
        maxWarningSamples: maxWarnings as number | undefined,
        reconstructWhileReading: whileReading,
        reconstructTimeline: withTimeline,
        onProgress: (done, total) => progress.update(total ? done / total : 0, `${(done / 1e6).toFixed(0)} MB`),
      });
    } catch (e) {
      progress.done();
      io.stderr.write(terminalSafe(`vpscope analyze: cannot read ${path}: ${(e as Error).message}\n`));
      return 2;
    } finally {
      progress.done();
    }
    if (outcome.status !== 'ok') return 2; // no cancellation source in the CLI; kept for the type
    const t = outcome.trace;
    if (t.stats.events === 0) {
      const why = t.stats.warnings[0]?.reason ?? (t.stats.bytes === 0 ? 'the file is empty' : 'no trace events found');
      io.stderr.write(terminalSafe(`vpscope analyze: nothing could be read from ${path}: ${why}\n`));
      return 2;
    }
    return t;
  };
  const loaded = await load(file);
  if (typeof loaded === 'number') return loaded;
  let trace: ImportedTrace | undefined = loaded;

  // Linking host and guest reads both timelines, whatever the outputs.
  const multiSource = trace.sources.length > 2;
  const linking = guestFile !== undefined || multiSource;
  // Wake-up arrows only for the outputs that draw them (the Chrome trace, the HTML view) and the
  // linking; the JSON document has none.
  const wakes = Boolean(v['chrome-trace'] || v.html) || linking;
  const hostParts = analyzeTraceParts(trace, analysisOptions, { timeline: withTimeline || linking, releaseTrace: true, wakes });
  trace = undefined; // released while analysed; nothing below reads it
  let doc: TraceSummaryDocument = hostParts.document;
  let timeline: TimelineSource | undefined = hostParts.timeline;
  if (linking) {
    const links: LinkResult[] = [];
    const guestDocs: TraceSummaryDocument[] = [];
    if (guestFile !== undefined) {
      const g = await load(guestFile);
      if (typeof g === 'number') return g;
      const gp = analyzeTraceParts(g, analysisOptions, { timeline: true, releaseTrace: true });
      guestDocs.push(gp.document);
      links.push(linkHostGuest({ doc, timeline: timeline!, name: file }, { doc: gp.document, timeline: gp.timeline!, name: guestFile }, link));
    } else links.push(...linkSources(doc, timeline!, link));
    const applied = applyLinks(doc, timeline, links, guestDocs);
    doc = applied.document;
    timeline = withTimeline ? applied.timeline : undefined;
  }

  try {
    if (v.out) await writeChunks(v.out, documentJsonBytes(doc, timeline!, { reuse: true }), true);
    if (v['chrome-trace']) {
      await writeChunks(
        v['chrome-trace'],
        chromeTraceStream(timeline!, { omitStates: ['sleeping', 'idle', 'unknown'], findings: doc.findings, meta: { source: file, format: doc.format } }),
      );
    }
    if (v.scenario) await writeChunks(v.scenario, [scenarioSkeleton(doc)]);
    if (v.html && assets) {
      const view = buildTraceView({ title: basename(file), source: file, trace: doc, timeline: timeline!, encodeBytes: gzipBase64 });
      await writeHtmlReport(v.html, view, assets, v['no-derived-tracks'] ? { derivedTracks: false } : undefined);
    }
  } catch (e) {
    io.stderr.write(terminalSafe(`vpscope analyze: cannot write output: ${(e as Error).message}\n`));
    return 2;
  }
  // Bytes written one piece at a time from one reused buffer: a copy per piece (about 480 of
  // them, 229 MB, for a 300 MB `.dat`) was garbage that piled up to 10-45 MB above the analysis'
  // peak in some runs before a collection.
  if (v.json) await writeOut(io.stdout, takesBytes(io.stdout) ? documentJsonBytes(doc, timeline!, { reuse: true }) : documentJsonChunks(doc, timeline!), takesBytes(io.stdout));
  else io.stdout.write(terminalSafe(renderSummary(doc)));
  return 0;
}

// The JSON text is shared with the language server's trace worker.
export { documentChunks } from '../report/trace';
