/**
 * Context checks: settings that are valid on their own but mean nothing, or break a rule, where
 * they are written. They need what the lowering computes (the pool a VM lands in and its
 * scheduler, the backend of a task), so `lower.ts` calls them at the right moment; they only
 * report, never change the IR.
 *
 * - Xen cpupool rules that need pools and VMs together (model.md section 2, xl cpupool docs):
 *   dom0 outside Pool-0, two dom0s, a pool with domains and no CPUs, an empty pool. (The rules
 *   that need the host only - a pCPU in two pools, CPU 0 outside Pool-0, pCPUs in no pool, an
 *   unknown pool - are reported while the pools are built, in `lower.ts`.)
 * - Scheduler settings the pool's scheduler does not use (credit vs credit2 vs Linux).
 * - Linux settings under Xen pools and Xen settings under Linux pools; RT priority vs nice.
 * - `boost` settings without `boost dynamic`; boosting under Xen.
 * - OpenHCL targeting that means nothing (`run_on_target` without `target_vp`) or that the
 *   backend ignores (OpenHCL guide: thread-per-driver ignores run_on_target and retarget_vp).
 */
import type { TextRange } from '../core/text';
import type { Statement } from '../syntax/tree';
import type { Boost, Host, HostSched, OpenHcl, Pool, ThreadPolicy, Vm } from './ir';
import type { Value } from './args';
import type { Block } from './block';
import { Codes } from './codes';
import { DEFAULT_POOL } from './schema';
import { DiagSink, insertBefore } from './util';

/** Settings a pool's scheduler does not use (credit vs credit2 vs Linux). */
export function checkPoolScheduler(sink: DiagSink, pool: Pool, b: Block): void {
  const only: [string, HostSched[], string][] = [
    ['tick', ['credit'], 'the credit accounting tick'],
    ['min_slice', ['credit2'], 'a credit2 setting'],
    ['reset_credit', ['credit2'], 'a credit2 setting'],
    ['cap_period', ['credit2'], 'a credit2 setting'],
    ['ratelimit', ['credit', 'credit2'], 'a Xen credit/credit2 setting (Linux fair has no rate limit)'],
    ['timeslice', ['credit', 'credit2', 'fair', 'rr'], 'meaningless for fifo (a fifo thread runs until it blocks)'],
  ];
  for (const [kw, scheds, what] of only) {
    const s = b.first(kw);
    if (s && !scheds.includes(pool.sched)) {
      sink.warning(Codes.ignoredByScheduler, `\`${kw}\` is ${what}; pool \`${pool.name}\` uses \`${pool.sched}\`, so it is ignored.`, s.keyword, { tags: ['unnecessary'] });
    }
  }
}

/** `rt_priority` needs a real-time policy; `nice` a normal one. */
export function checkPolicy(sink: DiagSink, b: Block, policy: ThreadPolicy, what: string): void {
  const rt = b.first('rt_priority');
  if (rt && policy === 'normal') {
    sink.warning(Codes.ignoredByPolicy, `\`rt_priority\` applies to real-time ${what} (\`policy fifo\` or \`rr\`); with \`policy normal\` it is ignored.`, rt.keyword, { tags: ['unnecessary'] });
  }
  const nice = b.first('nice');
  if (nice && policy !== 'normal') {
    sink.warning(Codes.ignoredByPolicy, `\`nice\` applies to \`policy normal\`; real-time ${what} (\`${policy}\`) ignore it.`, nice.keyword, { tags: ['unnecessary'] });
  }
}

export interface CpupoolLookups {
  /** Range of a VM's setting (its first argument), to point at `pool` or `dom0`. */
  vmSetting(v: Vm, kw: string): TextRange | undefined;
  poolNameRange(p: Pool): TextRange;
  /** Pools whose `cpus` value was invalid (already reported; "no CPUs" would repeat it). */
  invalidCpus: ReadonlySet<Pool>;
}

/** Rules that need pools and VMs together (Xen cpupools, model.md section 2). */
export function checkCpupools(sink: DiagSink, host: Host, vms: readonly Vm[], q: CpupoolLookups): void {
  const dom0s = vms.filter((v) => v.dom0);
  for (const v of dom0s) {
    if (v.pool !== DEFAULT_POOL) {
      sink.error(Codes.dom0OutsidePool0, `dom0 \`${v.name}\` is in pool \`${v.pool}\`, but Xen's control domain lives in \`${DEFAULT_POOL}\` and cannot move; remove its \`pool\`.`, q.vmSetting(v, 'pool') ?? v.range);
    }
  }
  for (const v of dom0s.slice(1)) {
    sink.error(Codes.multipleDom0, `Xen has one control domain, and \`${dom0s[0].name}\` is already dom0; remove \`dom0 on\` from \`${v.name}\`.`, q.vmSetting(v, 'dom0') ?? v.range, {
      related: [{ range: q.vmSetting(dom0s[0], 'dom0') ?? dom0s[0].range, message: `\`${dom0s[0].name}\` is dom0` }],
    });
  }
  for (const p of host.pools) {
    const users = vms.filter((v) => v.pool === p.name);
    if (p.cpus.length > 0 || q.invalidCpus.has(p)) continue;
    if (users.length > 0) {
      for (const v of users) {
        const at = q.vmSetting(v, 'pool') ?? v.range;
        sink.error(Codes.poolWithDomainsNoCpus, `Pool \`${p.name}\` has no CPUs, and Xen refuses to put a domain in a pool without CPUs; give the pool \`cpus\` or move \`${v.name}\` elsewhere.`, at, {
          related: p.implicit ? undefined : [{ range: p.range, message: `pool \`${p.name}\`` }],
        });
      }
    } else if (!p.implicit) {
      sink.warning(Codes.emptyPool, `Pool \`${p.name}\` has no CPUs, so it can hold no domain; give it \`cpus\` or remove it.`, q.poolNameRange(p));
    }
  }
}

/** A VM's Linux settings under a Xen pool, or its Xen settings under a Linux pool. */
export function checkVmScheduler(sink: DiagSink, b: Block, pool: Pool, policy: ThreadPolicy): void {
  const xen = pool.sched === 'credit' || pool.sched === 'credit2';
  if (!xen) {
    // Under Xen the Linux settings are ignored altogether (below), not by policy.
    checkPolicy(sink, b, policy, 'vCPU threads');
    for (const kw of ['cpu_weight', 'cap']) {
      const s = b.first(kw);
      if (s) sink.warning(Codes.ignoredByScheduler, `\`${kw}\` is a Xen credit/credit2 setting; pool \`${pool.name}\` uses \`${pool.sched}\`, so it is ignored${pool.sched === 'fair' ? ' (use `nice` for Linux fair shares)' : ''}.`, s.keyword, { tags: ['unnecessary'] });
    }
  } else {
    for (const kw of ['nice', 'policy', 'rt_priority']) {
      const s = b.first(kw);
      if (s) sink.warning(Codes.ignoredByScheduler, `\`${kw}\` sets Linux scheduling of KVM vCPU threads; pool \`${pool.name}\` uses Xen \`${pool.sched}\`, so it is ignored (use \`cpu_weight\` and \`cap\`).`, s.keyword, { tags: ['unnecessary'] });
    }
  }
}

/** `boost` block settings without `dynamic`; boosting in a Xen pool. */
export function checkBoost(sink: DiagSink, stmt: Statement, b: Block, modeV: Value | undefined, mode: Boost['mode'], pool: Pool, xen: boolean): void {
  // Only when the mode and the block were written together: a variant's `boost off` over a
  // base `boost dynamic { ... }` deliberately keeps the settings for nothing.
  const together = !modeV || (modeV.range.start >= stmt.start && modeV.range.end <= stmt.end);
  if (together && mode !== 'dynamic' && b.specs.some((s) => s)) {
    sink.warning(Codes.boostSettingsIgnored, `The settings in this block apply to \`boost dynamic\` only; with \`boost ${mode}\` they are ignored.`, modeV?.range ?? stmt.keyword, { tags: ['unnecessary'] });
  }
  if (xen && mode !== 'off') {
    sink.warning(Codes.ignoredByScheduler, `vCPU boosting is KVM paravirt scheduling (Linux host); pool \`${pool.name}\` uses Xen \`${pool.sched}\`, so it is ignored.`, stmt.keyword, { tags: ['unnecessary'] });
  }
}

/**
 * `boost` (not `off`) on a VM with `openhcl`: KVM paravirt scheduling on a VM that no KVM host
 * runs. Sources: the KVM dynamic vCPU priority RFC (a KVM host interface: the host boosts vCPU
 * threads on the guest's requests through a shared page); Linux drivers/hv/Kconfig,
 * HYPERV_VTL_MODE ("depends on HYPERV"; a VTL2 kernel "must run at VTL2, and will not run as a
 * normal guest"): OpenHCL's VTL2 is Hyper-V's Virtual Secure Mode. That upstream KVM offers no
 * VTLs is vpscope's reading of those sources (an assumption), said in the message. Under a Xen
 * pool VPS132 already says the boost is ignored.
 */
export function checkBoostOnOpenHcl(sink: DiagSink, stmt: Statement | undefined, mode: Boost['mode']): void {
  if (!stmt) return;
  const modeArg = stmt.args[0];
  const range = modeArg ? { start: stmt.keyword.start, end: modeArg.end } : stmt.keyword;
  sink.warning(
    Codes.boostOnOpenHcl,
    `\`boost ${mode}\` is KVM paravirt scheduling (the host boosts vCPU threads, dynamic vCPU priority RFC), but this VM runs OpenHCL in VTL2, a Hyper-V Virtual Secure Mode feature (Linux \`HYPERV_VTL_MODE\` depends on \`HYPERV\`; upstream KVM offers no VTLs, as far as vpscope knows): no KVM host runs this VM, so the boost has no meaning there. vpscope still simulates it as written (a what-if).`,
    range,
    {
      tags: ['unnecessary'],
      ...(modeArg ? { fixes: [{ title: "Set 'boost off'", edits: [{ range: { start: modeArg.start, end: modeArg.end }, newText: 'off' }], preferred: true }] } : {}),
    },
  );
}

/** OpenHCL targeting per backend (OpenHCL guide: the `target_vp` / `run_on_target` table). */
export function checkTaskTargeting(sink: DiagSink, text: string, b: Block, backend: OpenHcl['backend'], name: string, runOnTarget: boolean): void {
  const rot = b.first('run_on_target');
  const tvStmt = b.first('target_vp');
  if (backend === 'threadpool' && rot && runOnTarget && !tvStmt) {
    sink.warning(Codes.runOnTargetWithoutTarget, `\`run_on_target\` keeps task \`${name}\` on its target VP, but the task has no \`target_vp\`, so it means nothing (the task spawns on the current CPU and its IO goes to VP 0). Add \`target_vp N\`.`, rot.keyword, {
      fixes: [{ title: "Add 'target_vp 0'", edits: [insertBefore(text, rot, 'target_vp 0')], preferred: true }],
    });
  }
  if (backend !== 'threadpool') {
    const label = backend === 'thread' ? 'the thread backend (a dedicated thread per targeted driver, the default driver thread otherwise)' : 'the single-driver backend';
    if (rot && runOnTarget) sink.warning(Codes.ignoredByBackend, `\`run_on_target\` is ignored by ${label}; only the threadpool backend keeps a task on its VP.`, rot.keyword, { tags: ['unnecessary'] });
    for (const r of b.all('retarget_vp')) sink.warning(Codes.ignoredByBackend, `\`retarget_vp\` is a no-op with ${label}; nothing moves.`, r.keyword, { tags: ['unnecessary'] });
    if (backend === 'single' && tvStmt) sink.warning(Codes.ignoredByBackend, `\`target_vp\` is ignored by ${label}: all work runs on the one driver thread.`, tvStmt.keyword, { tags: ['unnecessary'] });
  }
}
