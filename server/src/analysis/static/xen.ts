/**
 * Xen cpupool hazards (hazard 23). Credit schedulers hand out credit pool-wide, by weight, but a
 * vCPU can spend it only on its allowed pCPUs; with domains pinned to a shared subset of a pool,
 * the realised shares follow per-pCPU contention instead of the weights (the BS2000 licence case).
 * A cpupool of their own restores the weights. Pool consistency (hazard 24) is a checker error.
 */
import type { TextEdit } from '../../core/diagnostic';
import type { Pool, Vm } from '../../model/ir';
import { HazardCodes } from './codes';
import type { HazardContext } from './context';
import { vmCpus } from './demand';
import { fmtCpuList, fmtIndices, fmtList } from './format';
import { child, hostPath, poolPath, vmPath } from './paths';

function isXen(p: Pool): boolean {
  return p.sched === 'credit' || p.sched === 'credit2';
}

function overlaps(a: readonly number[], b: readonly number[]): boolean {
  const s = new Set(a);
  return b.some((x) => s.has(x));
}

interface Dom {
  vm: Vm;
  /** Allowed pCPUs inside the pool. */
  cpus: number[];
  /** Pinned to a strict subset of the pool. */
  pinned: boolean;
}

/**
 * Groups of pinned domains whose affinities overlap (directly or through each other), each with
 * the pCPUs they cover and every unpinned domain of the pool that also runs there.
 */
function pinnedGroups(doms: readonly Dom[]): { pinned: Dom[]; unpinned: Dom[]; subset: number[] }[] {
  const pinned = doms.filter((d) => d.pinned);
  const parent = pinned.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let i = 0; i < pinned.length; i++) {
    for (let j = i + 1; j < pinned.length; j++) if (overlaps(pinned[i].cpus, pinned[j].cpus)) parent[find(i)] = find(j);
  }
  const groups = new Map<number, Dom[]>();
  pinned.forEach((d, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), d]));
  return [...groups.values()].map((g) => {
    const subset = [...new Set(g.flatMap((d) => d.cpus))].sort((a, b) => a - b);
    return { pinned: g, unpinned: doms.filter((d) => !d.pinned && overlaps(d.cpus, subset)), subset };
  });
}

function uniquePoolName(pools: readonly Pool[], base: string): string {
  const taken = new Set(pools.map((p) => p.name));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}

/** Hazard 23: domains with different weights pinned to a shared subset of a pool. */
export function checkWeightsUnderPinning(ctx: HazardContext): void {
  const s = ctx.scenario;
  for (const pool of s.host.pools) {
    if (!isXen(pool)) continue;
    const inPool = new Set(pool.cpus);
    const doms = s.vms
      .filter((vm) => vm.pool === pool.name)
      .map((vm) => {
        const cpus = vmCpus(s, vm).filter((c) => inPool.has(c));
        return { vm, cpus, pinned: cpus.length > 0 && cpus.length < pool.cpus.length };
      });
    for (const g of pinnedGroups(doms)) {
      const members = [...g.pinned, ...g.unpinned];
      if (members.length < 2 || new Set(members.map((d) => d.vm.weight)).size < 2) continue;
      const fix = ownPoolFix(ctx, pool, g.pinned.map((d) => d.vm), g.subset, doms.filter((d) => !g.pinned.includes(d)).map((d) => d.vm));
      for (const d of g.pinned) {
        const others = members.filter((o) => o !== d);
        ctx.report(HazardCodes.weightsUnderPinning, {
          range: ctx.rangeOf(child(vmPath(d.vm), 'cpus'), d.vm.range),
          message:
            `domain \`${d.vm.name}\` (weight ${d.vm.weight}) is pinned to ${fmtIndices('pCPU', d.cpus)} of pool \`${pool.name}\` (${fmtIndices('pCPU', pool.cpus)}), ` +
            `sharing them with ${fmtList(others.map((o) => `\`${o.vm.name}\` (weight ${o.vm.weight})`))} -> ` +
            `the ${pool.sched} scheduler hands out credit pool-wide by weight, but each domain can spend it only on its allowed pCPUs -> ` +
            `on ${fmtIndices('pCPU', g.subset)} the shares follow per-pCPU contention, not the weights (the BS2000 case) -> ` +
            `give the pinned domains a cpupool of their own with ${fmtIndices('pCPU', g.subset)}`,
          related: others.map((o) => ctx.rel(ctx.stmt(child(vmPath(o.vm), 'cpus')) ?? o.vm.range, `\`${o.vm.name}\` (weight ${o.vm.weight}) runs on ${fmtIndices('pCPU', o.cpus)}`)),
          fixes: [fix],
        });
      }
    }
  }
}

/**
 * "Give them a pool of their own": a new pool with exactly the shared pCPUs and the same
 * scheduler, the domains moved to it with their affinity widened to the whole new pool, and the
 * old pool's written CPU list shrunk. Unpinned domains stay and simply lose those pCPUs. Offered
 * only when it cannot break anything else: CPU 0 must stay in Pool-0, dom0 cannot move, and no
 * domain that stays may have a written affinity on the pCPUs that leave.
 */
function ownPoolFix(ctx: HazardContext, pool: Pool, group: Vm[], subset: number[], rest: Vm[]) {
  if (subset.includes(0) || group.some((vm) => vm.dom0) || subset.length === pool.cpus.length) return undefined;
  if (rest.some((vm) => ctx.stmt(child(vmPath(vm), 'cpus')) && overlaps(vmCpus(ctx.scenario, vm), subset))) return undefined;
  const name = uniquePoolName(ctx.scenario.host.pools, `${group[0].name}-pool`);
  const list = fmtCpuList(subset);
  const edits: (TextEdit | undefined)[] = [ctx.addChildEdit(hostPath, `pool ${name} { cpus ${list}; sched ${pool.sched} }`)];
  // An implicit pool gives up the pCPUs by itself; a written one needs its list shrunk.
  if (!pool.implicit && ctx.stmt(child(poolPath(pool), 'cpus'))) {
    const keep = pool.cpus.filter((c) => !subset.includes(c));
    edits.push(ctx.settingEdit(poolPath(pool), 'cpus', fmtCpuList(keep)));
  }
  for (const vm of group) edits.push(...ctx.settingsEdits(vmPath(vm), [['pool', name], ['cpus', list]]));
  return ctx.fix(`Move ${fmtList(group.map((vm) => `\`${vm.name}\``))} to a cpupool of their own (\`${name}\`, pCPUs ${list})`, edits, true);
}

export const xenChecks = [checkWeightsUnderPinning];
