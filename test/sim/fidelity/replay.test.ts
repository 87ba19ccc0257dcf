/**
 * Replays of the three shared real traces (../shared/traces/r1..r3, see the .vps files beside this
 * test): the simulated per-round spin and block times must be within 2x of the guest-measured ones
 * (kvmbar's rdtsc timings in each trace's vmm_stdout.txt), and in the same order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeDocument } from '../../../server/src/model/analyze';
import { simulateAll } from '../../../server/src/sim/run';

/** Guest-measured mean per-round times in us (vmm_stdout.txt, BARRIER ... per_round_us_mean). */
const MEASURED = {
  r1_1x_n2: { spin: 52.9, block: 135.4 },
  r2_2x_n4: { spin: 4019.0, block: 266.4 },
  r3_1x_n2_2hogs: { spin: 180.2, block: 446.8 },
} as const;

export function replay(name: keyof typeof MEASURED): { spin: number; block: number } {
  const path = join(__dirname, `${name}.vps`);
  const a = analyzeDocument(readFileSync(path, 'utf8'), { uri: path });
  assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error'), []);
  const out: Record<string, number> = {};
  for (const r of simulateAll(a.scenario!)) {
    const g = r.regions[0];
    assert.ok(g.finishedAtNs > 0, `${name} ${r.name}: the region finished within the run`);
    out[r.name === 'base' ? 'spin' : r.name] = g.finishedAtNs / g.rounds / 1000;
  }
  return { spin: out.spin, block: out.block };
}

for (const name of Object.keys(MEASURED) as (keyof typeof MEASURED)[]) {
  test(`replay ${name}: per-round spin and block within 2x of the guest-measured times, same order`, () => {
    const sim = replay(name);
    const real = MEASURED[name];
    for (const k of ['spin', 'block'] as const) {
      const f = sim[k] / real[k];
      assert.ok(f >= 0.5 && f <= 2, `${name} ${k}: simulated ${sim[k].toFixed(1)} us vs measured ${real[k]} us (x${f.toFixed(2)})`);
    }
    assert.equal(sim.spin < sim.block, real.spin < real.block, `${name}: order of spin ${sim.spin.toFixed(1)} and block ${sim.block.toFixed(1)}`);
  });
}
