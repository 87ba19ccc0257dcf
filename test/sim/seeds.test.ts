/**
 * Seeds and sweeps in the core (issue 11): the Student-t interval covers a known mean as often as
 * it claims, Welch's test flags equal means about 5% of the time and real differences nearly
 * always, the aggregate does not depend on the order runs finish in, and a sweep of vCPUs over a
 * fixed host finds the knee where vCPUs exceed pCPUs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RngStreams } from '../../server/src/sim/rng';
import { aggregateRuns, clipToRange, meanInterval, planOrder, renderSeedsSummary, tCdf, tQuantile, welch, type SeedRun, type SeedsPlan } from '../../server/src/report/seeds';
import { analyzeDocument } from '../../server/src/model/analyze';
import { simulateAllWithFindings } from '../../server/src/analysis/run';
import { checkSweepPath, parseSweep, SWEEP_VARIANT, sweepPointText, type SweepSpec } from '../../server/src/model/sweep';

/** Binomial tolerance: |hits - n p| within 4 standard deviations. */
function assertRate(hits: number, n: number, p: number, what: string) {
  const sd = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(hits - n * p) <= 4 * sd, `${what}: ${hits}/${n}, expected ${(n * p).toFixed(0)} +- ${(4 * sd).toFixed(0)}`);
}

describe('Student t distribution', () => {
  it('matches published 97.5% quantiles (tables of Student t)', () => {
    const table: [number, number][] = [[1, 12.706], [2, 4.303], [3, 3.182], [4, 2.776], [9, 2.262], [19, 2.093], [29, 2.045], [120, 1.98]];
    for (const [df, q] of table) assert.ok(Math.abs(tQuantile(0.975, df) - q) < 1e-3, `df ${df}: ${tQuantile(0.975, df)} vs ${q}`);
  });
  it('the quantile inverts the CDF for any level and degrees of freedom (fast-check)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.51, max: 0.999, noNaN: true }), fc.double({ min: 1, max: 500, noNaN: true }), (p, df) => {
        assert.ok(Math.abs(tCdf(tQuantile(p, df), df) - p) < 1e-9);
        assert.ok(Math.abs(tQuantile(1 - p, df) + tQuantile(p, df)) < 1e-9);
      }),
    );
  });
});

describe('95% interval over seeds', () => {
  it('covers the true mean of normal samples in ~95% of 1,000 trials (n = 3, 5, 20)', () => {
    const rng = new RngStreams(11).stream('coverage');
    for (const n of [3, 5, 20]) {
      let hits = 0;
      const mu = 250;
      const sigma = 40;
      for (let t = 0; t < 1000; t++) {
        const v = Array.from({ length: n }, () => mu + sigma * rng.gauss());
        const iv = meanInterval(v);
        if (iv.lo <= mu && mu <= iv.hi) hits++;
      }
      assertRate(hits, 1000, 0.95, `coverage with n=${n}`);
    }
  });
  it("Welch's test flags equal means ~5% of the time and a 3-sigma shift almost always (n = 8)", () => {
    const rng = new RngStreams(5).stream('welch');
    let falseAlarms = 0;
    let found = 0;
    let covered = 0;
    for (let t = 0; t < 1000; t++) {
      const a = Array.from({ length: 8 }, () => 10 + 2 * rng.gauss());
      const b = Array.from({ length: 8 }, () => 10 + 5 * rng.gauss());
      const c = Array.from({ length: 8 }, () => 16 + 2 * rng.gauss());
      if (welch(a, b).exceedsNoise) falseAlarms++;
      const d = welch(a, c);
      if (d.exceedsNoise) found++;
      if (d.lo <= 6 && 6 <= d.hi) covered++;
    }
    assertRate(falseAlarms, 1000, 0.05, 'false alarms');
    assertRate(covered, 1000, 0.95, 'coverage of the difference');
    assert.ok(found > 990, `a 3-sigma shift found ${found}/1000 times`);
  });
  it('intervals never leave the metric\'s range (no negative latency, no steal above 100%)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 6 }), fc.constantFrom('ns', 'count', 'fraction'), (v, unit) => {
        const raw = meanInterval(v);
        const iv = clipToRange(raw, unit as 'ns' | 'count' | 'fraction');
        assert.ok(iv.lo >= 0 && iv.lo <= iv.mean + 1e-12 && iv.mean <= iv.hi + 1e-12);
        if (unit === 'fraction') assert.ok(iv.hi <= 1);
        // Only impossible values are cut: inside the range the ends are untouched.
        if (raw.lo >= 0) assert.equal(iv.lo, raw.lo);
        if (unit !== 'fraction' || raw.hi <= 1) assert.equal(iv.hi, raw.hi);
      }),
    );
    // Three seeds of a skewed latency: the raw t-interval goes below zero, the reported one does not.
    assert.ok(meanInterval([0.1, 0.2, 8]).lo < 0);
    assert.equal(clipToRange(meanInterval([0.1, 0.2, 8]), 'ns').lo, 0);
  });
  it('one seed gives no interval and no verdict; constant values give a zero-width one', () => {
    assert.deepEqual(meanInterval([5]), { mean: 5, lo: 5, hi: 5, n: 1, sd: 0 });
    const c = meanInterval([7, 7, 7]);
    assert.equal(c.lo, 7);
    assert.equal(c.hi, 7);
    assert.equal(welch([1], [2]).exceedsNoise, false);
    assert.equal(welch([1, 1], [2, 2]).exceedsNoise, true);
    assert.equal(welch([1, 1], [1, 1]).exceedsNoise, false);
  });
});

const KNEE = (pcpus: number, vcpus: number) => `scenario { duration 20ms; seed 1 }
host { pcpus ${pcpus}; sched fair }
vm busy {
  vcpus ${vcpus}
  guest { thread spin { count 16; cpu 1ms } }
}
variant light { vm busy { guest { thread spin { count 1 } } } }
`;

/** Runs a plan in this thread, in a shuffled order (what a pool may do), and aggregates. */
function runPlan(text: string, plan: SeedsPlan, sweep: SweepSpec | SweepSpec[] | undefined, shuffleSeed: number): SeedRun[] {
  const sweeps = sweep === undefined ? [] : Array.isArray(sweep) ? sweep : [sweep];
  const order = planOrder(plan);
  const idx = order.map((_, i) => i);
  const rng = new RngStreams(shuffleSeed).stream('shuffle');
  for (let i = idx.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.map((i) => {
    const o = order[i];
    const t = sweeps.length && o.point !== undefined ? sweepPointText(text, sweeps, o.at ?? [o.point], o.variant) : text;
    const a = analyzeDocument(t);
    assert.equal(a.diagnostics.filter((d) => d.severity === 'error').length, 0);
    const [r] = simulateAllWithFindings(a.scenario!, { variants: [sweeps.length ? SWEEP_VARIANT : o.variant], seed: o.seed, timeline: false });
    return { ...o, result: { ...r, name: o.variant } };
  });
}

describe('sweeps', () => {
  it('finds the knee where vCPUs exceed pCPUs (steal jumps), for pcpus 2..8 (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), (pcpus) => {
        const text = KNEE(pcpus, 1);
        const sweep = parseSweep(`vm busy.vcpus=1..${2 * pcpus}`) as SweepSpec;
        assert.equal(checkSweepPath(sweep, analyzeDocument(text)), undefined);
        const plan: SeedsPlan = { file: 'knee.vps', seeds: [1], variants: ['base'], sweeps: [{ path: sweep.path, values: sweep.values }] };
        const doc = aggregateRuns(plan, runPlan(text, plan, sweep, pcpus));
        const steal = doc.aggregate.map((c) => c.metrics['vm busy steal'].mean);
        const knee = steal.findIndex((s) => s > 0.05);
        assert.equal(sweep.values[knee], String(pcpus + 1), `steal by vCPUs: ${steal.map((s) => s.toFixed(2)).join(' ')}`);
        // And past the knee, the fair share leaves each vCPU pcpus/vcpus of its time.
        for (let i = knee; i < steal.length; i++) assert.ok(Math.abs(steal[i] - (1 - pcpus / (i + 1))) < 0.05, `vcpus ${i + 1}: steal ${steal[i]}`);
      }),
      { numRuns: 4 },
    );
  });
  it('crossed sweeps: the knee on two axes, at vcpus = pcpus + 1 for each pcpus (fast-check)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 2, max: 6 }), { minLength: 2, maxLength: 2 }), (ps) => {
        const pcpus = [...ps].sort((a, b) => a - b);
        const top = 2 * pcpus[1];
        const sweeps = [parseSweep(`host.pcpus=${pcpus.join(',')}`) as SweepSpec, parseSweep(`vm busy.vcpus=1..${top}`) as SweepSpec];
        const text = KNEE(pcpus[0], 1);
        const plan: SeedsPlan = { file: 'knee2.vps', seeds: [1], variants: ['base'], sweeps: sweeps.map((s) => ({ path: s.path, values: s.values })) };
        const doc = aggregateRuns(plan, runPlan(text, plan, sweeps, pcpus[1]));
        assert.equal(doc.sweep, undefined);
        assert.equal(doc.aggregate.length, 2 * top);
        for (const p of pcpus) {
          const row = doc.aggregate.filter((c) => c.at![0] === String(p));
          assert.deepEqual(row.map((c) => c.at![1]), sweeps[1].values);
          const steal = row.map((c) => c.metrics['vm busy steal'].mean);
          const knee = steal.findIndex((x) => x > 0.05);
          assert.equal(row[knee].at![1], String(p + 1), `pcpus ${p}: steal by vCPUs ${steal.map((x) => x.toFixed(2)).join(' ')}`);
        }
      }),
      { numRuns: 3 },
    );
  });
  it('the aggregate is the same whatever order the runs finish in (bytes)', () => {
    const text = KNEE(2, 2);
    const sweep = parseSweep('host.pcpus=1,2,3') as SweepSpec;
    const plan: SeedsPlan = { file: 'k.vps', seeds: [3, 4, 5], variants: ['base', 'light'], sweeps: [{ path: sweep.path, values: sweep.values }] };
    const a = JSON.stringify(aggregateRuns(plan, runPlan(text, plan, sweep, 1)));
    const b = JSON.stringify(aggregateRuns(plan, runPlan(text, plan, sweep, 2)));
    assert.equal(a, b);
    const doc = JSON.parse(a);
    assert.equal(doc.runs.length, 18);
    assert.deepEqual(doc.runs.slice(0, 4).map((r: SeedRun) => [r.point, r.variant, r.seed]), [['1', 'base', 3], ['1', 'base', 4], ['1', 'base', 5], ['1', 'light', 3]]);
    // A variant with one thread in place of 16: its mean latency differs beyond the noise.
    const c = doc.comparisons.find((x: { point: string; metric: string }) => x.point === '1' && x.metric === 'busy/spin mean');
    assert.equal(c.variant, 'light');
    assert.equal(c.exceedsNoise, true);
    const text2 = renderSeedsSummary(doc, 'k');
    assert.match(text2, /Student-t/);
    assert.match(text2, /host\.pcpus/);
  });
  it('lists runs a stop kept from finishing and aggregates the rest', () => {
    const text = KNEE(2, 2);
    const plan: SeedsPlan = { file: 'k.vps', seeds: [1, 2, 3], variants: ['base'] };
    const runs = runPlan(text, plan, undefined, 1).filter((r) => r.seed !== 2);
    const doc = aggregateRuns(plan, runs, 'cancelled');
    assert.deepEqual(doc.notRun, { reason: 'cancelled', runs: [{ variant: 'base', seed: 2 }] });
    assert.deepEqual(doc.aggregate[0].seeds, [1, 3]);
    assert.equal(doc.aggregate[0].metrics['busy/spin p99'].n, 2);
  });
});

describe('--sweep parsing and paths', () => {
  const a = analyzeDocument(KNEE(4, 2) + 'variant noisy { host { load noise { threads 2; cpu 1ms; sleep 1ms } } }\n');
  it('expands ranges with units and decimals exactly', () => {
    assert.deepEqual((parseSweep('vm busy.vcpus=2..16 step 2') as SweepSpec).values, ['2', '4', '6', '8', '10', '12', '14', '16']);
    assert.deepEqual((parseSweep('scenario.duration=10ms..30ms step 10ms') as SweepSpec).values, ['10ms', '20ms', '30ms']);
    assert.deepEqual((parseSweep('x.y=0.1..0.5 step 0.2') as SweepSpec).values, ['0.1', '0.3', '0.5']);
    assert.deepEqual((parseSweep('vm busy.guest.thread spin.cpu = exp 1ms, 2ms') as SweepSpec).values, ['exp 1ms', '2ms']);
  });
  it('refuses bad syntax with a message (never throws), for any string (fast-check)', () => {
    for (const bad of ['vcpus', '=1', 'vm busy.vcpus=', 'vm busy.vcpus=1,,2', 'vm busy.vcpus=5..1', 'vm busy.vcpus=1..9 step 0', 'vm busy.vcpus=1ms..2us', 'a b c.d=1', 'vm busy.vcpus=1..100000', 'vm busy.vcpus={ 1 }']) {
      assert.equal(typeof parseSweep(bad), 'string', bad);
    }
    fc.assert(
      fc.property(fc.string(), (s) => {
        const p = parseSweep(s);
        if (typeof p !== 'string') assert.equal(typeof checkSweepPath(p, a), typeof checkSweepPath(p, a));
      }),
    );
  });
  it('checks the path against the schema and the base, naming what exists', () => {
    const msg = (s: string) => checkSweepPath(parseSweep(s) as SweepSpec, a) ?? '';
    assert.equal(msg('vm busy.vcpus=1'), '');
    assert.equal(msg('host.pcpus=1'), '');
    assert.equal(msg('vm busy.guest.thread spin.count=1'), '');
    assert.equal(msg('vm busy.boost=dynamic'), '');
    assert.match(msg('vm busy.vcpu=1'), /unknown setting `vcpu`.*Did you mean `vcpus`.*host\.pcpus/);
    assert.match(msg('vm bsy.vcpus=1'), /no vm `bsy`.*Did you mean `busy`/);
    assert.match(msg('vm.vcpus=1'), /named block.*busy/);
    assert.match(msg('vm busy=1'), /must end at a setting/);
    assert.match(msg('host.pcpus.x=1'), /is a setting, not a block/);
    assert.match(msg('scenario.seed=1,2'), /--seeds/);
    // A block a variant adds is not in the base.
    assert.match(msg('host.load noise.threads=1'), /no load `noise`/);
  });
});
