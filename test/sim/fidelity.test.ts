/**
 * Fidelity: the *direction* of the published results (model.md) on the example scenarios
 * (examples/*.vps, through the real checker) — BS2000 weights under pinning vs a cpupool, KVM
 * dynamic boosting vs off/static RT, spinning vs blocking barriers with and without preemption.
 * Equivalent hand-built IR cases live in credit/kvm/guest tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeDocument } from '../../server/src/model/analyze';
import { simulateAllWithFindings as simulateAll } from '../../server/src/analysis/run';
import type { VariantResult } from '../../server/src/sim/result';

function runExample(file: string): Record<string, VariantResult> {
  const path = join(__dirname, '..', '..', 'examples', file);
  const a = analyzeDocument(readFileSync(path, 'utf8'), { uri: path });
  assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error'), []);
  return Object.fromEntries(simulateAll(a.scenario!).map((r) => [r.name, r]));
}

test('xen-cpupool-bs2000: pinned weights are not honoured in Pool-0; a cpupool of their own restores them', () => {
  const r = runExample('xen-cpupool-bs2000.vps');
  const dev = (v: VariantResult, name: string) => {
    const x = v.vms.find((m) => m.name === name)!;
    return Math.abs(x.share - x.weightShare);
  };
  assert.ok(dev(r.base, 'bs2000a') > 0.1, 'base deviates');
  assert.ok(dev(r.own_pool, 'bs2000a') < 0.03, 'own pool holds');
  assert.ok(r.base.findings.some((f) => f.code === 'VPS323'));
  assert.ok(!r.own_pool.findings.some((f) => f.code === 'VPS323'));
});

test('kvm-pvsched-boost: dynamic boosting cuts guest latency by a large factor; static RT does too', () => {
  const r = runExample('kvm-pvsched-boost.vps');
  const lat = (v: VariantResult) => v.tasks.find((t) => t.name === 'cyclic')!.latency;
  assert.ok(lat(r.base).mean > 8 * lat(r.dynamic_boost).mean, `${lat(r.base).mean} vs ${lat(r.dynamic_boost).mean}`);
  assert.ok(lat(r.static_rt).mean < lat(r.base).mean / 8);
  const host = (v: VariantResult) => v.tasks.find((t) => t.name === 'hostlat')!.latency;
  assert.ok(host(r.dynamic_boost).max < 2 * host(r.base).max, 'dynamic keeps host latency low');
});

test('dual-level-barriers: spin beats block without preemption; with it spin loses, adaptive DoP beats both', () => {
  const r = runExample('dual-level-barriers.vps');
  const t = (v: VariantResult) => v.regions[0].finishedAtNs;
  assert.ok(t(r.base) < t(r.block), 'spin < block when not oversubscribed');
  assert.ok(t(r.oversubscribed_spin) > t(r.oversubscribed_block), 'spin loses when oversubscribed');
  assert.ok(t(r.oversubscribed_spin) / t(r.base) > t(r.oversubscribed_block) / t(r.block), 'preemption hurts spin more than block');
  // Published (NPB UA): adaptive 13.02 s vs spin 19.95 s and block 22.43 s under preemption.
  assert.ok(t(r.oversubscribed_adaptive) < t(r.oversubscribed_spin) * 0.8, 'adaptive DoP beats spin');
  assert.ok(t(r.oversubscribed_adaptive) < t(r.oversubscribed_block), 'adaptive DoP beats block');
  // No rounds "with preemption" without oversubscription (the preempted flag, not mere waiting).
  assert.equal(r.block.regions[0].roundsWithPreemption, 0);
  assert.ok(r.oversubscribed_spin.findings.some((f) => f.code === 'VPS329'));
});
