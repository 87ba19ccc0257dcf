/**
 * Which threads are vCPUs, and which VM each belongs to.
 *
 * vCPU threads are recognised by name (VMMs name them: QEMU `CPU 0/KVM`, Firecracker `fc_vcpu 0`,
 * cloud-hypervisor `vcpu0`, crosvm `crosvm_vcpu0`, kvmtool `kvm-vcpu-0`) or by kvm events
 * recorded while they were current (kvm_entry/kvm_exit carry a vcpu id; kvm_pio,
 * kvm_userspace_exit... only prove the thread runs a vCPU).
 *
 * VM grouping heuristic, first rule that applies:
 * 1. TGID known (tracefs `record-tgid` column, Chrome pid): one VM per process.
 * 2. The thread's creation was traced (sched_wakeup_new / sched_process_fork): vCPU threads
 *    created by the same thread (QEMU and kvmbar create them from the main thread) form one VM;
 *    a creator that is itself a vCPU thread passes on its own VM.
 * 3. Otherwise threads are grouped by tid range: VMMs create their vCPU threads one after the
 *    other, so tids are close and vCPU numbers increase; a new group starts when the vCPU number
 *    does not increase or the tids are more than 64 apart.
 * The rule used is reported per VM (`how`), since rules 2 and 3 are guesses.
 */
import type { ThreadInfo } from './events';

export interface VcpuIdentity {
  /** vCPU number within its VM (from the name, kvm events, or the order of tids). */
  vcpu: number;
  /** How the number was found. */
  vcpuFrom: 'name' | 'kvm' | 'order';
  vm: string;
}

export interface VmGroup {
  /** Stable id, e.g. `vm:1833`, or `vm:host.dat/1833` for a prefixed input file. */
  id: string;
  /** Label, e.g. `kvmbar (1833)`. */
  name: string;
  src: number;
  /** Process id of the VMM when known or guessed, else -1. */
  pid: number;
  how: 'tgid' | 'creator' | 'tid-range';
  /** Thread-table indices of its vCPU threads, by vCPU number. */
  vcpuThreads: number[];
}

const NAME_PATTERNS: RegExp[] = [
  /^CPU (\d+)\/(?:KVM|TCG|HVF|WHPX|NVMM)$/,
  /^fc_vcpu ?(\d+)$/,
  /^crosvm_vcpu ?(\d+)$/,
  /^kvm-vcpu-(\d+)$/,
  /^vcpu[ _-]?(\d+)$/i,
];

/** vCPU number from a thread name, or -1. */
export function vcpuFromName(comm: string): number {
  for (const re of NAME_PATTERNS) {
    const m = re.exec(comm);
    if (m) return Number(m[1]);
  }
  return -1;
}

export interface Identification {
  /** Thread-table index -> identity, for vCPU threads only. */
  vcpus: Map<number, VcpuIdentity>;
  vms: VmGroup[];
}

export function identifyVcpus(threads: readonly ThreadInfo[], commOf: (t: ThreadInfo) => string, sources: readonly string[]): Identification {
  const candidates: { idx: number; t: ThreadInfo; num: number; from: VcpuIdentity['vcpuFrom'] }[] = [];
  threads.forEach((t, idx) => {
    if (t.tid === 0) return;
    const byName = vcpuFromName(commOf(t));
    if (byName >= 0) candidates.push({ idx, t, num: byName, from: 'name' });
    else if (t.kvmVcpu >= 0) candidates.push({ idx, t, num: t.kvmVcpu, from: 'kvm' });
    else if (t.kvmEntries + t.kvmExits + t.kvmOther > 0) candidates.push({ idx, t, num: -1, from: 'order' });
  });

  const byKey = new Map<number, number>(); // (src, tid) key -> candidate index
  candidates.forEach((c, i) => byKey.set(c.t.src * 4294967296 + c.t.tid, i));
  const groupOf = new Array<string>(candidates.length).fill('');
  const groups = new Map<string, { src: number; pid: number; how: VmGroup['how']; members: number[] }>();
  const prefix = (src: number): string => (sources[src] ? `${sources[src]}/` : '');
  const add = (key: string, src: number, pid: number, how: VmGroup['how'], ci: number): void => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { src, pid, how, members: [] }));
    g.members.push(ci);
    groupOf[ci] = key;
  };

  // Rule 1: tgid.
  candidates.forEach((c, ci) => {
    if (c.t.tgid >= 0) add(`vm:${prefix(c.t.src)}${c.t.tgid}`, c.t.src, c.t.tgid, 'tgid', ci);
  });
  // Rule 2: creator (resolved in creation order so a creator vCPU is grouped first).
  const byCreation = candidates.map((_, i) => i).filter((ci) => !groupOf[ci] && candidates[ci].t.creator >= 0);
  byCreation.sort((a, b) => candidates[a].t.tid - candidates[b].t.tid);
  for (const ci of byCreation) {
    const c = candidates[ci];
    const creatorCand = byKey.get(c.t.src * 4294967296 + c.t.creator);
    if (creatorCand !== undefined && groupOf[creatorCand]) {
      const g = groups.get(groupOf[creatorCand])!;
      add(groupOf[creatorCand], g.src, g.pid, g.how, ci);
    } else add(`vm:${prefix(c.t.src)}${c.t.creator}`, c.t.src, c.t.creator, 'creator', ci);
  }
  // Rule 3: tid ranges.
  const rest = candidates.map((_, i) => i).filter((ci) => !groupOf[ci]);
  rest.sort((a, b) => candidates[a].t.src - candidates[b].t.src || candidates[a].t.tid - candidates[b].t.tid);
  let cur = '';
  let lastTid = -1e9;
  let lastNum = -1;
  let lastSrc = -1;
  for (const ci of rest) {
    const c = candidates[ci];
    if (!cur || c.t.src !== lastSrc || c.t.tid - lastTid > 64 || (c.num >= 0 && c.num <= lastNum)) {
      cur = `vm:${prefix(c.t.src)}~${c.t.tid}`;
      lastNum = -1;
    }
    add(cur, c.t.src, -1, 'tid-range', ci);
    lastTid = c.t.tid;
    lastSrc = c.t.src;
    if (c.num >= 0) lastNum = c.num;
  }

  const vcpus = new Map<number, VcpuIdentity>();
  const vms: VmGroup[] = [];
  const threadByKey = new Map<number, ThreadInfo>();
  for (const t of threads) threadByKey.set(t.src * 4294967296 + t.tid, t);
  for (const [id, g] of groups) {
    const members = g.members.map((ci) => candidates[ci]).sort((a, b) => a.t.tid - b.t.tid);
    // Numbers from names or kvm ids; the rest get the lowest numbers not taken, in tid order.
    const taken = new Set(members.filter((m) => m.num >= 0).map((m) => m.num));
    let next = 0;
    for (const m of members) {
      if (m.num >= 0) continue;
      while (taken.has(next)) next++;
      m.num = next;
      taken.add(next);
    }
    members.sort((a, b) => a.num - b.num);
    for (const m of members) vcpus.set(m.idx, { vcpu: m.num, vcpuFrom: m.from, vm: id });
    const main = g.pid >= 0 ? threadByKey.get(g.src * 4294967296 + g.pid) : undefined;
    const mainName = main ? commOf(main) : '';
    const name =
      g.pid >= 0 ? (mainName ? `${mainName} (${g.pid})` : `pid ${g.pid}`) : `VM of ${commOf(members[0].t) || 'tid'} ${members[0].t.tid}`;
    vms.push({ id, name, src: g.src, pid: g.pid, how: g.how, vcpuThreads: members.map((m) => m.idx) });
  }
  vms.sort((a, b) => a.src - b.src || (a.pid >= 0 && b.pid >= 0 ? a.pid - b.pid : a.id < b.id ? -1 : 1));
  return { vcpus, vms };
}
