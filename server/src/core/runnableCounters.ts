/**
 * Counters derived from a timeline: per VM (the `group` of its vCPU lanes), and per pool when the
 * caller names pools, how many vCPUs are running and how many are runnable but waiting for a pCPU,
 * and the steal time accumulated so far (the waiting vCPU-time, ns). The Chrome export writes them
 * as `runnable vCPUs` / `steal ms` counter events (chromeTrace.ts); the timeline view draws them
 * as counter tracks. One sweep serves both, so they always agree.
 *
 * A vCPU is running in the `running` and `inferred` states, waiting in `runnable`. The sweep sorts
 * the start and end times of each kind (native numeric sorts, no comparator) and walks them in
 * time order: O(n log n) for n intervals of the group's vCPU lanes. Pure: no I/O.
 */

/** What the sweep reads of a lane (a `LaneSource`, or the webview's decoded columns). */
export interface CounterLane {
  readonly group: string;
  readonly kind: string;
  readonly length: number;
  startAt(i: number): number;
  endAt(i: number): number;
  stateAt(i: number): number;
}

/** One step of the sweep: the counts after every change at `ts`, and the steal accumulated up to `ts`. Reused between steps. */
export interface RunnableStep {
  ts: number;
  running: number;
  waiting: number;
  stealNs: number;
}

/** State indices the sweep counts as running and as waiting. */
export function runnableStates(states: readonly string[]): { running: Set<number>; waiting: number } {
  return { running: new Set(['running', 'inferred'].map((s) => states.indexOf(s)).filter((i) => i >= 0)), waiting: states.indexOf('runnable') };
}

/** The vCPU lanes by group, in the order of their first lane. */
export function vcpuGroups<L extends CounterLane>(lanes: readonly L[]): Map<string, L[]> {
  const byGroup = new Map<string, L[]>();
  for (const l of lanes) {
    if (l.kind !== 'vcpu') continue;
    let g = byGroup.get(l.group);
    if (!g) byGroup.set(l.group, (g = []));
    g.push(l);
  }
  return byGroup;
}

/**
 * Every distinct interval boundary of `lanes` in time order, with the running and waiting counts
 * after it and the steal time before it. Yields nothing when no interval is running or waiting.
 * The yielded object is reused: copy what you keep.
 */
export function* runnableSweep(states: readonly string[], lanes: readonly CounterLane[]): Generator<RunnableStep> {
  const { running: stRunning, waiting: stWaiting } = runnableStates(states);
  let n = 0;
  for (const l of lanes) for (let i = 0; i < l.length; i++) if (stRunning.has(l.stateAt(i)) || l.stateAt(i) === stWaiting) n++;
  if (n === 0) return;
  const rs = new Float64Array(n);
  const re = new Float64Array(n);
  const ws = new Float64Array(n);
  const we = new Float64Array(n);
  let nr = 0;
  let nw = 0;
  for (const l of lanes) {
    for (let i = 0; i < l.length; i++) {
      const st = l.stateAt(i);
      if (st === stWaiting) {
        ws[nw] = l.startAt(i);
        we[nw++] = l.endAt(i);
      } else if (stRunning.has(st)) {
        rs[nr] = l.startAt(i);
        re[nr++] = l.endAt(i);
      }
    }
  }
  const lists = [rs.subarray(0, nr).sort(), re.subarray(0, nr).sort(), ws.subarray(0, nw).sort(), we.subarray(0, nw).sort()];
  const step: RunnableStep = { ts: 0, running: 0, waiting: 0, stealNs: 0 };
  let running = 0;
  let waiting = 0;
  let stealNs = 0;
  let last = -Infinity;
  const at = [0, 0, 0, 0];
  for (;;) {
    let ts = Infinity;
    for (let q = 0; q < 4; q++) if (at[q] < lists[q].length && lists[q][at[q]] < ts) ts = lists[q][at[q]];
    // The counts since `last` hold until `ts` (the last ones until the end: ts is Infinity).
    if (last !== -Infinity) {
      step.ts = last;
      step.running = running;
      step.waiting = waiting;
      step.stealNs = stealNs;
      yield step;
    }
    if (ts === Infinity) break;
    if (last !== -Infinity) stealNs += waiting * (ts - last);
    last = ts;
    while (at[0] < nr && lists[0][at[0]] === ts) { running++; at[0]++; }
    while (at[1] < nr && lists[1][at[1]] === ts) { running--; at[1]++; }
    while (at[2] < nw && lists[2][at[2]] === ts) { waiting++; at[2]++; }
    while (at[3] < nw && lists[3][at[3]] === ts) { waiting--; at[3]++; }
  }
}

/** The derived counters of one VM or pool, as step series (a value holds until the next point). */
export interface RunnableSeries {
  /** The VM's lane group (`vm:NAME`), or `pool:NAME`. */
  group: string;
  /** Change points of the running and waiting counts (a point only where one of them changes). */
  ts: Float64Array;
  running: Float64Array;
  waiting: Float64Array;
  /** Steal accumulated up to each point, ms (rounded to 1 us, as the Chrome export writes it). */
  stealMs: Float64Array;
}

/** A pool for {@link runnableSeries}: its name and the lane groups (`vm:NAME`) of its VMs. */
export interface CounterPool {
  name: string;
  groups: readonly string[];
}

/** Per VM with vCPU lanes (then per pool), the running / waiting / steal series; VMs and pools that never run nor wait are left out. */
export function runnableSeries(states: readonly string[], lanes: readonly CounterLane[], pools: readonly CounterPool[] = []): RunnableSeries[] {
  const byGroup = vcpuGroups(lanes);
  const targets: [string, CounterLane[]][] = [...byGroup];
  for (const p of pools) targets.push([`pool:${p.name}`, p.groups.flatMap((g) => byGroup.get(g) ?? [])]);
  const out: RunnableSeries[] = [];
  for (const [group, ls] of targets) {
    const ts: number[] = [];
    const run: number[] = [];
    const wait: number[] = [];
    const steal: number[] = [];
    for (const s of runnableSweep(states, ls)) {
      const k = ts.length;
      if (k > 0 && run[k - 1] === s.running && wait[k - 1] === s.waiting) continue;
      ts.push(s.ts);
      run.push(s.running);
      wait.push(s.waiting);
      steal.push(Math.round(s.stealNs / 1000) / 1000);
    }
    if (ts.length) out.push({ group, ts: Float64Array.from(ts), running: Float64Array.from(run), waiting: Float64Array.from(wait), stealMs: Float64Array.from(steal) });
  }
  return out;
}
