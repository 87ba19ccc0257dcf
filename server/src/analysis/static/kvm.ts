/**
 * Host-level hazards of vCPU priority (hazards 26, 27, 28): static real-time vCPUs, boost
 * policies that keep vCPUs boosted, and latency-sensitive guest work on an oversubscribed host.
 * KVM paravirt scheduling as in the dynamic vCPU priority RFC (model section 2): boost = SCHED_RR
 * priority 8 ahead of every normal host thread. Published v1 results, 4-core busy host: guest
 * cyclictest average 887 us -> 21 us with dynamic boosting; static RT 25 us but host max latency
 * 1577 us -> 15969 us.
 */
import type { BoostInterrupt, Pool, Scenario, Vm } from '../../model/ir';
import { HazardCodes } from './codes';
import type { HazardContext } from './context';
import type { RelatedInfo } from '../../core/diagnostic';
import { contenders, oversubscription, vmCpus, type Contender } from './demand';
import { fmtAbout, fmtCount, fmtDist, fmtIndices, fmtList, fmtListOf } from './format';
import { contenderRel, cpuPhrase } from './guest';
import { capRelated, MAX_RELATED } from '../../model/util';
import { boostPath, child, vmPath } from './paths';
import { fmtNum } from '../../core/format';

function poolOf(s: Scenario, vm: Vm): Pool | undefined {
  return s.host.pools.find((p) => p.name === vm.pool);
}

/** Linux host scheduling (KVM): boosting and RT policies apply. Xen pools have neither. */
export function isLinuxHost(s: Scenario, vm: Vm): boolean {
  const sched = poolOf(s, vm)?.sched ?? s.host.sched;
  return sched !== 'credit' && sched !== 'credit2';
}

/** Hazard 26: static RT priority for all vCPUs starves host threads. */
export function checkStaticRt(ctx: HazardContext): void {
  const s = ctx.scenario;
  for (let vmIndex = 0; vmIndex < ctx.crossVms.length; vmIndex++) {
    const vm = ctx.crossVms[vmIndex];
    if (!isLinuxHost(s, vm)) continue;
    const viaBoost = vm.boost.mode === 'static_rt';
    if (!viaBoost && vm.policy === 'normal') continue;
    const cpus = vmCpus(s, vm);
    const victims = contenders(s, cpus, vm).filter((c) => c.normal);
    const how = viaBoost ? 'static boost' : `policy ${vm.policy}`;
    const victimText = victims.length ? ` (${fmtList(victims.map((c) => `${c.kind === 'load' ? 'host load' : 'VM'} \`${c.name}\``))})` : '';
    const fix = viaBoost
      ? ctx.setSetting(vmPath(vm), 'boost', 'dynamic', 'Use dynamic boosting (`boost dynamic`)', true)
      : ctx.fix(
          'Use the normal policy with dynamic boosting',
          ctx.settingsEdits(vmPath(vm), vm.boost.mode === 'off' ? [['policy', 'normal'], ['boost', 'dynamic']] : [['policy', 'normal']]),
          true,
        );
    ctx.report(HazardCodes.staticRtVcpus, {
      range: viaBoost ? ctx.rangeOf(boostPath(vm), vm.range) : ctx.rangeOf(child(vmPath(vm), 'policy'), vm.range),
      message:
        `VM \`${vm.name}\` runs all ${vm.vcpus} vCPU threads at a static real-time priority (${how}) -> on ${fmtIndices('pCPU', cpus)} they always run ahead of normal host threads${victimText}, ` +
        `which get only what RT throttling leaves (5% per second) while the vCPUs are busy -> host latency rises by an order of magnitude ` +
        `(published: host max 1.6 ms -> 16 ms) -> use dynamic boosting (\`boost dynamic\`), which raises a vCPU only while it needs it`,
      related: victims.map((c) => ctx.rel(c.range, `${c.kind === 'load' ? 'host load' : 'VM'} \`${c.name}\`${c.periodic ? ' (latency-sensitive)' : ''} runs at normal priority on these pCPUs`)),
      fixes: [fix],
    });
  }
}

/** Interrupts that are not high priority: boosting on them boosts bulk work. */
const LOW_PRIORITY_IRQS: readonly BoostInterrupt[] = ['device', 'ipi'];
const DEFAULT_BOOST_IRQS = 'timer,nmi,smi,pv_unhalt';

/** Hazard 27: boost settings that keep vCPUs boosted when they should not be. */
export function checkBoostPolicy(ctx: HazardContext): void {
  const s = ctx.scenario;
  for (let vmIndex = 0; vmIndex < ctx.localVms.length; vmIndex++) {
    const vm = ctx.localVms[vmIndex];
    const b = vm.boost;
    if (b.mode !== 'dynamic' || !isLinuxHost(s, vm)) continue;
    const bp = boostPath(vm);
    const at = (kw: string) => ctx.rangeOf(child(bp, kw), b.range.end > b.range.start ? b.range : vm.range);
    if (b.trigger === 'pending') {
      const masked = vm.guest.irqs.filter((i) => i.maskedFraction > 0);
      ctx.report(HazardCodes.boostPolicy, {
        range: at('trigger'),
        message:
          `VM \`${vm.name}\` boosts on pending interrupts -> a vCPU is boosted as soon as an interrupt is pending, even while the guest has interrupts masked and will not take it for a while` +
          (masked.length ? ` (${fmtList(masked.map((i) => `\`${i.name}\` is masked ${fmtNum(i.maskedFraction * 100)}% of the time, in windows of ${fmtDist(i.maskedWindow)}`))})` : '') +
          `, so it holds RT priority doing unrelated work while host threads wait -> boost on injection (\`trigger injection\`)`,
        related: masked.map((i) => ctx.rel(i.range, `interrupts \`${i.name}\` arrive while masked`)),
        fixes: [ctx.setSetting(bp, 'trigger', 'injection', 'Boost on injection (`trigger injection`)', true)],
      });
    }
    const low = b.interrupts.filter((i) => LOW_PRIORITY_IRQS.includes(i));
    if (low.length) {
      const keep = b.interrupts.filter((i) => !LOW_PRIORITY_IRQS.includes(i));
      const sources = vm.guest.irqs.filter((i) => low.includes(i.kind));
      ctx.report(HazardCodes.boostPolicy, {
        range: at('interrupts'),
        message:
          `VM \`${vm.name}\` boosts on ${fmtList(low.map((i) => `${i} interrupts`))} -> not every interrupt is high priority: ` +
          `${sources.length ? fmtList(sources.map((i) => `\`${i.name}\``)) : 'they'} boost vCPUs that may only be doing bulk work, ahead of every normal host thread -> ` +
          `boost only on timer, NMI, SMI and PV unhalt`,
        related: sources.map((i) => ctx.rel(i.range, `\`${i.name}\` (${i.kind}) boosts a vCPU on each interrupt`)),
        fixes: [ctx.setSetting(bp, 'interrupts', keep.length ? keep.join(',') : DEFAULT_BOOST_IRQS, `Boost only on ${keep.length ? keep.join(', ') : 'timer, NMI, SMI and PV unhalt'}`, true)],
      });
    }
    if (b.preemptLimitNs === 0) {
      ctx.report(HazardCodes.boostPolicy, {
        range: at('preempt_limit'),
        message:
          `VM \`${vm.name}\` boosts with no preempt-disabled limit -> a vCPU that keeps preemption disabled is boosted however long it holds it, ` +
          `so the guest can keep its vCPUs at RT priority indefinitely and starve host threads -> keep a limit (\`preempt_limit 3ms\`, the default)`,
        fixes: [ctx.setSetting(bp, 'preempt_limit', '3ms', 'Limit boosting to 3 ms of disabled preemption', true)],
      });
    }
    if (!b.guestUnboosts) {
      ctx.report(HazardCodes.boostPolicy, {
        range: at('guest_unboosts'),
        message:
          `the guest of VM \`${vm.name}\` does not unboost host-initiated boosts -> a vCPU the host boosted on an interrupt stays boosted long after the handler is done, ` +
          `ahead of every normal host thread -> let the guest unboost (\`guest_unboosts on\`)`,
        fixes: [ctx.setSetting(bp, 'guest_unboosts', 'on', 'Let the guest unboost (`guest_unboosts on`)', true)],
      });
    }
    if (b.nested) {
      ctx.report(HazardCodes.boostPolicy, {
        range: at('nested'),
        message:
          `VM \`${vm.name}\` lets its nested (L2) guest's interrupts boost its vCPUs -> an L2 guest that raises many interrupts keeps the L1 vCPUs boosted ` +
          `regardless of the priority of the L2 work, ahead of every normal host thread -> do not boost for nested interrupts (\`nested off\`)`,
        fixes: [ctx.setSetting(bp, 'nested', 'off', 'Do not boost for nested interrupts', true)],
      });
    }
  }
}

/** Hazard 28: latency-sensitive guest work on an oversubscribed host with no mitigation. */
export function checkOversubscribedLatency(ctx: HazardContext): void {
  const s = ctx.scenario;
  for (let vmIndex = 0; vmIndex < ctx.crossVms.length; vmIndex++) {
    const vm = ctx.crossVms[vmIndex];
    // Xen credit gives a vCPU that wakes with credit left (UNDER) the BOOST priority, and credit2
    // orders by remaining credit: light latency-sensitive work is protected there by design. The
    // published latency numbers are for a Linux (KVM) host, where nothing protects it by default.
    if (!isLinuxHost(s, vm)) continue;
    // Boosting (dynamic or static) and RT policies are the mitigations a KVM host offers.
    if (vm.boost.mode !== 'off' || vm.policy !== 'normal') continue;
    const sensitive = vm.guest.threads.filter((t) => t.rt || t.program.trigger.kind === 'periodic');
    if (!sensitive.length) continue;
    const os = oversubscription(s, vm);
    if (!os.oversubscribed) continue;
    let who: Contender[] | undefined;
    let related: RelatedInfo[] | undefined;
    for (let tIndex = 0; tIndex < sensitive.length; tIndex++) {
      const t = sensitive[tIndex];
      const range = ctx.head(t.range);
      if (!ctx.wants(HazardCodes.oversubscribedLatency, range)) continue;
      who ??= os.named;
      const trig = t.program.trigger;
      const what = [t.rt ? 'rt' : '', trig.kind === 'periodic' ? `every ${fmtDist(trig.period)}` : ''].filter(Boolean).join(', ');
      ctx.report(HazardCodes.oversubscribedLatency, {
        range,
        message:
          `thread \`${t.name}\` is latency-sensitive (${what}) and ${cpuPhrase(os.cpus)} ${new Set(os.cpus).size === 1 ? 'is' : 'are'} oversubscribed: up to ${fmtCount(os.own, 'vCPU')} of \`${vm.name}\`` +
          // No other work: the VM's own vCPUs outnumber its pCPUs (was "plus ~0 CPUs of other work").
          `${os.others > 0 ? ` plus ${fmtAbout(os.others, 'CPU')} of other work${who.length ? ` (${fmtListOf(who, (c) => `\`${c.name}\``, 4, os.namedTotal)})` : ''}` : ''} on ${fmtCount(os.cpus.length, 'pCPU')} -> ` +
          `when \`${t.name}\` wakes, its vCPU waits behind host threads and other vCPUs (published: 887 us average guest latency on a busy host, 21 us with dynamic boosting) -> ` +
          'boost the VM (`boost dynamic`), or give it dedicated pCPUs',
        // One array per VM: every latency-sensitive thread of the VM names the same contenders.
        related: (related ??= capRelated(who.slice(0, MAX_RELATED).map((c) => contenderRel(ctx, c)), os.namedTotal)),
        fixes: [ctx.setSetting(vmPath(vm), 'boost', 'dynamic', `Boost \`${vm.name}\`'s vCPUs dynamically (\`boost dynamic\`)`, true)],
      });
    }
  }
}

export const kvmChecks = [checkStaticRt, checkBoostPolicy, checkOversubscribedLatency];
