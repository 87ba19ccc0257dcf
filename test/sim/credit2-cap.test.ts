/**
 * credit2 caps with short cap periods: a period shorter than the minimum slice used to forgive
 * every overrun (the refill reset the budget), so `cap 10%` with `cap_period 100us` ran ~100%.
 * Xen carries the overrun into the next periods (credit2.c replenish_domain_budget: budget +=
 * tot_budget, capped at tot_budget, units stay parked while it is <= 0); so does the model now.
 */
import { test } from 'node:test';
import fc from 'fast-check';
import { busy, ms, pool, scenario, us, vm } from './irBuilders';
import { near, sim, vm as vmOf } from './helpers';

function capped(capPercent: number, capPeriodNs: number, vcpus = 1, pcpus = 1) {
  const all = Array.from({ length: pcpus }, (_, i) => i);
  const sc = scenario({
    pcpus,
    sched: 'credit2',
    durationNs: 200 * ms,
    pools: [{ ...pool('Pool-0', all, 'credit2', { capPeriodNs }), implicit: true }],
    vms: [vm('c', vcpus, { capPercent, guest: { threads: Array.from({ length: vcpus }, () => busy()) } })],
  });
  return vmOf(sim(sc), 'c').cpuNs / (200 * ms);
}

test('cap 10% with cap_period 100us (shorter than the 0.5 ms minimum slice) gives ~10%, not 100%', () => {
  near(capped(10, 100 * us), 0.1, 0.02, 'capped share');
});

test('property: a capped busy vCPU gets its cap within 3 points, whatever the cap period', () => {
  fc.assert(
    fc.property(fc.integer({ min: 5, max: 90 }), fc.constantFrom(50 * us, 100 * us, 300 * us, 1 * ms, 3 * ms, 10 * ms), (cap, period) => {
      near(capped(cap, period), cap / 100, 0.03, `cap ${cap}% period ${period / us}us`);
    }),
    { numRuns: 25 },
  );
});
