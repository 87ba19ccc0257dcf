/**
 * Fidelity: the directions the OpenHCL guide and model.md §1 report, on the example scenarios
 * (examples/openhcl-*.vps, storvsp-head-of-line.vps) and on small scenarios of our own
 * (test/sim/openhcl/data/*.vps) where no example isolates the effect. Each run goes through the
 * real pipeline: analyzeDocument -> simulate (host, guest and OpenHCL models together).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeDocument } from '../../../server/src/model/analyze';
import { simulateAllWithFindings as simulateAll } from '../../../server/src/analysis/run';
import type { VariantResult } from '../../../server/src/sim/result';

const root = join(__dirname, '..', '..', '..');

function run(path: string, opts: { timeline?: boolean } = {}): { text: string; r: Record<string, VariantResult> } {
  const text = readFileSync(join(root, path), 'utf8');
  const a = analyzeDocument(text);
  assert.ok(a.scenario, `${path} lowers`);
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors, [], `${path} has no errors`);
  const out: Record<string, VariantResult> = {};
  for (const v of simulateAll(a.scenario, { timeline: opts.timeline })) out[v.name] = v;
  return { text, r: out };
}

const lat = (v: VariantResult, task: string) => {
  const t = v.tasks.find((x) => x.name === task);
  assert.ok(t, `task ${task} in ${v.name}`);
  return t.latency;
};
const codes = (v: VariantResult) => v.findings.map((f) => f.code);
const view = (v: VariantResult, vp: number) => v.vps.find((x) => x.vp === vp)?.views?.openhcl ?? {};

test('VTL0 residence: cancel on cuts VTL2 latency sharply, but not when the VP sits in intercepts', () => {
  const { r } = run('examples/openhcl-vtl0-residence.vps');
  const off = lat(r.base, 'nvme');
  const on = lat(r.cancel_on, 'nvme');
  const ic = lat(r.intercept_heavy, 'nvme');
  assert.ok(off.mean > 10 * on.mean, `cancel off ${off.mean} vs on ${on.mean}`);
  assert.ok(off.p90 > 1_000_000, 'with cancel off the work waits for natural exits (ms)');
  assert.ok(on.p50 < 100_000, 'with cancel on it takes about the IO latency');
  assert.ok(ic.mean > 1.5 * on.mean, `intercepts are not cancellable: ${ic.mean} vs ${on.mean}`);
  assert.ok(codes(r.base).includes('VPS305'));
  assert.ok(!codes(r.cancel_on).includes('VPS305'));
  assert.ok(codes(r.intercept_heavy).includes('VPS303'));
  assert.ok((r.cancel_on.counters['openhcl.cancels'] ?? 0) > 0 && !r.base.counters['openhcl.cancels']);
  assert.ok((view(r.intercept_heavy, 1).intercept ?? 0) > 0, 'VP 1 shows intercept time');
});

test('blocking syscall: every other task on the VP waits; a dedicated thread or async IO removes it', () => {
  const { text, r } = run('examples/openhcl-blocking-syscall.vps');
  const base = lat(r.base, 'nvme');
  const ded = lat(r.dedicated_thread, 'nvme');
  const aio = lat(r.async_io, 'nvme');
  assert.ok(base.p99 > 1_500_000, `nvme p99 with the syscall ${base.p99}`);
  assert.ok(ded.p99 < 500_000 && aio.p99 < 500_000, `without it ${ded.p99} / ${aio.p99}`);
  assert.ok(base.mean > 2 * ded.mean);
  const s = r.base.stalls.find((x) => x.task === 'nvme');
  assert.ok(s, 'nvme stalls');
  assert.equal(s.cause, 'blocking-syscall');
  assert.equal(s.vp, 2);
  assert.equal(s.range?.start, text.indexOf('syscall 2ms'), 'the stall points at the syscall step');
  assert.match(s.causes?.join(' | ') ?? '', /VP 2 was blocked in a syscall of task `vmgs`/);
  assert.equal(r.dedicated_thread.stalls.filter((x) => x.cause === 'blocking-syscall').length, 0);
  assert.ok((view(r.base, 2).kernel_blocked ?? 0) > 0 && !view(r.dedicated_thread, 2).kernel_blocked);
});

test('sidecar: work aimed at VPs not online yet onlines them one at a time and runs elsewhere meanwhile', () => {
  const { r } = run('examples/openhcl-sidecar.vps');
  const online = (v: VariantResult) => [4, 5, 6, 7].map((vp) => v.counters[`openhcl.online_at_ns.big.vp${vp}`] ?? 0);
  const base = online(r.base);
  assert.equal(r.base.counters['openhcl.onlinings'], 4);
  const sorted = [...base].sort((a, b) => a - b);
  for (let i = 1; i < 4; i++) assert.ok(sorted[i] - sorted[i - 1] >= 2_000_000, 'one at a time: at least the online cost apart');
  const f = r.base.findings.find((x) => x.code === 'VPS312');
  assert.ok(f, 'VPS312 in base');
  assert.ok(Number(f.data?.hostedNs) > 0, 'targeted work ran on another VP before its VP was online');
  assert.ok(!codes(r.base_vps).includes('VPS312'));
  assert.ok(!codes(r.late_start).includes('VPS312'), 'hot-plug onlined the VPs before the workers started');
  assert.ok(online(r.late_start).every((t) => t > 0 && t < 50_000_000));
  // Targeting is what onlines them early: the first targeted VP is online sooner than by hot-plug alone.
  assert.ok(Math.min(...base) < Math.min(...online(r.base_vps)));
});

test('head-of-line: a slow disk raises a fast disk\'s latency on a shared controller, not on separate ones', () => {
  const { r } = run('examples/storvsp-head-of-line.vps');
  const shared = lat(r.base, 'oltp');
  const sep = lat(r.separate_controllers, 'oltp');
  assert.ok(shared.mean > 5 * sep.mean, `oltp ${shared.mean} vs ${sep.mean}`);
  assert.ok(shared.p99 > 5_000_000, 'tails of several ms behind the archive disk');
  assert.ok(sep.p99 < 2_000_000);
  assert.ok(lat(r.base, 'boot').mean > 5 * lat(r.separate_controllers, 'boot').mean);
  assert.ok(codes(r.base).includes('VPS310'));
  assert.ok(!codes(r.separate_controllers).includes('VPS310'));
  assert.ok((r.base.counters['openhcl.queue_full'] ?? 0) > 0);
});

test('untargeted IO completes on VP 0; targeted IO spreads over the targets', () => {
  const { r } = run('test/sim/openhcl/data/untargeted-vp0.vps');
  const f = r.base.findings.find((x) => x.code === 'VPS306');
  assert.ok(f, 'VPS306');
  assert.equal(f.data?.share, 1, 'every completion on VP 0');
  assert.ok(!codes(r.targeted).includes('VPS306'));
  assert.ok((view(r.base, 0).vtl2 ?? 0) > 0);
  for (const vp of [1, 2, 3]) assert.ok(!view(r.base, vp).vtl2, `no VTL2 work on VP ${vp} in base`);
  for (const vp of [1, 2, 3]) assert.ok((view(r.targeted, vp).vtl2 ?? 0) > 0, `VP ${vp} runs its task when targeted`);
  assert.ok(!view(r.targeted, 0).vtl2);
});

test('retarget_vp leaves in-flight IO on the old VP; run_on_target decides where the task then runs', () => {
  const { r } = run('test/sim/openhcl/data/retarget-inflight.vps', { timeline: true });
  for (const v of [r.base, r.drift]) {
    assert.equal(v.counters['openhcl.retargets'], 1);
    assert.equal(v.counters['openhcl.retarget_inflight_io'], 1);
    assert.equal(v.counters['openhcl.old_vp_completions'], 1, 'the in-flight IO completed on VP 0');
    assert.ok(codes(v).includes('VPS315'));
  }
  const moverOn = (v: VariantResult, vp: number, from: number, to: number) => {
    const tl = v.timeline;
    assert.ok(tl);
    const lane = tl.lanes.find((l) => l.id === `vm:v/vp:${vp}/openhcl`);
    assert.ok(lane);
    const ci = tl.causes.indexOf('mover');
    let n = 0;
    for (let i = 0; i < lane.intervals.length; i += 4) if (lane.intervals[i + 3] === ci && lane.intervals[i] >= from && lane.intervals[i] < to) n++;
    return n;
  };
  // The pass released at 48 ms issued its IO on VP 0; it completes at ~51 ms.
  assert.equal(moverOn(r.base, 0, 50e6, 100e6), 0, 'run_on_target: the woken task runs on VP 1');
  assert.ok(moverOn(r.base, 1, 50e6, 52e6) >= 1);
  assert.equal(moverOn(r.drift, 0, 50e6, 100e6), 1, 'drift: it runs once where the old completion woke it');
  assert.ok(moverOn(r.drift, 1, 52e6, 100e6) >= 10, 'then its IO on VP 1 brings it there');
});

test('poll mode with a slow backend delays new requests; a higher threshold removes it', () => {
  const { r } = run('test/sim/openhcl/data/poll-mode-slow.vps');
  assert.ok(codes(r.base).includes('VPS311'));
  assert.ok(!codes(r.depth_64).includes('VPS311'));
  assert.ok(lat(r.base, 'reads').mean > 1.3 * lat(r.depth_64, 'reads').mean);
  assert.ok((r.base.counters['openhcl.doorbells_masked'] ?? 0) > 0 && !r.depth_64.counters['openhcl.doorbells_masked']);
});

test('sidecar without hot-plug: remote VPs stay remote and their exits load the base CPU', () => {
  const { r } = run('test/sim/openhcl/data/sidecar-no-hotplug.vps');
  assert.ok(codes(r.base).includes('VPS314'));
  assert.ok(!r.base.counters['openhcl.onlinings']);
  assert.equal(r.hotplug.counters['openhcl.onlinings'], 7);
  assert.ok(r.base.counters['openhcl.sidecar_forwarded_exits'] > 10 * r.hotplug.counters['openhcl.sidecar_forwarded_exits']);
  assert.ok((view(r.base, 0).vtl2 ?? 0) > 2 * (view(r.hotplug, 0).vtl2 ?? 0), 'the base CPU spends much more time in VTL2');
  assert.ok(lat(r.base, 'tick').p99 > lat(r.hotplug, 'tick').p99);
});

test('guest RTC writes block the VP thread on the GET; work targeted at that VP waits', () => {
  const { text, r } = run('test/sim/openhcl/data/rtc-get.vps');
  assert.ok(lat(r.base, 'nvme').p90 > 5 * lat(r.no_rtc, 'nvme').p90);
  const f = r.base.findings.find((x) => x.code === 'VPS317');
  assert.ok(f);
  assert.equal(f.range?.start, text.indexOf('rtc_write'));
  assert.ok(!codes(r.no_rtc).includes('VPS317'));
  assert.ok((view(r.base, 1).kernel_blocked ?? 0) > 0);
});

test('io_ring_size back-pressure: more IO than the ring holds waits for a slot', () => {
  const { r } = run('test/sim/openhcl/data/ring-pressure.vps');
  assert.ok((r.base.counters['openhcl.ring_full'] ?? 0) > 0);
  assert.ok(codes(r.base).includes('VPS320'));
  assert.ok(!r.big_ring.counters['openhcl.ring_full']);
  assert.ok(lat(r.base, 'q').mean > 2 * lat(r.big_ring, 'q').mean);
});

test('a blocking GET call from the GET worker deadlocks it until the end of the run', () => {
  const { text, r } = run('test/sim/openhcl/data/get-deadlock.vps');
  const s = r.base.stalls.find((x) => x.task === 'broker');
  assert.ok(s);
  assert.equal(s.cause, 'get-deadlock');
  assert.equal(s.startNs + s.durationNs, r.base.durationNs, 'bounded by the run');
  assert.equal(s.range?.start, text.indexOf('get 200us blocking'));
  assert.ok(r.base.stalls.some((x) => x.task === 'vmgs' && x.cause === 'get-deadlock'), 'later GET calls hang too');
  assert.equal(r.async.stalls.filter((x) => x.cause === 'get-deadlock').length, 0);
  assert.equal(lat(r.async, 'vmgs').count, 20);
});
