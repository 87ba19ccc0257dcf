/**
 * Host-level fidelity (issue 8 items 1-3, 5): the scheduler tick and the kernel's base slice, the
 * costs of a blocking wait as host parameters, "preempted" as KVM means it, and censored
 * (unfinished) work at the end of a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../../../server/src/model/analyze';
import { simulate, simulateAll } from '../../../server/src/sim/run';
import type { Scenario } from '../../../server/src/model/ir';
import type { VariantResult } from '../../../server/src/sim/result';
import { lane } from '../helpers';
import { renderSummary } from '../../../server/src/report/simulation';

function scenario(text: string): Scenario {
  const a = analyzeDocument(text, { uri: 'mem:/t.vps' });
  assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error'), []);
  return a.scenario!;
}

const ms = 1e6;
const us = 1e3;

test('fair base slice: 0.75 ms x (1 + ilog2(min(CPUs, 8))), as the kernel scales sysctl_sched_base_slice', () => {
  const want: [number, number][] = [[1, 0.75], [2, 1.5], [3, 1.5], [4, 2.25], [6, 2.25], [7, 2.25], [8, 3], [64, 3]];
  for (const [cpus, slice] of want) {
    const sc = scenario(`host { pcpus ${cpus} }`);
    assert.equal(sc.host.pools[0].timesliceNs, slice * ms, `${cpus} CPUs`);
  }
});

test('host hz: a fair slice ends at the first tick after its deadline (4 vCPU threads on 2 CPUs, r2)', () => {
  const stretches = (hz: number | undefined) => {
    const sc = scenario(`scenario { duration 200ms }
host { pcpus 2 ${hz ? `; hz ${hz}` : ''} }
vm v { vcpus 4; guest { thread spin { count 4; cpu 1s } } }`);
    if (hz === undefined) assert.equal(sc.host.hz, 250, 'default 250 Hz');
    const r = simulate(sc, { timeline: true });
    const runs = lane(r, 'host/pcpu:0').filter((x) => x[2] === 'running' && x[1] < 190 * ms);
    return runs.slice(1).map(([a, b]) => b - a);
  };
  // Base slice 1.5 ms on 2 CPUs; slices end at ticks: 4 ms at 250 Hz (r2's ~4 ms stretches),
  // 2 ms at 1000 Hz (the first tick after 1.5 ms), 10 ms at 100 Hz.
  for (const [hz, want] of [[undefined, 4 * ms], [1000, 2 * ms], [100, 10 * ms], [300, 10 * ms / 3]] as const) {
    const xs = stretches(hz);
    assert.ok(xs.length > 5, `${hz}: ${xs.length} stretches`);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(mean - want) < 0.05 * want, `${hz ?? 250} Hz: mean stretch ${mean} vs ${want}`);
  }
});

test('a wake-up notices a slice that ended between two ticks (update_curr at enqueue), without waiting for the tick', () => {
  // One CPU, 100 Hz (10 ms ticks): a hog runs alone; threads waking for the first time (no lag)
  // 5 ms into a tick period, when the hog is long past its 0.75 ms deadline, run at once: the
  // enqueue's update_curr ends the hog's slice and the earliest eligible deadline is theirs.
  const sc = scenario(`scenario { duration 100ms }
host { pcpus 1; hz 100
  load hog { cpu 100ms }
  load a { once at 5ms; cpu 100us }
  load b { once at 45ms; cpu 100us }
}`);
  const r = simulate(sc);
  for (const name of ['a', 'b']) {
    const lat = r.tasks.find((t) => t.name === name)!.latency;
    assert.equal(lat.count, 1);
    assert.equal(lat.max, 100 * us, `${name} waited ${lat.max - 100 * us} ns`);
  }
});

test('host costs: stated costs replace the measured defaults; halt polling skips the wake-up path', () => {
  const base = (costs: string) => `scenario { duration 1s }
host { pcpus 2; costs { ${costs} } }
vm v { vcpus 2; guest { parallel bar { threads 2; work 50us; rounds 1000; barrier block } } }`;
  const round = (costs: string) => {
    const r = simulate(scenario(base(costs)));
    return { round: r.regions[0].finishedAtNs / r.regions[0].rounds, polled: r.counters['halt.polled_wakeups'] ?? 0 };
  };
  const free = round('halt_exit 0; wake_exit 0; ipi 0; wake_latency 0; entry 0; halt_poll 0');
  assert.ok(Math.abs(free.round - 50 * us) < 1 * us, `no costs: ${free.round}`);
  const measured = round('halt_poll 0');
  // 50 us of work + max(wake_exit 52 + ipi 3, wake_latency 37 + entry 34) = 121 us.
  assert.ok(Math.abs(measured.round - 121 * us) < 2 * us, `defaults without polling: ${measured.round}`);
  const polled = round('');
  assert.ok(polled.polled > 900, `polled wake-ups ${polled.polled}`);
  assert.ok(polled.round < measured.round - 10 * us && polled.round > free.round, `with polling ${polled.round}`);
  const sc = scenario(base('wake_exit 7us; ipi 1us; wake_latency 2us; entry 3us; halt_exit 4us; halt_poll 50us'));
  assert.deepEqual(sc.host.costs, { haltExitNs: 4 * us, exitNs: 7 * us, ipiNs: 1 * us, wakeLatencyNs: 2 * us, entryNs: 3 * us, haltPollNs: 50 * us });
});

test('"preempted" is KVM\'s flag: a vCPU woken from a halt and waiting is steal, not preempted (no VPS330 on an idle host)', () => {
  const sc = scenario(`scenario { duration 300ms }
host { pcpus 2 }
vm v { vcpus 2; guest { parallel bar { threads 2; work 50us; rounds 2000; barrier block } } }
variant loaded { host { load hog { threads 2; cpu 1ms } }; vm v { guest { parallel bar { barrier spin } } } }`);
  const [quiet, loaded] = simulateAll(sc);
  assert.equal(quiet.regions[0].roundsWithPreemption, 0);
  assert.ok(!quiet.findings.some((f) => f.code === 'VPS330'), 'no preempted rounds on an unloaded host');
  assert.ok(loaded.regions[0].roundsWithPreemption > 0, 'host threads do preempt running vCPUs');
});

test('unfinished work at the end is counted as censored samples and reported per task', () => {
  // A FIFO hog owns the only CPU for the whole run (RT throttling gives normal threads 50 ms
  // only at the end of each second): `lat` never completes a pass.
  const sc = scenario(`scenario { duration 500ms }
host { pcpus 1
  load hog { policy fifo; cpu 10ms }
  load lat { every 1ms; cpu 10us }
}`);
  const r: VariantResult = simulate(sc);
  const lat = r.tasks.find((t) => t.name === 'lat')!.latency;
  assert.equal(lat.unfinished, 500);
  assert.equal(lat.count, 500, 'censored samples count');
  assert.ok(lat.max >= 499 * ms, `the oldest is as old as the run: ${lat.max}`);
  const hog = r.tasks.find((t) => t.name === 'hog')!.latency;
  assert.equal(hog.unfinished, 1, 'the hog pass in progress');
  const text = renderSummary('t.vps', 't', [r], { lineOf: () => 0 } as never, []);
  assert.match(text, /task\s+kind\s+measures\s+count\s+p50\s+p90\s+p99\s+max\s+mean\s+unfinished/);
  assert.match(text, /host\/lat\s+host-load\s+latency\s+500\s.*\s500\n/);
});
