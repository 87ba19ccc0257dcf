/**
 * Conservation, sanity and metamorphic properties of the simulator on GENERATED whole scenarios
 * (scenarioGen.ts: every backend, pools, pinning, loads, OpenHCL blocks, variants, within the
 * ranges of docs/language.md), 10-40 ms of simulated time each. The invariants are in
 * invariants.ts. `VPSCOPE_PROPS_RUNS=N` runs N cases per property (at least the defaults below)
 * and `VPSCOPE_PROPS_SEED=S` changes fast-check's seed, to search more locally.
 *
 * What they found (both fixed, with focused tests): `boostedNs` counted the warmup (kvm.test.ts);
 * a waking guest RT thread queued behind another RT thread while other vCPUs ran only normal work
 * (guest.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDocument } from '../../../server/src/model/analyze';
import { simulate, simulateAll } from '../../../server/src/sim/run';
import { withRunFindings } from '../../../server/src/analysis/run';
import type { VariantResult } from '../../../server/src/sim/result';
import { genArb, lightArb, scenarioText, type Gen, type Sched } from './scenarioGen';
import { checkInvariants, expectOf, laneTotals } from './invariants';

const EXTRA = Number(process.env.VPSCOPE_PROPS_RUNS ?? 0) || 0;
const SEED = Number(process.env.VPSCOPE_PROPS_SEED ?? 0) || 0;
const opts = (numRuns: number, seed: number) => ({ numRuns: Math.max(numRuns, EXTRA), seed: seed + SEED });

function analyze(text: string) {
  const a = analyzeDocument(text, { uri: 'mem:/generated.vps' });
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map((e) => `${e.code} ${e.message}`), [], text);
  return a.scenario!;
}

function run(text: string, timeline = false): VariantResult {
  return simulate(analyze(text), { timeline });
}

test('generated scenarios: every variant result conserves time and is sane (no NaN, busy + idle = run, affinity, shares, percentiles, counts, lanes, findings)', () => {
  fc.assert(
    fc.property(genArb, (g) => {
      const text = scenarioText(g);
      const sc = analyze(text);
      const results = simulateAll(sc, { timeline: true }).map(withRunFindings);
      for (const r of results) {
        const variant = r.name === 'base' ? sc : sc.variants.find((v) => v.name === r.name)!.scenario;
        const bad = checkInvariants(r, expectOf(variant, text));
        assert.deepEqual(bad, [], `variant ${r.name}:\n${bad.slice(0, 10).join('\n')}\n${text}`);
      }
    }),
    opts(40, 11),
  );
});

test('generated scenarios: the same scenario and seed give byte-identical results (timeline included)', () => {
  fc.assert(
    fc.property(genArb, (g) => {
      const text = scenarioText(g);
      const once = JSON.stringify(simulateAll(analyze(text), { timeline: true }).map(withRunFindings));
      const again = JSON.stringify(simulateAll(analyze(text), { timeline: true }).map(withRunFindings));
      assert.ok(once === again, text);
    }),
    opts(8, 12),
  );
});

const totalSteal = (r: VariantResult) => r.vms.reduce((a, v) => a + v.stealNs, 0) + r.hostThreads.reduce((a, h) => a + h.stealNs, 0);

/**
 * One pool, no VM affinity (so the new pCPU is usable by every vCPU), more host threads (vCPUs +
 * load threads) than pCPUs. Tolerance: 10% plus 0.2% of the window, measured: over 76 such cases
 * the largest ratio was 1.04. Without the oversubscription and affinity conditions the direction
 * does not hold and should not: a vCPU pinned to pCPU 0 waits behind whichever load thread the
 * balancer happens to leave there (EEVDF RUN_TO_PARITY keeps a running thread to its slice end),
 * and one more pCPU changes where the loads land.
 */
test('an idle pCPU added to an oversubscribed pool never increases the total steal by much (no VM affinity)', () => {
  const arb = genArb
    .map((g): Gen => ({ ...g, pool2: 0, pcpus: Math.min(g.pcpus, 7), x: g.x.map((v, i) => (i === 0 ? 0 : v)), vms: g.vms.map((v) => ({ ...v, aff: undefined, oneToOne: false, pool2: false })) }))
    .filter((g) => g.vms.reduce((a, v) => a + v.vcpus, 0) + g.loads.reduce((a, l) => a + l.threads, 0) > g.pcpus);
  fc.assert(
    fc.property(arb, (g) => {
      const base = run(scenarioText(g, { variant: false }));
      const more = run(scenarioText({ ...g, pcpus: g.pcpus + 1 }, { variant: false }));
      const slack = 0.002 * (base.durationNs - base.warmupNs);
      const [s0, s1] = [totalSteal(base), totalSteal(more)];
      assert.ok(s1 + slack <= 1.1 * (s0 + slack), `steal ${s0} with ${g.pcpus} pCPUs, ${s1} with ${g.pcpus + 1}\n${scenarioText(g, { variant: false })}`);
    }),
    opts(15, 13),
  );
});

/**
 * Xen pools (credit or credit2, the same for the whole host), VM 0's weight x4. Its share of its
 * competition group may stay (a pinned group where credit does not bind, the BS2000 case) but
 * never drops by more than 0.02 (measured: 282 cases, largest drop 0.01).
 */
test('a higher Xen weight never lowers the share in the same pool', () => {
  const arb = genArb.map((g): Gen => ({ ...g, sched: (g.seed % 2 ? 'credit' : 'credit2') as Sched, pool2: 0, vms: g.vms.map((v) => ({ ...v, pool2: false })) }));
  fc.assert(
    fc.property(arb, (g) => {
      const v0 = g.vms[0];
      const base = run(scenarioText(g, { variant: false }));
      const heavier = run(scenarioText({ ...g, vms: [{ ...v0, weight: v0.weight * 4 }, ...g.vms.slice(1)] }, { variant: false }));
      const [s0, s1] = [base.vms[0].share, heavier.vms[0].share];
      assert.ok(s1 >= s0 - 0.02, `share ${s0} at weight ${v0.weight}, ${s1} at ${v0.weight * 4}\n${scenarioText(g, { variant: false })}`);
    }),
    opts(15, 14),
  );
});
