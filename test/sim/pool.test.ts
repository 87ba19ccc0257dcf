/**
 * The sweep pool's dispatch (io/simPool.ts): runs go longest expected first (the point's
 * simulated work estimate), results stay in plan order. A sweep of vcpus 2..16 is dispatched from
 * 16 down; list scheduling of that plan on 2 workers ends sooner than in plan order (the pool's
 * reason to reorder); the results of a pool of real sim workers started ahead of their jobs equal
 * those of the same runs made in this thread, in plan order.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyzeDocument } from '../../server/src/model/analyze';
import { parseSweep, type SweepSpec } from '../../server/src/model/sweep';
import { dispatchOrder, planSeedJobs, runPool, startWorkers, type SeedJobs } from '../../server/src/io/simPool';
import type { SeedsPlan } from '../../server/src/report/seeds';

const TEXT = `scenario { duration 5ms; seed 2 }
host { pcpus 4; load noise { threads 1; cpu 200us; sleep 1ms } }
vm web {
  vcpus 2
  guest { thread t { count 2; every 500us; cpu exp 50us } }
}
`;

/** Makespan of list scheduling `costs` on `n` workers taking jobs in `order`. */
function makespan(costs: number[], order: number[], n: number): number {
  const free = new Array(n).fill(0);
  for (const i of order) {
    const k = free.indexOf(Math.min(...free));
    free[k] += costs[i];
  }
  return Math.max(...free);
}

describe('sweep pool dispatch', () => {
  it('a sweep of vcpus 2..16: costs grow with vcpus, dispatched from 16 down, plan order kept for the results', () => {
    const a = analyzeDocument(TEXT);
    const sweep = parseSweep('vm web.vcpus=2..16 step 2') as SweepSpec;
    const plan: SeedsPlan = { file: 'p.vps', seeds: [1, 2, 3], variants: ['base'], sweeps: [{ path: sweep.path, values: sweep.values }] };
    const planned = planSeedJobs(TEXT, 'p.vps', plan, [sweep], a.scenario) as SeedJobs;
    assert.ok(!('index' in planned));
    assert.deepEqual(planned.order.map((o) => o.point), sweep.values.flatMap((v) => [v, v, v]));
    const costs = planned.jobs.map((j) => j.cost ?? 0);
    for (let i = 3; i < costs.length; i += 3) assert.ok(costs[i] > costs[i - 3], `cost of ${planned.order[i].point} > ${planned.order[i - 3].point}`);
    const order = dispatchOrder(planned.jobs);
    assert.deepEqual(order.slice(0, 4).map((i) => planned.order[i].point), ['16', '16', '16', '14']);
    assert.ok(makespan(costs, order, 2) < makespan(costs, costs.map((_, i) => i), 2), 'longest first ends sooner on 2 workers');
  });

  it('dispatch order: a permutation, largest cost first, plan order among equals (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }), { maxLength: 40 }), (cs) => {
        const jobs = cs.map((cost) => (cost === undefined ? {} : { cost }));
        const o = dispatchOrder(jobs);
        assert.deepEqual([...o].sort((x, y) => x - y), jobs.map((_, i) => i));
        for (let k = 1; k < o.length; k++) {
          const [p, q] = [jobs[o[k - 1]].cost ?? 0, jobs[o[k]].cost ?? 0];
          assert.ok(p > q || (p === q && o[k - 1] < o[k]));
        }
      }),
    );
  });

  const script = join(__dirname, '..', '..', 'dist', 'simWorker.js');
  it('workers started ahead of their jobs give, in plan order, what the same runs give in this thread', { skip: existsSync(script) ? false : "dist/simWorker.js is missing: run 'npm run build'" }, async () => {
    const sweeps = [parseSweep('vm web.vcpus=1,4') as SweepSpec, parseSweep('host.load noise.threads=1,3') as SweepSpec];
    const plan: SeedsPlan = { file: 'p.vps', seeds: [3, 4], variants: ['base'], sweeps: sweeps.map((s) => ({ path: s.path, values: s.values })) };
    const started = startWorkers({ file: script, eval: false }, 3);
    const planned = planSeedJobs(TEXT, 'p.vps', plan, sweeps, analyzeDocument(TEXT).scenario) as SeedJobs;
    const pooled = await runPool(planned.jobs, 3, { script: { file: script, eval: false }, started });
    const here = await runPool(planned.jobs, 1, { script: undefined });
    assert.equal(pooled.error, undefined);
    assert.equal(pooled.results.length, 8);
    assert.deepEqual(pooled.results.map((r) => JSON.stringify(r)), here.results.map((r) => JSON.stringify(r)));
    // The points differ (the sweep acts): more host threads, more events.
    assert.notEqual(pooled.results[0]!.counters.events, pooled.results[2]!.counters.events);
  });
});
