/**
 * Test generator for host + guest linking: a host schedule of vCPU threads (synthetic, as
 * tracefs text, or read from a real host trace's timeline) and a guest tracefs text consistent
 * with it: guest CPU N switches tasks only while the host runs vCPU N's thread, goes idle before
 * the host vCPU thread sleeps, and keeps its current thread (frozen, no event) while the host has
 * the vCPU preempted. Guest time = host time - offset. The generator also returns what it put in
 * (stalls with their thief), for the tests to compare with the linker's answers.
 */

import { analyzeTraceParts, type ImportedTrace } from '../../server/src/trace';
import { buildDat, pages, switchRec, TSC_OFFSET_FMT, tscOffsetRec, wakeupRec, type WEvent } from './datWriter';

/** One stretch of a host vCPU thread: running, preempted (runnable, `who` ran instead) or sleeping. */
export interface Seg {
  a: number;
  b: number;
  kind: 'run' | 'preempted' | 'sleep';
  who?: string;
}

export interface HostSpec {
  /** Per vCPU (index = vCPU number = pCPU it is pinned to): its stretches, in order, µs-aligned ns. */
  vcpus: Seg[][];
  text: string;
}

const us = (ns: number): string => (ns / 1e9).toFixed(6);

export function line(comm: string, pid: number, cpu: number, ts: number, event: string, body: string): string {
  return `${`${comm}-${pid}`.padStart(22)} [${String(cpu).padStart(3, '0')}] d..2. ${us(ts).padStart(13)}: ${event}: ${body}`;
}

export const sw = (pc: string, pp: number, st: string, nc: string, np: number): string =>
  `prev_comm=${pc} prev_pid=${pp} prev_prio=120 prev_state=${st} ==> next_comm=${nc} next_pid=${np} next_prio=120`;
export const wk = (c: string, p: number, cpu: number): string => `comm=${c} pid=${p} prio=120 target_cpu=${String(cpu).padStart(3, '0')}`;

function header(cpus: number, n: number): string[] {
  return [
    '# tracer: nop',
    '#',
    `# entries-in-buffer/entries-written: ${n}/${n}   #P:${cpus}`,
    '#',
    '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION',
    '#              | |         |   |||||     |         |',
  ];
}

export const VCPU_TID = 1001;
export const HOG_TID = 2001;

/**
 * A host of `steps.length` pCPUs, vCPU thread `CPU n/KVM` (tid 1001+n) pinned to pCPU n beside a
 * host hog `hog` (tid 2001+n). Each step: the vCPU runs `run` µs, then is preempted by the hog for
 * `gap` µs (kind 0) or sleeps for `gap` µs (kind 1).
 */
export function hostTrace(
  steps: { run: number; gap: number; kind: 0 | 1 }[][],
  startNs = 100e9,
  o: {
    vcpuTids?: number[];
    vcpuNumbers?: number[];
    /** Also trace kvm_entry `kvmUs` after each switch-in and kvm_exit `kvmUs` before each switch-out (runs longer than 2 x kvmUs). */
    kvmUs?: number;
  } = {},
): HostSpec {
  const rows: { ts: number; cpu: number; s: string }[] = [];
  const vcpus: Seg[][] = [];
  steps.forEach((list, cpu) => {
    const vc = `CPU ${o.vcpuNumbers?.[cpu] ?? cpu}/KVM`;
    const vt = o.vcpuTids?.[cpu] ?? VCPU_TID + cpu;
    const ht = HOG_TID + cpu;
    const segs: Seg[] = [];
    let t = startNs;
    // Start: idle, wake the vCPU.
    rows.push({ ts: t, cpu, s: line('<idle>', 0, cpu, t, 'sched_wakeup', wk(vc, vt, cpu)) });
    rows.push({ ts: t, cpu, s: line('<idle>', 0, cpu, t, 'sched_switch', sw(`swapper/${cpu}`, 0, 'R', vc, vt)) });
    const kvm = (a: number, b: number): void => {
      const k = (o.kvmUs ?? 0) * 1000;
      if (!k || b - a <= 2 * k) return;
      const n = o.vcpuNumbers?.[cpu] ?? cpu;
      rows.push({ ts: a + k, cpu, s: line(vc, vt, cpu, a + k, 'kvm_entry', `vcpu ${n}, rip 0xffffffff81000000`) });
      rows.push({ ts: b - k, cpu, s: line(vc, vt, cpu, b - k, 'kvm_exit', `exit_reason=12 guest_rip=0xffffffff81000000 isa=1 info1=0x0 info2=0x0 vcpu_id=${n}`) });
    };
    for (const st of list) {
      const a = t;
      t += st.run * 1000;
      segs.push({ a, b: t, kind: 'run' });
      kvm(a, t);
      if (st.kind === 0) {
        rows.push({ ts: t, cpu, s: line(vc, vt, cpu, t, 'sched_wakeup', wk('hog', ht, cpu)) });
        rows.push({ ts: t, cpu, s: line(vc, vt, cpu, t, 'sched_switch', sw(vc, vt, 'R', 'hog', ht)) });
        const g = t;
        t += st.gap * 1000;
        segs.push({ a: g, b: t, kind: 'preempted', who: `hog (${ht})` });
        rows.push({ ts: t, cpu, s: line('hog', ht, cpu, t, 'sched_switch', sw('hog', ht, 'S', vc, vt)) });
      } else {
        rows.push({ ts: t, cpu, s: line(vc, vt, cpu, t, 'sched_switch', sw(vc, vt, 'S', `swapper/${cpu}`, 0)) });
        const g = t;
        t += st.gap * 1000;
        segs.push({ a: g, b: t, kind: 'sleep' });
        rows.push({ ts: t, cpu, s: line('<idle>', 0, cpu, t, 'sched_wakeup', wk(vc, vt, cpu)) });
        rows.push({ ts: t, cpu, s: line('<idle>', 0, cpu, t, 'sched_switch', sw(`swapper/${cpu}`, 0, 'R', vc, vt)) });
      }
    }
    // End: one more run, then the vCPU sleeps.
    const a = t;
    t += 1_000_000;
    segs.push({ a, b: t, kind: 'run' });
    kvm(a, t);
    rows.push({ ts: t, cpu, s: line(vc, vt, cpu, t, 'sched_switch', sw(vc, vt, 'S', `swapper/${cpu}`, 0)) });
    vcpus.push(segs);
  });
  rows.sort((x, y) => x.ts - y.ts || x.cpu - y.cpu);
  return { vcpus, text: [...header(steps.length, rows.length), ...rows.map((r) => r.s)].join('\n') + '\n' };
}

export interface GuestStall {
  /** Host axis. */
  startNs: number;
  durationNs: number;
  cpu: number;
  thread: string;
  thief: string;
}

export interface GuestSpec {
  text: string;
  /** Preempted stretches during which a guest thread was current, after the CPU's first guest event. */
  stalls: GuestStall[];
  /** Guest switch events emitted, per CPU. */
  events: number[];
  /** Last guest event, host axis. */
  lastNs: number;
}

export const GUEST_TID = 301;

/**
 * The guest trace of the vCPUs' stretches (host axis), with guest time = host time - offsetNs.
 * Guest CPU n runs threads `worker` (tids 301+10n, 302+10n), pinned. Events are placed at least
 * `marginNs` inside host running stretches; stretches too short for that get none.
 */
export function guestTrace(
  vcpus: Seg[][],
  offsetNs: number,
  o: {
    marginNs?: number;
    comm?: (cpu: number, k: number) => string;
    /** Inconsistency: in every `injectEvery`-th host sleep of a vCPU (of at least 60 us), the guest runs a thread briefly (2 switch events the host contradicts). */
    injectEvery?: number;
  } = {},
): GuestSpec & { injected: number } {
  const margin = o.marginNs ?? 5000;
  const rows: { ts: number; cpu: number; s: string }[] = [];
  const stalls: GuestStall[] = [];
  const events: number[] = [];
  let lastNs = -Infinity;
  let injected = 0;
  const comm = o.comm ?? (() => 'worker');
  vcpus.forEach((segs, cpu) => {
    const tids = [GUEST_TID + 10 * cpu, GUEST_TID + 10 * cpu + 1];
    let cur = -1; // index into tids, -1 idle
    let started = false;
    let n = 0;
    let sleeps = 0;
    const name = (k: number): string => (k < 0 ? `swapper/${cpu}` : comm(cpu, k));
    const pid = (k: number): number => (k < 0 ? 0 : tids[k]);
    const emit = (hostTs: number, next: number, prevState: string): void => {
      const g = Math.round((hostTs - offsetNs) / 1000) * 1000;
      if (next >= 0 && cur < 0) rows.push({ ts: g - 1000, cpu, s: line(name(cur), pid(cur), cpu, g - 1000, 'sched_wakeup', wk(name(next), pid(next), cpu)) });
      rows.push({ ts: g, cpu, s: line(name(cur), pid(cur), cpu, g, 'sched_switch', sw(name(cur), pid(cur), cur < 0 ? 'R' : prevState, name(next), pid(next))) });
      cur = next;
      started = true;
      n++;
      lastNs = Math.max(lastNs, hostTs);
    };
    segs.forEach((s, i) => {
      const next = segs[i + 1];
      if (s.kind === 'run') {
        const long = s.b - s.a >= 2 * margin + 4000;
        if (!long) return;
        if (cur < 0) emit(s.a + margin, 0, 'S');
        if (s.b - s.a >= 200_000) emit(Math.round((s.a + s.b) / 2000) * 1000, cur === 0 ? 1 : 0, 'R');
        if (!next || next.kind === 'sleep') emit(s.b - margin, -1, 'S');
      } else if (s.kind === 'sleep' && o.injectEvery && cur < 0 && started && s.b - s.a >= 60_000 && ++sleeps % o.injectEvery === 0) {
        emit(s.a + Math.round((s.b - s.a) / 3000) * 1000, 0, 'S');
        emit(s.a + Math.round((2 * (s.b - s.a)) / 3000) * 1000, -1, 'S');
        injected += 2;
      } else if (s.kind === 'preempted' && cur >= 0 && started) {
        stalls.push({ startNs: s.a, durationNs: s.b - s.a, cpu, thread: `${name(cur)} (${pid(cur)})`, thief: s.who ?? '' });
      }
    });
    events.push(n);
  });
  rows.sort((x, y) => x.ts - y.ts || x.cpu - y.cpu);
  return { text: [...header(vcpus.length, rows.length), ...rows.map((r) => r.s)].join('\n') + '\n', stalls: stalls.filter((s) => s.startNs + s.durationNs <= lastNs), events, lastNs, injected };
}

/** The stretches of a real host trace's vCPU threads (by vCPU number), from its timeline. */
export function realHostSegs(trace: ImportedTrace): Seg[][] {
  const parts = analyzeTraceParts(trace, {}, { timeline: true });
  const tl = parts.timeline!;
  return parts.document.threads
    .filter((t) => t.vcpu !== null)
    .sort((a, b) => a.vcpu! - b.vcpu!)
    .map((t) => {
      const l = tl.lanes.find((x) => x.id === t.lane)!;
      const out: Seg[] = [];
      for (let i = 0; i < l.length; i++) {
        const st = tl.states[l.stateAt(i)];
        const kind = st === 'running' || st === 'inferred' ? 'run' : st === 'runnable' ? 'preempted' : 'sleep';
        const last = out[out.length - 1];
        if (last && last.kind === kind && last.b === l.startAt(i)) last.b = l.endAt(i);
        else out.push({ a: l.startAt(i), b: l.endAt(i), kind });
      }
      return out;
    });
}

/**
 * A tracefs text of the generators' shape (sched_switch, sched_wakeup, kvm_write_tsc_offset lines)
 * as a .dat, one page list per CPU. `scale` multiplies timestamps (cycles per ns); `clock` is the
 * trace clock option (absent: the writer's default); the kvm_write_tsc_offset format is declared
 * when the text has such lines.
 */
export function tracefsToDat(text: string, o: { version?: 6 | 7; clock?: string; scale?: number; options?: [number, Uint8Array][] } = {}): Uint8Array {
  const scale = o.scale ?? 1;
  const cpus: WEvent[][] = [];
  const state: Record<string, number> = { R: 0, S: 1 };
  let tsc = false;
  for (const l of text.split('\n')) {
    const m = /^\s*(.+)-(\d+)\s+\[(\d+)\] \S+\s+([\d.]+): (\w+): (.*)$/.exec(l);
    if (!m) continue;
    const cpu = Number(m[3]);
    const ts = Math.round(Number(m[4]) * 1e6) * 1000 * scale;
    const cur = Number(m[2]);
    const f = Object.fromEntries([...m[6].matchAll(/(\w+)=(.*?)(?= \w+=| ==>|$)/g)].map((x) => [x[1], x[2]]));
    tsc ||= m[5] === 'kvm_write_tsc_offset';
    const data =
      m[5] === 'sched_switch' ? switchRec(cur, f.prev_comm, Number(f.prev_pid), state[f.prev_state], f.next_comm, Number(f.next_pid))
      : m[5] === 'kvm_write_tsc_offset' ? tscOffsetRec(cur, Number(f.vcpu), BigInt(f.prev), BigInt(f.next))
      : wakeupRec(cur, f.comm, Number(f.pid), Number(f.target_cpu));
    (cpus[cpu] ??= []).push({ ts, data });
  }
  return buildDat({ version: o.version ?? 7, ...(o.clock !== undefined ? { clock: o.clock } : {}), cpus: cpus.map((e) => pages(e)), ...(tsc ? { formats: [{ system: 'kvm', text: TSC_OFFSET_FMT }] } : {}), options: o.options ?? [] });
}
