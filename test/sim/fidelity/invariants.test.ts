/**
 * Conservation, sanity and metamorphic properties of the simulator on GENERATED whole scenarios
 * (scenarioGen.ts: every backend, pools, pinning, loads, OpenHCL blocks, variants, within the
 * ranges of docs/language.md), 10-40 ms of simulated time each. The invariants are in
 * invariants.ts. `VPSCOPE_PROPS_RUNS=N` runs N cases per property (at least the defaults below)
 * and `VPSCOPE_PROPS_SEED=S` changes fast-check's seed, to search more locally.
 *
 * What they found (all fixed, each with a focused test): `boostedNs` counted the warmup
 * (kvm.test.ts); a waking guest RT thread queued behind another RT thread while other vCPUs ran
 * only normal work, ioload IOs in flight at the end were not counted, an irq's random stream
 * depended on its vCPU's state (guest.test.ts); credit2 dropped a wake-up preemption held back by
 * the ratelimit (credit2.test.ts; later found to be what Xen does since 4.10, and restored). The
 * credit2 weight case then left as a todo is settled at the end: the model now follows Xen's
 * credit2.c rules, and under them credit2 keeps weights only within a range of weight ratios.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDocument } from '../../../server/src/model/analyze';
import { simulate, simulateAll } from '../../../server/src/sim/run';
import { withRunFindings } from '../../../server/src/analysis/run';
import type { VariantResult } from '../../../server/src/sim/result';
import { genArb, scenarioText, type Gen, type Sched } from './scenarioGen';
import { checkInvariants, expectOf, releaseDrivenTasks } from './invariants';

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
      // Releases that do not depend on the run (Poisson, periodic, open-loop IO, interrupts) are
      // all samples, finished or censored: the same count in every variant that keeps the task.
      if (sc.settings.warmupNs === 0 && results.length > 1) {
        const base = releaseDrivenTasks(sc);
        for (const r of results.slice(1)) {
          const mine = releaseDrivenTasks(sc.variants.find((v) => v.name === r.name)!.scenario);
          for (const t of r.tasks) {
            const k = `${t.vm}/${t.name}`;
            if (!base.has(k) || base.get(k) !== mine.get(k)) continue;
            const b = results[0].tasks.find((x) => x.vm === t.vm && x.name === t.name)!;
            assert.equal(t.latency.count, b.latency.count, `${k}: ${b.latency.count} releases in base, ${t.latency.count} in ${r.name}\n${text}`);
          }
        }
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
 * load threads) than pCPUs. Per case: never double plus 2% of the window per thread; over the
 * set: at most 2% of the cases above 10% plus 1% of the window per thread (400 runs with two
 * seeds passed; at 400 runs per-case 10% bounds failed about once per 200). Tolerance: the noise of
 * wake-ups that find every pCPU busy by chance. Shrunk 10 ms cases over 250 runs each (before this
 * tolerance): 6 threads at ~60% demand, 4 -> 5 pCPUs, 26 -> 63 us and 0.16 -> 0.19 ms of steal; a
 * FIFO load thread waking on its previous pCPU preempts a fair thread there although another pCPU
 * is idle (Linux select_task_rq_rt only looks elsewhere when the current task is RT), 0 -> 251 us
 * with 5 threads, 3 -> 4 pCPUs. Without the oversubscription and affinity conditions the
 * direction does not hold and should not: a vCPU pinned to pCPU 0 waits behind whichever load
 * thread the balancer happens to leave there (EEVDF RUN_TO_PARITY keeps a running thread to its
 * slice end), and one more pCPU changes where the loads land. No OpenHCL and no VMM exits: with
 * work blocked on something else, a pCPU more can unblock it and turn blocked time into runnable
 * time (a 5-VP VM with sidecar hot-plug off behind a dedicated thread on 1 pCPU: its VPs were
 * blocked 9.8 ms of 10 ms on 1 pCPU, runnable 2-3 ms each on 2).
 */
test('an idle pCPU added to an oversubscribed pool never increases the total steal by much (no VM affinity)', () => {
  const arb = genArb
    .map((g): Gen => ({ ...g, pool2: 0, pcpus: Math.min(g.pcpus, 7), x: g.x.map((v, i) => (i === 0 || i === 10 ? 0 : v)), vms: g.vms.map((v) => ({ ...v, aff: undefined, oneToOne: false, pool2: false, openhcl: undefined })) }))
    .filter((g) => g.vms.reduce((a, v) => a + v.vcpus, 0) + g.loads.reduce((a, l) => a + l.threads, 0) > g.pcpus);
  let off = 0;
  let n = 0;
  fc.assert(
    fc.property(arb, (g) => {
      const base = run(scenarioText(g, { variant: false }));
      const more = run(scenarioText({ ...g, pcpus: g.pcpus + 1 }, { variant: false }));
      const threads = g.vms.reduce((a, v) => a + v.vcpus, 0) + g.loads.reduce((a, l) => a + l.threads, 0);
      const slack = 0.01 * (base.durationNs - base.warmupNs) * threads;
      const [s0, s1] = [totalSteal(base), totalSteal(more)];
      n++;
      if (s1 > 1.1 * s0 + slack) off++;
      // Never a gross increase; the 10% bound is a rate over the generated set (below).
      assert.ok(s1 <= 2 * s0 + 2 * slack, `steal ${s0} with ${g.pcpus} pCPUs, ${s1} with ${g.pcpus + 1}\n${scenarioText(g, { variant: false })}`);
    }),
    opts(15, 13),
  );
  assert.ok(off <= Math.max(0, Math.floor(0.02 * n)), `${off} of ${n} cases raised steal by more than 10% + slack`);
});

/**
 * Xen credit pools (the whole host), VM 0 CPU-bound (a busy thread per vCPU, no OpenHCL), its
 * weight x4. Its share of its competition group never drops by 0.1, and by more than 0.02 in at
 * most 2% of the cases (400 runs with two seeds passed; on the unrestricted generator, 282 cases
 * dropped by at most 0.01, but rarer cases below did more). CPU-bound, because `share` is consumption: a VM whose vCPUs spin at a
 * barrier waiting for a preempted sibling burns less CPU once a higher weight stops the
 * preemption (a shrunk 10 ms case: a 2-vCPU spin region on 1 pCPU lost share at weight 512).
 * No affinity: domains pinned to a subset of the pool stay UNDER and share round-robin whatever
 * their weights (the BS2000 case, docs/sim.md), so their shares move with noise only (a 200 ms
 * case pinned to pCPU 0 of 2: 0.632 at weight 64, 0.603 at 256; over 2 s 0.514 and 0.567).
 * 200 ms runs and no caps: credit parks a capped vCPU only at accounting (as Xen's csched_acct
 * does), so each vCPU of a capped domain may run a whole 30 ms slice first; a capped 3-vCPU domain
 * took 40% of a pCPU under `cap 30%` in 300 ms (31% in 3 s), and in 200 ms that start-up overrun
 * made the other VM's share move either way with its weight.
 */
/**
 * VM 0's weight x4 (200 ms runs of each generated scenario): its share never drops by 0.1, and by
 * more than 0.02 in at most 2% of the cases (a rate over the generated set).
 */
function weightNeverLowersShare(arb: fc.Arbitrary<Gen>, seed: number): void {
  let off = 0;
  let n = 0;
  fc.assert(
    fc.property(arb, (g) => {
      g = { ...g, durationMs: 200 };
      const v0 = g.vms[0];
      const base = run(scenarioText(g, { variant: false }));
      const heavier = run(scenarioText({ ...g, vms: [{ ...v0, weight: v0.weight * 4 }, ...g.vms.slice(1)] }, { variant: false }));
      const [s0, s1] = [base.vms[0].share, heavier.vms[0].share];
      n++;
      if (s1 < s0 - 0.02) off++;
      assert.ok(s1 >= s0 - 0.1, `share ${s0} at weight ${v0.weight}, ${s1} at ${v0.weight * 4}\n${scenarioText(g, { variant: false })}`);
    }),
    opts(15, seed),
  );
  assert.ok(off <= Math.max(0, Math.floor(0.02 * n)), `${off} of ${n} cases lost more than 0.02 of share`);
}

test('a higher Xen weight never lowers the share in the same pool', () => {
  const arb = genArb.map((g): Gen => ({
    ...g,
    sched: 'credit' as Sched,
    pool2: 0,
    vms: g.vms.map((v, i) => ({
      ...v,
      pool2: false,
      cap: 0,
      aff: undefined,
      oneToOne: false,
      ...(i === 0 ? { threads: [{ count: v.vcpus, trigger: 'loop' as const, periodUs: 1000, cpuUs: 3000, sleepUs: 0, rt: false, lock: false, exitUs: 0 }], parallel: undefined, openhcl: undefined } : {}),
    })),
  }));
  weightNeverLowersShare(arb, 14);
});

/**
 * Xen credit2 pools, VM 0 CPU-bound, its weight x4, the other domains' weights within the range
 * where Xen's credit2 keeps weights (below): its share of its competition group never drops by
 * 0.1, and by more than 0.02 in at most 2% of the cases (measured: 600 runs with two seeds, see
 * docs/sim.md). Unlike credit, affinity is kept: credit2 credit is per vCPU, not handed out
 * pool-wide, so pinning does not void the weights.
 *
 * The range: one minimum run of the lightest vCPU (max(min_slice, ratelimit): 1 ms, 0.5 ms with
 * `ratelimit 0`) must burn at most `reset_credit` (10 ms) of credit, i.e. max_weight / weight x
 * that run <= reset_credit (a weight ratio of 10 at the defaults). Beyond it, a light vCPU's
 * single run takes its whole credit to <= 0, and Xen resets credit (csched2_schedule: the chosen
 * vCPU and the best queued one at <= 0) whenever the heavy domain blocks even for microseconds,
 * clipping its unspent credit to reset + 0.5 ms (reset_credit): the test below.
 */
test('a higher credit2 weight never lowers the share in the same pool (weights within reset_credit / minimum run of each other)', () => {
  const arb = genArb.map((g): Gen => {
    const minRun = g.x[0] === 2 ? 0.5 : 1; // ms: max(min_slice, ratelimit); x[0] === 2 writes `ratelimit 0`
    const w0 = Math.min(g.vms[0].weight, 512); // x4 stays within 10 x the host loads' 256
    const floor = Math.ceil((4 * w0 * minRun) / 10);
    return {
      ...g,
      sched: 'credit2' as Sched,
      pool2: 0,
      vms: g.vms.map((v, i) => ({
        ...v,
        pool2: false,
        cap: 0,
        weight: i === 0 ? w0 : Math.max(v.weight, floor),
        ...(i === 0 ? { threads: [{ count: v.vcpus, trigger: 'loop' as const, periodUs: 1000, cpuUs: 3000, sleepUs: 0, rt: false, lock: false, exitUs: 0 }], parallel: undefined, openhcl: undefined } : {}),
      })),
    };
  });
  weightNeverLowersShare(arb, 15);
});

test('credit2 beyond that range: a weight 10x the other domain\'s lowers its share when it blocks briefly (Xen reset_credit clips its unspent credit)', () => {
  // One pCPU; v0: 1 vCPU, v1: 4 vCPUs of weight 128, all running 3 ms of work then sleeping 1 us.
  // At weight 1000 (7.8x) a light vCPU's 1 ms run (the ratelimit) burns 7.8 ms and leaves it
  // positive, so resets wait for v0's credit: share 0.60. At 1280 (10x) the same run burns the
  // whole 10 ms: the lights are at <= 0 after one run each, so when v0 blocks for its 1 us sleep
  // the best runnable vCPU has credit <= 0 and csched2_schedule resets; reset_credit clips v0's
  // unspent credit (7.5 + 10 ms) to 10.5 ms. Each 7 ms epoch: v0 1 ms + 2 ms, the 4 lights 1 ms
  // each: 3/7 = 0.43. (Further up the shares move either way: 0.60 at 2000, 0.43 at 4000.) With
  // `ratelimit 100us; min_slice 100us` (a 100 us run burns 1 ms at 10x) they follow the weights.
  const text = (w: number, pool = '') => `scenario { duration 200ms; seed 3 }
host {
  pcpus 1
  sched credit2
  ${pool}
}
vm v0 {
  vcpus 1
  cpu_weight ${w}
  guest { thread w0 { count 1; cpu 3000us; sleep 1us } }
}
vm v1 {
  vcpus 4
  cpu_weight 128
  guest { thread w0 { count 4; cpu 3000us; sleep 1us } }
}
`;
  const share = (w: number, pool = '') => run(text(w, pool)).vms[0].share;
  const [at1000, at1280] = [share(1000), share(1280)];
  assert.ok(at1000 > 0.55 && at1000 < 0.67, `share ${at1000} at weight 1000`);
  assert.ok(Math.abs(at1280 - 3 / 7) < 0.03, `share ${at1280} at weight 1280`);
  const short = 'pool Pool-0 { cpus 0; ratelimit 100us; min_slice 100us }';
  const [s1000, s1280, s4000] = [share(1000, short), share(1280, short), share(4000, short)];
  assert.ok(s1000 < s1280 && s1280 < s4000, `with 100 us runs: ${s1000} / ${s1280} / ${s4000}`);
});
