/**
 * Run hazards: findings computed from a simulated run (hazards.md 23, 25-31). Codes are
 * VPS3NN with NN the hazard number; they are stable (never reuse one for another meaning). The
 * OpenHCL model adds its own run findings (sim/openhcl/findings.ts).
 *
 * Each check reads numbers the simulator measured (shares, steal, parked time, boosted time,
 * spin time while a sibling was preempted, rounds with preemption) and speaks in the user's
 * terms: what happened, how much, why, what to do, on the statement responsible.
 */
import type { Finding } from '../../core/findings';
import type { Scenario, Vm } from '../../model/ir';
import type { GuestFacts } from '../../sim/guest/guest';
import type { VariantResult } from '../../sim/result';
import { runFactsOf, simulateAll, sortFindings } from '../../sim/run';
import { MAX_TIMELINE_INTERVALS } from '../../sim/record';
import type { SimulateAllOptions } from '../../sim/run';
import { fmtFraction, fmtNs } from '../../core/format';
import { passAgainstInterval } from '../../model/dist';
import { stallCode } from '../catalog';
import { fmtRate } from '../static/format';
import { storvspChannelPrefix } from '../../sim/openhcl/channels';

export const RunCodes = {
  weightsNotHonoured: 'VPS323',
  capParks: 'VPS325',
  staticRtStarvesHost: 'VPS326',
  boostStaysOn: 'VPS327',
  oversubscribed: 'VPS328',
  spinOnPreempted: 'VPS329',
  fixedDop: 'VPS330',
  highSteal: 'VPS331',
  backlog: 'VPS339',
} as const;

/**
 * Documentation per code (docs/codes.md, hovers, `codeDescription`): the usual severity, a title,
 * and what happened, the threshold the check uses (each says whether it is an assumption) and what
 * to do.
 */
export const runCodeDocs: Record<string, { severity: 'warning' | 'info'; title: string; help: string }> = {
  VPS323: { severity: 'warning', title: 'Weights not honoured under pinning (measured)', help: 'Domains with different weights pinned to a shared subset of a credit or credit2 pool did not get their weighted share of the CPU: Xen accounts credit for the whole pool (credit hands it out pool-wide by weight, so the pinned domains keep more than they can spend; credit2 resets it only when the pool\'s best queued vCPU has none left, so the pinned domains wait at the credit floor), and the pinned domains share their pCPUs in turn, whatever their weight. Raised when every domain of the group had more than 5% steal (it wanted more than it got) and a share differs from its weight share by 15% or more (both thresholds are assumptions of this project). Static counterpart VPS223. Give them a cpupool of their own (`pool NAME { cpus ... }`) instead of pinning them inside a bigger pool.' },
  VPS325: { severity: 'warning', title: 'Cap parks vCPUs (measured)', help: 'A domain\'s cap was below its demand, so its vCPUs were parked: runnable, but not allowed to run until the next accounting period, which adds that wait to the guest\'s latency. Raised when the parked time is at least 1% of the vCPUs\' time (an assumption). Raise the cap above the demand, or remove it (`cap 0`) for latency-sensitive domains.' },
  VPS326: { severity: 'warning', title: 'Static RT vCPUs starve host threads (measured)', help: 'Every vCPU of a VM ran at a static real-time priority, ahead of all normal host threads, which got only what RT throttling leaves (5% per second by the kernel\'s default `sched_rt_runtime_us`). Raised when a triggered host load reached 5 ms of latency or host threads waited more than 20% of their time (both assumptions). Static counterpart VPS226. Use `boost dynamic` instead of static RT for all vCPUs.' },
  VPS327: { severity: 'warning', title: 'vCPUs stay boosted (measured)', help: 'With dynamic boosting, the vCPUs of a VM were boosted more than 20% of the time (an assumption) and the policy has a reason to keep them boosted: boosting on pending rather than injected interrupts, no preempt limit, no guest unboost, nested boosting, or device/IPI interrupts. Host work waits meanwhile. Static counterpart VPS227. Boost on injection, keep a `preempt_limit`, let the guest unboost, and boost only on timer/NMI-class interrupts.' },
  VPS328: { severity: 'warning', title: 'Oversubscribed pool, latency-sensitive guest (measured)', help: 'The vCPUs of a VM with latency-sensitive work (RT, periodic, Poisson or one-shot threads, or interrupts) and no boosting waited for a pCPU more than 5% of their time (an assumption). Static counterpart VPS228. Reduce oversubscription (fewer runnable threads than pCPUs), pin the VM to dedicated pCPUs, or use `boost dynamic`.' },
  VPS329: { severity: 'warning', title: 'Spinning on preempted vCPUs (measured)', help: 'Guest threads spun (at a spin or paravirt barrier, or on a spinlock) while a sibling vCPU was preempted: they burnt CPU waiting for a thread that could not run (lock-holder / lock-waiter preemption). Raised when that spin time exceeds 1 ms and 10% of all spinning (assumptions). Static counterpart VPS229. Block (`barrier block`, `kind mutex`), adapt the degree of parallelism (`dop adaptive`, needs `steal_time`), or spin in kernel mode where pause-loop exiting applies.' },
  VPS330: { severity: 'info', title: 'Fixed degree of parallelism under preemption (measured)', help: 'A parallel region kept as many threads as vCPUs in rounds during which a vCPU of its VM was preempted, so each such round waited for the preempted thread. Raised when at least 10% of the rounds (an assumption) had a preempted vCPU. Use `dop adaptive` (with `steal_time` on) so the team shrinks to the CPU the vCPUs get.' },
  VPS331: { severity: 'warning', title: 'High steal time on a latency-sensitive vCPU (measured)', help: 'A vCPU running latency-sensitive guest work was runnable but not running (KVM steal time) for more than 10% of the run (an assumption). Give the VM dedicated pCPUs or a pool of its own, or enable `boost dynamic` for its latency-critical work.' },
  VPS339: { severity: 'warning', title: 'Passes fell behind their releases (measured)', help: 'A periodic or Poisson thread, task or host load was released faster than its passes finished: when the run ended, releases were still queued behind the pass in progress. Passes run one at a time, so each starts later than the last and the latency this run reports (p99 included) grows with the length of the run, not a steady state. Raised when at least 3 releases and 5% of them were unfinished at the end and the oldest had waited 10% of the run or longer (assumptions: a thread that keeps up has the pass in progress and a few releases of jitter, and its oldest waits a few passes, not a share of the run). The cause is either work longer than the interval (static counterpart VPS139) or a thread that did not get enough CPU (look at its VP\'s steal). Lengthen the period, shorten the work, spread it over more threads (`count`), or give its VP more CPU. Also raised for an open-loop ioload (`rate`) whose IOs arrive faster than its storage path completes them, with the stronger evidence (at least 5 and 20% of at least 50 IOs unfinished; assumptions): lower the rate, or add channels, queue depth, worker CPU or a faster disk.' },
};

export interface RunFacts {
  scenario: Scenario;
  result: VariantResult;
  guests: { vm: Vm; facts: GuestFacts }[];
  /** Per task of `result.tasks`: the age of its oldest unfinished sample at the end (else its max latency stands in). */
  oldestUnfinishedNs?: readonly number[];
}

/** Latency-sensitive guest work: RT threads or triggered (periodic / Poisson / once) threads. */
function latencySensitive(vm: Vm): boolean {
  return vm.guest.threads.some((t) => t.rt || t.program.trigger.kind !== 'loop') || vm.guest.irqs.length > 0;
}

export function analyzeRun(f: RunFacts): Finding[] {
  const out: Finding[] = [];
  const { scenario, result } = f;
  const dur = Math.max(1, result.stop.simulatedNs - result.warmupNs);
  const vmByName = new Map(scenario.vms.map((v) => [v.name, v]));
  const pools = new Map(scenario.host.pools.map((p) => [p.name, p]));

  // 23: weights not honoured under pinning.
  const groups = new Map<number, typeof result.vms>();
  for (const v of result.vms) {
    const g = groups.get(v.group) ?? [];
    g.push(v);
    groups.set(v.group, g);
  }
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    const pool = pools.get(g[0].pool);
    if (!pool || (pool.sched !== 'credit' && pool.sched !== 'credit2')) continue;
    const pinned = g[0].groupCpus.length < pool.cpus.length;
    if (!pinned) continue;
    // Only meaningful when every domain wants more than it gets (it is saturated: steal > 5%).
    const saturated = g.every((v) => v.stealNs > 0.05 * dur * v.vcpus);
    if (!saturated) continue;
    const weightsDiffer = new Set(g.map((v) => v.weight)).size > 1;
    for (const v of g) {
      const dev = v.weightShare > 0 ? Math.abs(v.share - v.weightShare) / v.weightShare : 0;
      if (dev < 0.15 || !weightsDiffer) continue;
      const vm = vmByName.get(v.name)!;
      out.push({
        code: RunCodes.weightsNotHonoured,
        severity: 'warning',
        title: 'weights not honoured under pinning',
        message:
          pool.sched === 'credit2'
            ? `VM ${v.name} got ${fmtFraction(v.share)} of the CPU time on pCPUs ${v.groupCpus.join(',')} but its weight ${v.weight} gives ${fmtFraction(v.weightShare)}: pool ${pool.name} resets credit for all its ${pool.cpus.length} pCPUs at once, while these domains can only burn it on ${v.groupCpus.length}.`
            : `VM ${v.name} got ${fmtFraction(v.share)} of the CPU time on pCPUs ${v.groupCpus.join(',')} but its weight ${v.weight} gives ${fmtFraction(v.weightShare)}: pool ${pool.name} hands out credit for all its ${pool.cpus.length} pCPUs, while these domains can only spend it on ${v.groupCpus.length}.`,
        range: vm.range,
        causes:
          pool.sched === 'credit2'
            ? [
                `credit2 resets credit only when the best queued vCPU of the whole pool has none left (xen/common/sched/credit2.c, csched2_schedule)`,
                `the domains pinned to ${v.groupCpus.length} pCPUs run out first and wait at the credit floor while vCPUs elsewhere still have credit`,
                `at the floor their credits are equal, so they share the pCPUs in turn, whatever their weight`,
              ]
            : [`credit is shared pool-wide by weight x active vCPUs`, `the domains pinned to ${v.groupCpus.length} pCPUs keep more credit than they can burn and stay UNDER`, `UNDER vCPUs share the pCPUs round-robin, whatever their weight`],
        fix: 'Move the pinned domains into a cpupool of their own (pool NAME { cpus ... }) instead of pinning them inside a bigger pool.',
        data: { share: v.share, weightShare: v.weightShare, weight: v.weight },
      });
    }
  }

  // 25: caps that park vCPUs.
  for (const v of result.vms) {
    if (v.capPercent <= 0 || v.parkedNs < 0.01 * dur * v.vcpus) continue;
    const vm = vmByName.get(v.name)!;
    out.push({
      code: RunCodes.capParks,
      severity: 'warning',
      title: 'cap parks vCPUs',
      message: `The cap of ${v.capPercent}% parked the vCPUs of ${v.name} for ${fmtNs(v.parkedNs)} in total (${fmtFraction(v.parkedNs / (dur * v.vcpus))} of their time): they were runnable but not allowed to run, which adds that wait to the guest's latency.`,
      range: vm.range,
      fix: 'Raise the cap above the demand, or remove it (cap 0) for latency-sensitive domains.',
      data: { parkedNs: v.parkedNs, capPercent: v.capPercent },
    });
  }

  // 26 / 27: boosting and host threads.
  // Host latency: triggered host loads (a loop's pass time is not a latency).
  const loads = result.tasks.filter((t) => t.kind === 'host-load' && t.measures === 'latency');
  const worstLoad = loads.reduce<(typeof loads)[number] | undefined>((a, b) => (!a || b.latency.max > a.latency.max ? b : a), undefined);
  const hostSteal = result.hostThreads.reduce((s, h) => s + h.stealNs, 0);
  const hostStealFrac = result.hostThreads.length ? hostSteal / (dur * result.hostThreads.length) : 0;
  for (const vm of scenario.vms) {
    const vr = result.vms.find((v) => v.name === vm.name);
    if (!vr) continue;
    if (vm.boost.mode === 'static_rt' && worstLoad && (worstLoad.latency.max >= 5_000_000 || hostStealFrac > 0.2)) {
      out.push({
        code: RunCodes.staticRtStarvesHost,
        severity: 'warning',
        title: 'static RT vCPUs starve host threads',
        message: `Every vCPU of ${vm.name} runs as SCHED_RR ${vm.boost.rtPriority}, ahead of all normal host threads: host load ${worstLoad.name} reached ${fmtNs(worstLoad.latency.max)} latency (p99 ${fmtNs(worstLoad.latency.p99)}), host threads waited ${fmtNs(hostSteal)} in total.`,
        range: vm.boost.range,
        causes: ['SCHED_RR beats every SCHED_NORMAL thread', 'host threads only get the 5% RT throttling leaves'],
        fix: 'Use `boost dynamic` (boost only while the guest needs it) instead of static RT for all vCPUs.',
        data: { hostMaxLatencyNs: worstLoad.latency.max, hostStealNs: hostSteal },
      });
    }
    if (vm.boost.mode === 'dynamic') {
      const boosted = result.vps.filter((p) => p.vm === vm.name).reduce((s, p) => s + (p.boostedNs ?? 0), 0);
      const frac = boosted / (dur * vm.vcpus);
      const reasons: string[] = [];
      if (vm.boost.trigger === 'pending') reasons.push('boosting on pending (not injected) interrupts boosts vCPUs that run with interrupts masked');
      if (vm.boost.preemptLimitNs === 0) reasons.push('no preempt_limit: vCPUs with preemption disabled for long stay boosted');
      if (!vm.boost.guestUnboosts) reasons.push('guest_unboosts off: host-initiated boosts are never undone');
      if (vm.boost.nested) reasons.push('nested: every L2 interrupt boosts the L1 vCPU');
      if (vm.boost.interrupts.includes('device') || vm.boost.interrupts.includes('ipi')) reasons.push('device/IPI interrupts are not all latency-critical');
      if (frac > 0.2 && reasons.length > 0) {
        out.push({
          code: RunCodes.boostStaysOn,
          severity: 'warning',
          title: 'vCPUs stay boosted',
          message: `vCPUs of ${vm.name} were boosted ${fmtFraction(frac)} of the time (${fmtNs(boosted)})${worstLoad ? `; host load ${worstLoad.name} max latency ${fmtNs(worstLoad.latency.max)}` : ''}: ${reasons.join('; ')}.`,
          range: vm.boost.range,
          causes: reasons,
          fix: 'Boost on injection, keep a preempt_limit, let the guest unboost, and boost only on timer/NMI-class interrupts.',
          data: { boostedFraction: frac },
        });
      }
    }
  }

  // 28 / 31: oversubscription, steal on latency-sensitive vCPUs.
  for (const vm of scenario.vms) {
    const vps = result.vps.filter((p) => p.vm === vm.name);
    if (vps.length === 0 || !latencySensitive(vm)) continue;
    const steal = vps.reduce((s, p) => s + p.stealNs, 0);
    const worst = vps.reduce((a, b) => (b.stealNs > a.stealNs ? b : a));
    const tasks = result.tasks.filter((t) => t.vm === vm.name && (t.kind === 'guest-thread' || t.kind === 'guest-irq'));
    const p99 = tasks.reduce((m, t) => Math.max(m, t.latency.p99), 0);
    if (worst.stealNs > 0.1 * dur) {
      out.push({
        code: RunCodes.highSteal,
        severity: 'warning',
        title: 'high steal time on a latency-sensitive vCPU',
        message: `vCPU ${worst.vp} of ${vm.name} was runnable but not running for ${fmtNs(worst.stealNs)} (${fmtFraction(worst.stealNs / dur)} steal) while running latency-sensitive work (worst p99 ${fmtNs(p99)}).`,
        range: vm.range,
        lane: `vm:${vm.name}/vcpu:${worst.vp}`,
        fix: 'Give the VM dedicated pCPUs or a pool of its own, or enable `boost dynamic` for its latency-critical work.',
        data: { stealNs: worst.stealNs, stealFraction: worst.stealNs / dur },
      });
    }
    if (vm.boost.mode === 'off' && steal > 0.05 * dur * vm.vcpus) {
      out.push({
        code: RunCodes.oversubscribed,
        severity: 'warning',
        title: 'oversubscribed pool, latency-sensitive guest',
        message: `The vCPUs of ${vm.name} waited for a pCPU ${fmtFraction(steal / (dur * vm.vcpus))} of the time (pool ${vm.pool} is oversubscribed) while the guest runs latency-sensitive work (worst p99 ${fmtNs(p99)}), with no mitigation.`,
        range: vm.range,
        fix: 'Reduce oversubscription (fewer runnable threads than pCPUs), pin to dedicated pCPUs, or use `boost dynamic`.',
        data: { stealNs: steal },
      });
    }
  }

  // 29 / 30: spinning on preempted siblings, fixed DoP.
  for (const { vm, facts } of f.guests) {
    if (facts.spinWhilePreemptedNs > Math.max(1_000_000, 0.1 * facts.spinNs)) {
      const region = facts.regions.find((r) => r.spinPreemptedNs > 0 && r.ir.barrier !== 'block');
      const lock = facts.locks.find((l) => l.kind !== 2 && l.contended > 0);
      const range = region?.ir.range ?? lock?.ir.range ?? vm.guest.range;
      out.push({
        code: RunCodes.spinOnPreempted,
        severity: 'warning',
        title: 'spinning on preempted vCPUs',
        message: `Guest threads of ${vm.name} spun ${fmtNs(facts.spinWhilePreemptedNs)} (${fmtFraction(facts.spinWhilePreemptedNs / Math.max(1, facts.spinNs))} of all spinning) while a sibling vCPU was preempted: they waited for a thread that could not run${facts.pleExits ? ` (${facts.pleExits} pause-loop exits)` : ''}.`,
        range,
        causes: ['the host preempts vCPUs (oversubscription)', region ? `${region.ir.name} waits at a ${region.ir.barrier} barrier` : `lock ${lock?.ir.name ?? ''} is a spinning lock`],
        fix: vm.guest.stealTime
          ? 'Adapt the degree of parallelism (dop adaptive), block (barrier block, kind mutex), or spin in kernel mode with PLE; a paravirt barrier helps less (it misses stragglers whose vCPU was woken from a halt and waits for a pCPU: KVM does not flag those preempted).'
          : 'Block (barrier block, kind mutex) or spin in kernel mode with PLE; steal_time is off, so paravirt barriers and dop adaptive cannot see preempted siblings.',
        data: { spinWhilePreemptedNs: facts.spinWhilePreemptedNs, spinNs: facts.spinNs },
      });
    }
    for (const r of facts.regions) {
      if (r.ir.dop !== 'fixed' || r.round === 0) continue;
      if (r.roundsWithPreemption < Math.max(1, 0.1 * r.round)) continue;
      out.push({
        code: RunCodes.fixedDop,
        severity: 'info',
        title: 'fixed degree of parallelism under preemption',
        message: `${r.ir.name} kept ${r.team.length} threads in ${r.roundsWithPreemption} of ${r.round} rounds in which a vCPU of ${vm.name} was preempted: each such round waits for the preempted thread.`,
        range: r.ir.range,
        fix: vm.guest.stealTime ? 'Use `dop adaptive` so the team shrinks to the CPU the vCPUs get (from steal time).' : 'Turn `steal_time` on and use `dop adaptive` so the team shrinks to the CPU the vCPUs get (adaptive needs steal time).',
        data: { rounds: r.round, roundsWithPreemption: r.roundsWithPreemption },
      });
    }
  }
  // VPS339: releases queued behind the pass in progress at the end of the run.
  out.push(...backlogFindings(scenario, result, dur, f.oldestUnfinishedNs));
  return out;
}

/**
 * Unfinished releases at the end that make a backlog (VPS339; thresholds in `runCodeDocs`): at
 * least BACKLOG_MIN and BACKLOG_SHARE of the releases, the oldest waiting BACKLOG_AGE of the
 * measured time or longer. The age tells a queue that grows from one that only fluctuates: with
 * releases r times faster than passes the oldest waits about (1 - 1/r) of the run, while a stable
 * queue's oldest waits a few passes. When the mean pass is below the interval the evidence asked
 * is stronger (BACKLOG_*_STARVED). Measured here on a Poisson thread alone on a free vCPU, seeds
 * 1-40, 100 ms runs: with the share and count tests only, it was raised in 12% of the runs at
 * 70% load and 22% at 80%; see test/analysis/backlog.test.ts for the rate with all of them.
 */
const BACKLOG_MIN = 3;
const BACKLOG_SHARE = 0.05;
const BACKLOG_AGE = 0.1;
/**
 * When the mean pass is below the interval (no VPS139): at least this many unfinished, this share
 * of at least BACKLOG_RELEASES_STARVED releases (fewer cannot tell a starved thread from a queue
 * that fluctuates).
 */
const BACKLOG_MIN_STARVED = 5;
const BACKLOG_SHARE_STARVED = 0.2;
const BACKLOG_RELEASES_STARVED = 50;

function backlogFindings(scenario: Scenario, result: VariantResult, dur: number, oldestNs?: readonly number[]): Finding[] {
  const out: Finding[] = [];
  for (const [i, t] of result.tasks.entries()) {
    if (t.measures !== 'latency' || (t.kind !== 'guest-thread' && t.kind !== 'host-load' && t.kind !== 'vtl2-task' && t.kind !== 'ioload')) continue;
    const { unfinished, count } = t.latency;
    if (unfinished < BACKLOG_MIN || unfinished < BACKLOG_SHARE * count) continue;
    const oldest = oldestNs?.[i] ?? t.latency.max;
    if (oldest < BACKLOG_AGE * dur) continue;
    const vm = t.vm !== undefined ? scenario.vms.find((v) => v.name === t.vm) : undefined;
    if (t.kind === 'ioload') {
      const f = ioBacklog(vm, t, result, dur, oldest);
      if (f) out.push(f);
      continue;
    }
    const owner = t.kind === 'host-load'
      ? scenario.host.loads.find((l) => l.name === t.name)
      : t.kind === 'vtl2-task'
        ? vm?.openhcl?.tasks.find((k) => k.name === t.name)
        : vm?.guest.threads.find((th) => th.name === t.name);
    const load = owner && passAgainstInterval(owner.program);
    const overloaded = !!load?.outruns;
    // Work that fits its interval on paper falls behind only if its thread lacks CPU: a queue that
    // only fluctuates must not pass for that, so the evidence asked is stronger.
    if (!overloaded && starvedEvidenceLacking(unfinished, count)) continue;
    const causes: string[] = [`${unfinished} releases were queued or running when the run ended`];
    if (overloaded) causes.push(`one pass takes ${fmtNs(load.passNs)} on average and they come every ${fmtNs(load.intervalNs)} (VPS139)`);
    else {
      // Else what held its passes up: its longest recorded stalls by cause, then the vCPUs' steal.
      const top = topStallCause(result, (s) => s.task === t.name && s.vm === t.vm);
      const vps = vm ? result.vps.filter((p) => p.vm === vm.name) : [];
      const steal = vps.reduce((s, p) => s + p.stealNs, 0) / Math.max(1, dur * vps.length);
      if (top) causes.push(`its passes stalled ${fmtNs(top[1])} in total for ${top[0]} (${stallCode(top[0])})`);
      if (vm && steal >= 0.01) causes.push(`the vCPUs of ${vm.name} waited for a pCPU ${fmtFraction(steal)} of the time`);
      else if (!top) causes.push('its thread did not get the CPU its passes need');
    }
    out.push({
      code: RunCodes.backlog,
      severity: 'warning',
      title: 'passes fell behind their releases',
      message: `${t.name} fell behind: ${unfinished} of its ${count} releases were still queued or running when the run ended, the oldest for ${fmtNs(oldest)} (${fmtFraction(oldest / dur)} of the run). Its latency (p99 ${fmtNs(t.latency.p99)}, max ${fmtNs(t.latency.max)}) grows with the run's length: it is not a steady state.`,
      range: t.range ?? owner?.range ?? vm?.range,
      causes,
      fix: 'Lengthen the period or lower the rate, shorten the work, spread it over more threads (`count`), or give its thread more CPU.',
      data: { unfinished, releases: count, oldestNs: oldest, p99Ns: t.latency.p99 },
    });
  }
  return out;
}

/** Too few releases, or too few of them unfinished, to tell a starved queue from one that fluctuates. */
function starvedEvidenceLacking(unfinished: number, count: number): boolean {
  return count < BACKLOG_RELEASES_STARVED || unfinished < BACKLOG_MIN_STARVED || unfinished < BACKLOG_SHARE_STARVED * count;
}

/** The stall cause with the most time among the stalls `pick` selects, and that time. */
function topStallCause(result: VariantResult, pick: (s: VariantResult['stalls'][number]) => boolean): [string, number] | undefined {
  const byCause = new Map<string, number>();
  for (const s of result.stalls) if (pick(s)) byCause.set(s.cause, (byCause.get(s.cause) ?? 0) + s.durationNs);
  return [...byCause].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
}

/**
 * VPS339 for an open-loop ioload (`rate`): IOs arrive whatever the storage path can take, so
 * unfinished IOs with an old oldest mean arrivals outran completions. Nothing states the path's
 * capacity up front (it depends on the channels, queue depths, worker CPU and the disk), so the
 * stronger evidence is always asked. A closed loop (`depth`) cannot fall behind.
 */
function ioBacklog(vm: Scenario['vms'][number] | undefined, t: VariantResult['tasks'][number], result: VariantResult, dur: number, oldest: number): Finding | undefined {
  const l = vm?.guest.ioloads.find((x) => x.name === t.name);
  if (!vm || !l || !(l.ratePerSec && l.ratePerSec > 0)) return undefined;
  const { unfinished, count } = t.latency;
  if (starvedEvidenceLacking(unfinished, count)) return undefined;
  const causes: string[] = [`${unfinished} IOs were queued or in flight when the run ended`];
  const site = storvspChannelPrefix(l.controller);
  const top = topStallCause(result, (s) => s.vm === vm.name && s.task.startsWith(site));
  if (top) causes.push(`the channels of \`${l.controller}\` stalled ${fmtNs(top[1])} in total for ${top[0]} (${stallCode(top[0])})`);
  const done = count - unfinished;
  causes.push(`IOs arrived at ${fmtRate(l.ratePerSec)} and ${fmtRate(done / (dur / 1e9))} completed`);
  return {
    code: RunCodes.backlog,
    severity: 'warning',
    title: 'IOs fell behind their arrivals',
    message: `ioload ${t.name} fell behind: ${unfinished} of its ${count} IOs were still queued or in flight when the run ended, the oldest for ${fmtNs(oldest)} (${fmtFraction(oldest / dur)} of the run). Its latency (p99 ${fmtNs(t.latency.p99)}, max ${fmtNs(t.latency.max)}) grows with the run's length: it is not a steady state.`,
    range: t.range ?? l.range,
    causes,
    fix: 'Lower the IO rate, or raise what the storage path takes: more channels (`sub_channels`), a deeper queue (`io_queue_depth`), more worker CPU, or a faster disk.',
    data: { unfinished, releases: count, oldestNs: oldest, p99Ns: t.latency.p99 },
  };
}

/**
 * Adds the run hazards to a result of `simulate` (in place; returns it). The shells (CLI, the
 * simulation worker, tests) call this: the simulator itself does not import the layer above it.
 * A result already analysed, or not made by `simulate`, is returned unchanged.
 */
export function withRunFindings(result: VariantResult): VariantResult {
  const f = runFactsOf(result);
  if (!f || analysed.has(result)) return result;
  analysed.add(result);
  result.findings = sortFindings([...result.findings, ...analyzeRun({ scenario: f.scenario, result, guests: f.guests, oldestUnfinishedNs: f.oldestUnfinishedNs })]);
  return result;
}

const analysed = new WeakSet<VariantResult>();

/** `simulateAll` followed by `withRunFindings` on every result: what the shells run. */
export function simulateAllWithFindings(scenario: Scenario, opts: SimulateAllOptions = {}): VariantResult[] {
  return simulateAll(scenario, opts).map(withRunFindings);
}

/**
 * The background simulation (editor and `vpscope check`): one variant at a time, each simulated for its own duration capped at `cap` (the `durationNs`
 * option overrides every variant alike); like `simulateAll`, stops after a cancelled or
 * wall-limited variant.
 */
export function simulateAllCapped(scenario: Scenario, options: SimulateAllOptions, cap: number): VariantResult[] {
  const sel = options.variants ?? 'all';
  const names = sel === 'all' ? ['base', ...scenario.variants.map((v) => v.name)] : sel === 'base' ? ['base'] : sel;
  const byName = new Map<string, Scenario>();
  for (const v of scenario.variants) if (!byName.has(v.name)) byName.set(v.name, v.scenario);
  const out: VariantResult[] = [];
  // One run per call below: the timeline bound is shared here as `simulateAll` shares it (sim/run.ts).
  const maxTimelineIntervals = Math.max(1, Math.floor((options.maxTimelineIntervals ?? MAX_TIMELINE_INTERVALS) / Math.max(1, names.length)));
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const declared = (name === 'base' ? scenario : byName.get(name))?.settings.durationNs;
    if (declared === undefined) continue;
    // The budget is read between variants too: each call below starts its one run whatever the
    // budget, and 10,000 short variants never reached the engine's poll (16 s for `check` with a
    // 2 s --sim-wall-ms, measured here).
    const before = out.length > 0 ? options.shouldStop?.() : false;
    if (before === 'cancelled' || before === 'wall_limit' || before === true) {
      options.onNotRun?.(names.slice(i), before === true ? 'cancelled' : before);
      break;
    }
    let setupStop: 'cancelled' | 'wall_limit' | undefined;
    const [r] = simulateAllWithFindings(scenario, { ...options, variants: [name], durationNs: Math.min(cap, declared), maxTimelineIntervals, onNotRun: (_n, why) => (setupStop = why) });
    // Stopped while its model was being built: it and the rest are not run.
    if (setupStop) {
      options.onNotRun?.(names.slice(i), setupStop);
      break;
    }
    if (!r) continue;
    out.push(r);
    if (r.stop.reason === 'cancelled' || r.stop.reason === 'wall_limit') break;
  }
  return out;
}
