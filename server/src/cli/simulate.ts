/**
 * `vpscope simulate FILE [--variant NAME | --all-variants] [--seed N] [--json] [--out F.json]
 * [--chrome-trace F.json] [--html F.html] [--max-events N] [--wall-ms N] [--timeline]`: checks the scenario like
 * `vpscope check`, then runs the deterministic simulation of the base (or the chosen variants)
 * and prints a summary (default), or `vpscope.run/1` JSON.
 *
 * Exit status: 0 simulated (findings allowed), 1 the scenario has errors (printed like `check`),
 * 2 bad usage or an unreadable file. The wall budget (`--wall-ms`, else the scenario's
 * `wall_limit`) and Ctrl-C are enforced here: the core never reads a clock.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { LineIndex } from '../core/text';
import { toChromeTraceChunks } from '../core/chromeTrace';
import { analyzeDocument } from '../model/analyze';
import { mergeTimelines, renderSummary, toRunJson } from '../report/simulation';
import { simulateAllWithFindings } from '../analysis/run';
import type { VariantResult } from '../sim/result';
import { fmtNs } from '../sim/util';
import { buildSimulationView } from '../report/view';
import { gzipBase64 } from '../io/gzipBase64';
import { loadWebviewAssets, writeHtmlReport } from '../io/htmlReport';
import { renderText } from './format';
import { createProgress } from './progress';

// The JSON document and the text summary are shared with the language server.
export { mergeTimelines, renderSummary, toRunJson } from '../report/simulation';

const USAGE = `Usage: vpscope simulate FILE [options]

Runs the deterministic simulation of a scenario (.vps): the base, one variant, or all of them,
and reports latency percentiles per task, per-VM shares, steal, stalls (with their source line),
findings (VPS3xx) and counters.

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
  --max-events N        stop each run after N engine events
  --wall-ms N           wall-clock budget for the whole command (default: the scenario's wall_limit)
  -h, --help            show this help

Exit status: 0 simulated, 1 the scenario has errors, 2 bad usage or unreadable file.`;

function fail(msg: string): number {
  process.stderr.write(`vpscope simulate: ${msg}\n\n${USAGE}\n`);
  return 2;
}

function displayPath(p: string): string {
  const rel = relative(process.cwd(), p);
  const shown = rel && !rel.startsWith('..') && !/^[A-Za-z]:/.test(rel) ? rel : p;
  return shown.split(sep).join('/');
}

function parseCount(v: string | undefined, name: string): number | undefined | string {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)([kMG]?)$/.exec(v.trim());
  if (!m) return `--${name} expects a number, got '${v}'`;
  const n = Number(m[1]) * ({ '': 1, k: 1e3, M: 1e6, G: 1e9 } as Record<string, number>)[m[2]];
  if (!Number.isFinite(n) || n < 0) return `--${name} expects a non-negative number`;
  if (!Number.isInteger(n)) return `--${name} expects a whole number, got '${v}'`;
  if (n > Number.MAX_SAFE_INTEGER) return `--${name} must be at most 2^53 - 1 (9007199254740991), got '${v}'`;
  return n;
}

export async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        variant: { type: 'string', multiple: true },
        'all-variants': { type: 'boolean' },
        seed: { type: 'string' },
        json: { type: 'boolean' },
        out: { type: 'string' },
        'chrome-trace': { type: 'string' },
        timeline: { type: 'boolean' },
        html: { type: 'string' },
        'max-events': { type: 'string' },
        'wall-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    return fail((e as Error).message);
  }
  const o = parsed.values;
  if (o.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (parsed.positionals.length !== 1) return fail(parsed.positionals.length === 0 ? 'missing FILE' : 'expects exactly one FILE');
  if (o.variant && o['all-variants']) return fail('use either --variant or --all-variants');
  const seed = parseCount(o.seed, 'seed');
  const maxEvents = parseCount(o['max-events'], 'max-events');
  const wallMs = parseCount(o['wall-ms'], 'wall-ms');
  for (const v of [seed, maxEvents, wallMs]) if (typeof v === 'string') return fail(v);

  // The bundle is checked before simulating, so a missing build does not cost a whole run.
  let assets: ReturnType<typeof loadWebviewAssets> | undefined;
  if (o.html) {
    try {
      assets = loadWebviewAssets();
    } catch (e) {
      process.stderr.write(`vpscope simulate: cannot write ${o.html}: ${(e as Error).message}\n`);
      return 2;
    }
  }

  const file = parsed.positionals[0];
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    process.stderr.write(`vpscope simulate: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return 2;
  }
  const shown = displayPath(file);
  const analysis = analyzeDocument(text, { uri: file });
  const lines = new LineIndex(text);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !analysis.scenario) {
    process.stderr.write(renderText([{ path: shown, text, diagnostics: analysis.diagnostics }], { summary: true }));
    if (!analysis.scenario && errors.length === 0) process.stderr.write(`vpscope simulate: ${shown}: nothing to simulate (no host)\n`);
    return 1;
  }
  const scenario = analysis.scenario;
  const known = ['base', ...scenario.variants.map((v) => v.name)];
  const wanted = o['all-variants'] ? 'all' : o.variant ?? 'base';
  if (Array.isArray(wanted)) {
    const unknown = wanted.filter((n) => !known.includes(n));
    if (unknown.length) return fail(`unknown variant ${unknown.map((n) => `'${n}'`).join(', ')} (known: ${known.join(', ')})`);
  }

  // Shell-side budget and cancellation.
  const budgetMs = (wallMs as number | undefined) ?? scenario.settings.wallLimitMs;
  const t0 = performance.now();
  let cancelled = false;
  const onSigint = () => {
    cancelled = true;
  };
  process.once('SIGINT', onSigint);
  const progress = createProgress('simulating');
  const needTimeline = Boolean(o.timeline || o['chrome-trace'] || o.html);
  let results: VariantResult[];
  try {
    results = simulateAllWithFindings(scenario, {
      variants: wanted,
      seed: seed as number | undefined,
      maxEvents: maxEvents as number | undefined,
      timeline: needTimeline,
      shouldStop: () => (cancelled ? 'cancelled' : performance.now() - t0 > budgetMs ? 'wall_limit' : false),
      onProgress: (f) => progress.update(f),
    });
  } finally {
    progress.done();
    process.removeListener('SIGINT', onSigint);
  }

  const warnings = analysis.diagnostics;
  const json = toRunJson(shown, text, lines, scenario.settings.seed, results, warnings, Boolean(o.timeline));
  if (o.out) {
    try {
      await writeFile(o.out, JSON.stringify(json, null, 1) + '\n');
    } catch (e) {
      process.stderr.write(`vpscope simulate: cannot write ${o.out}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  if (o['chrome-trace']) {
    const tl = mergeTimelines(results);
    const findings = results.flatMap((r) => (results.length > 1 ? r.findings.map((f) => ({ ...f, lane: f.lane ? `${r.name}:${f.lane}` : undefined })) : r.findings));
    try {
      await writeFile(o['chrome-trace'], toChromeTraceChunks(tl, { findings, omitStates: ['idle'], meta: { file: shown, seed: results[0]?.seed ?? 0 } }).join(''));
    } catch (e) {
      process.stderr.write(`vpscope simulate: cannot write ${o['chrome-trace']}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  if (o.html && assets) {
    // The view's copy of the run keeps the timelines by reference (no copy); they are encoded as vpt1 + gzip.
    const run = toRunJson(shown, text, lines, scenario.settings.seed, results, warnings, true);
    const doc = buildSimulationView({ title: scenario.title ?? shown, source: shown, run, encodeBytes: gzipBase64 });
    try {
      await writeHtmlReport(o.html, doc, assets);
    } catch (e) {
      process.stderr.write(`vpscope simulate: cannot write ${o.html}: ${(e as Error).message}\n`);
      return 2;
    }
  }
  if (o.json) process.stdout.write(JSON.stringify(json, null, 1) + '\n');
  else process.stdout.write(renderSummary(shown, scenario.title, results, lines, warnings));
  const last = results[results.length - 1];
  if (last && (last.stop.reason === 'cancelled' || last.stop.reason === 'wall_limit')) {
    process.stderr.write(`vpscope simulate: stopped early (${last.stop.reason}) at ${fmtNs(last.stop.simulatedNs)} simulated\n`);
  }
  return 0;
}
