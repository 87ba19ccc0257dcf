/**
 * Quantitative fidelity: the simulator against closed forms, over GENERATED ranges (fast-check,
 * short runs). Each law, its source and its tolerance are listed in docs/sim.md, "Checked against
 * closed forms"; the tolerances were set from the errors measured here (stated per test).
 *
 * - Host: N CPU-bound threads on M pCPUs under `fair` get M/N each; nice shares follow the
 *   kernel's sched_prio_to_weight, on several pCPUs as weighted max-min shares; credit2 weights
 *   give weighted max-min shares (no vCPU above one pCPU), credit on one pCPU too, and on several
 *   pCPUs while no share is above half a pCPU (above that, what credit1 reaches); caps bound the
 *   share; SCHED_FIFO leaves normal threads only the RT-throttling remainder; SCHED_RR threads
 *   take RR_TIMESLICE turns; K busy vCPUs on M pCPUs have steal 1 - M/K; threads pinned to a
 *   subset of the pCPUs share it (by weight), others pinned elsewhere theirs.
 * - Guest: N CPU-bound guest threads on K vCPUs get K/N of a vCPU each, and M/N of a pCPU when
 *   the host has M < K pCPUs (the guest's periodic balance). One vCPU serving Poisson arrivals
 *   is an M/M/1 (exponential service) or M/D/1 (fixed service) queue; guest timers on an idle
 *   host see exactly the stated wake-up costs.
 * - OpenHCL: with io_uring cancel off each ring event of a VTL2 task waits one exponential
 *   residence of the guest (mean 2R + work for a timer and an IO); with the cancel on, the work.
 * - Cross-level: guest CPU work on a vCPU with steal s is stretched by 1 / (1 - s); a spin-barrier
 *   team runs rounds only while all its vCPUs run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDocument } from '../../../server/src/model/analyze';
import { simulate } from '../../../server/src/sim/run';
import type { VariantResult } from '../../../server/src/sim/result';
import { tQuantile } from '../../../server/src/report/seeds';

function run(text: string): VariantResult {
  const a = analyzeDocument(text, { uri: 'mem:/analytic.vps' });
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors, [], text);
  return simulate(a.scenario!);
}

const ms = 1e6;
const us = 1e3;
const seed = fc.integer({ min: 1, max: 100_000 });
const running = (states: Record<string, number>) => states.running ?? 0;

/** Kernel nice weights, -20..19 (kernel/sched/core.c sched_prio_to_weight). */
const PRIO_TO_WEIGHT = [
  88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277,
  1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
];

/**
 * Weighted max-min fair shares (water-filling): `cpus` of capacity split in proportion to the
 * weights, no one above its bound (its busy vCPUs, or its cap); what a bounded one cannot use is
 * split again among the others.
 */
function waterFill(cpus: number, weights: number[], bounds: number[]): number[] {
  const share = weights.map(() => 0);
  const open = new Set(weights.keys());
  let left = cpus;
  while (open.size > 0 && left > 1e-12) {
    const wsum = [...open].reduce((a, i) => a + weights[i], 0);
    let capped = false;
    for (const i of open) {
      if ((left * weights[i]) / wsum >= bounds[i] - share[i]) {
        left -= bounds[i] - share[i];
        share[i] = bounds[i];
        open.delete(i);
        capped = true;
      }
    }
    if (capped) continue;
    for (const i of open) share[i] += (left * weights[i]) / wsum;
    left = 0;
  }
  return share;
}

test('waterFill: proportional when nobody is bounded; a bounded share goes to the others', () => {
  assert.deepEqual(waterFill(1, [1, 3], [1, 1]), [0.25, 0.75]);
  const s = waterFill(2, [128, 256, 512, 1024], [1, 1, 1, 1]);
  assert.ok(Math.abs(s[3] - 1) < 1e-12 && Math.abs(s[0] - 1 / 7) < 1e-12 && Math.abs(s[2] - 4 / 7) < 1e-12, String(s));
});

// ------------------------------------------------------------------------------------------ host

/**
 * N CPU-bound threads on M pCPUs under `fair` get M/N of a pCPU each. Ranges: M 1-4, N M+1..3M+1
 * (below the kernel's imbalance_pct: with 7 threads against 6 the kernel leaves the queues as they
 * are), 1-2 s. Tolerance 0.15 / sqrt(T / 1 s) of a pCPU per thread: the extra thread of the
 * longer queue moves at random balance instants, so the error is that of a random walk (measured
 * here over M 1-4, N M+1..3M+1, 3 seeds each, 72 runs a length: worst 0.084 at 0.5 s, 0.100 at
 * 1 s, 0.051 at 2 s, 0.036 at 4 s; medians 0.013 / 0.008 / 0.004 / 0.003). Before the balancer's
 * nr_balance_failed rule, 3 threads on 2 pCPUs got 1, 1/2 and 1/2 for ever.
 */
test('fair: N CPU-bound threads on M pCPUs get M/N of a pCPU each (M 1-4, N M+1..3M+1, 1-2 s)', () => {
  const gen = fc
    .record({ m: fc.integer({ min: 1, max: 4 }), extra: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), tMs: fc.integer({ min: 1000, max: 2000 }), seed })
    .map(({ m, extra, tMs, seed }) => ({ m, n: m + 1 + Math.floor(extra * (2 * m + 1)), tMs, seed }));
  fc.assert(
    fc.property(gen, ({ m, n, tMs, seed }) => {
      const r = run(`scenario { duration ${tMs}ms; seed ${seed} }\nhost { pcpus ${m}\n  load h { threads ${n}; cpu 10ms }\n}`);
      const tol = 0.15 / Math.sqrt(tMs / 1000);
      const shares = r.hostThreads.map((t) => running(t.states) / (tMs * ms));
      assert.equal(shares.length, n);
      for (const s of shares) assert.ok(Math.abs(s - m / n) <= tol, `${n} on ${m}, ${tMs} ms: shares ${shares.map((x) => x.toFixed(3))} vs ${(m / n).toFixed(3)} +- ${tol.toFixed(3)}`);
    }),
    { numRuns: 12, seed: 91 },
  );
});

/**
 * Nice: CPU-bound threads with nice -20..19 on one pCPU share it as w(nice) / sum w, w from the
 * kernel's sched_prio_to_weight (kernel/sched/core.c). Ranges: 2-4 threads, 1 s, hz 100/250/1000.
 * Tolerance 0.01 + 3 ticks / T: slices end at ticks whatever the weights (measured here over 60
 * generated cases: worst 0.020 of the pCPU, at 100 Hz; at most half the tolerance in every case).
 */
test('fair: nice shares on one pCPU follow sched_prio_to_weight (2-4 threads, nice -20..19, 1 s)', () => {
  const gen = fc.record({ nices: fc.array(fc.integer({ min: -20, max: 19 }), { minLength: 2, maxLength: 4 }), hz: fc.constantFrom(100, 250, 1000), seed });
  fc.assert(
    fc.property(gen, ({ nices, hz, seed }) => {
      const loads = nices.map((n, i) => `  load h${i} { nice ${n}; cpu 10ms }`).join('\n');
      const r = run(`scenario { duration 1s; seed ${seed} }\nhost { pcpus 1; hz ${hz}\n${loads}\n}`);
      const sum = nices.reduce((a, n) => a + PRIO_TO_WEIGHT[n + 20], 0);
      const tol = 0.01 + (3 * 1e9) / hz / 1e9;
      nices.forEach((n, i) => {
        const got = running(r.hostThreads.find((t) => t.name === `h${i}` || t.name === `h${i}#0`)!.states) / 1e9;
        const want = PRIO_TO_WEIGHT[n + 20] / sum;
        assert.ok(Math.abs(got - want) <= tol, `nice ${nices}: thread ${i} got ${got.toFixed(4)}, want ${want.toFixed(4)} +- ${tol}`);
      });
    }),
    { numRuns: 12, seed: 92 },
  );
});

/**
 * Nice on SEVERAL pCPUs: N CPU-bound threads with nice -20..19 on M pCPUs get the weighted max-min
 * shares (w = sched_prio_to_weight[nice + 20], none above one pCPU, the rest split again) within
 * 0.16 of a pCPU. Source: the kernel balances weighted load, not thread counts (kernel/sched/fair.c
 * load_balance: calculate_imbalance takes each side to the average load, detach_tasks moves a
 * task whose task_h_load, shifted right by nr_balance_failed, fits the imbalance); the model's
 * balancer uses the nice weights as the threads' loads (a CPU-bound thread's PELT load average is
 * its weight). What is left: balancing equalises each pCPU's load, not each thread's share, so a
 * light thread that fits the imbalance is the one that keeps moving (0 / 0 / 1 on 2 pCPUs: the
 * nice-1 thread, 820 against an imbalance of 410 after one failure, alternates between the two
 * nice-0 ones and gets 0.445 against 0.572, they 0.78 against 0.714; measured here over 1200
 * generated cases: worst 0.147, -2 / -4 / -4 / 16 / 10 / -4 on 3 pCPUs giving 0.540 / 0.960 / 0.736
 * / 0.016 / 0.040 / 0.708 against 0.516 / 0.813 / 0.813 / 0.009 / 0.036 / 0.813; median 0.002; a
 * thread entitled to a whole pCPU got it in every case). Before the weights (thread counts) the
 * same cases gave a median error of 0.182 and a worst of 0.712. Ranges: M 2-4, N M+1..2M+1, nice
 * -20..19, 1 s after a 200 ms warm-up.
 */
test('fair: nice threads on M pCPUs get weighted max-min shares within 0.16 (M 2-4, nice -20..19)', () => {
  const gen = fc
    .record({ m: fc.integer({ min: 2, max: 4 }), x: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), nices: fc.array(fc.integer({ min: -20, max: 19 }), { minLength: 9, maxLength: 9 }), seed })
    .map((g) => ({ ...g, n: g.m + 1 + Math.floor(g.x * (g.m + 1)) }));
  fc.assert(
    fc.property(gen, ({ m, n, nices: all, seed }) => {
      const nices = all.slice(0, n);
      const loads = nices.map((x, i) => `  load h${i} { nice ${x}; cpu 10ms }`).join('\n');
      const r = run(`scenario { duration 1200ms; warmup 200ms; seed ${seed} }\nhost { pcpus ${m}\n${loads}\n}`);
      const want = waterFill(m, nices.map((x) => PRIO_TO_WEIGHT[x + 20]), nices.map(() => 1));
      nices.forEach((x, i) => {
        const got = running(r.hostThreads.find((t) => t.name === `h${i}` || t.name === `h${i}#0`)!.states) / 1e9;
        assert.ok(Math.abs(got - want[i]) <= 0.16, `nice ${nices} on ${m} pCPUs: thread ${i} got ${got.toFixed(4)}, want ${want[i].toFixed(4)}`);
      });
    }),
    { numRuns: 12, seed: 104 },
  );
});

/**
 * Affinity: N CPU-bound threads pinned (`cpus`) to the first s of M pCPUs get min(1, s/N) of a
 * pCPU each, and K CPU-bound threads pinned to the other M - s get min(1, (M - s)/K). Source:
 * each CPU balances for itself on Linux (kernel/sched/fair.c rebalance_domains runs load_balance
 * with every CPU as the destination; load_balance sets a busiest CPU whose tasks are all pinned
 * aside and redoes, LBF_ALL_PINNED), so the least loaded pCPU a queued thread may run on takes it.
 * Ranges: M 2-4, s 1..M-1, N s+1..3s+1, K 0..2(M-s)+1, 1-2 s. Tolerance 0.10 / sqrt(T / 1 s), a
 * random walk like the unpinned law (measured here over every configuration of the ranges: 6
 * seeds at 0.5 s and 2 s, 8 at 1 s: worst 0.129 / 0.082 / 0.054; medians 0.005 / 0.002 / 0.002).
 * Before the affinity rule the balancer gave up when the light thread could not run on the least
 * loaded pCPU: at 1 s worst 0.600 (4 threads on pCPUs 1-2 of 3, pCPU 0 holding one pinned thread:
 * one of them 1.0 against 0.4 while pCPU 0's were pinned), 90th percentile 0.168.
 */
test('affinity: N threads pinned to s of M pCPUs get s/N each, others pinned elsewhere their share (M 2-4, 1-2 s)', () => {
  const gen = fc
    .record({ m: fc.integer({ min: 2, max: 4 }), x: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), y: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), z: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), tMs: fc.integer({ min: 1000, max: 2000 }), seed })
    .map(({ m, x, y, z, tMs, seed }) => {
      const s = 1 + Math.floor(x * (m - 1));
      return { m, s, n: s + 1 + Math.floor(y * (2 * s + 1)), k: Math.floor(z * (2 * (m - s) + 2)), tMs, seed };
    });
  fc.assert(
    fc.property(gen, ({ m, s, n, k, tMs, seed }) => {
      const other = k > 0 ? `\n  load o { threads ${k}; cpus ${s}-${m - 1}; cpu 10ms }` : '';
      const r = run(`scenario { duration ${tMs}ms; seed ${seed} }\nhost { pcpus ${m}\n  load p { threads ${n}; cpus 0-${s - 1}; cpu 10ms }${other}\n}`);
      const tol = 0.1 / Math.sqrt(tMs / 1000);
      assert.equal(r.hostThreads.length, n + k);
      const got = r.hostThreads.map((t) => ({ name: t.name, share: running(t.states) / (tMs * ms) }));
      for (const g of got) {
        const want = g.name.startsWith('p') ? Math.min(1, s / n) : Math.min(1, (m - s) / k);
        assert.ok(Math.abs(g.share - want) <= tol, `${n} on pCPUs 0-${s - 1}, ${k} on ${s}-${m - 1} of ${m}, ${tMs} ms: ${got.map((x) => `${x.name} ${x.share.toFixed(3)}`).join(', ')}; ${g.name} wants ${want.toFixed(3)} +- ${tol.toFixed(3)}`);
      }
    }),
    { numRuns: 12, seed: 107 },
  );
});

/**
 * Affinity with nice: N CPU-bound threads with nice -20..19 pinned to the first s of M pCPUs get
 * the weighted max-min shares of s pCPUs (waterFill), with K CPU-bound threads pinned to the
 * others. Source: as above, with the nice weights as loads (the nice law on M pCPUs). Ranges: M
 * 3-4, s 2..M-1, N s+1..2s+1, K 0..2(M-s)+1, 1 s after 200 ms. Tolerance 0.16, that of the
 * unpinned nice law (measured here over 600 generated cases, 2,636 shares: worst 0.150, median
 * 0.001; before the affinity rule: worst 0.999, -13 / 17 / -16 on pCPUs 0-1 of 3 giving the
 * nice-17 thread a whole pCPU, median 0.008).
 */
test('affinity with nice: threads pinned to s of M pCPUs get weighted max-min shares of s pCPUs within 0.16', () => {
  const gen = fc
    .record({ m: fc.integer({ min: 3, max: 4 }), x: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), y: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), z: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), nices: fc.array(fc.integer({ min: -20, max: 19 }), { minLength: 7, maxLength: 7 }), seed })
    .map(({ m, x, y, z, nices, seed }) => {
      const s = 2 + Math.floor(x * (m - 2));
      const n = s + 1 + Math.floor(y * (s + 1));
      return { m, s, nices: nices.slice(0, n), k: Math.floor(z * (2 * (m - s) + 2)), seed };
    });
  fc.assert(
    fc.property(gen, ({ m, s, nices, k, seed }) => {
      const loads = nices.map((v, i) => `  load p${i} { nice ${v}; cpus 0-${s - 1}; cpu 10ms }`).join('\n');
      const other = k > 0 ? `\n  load o { threads ${k}; cpus ${s}-${m - 1}; cpu 10ms }` : '';
      const r = run(`scenario { duration 1200ms; warmup 200ms; seed ${seed} }\nhost { pcpus ${m}\n${loads}${other}\n}`);
      const want = waterFill(s, nices.map((v) => PRIO_TO_WEIGHT[v + 20]), nices.map(() => 1));
      nices.forEach((v, i) => {
        const got = running(r.hostThreads.find((t) => t.name === `p${i}` || t.name === `p${i}#0`)!.states) / 1e9;
        assert.ok(Math.abs(got - want[i]) <= 0.16, `nice ${nices} on pCPUs 0-${s - 1} of ${m}, ${k} others: thread ${i} got ${got.toFixed(4)}, want ${want[i].toFixed(4)}`);
      });
    }),
    { numRuns: 12, seed: 108 },
  );
});

/** Busy single-vCPU Xen domains: text of the host and domains. */
function xenDomains(sched: string, m: number, doms: { weight: number; vcpus: number; cap: number }[], extra = '', warmupMs = 200, measureMs = 1000): string {
  const vms = doms.map((d, i) => `vm d${i} { vcpus ${d.vcpus}; cpu_weight ${d.weight}${d.cap > 0 ? `; cap ${d.cap}%` : ''}; guest { thread b { count ${d.vcpus}; cpu 10ms } } }`);
  return `scenario { duration ${warmupMs + measureMs}ms; warmup ${warmupMs}ms${extra} }\nhost { pcpus ${m}; sched ${sched} }\n${vms.join('\n')}`;
}

/**
 * credit2: busy single-vCPU domains with weights w_i on M pCPUs get the weighted max-min shares
 * (proportional to weight, none above one pCPU: a vCPU cannot run on two pCPUs; the rest split
 * again by weight). Ranges: M 1-3, M+1..M+3 domains, weights 100-1000 (max / min <= 10, the range
 * in which docs/sim.md says credit2's weights hold at the defaults), 1 s after 200 ms warm-up.
 * Tolerance 0.02 of a pCPU (measured here: worst 0.008 over 40 generated cases).
 * Source: Xen credit2 burns credit at ran x max_weight / weight (xen/common/sched/credit2.c
 * t2c_update), so busy vCPUs run in proportion to weight.
 */
test('credit2: busy domains share M pCPUs by weight, none above one pCPU (M 1-3, weights 100-1000)', () => {
  const gen = fc.record({ m: fc.integer({ min: 1, max: 3 }), more: fc.integer({ min: 1, max: 3 }), ws: fc.array(fc.integer({ min: 100, max: 1000 }), { minLength: 6, maxLength: 6 }), seed });
  fc.assert(
    fc.property(gen, ({ m, more, ws, seed }) => {
      const weights = ws.slice(0, m + more);
      const r = run(xenDomains('credit2', m, weights.map((weight) => ({ weight, vcpus: 1, cap: 0 })), `; seed ${seed}`));
      const want = waterFill(m, weights, weights.map(() => 1));
      weights.forEach((w, i) => {
        const got = r.vms.find((v) => v.name === `d${i}`)!.cpuNs / 1e9;
        assert.ok(Math.abs(got - want[i]) <= 0.02, `credit2 ${m} pCPUs, weights ${weights}: d${i} got ${got.toFixed(4)}, want ${want[i].toFixed(4)}`);
      });
    }),
    { numRuns: 12, seed: 93 },
  );
});

/**
 * credit (credit1) on ONE pCPU: busy domains share it by weight, within 0.10 of the pCPU (a loose
 * bound: it catches weights being ignored, 2:1 and more, not a few percent). The error is
 * credit1's own (xen/common/sched/credit.c csched_acct): 30 ms slices and priorities refreshed
 * only at accounting, so a heavy domain can wait a whole slice of a light one that was UNDER;
 * a vCPU above one slice of credit then stops earning and keeps half, and while the pool's
 * credit balance is negative the next period hands out that debt too (credit_balance), which
 * pushes the heavy one over the ceiling more often. The heavy domain loses, the light ones gain
 * (measured here over 1000 generated cases: worst 0.081, 838 / 173 / 154 / 303 giving 0.490 /
 * 0.150 / 0.120 / 0.240 against 0.571 / 0.118 / 0.105 / 0.206; and 0.089 for 100 / 396 / 100 /
 * 100, a case fast-check found: 0.160 / 0.480 / 0.180 / 0.180 against 0.144 / 0.569 / 0.144 /
 * 0.144). Whether real Xen errs by as much is not checked here. Ranges: 2-4 domains, weights
 * 100-1000 with max / min <= 6. Several pCPUs: the next two tests.
 */
test('credit: busy domains share one pCPU by weight, within 0.10 (2-4 domains, weights 100-1000, max/min <= 6)', () => {
  const gen = fc.record({ k: fc.integer({ min: 2, max: 4 }), ws: fc.array(fc.integer({ min: 100, max: 1000 }), { minLength: 4, maxLength: 4 }), seed });
  fc.assert(
    fc.property(gen, ({ k, ws, seed }) => {
      const weights = ws.slice(0, k);
      fc.pre(Math.max(...weights) / Math.min(...weights) <= 6);
      const r = run(xenDomains('credit', 1, weights.map((weight) => ({ weight, vcpus: 1, cap: 0 })), `; seed ${seed}`));
      const sum = weights.reduce((a, b) => a + b, 0);
      weights.forEach((w, i) => {
        const got = r.vms.find((v) => v.name === `d${i}`)!.cpuNs / 1e9;
        assert.ok(Math.abs(got - w / sum) <= 0.1, `credit, weights ${weights}: d${i} got ${got.toFixed(4)}, want ${(w / sum).toFixed(4)}`);
      });
    }),
    { numRuns: 10, seed: 94 },
  );
  // The case fast-check found at 0.08 (above).
  const r = run(xenDomains('credit', 1, [100, 396, 100, 100].map((weight) => ({ weight, vcpus: 1, cap: 0 })), '; seed 1'));
  const got = r.vms.find((v) => v.name === 'd1')!.cpuNs / 1e9;
  assert.ok(Math.abs(got - 396 / 696) <= 0.1, `100 / 396 / 100 / 100: d1 got ${got}`);
});

/**
 * credit (credit1) on SEVERAL pCPUs, every weighted share at most half a pCPU: busy single-vCPU
 * domains get the weighted max-min shares within 0.05 of a pCPU. Source: csched_acct hands the
 * pool's credit (one 30 ms slice per pCPU per period) out by weight, no domain more than its
 * peak (one slice per active vCPU), the excess to the domains after it (credit_peak, "give other
 * domains a chance at unused credits"); a pCPU whose best local vCPU is OVER steals an UNDER one
 * from a peer (csched_load_balance, csched_runq_steal), so a vCPU with credit left does not wait
 * long behind one that has none. Ranges: M 2-4, K 2M..2M+3 domains, weights 100-1000, 2 s after
 * a 1 s warm-up (the queues settle first). Tolerance 0.05 (measured here: worst 0.041 over 300
 * generated cases; medians 0.011). The model held this before credit_peak too (worst 0.037 over
 * the same cases): credit_peak matters when a share is above half a pCPU (the next test).
 */
test('credit: busy domains share M pCPUs by weight when every share is <= 1/2 (M 2-4, weights 100-1000)', () => {
  const gen = fc.record({ m: fc.integer({ min: 2, max: 4 }), more: fc.integer({ min: 0, max: 3 }), ws: fc.array(fc.integer({ min: 100, max: 1000 }), { minLength: 11, maxLength: 11 }), seed });
  fc.assert(
    fc.property(gen, ({ m, more, ws, seed }) => {
      const weights = ws.slice(0, 2 * m + more);
      const want = waterFill(m, weights, weights.map(() => 1));
      fc.pre(Math.max(...want) <= 0.5);
      const r = run(xenDomains('credit', m, weights.map((weight) => ({ weight, vcpus: 1, cap: 0 })), `; seed ${seed}`, 1000, 2000));
      weights.forEach((w, i) => {
        const got = r.vms.find((v) => v.name === `d${i}`)!.cpuNs / 2e9;
        assert.ok(Math.abs(got - want[i]) <= 0.05, `credit ${m} pCPUs, weights ${weights}: d${i} got ${got.toFixed(4)}, want ${want[i].toFixed(4)}`);
      });
    }),
    { numRuns: 10, seed: 102 },
  );
});

/**
 * credit (credit1) on several pCPUs in general: a domain whose weighted share is above half a
 * pCPU loses part of it, and the others gain it. Its vCPU, UNDER, still waits whole 30 ms slices
 * of UNDER vCPUs queued before it (priorities change only at accounting, and the running vCPU is
 * not preempted then), so its credit passes one slice, and csched_acct stops its earning and
 * halves it ("upper bound on credits means vCPU stops earning"). What holds: no domain with a
 * share of at most half a pCPU gets less than its weighted max-min share minus 0.03 (measured here:
 * worst -0.019 over 1000 generated cases), and every domain is within 0.35 of its share (worst
 * 0.279 over the 1000: 989 / 614 / 308 / 174 on 2 pCPUs give 0.670 / 0.660 / 0.330 / 0.340 against
 * 0.949 / 0.589 / 0.295 / 0.167; and 0.330 for 128 / 256 / 512 / 1024 on 2 pCPUs, 0.33 / 0.33 /
 * 0.67 / 0.67 against 0.143 / 0.286 / 0.571 / 1: both are 90 ms cycles in which the slices, 30 ms,
 * and the accounting period, 30 ms, stay in step, and a heavy vCPU waits a slice of a light one
 * that was UNDER when it started; medians 0.014). Before credit_peak, light domains got up to
 * 0.598 more than their share (median 0.028). Ranges: M 2-4, K M+1..2M+1, weights 100-1000, 2 s
 * after a 1 s warm-up.
 */
test('credit: on M pCPUs light domains get at least their weighted share, heavy ones lose at most 0.35 (M 2-4)', () => {
  const gen = fc
    .record({ m: fc.integer({ min: 2, max: 4 }), x: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), ws: fc.array(fc.integer({ min: 100, max: 1000 }), { minLength: 9, maxLength: 9 }), seed })
    .map((g) => ({ ...g, k: g.m + 1 + Math.floor(g.x * (g.m + 1)) }));
  fc.assert(
    fc.property(gen, ({ m, k, ws, seed }) => {
      const weights = ws.slice(0, k);
      const want = waterFill(m, weights, weights.map(() => 1));
      const r = run(xenDomains('credit', m, weights.map((weight) => ({ weight, vcpus: 1, cap: 0 })), `; seed ${seed}`, 1000, 2000));
      weights.forEach((w, i) => {
        const got = r.vms.find((v) => v.name === `d${i}`)!.cpuNs / 2e9;
        const what = `credit ${m} pCPUs, weights ${weights}: d${i} got ${got.toFixed(4)}, want ${want[i].toFixed(4)}`;
        assert.ok(Math.abs(got - want[i]) <= 0.35, what);
        if (want[i] <= 0.5) assert.ok(got >= want[i] - 0.03, what);
      });
    }),
    { numRuns: 12, seed: 103 },
  );
  // The case docs/sim.md quotes (a 90 ms cycle, 0.330 off).
  const r = run(xenDomains('credit', 2, [128, 256, 512, 1024].map((weight) => ({ weight, vcpus: 1, cap: 0 })), '; seed 1', 1000, 2000));
  const want = waterFill(2, [128, 256, 512, 1024], [1, 1, 1, 1]);
  want.forEach((x, i) => assert.ok(Math.abs(r.vms.find((v) => v.name === `d${i}`)!.cpuNs / 2e9 - x) <= 0.35));
});

/**
 * Caps: a capped busy domain (1-3 vCPUs, cap 10-190%) beside an uncapped busy one on M pCPUs gets
 * min(cap, its weighted max-min share) and the other the rest it can use. Source: Xen's cap is
 * the percent of one pCPU a domain may use (xl.cfg `cap`; credit2.c replenish_domain_budget,
 * credit.c csched_acct). Tolerance: credit2 0.02 of a pCPU, credit 0.06 (measured here: worst
 * 0.006 over 42 credit2 cases; credit 0.058 over 300 cases, cap 68% on 3 vCPUs of 3 pCPUs getting
 * 0.622, and small caps split over several vCPUs overshoot the parking: cap 14% on 3 vCPUs got
 * 0.09, cap 10% on 2 got 0.06).
 */
test('caps bound the share: min(cap, weighted share) under credit and credit2 (M 1-3, cap 10-190%)', () => {
  const gen = fc.record({ sched: fc.constantFrom('credit', 'credit2'), m: fc.integer({ min: 1, max: 3 }), v: fc.integer({ min: 1, max: 3 }), cap: fc.integer({ min: 10, max: 190 }), seed });
  fc.assert(
    fc.property(gen, ({ sched, m, v, cap, seed }) => {
      const r = run(xenDomains(sched, m, [{ weight: 256, vcpus: v, cap }, { weight: 256, vcpus: m, cap: 0 }], `; seed ${seed}`));
      const want = waterFill(m, [256 * v, 256 * m], [Math.min(v, cap / 100), m]);
      const tol = sched === 'credit2' ? 0.02 : 0.06;
      const got = [0, 1].map((i) => r.vms.find((x) => x.name === `d${i}`)!.cpuNs / 1e9);
      assert.ok(got[0] <= cap / 100 + tol, `${sched}: capped domain ${got[0].toFixed(4)} above its cap ${cap}%`);
      for (const i of [0, 1]) assert.ok(Math.abs(got[i] - want[i]) <= tol, `${sched} ${m} pCPUs, ${v} vCPUs cap ${cap}%: d${i} got ${got[i].toFixed(4)}, want ${want[i].toFixed(4)}`);
    }),
    { numRuns: 14, seed: 95 },
  );
});

/**
 * SCHED_FIFO always beats normal threads: with at least as many FIFO hogs as pCPUs, normal hogs
 * get only what RT throttling leaves, 5% of each pCPU-second on min(normal threads, M) pCPUs (sched_rt_runtime_us 950000 of
 * sched_rt_period_us 1000000, Documentation/scheduler/sched-rt-group.rst). Ranges: M 1-3, M..M+2
 * FIFO hogs, 1-3 normal hogs, 1-2 s. Tolerance 1 ms per pCPU-second (measured here: exact, 0 ns off,
 * over 40 generated cases).
 */
test('SCHED_FIFO beats normal threads: these get only the RT-throttling 5% (M 1-3, 1-2 s)', () => {
  const gen = fc.record({ m: fc.integer({ min: 1, max: 3 }), f: fc.integer({ min: 0, max: 2 }), n: fc.integer({ min: 1, max: 3 }), secs: fc.integer({ min: 1, max: 2 }), seed });
  fc.assert(
    fc.property(gen, ({ m, f, n, secs, seed }) => {
      // One load per thread: the threads of one looping load start at random phases within a pass,
      // which lets normal threads run before the FIFO ones start.
      const rt = Array.from({ length: m + f }, (_, i) => `  load rt${i} { policy fifo; cpu 10ms }`);
      const normal = Array.from({ length: n }, (_, i) => `  load normal${i} { cpu 10ms }`);
      const r = run(`scenario { duration ${secs}s; seed ${seed} }\nhost { pcpus ${m}\n${[...rt, ...normal].join('\n')}\n}`);
      const sum = (p: string) => r.hostThreads.filter((t) => t.name.startsWith(p)).reduce((a, t) => a + running(t.states), 0);
      // Throttled, a pCPU runs a normal thread if one is left for it: min(n, M) pCPUs' 5%.
      const want = 0.05 * Math.min(n, m) * secs * 1e9;
      assert.ok(Math.abs(sum('normal') - want) <= m * secs * 1 * ms, `normal ran ${sum('normal') / ms} ms, want ${want / ms}`);
      assert.ok(Math.abs(sum('rt') - 0.95 * m * secs * 1e9) <= m * secs * 1 * ms, `FIFO ran ${sum('rt') / ms} ms, want ${(0.95 * m * secs * 1e3).toFixed(0)}`);
    }),
    { numRuns: 10, seed: 96 },
  );
});

/**
 * SCHED_RR threads of one priority on one pCPU take turns of RR_TIMESLICE = 100 ms
 * (include/linux/sched/rt.h: RR_TIMESLICE (100 * HZ / 1000)), sharing what RT throttling leaves
 * them (95%): each gets 0.95 T / k within one timeslice. Ranges: 2-5 threads, 1-3 s (measured here:
 * worst 80 ms off over 40 generated cases).
 */
test('SCHED_RR threads share one pCPU in 100 ms turns (2-5 threads, 1-3 s)', () => {
  const gen = fc.record({ k: fc.integer({ min: 2, max: 5 }), secs: fc.integer({ min: 1, max: 3 }), seed });
  fc.assert(
    fc.property(gen, ({ k, secs, seed }) => {
      const r = run(`scenario { duration ${secs}s; seed ${seed} }\nhost { pcpus 1\n  load rr { threads ${k}; policy rr; cpu 10ms }\n}`);
      const want = (0.95 * secs * 1e9) / k;
      for (const t of r.hostThreads) assert.ok(Math.abs(running(t.states) - want) <= 100 * ms, `${k} RR threads, ${secs} s: ${t.name} ran ${running(t.states) / ms} ms, want ${want / ms} +- 100`);
    }),
    { numRuns: 8, seed: 97 },
  );
});

/**
 * Oversubscription: K busy vCPUs on M pCPUs (K > M) wait 1 - M/K of the time (steal), under every
 * scheduler. Ranges: fair, credit, credit2; M 1-4, K M+1..2M+2; 0.3-0.6 s. Tolerance 0.01
 * (measured here: worst 0.00008 over 40 generated cases).
 */
test('steal of K busy vCPUs on M pCPUs is 1 - M/K (fair, credit, credit2; M 1-4, K M+1..2M+2)', () => {
  const gen = fc
    .record({ sched: fc.constantFrom('fair', 'credit', 'credit2'), m: fc.integer({ min: 1, max: 4 }), x: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), tMs: fc.integer({ min: 300, max: 600 }), seed })
    .map((g) => ({ ...g, k: g.m + 1 + Math.floor(g.x * (g.m + 2)) }));
  fc.assert(
    fc.property(gen, ({ sched, m, k, tMs, seed }) => {
      const r = run(`scenario { duration ${tMs}ms; seed ${seed} }\nhost { pcpus ${m}; sched ${sched} }\nvm v { vcpus ${k}; guest { thread b { count ${k}; cpu 10ms } } }`);
      const steal = r.vps.reduce((a, p) => a + p.stealNs, 0) / (k * tMs * ms);
      assert.ok(Math.abs(steal - (1 - m / k)) <= 0.01, `${sched}: ${k} vCPUs on ${m} pCPUs: steal ${steal.toFixed(4)} vs ${(1 - m / k).toFixed(4)}`);
    }),
    { numRuns: 15, seed: 98 },
  );
});

// ----------------------------------------------------------------------------------------- guest

/** Share of each guest thread `w0`..: passes of `cpu 1ms` (one pass = 1 ms of CPU) over `tMs`. */
function guestShares(r: VariantResult, n: number, tMs: number): number[] {
  return Array.from({ length: n }, (_, i) => r.tasks.find((t) => t.name === `w${i}`)!.latency.count / tMs);
}
const guestThreads = (n: number) => Array.from({ length: n }, (_, i) => `thread w${i} { cpu 1ms }`).join('\n    ');

/**
 * The guest's own scheduler: N CPU-bound guest threads on K vCPUs of an idle host (one pCPU per
 * vCPU) get K/N of a vCPU each. Source: Linux load_balance (kernel/sched/fair.c), the guest's
 * periodic balance (sched.ts balance(): two or more threads apart a thread moves, one apart after
 * a failed attempt, so the extra thread takes turns). Ranges: K 1-4, N K+1..3K+1, 1-2 s.
 * Tolerance 0.06 / sqrt(T / 1 s) of a vCPU per thread, a random walk like the host's law (measured
 * here over K 1-4, N K+1..3K+1, 3 seeds each, 72 runs a length: worst 0.063 at 0.5 s, 0.033 at
 * 1 s, 0.025 at 2 s; medians 0.005 / 0.003 / 0.002). Before the guest had a periodic balance
 * (only the idle pull), the same runs at 1 s gave a median error of 0.240 and a worst of 0.714:
 * 5 threads on 2 vCPUs got 1.0 for one and 0.25 for each of the others.
 */
test('guest: N CPU-bound guest threads on K vCPUs get K/N of a vCPU each (K 1-4, N K+1..3K+1, 1-2 s)', () => {
  const gen = fc
    .record({ k: fc.integer({ min: 1, max: 4 }), x: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), tMs: fc.integer({ min: 1000, max: 2000 }), seed })
    .map(({ k, x, tMs, seed }) => ({ k, n: k + 1 + Math.floor(x * (2 * k + 1)), tMs, seed }));
  fc.assert(
    fc.property(gen, ({ k, n, tMs, seed }) => {
      const r = run(`scenario { duration ${tMs}ms; seed ${seed} }\nhost { pcpus ${k} }\nvm v { vcpus ${k}\n  guest {\n    ${guestThreads(n)}\n  }\n}`);
      const tol = 0.06 / Math.sqrt(tMs / 1000);
      const shares = guestShares(r, n, tMs);
      for (const sh of shares) assert.ok(Math.abs(sh - k / n) <= tol, `${n} on ${k} vCPUs, ${tMs} ms: shares ${shares.map((x) => x.toFixed(3))} vs ${(k / n).toFixed(3)} +- ${tol.toFixed(3)}`);
    }),
    { numRuns: 12, seed: 105 },
  );
});

/**
 * Guest affinity: N CPU-bound guest threads pinned (`vcpus`) to the first s of K vCPUs (idle host)
 * get min(1, s/N) of a vCPU each, K' threads pinned to the other K - s get min(1, (K - s)/K').
 * Source: as the host's affinity law (rebalance_domains: each CPU balances for itself;
 * load_balance's LBF_ALL_PINNED redo), the guest's periodic balance (sched.ts balance()). Ranges:
 * K 2-4, s 1..K-1, N s+1..3s+1, K' 0..2(K-s)+1, 1-2 s. Tolerance 0.06 / sqrt(T / 1 s), that of
 * the unpinned guest law (measured here over every configuration of the ranges: 6 seeds at 0.5 s
 * and 2 s, 8 at 1 s: worst 0.064 / 0.038 / 0.021; medians 0.002 / 0.002 / 0.001). Before the
 * set-aside rule: at 1 s worst 0.600 (the busiest vCPU's threads all pinned, nothing else was
 * balanced: 5 threads on vCPUs 1-2 of 3, one at 1.0 against 0.4), 90th percentile 0.150.
 */
test('guest affinity: N guest threads pinned to s of K vCPUs get s/N each, others pinned elsewhere their share (K 2-4, 1-2 s)', () => {
  const gen = fc
    .record({ k: fc.integer({ min: 2, max: 4 }), x: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), y: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), z: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), tMs: fc.integer({ min: 1000, max: 2000 }), seed })
    .map(({ k, x, y, z, tMs, seed }) => {
      const s = 1 + Math.floor(x * (k - 1));
      return { k, s, n: s + 1 + Math.floor(y * (2 * s + 1)), o: Math.floor(z * (2 * (k - s) + 2)), tMs, seed };
    });
  fc.assert(
    fc.property(gen, ({ k, s, n, o, tMs, seed }) => {
      const th = [...Array.from({ length: n }, (_, i) => `thread p${i} { vcpus 0-${s - 1}; cpu 1ms }`), ...Array.from({ length: o }, (_, i) => `thread o${i} { vcpus ${s}-${k - 1}; cpu 1ms }`)];
      const r = run(`scenario { duration ${tMs}ms; seed ${seed} }\nhost { pcpus ${k} }\nvm v { vcpus ${k}\n  guest {\n    ${th.join('\n    ')}\n  }\n}`);
      const tol = 0.06 / Math.sqrt(tMs / 1000);
      const got = r.tasks.filter((t) => t.kind === 'guest-thread').map((t) => ({ name: t.name, share: t.latency!.count / tMs }));
      assert.equal(got.length, n + o);
      for (const g of got) {
        const want = g.name.startsWith('p') ? Math.min(1, s / n) : Math.min(1, (k - s) / o);
        assert.ok(Math.abs(g.share - want) <= tol, `${n} on vCPUs 0-${s - 1}, ${o} on ${s}-${k - 1} of ${k}, ${tMs} ms: ${got.map((x) => `${x.name} ${x.share.toFixed(3)}`).join(', ')}; ${g.name} wants ${want.toFixed(3)} +- ${tol.toFixed(3)}`);
      }
    }),
    { numRuns: 12, seed: 109 },
  );
});

/**
 * Two levels: N CPU-bound guest threads on K vCPUs whose host has M < K pCPUs get M/N of a pCPU
 * each (each vCPU M/K, each thread K/N of its vCPU's time: time conservation through both
 * schedulers). Ranges: fair and credit2, M 1-3, K M+1..2M+1, N K+1..2K+1, 1 s. Tolerance 0.08 of a
 * pCPU (measured here over the 48 configurations x 3 seeds, 1170 shares a scheduler: fair worst 0.063,
 * median 0.006; credit2 worst 0.060, median 0.004). credit (credit1) is left out: its 30 ms slices
 * make the walk coarser (worst 0.147 at 1 s, median 0.011; 3 pCPUs, 5 vCPUs, 6 threads gave
 * 0.647 against 0.5 at 1 s and 0.532 at 4 s, the vCPUs themselves at 0.58-0.61 against 0.6).
 */
test('two levels: N guest threads on K vCPUs on M < K pCPUs get M/N of a pCPU each (fair, credit2)', () => {
  const gen = fc
    .record({ sched: fc.constantFrom('fair', 'credit2'), m: fc.integer({ min: 1, max: 3 }), x: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), y: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), seed })
    .map(({ sched, m, x, y, seed }) => {
      const k = m + 1 + Math.floor(x * m);
      return { sched, m, k, n: k + 1 + Math.floor(y * (k + 1)), seed };
    });
  fc.assert(
    fc.property(gen, ({ sched, m, k, n, seed }) => {
      const r = run(`scenario { duration 1s; seed ${seed} }\nhost { pcpus ${m}; sched ${sched} }\nvm v { vcpus ${k}\n  guest {\n    ${guestThreads(n)}\n  }\n}`);
      const shares = guestShares(r, n, 1000);
      for (const sh of shares) assert.ok(Math.abs(sh - m / n) <= 0.08, `${sched}: ${n} threads on ${k} vCPUs on ${m} pCPUs: shares ${shares.map((x) => x.toFixed(3))} vs ${(m / n).toFixed(3)}`);
    }),
    { numRuns: 12, seed: 106 },
  );
});

const FREE = 'costs { halt_exit 0; wake_exit 0; ipi 0; wake_latency 0; entry 0; halt_poll 0 }';

/** Mean and 99.9% Student-t half-width over independent per-seed values. */
function interval(xs: number[]): { mean: number; half: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  return { mean, half: (tQuantile(0.9995, n - 1) * sd) / Math.sqrt(n) };
}

/**
 * One vCPU alone on its pCPU (wake-up costs 0) serving a guest thread with `rate` (Poisson
 * arrivals, queued while busy) and `cpu exp S` / `cpu fixed S`: an M/M/1 or M/D/1 queue. Its
 * latency (arrival -> done) is the sojourn W = Wq + S: M/M/1 Wq = rho / (mu - lambda); M/D/1
 * (Pollaczek-Khinchine) Wq = rho S / (2 (1 - rho)); the vCPU runs rho of the time. Ranges: rho
 * 0.2-0.7, S 50-500 us, 6 seeds of 1.5 s each (independent runs: the 99.9% t-interval of their
 * means must hold W and rho; measured here over 30 generated cases: W inside the 95% interval in
 * all 30, the mean off by at most 5.2%, rho inside the 99.9% interval in all 30).
 */
test('guest queueing: Poisson arrivals on one vCPU give the M/M/1 and M/D/1 (Pollaczek-Khinchine) waits and utilisation rho', () => {
  const gen = fc.record({ rho: fc.double({ min: 0.2, max: 0.7, noNaN: true }), sUs: fc.integer({ min: 50, max: 500 }), dist: fc.constantFrom('exp', 'fixed'), seed: fc.integer({ min: 1, max: 10_000 }) });
  fc.assert(
    fc.property(gen, ({ rho, sUs, dist, seed }) => {
      const S = sUs * us;
      const lam = Math.round(rho * 1e6 / sUs); // per second
      const r0 = (lam * S) / 1e9;
      const wq = dist === 'exp' ? (r0 * S) / (1 - r0) : (r0 * S) / (2 * (1 - r0));
      const lat: number[] = [];
      const util: number[] = [];
      for (let k = 0; k < 6; k++) {
        const r = run(`scenario { duration 1500ms; warmup 50ms; seed ${seed + k} }\nhost { pcpus 1; ${FREE} }\nvm v { vcpus 1; guest { thread q { rate ${lam}/s; cpu ${dist} ${sUs}us } } }`);
        const t = r.tasks.find((x) => x.name === 'q')!.latency;
        lat.push(t.mean);
        util.push(running(r.vps[0].states) / 1450e6); // states count after the warm-up
      }
      const w = interval(lat);
      assert.ok(Math.abs(w.mean - (wq + S)) <= w.half, `${dist} rho ${r0.toFixed(3)} S ${sUs} us: sojourn ${w.mean.toFixed(0)} +- ${w.half.toFixed(0)} ns vs ${(wq + S).toFixed(0)}`);
      const u = interval(util);
      assert.ok(Math.abs(u.mean - r0) <= u.half, `${dist}: utilisation ${u.mean.toFixed(4)} +- ${u.half.toFixed(4)} vs rho ${r0.toFixed(4)}`);
    }),
    { numRuns: 8, seed: 99 },
  );
});

/**
 * Guest timers on an idle host: a halted vCPU woken by its timer runs the pass after exactly the
 * stated costs, latency = wake_latency + entry + cpu on a Linux pool (docs/sim.md "Costs of a
 * blocking wait"; halt_exit is paid when halting, after the pass; halt polling never starts when
 * every halt is longer than `halt_poll`), and entry (15 us, XEN_COSTS) + cpu on a Xen pool. Every
 * sample, not a mean. Ranges: costs 0-50 us each, cpu 1-100 us, period > the costs + cpu + 200 us.
 */
test('guest timers on an idle host: latency is exactly the stated wake-up costs plus the work', () => {
  const cost = fc.integer({ min: 0, max: 50 });
  const gen = fc.record({ sched: fc.constantFrom('fair', 'fair', 'credit', 'credit2'), pcpus: fc.integer({ min: 1, max: 3 }), wl: cost, en: cost, he: cost, poll: fc.constantFrom(0, 200), cpuUs: fc.integer({ min: 1, max: 100 }), slack: fc.integer({ min: 1, max: 3000 }), seed });
  fc.assert(
    fc.property(gen, ({ sched, pcpus, wl, en, he, poll, cpuUs, slack, seed }) => {
      const period = wl + en + he + cpuUs + 200 + slack;
      const costs = `costs { wake_latency ${wl}us; entry ${en}us; halt_exit ${he}us; halt_poll ${poll}us }`;
      const r = run(`scenario { duration 100ms; seed ${seed} }\nhost { pcpus ${pcpus}; sched ${sched}; ${costs} }\nvm v { vcpus 1; guest { thread t { every ${period}us; cpu ${cpuUs}us } } }`);
      const l = r.tasks.find((x) => x.name === 't')!.latency;
      const want = (sched === 'fair' ? wl + en : 15) * us + cpuUs * us;
      assert.ok(l.count >= 10);
      assert.equal(l.p50, want, `${sched}: p50 ${l.p50} vs ${want}`);
      assert.equal(l.max, want, `${sched}: max ${l.max} vs ${want}`);
      assert.equal(l.mean, want, `${sched}: mean ${l.mean} vs ${want}`);
    }),
    { numRuns: 20, seed: 100 },
  );
});

// --------------------------------------------------------------------------------------- openhcl

/**
 * OpenHCL, a VTL2 task on a VP whose guest never halts (CPU-bound) and exits on its own after
 * natural residences `residence exp R`: each event on the VP's ring (the task's timer, its IO
 * completion) waits for the guest's next exit with `io_uring_cancel off`, and an exponential
 * residence is memoryless, so each wait is Exp(R) whatever the event's phase: latency = c1 + io +
 * c2 + two residences, mean 2R + work (renewal theory; docs/openhcl-model.md "What brings the VP
 * back from VTL0"). With the cancel on the VP leaves VTL0 at once: latency = c1 + io + c2 exactly,
 * every sample. Ranges: R 50-1000 us, cpu 1-50 us, io 10-500 us, a release every 10 ms, 6 seeds
 * x 2 s (the 99.9% Student-t interval of the per-seed means must hold 2R + work; measured here
 * over 30 generated cases: 29 inside the 95% interval, 30 inside the 99.9% one, the mean off by
 * at most 3.5%).
 */
test('openhcl: with io_uring cancel off each ring event waits one exponential residence (mean 2R + work); on: the work exactly', () => {
  const gen = fc.record({ rUs: fc.integer({ min: 50, max: 1000 }), c1: fc.integer({ min: 1, max: 50 }), io: fc.integer({ min: 10, max: 500 }), c2: fc.integer({ min: 1, max: 50 }), seed: fc.integer({ min: 1, max: 10_000 }) });
  fc.assert(
    fc.property(gen, ({ rUs, c1, io, c2, seed }) => {
      const text = (cancel: string, sd: number) =>
        `scenario { duration 2s; seed ${sd} }\nhost { pcpus 1 }\nvm web { vcpus 1\n  openhcl { io_uring_cancel ${cancel}\n    task t { target_vp 0; run_on_target on; every 10ms; cpu ${c1}us; io fixed ${io}us; cpu ${c2}us } }\n  guest { residence exp ${rUs}us; thread app { cpu 10ms } }\n}`;
      const work = (c1 + io + c2) * us;
      const on = r0(run(text('on', seed)));
      assert.ok(on.count >= 150);
      assert.equal(on.max, work, `cancel on: max ${on.max} vs ${work}`);
      assert.equal(on.p50, work, `cancel on: p50 ${on.p50} vs ${work}`);
      const means: number[] = [];
      for (let k = 0; k < 6; k++) means.push(r0(run(text('off', seed + k))).mean);
      const w = interval(means);
      const want = 2 * rUs * us + work;
      assert.ok(Math.abs(w.mean - want) <= w.half, `cancel off, R ${rUs} us: mean ${w.mean.toFixed(0)} +- ${w.half.toFixed(0)} ns vs 2R + work = ${want}`);
    }),
    { numRuns: 8, seed: 108 },
  );
  function r0(r: VariantResult) {
    return r.tasks.find((x) => x.name === 't')!.latency;
  }
});

// ----------------------------------------------------------------------------------- cross-level

/**
 * A spin barrier waits for the slowest: a team of K threads (one per vCPU, fixed work W a round)
 * on K vCPUs that share K pCPUs with ONE CPU-bound competitor (a host hog under `fair`, a busy
 * 1-vCPU domain under `credit` / `credit2`). At every instant one of the K + 1 runs waits: when
 * it is a team vCPU, no round can end, so the team completes rounds at the rate at which the
 * competitor waits (1 - its share), not at a vCPU's own share K / (K + 1). Law: rounds x W / T
 * lies between w - 2 W / T (the last round is cut by the end of the run; fast-check found K = 1,
 * W 21 us 1.5 rounds short: 23,808 rounds where 500 ms / 21 us is 23,809.5) and w + W x (S + 1) / T,
 * w the competitor's measured waiting fraction, S the host's context switches: during each stall
 * the running members may finish their work of the round, at most W ahead. Source: the barrier's
 * definition (a round ends when its last member arrives; docs/sim.md "Guest") and time
 * conservation. Ranges: fair, credit, credit2; K 1-4, W 20-500 us, 1 s. Measured here over 40
 * runs a scheduler: never more than 1.5 rounds below w (K = 1: the same), the excess at most 0.59 of
 * the upper allowance (fair; credit2 0.46, credit 0.28). With K = 4 the team gets about 0.2 while
 * each vCPU runs 0.8 of the time; for K >= 2 the test also asks for less than 0.7 of a vCPU's share
 * K / (K + 1) (measured: at most 0.52 fair, 0.62 credit2 with its frequent switches, 0.50 credit).
 */
test('barrier: a spin-barrier team runs rounds only while all its vCPUs run (the competitor waits)', () => {
  const gen = fc.record({ sched: fc.constantFrom('fair', 'credit', 'credit2'), k: fc.integer({ min: 1, max: 4 }), wUs: fc.integer({ min: 20, max: 500 }), seed });
  fc.assert(
    fc.property(gen, ({ sched, k, wUs, seed }) => {
      const hog = sched === 'fair' ? '  load h { threads 1; cpu 10ms }\n' : '';
      const dom = sched === 'fair' ? '' : 'vm busy { vcpus 1; guest { thread b { cpu 10ms } } }\n';
      const r = run(`scenario { duration 1s; seed ${seed} }\nhost { pcpus ${k}; sched ${sched}\n${hog}}\n${dom}vm v { vcpus ${k}; guest { parallel p { threads ${k}; work fixed ${wUs}us; rounds 1000000; barrier spin } } }`);
      const W = wUs * us;
      const T = 1e9;
      const rate = (r.regions.find((x) => x.name === 'p')!.rounds * W) / T;
      const wait = sched === 'fair' ? 1 - running(r.hostThreads.find((t) => t.name.startsWith('h'))!.states) / T : r.vps.find((p) => p.vm === 'busy')!.stealNs / T;
      const sw = r.counters['host.switches'];
      const hi = wait + (W * (sw + 1)) / T;
      const msg = `${sched} K ${k} W ${wUs} us: rounds x W / T ${rate.toFixed(4)}, competitor waits ${wait.toFixed(4)}, upper ${hi.toFixed(4)}`;
      assert.ok(rate >= wait - (2 * W) / T - 1e-9, msg);
      assert.ok(rate <= hi, msg);
      if (k > 1) assert.ok(rate < 0.7 * (k / (k + 1)), `${msg}: the team should get far less than a vCPU's share`);
    }),
    { numRuns: 12, seed: 107 },
  );
});


/**
 * A guest thread looping `cpu C` on a vCPU whose pCPU time is shared (fair: host hogs; Xen: a busy
 * domain) sees each pass stretched by 1 / (1 - s), s the vCPU's measured steal fraction. Ranges:
 * M 1-2 pCPUs, M..2M+1 competitors, C 1-5 ms, 1 s. Tolerance 4% of the pass (measured here: worst
 * 1.2% over 40 generated cases: the last pass is cut at the end of the run and counted, and steal
 * comes in slices, not uniformly).
 */
test('cross-level: guest CPU work on a vCPU with steal s is stretched by 1 / (1 - s)', () => {
  const gen = fc.record({ sched: fc.constantFrom('fair', 'credit', 'credit2'), m: fc.integer({ min: 1, max: 2 }), x: fc.integer({ min: 0, max: 3 }), cMs: fc.integer({ min: 1, max: 5 }), seed });
  fc.assert(
    fc.property(gen, ({ sched, m, x, cMs, seed }) => {
      const others = m + Math.min(x, m + 1);
      const competitor = sched === 'fair' ? `  load h { threads ${others}; cpu 10ms }\n` : '';
      const dom = sched === 'fair' ? '' : `vm busy { vcpus ${others}; guest { thread b { count ${others}; cpu 10ms } } }\n`;
      const r = run(`scenario { duration 1s; seed ${seed} }\nhost { pcpus ${m}; sched ${sched}\n${competitor}}\n${dom}vm v { vcpus 1; guest { thread w { cpu ${cMs}ms } } }`);
      const vp = r.vps.find((p) => p.vm === 'v')!;
      const s = vp.stealNs / 1e9;
      const pass = r.tasks.find((t) => t.name === 'w')!.latency;
      const want = (cMs * ms) / (1 - s);
      assert.ok(s > 0.1, `steal ${s}`);
      assert.ok(Math.abs(pass.mean / want - 1) <= 0.04, `${sched} ${m} pCPUs, ${others} others: pass ${pass.mean} vs C / (1 - s) = ${want.toFixed(0)} (s ${s.toFixed(4)})`);
    }),
    { numRuns: 12, seed: 101 },
  );
});
