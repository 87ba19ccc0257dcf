/**
 * The guest's own scheduler: per-vCPU run queues (RT first, then round-robin), wake-up placement
 * (an idle allowed vCPU first), idle balance, and the waits and stalls of queued threads (steal,
 * guest run queue, VP busy).
 * Functions over the shared `GuestState` (state.ts); `GuestVm` (guest.ts) composes them.
 */
import type { BoostInterrupt } from '../../model/ir';
import type { Ns } from '../engine';
import { fmtNs } from '../util';
import { G_BLOCKED, G_CUR, G_QUEUED, V_HALTED, V_IN } from './consts';
import { lockOff } from './locks';
import type { GuestState } from './state';
import { drive, inTotal } from './vcpu';

export function pickNext(g: GuestState, v: number, now: Ns): number {
  let t = g.rq.head[2 * v];
  if (t < 0) t = g.rq.head[2 * v + 1];
  if (t < 0 && g.waitingV.size > 0) t = pullFrom(g, v);
  if (t < 0) return -1;
  dequeue(g, t);
  g.vCur[v] = t;
  g.gState[t] = G_CUR;
  g.gVcpu[t] = v;
  g.vSliceLeft[v] = g.sliceNs;
  g.vSince[v] = now;
  return t;
}

/** Idle balance: a thread waiting on another vCPU that may run on `v`. */
export function pullFrom(g: GuestState, v: number): number {
  const items = g.waitingV.items;
  for (let i = 0; i < g.waitingV.size; i++) {
    const o = items[i];
    if (o === v) continue;
    for (let l = 0; l < 2; l++) {
      for (let t = g.rq.head[2 * o + l]; t >= 0; t = g.rq.next[t]) {
        const al = g.gAllowed[t];
        if (al.length === g.nv || al.includes(v)) return t;
      }
    }
  }
  return -1;
}

export function enqueue(g: GuestState, t: number, v: number, now: Ns, head = false): void {
  const list = 2 * v + (g.gRt[t] ? 0 : 1);
  if (head) g.rq.pushHead(list, t);
  else g.rq.pushTail(list, t);
  g.gState[t] = G_QUEUED;
  g.gVcpu[t] = v;
  g.waitingV.add(v);
  g.halted.delete(v); // it has work now: not a target for the next wake-up

  waitStart(g, t, v, now);
  if (g.lanes !== null) g.lanes.sync(t, now);
}

export function dequeue(g: GuestState, t: number): void {
  const list = g.rq.owner[t];
  if (list < 0) return;
  g.rq.remove(t);
  const v = list >> 1;
  if (g.rq.size[2 * v] === 0 && g.rq.size[2 * v + 1] === 0) g.waitingV.delete(v);
}

export function requeueCurrent(g: GuestState, v: number, t: number, now: Ns, head: boolean): void {
  g.vCur[v] = -1;
  if (g.gHold[t] >= 0) lockOff(g, g.locks[g.gHold[t]], now, false);
  enqueue(g, t, v, now, head);
}

export function selectVcpu(g: GuestState, t: number): number {
  const al = g.gAllowed[t];
  if (al.length === 1) return al[0];
  const prev = g.gVcpu[t];
  const allowedPrev = al.length === g.nv || al.includes(prev);
  if (allowedPrev && g.halted.has(prev)) return prev;
  if (g.halted.size > 0) {
    const items = g.halted.items;
    for (let i = 0; i < g.halted.size; i++) {
      const c = items[i];
      if (al.length === g.nv || al.includes(c)) return c;
    }
  }
  return allowedPrev ? prev : al[0];
}

/** A blocked thread becomes runnable (timer, IO completion, lock hand-off, barrier release). */
export function wakeThread(g: GuestState, t: number, now: Ns, irq: BoostInterrupt | null): void {
  if (g.gState[t] !== G_BLOCKED) return;
  const v = selectVcpu(g, t);
  enqueue(g, t, v, now);
  if (g.gRt[t]) g.kvm.requestBoost(v);
  if (irq) g.kvm.interrupt(v, irq, now, 0);
  notify(g, v, now);
  if (g.lanes !== null) g.lanes.sync(t, now); // the kick may have woken the vCPU's host thread
}

/** Something changed for vCPU `v` (a thread was queued, an item arrived). */
export function notify(g: GuestState, v: number, now: Ns): void {
  const s = g.vState[v];
  if (s === V_HALTED) g.outer[v].vtl0Kick(v, now);
  else if (s === V_IN && !g.vDriving[v]) drive(g, v, now);
}

export function waitStart(g: GuestState, t: number, v: number, now: Ns): void {
  if (g.gWaitSince[t] >= 0) return;
  g.gWaitSince[t] = now;
  g.gWaitV[t] = v;
  const tid = g.vcpuTids[v];
  g.gStealAt[t] = tid !== undefined ? g.host.stealNs(tid, now) : 0;
  g.gInAt[t] = inTotal(g, v, now);
}

export function waitEnd(g: GuestState, t: number, v: number, now: Ns): void {
  const since = g.gWaitSince[t];
  g.gWaitSince[t] = -1;
  const wait = now - since;
  if (wait < g.stallNs) return;
  const wv = g.gWaitV[t];
  if (wv !== v) {
    // Waited in the queue of vCPU wv and was pulled to v by the guest's idle balance.
    g.ctx.stats.stall({ task: g.gName[t], vp: v, vm: g.vmName, startNs: since, durationNs: wait, cause: 'guest-runqueue', causes: [`${g.gName[t]} waited ${fmtNs(wait)} on vCPU ${wv} of ${g.vmName}`, `it ran once vCPU ${v} went idle and pulled it`], range: g.gRange[t] });
    return;
  }
  const tid = g.vcpuTids[v];
  const steal = tid !== undefined ? g.host.stealNs(tid, now) - g.gStealAt[t] : 0;
  const inGuest = inTotal(g, v, now) - g.gInAt[t];
  const name = g.gName[t];
  let cause: string;
  const causes = [`${name} on vCPU ${v} of ${g.vmName} could not run for ${fmtNs(wait)}`];
  if (steal >= wait / 2) {
    cause = 'vcpu-preempted';
    const by = tid !== undefined ? g.host.preemptedBy(tid) : -1;
    causes.push(`vCPU ${v} was preempted by the host for ${fmtNs(steal)} (steal)${by >= 0 ? `; ${g.host.nameOf(by)} took its pCPU` : ''}`);
  } else if (inGuest >= wait / 2) {
    cause = 'guest-runqueue';
    causes.push(`other guest threads ran on vCPU ${v} (guest slice ${fmtNs(g.sliceNs)})`);
  } else {
    cause = 'vp-busy';
    causes.push(`vCPU ${v} was out of the guest for ${fmtNs(wait - inGuest - steal)} (exits, VTL2 work)`);
  }
  g.ctx.stats.stall({ task: name, vp: v, vm: g.vmName, startNs: since, durationNs: wait, cause, causes, range: g.gRange[t] });
}
