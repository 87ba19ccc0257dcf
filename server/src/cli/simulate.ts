/**
 * `vpscope simulate FILE [--variant NAME | --all-variants] [--seed N] [--json] [--out F.json]
 * [--chrome-trace F.json] [--max-events N] [--wall-ms N] [--timeline]`: checks the scenario like
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
import type { Diagnostic } from '../core/diagnostic';
import type { Finding, Stall } from '../core/findings';
import { LineIndex, type TextRange } from '../core/text';
import type { TimelineData } from '../core/timeline';
import { toChromeTraceChunks } from '../core/chromeTrace';
import { analyzeDocument } from '../model/analyze';
import { simulateAll } from '../sim/run';
import { RUN_SCHEMA, type VariantResult } from '../sim/result';
import { fmtNs, fmtPct } from '../sim/util';
import { renderText, toJsonDiagnostic } from './format';
import { createProgress } from './progress';

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
  return Math.round(n);
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
  const needTimeline = Boolean(o.timeline || o['chrome-trace']);
  let results: VariantResult[];
  try {
    results = simulateAll(scenario, {
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
  if (o.json) process.stdout.write(JSON.stringify(json, null, 1) + '\n');
  else process.stdout.write(renderSummary(shown, scenario.title, results, lines, warnings));
  const last = results[results.length - 1];
  if (last && (last.stop.reason === 'cancelled' || last.stop.reason === 'wall_limit')) {
    process.stderr.write(`vpscope simulate: stopped early (${last.stop.reason}) at ${fmtNs(last.stop.simulatedNs)} simulated\n`);
  }
  return 0;
}

// ------------------------------------------------------------------ JSON

type Lsp = ReturnType<LineIndex['rangeToLsp']>;

/** Deep copy with every `range` (offsets) converted to a 0-based LSP range. */
function withLspRanges<T>(v: T, lines: LineIndex): T {
  if (Array.isArray(v)) return v.map((x) => withLspRanges(x, lines)) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'range' && x && typeof x === 'object' && 'start' in x && typeof (x as TextRange).start === 'number') out[k] = lines.rangeToLsp(x as TextRange) as Lsp;
      else if (k === 'timeline') out[k] = x; // large flat arrays: no ranges inside
      else out[k] = withLspRanges(x, lines);
    }
    return out as T;
  }
  return v;
}

export function toRunJson(file: string, _text: string, lines: LineIndex, seed: number, results: VariantResult[], diags: Diagnostic[], timeline: boolean) {
  return {
    schema: RUN_SCHEMA,
    file,
    seed: results[0]?.seed ?? seed,
    variants: results.map((r) => {
      const v = withLspRanges(r, lines);
      if (!timeline) delete (v as Partial<VariantResult>).timeline;
      return v;
    }),
    diagnostics: diags.map((d) => toJsonDiagnostic(d, lines)),
  };
}

/** One timeline for all variants: lanes prefixed by the variant name when there are several. */
export function mergeTimelines(results: VariantResult[]): TimelineData {
  const states: string[] = [];
  const causes: string[] = [];
  const sIdx = new Map<string, number>();
  const cIdx = new Map<string, number>();
  const id = (m: Map<string, number>, arr: string[], k: string) => {
    let i = m.get(k);
    if (i === undefined) {
      i = arr.length;
      arr.push(k);
      m.set(k, i);
    }
    return i;
  };
  const lanes: TimelineData['lanes'] = [];
  let endNs = 0;
  for (const r of results) {
    const tl = r.timeline;
    if (!tl) continue;
    endNs = Math.max(endNs, tl.endNs);
    const pre = results.length > 1 ? `${r.name}:` : '';
    for (const l of tl.lanes) {
      const iv = l.intervals.slice();
      for (let i = 0; i < iv.length; i += 4) {
        iv[i + 2] = id(sIdx, states, tl.states[iv[i + 2]]);
        iv[i + 3] = iv[i + 3] >= 0 ? id(cIdx, causes, tl.causes[iv[i + 3]]) : -1;
      }
      lanes.push({ ...l, id: pre + l.id, group: pre + l.group, intervals: iv });
    }
  }
  return { startNs: 0, endNs, states, causes, lanes };
}

// ------------------------------------------------------------------ text

function table(rows: string[][], right: boolean[]): string {
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((x, c) => (right[c] ? x.padStart(w[c]) : x.padEnd(w[c]))).join('  ').trimEnd()).join('\n') + '\n';
}

function where(file: string, lines: LineIndex, r?: TextRange): string {
  if (!r) return file;
  const p = lines.positionAt(r.start);
  return `${file}:${p.line + 1}:${p.character + 1}`;
}

function taskKey(t: { vm?: string; name: string; kind: string }): string {
  return `${t.vm ? t.vm + '/' : 'host/'}${t.name}`;
}

export function renderSummary(file: string, title: string, results: VariantResult[], lines: LineIndex, diags: Diagnostic[]): string {
  let out = `vpscope simulate ${file}: "${title}"\n`;
  const warn = diags.filter((d) => d.severity === 'warning').length;
  if (warn) out += `${warn} warning${warn === 1 ? '' : 's'} from the checker (run 'vpscope check ${file}')\n`;
  for (const r of results) {
    out += `\n== ${r.name}${r.description ? ` - ${r.description}` : ''}\n`;
    out += `seed ${r.seed}, ${fmtNs(r.stop.simulatedNs)} simulated, ${r.stop.reason === 'completed' ? 'completed' : `STOPPED: ${r.stop.reason}`}, ${r.counters.events ?? 0} events\n\n`;
    if (r.tasks.length) {
      const rows = [['task', 'kind', 'measures', 'count', 'p50', 'p90', 'p99', 'max', 'mean']];
      for (const t of r.tasks) rows.push([taskKey(t), t.kind, t.measures, String(t.latency.count), fmtNs(t.latency.p50), fmtNs(t.latency.p90), fmtNs(t.latency.p99), fmtNs(t.latency.max), fmtNs(t.latency.mean)]);
      out += table(rows, [false, false, false, true, true, true, true, true, true]);
    }
    if (r.vms.length) {
      out += '\n';
      const rows = [['vm', 'pool', 'pCPUs', 'cpu', 'share', 'weight share', 'steal', 'parked']];
      for (const v of r.vms) rows.push([v.name, v.pool, compactCpus(v.groupCpus), fmtNs(v.cpuNs), fmtPct(v.share), fmtPct(v.weightShare), fmtNs(v.stealNs), v.parkedNs ? fmtNs(v.parkedNs) : '-']);
      out += table(rows, [false, false, false, true, true, true, true, true]);
    }
    if (r.regions.length) {
      out += '\n';
      const rows = [['region', 'rounds', 'finished at', 'mean DoP', 'spin', 'spin while preempted']];
      for (const g of r.regions) rows.push([`${g.vm}/${g.name}`, String(g.rounds), g.finishedAtNs >= 0 ? fmtNs(g.finishedAtNs) : 'not finished', g.dopMean.toFixed(1), fmtNs(g.spinNs), fmtNs(g.spinWhilePreemptedNs)]);
      out += table(rows, [false, true, true, true, true, true]);
    }
    const sc = Object.entries(r.stallSummary.byCause);
    out += `\nstalls: ${r.stallSummary.count}${sc.length ? ` (${sc.map(([c, s]) => `${c} ${s.count}`).join(', ')})` : ''}\n`;
    for (const s of r.stalls.slice(0, 5)) out += `  ${where(file, lines, s.range)}  ${stallLine(s)}\n`;
    if (r.findings.length) {
      out += '\nfindings:\n';
      for (const f of r.findings) out += `  ${where(file, lines, f.range)}: ${f.severity} ${f.code}: ${f.message}\n`;
    }
    const counters = Object.entries(r.counters).filter(([k]) => k !== 'events');
    if (counters.length) out += `\ncounters: ${counters.map(([k, v]) => `${k}=${Math.round(v)}`).join(', ')}\n`;
  }
  if (results.length > 1) out += compare(results);
  return out;
}

function stallLine(s: Stall): string {
  return `${s.task}${s.vp >= 0 ? ` (vCPU/VP ${s.vp})` : ''} ${fmtNs(s.durationNs)} at ${fmtNs(s.startNs)}: ${s.cause}${s.causes?.length ? ` - ${s.causes[s.causes.length - 1]}` : ''}`;
}

function compactCpus(c: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < c.length; ) {
    let j = i;
    while (j + 1 < c.length && c[j + 1] === c[j] + 1) j++;
    parts.push(j > i ? `${c[i]}-${c[j]}` : `${c[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Variants vs the first result (the base when simulated): p99 and mean per task, with ratios. */
function compare(results: VariantResult[]): string {
  const base = results[0];
  let out = `\n== comparison (vs ${base.name})\n`;
  const rows = [['task', 'metric', base.name, ...results.slice(1).map((r) => r.name)]];
  const keys = base.tasks.map(taskKey);
  for (const r of results.slice(1)) for (const t of r.tasks) if (!keys.includes(taskKey(t))) keys.push(taskKey(t));
  const ratio = (a: number, b: number) => (a > 0 ? ` (x${(b / a).toFixed(b / a >= 10 ? 0 : 2)})` : '');
  for (const k of keys) {
    for (const m of ['p99', 'mean'] as const) {
      const bt = base.tasks.find((t) => taskKey(t) === k);
      const row = [k, m, bt ? fmtNs(bt.latency[m]) : '-'];
      for (const r of results.slice(1)) {
        const t = r.tasks.find((x) => taskKey(x) === k);
        row.push(t ? fmtNs(t.latency[m]) + (bt ? ratio(bt.latency[m], t.latency[m]) : '') : '-');
      }
      rows.push(row);
    }
  }
  for (const g of base.regions) {
    const row = [`${g.vm}/${g.name}`, 'finished at', g.finishedAtNs >= 0 ? fmtNs(g.finishedAtNs) : '-'];
    for (const r of results.slice(1)) {
      const x = r.regions.find((y) => y.vm === g.vm && y.name === g.name);
      row.push(x && x.finishedAtNs >= 0 ? fmtNs(x.finishedAtNs) + (g.finishedAtNs > 0 ? ratio(g.finishedAtNs, x.finishedAtNs) : '') : '-');
    }
    rows.push(row);
  }
  for (const v of base.vms) {
    const row = [v.name, 'share', fmtPct(v.share)];
    for (const r of results.slice(1)) {
      const x = r.vms.find((y) => y.name === v.name);
      row.push(x ? `${fmtPct(x.share)} (weight ${fmtPct(x.weightShare)})` : '-');
    }
    rows.push(row);
  }
  out += table(rows, rows[0].map((_, i) => i >= 2));
  const f = (r: VariantResult) => r.findings.map((x: Finding) => x.code);
  out += `findings: ${results.map((r) => `${r.name} ${f(r).length ? f(r).join(',') : 'none'}`).join('; ')}\n`;
  return out;
}
