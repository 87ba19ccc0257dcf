/**
 * `vpscope simulate FILE [--variant NAME | --all-variants] [--seed N] [--json] [--out F.json]
 * [--chrome-trace F.json] [--html F.html] [--max-events N] [--wall-ms N] [--timeline]`: checks the scenario like
 * `vpscope check`, then runs the deterministic simulation of the base (or the chosen variants)
 * and prints a summary (default), or `vpscope.run/1` JSON. With `--seeds N` (N > 1),
 * `--seed-list` or `--sweep`, the runs of every (point, variant, seed) go to a pool of sim workers
 * and the aggregate is printed instead (`seeds.ts`, `vpscope.seeds/1`).
 *
 * Exit status: 0 simulated (findings allowed; also when a budget stopped it), 1 the scenario has
 * errors (printed like `check`), 2 bad usage, an unreadable file or an unwritable / conflicting
 * output, 130 interrupted (Ctrl-C). The wall budget (`--wall-ms`, else the scenario's
 * `wall_limit`) and Ctrl-C are enforced here, around the sim worker: the core never reads a clock.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { clipLabel, LineIndex } from '../core/text';
import { chromePools, chromeTraceStream } from '../core/chromeTrace';
import { analyzeDocument } from '../model/analyze';
import { mergedTimelineSource, renderSummary, runJsonChunks, toRunJson, type NotRun } from '../report/simulation';
import { simulateAllWithFindings } from '../analysis/run';
import type { VariantResult } from '../sim/result';
import { buildSimulationView } from '../report/view';
import { gzipBase64 } from '../io/gzipBase64';
import { loadWebviewAssets, writeHtmlReport } from '../io/htmlReport';
import { renderText } from './format';
import { createProgress } from './progress';
import { displayPath, ioReason, outputConflict, parseCommand, readScenarioText, terminalSafe, usageError, usageText, writeChunks, writeOut, simWorkerScript } from './common';
import type { SimRunRequest } from '../sim/worker';
import { outputReserve } from '../sim/reserve';
import { fmtNs } from '../core/format';
import { MAX_TIMELINE_INTERVALS } from '../sim/record';
import { unpackLaneIntervals } from '../sim/laneTransfer';
import { checkSweepPath, crossProblem, crossSize, fileRunPlan, parseSweep, type SweepSpec } from '../model/sweep';
import { defaultJobs, startWorkers, type StartedWorkers } from '../io/simPool';
import { runSeeds } from './seeds';
import { seedRange } from '../report/seeds';

// The JSON document and the text summary are shared with the language server.
export { mergeTimelines, renderSummary, runJsonChunks, toRunJson } from '../report/simulation';

const USAGE = `Usage: vpscope simulate FILE [options]

Runs the deterministic simulation of a scenario (.vps): the base, one variant, or all of them,
and reports latency percentiles per task, per-VM shares, steal, stalls (with their source line),
findings (VPS3xx) and counters. FILE '-' reads standard input, shown as <stdin>.

Options:
  --variant NAME        simulate this variant (the base is named 'base'); repeatable
  --all-variants        simulate the base and every variant, and compare them
  --seed N              override the scenario's seed
  --json                print vpscope.run/1 JSON instead of the text summary
  --out F.json          write vpscope.run/1 JSON to F.json
  --chrome-trace F.json write the timelines as Chrome trace JSON (Perfetto, chrome://tracing)
  --timeline            include the timelines in the JSON output
  --html F.html         write a self-contained HTML report (timeline view of every simulated
                        variant, latency charts, stalls, findings); opens offline in a browser
  --no-derived-tracks   the HTML report opens with the derived counter tracks (runnable vCPUs,
                        steal per VM and pool) hidden; its "Derived tracks" toggle shows them
  --max-events N        stop each run after N engine events
  --wall-ms N           wall-clock budget for the whole command (default: the scenario's wall_limit;
                        with --seeds/--sweep, the scenario's wall_limit applies to each run); the
                        run stops early enough to leave time for the outputs asked for
  --seeds N             run each selected variant with N seeds (the base seed, +1, ...) and report
                        every metric as a mean with a 95% Student-t interval; variants are
                        compared with Welch's t-test (prints vpscope.seeds/1 JSON with --json)
  --seed-list A,B,...   the same with these seeds
  --sweep 'PATH=VALUES' run every value of a setting (crossed with variants and seeds), instead
                        of the file's \`sweep\` if it has one: PATH as
                        'vm web.vcpus', 'host.pcpus', 'host.load noise.threads',
                        'vm store.openhcl.task nvme.rate'; VALUES as '1,2,4' or '2..16 step 2';
                        repeatable: several settings run every combination of their values
                        (the first varies slowest), at most 1000 points
  --no-sweep            ignore the file's \`sweep\` statement (its \`seeds\` still apply; add
                        --seeds 1 for one run)
  --jobs N              worker threads for --seeds/--sweep (default: one per core)
  -h, --help            show this help

N is written in digits and may end in k, M or G (x1,000, x1,000,000, x1,000,000,000): '--max-events
50M', '--wall-ms 2.5k'.

Ctrl-C stops the run within a second and prints what was simulated (exit 130). A stop by
--wall-ms keeps what ran; variants it kept from starting are listed as not run (in the text,
and as 'notRun' in the JSON).

Exit status: 0 simulated (also when stopped by a budget), 1 the scenario has errors, 2 bad usage,
unreadable file or unwritable output (an output naming the input or another output is refused),
130 interrupted by Ctrl-C.`;

const fail = (msg: string): number => usageError('simulate', USAGE, msg);

function parseCount(v: string | undefined, name: string): number | undefined | string {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)([kMG]?)$/.exec(v.trim());
  if (!m) return `--${name} expects a number written in digits (such as 500 or 2.5k), got '${v}'`;
  const n = Number(m[1]) * ({ '': 1, k: 1e3, M: 1e6, G: 1e9 } as Record<string, number>)[m[2]];
  // The pattern has no sign: only a number too large for a double (a 400-digit one) is not finite.
  if (!Number.isFinite(n) || n < 0) return `--${name} must be at most 2^53 - 1 (9007199254740991), got '${v}'`;
  if (!Number.isInteger(n)) return `--${name} expects a whole number, got '${v}'`;
  if (n > Number.MAX_SAFE_INTEGER) return `--${name} must be at most 2^53 - 1 (9007199254740991), got '${v}'`;
  return n;
}

export async function main(args: string[]): Promise<number> {
  const t0 = performance.now();
  const parsed = parseCommand('simulate', USAGE, args, {
    variant: { type: 'string', multiple: true },
    'all-variants': { type: 'boolean' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
    out: { type: 'string' },
    'chrome-trace': { type: 'string' },
    timeline: { type: 'boolean' },
    html: { type: 'string' },
    'no-derived-tracks': { type: 'boolean' },
    'max-events': { type: 'string' },
    'wall-ms': { type: 'string' },
    seeds: { type: 'string' },
    'seed-list': { type: 'string' },
    sweep: { type: 'string', multiple: true },
    'no-sweep': { type: 'boolean' },
    jobs: { type: 'string' },
  });
  if (typeof parsed === 'number') return parsed;
  const o = parsed.values;
  if (parsed.positionals.length !== 1) return fail(parsed.positionals.length === 0 ? 'missing FILE' : 'expects exactly one FILE');
  if (o.variant && o['all-variants']) return fail('use either --variant or --all-variants');
  const seed = parseCount(o.seed, 'seed');
  const maxEvents = parseCount(o['max-events'], 'max-events');
  const wallMs = parseCount(o['wall-ms'], 'wall-ms');
  const nSeeds = parseCount(o.seeds, 'seeds');
  const jobs = parseCount(o.jobs, 'jobs');
  for (const v of [seed, maxEvents, wallMs, nSeeds, jobs]) if (typeof v === 'string') return fail(v);
  if (nSeeds === 0 || (typeof nSeeds === 'number' && nSeeds > MAX_SEEDS)) return fail(`--seeds expects 1 to ${MAX_SEEDS}`);
  if (jobs === 0 || (typeof jobs === 'number' && jobs > MAX_JOBS)) return fail(`--jobs expects 1 to ${MAX_JOBS}`);
  // As the language's `max_events` (model/schema.ts: at least 1): a run of 0 events simulates nothing.
  if (maxEvents === 0) return fail('--max-events expects at least 1');
  if (o.seeds !== undefined && o['seed-list'] !== undefined) return fail('use either --seeds or --seed-list');
  let seedList: number[] | undefined;
  if (o['seed-list'] !== undefined) {
    const parts = o['seed-list'].split(',').map((x) => parseCount(x, 'seed-list'));
    const bad = parts.find((x) => typeof x !== 'number');
    if (bad !== undefined || parts.length === 0) return fail(typeof bad === 'string' ? bad : `--seed-list expects seeds separated by commas, got '${o['seed-list']}'`);
    seedList = parts as number[];
    if (new Set(seedList).size !== seedList.length) return fail('--seed-list names a seed twice');
    if (seedList.length > MAX_SEEDS) return fail(`--seed-list: at most ${MAX_SEEDS} seeds`);
  }
  if (o.sweep !== undefined && o['no-sweep']) return fail('use either --sweep or --no-sweep');
  let sweeps: SweepSpec[] = [];
  for (const spec of o.sweep ?? []) {
    const s = parseSweep(spec);
    if (typeof s === 'string') {
      process.stderr.write(`vpscope simulate: ${usageText(s)}\n`);
      return 2;
    }
    sweeps.push(s);
  }
  const crossBad = crossProblem(sweeps);
  if (crossBad) {
    process.stderr.write(`vpscope simulate: ${usageText(crossBad)}\n`);
    return 2;
  }
  const cliSweeps = sweeps.length > 0;
  let many = cliSweeps || seedList !== undefined || (typeof nSeeds === 'number' && nSeeds > 1);
  if (many) {
    const single = (['timeline', 'chrome-trace'] as const).find((k) => o[k]);
    if (single) return fail(`--${single} shows one run; it does not combine with --seeds, --seed-list or --sweep`);
  }

  const conflict = outputConflict(
    [{ what: 'FILE', path: parsed.positionals[0] }],
    [
      { what: '--out', path: o.out },
      { what: '--chrome-trace', path: o['chrome-trace'] },
      { what: '--html', path: o.html },
    ],
  );
  if (conflict) {
    process.stderr.write(`vpscope simulate: ${terminalSafe(conflict)}\n`);
    return 2;
  }

  // The bundle is checked before simulating, so a missing build does not cost a whole run.
  let assets: ReturnType<typeof loadWebviewAssets> | undefined;
  if (o.html) {
    try {
      assets = loadWebviewAssets();
    } catch (e) {
      process.stderr.write(terminalSafe(`vpscope simulate: cannot write ${o.html}: ${(e as Error).message}\n`));
      return 2;
    }
  }

  // Several runs asked for on the command line: the pool's workers start now, so their start-up
  // overlaps the reading and checking of the scenario and its sweep points (io/simPool.ts).
  let started: StartedWorkers | undefined;
  const script = many ? simWorkerScript() : undefined;
  if (script) started = startWorkers(script, (jobs as number | undefined) ?? defaultJobs());
  const release = <T>(v: T): T => (started?.dispose(), v);

  const file = parsed.positionals[0];
  let text: string;
  try {
    text = await readScenarioText(file);
  } catch (e) {
    process.stderr.write(terminalSafe(`vpscope simulate: cannot read '${displayPath(file)}': ${ioReason(e)}\n`));
    return release(2);
  }
  const shown = displayPath(file);
  const analysis = analyzeDocument(text, { uri: file });
  const lines = new LineIndex(text);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !analysis.scenario) {
    process.stderr.write(terminalSafe(renderText([{ path: shown, text, diagnostics: analysis.diagnostics }], { summary: true })));
    if (!analysis.scenario && errors.length === 0) process.stderr.write(terminalSafe(`vpscope simulate: ${shown}: nothing to simulate (no host)\n`));
    return release(1);
  }
  const scenario = analysis.scenario;
  const known = ['base', ...scenario.variants.map((v) => v.name)];
  const wanted = o['all-variants'] ? 'all' : o.variant ?? 'base';
  if (Array.isArray(wanted)) {
    const unknown = wanted.filter((n) => !known.includes(n));
    if (unknown.length) return release(fail(`unknown variant ${unknown.map((n) => `'${n}'`).join(', ')} (known: ${known.join(', ')})`));
  }

  // The file's own `sweep` and `seeds N` (model/sweep.ts), unless the command line says otherwise.
  const filePlan = fileRunPlan(analysis, text);
  if (!cliSweeps && !o['no-sweep'] && filePlan.sweeps) sweeps = filePlan.sweeps;
  const swept = sweeps.length > 0;
  const fileSeeds = o.seeds === undefined && seedList === undefined && filePlan.seeds !== undefined && filePlan.seeds > 1 ? filePlan.seeds : undefined;
  if (!many && (swept || fileSeeds)) {
    many = true;
    const single = (['timeline', 'chrome-trace'] as const).find((k) => o[k]);
    if (single) return fail(`--${single} shows one run; this file runs several (${swept ? '`sweep`' : ''}${swept && fileSeeds ? ' and ' : ''}${fileSeeds ? `\`seeds ${fileSeeds}\`` : ''}): add --no-sweep --seeds 1`);
  }
  if (many) {
    if (cliSweeps) {
      for (const sw of sweeps) {
        const bad = checkSweepPath(sw, analysis);
        if (bad) {
          process.stderr.write(`vpscope simulate: ${usageText(bad)}\n`);
          return release(2);
        }
      }
    }
    const base = (seed as number | undefined) ?? scenario.settings.seed;
    const variants = wanted === 'all' ? known : Array.isArray(wanted) ? known.filter((n) => wanted.includes(n)) : ['base'];
    const seeds = seedList ?? seedRange(base, (nSeeds as number | undefined) ?? fileSeeds ?? 1);
    if (typeof seeds === 'string') return release(fail(seeds));
    const { points, factors } = crossSize(sweeps);
    const total = seeds.length * variants.length * points;
    if (total > MAX_RUNS) return release(fail(`${total} runs planned (${seeds.length} seeds x ${variants.length} variants x ${swept ? `${points} sweep points${sweeps.length > 1 ? ` (${factors})` : ''}` : '1'}); at most ${MAX_RUNS}`));
    return runSeeds({
      started,
      shown,
      title: scenario.title,
      text,
      uri: file,
      analysis,
      lines,
      variants,
      seeds,
      sweeps,
      jobs: jobs as number | undefined,
      maxEvents: maxEvents as number | undefined,
      wallMs: wallMs === undefined ? undefined : Math.max(0, (wallMs as number) - (performance.now() - t0)),
      json: Boolean(o.json),
      out: o.out,
      html: o.html && assets ? { path: o.html, assets } : undefined,
    });
  }

  // Shell-side budget and cancellation: the run goes to a worker thread, so this thread sees
  // Ctrl-C and its clock while the simulation (and its set-up) runs.
  const budgetMs = (wallMs as number | undefined) ?? scenario.settings.wallLimitMs;
  const needTimeline = Boolean(o.timeline || o['chrome-trace'] || o.html);
  const remaining = Math.max(0, budgetMs - (performance.now() - t0));
  const outcome = await runInWorker(
    {
      text,
      uri: file,
      variant: wanted,
      seed: seed as number | undefined,
      maxEvents: maxEvents as number | undefined,
      timeline: needTimeline,
      transferTimelines: true,
      announceStop: true,
      wallMs: remaining,
      reserve: outputReserve({ html: Boolean(o.html), chrome: Boolean(o['chrome-trace']), timelineJson: o.timeline ? (o.json ? 1 : 0) + (o.out ? 1 : 0) : 0 }),
    },
    remaining,
  );
  if (outcome.kind === 'error') {
    process.stderr.write(`vpscope simulate: internal error: ${outcome.message}\n`);
    return 3;
  }
  const { results } = outcome;
  // Variants the stop kept from starting; a run ended in its set-up leaves every selected one.
  const selected = wanted === 'all' ? known : Array.isArray(wanted) ? known.filter((n) => wanted.includes(n)) : ['base'];
  const notRun: NotRun | undefined = outcome.notRun
    ? { reason: outcome.notRun.reason, variants: outcome.notRun.names }
    : outcome.killed
      ? { reason: outcome.killed, variants: selected.filter((n) => !results.some((r) => r.name === n)) }
      : undefined;

  const warnings = analysis.diagnostics;
  const json = toRunJson(shown, text, lines, scenario.settings.seed, results, warnings, Boolean(o.timeline), notRun);
  try {
    if (o.out) await writeChunks(o.out, runJsonChunks(json));
  } catch (e) {
    process.stderr.write(terminalSafe(`vpscope simulate: cannot write ${o.out}: ${(e as Error).message}\n`));
    return 2;
  }
  if (o['chrome-trace']) {
    const findings = results.flatMap((r) => (results.length > 1 ? r.findings.map((f) => ({ ...f, lane: f.lane ? `${r.name}:${f.lane}` : undefined })) : r.findings));
    try {
      await writeChunks(o['chrome-trace'], chromeTraceStream(mergedTimelineSource(results), { findings, stalls: results.flatMap((r) => r.stalls), omitStates: ['idle'], meta: { file: shown, seed: results[0]?.seed ?? 0 }, pools: chromePools(results) }));
    } catch (e) {
      process.stderr.write(terminalSafe(`vpscope simulate: cannot write ${o['chrome-trace']}: ${(e as Error).message}\n`));
      return 2;
    }
  }
  if (o.html && assets) {
    // The view's copy of the run keeps the timelines by reference (no copy); they are encoded as vpt1 + gzip.
    const run = toRunJson(shown, text, lines, scenario.settings.seed, results, warnings, true, notRun);
    const doc = buildSimulationView({ title: scenario.title ?? shown, source: shown, run, encodeBytes: gzipBase64 });
    try {
      await writeHtmlReport(o.html, doc, assets, o['no-derived-tracks'] ? { derivedTracks: false } : undefined);
    } catch (e) {
      process.stderr.write(terminalSafe(`vpscope simulate: cannot write ${o.html}: ${(e as Error).message}\n`));
      return 2;
    }
  }
  if (o.json) await writeOut(process.stdout, runJsonChunks(json));
  else process.stdout.write(terminalSafe(renderSummary(shown, scenario.title, results, lines, warnings, notRun)));
  const runsAsked = outcome.notRun ? results.length + outcome.notRun.names.length : results.length;
  const each = Math.floor(MAX_TIMELINE_INTERVALS / Math.max(1, runsAsked));
  for (const r of results) {
    if (r.stop.reason !== 'timeline_limit') continue;
    const at = r.timeline ? ` at ${fmtNs(r.timeline.endNs)} simulated` : '';
    const share = runsAsked > 1 ? ` (its share of ${MAX_TIMELINE_INTERVALS.toLocaleString('en-US')} for ${runsAsked} variants)` : '';
    process.stderr.write(
      terminalSafe(
        `vpscope simulate: the timeline of '${clipLabel(r.name)}' reached ${each.toLocaleString('en-US')} intervals${share}${at}: the run stopped there (timeline_limit); shorten \`duration\`, simulate fewer variants, or run without --timeline/--chrome-trace/--html for whole runs\n`,
      ),
    );
  }
  const last = results[results.length - 1];
  const stop = outcome.killed ?? notRun?.reason ?? (last && (last.stop.reason === 'cancelled' || last.stop.reason === 'wall_limit') ? last.stop.reason : undefined);
  if (stop) {
    const where = last ? `at ${fmtNs(last.stop.simulatedNs)} simulated${results.length > 1 || last.name !== 'base' ? ` in '${last.name}'` : ''}` : 'during set-up, nothing simulated';
    const n = notRun?.variants.length ?? 0;
    // The budget's part kept for the results and outputs (sim/worker.ts `reserveMs`), when it mattered.
    const kept = stop === 'wall_limit' && outcome.reservedMs !== undefined && outcome.reservedMs >= 0.01 * budgetMs ? `, keeping ${fmtNs(outcome.reservedMs * 1e6)} of the ${fmtNs(budgetMs * 1e6)} budget for the results and outputs` : '';
    process.stderr.write(terminalSafe(`vpscope simulate: stopped early (${stop}) ${where}${kept}${n ? `; ${n} variant${n === 1 ? '' : 's'} not run` : ''}\n`));
  }
  return stop === 'cancelled' ? EXIT_INTERRUPTED : 0;
}

/** At most this many seeds per variant and point. */
const MAX_SEEDS = 10000;
/** At most this many worker threads, and runs in one command. */
const MAX_JOBS = 256;
const MAX_RUNS = 100_000;
/** Exit status after Ctrl-C (SIGINT): 128 + 2, as shells report a process ended by SIGINT. */
const EXIT_INTERRUPTED = 130;
/** After a stop request, how long the worker may take to answer before it is terminated. */
const GRACE_MS = 500;

type StopWhy = 'cancelled' | 'wall_limit';
type WorkerOutcome =
  | { kind: 'error'; message: string }
  | { kind: 'done'; results: VariantResult[]; notRun?: { names: string[]; reason: StopWhy }; killed?: StopWhy; reservedMs?: number };

/**
 * Runs the simulation in the sim worker (server/src/sim/worker.ts). Ctrl-C stores the run's id in
 * the shared cancel cell and the wall timer in the wall cell: the worker stops at its next poll
 * (every 256 threads of a model being built, then every few ms of events, and between variants),
 * says so ('stopping') and sends what it has. A worker that has not begun its runs ('started':
 * still loading or checking the scenario, nothing to keep) is terminated at once; one that does
 * not say 'stopping' within {@link GRACE_MS}, or a second Ctrl-C, terminates it: nothing of that
 * run is kept.
 */
async function runInWorker(req: Omit<SimRunRequest, 'type' | 'id'>, remainingMs: number): Promise<WorkerOutcome> {
  const script = simWorkerScript();
  const id = 1;
  if (!script) {
    // No worker beside the command (an unusual install): run here; Ctrl-C then ends the process.
    let notRun: { names: string[]; reason: StopWhy } | undefined;
    const t0 = performance.now();
    const results = simulateAllWithFindings(analyzeDocument(req.text, { uri: req.uri }).scenario!, {
      variants: req.variant === undefined ? 'base' : Array.isArray(req.variant) ? req.variant : req.variant === 'all' ? 'all' : [req.variant],
      seed: req.seed,
      maxEvents: req.maxEvents,
      timeline: req.timeline,
      shouldStop: () => (performance.now() - t0 > remainingMs ? 'wall_limit' : false),
      onNotRun: (names, reason) => (notRun = { names, reason }),
    });
    return { kind: 'done', results, notRun };
  }
  const cells = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(script.file, { eval: script.eval, workerData: { cancelBuffer: cells.buffer } });
  const progress = createProgress('simulating');
  return new Promise<WorkerOutcome>((resolve) => {
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let interrupted = false;
    let acknowledged = false;
    let started = false;
    let reservedMs: number | undefined;
    const finish = (o: WorkerOutcome) => {
      if (settled) return;
      settled = true;
      if (reservedMs !== undefined && o.kind === 'done') o.reservedMs = reservedMs;
      clearTimeout(wallTimer);
      clearTimeout(killTimer);
      process.removeListener('SIGINT', onSigint);
      progress.done();
      void worker.terminate();
      resolve(o);
    };
    const stop = (why: StopWhy) => {
      Atomics.store(cells, why === 'cancelled' ? 0 : 1, id);
      if (!started && !acknowledged) return finish({ kind: 'done', results: [], killed: why });
      if (!killTimer && !acknowledged) killTimer = setTimeout(() => finish({ kind: 'done', results: [], killed: why }), GRACE_MS);
    };
    const onSigint = () => {
      if (interrupted) finish({ kind: 'done', results: [], killed: 'cancelled' });
      interrupted = true;
      stop('cancelled');
    };
    process.on('SIGINT', onSigint);
    const wallTimer = setTimeout(() => stop('wall_limit'), Math.min(remainingMs, 2 ** 31 - 1));
    worker.on('message', (m: { type: string; fraction?: number; reservedMs?: number; results?: VariantResult[]; message?: string; notRun?: { names: string[]; reason: StopWhy } }) => {
      if (m.type === 'progress') progress.update(m.fraction ?? 0);
      else if (m.type === 'started') started = true;
      else if (m.type === 'stopping') {
        acknowledged = true; // it saw the stop: results follow
        if (typeof m.reservedMs === 'number' && Number.isFinite(m.reservedMs)) reservedMs = m.reservedMs;
        clearTimeout(killTimer);
      }
      else if (m.type === 'result') {
        // The transferred intervals back into the number arrays of `LaneData`.
        const results: VariantResult[] = m.results ?? [];
        unpackLaneIntervals(results.map((r) => r.timeline));
        finish({ kind: 'done', results, notRun: m.notRun });
      } else if (m.type === 'error') finish(m.message === 'cancelled' ? { kind: 'done', results: [], killed: 'cancelled' } : { kind: 'error', message: m.message ?? 'unknown' });
    });
    worker.on('error', (e) => finish({ kind: 'error', message: e?.stack ?? String(e) }));
    worker.on('exit', (code) => finish({ kind: 'error', message: `the simulation worker exited (${code})` }));
    worker.postMessage({ type: 'run', id, ...req } satisfies SimRunRequest);
  });
}
