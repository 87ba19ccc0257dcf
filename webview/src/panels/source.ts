/**
 * What the panels read from a view document, checked field by field: a simulated variant's tasks,
 * stalls, findings, VMs and counters (run JSON), or the trace's findings, VMs and stats. Missing or
 * malformed fields become empty lists; nothing here throws on bad input.
 *
 * Pure: no DOM.
 */
import type { ViewRange } from '../../../server/src/shared/view';
import { isViewRange } from '../../../server/src/shared/view';
import { setOwn } from '../../../server/src/core/dict';
import { readLatency, type Latency } from './logic';

export interface TaskRow {
  name: string;
  kind: string;
  vm?: string;
  measures: string;
  latency?: Latency;
  range?: ViewRange;
}

export interface StallRow {
  /** Index into `run.variants[v].stalls`. */
  index: number;
  task?: string;
  vp?: number;
  vm?: string;
  cause: string;
  causes: string[];
  startNs: number;
  durationNs: number;
  range?: ViewRange;
  /** The lane id the simulator recorded with the stall. */
  lane?: string;
}

/**
 * Every stall of a run, not only the listed ones (`stallSummary` of `vpscope.run/1`): the run
 * JSON lists the longest (at most 200 per variant), these are the totals.
 */
export interface StallTotals {
  count: number;
  byCause: { cause: string; count: number; totalNs: number; maxNs: number }[];
}

export interface FindingRow {
  /** Index into the findings list (run variant's, or the trace's). */
  index: number;
  code: string;
  severity: string;
  title: string;
  message: string;
  fix?: string;
  causes: string[];
  range?: ViewRange;
  lane?: string;
  startNs?: number;
  durationNs?: number;
}

export interface VmRow {
  name: string;
  pool?: string;
  vcpus?: number;
  weight?: number;
  cpuNs?: number;
  stealNs?: number;
  share?: number;
  weightShare?: number;
  capacityShare?: number;
  /** Traces: running / runnable ns and steal %. */
  runnableNs?: number;
  stealPct?: number;
}

/** CPU time of one VP (simulation `vps[]`) or one vCPU thread (trace `threads[]` with a vcpu). */
export interface VpRow {
  vm: string;
  /** VP number (simulation) or vCPU number (trace). */
  vp?: number;
  /** Thread name (trace). */
  name?: string;
  /** Host-view ns per state (simulation), or running/runnable/sleeping/blocked (trace). */
  states: Record<string, number>;
  stealNs?: number;
  stealPct?: number;
  preemptions?: number;
  migrations?: number;
  wakeP99Ns?: number;
}

export interface CpuRow {
  cpu: number;
  pool?: string;
  busyNs?: number;
  idleNs?: number;
  switches?: number;
}

export interface VariantData {
  name: string;
  tasks: TaskRow[];
  stalls: StallRow[];
  /** Totals over all the run's stalls (simulations whose run JSON has `stallSummary`). */
  stallTotals?: StallTotals;
  findings: FindingRow[];
  vms: VmRow[];
  vps: VpRow[];
  cpus: CpuRow[];
  /** Flat name -> value (simulation counters, or trace stats). */
  counters: { name: string; value: number; note?: string }[];
  /** A Chrome trace's counter series (`vpscope.trace/1` `counters`); absent for simulations. */
  series?: CounterSeriesRow[];
  /** Series the document left out (`countersOmitted`). */
  seriesOmitted?: number;
  /** The trace's last timestamp (`window.endNs`): the last value of a series holds until it. */
  seriesEndNs?: number;
}

/** One counter series of a trace, with its points in time order (`x` in ns, the trace's clock). */
export interface CounterSeriesRow {
  name: string;
  process: string;
  samples: number;
  min: number;
  mean: number;
  max: number;
  last: number;
  points: { x: number; y: number }[];
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const range = (x: unknown): ViewRange | undefined => (isViewRange(x) ? x : undefined);

function readFindings(list: unknown): FindingRow[] {
  const out: FindingRow[] = [];
  arr(list).forEach((f, index) => {
    if (!isObj(f)) return;
    out.push({
      index,
      code: str(f.code) ?? '',
      severity: str(f.severity) ?? 'info',
      title: str(f.title) ?? '',
      message: str(f.message) ?? '',
      fix: str(f.fix),
      causes: arr(f.causes).filter((c): c is string => typeof c === 'string'),
      range: range(f.range),
      lane: str(f.lane),
      startNs: num(f.startNs),
      durationNs: num(f.durationNs),
    });
  });
  return out;
}

/** Flattens nested numeric objects: `{a: {b: 1}}` -> `a.b = 1`. */
function flatten(prefix: string, x: unknown, out: { name: string; value: number; note?: string }[], depth = 0): void {
  if (depth > 4) return;
  if (num(x) !== undefined) out.push({ name: prefix, value: x as number });
  else if (isObj(x)) {
    // A trace stats counter: {value, severity, description}.
    if (num(x.value) !== undefined && (str(x.description) !== undefined || str(x.severity) !== undefined)) {
      out.push({ name: prefix, value: x.value as number, note: [str(x.severity), str(x.description)].filter(Boolean).join(': ') });
      return;
    }
    for (const k of Object.keys(x)) flatten(prefix ? `${prefix}.${k}` : k, x[k], out, depth + 1);
  }
}

function numbers(x: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  // setOwn: a key such as `__proto__` (a trace's exit reason) is kept as a plain key.
  if (isObj(x)) for (const [k, v] of Object.entries(x)) if (num(v) !== undefined) setOwn(out, k, v as number);
  return out;
}

function readCpus(list: unknown): CpuRow[] {
  const out: CpuRow[] = [];
  for (const c of arr(list)) {
    if (!isObj(c) || num(c.cpu) === undefined) continue;
    out.push({ cpu: c.cpu as number, pool: str(c.pool), busyNs: num(c.busyNs), idleNs: num(c.idleNs), switches: num(c.switches) });
  }
  return out;
}

export function simulationData(run: Obj | undefined, name: string): VariantData {
  const r = run ?? {};
  const tasks: TaskRow[] = [];
  for (const t of arr(r.tasks)) {
    if (!isObj(t) || str(t.name) === undefined) continue;
    tasks.push({ name: t.name as string, kind: str(t.kind) ?? '', vm: str(t.vm), measures: str(t.measures) ?? 'latency', latency: readLatency(t.latency), range: range(t.range) });
  }
  const stalls: StallRow[] = [];
  arr(r.stalls).forEach((s, index) => {
    if (!isObj(s)) return;
    const startNs = num(s.startNs);
    const durationNs = num(s.durationNs);
    if (startNs === undefined || durationNs === undefined) return;
    stalls.push({
      index,
      task: str(s.task),
      vp: num(s.vp),
      vm: str(s.vm),
      cause: str(s.cause) ?? '',
      causes: arr(s.causes).filter((c): c is string => typeof c === 'string'),
      startNs,
      durationNs,
      range: range(s.range),
      lane: str(s.lane),
    });
  });
  const summary = isObj(r.stallSummary) ? r.stallSummary : undefined;
  let stallTotals: StallTotals | undefined;
  if (summary && num(summary.count) !== undefined) {
    const byCause: StallTotals['byCause'] = [];
    if (isObj(summary.byCause)) {
      for (const [cause, c] of Object.entries(summary.byCause)) {
        if (!isObj(c) || num(c.count) === undefined) continue;
        byCause.push({ cause, count: c.count as number, totalNs: num(c.totalNs) ?? 0, maxNs: num(c.maxNs) ?? 0 });
      }
    }
    stallTotals = { count: summary.count as number, byCause };
  }
  const vms: VmRow[] = [];
  for (const v of arr(r.vms)) {
    if (!isObj(v) || str(v.name) === undefined) continue;
    vms.push({
      name: v.name as string,
      pool: str(v.pool),
      vcpus: num(v.vcpus),
      weight: num(v.weight),
      cpuNs: num(v.cpuNs),
      stealNs: num(v.stealNs),
      share: num(v.share),
      weightShare: num(v.weightShare),
      capacityShare: num(v.capacityShare),
    });
  }
  const vps: VpRow[] = [];
  for (const v of arr(r.vps)) {
    if (!isObj(v) || str(v.vm) === undefined) continue;
    vps.push({ vm: v.vm as string, vp: num(v.vp), states: numbers(v.states), stealNs: num(v.stealNs) });
  }
  const counters: VariantData['counters'] = [];
  flatten('', isObj(r.counters) ? r.counters : {}, counters);
  const out: VariantData = { name, tasks, stalls, findings: readFindings(r.findings), vms, vps, cpus: readCpus(r.pcpus), counters };
  if (stallTotals) out.stallTotals = stallTotals;
  return out;
}

export function traceData(trace: Obj | undefined): VariantData {
  const t = trace ?? {};
  const vms: VmRow[] = [];
  for (const v of arr(t.vms)) {
    if (!isObj(v)) continue;
    const name = str(v.name) ?? str(v.id);
    if (name === undefined) continue;
    vms.push({ name, vcpus: Array.isArray(v.vcpus) ? v.vcpus.length : num(v.vcpus), cpuNs: num(v.runningNs), runnableNs: num(v.runnableNs), stealPct: num(v.stealPct), share: num(v.cpuShare) });
  }
  const counters: VariantData['counters'] = [];
  const stats = isObj(t.stats) ? t.stats : {};
  // `warnings` is a list of texts: count it, the messages are in the findings and the CLI output.
  const { warnings: _w, ...rest } = stats;
  flatten('', rest, counters);
  const vmName = new Map<string, string>();
  for (const v of arr(t.vms)) if (isObj(v) && str(v.id) !== undefined && str(v.name) !== undefined) vmName.set(v.id as string, v.name as string);
  const vps: VpRow[] = [];
  for (const th of arr(t.threads)) {
    if (!isObj(th) || num(th.vcpu) === undefined) continue;
    const vm = str(th.vm) ?? '';
    const states: Record<string, number> = {};
    for (const k of ['running', 'runnable', 'sleeping', 'blocked']) {
      const x = num(th[`${k}Ns`]);
      if (x !== undefined) states[k] = x;
    }
    const wl = isObj(th.wakeLatency) ? num(th.wakeLatency.p99) : undefined;
    vps.push({
      vm: vmName.get(vm) ?? vm,
      vp: num(th.vcpu),
      name: str(th.comm) !== undefined ? `${th.comm as string} (${num(th.tid) ?? '?'})` : undefined,
      states,
      stealPct: num(th.stealPct),
      preemptions: num(th.preemptions),
      migrations: num(th.migrations),
      wakeP99Ns: wl,
    });
  }
  const out: VariantData = { name: 'trace', tasks: [], stalls: [], findings: readFindings(t.findings), vms, vps, cpus: readCpus(t.cpus), counters };
  const series = readSeries(t.counters);
  if (series.length) out.series = series;
  const endNs = isObj(t.window) ? num(t.window.endNs) : undefined;
  if (series.length && endNs !== undefined) out.seriesEndNs = endNs;
  const omitted = num(t.countersOmitted);
  if (omitted) out.seriesOmitted = omitted;
  return out;
}

/** `counters` of `vpscope.trace/1`: series without a name or numbers are skipped, points must be finite pairs in time order. */
export function readSeries(x: unknown): CounterSeriesRow[] {
  const out: CounterSeriesRow[] = [];
  for (const c of arr(x)) {
    if (!isObj(c)) continue;
    const name = str(c.name);
    const samples = num(c.samples);
    const [min, mean, max, last] = [num(c.min), num(c.mean), num(c.max), num(c.last)];
    if (name === undefined || samples === undefined || min === undefined || mean === undefined || max === undefined || last === undefined) continue;
    const flat = arr(c.points);
    const points: { x: number; y: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const px = num(flat[i]);
      const py = num(flat[i + 1]);
      if (px === undefined || py === undefined || (points.length && px < points[points.length - 1].x)) continue;
      points.push({ x: px, y: py });
    }
    out.push({ name, process: str(c.process) ?? '', samples, min, mean, max, last, points });
  }
  return out;
}
