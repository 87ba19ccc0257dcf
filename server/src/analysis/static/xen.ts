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
import { fmtCpuList, fmtIndices, fmtList, fmtListOf } from './format';
import { child, hostPath, poolPath, vmPath } from './paths';
import { fmtName } from './source';

function isXen(p: Pool): boolean {
  return p.sched === 'credit' || p.sched === 'credit2';
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
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
  // Domains that share a pCPU are joined through the first domain seen on it: one pass over the
  // affinities instead of a comparison of every pair.
  const firstOn = new Map<number, number>();
  for (let i = 0; i < pinned.length; i++) {
    for (const c of pinned[i].cpus) {
      const j = firstOn.get(c);
      if (j === undefined) firstOn.set(c, i);
      else if (find(i) !== find(j)) parent[find(i)] = find(j);
    }
  }
  const groups = new Map<number, Dom[]>();
  pinned.forEach((d, i) => {
    const r = find(i);
    const g = groups.get(r);
    if (g) g.push(d);
    else groups.set(r, [d]);
  });
  const out = [...groups.values()].map((g) => ({ pinned: g, unpinned: [] as Dom[], subset: [...new Set(g.flatMap((d) => d.cpus))].sort((a, b) => a - b) }));
  // Each unpinned domain joins every group whose pCPUs it also runs on, in domain order.
  const groupOn = new Map<number, number>();
  out.forEach((g, k) => {
    for (const c of g.subset) groupOn.set(c, k);
  });
  for (const d of doms) {
    if (d.pinned) continue;
    const hit = new Set<number>();
    for (const c of d.cpus) {
      const k = groupOn.get(c);
      if (k !== undefined) hit.add(k);
    }
    for (const k of [...hit].sort((a, b) => a - b)) out[k].unpinned.push(d);
  }
  return out;
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
    // Most domains run on their whole pool (their CPU list is the pool's): nothing to filter, and
    // a pool without a pinned domain has nothing to report.
    const doms: Dom[] = [];
    let anyPinned = false;
    for (const vm of s.vms) {
      if (vm.pool !== pool.name) continue;
      const all = vmCpus(s, vm);
      const cpus = all === pool.cpus || sameList(all, pool.cpus) ? all : all.filter((c) => inPool.has(c));
      const pinned = cpus.length > 0 && cpus.length < pool.cpus.length;
      anyPinned ||= pinned;
      doms.push({ vm, cpus, pinned });
    }
    if (!anyPinned) continue;
    for (const g of pinnedGroups(doms)) {
      const members = [...g.pinned, ...g.unpinned];
      if (members.length < 2 || new Set(members.map((d) => d.vm.weight)).size < 2) continue;
      const inGroup = new Set(g.pinned);
      const fix = ownPoolFix(ctx, pool, g.pinned.map((d) => d.vm), g.subset, doms.filter((d) => !inGroup.has(d)).map((d) => d.vm));
      for (const d of g.pinned) {
        const others = members.filter((o) => o !== d);
        ctx.report(HazardCodes.weightsUnderPinning, {
          range: ctx.rangeOf(child(vmPath(d.vm), 'cpus'), d.vm.range),
          message:
            `domain \`${d.vm.name}\` (weight ${d.vm.weight}) is pinned to ${fmtIndices('pCPU', d.cpus)} of pool \`${pool.name}\` (${fmtIndices('pCPU', pool.cpus)}), ` +
            `sharing them with ${fmtListOf(others, (o) => `\`${o.vm.name}\` (weight ${o.vm.weight})`)} -> ` +
            (pool.sched === 'credit2'
              ? `the credit2 scheduler resets credit for the whole pool only when its best queued vCPU has none left, but each domain can burn it only on its allowed pCPUs -> `
              : `the ${pool.sched} scheduler hands out credit pool-wide by weight, but each domain can spend it only on its allowed pCPUs -> `) +
            `on ${fmtIndices('pCPU', g.subset)} the shares follow per-pCPU contention, not the weights (the BS2000 case) -> ` +
            `give the pinned domains a cpupool of their own with ${fmtIndices('pCPU', g.subset)}`,
          related: others.map((o) => ctx.relOnce(o, () => ctx.rel(ctx.stmt(child(vmPath(o.vm), 'cpus')) ?? o.vm.range, `\`${o.vm.name}\` (weight ${o.vm.weight}) runs on ${fmtIndices('pCPU', o.cpus)}`))),
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
  // A scenario the fix also changes (a variant) with another pool on those pCPUs would then have
  // a pCPU in two pools.
  if (ctx.dependents.some((s) => s.host.pools.some((p) => p.name !== pool.name && overlaps(p.cpus, subset)))) return undefined;
  const name = uniquePoolName([...ctx.scenario.host.pools, ...ctx.dependents.flatMap((s) => s.host.pools)], `${group[0].name}-pool`);
  const list = fmtCpuList(subset);
  // Derived from a domain's name, which may need quotes (`vm "a x"` gives `pool "a x-pool"`).
  const written = fmtName(name);
  const edits: (TextEdit | undefined)[] = [ctx.addChildEdit(hostPath, `pool ${written} { cpus ${list}; sched ${pool.sched} }`)];
  // An implicit pool gives up the pCPUs by itself; a written one needs its list shrunk.
  if (!pool.implicit && ctx.stmt(child(poolPath(pool), 'cpus'))) {
    const keep = pool.cpus.filter((c) => !subset.includes(c));
    edits.push(ctx.settingEdit(poolPath(pool), 'cpus', fmtCpuList(keep)));
  }
  for (const vm of group) edits.push(...ctx.settingsEdits(vmPath(vm), [['pool', written], ['cpus', list]]));
  return ctx.fix(`Move ${fmtList(group.map((vm) => `\`${vm.name}\``))} to a cpupool of their own (\`${name}\`, pCPUs ${list})`, edits, true);
}

export const xenChecks = [checkWeightsUnderPinning];
