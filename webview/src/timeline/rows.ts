/**
 * Which rows the timeline shows and where: group headers and lanes, grouped by the lane's `group`
 * (pool / VM / process), lanes ordered by kind then id (natural order, so VP 10 follows VP 9).
 * Groups: the pCPU lanes first (a group that mixes pCPUs with threads, as a trace's `host` does, is
 * split into `host CPUs` and `host threads`), then the VMs and other groups in document order,
 * then host thread groups, whose lanes are sorted by busy time (busiest first) when the caller
 * gives it; a group keeps its place in document order among its kind,
 * filtered by name, collapsed groups folded; two variants stacked (lanes of A, then of B, group
 * names prefixed with the variant's name). Also what a lane id says about the scenario (VM, VP,
 * task), used to reveal sources and to highlight lanes. Pure: no DOM.
 *
 * Lane ids are treated generically: `vm:VM/vp:N/...`, `vm:VM/vcpu:N`, `vm:VM/task:NAME`,
 * `vm:VM/ctrl:C/chan:I`, `vm:VM/disk:C/NAME`, `vm:VM/thread:NAME`, `host/pcpu:N`,
 * `host/thread:NAME`, `pid:N` (traces) all work, and unknown shapes just carry no identity.
 */
import type { LaneKind } from '../../../server/src/core/timeline';
import type { HighlightTarget, ViewRange } from '../../../server/src/shared/view';
import type { LaneModel } from '../contract';
import type { CounterTrack } from '../counterTracks';

export const GROUP_H = 20;
export const LANE_H = 18;
/** A counter track's row: taller than a lane, so that its values read as a chart. */
export const COUNTER_H = 30;

const KIND_ORDER: LaneKind[] = ['pcpu', 'vcpu', 'vp', 'task', 'channel', 'disk', 'thread', 'guest-thread', 'other'];
const kindRank = (k: string) => {
  const i = KIND_ORDER.indexOf(k as LaneKind);
  return i < 0 ? KIND_ORDER.length : i;
};

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Lane order inside a group: kind, then id in natural order. */
export function compareLanes(a: { kind: string; id: string }, b: { kind: string; id: string }): number {
  return kindRank(a.kind) - kindRank(b.kind) || collator.compare(a.id, b.id);
}

export interface GroupRow {
  type: 'group';
  /** Collapse key and label: the group's label, prefixed with the variant name when stacked. */
  key: string;
  label: string;
  variant: number;
  group: string;
  collapsed: boolean;
  /** Lanes of the group after filtering (counter tracks not included). */
  lanes: number;
  /** Counter tracks of the group after filtering. */
  counters: number;
  y: number;
  h: number;
}

export interface LaneRow {
  type: 'lane';
  key: string;
  variant: number;
  lane: LaneModel;
  y: number;
  h: number;
}

/** A counter track (counterTracks.ts), after the lanes of its process's group. */
export interface CounterRow {
  type: 'counter';
  key: string;
  variant: number;
  track: CounterTrack;
  y: number;
  h: number;
}

export type Row = GroupRow | LaneRow | CounterRow;

export interface RowInput {
  index: number;
  name: string;
  lanes: readonly LaneModel[];
  /** Display names of groups (e.g. `vm:1833` -> `VM kvmbar (1833)`). */
  groupNames?: ReadonlyMap<string, string>;
  /** On-CPU time of a lane, ns: orders the lanes of host thread groups (busiest first). */
  busyNs?: (lane: LaneModel) => number;
  /** Counter tracks: each goes after the lanes of the group named as its `group`, else into a `counters` group after all others. */
  counters?: readonly CounterTrack[];
}

/** A host group (`host`, `host/...`): its threads go after the VMs. */
const isHostGroup = (g: string) => g === 'host' || g.startsWith('host/') || g.startsWith('host:');

interface Section {
  group: string;
  label: string;
  lanes: LaneModel[];
  /** 0 = pCPUs, 1 = VMs and others, 2 = host threads, 3 = counters of no lane group. */
  rank: number;
  order: number;
  counters: CounterTrack[];
}

/** The groups of one variant, split and ordered (see the file comment). */
function sections(v: RowInput): Section[] {
  const groups = new Map<string, LaneModel[]>();
  for (const l of v.lanes) {
    let g = groups.get(l.group);
    if (!g) groups.set(l.group, (g = []));
    g.push(l);
  }
  const out: Section[] = [];
  let order = 0;
  for (const [group, lanes] of groups) {
    const glabel = groupLabel(group, v.groupNames);
    const cpus = lanes.filter((l) => l.kind === 'pcpu');
    const rest = cpus.length ? lanes.filter((l) => l.kind !== 'pcpu') : lanes;
    if (cpus.length && rest.length) {
      out.push({ group, label: `${glabel} CPUs`, lanes: cpus, rank: 0, order: order++, counters: [] });
      out.push({ group, label: `${glabel} threads`, lanes: rest, rank: isHostGroup(group) ? 2 : 1, order: order++, counters: [] });
    } else out.push({ group, label: glabel, lanes, rank: cpus.length ? 0 : isHostGroup(group) ? 2 : 1, order: order++, counters: [] });
  }
  // Counters go to the last section of their group (its threads, not its CPUs); the others to
  // one `counters` section per group name, after every lane group.
  const last = new Map<string, Section>();
  for (const s of out) last.set(s.group, s);
  const extra = new Map<string, Section>();
  for (const c of v.counters ?? []) {
    let s = last.get(c.group);
    if (!s) {
      s = extra.get(c.group);
      if (!s) extra.set(c.group, (s = { group: c.group, label: c.group === 'counters' ? 'counters' : `${groupLabel(c.group, v.groupNames)} counters`, lanes: [], rank: 3, order: order++, counters: [] }));
    }
    s.counters.push(c);
  }
  out.push(...extra.values());
  return out.sort((a, b) => a.rank - b.rank || a.order - b.order);
}

/** A group id as the user reads it. */
export function groupLabel(group: string, names?: ReadonlyMap<string, string>): string {
  const n = names?.get(group);
  if (n) return n;
  if (group.startsWith('vm:')) return `VM ${group.slice(3)}`;
  if (group.startsWith('pool:')) return `pool ${group.slice(5)}`;
  return group;
}

/** Rows of the shown variants, with their y (CSS px from the top of the lane area). */
export function buildRows(variants: readonly RowInput[], filter: string, collapsed: ReadonlySet<string>): Row[] {
  const rows: Row[] = [];
  const f = filter.trim().toLowerCase();
  const stacked = variants.length > 1;
  let y = 0;
  for (const v of variants) {
    for (const { group, label: glabel, lanes, rank, counters } of sections(v)) {
      const label = stacked ? `${v.name}: ${glabel}` : glabel;
      const groupHit = f !== '' && (glabel.toLowerCase().includes(f) || group.toLowerCase().includes(f));
      const shown = lanes.filter((l) => f === '' || groupHit || l.label.toLowerCase().includes(f) || l.id.toLowerCase().includes(f));
      const busy = v.busyNs;
      if (rank === 2 && busy) {
        const b = new Map(shown.map((l) => [l, busy(l)]));
        shown.sort((x, y) => (b.get(y) ?? 0) - (b.get(x) ?? 0) || compareLanes(x, y));
      } else shown.sort(compareLanes);
      const tracks = counters.filter((c) => f === '' || groupHit || c.label.toLowerCase().includes(f) || c.id.toLowerCase().includes(f));
      if (shown.length === 0 && tracks.length === 0) continue;
      const isCollapsed = collapsed.has(label);
      rows.push({ type: 'group', key: label, label, variant: v.index, group, collapsed: isCollapsed, lanes: shown.length, counters: tracks.length, y, h: GROUP_H });
      y += GROUP_H;
      if (isCollapsed) continue;
      for (const lane of shown) {
        rows.push({ type: 'lane', key: `${v.index}:${lane.id}`, variant: v.index, lane, y, h: LANE_H });
        y += LANE_H;
      }
      for (const track of tracks) {
        rows.push({ type: 'counter', key: `${v.index}:${track.id}`, variant: v.index, track, y, h: COUNTER_H });
        y += COUNTER_H;
      }
    }
  }
  return rows;
}

/** A group's size as read in its header and announced: `3 lanes`, `3 lanes, 3 counters`, `1 lane, 1 counter`. */
export function groupCount(r: Pick<GroupRow, 'lanes' | 'counters'>): string {
  const lanes = `${r.lanes} ${r.lanes === 1 ? 'lane' : 'lanes'}`;
  return r.counters > 0 ? `${lanes}, ${r.counters} ${r.counters === 1 ? 'counter' : 'counters'}` : lanes;
}

/**
 * Where the lane area is scrolled, as a row and a distance into it: the last lane or group row
 * that starts at or above `scrollY` (a counter row at the top anchors to the lane or header
 * before it, since counter rows come and go), and `scrollY` minus its top. Undefined without rows.
 */
export function scrollAnchorOf(rows: readonly Row[], scrollY: number): { row: string; offset: number } | undefined {
  let i = rowAt(rows, scrollY);
  if (i < 0) i = scrollY <= 0 ? 0 : rows.length - 1;
  while (i > 0 && rows[i].type === 'counter') i--;
  const r = rows[i];
  if (!r) return undefined;
  return { row: r.key, offset: Math.max(0, scrollY - r.y) };
}

/** The scroll position that puts an anchor's row where it was; undefined when the row is not shown. */
export function scrollForAnchor(rows: readonly Row[], a: { row: string; offset: number }): number | undefined {
  const r = rows.find((x) => x.key === a.row);
  return r ? r.y + a.offset : undefined;
}

/** Total height of the rows, CSS px. */
export const rowsHeight = (rows: readonly Row[]): number => (rows.length ? rows[rows.length - 1].y + rows[rows.length - 1].h : 0);

/** Index of the row at y (CSS px in the lane area), -1 when none. */
export function rowAt(rows: readonly Row[], y: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    const r = rows[m];
    if (y < r.y) hi = m - 1;
    else if (y >= r.y + r.h) lo = m + 1;
    else return m;
  }
  return -1;
}

/** What a lane id says about the scenario. */
export interface LaneIdentity {
  vm?: string;
  vp?: number;
  task?: string;
}

export function laneIdentity(id: string): LaneIdentity {
  const out: LaneIdentity = {};
  const parts = id.split('/');
  for (const p of parts) {
    const c = p.indexOf(':');
    if (c < 0) continue;
    const k = p.slice(0, c);
    const v = p.slice(c + 1);
    if (k === 'vm' && out.vm === undefined) out.vm = v;
    else if ((k === 'vp' || k === 'vcpu') && /^\d+$/.test(v)) out.vp = Number(v);
    else if (k === 'task') out.task = v;
    // A guest thread (`thread:tick#2`: the third of `thread tick { count 4 }`), a host load's
    // thread (`host/thread:hog`) or a parallel region's team member (`region:omp/t:3`) belongs
    // to the task its statement declares. Names are identifiers: never a `#`.
    else if (k === 'thread') out.task = v.replace(/#\d+$/, '');
    else if (k === 'region') out.task = v;
  }
  return out;
}

/** Whether a lane belongs to a highlight target (task lanes for a task, the VM's lanes for a VM...). */
export function laneMatches(id: LaneIdentity, t: HighlightTarget): boolean {
  if (t.vm === undefined && t.vp === undefined && t.task === undefined) return false;
  if (t.vm !== undefined && id.vm !== t.vm) return false;
  if (t.task !== undefined && id.task !== t.task) return false;
  if (t.vp !== undefined && id.vp !== t.vp) return false;
  return true;
}

interface Ranged {
  name?: unknown;
  vm?: unknown;
  range?: unknown;
}

const isRange = (r: unknown): r is ViewRange =>
  typeof r === 'object' && r !== null && typeof (r as ViewRange).start?.line === 'number' && typeof (r as ViewRange).end?.line === 'number';

/**
 * The source range responsible for an interval of a lane in a simulated run: the task named by
 * the interval's cause, else the lane's task, else the VM named by the lane or the cause
 * (`db vCPU 0` on a pCPU lane), else none.
 */
export function revealRangeFor(run: Record<string, unknown> | undefined, laneId: string, cause: string | undefined): ViewRange | undefined {
  if (!run) return undefined;
  const tasks = (Array.isArray(run.tasks) ? run.tasks : []) as Ranged[];
  const vms = (Array.isArray(run.vms) ? run.vms : []) as Ranged[];
  const id = laneIdentity(laneId);
  const taskRange = (name: string | undefined, vm?: string) => {
    if (!name) return undefined;
    const t = tasks.find((x) => x.name === name && (vm === undefined || x.vm === undefined || x.vm === vm) && isRange(x.range));
    return t ? (t.range as ViewRange) : undefined;
  };
  const vmRange = (name: string | undefined) => {
    if (!name) return undefined;
    const v = vms.find((x) => x.name === name && isRange(x.range));
    return v ? (v.range as ViewRange) : undefined;
  };
  const byCause = taskRange(cause, id.vm) ?? taskRange(cause);
  if (byCause) return byCause;
  const byTask = taskRange(id.task, id.vm);
  if (byTask) return byTask;
  const byVm = vmRange(id.vm);
  if (byVm) return byVm;
  if (cause) {
    // A cause that starts with a VM's name: `db vCPU 0`, `db VP 2 exit`...
    const v = vms.find((x) => typeof x.name === 'string' && isRange(x.range) && (cause === x.name || cause.startsWith(`${x.name} `)));
    if (v) return v.range as ViewRange;
  }
  return undefined;
}
