/**
 * Storage IO of the guest: `disk_io` steps and `ioload`s go to the StorageModel of the VM
 * (OpenHCL StorVSP) or complete after a plain latency; completions are items on a vCPU.
 * Methods of `GuestState` (state.ts), installed on its prototype when guest.ts loads this module.
 */
import type { StorageModel } from '../contracts';
import type { Ns } from '../engine';
import * as consts from './consts';
import { PLAIN_DISK_LATENCY_NS } from './costs';
import { GuestState } from './state';

// Module-local copies: under tsx (tests, bench) an imported binding is a getter call on every use.
const { IT_IO_DONE, IT_IO_SUBMIT, TK_LOAD, TK_THREAD } = consts;

declare module './state' {
  interface GuestState {
    setStorage(s: StorageModel | null): void;
    diskIndex(controller: string, disk: string): { ctrl: number; disk: number };
    allocToken(kind: number, owner: number, v: number, start: Ns): number;
    submit(tk: number, v: number, ctrl: number, disk: number, now: Ns): void;
    ioDone(tk: number, vcpu: number, now: Ns): void;
    ioComplete(tk: number, v: number, now: Ns): void;
    submitNow(tk: number, v: number, now: Ns): void;
    onIoArrival(i: number, now: Ns): void;
    startClosedLoop(i: number, now: Ns): void;
  }
}

/** The VM's storage model (OpenHCL StorVSP); without one, disk IO is a plain latency. */
GuestState.prototype.setStorage = function (this: GuestState, s: StorageModel | null): void {
  this.storage = s;
};

GuestState.prototype.diskIndex = function (this: GuestState, controller: string, disk: string): { ctrl: number; disk: number } {
  const sv = this.vm.openhcl?.storvsp ?? [];
  const c = sv.findIndex((s) => s.name === controller);
  const d = c >= 0 ? sv[c].disks.findIndex((x) => x.name === disk) : -1;
  return { ctrl: c, disk: d };
};

GuestState.prototype.allocToken = function (this: GuestState, kind: number, owner: number, v: number, start: Ns): number {
  let tk: number;
  if (this.tkFreeN > 0) tk = this.tkFree[--this.tkFreeN];
  else {
    tk = this.tkNext++;
    if (tk >= this.tkKind.length) {
      const n = this.tkKind.length * 2;
      const i8 = new Int8Array(n); i8.set(this.tkKind); this.tkKind = i8;
      const o = new Int32Array(n); o.set(this.tkOwner); this.tkOwner = o;
      const s = new Float64Array(n); s.set(this.tkStart); this.tkStart = s;
      const vv = new Int32Array(n); vv.set(this.tkVcpu); this.tkVcpu = vv;
      const f = new Int32Array(n); f.set(this.tkFree); this.tkFree = f;
    }
  }
  this.tkKind[tk] = kind;
  this.tkOwner[tk] = owner;
  this.tkStart[tk] = start;
  this.tkVcpu[tk] = v;
  return tk;
};

GuestState.prototype.submit = function (this: GuestState, tk: number, v: number, ctrl: number, disk: number, now: Ns): void {
  this.stats.add(this.cIoSubmit);
  this.tkVcpu[tk] = v;
  if (this.storage && ctrl >= 0 && disk >= 0) {
    this.storage.submit(v, ctrl, disk, tk, now);
    return;
  }
  const d = ctrl >= 0 && disk >= 0 ? this.vm.openhcl?.storvsp[ctrl]?.disks[disk]?.latency : undefined;
  const lat = d ? this.plainIoRng.sample(d) : PLAIN_DISK_LATENCY_NS;
  this.eng.post(this.plainIoHid, tk, now + lat);
};

/** IoSink: a completion interrupt for `vcpu` (taken when the guest runs there). */
GuestState.prototype.ioDone = function (this: GuestState, tk: number, vcpu: number, now: Ns): void {
  const v = vcpu >= 0 && vcpu < this.nv ? vcpu : this.tkVcpu[tk];
  this.vItems.push(v, IT_IO_DONE, tk, now, now);
  this.halted.delete(v);
  this.notify(v, now);
};

GuestState.prototype.ioComplete = function (this: GuestState, tk: number, v: number, now: Ns): void {
  const kind = this.tkKind[tk];
  const owner = this.tkOwner[tk];
  if (kind === TK_THREAD) {
    this.tkFree[this.tkFreeN++] = tk;
    this.wakeThread(owner, now, null);
    return;
  }
  const l = this.ioloads[owner];
  l.inflight--;
  this.stats.sample(l.task, now, now - this.tkStart[tk]);
  this.tkFree[this.tkFreeN++] = tk;
  if (l.closed) {
    // Closed loop: the completing vCPU submits the next IO right away.
    const nt = this.allocToken(TK_LOAD, owner, v, now);
    this.submitNow(nt, v, now);
  }
};

GuestState.prototype.submitNow = function (this: GuestState, tk: number, v: number, now: Ns): void {
  const l = this.ioloads[this.tkOwner[tk]];
  l.inflight++;
  this.submit(tk, v, l.ctrl, l.disk, now);
};

GuestState.prototype.onIoArrival = function (this: GuestState, i: number, now: Ns): void {
  const l = this.ioloads[i];
  this.eng.arm(l.timer, now + l.rng.interarrival(l.ratePerSec));
  const v = l.vcpus[l.vcpus.length === 1 ? 0 : l.rng.int(l.vcpus.length)];
  const tk = this.allocToken(TK_LOAD, i, v, now);
  this.vItems.push(v, IT_IO_SUBMIT, tk, now, now);
  this.halted.delete(v);
  this.notify(v, now);
};

GuestState.prototype.startClosedLoop = function (this: GuestState, i: number, now: Ns): void {
  const l = this.ioloads[i];
  for (let k = 0; k < (l.ir.depth ?? 0); k++) {
    const v = l.vcpus[l.rr++ % l.vcpus.length];
    const tk = this.allocToken(TK_LOAD, i, v, now);
    this.vItems.push(v, IT_IO_SUBMIT, tk, now, now);
    this.halted.delete(v);
    this.notify(v, now);
  }
};
