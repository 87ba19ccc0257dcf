/**
 * Derived counters of a timeline (runnable vCPUs per VM and per pool, steal): at any time the
 * series give the number of the VM's vCPU lanes in a running (or inferred) interval and in a
 * runnable one, and the steal is the waiting vCPU-time so far; generated lanes checked against a
 * direct count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runnableSeries, type CounterLane } from '../../server/src/core/runnableCounters';

const STATES = ['idle', 'running', 'runnable', 'inferred', 'blocked'];

function laneOf(group: string, kind: string, ivs: [number, number, number][]): CounterLane & { ivs: [number, number, number][] } {
  return { group, kind, length: ivs.length, startAt: (i) => ivs[i][0], endAt: (i) => ivs[i][1], stateAt: (i) => ivs[i][2], ivs };
}

/** A lane's intervals: back to back or with gaps, from 0, on a 1 us grid (steal is kept to 1 us). */
const ivsArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: STATES.length - 1 })), { maxLength: 30 }).map((xs) => {
  let t = 0;
  return xs.map(([gap, d, s]) => {
    const a = t + gap;
    t = a + d;
    return [a * 1000, t * 1000, s] as [number, number, number];
  });
});

test('running / waiting counts and steal match a direct count at every time, per VM and per pool', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('vm:a', 'vm:b'), fc.constantFrom('vcpu', 'vcpu', 'thread'), ivsArb), { minLength: 1, maxLength: 6 }), (spec) => {
      const lanes = spec.map(([g, k, ivs]) => laneOf(g, k, ivs));
      const series = runnableSeries(STATES, lanes, [{ name: 'p', groups: ['vm:a', 'vm:b'] }]);
      for (const s of series) {
        const mine = lanes.filter((l) => l.kind === 'vcpu' && (s.group === 'pool:p' ? true : l.group === s.group));
        // Points in time order, a point only where a count changes.
        for (let i = 1; i < s.ts.length; i++) {
          assert.ok(s.ts[i] > s.ts[i - 1]);
          assert.ok(s.running[i] !== s.running[i - 1] || s.waiting[i] !== s.waiting[i - 1]);
        }
        const count = (t: number, want: (st: string) => boolean) => mine.filter((l) => l.ivs.some(([a, b, st]) => a <= t && t < b && want(STATES[st]))).length;
        let steal = 0;
        for (let t = 0; t < 1_700_000; t += 1000) {
          let i = -1;
          for (let k = 0; k < s.ts.length && s.ts[k] <= t; k++) i = k;
          const run = count(t, (st) => st === 'running' || st === 'inferred');
          const wait = count(t, (st) => st === 'runnable');
          if (i < 0) {
            assert.equal(run + wait, 0, `${s.group} before its first point at ${t}`);
            continue;
          }
          assert.equal(s.running[i], run, `${s.group} running at ${t}`);
          assert.equal(s.waiting[i], wait, `${s.group} waiting at ${t}`);
          if (s.ts[i] === t) assert.ok(Math.abs(s.stealMs[i] * 1e6 - steal) < 1, `${s.group} steal at ${t}: ${s.stealMs[i]} ms vs ${steal} ns`);
          steal += wait * 1000;
        }
      }
      // Every VM with a running or runnable vCPU interval has a series; the others none.
      for (const g of ['vm:a', 'vm:b']) {
        const active = lanes.some((l) => l.group === g && l.kind === 'vcpu' && l.ivs.some(([, , st]) => [1, 2, 3].includes(st)));
        assert.equal(series.some((s) => s.group === g), active, g);
      }
    }),
    { numRuns: 150 },
  );
});
