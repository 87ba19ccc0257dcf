/**
 * The simulation's reports as plain data and text, shared by `vpscope simulate` and the language
 * server (`vpscope/simulate`): the `vpscope.run/1` JSON document (ranges as 0-based LSP ranges),
 * the text summary (latency table per task, VM shares, regions, stalls, findings, counters, and
 * the comparison of variants) and one merged timeline of all variants for the Chrome export.
 *
 * Pure: no I/O, no clock; the same results give the same bytes.
 */
import type { Diagnostic } from '../core/diagnostic';
import type { Finding, JsonRange, Stall } from '../core/findings';
import { clipLabel, clipRuns, MAX_MESSAGE, type LineIndex, type TextRange } from '../core/text';
import { laneDataOf, type LaneSource, type TimelineData, type TimelineSource } from '../core/timeline';
import { toJsonDiagnostic, type JsonDiagnostic } from './diagnosticJson';
import { RUN_SCHEMA, type RegionResult, type TaskResult, type VariantResult, type VmResult } from '../sim/result';
import { fmtFraction, fmtNs, table } from '../core/format';


/** The `$schema` of `vpscope.run/1` documents: the file name of its JSON Schema (schemas/, shipped). */
export const RUN_SCHEMA_FILE = 'vpscope.run-1.schema.json';

/** Selected variants that never started: a cancellation or the wall budget ended the comparison. */
export interface NotRun {
  /** What ended the comparison: `cancelled` (Ctrl-C, the editor's cancel) or `wall_limit` (the wall-clock budget). */
  reason: 'cancelled' | 'wall_limit';
  /** The variants that never ran, in the order they were selected. */
  variants: string[];
}

/** One variant's results in `vpscope.run/1`: {@link VariantResult} with 0-based LSP ranges. */
export type RunVariant = VariantResult<JsonRange>;

/**
 * The `vpscope.run/1` document that `vpscope simulate --json` prints and the editor's Simulate
 * command returns (schemas/vpscope.run-1.schema.json is generated from this type). Times are
 * integer ns of simulated time, shares fractions in [0, 1], ranges 0-based LSP ranges.
 * Fields are only ever added.
 */
export interface RunDocument {
  /** The JSON Schema of this document (file name in the schemas/ folder of the package). */
  $schema: typeof RUN_SCHEMA_FILE;
  /** Always `vpscope.run/1`. */
  schema: typeof RUN_SCHEMA;
  /** The scenario file, as given on the command line (or the editor's path). */
  file: string;
  /** The seed the runs used (the first variant's, or the scenario's when nothing ran). */
  seed: number;
  /** One entry per variant simulated, `base` first. */
  variants: RunVariant[];
  /** Present when selected variants never started. */
  notRun?: NotRun;
  /** The checker's diagnostics of the scenario (as in `vpscope.check/1`, without `source`/`verdict`). */
  diagnostics: JsonDiagnostic[];
}

function task(t: TaskResult, lines: LineIndex): TaskResult<JsonRange> {
  return { ...t, range: t.range && lines.rangeToLsp(t.range) };
}
function vm(v: VmResult, lines: LineIndex): VmResult<JsonRange> {
  return { ...v, range: lines.rangeToLsp(v.range) };
}
function region(r: RegionResult, lines: LineIndex): RegionResult<JsonRange> {
  return { ...r, range: lines.rangeToLsp(r.range) };
}
function stall(s: Stall, lines: LineIndex): Stall<JsonRange> {
  return { ...s, range: s.range && lines.rangeToLsp(s.range) };
}
function finding(f: Finding, lines: LineIndex): Finding<JsonRange> {
  return { ...f, range: f.range && lines.rangeToLsp(f.range) };
}

/**
 * One variant as JSON: every source range as a 0-based LSP range, the timeline kept only when
 * asked. The key order is the result's (a range stays where it was; an absent one is `undefined`,
 * which JSON leaves out).
 */
export function runVariantJson(r: VariantResult, lines: LineIndex, timeline: boolean): RunVariant {
  const { timeline: tl, ...rest } = r;
  return {
    ...rest,
    tasks: r.tasks.map((t) => task(t, lines)),
    vms: r.vms.map((v) => vm(v, lines)),
    regions: r.regions.map((x) => region(x, lines)),
    stalls: r.stalls.map((x) => stall(x, lines)),
    findings: r.findings.map((x) => finding(x, lines)),
    ...(timeline && tl ? { timeline: tl } : {}),
  };
}

export function toRunJson(file: string, _text: string, lines: LineIndex, seed: number, results: VariantResult[], diags: Diagnostic[], timeline: boolean, notRun?: NotRun): RunDocument {
  return {
    $schema: RUN_SCHEMA_FILE,
    schema: RUN_SCHEMA,
    file,
    seed: results[0]?.seed ?? seed,
    variants: results.map((r) => runVariantJson(r, lines, timeline)),
    ...(notRun && notRun.variants.length ? { notRun } : {}),
    diagnostics: diags.map((d) => toJsonDiagnostic(d, lines)),
  };
}

/** Alias of {@link RunDocument}. */
export type RunJson = RunDocument;

/** `JSON.stringify(v, null, 1)` nested `depth` levels deep (every line after the first indented). */
function nested(v: unknown, depth: number): string {
  return JSON.stringify(v, null, 1).replace(/\n/g, '\n' + ' '.repeat(depth));
}

/**
 * The run document as JSON text in pieces: the bytes of `JSON.stringify(doc, null, 1) + '\n'` except
 * that a timeline is written compactly, one lane per line, so a large run never needs one giant
 * string (V8 caps a string near 512 MiB) and memory stays near one lane's text.
 */
export function* runJsonChunks(doc: RunJson): Generator<string> {
  const keys = Object.keys(doc) as (keyof RunJson)[];
  yield '{';
  for (let ki = 0; ki < keys.length; ki++) {
    const k = keys[ki];
    const sep = ki ? ',\n ' : '\n ';
    if (k !== 'variants' || doc.variants.length === 0) {
      yield `${sep}${JSON.stringify(k)}: ${nested(doc[k], 1)}`;
      continue;
    }
    yield `${sep}"variants": [`;
    for (let vi = 0; vi < doc.variants.length; vi++) {
      const { timeline, ...rest } = doc.variants[vi];
      const head = nested(rest, 2);
      if (!timeline) {
        yield `${vi ? ',' : ''}\n  ${head}`;
        continue;
      }
      yield `${vi ? ',' : ''}\n  ${head.slice(0, head.lastIndexOf('}')).trimEnd()},\n   "timeline": `;
      yield `{"startNs":${JSON.stringify(timeline.startNs)},"endNs":${JSON.stringify(timeline.endNs)},"states":${JSON.stringify(timeline.states)},"causes":${JSON.stringify(timeline.causes)},"lanes":[`;
      for (let i = 0; i < timeline.lanes.length; i++) yield (i ? ',\n' : '\n') + JSON.stringify(timeline.lanes[i]);
      yield '\n]}\n  }';
    }
    yield '\n ]';
  }
  yield keys.length ? '\n}\n' : '}\n';
}

/**
 * {@link mergeTimelines} without the copy: the variants' lanes read through a state and cause index
 * map, for the streaming Chrome export (memory stays at the timelines already held).
 */
export function mergedTimelineSource(results: VariantResult[]): TimelineSource {
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
  const lanes: LaneSource[] = [];
  let endNs = 0;
  for (const r of results) {
    const tl = r.timeline;
    if (!tl) continue;
    endNs = Math.max(endNs, tl.endNs);
    const pre = results.length > 1 ? `${r.name}:` : '';
    // Index maps built in the order mergeTimelines meets the strings (first use per lane walk).
    const sMap = new Int32Array(tl.states.length).fill(-1);
    const cMap = new Int32Array(tl.causes.length).fill(-1);
    for (const l of tl.lanes) {
      const iv = l.intervals;
      for (let i = 0; i < iv.length; i += 4) {
        const st = iv[i + 2];
        if (sMap[st] < 0) sMap[st] = id(sIdx, states, tl.states[st]);
        const c = iv[i + 3];
        if (c >= 0 && cMap[c] < 0) cMap[c] = id(cIdx, causes, tl.causes[c]);
      }
      lanes.push({
        id: pre + l.id,
        label: l.label,
        group: pre + l.group,
        kind: l.kind,
        length: iv.length >> 2,
        startAt: (i) => iv[i * 4],
        endAt: (i) => iv[i * 4 + 1],
        stateAt: (i) => sMap[iv[i * 4 + 2]],
        causeAt: (i) => (iv[i * 4 + 3] >= 0 ? cMap[iv[i * 4 + 3]] : -1),
      });
    }
  }
  return { startNs: 0, endNs, states, causes, lanes };
}

/** One timeline for all variants: lanes prefixed by the variant name when there are several. */
export function mergeTimelines(results: VariantResult[]): TimelineData {
  const src = mergedTimelineSource(results);
  return {
    startNs: src.startNs,
    endNs: src.endNs,
    states: src.states.slice(),
    causes: src.causes.slice(),
    lanes: src.lanes.map(laneDataOf),
  };
}

// ------------------------------------------------------------------ text


function where(file: string, lines: LineIndex, r?: TextRange): string {
  if (!r) return file;
  const p = lines.positionAt(r.start);
  return `${file}:${p.line + 1}:${p.character + 1}`;
}

function taskKey(t: { vm?: string; name: string; kind: string }): string {
  return `${t.vm ? t.vm + '/' : 'host/'}${t.name}`;
}

/** How many names of variants not run the text summary lists (the JSON lists all). */
const NOT_RUN_SHOWN = 20;

export function renderSummary(file: string, title: string, results: VariantResult[], lines: LineIndex, diags: Diagnostic[], notRun?: NotRun): string {
  let out = `vpscope simulate ${file}: "${clipLabel(title)}"\n`;
  const warn = diags.filter((d) => d.severity === 'warning').length;
  if (warn) out += `${warn} warning${warn === 1 ? '' : 's'} from the checker (run 'vpscope check ${file === '<stdin>' ? '-' : file}')\n`;
  for (const r of results) {
    out += `\n== ${clipLabel(r.name)}${r.description ? ` - ${clipRuns(r.description, MAX_MESSAGE)}` : ''}\n`;
    out += `seed ${r.seed}, ${fmtNs(r.stop.simulatedNs)} simulated, ${r.stop.reason === 'completed' ? 'completed' : `STOPPED: ${r.stop.reason}`}, ${r.counters.events ?? 0} events\n\n`;
    if (r.tasks.length) {
      // `unfinished`: samples still running at the end, counted in `count` with their age then (censored).
      const rows = [['task', 'kind', 'measures', 'count', 'p50', 'p90', 'p99', 'max', 'mean', 'unfinished']];
      for (const t of r.tasks) rows.push([taskKey(t), t.kind, t.measures, String(t.latency.count), fmtNs(t.latency.p50), fmtNs(t.latency.p90), fmtNs(t.latency.p99), fmtNs(t.latency.max), fmtNs(t.latency.mean), t.latency.unfinished ? String(t.latency.unfinished) : '-']);
      out += table(rows, [false, false, false, true, true, true, true, true, true, true]);
    }
    if (r.vms.length) {
      out += '\n';
      const rows = [['vm', 'pool', 'pCPUs', 'cpu', 'share', 'weight share', 'steal', 'parked']];
      for (const v of r.vms) rows.push([v.name, v.pool, compactCpus(v.groupCpus), fmtNs(v.cpuNs), fmtFraction(v.share), fmtFraction(v.weightShare), fmtNs(v.stealNs), v.parkedNs ? fmtNs(v.parkedNs) : '-']);
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
    for (const g of stallGroups(r.stalls, 5)) out += `  ${where(file, lines, g.longest.range)}  ${stallLine(g.longest)}${g.more ? ` (and ${g.more} more like it among the ${r.stalls.length} longest)` : ''}\n`;
    if (r.findings.length) {
      out += '\nfindings:\n';
      for (const f of r.findings) out += `  ${where(file, lines, f.range)}: ${f.severity} ${f.code}: ${clipRuns(f.message, MAX_MESSAGE)}\n`;
    }
    const counters = Object.entries(r.counters).filter(([k]) => k !== 'events');
    if (counters.length) out += `\ncounters: ${counters.map(([k, v]) => `${k}=${Math.round(v)}`).join(', ')}\n`;
  }
  if (notRun && notRun.variants.length) {
    const n = notRun.variants.length;
    const shown = notRun.variants.slice(0, NOT_RUN_SHOWN).map(clipLabel).join(', ');
    out += `\n== not run (${notRun.reason}): ${n} variant${n === 1 ? '' : 's'}\n${shown}${n > NOT_RUN_SHOWN ? `, ... and ${n - NOT_RUN_SHOWN} more (all are listed in the JSON: notRun)` : ''}\n`;
  }
  if (results.length > 1) out += compare(results);
  return out;
}

/**
 * The longest stall of each task, VP and cause, longest first, at most `max` of them, with how
 * many more of the same kind the list holds: one queue that stays full stalls many IOs at once,
 * and their five lines would say the same thing five times. `stalls` is longest first (as the
 * run keeps them), so each group's first stall is its longest.
 */
function stallGroups(stalls: readonly Stall[], max: number): { longest: Stall; more: number }[] {
  const groups = new Map<string, { longest: Stall; more: number }>();
  for (const s of stalls) {
    const key = `${s.vm ?? ''}\u0000${s.task}\u0000${s.vp}\u0000${s.cause}`;
    const g = groups.get(key);
    if (g) g.more++;
    else groups.set(key, { longest: s, more: 0 });
  }
  return [...groups.values()].slice(0, max);
}

function stallLine(s: Stall): string {
  return `${clipLabel(s.task)}${s.vp >= 0 ? ` (vCPU/VP ${s.vp})` : ''} ${fmtNs(s.durationNs)} at ${fmtNs(s.startNs)}: ${s.cause}${s.causes?.length ? ` - ${s.causes[s.causes.length - 1]}` : ''}`;
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
  let out = `\n== comparison (vs ${clipLabel(base.name)})\n`;
  const rows = [['task', 'metric', base.name, ...results.slice(1).map((r) => r.name)]];
  // In order of first appearance (a Set: a run of thousands of tasks per variant stays linear).
  const seen = new Set(base.tasks.map(taskKey));
  for (const r of results.slice(1)) for (const t of r.tasks) seen.add(taskKey(t));
  const keys = [...seen];
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
    const row = [v.name, 'share', fmtFraction(v.share)];
    for (const r of results.slice(1)) {
      const x = r.vms.find((y) => y.name === v.name);
      row.push(x ? `${fmtFraction(x.share)} (weight ${fmtFraction(x.weightShare)})` : '-');
    }
    rows.push(row);
  }
  out += table(rows, rows[0].map((_, i) => i >= 2));
  const f = (r: VariantResult) => r.findings.map((x: Finding) => x.code);
  out += `findings: ${results.map((r) => `${clipLabel(r.name)} ${f(r).length ? f(r).join(',') : 'none'}`).join('; ')}\n`;
  return out;
}
