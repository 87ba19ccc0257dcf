/**
 * Guest-level (dual-level scheduling) hazards: spinning waiters on an oversubscribed host
 * (hazard 29). Published (Kernel Recipes 2024, NPB UA class B, 36 vCPUs on 36 pCPUs): without vCPU
 * preemption spinning 9.68 s vs blocking 17.43 s; with preemption spinning 19.95 s vs blocking
 * 22.43 s; spinning with DoP adapted to preempted vCPUs 13.02 s.
 *
 * The fixes follow the simulator's causal story (docs/sim.md "Guest"): adaptive DoP and blocking
 * first; `barrier paravirt` last, because it blocks only while a straggler's vCPU carries KVM's
 * `preempted` flag, which KVM sets only when a *running* vCPU is scheduled out: a straggler whose
 * vCPU was woken from a halt and waits for a pCPU is not flagged, and its siblings spin on it.
 * Without `steal_time` the guest sees no preempted sibling at all: paravirt spins like `spin`
 * and adaptive keeps the team fixed (sim/guest/regions.ts), so both still raise the hazard.
 */
import type { ParallelRegion, Vm } from '../../model/ir';
import { HazardCodes } from './codes';
import type { HazardContext } from './context';
import type { RelatedInfo } from '../../core/diagnostic';
import { oversubscription, type Contender, type Oversubscription } from './demand';
import { fmtAbout, fmtCount, fmtIndices, fmtList, fmtListOf } from './format';
import { child, lockPath, parallelPath } from './paths';
import { capRelated } from '../../model/util';
import { fmtNum } from '../../core/format';

/** A finite spin limit at or below the stall threshold makes a spin barrier block soon enough. */
function spinsBriefly(p: ParallelRegion, thresholdNs: number): boolean {
  return Number.isFinite(p.spinLimitNs) && p.spinLimitNs > 0 && p.spinLimitNs <= thresholdNs;
}

/** Kernel-mode spinning with pause-loop exiting and directed yield hands the pCPU to the preempted sibling. */
function pleHelps(vm: Vm, p: ParallelRegion): boolean {
  return p.spinMode === 'kernel' && vm.guest.ple.enabled && vm.guest.ple.directedYield;
}

function oversubPhrase(vm: Vm, os: Oversubscription, who: readonly Contender[]): string {
  return (
    `${cpuPhrase(os.cpus)} ${new Set(os.cpus).size === 1 ? 'is' : 'are'} oversubscribed (up to ${fmtCount(os.own, 'vCPU')} of \`${vm.name}\`` +
    // No other work: the VM's own vCPUs outnumber its pCPUs (was "plus ~0 CPUs of other work"), as VPS228 says it.
    `${os.others > 0 ? ` plus ${fmtAbout(os.others, 'CPU')} of other work${who.length ? ` from ${fmtListOf(who, (c) => `\`${c.name}\``, 4, os.namedTotal)}` : ''}` : ''} on ${fmtCount(os.cpus.length, 'pCPU')})`
  );
}

/** `pCPUs 0-63`, once per CPU list (the VMs of a pool share theirs). */
const cpuPhrases = new WeakMap<readonly number[], string>();
export function cpuPhrase(cpus: readonly number[]): string {
  let p = cpuPhrases.get(cpus);
  if (p === undefined) cpuPhrases.set(cpus, (p = fmtIndices('pCPU', cpus)));
  return p;
}

/** Related information about a contender, shared by every diagnostic that names it. */
export function contenderRel(ctx: HazardContext, c: Contender): RelatedInfo {
  return ctx.cachedRel(c) ?? ctx.relOnce(c, () => ctx.rel(c.range, `${c.kind === 'load' ? 'host load' : 'VM'} \`${c.name}\` wants ~${fmtNum(c.demand)} of these pCPUs`));
}

/** Hazard 29: spin barriers and spinlocks on an oversubscribed host. */
export function checkSpinOversubscribed(ctx: HazardContext): void {
  const s = ctx.scenario;
  for (let vmIndex = 0; vmIndex < ctx.crossVms.length; vmIndex++) {
    const vm = ctx.crossVms[vmIndex];
    const os = oversubscription(s, vm);
    if (!os.oversubscribed) continue;
    // Who to name, and the related information pointing at them, once something is reported.
    let who: Contender[] | undefined;
    let related: RelatedInfo[] | undefined;
    const named = () => (who ??= os.named);
    const rel = () => (related ??= capRelated(named().map((c) => contenderRel(ctx, c)), os.namedTotal));
    for (let pIndex = 0; pIndex < vm.guest.parallel.length; pIndex++) {
      const p = vm.guest.parallel[pIndex];
      // What the guest actually does: without steal time, paravirt spins and adaptive stays fixed.
      const steal = vm.guest.stealTime;
      const spins = p.barrier === 'spin' || (p.barrier === 'paravirt' && !steal);
      if (!spins || (p.dop === 'adaptive' && steal) || spinsBriefly(p, s.settings.stallThresholdNs) || pleHelps(vm, p)) continue;
      const pp = parallelPath(vm, p);
      const range = ctx.rangeOf(child(pp, 'barrier'), p.range);
      if (!ctx.wants(HazardCodes.spinOversubscribed, range)) continue;
      ctx.report(HazardCodes.spinOversubscribed, {
        range,
        message:
          `parallel region \`${p.name}\` waits at its barriers by spinning` +
          (steal ? '' : ` (\`steal_time off\`: the guest cannot see preempted siblings${p.barrier === 'paravirt' ? ', so `barrier paravirt` spins like `spin`' : ''}${p.dop === 'adaptive' ? ', so `dop adaptive` keeps the team fixed' : ''})`) +
          `, and ${oversubPhrase(vm, os, named())} -> when a team member's vCPU is preempted, ` +
          (p.threads === 2 ? 'the other thread spins on it until it runs again' : `the other ${p.threads - 1} threads spin on it until it runs again`) +
          (p.spinMode === 'user' ? ' (user-mode spinning never triggers pause-loop exits)' : vm.guest.ple.enabled ? '' : ' (pause-loop exiting is off)') +
          ` -> every round loses the preempted vCPU's wait on every sibling (published: 9.68 s -> 19.95 s with preemption; blocking 22.43 s; spinning with DoP adaptation 13.02 s) -> ` +
          (steal
            ? `adapt the degree of parallelism (\`dop adaptive\`: the team shrinks to the CPU the VM gets, from steal time) or block (\`barrier block\`); ` +
              `\`barrier paravirt\` helps less: it blocks only while a straggler's vCPU is flagged preempted, and KVM flags a vCPU only when it is scheduled out while running, ` +
              `not when it was woken from a halt and waits for a pCPU, so the siblings still spin on that straggler`
            : `block (\`barrier block\`), or turn \`steal_time\` on for \`dop adaptive\``),
        related: rel(),
        fixes: steal
          ? [
              ctx.setSetting(pp, 'dop', 'adaptive', 'Adapt the degree of parallelism to the CPU the VM gets (`dop adaptive`)', true),
              ctx.setSetting(pp, 'barrier', 'block', 'Block at the barrier (`barrier block`)'),
              ctx.setSetting(pp, 'barrier', 'paravirt', "Spin only while no straggler's vCPU is flagged preempted (`barrier paravirt`; misses stragglers woken from a halt)"),
            ]
          : [ctx.setSetting(pp, 'barrier', 'block', 'Block at the barrier (`barrier block`)', true)],
      });
    }
    const ple = vm.guest.ple;
    for (let lIndex = 0; lIndex < vm.guest.locks.length; lIndex++) {
      const l = vm.guest.locks[lIndex];
      if (l.kind === 'mutex') continue;
      // PLE with directed yield hands the pCPU to a preempted holder; a ticket lock's FIFO
      // hand-off to a preempted waiter still stalls everyone queued behind it. Only waiters
      // spinning in the kernel take pause-loop exits: a user-space lock gets no help from PLE.
      const user = l.mode === 'user';
      if (l.kind === 'spin' && !user && ple.enabled && ple.directedYield) continue;
      const users = vm.guest.threads.filter((t) => t.program.steps.some((st) => st.kind === 'lock' && st.lock === l.name));
      const n = users.reduce((a, t) => a + t.count, 0);
      if (n < 2) continue;
      const lp = lockPath(vm, l);
      const range = ctx.rangeOf(child(lp, 'kind'), l.range);
      if (!ctx.wants(HazardCodes.spinOversubscribed, range)) continue;
      ctx.report(HazardCodes.spinOversubscribed, {
        range,
        message:
          `lock \`${l.name}\` is a ${l.kind} lock taken by ${n} threads (${fmtList(users.map((t) => `\`${t.name}\``))}), and ${oversubPhrase(vm, os, named())} -> ` +
          (l.kind === 'ticket'
            ? 'when the holder or the next waiter in line is preempted, every thread queued behind spins until that vCPU runs again (lock-holder and lock-waiter preemption)'
            : user
              ? 'when the holder is preempted, the waiters spin until its vCPU runs again (lock-holder preemption), and they spin in user mode, where pause-loop exiting never hands the pCPU over'
              : 'when the holder is preempted, the waiters spin until its vCPU runs again (lock-holder preemption), and pause-loop exiting cannot hand the pCPU over') +
          ` -> use a blocking lock (\`kind mutex\`)`,
        related: users.map((t) => ctx.rel(t.range, `thread \`${t.name}\` takes \`${l.name}\``)).concat(rel()),
        fixes: [ctx.setSetting(lp, 'kind', 'mutex', 'Use a blocking lock (`kind mutex`)', true)],
      });
    }
  }
}

export const guestChecks = [checkSpinOversubscribed];
