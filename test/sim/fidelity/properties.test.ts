/**
 * Direction properties of the host and guest models over GENERATED scenarios (fast-check), not
 * over the bundled examples. Ranges (stated per property) keep each simulation short; the whole
 * file runs in well under a minute. Published directions (model.md, NPB UA; KVM boosting RFC):
 * spin beats block without preemption; preemption slows spin more than block; adaptive DoP
 * beats spin and block under preemption; dynamic boosting cuts guest timer latency on a busy
 * host; a Xen cpupool restores the weight shares that pinning to a shared subset of a pool
 * breaks (the Xen cpupool documentation's BS2000 case); io_uring cancel cuts VTL2 latency under
 * VTL0 residence but not the wait for hypervisor intercepts (OpenHCL guide).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fraction } from '../../arb';
import { analyzeDocument } from '../../../server/src/model/analyze';
import { simulate, simulateAll } from '../../../server/src/sim/run';
import type { VariantResult } from '../../../server/src/sim/result';

function run(text: string): VariantResult {
  const a = analyzeDocument(text, { uri: 'mem:/generated.vps' });
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors, [], text);
  return simulate(a.scenario!);
}

/** Every variant of a generated scenario (base first). */
function runAll(text: string): VariantResult[] {
  const a = analyzeDocument(text, { uri: 'mem:/generated.vps' });
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors, [], text);
  return simulateAll(a.scenario!);
}

interface Region {
  pcpus: number;
  vcpus: number;
  workUs: number;
  rounds: number;
  seed: number;
  /** Host load: threads at 50% duty (cpu C ms, sleep C ms), or none. */
  noise?: { threads: number; burstMs: number };
}

/** Finish time (ns) of a parallel region with the given barrier and DoP policy. */
function finish(g: Region, barrier: 'spin' | 'block', dop: 'fixed' | 'adaptive' = 'fixed'): number {
  const lo = Math.round(g.workUs * 0.75);
  const hi = Math.round(g.workUs * 1.25);
  const noise = g.noise ? `\n  load noise { threads ${g.noise.threads}; cpu ${g.noise.burstMs}ms; sleep ${g.noise.burstMs}ms }` : '';
  const r = run(`scenario { duration 2s; seed ${g.seed} }
host {
  pcpus ${g.pcpus}${noise}
}
vm omp {
  vcpus ${g.vcpus}
  guest { parallel r { threads ${g.vcpus}; work uniform ${lo}us..${hi}us; rounds ${g.rounds}; barrier ${barrier}; dop ${dop} } }
}`);
  const f = r.regions[0].finishedAtNs;
  assert.ok(f > 0, 'the region finishes within the run');
  return f;
}

const seed = fc.integer({ min: 1, max: 10_000 });

test('spin beats block without oversubscription (2-8 pCPUs, 2..pCPUs vCPUs, 50-400 us of work a round, no host load)', () => {
  const gen = fc
    .record({ pcpus: fc.integer({ min: 2, max: 8 }), vfrac: fraction(), workUs: fc.integer({ min: 50, max: 400 }), seed })
    .map(({ pcpus, vfrac, workUs, seed }) => ({ pcpus, vcpus: 2 + Math.floor(vfrac * (pcpus - 1.0001)), workUs, rounds: 60, seed }));
  fc.assert(
    fc.property(gen, (g) => {
      const spin = finish(g, 'spin');
      const block = finish(g, 'block');
      assert.ok(spin < block, `spin ${spin} vs block ${block}`);
    }),
    { numRuns: 10, seed: 1 },
  );
});

/**
 * Preempted: as many vCPUs as pCPUs (4-8), plus a host load wanting 40-60% of the pCPUs on
 * average, in bursts of 4-8 ms (longer than a 250 Hz tick), 100-300 us of work a round, ~40 ms
 * of rounds (adaptive DoP decides once per 5 ms window: it needs a few).
 */
const preempted = fc
  .record({ pcpus: fc.integer({ min: 4, max: 8 }), load: fc.double({ min: 0.4, max: 0.6, noNaN: true }), burstMs: fc.integer({ min: 4, max: 8 }), workUs: fc.integer({ min: 100, max: 300 }), seed })
  .map(({ pcpus, load, burstMs, workUs, seed }): Region => ({ pcpus, vcpus: pcpus, workUs, rounds: Math.round(40_000 / workUs), seed, noise: { threads: Math.max(1, Math.round(2 * load * pcpus)), burstMs } }));

test('preemption slows spin more than block, and adaptive DoP beats both (generated preempted hosts)', () => {
  const vsBlock: number[] = [];
  fc.assert(
    fc.property(preempted, (g) => {
      const quiet = { ...g, noise: undefined };
      const spinQ = finish(quiet, 'spin');
      const blockQ = finish(quiet, 'block');
      const spin = finish(g, 'spin');
      const block = finish(g, 'block');
      const adaptive = finish(g, 'spin', 'adaptive');
      assert.ok(spin / spinQ > block / blockQ, `slowdown spin ${spin / spinQ} vs block ${block / blockQ}`);
      assert.ok(adaptive < spin, `adaptive ${adaptive} vs spin ${spin}`);
      // Per scenario adaptive is at worst close to block (its team size lags the load by a few
      // 5 ms windows); over the generated set it beats block (published: 13.02 s vs 22.43 s).
      assert.ok(adaptive < 1.25 * block, `adaptive ${adaptive} vs block ${block}`);
      vsBlock.push(adaptive / block);
    }),
    // Over 144 generated cases (12 seeds x 12 runs), 2 broke `adaptive < spin`: a 4-pCPU host
    // whose noise phases happened to spare the spinners (spin 66.7 ms, adaptive 77.0 ms).
    { numRuns: 12, seed: 2 },
  );
  const geo = Math.exp(vsBlock.reduce((a, x) => a + Math.log(x), 0) / vsBlock.length);
  assert.ok(geo < 0.95, `adaptive / block, geometric mean over the generated scenarios: ${geo.toFixed(3)}`);
  assert.ok(vsBlock.filter((x) => x < 1).length >= 0.75 * vsBlock.length, `adaptive beats block in ${vsBlock.filter((x) => x < 1).length} of ${vsBlock.length}`);
});

test('dynamic boosting cuts guest timer latency on a busy host (2-6 pCPUs, a hog per pCPU, 1..pCPUs vCPUs, timers every 0.5-2 ms)', () => {
  const gen = fc.record({ pcpus: fc.integer({ min: 2, max: 6 }), vfrac: fraction(), periodUs: fc.integer({ min: 500, max: 2000 }), hogMs: fc.integer({ min: 5, max: 20 }), seed });
  fc.assert(
    fc.property(gen, ({ pcpus, vfrac, periodUs, hogMs, seed }) => {
      const vcpus = 1 + Math.floor(vfrac * (pcpus - 0.0001));
      const lat = (boost: string) =>
        run(`scenario { duration 200ms; seed ${seed} }
host {
  pcpus ${pcpus}
  load hog { threads ${pcpus}; cpu ${hogMs}ms; sleep 1ms }
}
vm rt {
  vcpus ${vcpus}
  boost ${boost}
  guest { thread cyclic { count ${vcpus}; rt on; every ${periodUs}us; cpu 10us } }
}`).tasks.find((t) => t.name === 'cyclic')!.latency;
      const off = lat('off');
      const dyn = lat('dynamic');
      assert.ok(dyn.mean < off.mean, `mean latency off ${off.mean} vs dynamic ${dyn.mean}`);
      assert.ok(dyn.p99 < off.p99, `p99 off ${off.p99} vs dynamic ${dyn.p99}`);
    }),
    { numRuns: 8, seed: 3 },
  );
});

/**
 * Two CPU-bound Xen domains with weights wA:wB pinned to the same k pCPUs of Pool-0, which they
 * share with an unpinned web domain; variant `own`: a cpupool of their own with exactly those
 * pCPUs. Ranges: 4-8 pCPUs (credit), k 1-2 (each domain has k vCPUs, so both can use every pinned
 * pCPU and only the weights can split them), wA 300-1000, wA/wB 2-4, web: a vCPU per pCPU at
 * 1-3 ms on / 1-2 ms off, 1 s runs. The error is |ln((cpuA / cpuB) / (wA / wB))|.
 */
test('a Xen cpupool restores the weight shares that pinning to a shared subset breaks (generated BS2000 cases)', () => {
  const gen = fc.record({ pcpus: fc.integer({ min: 4, max: 8 }), k: fc.integer({ min: 1, max: 2 }), wA: fc.integer({ min: 300, max: 1000 }), ratio: fc.double({ min: 2, max: 4, noNaN: true }), webOnMs: fc.integer({ min: 1, max: 3 }), webOffMs: fc.integer({ min: 1, max: 2 }), seed });
  const pinned: number[] = [];
  const pooled: number[] = [];
  fc.assert(
    fc.property(gen, (g) => {
      const wB = Math.round(g.wA / g.ratio);
      const cpus = g.k === 1 ? `${g.pcpus - 1}` : `${g.pcpus - 2}-${g.pcpus - 1}`;
      const rs = runAll(`scenario { duration 1s; seed ${g.seed} }
host { pcpus ${g.pcpus}; sched credit }
vm a { vcpus ${g.k}; cpus ${cpus}; cpu_weight ${g.wA}; guest { thread batch { count ${g.k}; cpu 10ms } } }
vm b { vcpus ${g.k}; cpus ${cpus}; cpu_weight ${wB}; guest { thread batch { count ${g.k}; cpu 10ms } } }
vm web { vcpus ${g.pcpus}; guest { thread serve { count ${g.pcpus}; cpu ${g.webOnMs}ms; sleep ${g.webOffMs}ms } } }
variant own { host { pool own { cpus ${cpus} } }; vm a { pool own }; vm b { pool own } }`);
      const err = (r: VariantResult) => {
        const cpu = (n: string) => r.vms.find((v) => v.name === n)!.cpuNs;
        return Math.abs(Math.log(cpu('a') / cpu('b') / (g.wA / wB)));
      };
      const [pin, own] = [err(rs[0]), err(rs[1])];
      // In its own pool the split follows the weights (within 10%), and is never worse than pinned.
      assert.ok(own < 0.1, `own pool: ratio off the weights by ${own.toFixed(3)} (ln)`);
      assert.ok(own <= pin + 0.02, `own pool ${own.toFixed(3)} vs pinned ${pin.toFixed(3)}`);
      pinned.push(pin);
      pooled.push(own);
    }),
    { numRuns: 12, seed: 4 },
  );
  // Pinned, the split follows per-pCPU contention instead: off the weights by more than 20% in most
  // cases (measured over 40 generated cases: 35; the exceptions have small weights against web's).
  const off = pinned.filter((e) => e > Math.log(1.2)).length;
  assert.ok(off >= 0.75 * pinned.length, `pinning broke the weights in ${off} of ${pinned.length}`);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(pinned) > 5 * mean(pooled), `mean error pinned ${mean(pinned).toFixed(3)} vs own pool ${mean(pooled).toFixed(3)}`);
});

/**
 * An OpenHCL VM whose VPs are each one busy guest thread; `nvme`, targeted at VP t, does async IO.
 * Ranges: 2-4 VPs, VTL0 residence exp 1-4 ms, IO exp 20-100 us at 500-3000/s, 300 ms runs;
 * intercepts on VP t: fixed 100-400 us, 0.2-0.5 s of intercept per second of guest execution.
 */
test('io_uring cancel cuts VTL2 latency under VTL0 residence, but not the wait for intercepts (generated OpenHCL VMs)', () => {
  const gen = fc.record({ vps: fc.integer({ min: 2, max: 4 }), tfrac: fraction(0.999), resMs: fc.integer({ min: 1, max: 4 }), ioUs: fc.integer({ min: 20, max: 100 }), rate: fc.integer({ min: 500, max: 3000 }), icUs: fc.integer({ min: 100, max: 400 }), duty: fc.double({ min: 0.2, max: 0.5, noNaN: true }), seed });
  fc.assert(
    fc.property(gen, (g) => {
      const t = Math.floor(g.tfrac * g.vps);
      const ic = `intercept pio { rate ${Math.round(g.duty / (g.icUs * 1e-6))}/s; duration ${g.icUs}us; vcpus ${t} }`;
      const rs = runAll(`scenario { duration 300ms; seed ${g.seed} }
host { pcpus ${g.vps} }
vm v {
  vcpus ${g.vps}
  openhcl {
    io_uring_cancel off
    task nvme { target_vp ${t}; run_on_target on; rate ${g.rate}/s; cpu 5us; io exp ${g.ioUs}us; cpu 3us }
  }
  guest {
    residence exp ${g.resMs}ms
    thread busy { vcpus ${t}; cpu 10ms }
  }
}
variant cancel { vm v { openhcl { io_uring_cancel on } } }
variant cancel_intercepts { vm v { openhcl { io_uring_cancel on }; guest { ${ic} } } }`);
      const [off, on, onIc] = rs.map((r) => r.tasks.find((x) => x.name === 'nvme')!.latency.mean);
      // Residence: without the cancel a completion waits for the guest to exit on its own.
      assert.ok(on < 0.5 * off, `residence: cancel on ${on} vs off ${off}`);
      // Intercepts: a completion that lands in one waits for its end, cancel or not. Expected extra
      // wait: P(in an intercept) x its mean residual = duty / (1 + duty) x icUs / 2; at least half.
      const expected = ((g.duty / (1 + g.duty)) * g.icUs * 1000) / 2;
      assert.ok(onIc - on >= 0.5 * expected, `intercepts add ${onIc - on} ns with cancel on (expected ~${expected.toFixed(0)})`);
    }),
    { numRuns: 12, seed: 5 },
  );
});
