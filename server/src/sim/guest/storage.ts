/**
 * Storage IO of the guest: `disk_io` steps and `ioload`s go to the StorageModel of the VM
 * (OpenHCL StorVSP) or complete after a plain latency; completions are items on a vCPU.
 * Functions over the shared `GuestState` (state.ts); `GuestVm` (guest.ts) composes them.
 */
import type { StorageModel } from '../contracts';
import type { Ns } from '../engine';
import { IT_IO_DONE, IT_IO_SUBMIT, TK_LOAD, TK_THREAD } from './consts';
import { PLAIN_DISK_LATENCY_NS } from './costs';
import { notify, wakeThread } from './sched';
import type { GuestState } from './state';

/** The VM's storage model (OpenHCL StorVSP); without one, disk IO is a plain latency. */
export function setStorage(g: GuestState, s: StorageModel | null): void {
  g.storage = s;
}

export function diskIndex(g: GuestState, controller: string, disk: string): { ctrl: number; disk: number } {
  const sv = g.vm.openhcl?.storvsp ?? [];
  const c = sv.findIndex((s) => s.name === controller);
  const d = c >= 0 ? sv[c].disks.findIndex((x) => x.name === disk) : -1;
  return { ctrl: c, disk: d };
}

export function allocToken(g: GuestState, kind: number, owner: number, v: number, start: Ns): number {
  let tk: number;
  if (g.tkFreeN > 0) tk = g.tkFree[--g.tkFreeN];
  else {
    tk = g.tkNext++;
    if (tk >= g.tkKind.length) {
      const n = g.tkKind.length * 2;
      const i8 = new Int8Array(n); i8.set(g.tkKind); g.tkKind = i8;
      const o = new Int32Array(n); o.set(g.tkOwner); g.tkOwner = o;
      const s = new Float64Array(n); s.set(g.tkStart); g.tkStart = s;
      const vv = new Int32Array(n); vv.set(g.tkVcpu); g.tkVcpu = vv;
      const f = new Int32Array(n); f.set(g.tkFree); g.tkFree = f;
    }
  }
  g.tkKind[tk] = kind;
  g.tkOwner[tk] = owner;
  g.tkStart[tk] = start;
  g.tkVcpu[tk] = v;
  return tk;
}

export function submit(g: GuestState, tk: number, v: number, ctrl: number, disk: number, now: Ns): void {
  g.stats.add(g.cIoSubmit);
  g.tkVcpu[tk] = v;
  if (g.storage && ctrl >= 0 && disk >= 0) {
    g.storage.submit(v, ctrl, disk, tk, now);
    return;
  }
  const d = ctrl >= 0 && disk >= 0 ? g.vm.openhcl?.storvsp[ctrl]?.disks[disk]?.latency : undefined;
  const lat = d ? g.plainIoRng.sample(d) : PLAIN_DISK_LATENCY_NS;
  g.eng.post(g.plainIoHid, tk, now + lat);
}

/** IoSink: a completion interrupt for `vcpu` (taken when the guest runs there). */
export function ioDone(g: GuestState, tk: number, vcpu: number, now: Ns): void {
  const v = vcpu >= 0 && vcpu < g.nv ? vcpu : g.tkVcpu[tk];
  g.vItems[v].push(IT_IO_DONE, tk, now, now);
  g.halted.delete(v);
  notify(g, v, now);
}

export function ioComplete(g: GuestState, tk: number, v: number, now: Ns): void {
  const kind = g.tkKind[tk];
  const owner = g.tkOwner[tk];
  if (kind === TK_THREAD) {
    g.tkFree[g.tkFreeN++] = tk;
    wakeThread(g, owner, now, null);
    return;
  }
  const l = g.ioloads[owner];
  l.inflight--;
  g.stats.sample(l.task, now, now - g.tkStart[tk]);
  g.tkFree[g.tkFreeN++] = tk;
  if (l.closed) {
    // Closed loop: the completing vCPU submits the next IO right away.
    const nt = allocToken(g, TK_LOAD, owner, v, now);
    submitNow(g, nt, v, now);
  }
}

export function submitNow(g: GuestState, tk: number, v: number, now: Ns): void {
  const l = g.ioloads[g.tkOwner[tk]];
  l.inflight++;
  submit(g, tk, v, l.ctrl, l.disk, now);
}

export function onIoArrival(g: GuestState, i: number, now: Ns): void {
  const l = g.ioloads[i];
  g.eng.arm(l.timer, now + l.rng.interarrival(l.ratePerSec));
  const v = l.vcpus[l.vcpus.length === 1 ? 0 : l.rng.int(l.vcpus.length)];
  const tk = allocToken(g, TK_LOAD, i, v, now);
  g.vItems[v].push(IT_IO_SUBMIT, tk, now, now);
  g.halted.delete(v);
  notify(g, v, now);
}

export function startClosedLoop(g: GuestState, i: number, now: Ns): void {
  const l = g.ioloads[i];
  for (let k = 0; k < (l.ir.depth ?? 0); k++) {
    const v = l.vcpus[l.rr++ % l.vcpus.length];
    const tk = allocToken(g, TK_LOAD, i, v, now);
    g.vItems[v].push(IT_IO_SUBMIT, tk, now, now);
    g.halted.delete(v);
    notify(g, v, now);
  }
}
