/**
 * Lowering: small scenarios and the IR values they must produce, defaults included (the
 * simulator never guesses, so every default is pinned here).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../../server/src/model/analyze';
import type { Scenario } from '../../server/src/model/ir';

const MS = 1e6;
const US = 1e3;

/** Analyses a scenario that must be free of errors and returns its IR. */
function lowerOk(text: string): Scenario {
  const a = analyzeDocument(text, { uri: 'file:///tmp/lowered.vps' });
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map((d) => `${d.code} ${d.message}`), []);
  assert.ok(a.scenario, 'scenario lowered');
  return a.scenario!;
}

test('run settings defaults and the title from the file name', () => {
  const s = lowerOk('host { pcpus 2 }');
  assert.equal(s.title, 'lowered');
  assert.deepEqual({ ...s.settings, range: undefined }, { range: undefined, durationNs: 1e9, warmupNs: 0, seed: 1, maxEvents: 100e6, wallLimitMs: 60000, stallThresholdNs: 1 * MS });
  assert.deepEqual(s.vms, []);
  assert.deepEqual(s.variants, []);
});

test('run settings as written, with units', () => {
  const s = lowerOk('scenario "t" { duration 2.5s; warmup 100ms; seed 42; max_events 10M; wall_limit 30s; stall_threshold 250us }\nhost { pcpus 1 }');
  assert.equal(s.title, 't');
  assert.equal(s.settings.durationNs, 2.5e9);
  assert.equal(s.settings.warmupNs, 100 * MS);
  assert.equal(s.settings.seed, 42);
  assert.equal(s.settings.maxEvents, 10e6);
  assert.equal(s.settings.wallLimitMs, 30000);
  assert.equal(s.settings.stallThresholdNs, 250 * US);
});

test('no pool written: one implicit Pool-0 with every pCPU and the host scheduler', () => {
  const s = lowerOk('host { pcpus 4 }');
  assert.equal(s.host.sched, 'fair');
  assert.equal(s.host.pools.length, 1);
  const p = s.host.pools[0];
  assert.deepEqual([p.name, p.implicit, p.cpus, p.sched], ['Pool-0', true, [0, 1, 2, 3], 'fair']);
  // fair base slice: 0.75 ms x (1 + log2(min(4, 8))) = 2.25 ms; no rate limit.
  assert.equal(p.timesliceNs, 2.25 * MS);
  assert.equal(p.ratelimitNs, 0);
  assert.deepEqual(s.host.freeCpus, []);
});

test('pools without Pool-0: Pool-0 implicitly holds the rest, first in the list', () => {
  const s = lowerOk('host { pcpus 8; sched credit2; pool fast { cpus 4-7; sched credit } }');
  assert.deepEqual(s.host.pools.map((p) => [p.name, p.implicit, p.cpus, p.sched]), [
    ['Pool-0', true, [0, 1, 2, 3], 'credit2'],
    ['fast', false, [4, 5, 6, 7], 'credit'],
  ]);
  const [p0, fast] = s.host.pools;
  assert.deepEqual([p0.timesliceNs, p0.ratelimitNs, p0.minSliceNs, p0.resetCreditNs, p0.capPeriodNs], [10 * MS, 1 * MS, 0.5 * MS, 10 * MS, 10 * MS]);
  assert.deepEqual([fast.timesliceNs, fast.ratelimitNs, fast.tickNs], [30 * MS, 1 * MS, 10 * MS]);
});

test('CPU lists: spans, exclusions, all, exclusion-only means all but', () => {
  const s = lowerOk('host { pcpus 16; sched credit; pool a { cpus 1,5,10-13,15,^13 }; pool b { cpus ^0-13,^15 } }');
  assert.deepEqual(s.host.pools.find((p) => p.name === 'a')!.cpus, [1, 5, 10, 11, 12, 15]);
  // Exclusions alone start from every CPU.
  assert.deepEqual(s.host.pools.find((p) => p.name === 'b')!.cpus, [14]);
  const t = lowerOk('host { pcpus 4 }\nvm v { vcpus 1; cpus ^0 }\nvm w { vcpus 1; cpus all }');
  assert.deepEqual(t.vms[0].cpus, [1, 2, 3]);
  assert.deepEqual(t.vms[1].cpus, [0, 1, 2, 3]);
});

test('VM defaults', () => {
  const s = lowerOk('host { pcpus 4 }\nvm a { vcpus 2 }');
  const v = s.vms[0];
  assert.deepEqual(
    { name: v.name, vcpus: v.vcpus, pool: v.pool, cpus: v.cpus, cpusSoft: v.cpusSoft, pin: v.pin, weight: v.weight, cap: v.capPercent, nice: v.nice, policy: v.policy, rt: v.rtPriority, dom0: v.dom0 },
    { name: 'a', vcpus: 2, pool: 'Pool-0', cpus: [0, 1, 2, 3], cpusSoft: [0, 1, 2, 3], pin: 'shared', weight: 256, cap: 0, nice: 0, policy: 'normal', rt: 50, dom0: false },
  );
  assert.equal(v.openhcl, undefined);
  assert.deepEqual({ ...v.boost, range: undefined }, {
    range: undefined, mode: 'off', trigger: 'injection', interrupts: ['timer', 'nmi', 'smi', 'pv_unhalt'], guestRequests: true, preemptLimitNs: 3 * MS, unboostCostNs: 2 * US, guestUnboosts: true, rtPriority: 8, nested: false,
  });
  const g = v.guest;
  assert.deepEqual(g.residence, { kind: 'exp', mean: 1 * MS });
  assert.equal(g.sliceNs, 3 * MS);
  assert.equal(g.stealTime, true);
  assert.deepEqual({ ...g.ple, range: undefined }, { range: undefined, enabled: true, windowNs: 1500, grow: 2, maxWindowNs: 24 * US, directedYield: true });
});

test('VM in a pool: affinity defaults to the pool, soft affinity to the hard one', () => {
  const s = lowerOk('host { pcpus 8; sched credit; pool p { cpus 4-7 } }\nvm a { vcpus 2; pool p; cpu_weight 512; cap 150% }\nvm b { vcpus 1; pool p; cpus 5-6; cpus_soft 5 }');
  const [a, b] = s.vms;
  assert.deepEqual([a.pool, a.cpus, a.cpusSoft, a.weight, a.capPercent], ['p', [4, 5, 6, 7], [4, 5, 6, 7], 512, 150]);
  assert.deepEqual([b.cpus, b.cpusSoft], [[5, 6], [5]]);
});

test('OpenHCL defaults: backend, identity VP map, storvsp queue depth and channel spread', () => {
  const s = lowerOk('host { pcpus 8 }\nvm a { vcpus 8; openhcl { storvsp s { sub_channels 3; disk d { latency 1ms } }; netvsp n { sub_channels 64 } } }');
  const oh = s.vms[0].openhcl!;
  assert.deepEqual([oh.backend, oh.ioUringCancel, oh.arch, oh.isolation, oh.ioRingSize], ['threadpool', true, 'x64', 'none', 256]);
  assert.deepEqual(oh.vpCpuMap, [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(oh.sidecar, undefined);
  const c = oh.storvsp[0];
  // min(8 x VPs, 256) = 64; 4 channels spread over 8 VPs: 0, 2, 4, 6.
  assert.deepEqual([c.subChannels, c.subChannelsWritten, c.ioQueueDepth, c.pollModeQueueDepth, c.interrupts, c.channelVps], [3, 3, 64, 1, true, [0, 2, 4, 6]]);
  assert.deepEqual(c.disks.map((d) => [d.name, d.latency]), [['d', { kind: 'fixed', value: 1 * MS }]]);
  // NIC subchannels clamp to min(32, VPs).
  assert.deepEqual([oh.netvsp[0].subChannels, oh.netvsp[0].subChannelsWritten], [8, 64]);
});

test('storvsp: sub-channels clamp to VPs and 256, queue depth to 256, interrupts off puts channels on VP 0', () => {
  const s = lowerOk('host { pcpus 4 }\nvm a { vcpus 300; openhcl { storvsp s { sub_channels 1000 }; storvsp t { sub_channels 2; interrupts off; channel_vps 5 } } }');
  const [c, t] = s.vms[0].openhcl!.storvsp;
  assert.deepEqual([c.subChannels, c.subChannelsWritten, c.ioQueueDepth], [256, 1000, 256]);
  assert.equal(c.channelVps.length, 257);
  assert.deepEqual(t.channelVps, [0, 0, 0]);
  const u = lowerOk('host { pcpus 4 }\nvm a { vcpus 2; openhcl { storvsp s { sub_channels 9 } } }').vms[0].openhcl!.storvsp[0];
  assert.deepEqual([u.subChannels, u.subChannelsWritten, u.ioQueueDepth, u.channelVps], [1, 9, 16, [0, 1]]);
  // Listed VPs first; the rest spread over the VPs not listed (at most one channel per VP).
  const w = lowerOk('host { pcpus 4 }\nvm a { vcpus 4; openhcl { storvsp s { sub_channels 3; channel_vps 3,2 } } }').vms[0].openhcl!.storvsp[0];
  assert.deepEqual(w.channelVps, [3, 2, 0, 1]);
  // sub_channels 4 on 4 VPs: 4 channels, one per VP (not 0,0,1,2).
  const x = lowerOk('host { pcpus 4 }\nvm a { vcpus 4; openhcl { storvsp s { sub_channels 4 } } }').vms[0].openhcl!.storvsp[0];
  assert.deepEqual([x.subChannels, x.channelVps], [3, [0, 1, 2, 3]]);
});

test('tasks: targeting, retargets sorted by time, programs with triggers and steps', () => {
  const s = lowerOk(`host { pcpus 4 }
vm a {
  vcpus 4
  openhcl {
    task t {
      target_vp 2; run_on_target on
      retarget_vp 3 at 20ms; retarget_vp 1 at 10ms
      inspect_every exp 100ms
      rate 20k/s; start 1ms; count 10
      cpu 20us; io exp 100us; syscall normal 1ms 100us; intercept 2us; root_op mmio 5us; get 1ms; get 2ms async; wait_vp_ready; sleep uniform 1us..3us
    }
    task u { runs_on dedicated; every 1ms; cpu bimodal 10us 1ms 2% }
    task w { once at 5ms; passes 1; cpu 1us }
    task x { cpu 1us }
  }
}`);
  const [t, u, w, x] = s.vms[0].openhcl!.tasks;
  assert.deepEqual([t.targetVp, t.runOnTarget, t.runsOn], [2, true, 'vp']);
  assert.deepEqual(t.retargets.map((r) => [r.atNs, r.vp]), [[10 * MS, 1], [20 * MS, 3]]);
  assert.deepEqual(t.inspectEvery, { kind: 'exp', mean: 100 * MS });
  assert.deepEqual(t.program.trigger, { kind: 'poisson', ratePerSec: 20000 });
  assert.equal(t.program.startNs, 1 * MS);
  assert.equal(t.program.count, 10);
  assert.deepEqual(t.program.steps.map((st) => { const { range, ...rest } = st; void range; return rest; }), [
    { kind: 'cpu', dur: { kind: 'fixed', value: 20 * US } },
    { kind: 'io', latency: { kind: 'exp', mean: 100 * US } },
    { kind: 'syscall', dur: { kind: 'normal', mean: 1 * MS, sd: 100 * US } },
    { kind: 'intercept', dur: { kind: 'fixed', value: 2 * US } },
    { kind: 'root_op', op: 'mmio', dur: { kind: 'fixed', value: 5 * US } },
    { kind: 'get', dur: { kind: 'fixed', value: 1 * MS }, blocking: true },
    { kind: 'get', dur: { kind: 'fixed', value: 2 * MS }, blocking: false },
    { kind: 'wait_vp_ready' },
    { kind: 'sleep', dur: { kind: 'uniform', lo: 1 * US, hi: 3 * US } },
  ]);
  assert.deepEqual([u.targetVp, u.runOnTarget, u.runsOn, u.program.trigger], [undefined, false, 'dedicated', { kind: 'periodic', period: { kind: 'fixed', value: 1 * MS } }]);
  assert.deepEqual(u.program.steps[0], { kind: 'cpu', dur: { kind: 'bimodal', a: 10 * US, b: 1 * MS, p: 0.02 }, range: u.program.steps[0].range });
  assert.deepEqual([w.program.trigger, w.program.count], [{ kind: 'once', atNs: 5 * MS }, 1]);
  assert.deepEqual([x.program.trigger, x.program.startNs, x.program.count], [{ kind: 'loop' }, 0, undefined]);
  // Every step points back at its statement.
  const text = analyzeDocument('host { pcpus 1 }\nvm a { vcpus 1; openhcl { task t { cpu 20us } } }').scenario!.vms[0].openhcl!.tasks[0].program.steps[0];
  assert.ok(text.range.end > text.range.start);
});

test('sidecar defaults', () => {
  const sc = lowerOk('host { pcpus 4 }\nvm a { vcpus 4; openhcl { sidecar } }').vms[0].openhcl!.sidecar!;
  assert.deepEqual({ ...sc, range: undefined }, { range: undefined, hotplug: true, onlineCost: { kind: 'fixed', value: 2 * MS }, blackout: { kind: 'fixed', value: 100 * US }, baseCpu: 0, linuxVps: [0] });
});

test('guest: threads, locks, parallel regions, ioloads, intercepts, irqs with defaults', () => {
  const s = lowerOk(`host { pcpus 4 }
vm a {
  vcpus 4
  openhcl { storvsp c { disk d { latency 1ms } } }
  guest {
    lock l
    lock m { kind mutex }
    thread t { cpu 1ms; lock l 5us; disk_io c d; exit pio 2us; rtc_write }
    thread r { count 4; vcpus 0-1; rt on; every 500us; passes 3; cpu 10us }
    parallel p { work 100us }
    parallel q { work 100us; barrier block; threads 2; rounds 5; dop adaptive; spin_mode kernel }
    ioload io { disk c d; depth 8 }
    ioload op { disk c d; rate 10k/s; vcpus 3 }
    intercept x { rate 1k/s; duration 5us }
    irq i { rate 2k/s }
  }
}`);
  const g = s.vms[0].guest;
  assert.deepEqual(g.locks.map((l) => [l.name, l.kind, l.mode]), [['l', 'spin', 'kernel'], ['m', 'mutex', 'kernel']]);
  const [t, r] = g.threads;
  assert.deepEqual([t.count, t.vcpus, t.rt, t.program.trigger], [1, [0, 1, 2, 3], false, { kind: 'loop' }]);
  assert.deepEqual(t.program.steps.map((x) => x.kind), ['cpu', 'lock', 'disk_io', 'exit', 'rtc_write']);
  // In a thread, `count` is the number of threads; `passes` limits the passes.
  assert.deepEqual([r.count, r.vcpus, r.rt, r.program.count], [4, [0, 1], true, 3]);
  const [p, q] = g.parallel;
  assert.deepEqual([p.threads, p.rounds, p.barrier, p.dop, p.spinMode, p.spinLimitNs], [4, 1000, 'spin', 'fixed', 'user', Number.MAX_SAFE_INTEGER]);
  assert.deepEqual([q.threads, q.rounds, q.barrier, q.dop, q.spinMode, q.spinLimitNs], [2, 5, 'block', 'adaptive', 'kernel', 0]);
  assert.deepEqual(g.ioloads.map((i) => [i.name, i.controller, i.disk, i.depth, i.ratePerSec, i.vcpus]), [
    ['io', 'c', 'd', 8, undefined, [0, 1, 2, 3]],
    ['op', 'c', 'd', undefined, 10000, [3]],
  ]);
  assert.deepEqual(g.intercepts.map((i) => [i.ratePerSec, i.dur, i.vcpus]), [[1000, { kind: 'fixed', value: 5 * US }, [0, 1, 2, 3]]]);
  assert.deepEqual(g.irqs.map((i) => [i.ratePerSec, i.kind, i.maskedFraction, i.maskedWindow, i.vcpus]), [[2000, 'device', 0, { kind: 'fixed', value: 50 * US }, [0, 1, 2, 3]]]);
});

test('guest locks: mode user or kernel (the default applied)', () => {
  const s = lowerOk('host { pcpus 2 }\nvm a { vcpus 2; guest { lock u { kind spin; mode user }; lock k { kind ticket; mode kernel }; lock d } }');
  assert.deepEqual(s.vms[0].guest.locks.map((l) => [l.name, l.kind, l.mode]), [['u', 'spin', 'user'], ['k', 'ticket', 'kernel'], ['d', 'spin', 'kernel']]);
});

test('sidecar linux_vps: VP indices of the VM, checked against vcpus (not pCPUs)', () => {
  const sc = lowerOk('host { pcpus 64 }\nvm a { vcpus 8; openhcl { sidecar { linux_vps 0-1,6; base_cpu 6 } } }').vms[0].openhcl!.sidecar!;
  assert.deepEqual([sc.linuxVps, sc.baseCpu], [[0, 1, 6], 6]);
  assert.deepEqual(lowerOk('host { pcpus 2 }\nvm a { vcpus 4; openhcl { sidecar { linux_vps all } } }').vms[0].openhcl!.sidecar!.linuxVps, [0, 1, 2, 3]);
  const a = analyzeDocument('host { pcpus 64 }\nvm a { vcpus 4; openhcl { sidecar { linux_vps 0,8 } } }');
  const d = a.diagnostics.find((x) => x.severity === 'error');
  assert.equal(d?.code, 'VPS115', 'a VP index beyond vcpus is an error, even below pcpus');
  assert.deepEqual(a.scenario!.vms[0].openhcl!.sidecar!.linuxVps, [0]);
});

test('host loads', () => {
  const s = lowerOk('host { pcpus 4; load a { cpu 1ms }; load b { threads 3; cpus 2-3; policy fifo; rt_priority 70; every 10ms; cpu 1ms } }');
  const [a, b] = s.host.loads;
  assert.deepEqual([a.threads, a.cpus, a.policy, a.nice, a.rtPriority, a.program.trigger], [1, [0, 1, 2, 3], 'normal', 0, 50, { kind: 'loop' }]);
  assert.deepEqual([b.threads, b.cpus, b.policy, b.rtPriority], [3, [2, 3], 'fifo', 70]);
});

test('boost dynamic as written', () => {
  const b = lowerOk('host { pcpus 4 }\nvm a { vcpus 2; boost dynamic { trigger pending; interrupts timer,ipi; preempt_limit 0; guest_unboosts off; nested on } }').vms[0].boost;
  assert.deepEqual([b.mode, b.trigger, b.interrupts, b.preemptLimitNs, b.guestUnboosts, b.nested], ['dynamic', 'pending', ['timer', 'ipi'], 0, false, true]);
});

test('an invalid value falls back to the default; a VM without vcpus is left out; no host, no scenario', () => {
  const a = analyzeDocument('host { pcpus 4 }\nvm a { vcpus 2; cpu_weight 0 }\nvm b { cpus 1 }');
  assert.ok(a.diagnostics.some((d) => d.severity === 'error'));
  assert.deepEqual(a.scenario!.vms.map((v) => [v.name, v.weight]), [['a', 256]]);
  assert.equal(analyzeDocument('vm a { vcpus 1 }').scenario, undefined);
  assert.equal(analyzeDocument('host { pcpus 0 }').scenario, undefined);
  assert.equal(analyzeDocument('').scenario, undefined);
});

test('a duplicate declaration does not become a second object', () => {
  const a = analyzeDocument('host { pcpus 4 }\nvm a { vcpus 2 }\nvm a { vcpus 3 }');
  assert.deepEqual(a.scenario!.vms.map((v) => v.vcpus), [2]);
});

test('every IR object points back at its statement', () => {
  const text = 'host { pcpus 4; pool p { cpus 1 } }\nvm web { vcpus 2; pool p }';
  const s = lowerOk(text);
  assert.equal(text.slice(s.vms[0].range.start, s.vms[0].range.end), 'vm web { vcpus 2; pool p }');
  assert.equal(text.slice(s.host.pools[1].range.start, s.host.pools[1].range.end), 'pool p { cpus 1 }');
  assert.deepEqual(s.host.pools[0].range, { start: 0, end: 0 });
});

test('OpenHCL additions lower: io_ring, spawned_on, is_vp_ready, disk backend and NVMe queues, VM-wide scsi_sub_channels', () => {
  const s = lowerOk(`host { pcpus 4 }
vm a {
  vcpus 4
  openhcl {
    scsi_sub_channels 2
    task t { io_ring current; spawned_on 2; is_vp_ready; io 10us }
    task u { io 10us }
    storvsp s { disk n { latency 100us; backend disk_nvme; nvme_queues 2 }; disk b { latency 1ms; backend disk_blockdevice } }
    storvsp own { sub_channels 1; disk x { latency 1ms } }
  }
}`);
  const oh = s.vms[0].openhcl!;
  assert.deepEqual([oh.tasks[0].ioRing, oh.tasks[0].spawnedOn, oh.tasks[0].program.steps[0].kind], ['current', 2, 'is_vp_ready']);
  assert.deepEqual([oh.tasks[1].ioRing, oh.tasks[1].spawnedOn], [undefined, undefined]);
  const [c, own] = oh.storvsp;
  assert.deepEqual([c.disks[0].backend, c.disks[0].nvmeQueues, c.disks[1].backend], ['disk_nvme', 2, undefined]);
  assert.deepEqual([oh.scsiSubChannels, c.subChannels, c.subChannelsVmWide, own.subChannels, own.subChannelsVmWide], [2, 2, true, 1, undefined]);
});
