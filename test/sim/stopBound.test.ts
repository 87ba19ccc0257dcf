/**
 * The wall budget holds for a heavy scenario: the stop is polled while the model is built (every
 * 256 threads) and, during the run, every few ms of wall time however slow the events are (the
 * worker adapts the batch between polls). A scenario of 64 VMs x 1,024 vCPUs x 1,024 guest threads
 * takes about 18 s to set up on two loaded cores (measured here); with a 500 ms budget it must end
 * within seconds, the run reported as not run (`wall_limit`), not cut off by the shell's kill.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { analyzeDocument } from '../../server/src/model/analyze';
import { simulate, simulateAll } from '../../server/src/sim/run';
import { adaptiveBatch } from '../../server/src/sim/worker';
import { reserveMs } from '../../server/src/sim/reserve';
import fc from 'fast-check';
import { Engine } from '../../server/src/sim/engine';

function heavy(): string {
  let t = 'scenario { duration 50ms }\nhost { pcpus 1024 }\n';
  for (let i = 0; i < 64; i++) t += `vm v${i} {\n  vcpus 1024\n  guest { thread t { count 1024; every 1ms; cpu 50us } }\n}\n`;
  return t;
}

/** Generous: the machine running the tests is shared and loaded; the unpolled set-up takes 18 s. */
const BOUND_MS = 3000;

test('simulateAll: a set-up still running at the budget stops there, the run not run', () => {
  const sc = analyzeDocument(heavy()).scenario!;
  const t0 = performance.now();
  let notRun: { names: string[]; reason: string } | undefined;
  const rs = simulateAll(sc, { variants: 'base', shouldStop: () => (performance.now() - t0 > 300 ? 'wall_limit' : false), onNotRun: (names, reason) => (notRun = { names, reason }) });
  const ms = performance.now() - t0;
  assert.deepEqual(rs, []);
  assert.deepEqual(notRun, { names: ['base'], reason: 'wall_limit' });
  assert.ok(ms < BOUND_MS, `returned ${ms.toFixed(0)} ms after the start (budget 300 ms)`);
});

test('with a timeline, the set-up polls while it makes a lane per guest thread (found by attack9)', () => {
  // 262,144 guest threads with --html: making their lanes took 6-8 s on two loaded cores without
  // a poll, so a 10 s or 20 s --wall-ms ended in the worker's kill ("nothing simulated").
  const sc = analyzeDocument('scenario { duration 1ms }\nhost { pcpus 64 }\nvm v {\n  vcpus 64\n  guest { thread t { count 65536; every 1ms; cpu 1us } }\n}\n').scenario!;
  const pollsBeforeRun = (timeline: boolean) => {
    let polls = 0;
    let first = -1;
    simulate(sc, { timeline, maxEvents: 1, checkEvery: 1, shouldStop: () => ((polls++, false)), onPhase: (phase) => phase === 'run' && (first = polls) });
    return first;
  };
  const without = pollsBeforeRun(false);
  const withTimeline = pollsBeforeRun(true);
  assert.ok(withTimeline - without >= 65536 / 256 - 1, `set-up polls: ${without} without a timeline, ${withTimeline} with`);
});

test('the sim worker with --wall-ms 500 on the heavy scenario: started, stopping, then the result, within the bound', async () => {
  const src = join(__dirname, '..', '..', 'server', 'src', 'sim', 'worker.ts');
  const w = new Worker(`require('tsx/cjs'); require(${JSON.stringify(src)});`, { eval: true, workerData: { cancelBuffer: new SharedArrayBuffer(8) } });
  try {
    const answer = (id: number) =>
      new Promise<{ types: string[]; last: Record<string, unknown> }>((resolve, reject) => {
        const types: string[] = [];
        w.on('error', reject);
        w.on('message', (m: Record<string, unknown>) => {
          if (m.id !== id || m.type === 'progress') return;
          types.push(m.type as string);
          if (m.type === 'result' || m.type === 'error') resolve({ types, last: m });
        });
      });
    // Load the worker's modules first (tsx compiles them): the bound is about the run.
    const warm = answer(1);
    w.postMessage({ type: 'run', id: 1, text: 'scenario { duration 1ms }\nhost { pcpus 1 }\nvm v { vcpus 1 }\n' });
    await warm;
    const p = answer(2);
    const t0 = performance.now();
    w.postMessage({ type: 'run', id: 2, text: heavy(), wallMs: 500, announceStop: true, timeline: false });
    const { types, last } = await p;
    const ms = performance.now() - t0;
    assert.deepEqual(types, ['started', 'stopping', 'result']);
    assert.deepEqual(last.results, []);
    assert.deepEqual(last.notRun, { names: ['base'], reason: 'wall_limit' });
    assert.ok(ms < BOUND_MS + 500, `answered ${ms.toFixed(0)} ms after the request (budget 500 ms, after the scenario's check)`);
  } finally {
    await w.terminate();
  }
});

test('adaptiveBatch: slow events shrink the batch to a poll every few ms; fast ones grow it back to 4,096', () => {
  let now = 0;
  const next = adaptiveBatch(() => now);
  assert.equal(next(), 4096); // first poll: nothing measured yet
  // 4,096 events took 340 ms.
  now += 340;
  const b = next();
  assert.ok(b * (340 / 4096) <= 25, `next batch ${b} events, ${((b * 340) / 4096).toFixed(1)} ms`);
  // Events get fast again: the batch doubles per quick poll, up to 4,096.
  let last = b;
  for (let i = 0; i < 20; i++) {
    now += 1;
    last = next();
  }
  assert.equal(last, 4096);
  // Never below 16 events, whatever the gap.
  now += 1e6;
  assert.equal(next(), 16);
});

test('Engine.run asks checkEvery after every poll; the polls change no result', () => {
  const sizes = [3, 5, 7];
  const e = new Engine();
  const h = e.registerFn((_a, now) => e.post(h, 0, now + 10));
  e.post(h, 0, 0);
  const at: number[] = [];
  let k = 0;
  // The first batch is the default 4,096 (no number given), then what checkEvery says.
  e.run(100_000, { shouldStop: () => (at.push(e.events), false), checkEvery: () => sizes[k++ % 3] });
  assert.deepEqual(at.slice(0, 5), [4096, 4099, 4104, 4111, 4114]);

  const sc = analyzeDocument('scenario { duration 20ms; seed 5 }\nhost { pcpus 2; load hog { threads 3; cpu 1ms; sleep 100us } }\nvm v { vcpus 2; guest { thread t { count 2; every 200us; cpu 20us } } }\n').scenario!;
  const plain = simulate(sc, {});
  const polled = simulate(sc, { shouldStop: () => false, checkEvery: adaptiveBatch(() => performance.now(), 7) });
  assert.ok(plain.counters.events > 1000);
  assert.equal(JSON.stringify(polled), JSON.stringify(plain));
});

// ---- The part of the budget kept for the work after a stop (sim/worker.ts `reserveMs`).

const BUSY = 'scenario { duration 40ms; seed 2 }\nhost { pcpus 2; load hog { threads 3; cpu 1ms; sleep 100us } }\nvm v { vcpus 4; guest { thread t { count 8; every 200us; cpu 20us } } }\n';

test('shouldStop sees what the run has recorded so far: lanes, intervals with a timeline, latency samples; simulateAll adds the runs done', () => {
  const sc = analyzeDocument(BUSY + 'variant b { vm v { vcpus 2 } }\n').scenario!;
  const seen: { lanes: number; intervals: number; samples: number }[] = [];
  simulate(sc, { timeline: true, checkEvery: 128, shouldStop: (s) => (s && seen.push(s), false) });
  assert.ok(seen.length > 5, `${seen.length} polls`);
  const lastOne = seen[seen.length - 1];
  assert.ok(lastOne.lanes >= 4 + 8 + 3, `lanes ${lastOne.lanes}`);
  assert.ok(lastOne.intervals > 1000 && lastOne.samples > 100, JSON.stringify(lastOne));
  for (let i = 1; i < seen.length; i++) {
    assert.ok(seen[i].intervals >= seen[i - 1].intervals && seen[i].samples >= seen[i - 1].samples, `poll ${i} went back`);
  }
  // Without a timeline no interval is recorded.
  const noTl: number[] = [];
  simulate(sc, { checkEvery: 128, shouldStop: (s) => (s && noTl.push(s.intervals), false) });
  assert.ok(noTl.length > 0 && noTl.every((n) => n === 0));
  // Two runs: the second one's polls include the first's final size.
  const all: { lanes: number; intervals: number; samples: number }[] = [];
  const rs = simulateAll(sc, { timeline: true, checkEvery: 128, shouldStop: (s) => (s && all.push(s), false) });
  assert.deepEqual(rs.map((r) => r.name), ['base', 'b']);
  const firstMax = Math.max(...seen.map((s) => s.intervals));
  const later = all.filter((s) => s.intervals > firstMax);
  assert.ok(later.length > 0, 'no poll of the second run counted the first run');
  assert.ok(all[all.length - 1].lanes > lastOne.lanes, 'lanes of both runs');
});

test('reserveMs: the CPU estimate scaled by wall per CPU (at least 1), at most 90% of the budget', () => {
  const r = { fixedMs: 10, perLaneUs: 10, perIntervalUs: 0.5, perSampleUs: 0.1 };
  const size = { lanes: 1000, intervals: 2_000_000, samples: 100_000 };
  // 10 + (10,000 + 1,000,000 + 10,000) us = 1,030 ms
  assert.equal(reserveMs(r, size, 1, 100_000), 1030);
  assert.equal(reserveMs(r, size, 0.5, 100_000), 1030); // more CPU than wall (GC threads): not less
  assert.equal(reserveMs(r, size, 3, 100_000), 3090); // a loaded machine: the work after waits as the run did
  assert.equal(reserveMs(r, size, 3, 2000), 1800); // the run keeps a tenth of the budget
  fc.assert(
    fc.property(fc.nat(1e7), fc.nat(1e7), fc.nat(1e5), fc.double({ min: 0, max: 20, noNaN: true }), fc.integer({ min: 1, max: 1e6 }), (iv, sm, ln, slow, budget) => {
      const a = reserveMs(r, { lanes: ln, intervals: iv, samples: sm }, slow, budget);
      const b = reserveMs(r, { lanes: ln, intervals: iv + 1000, samples: sm }, slow, budget);
      return a >= 0 && a <= 0.9 * budget && b >= a;
    }),
  );
});

test('the sim worker keeps part of the budget for the outputs: it stops before the budget and says how much it kept', async () => {
  const src = join(__dirname, '..', '..', 'server', 'src', 'sim', 'worker.ts');
  const w = new Worker(`require('tsx/cjs'); require(${JSON.stringify(src)});`, { eval: true, workerData: { cancelBuffer: new SharedArrayBuffer(8) } });
  try {
    const answer = (id: number) =>
      new Promise<{ msgs: Record<string, unknown>[]; at: Record<string, number> }>((resolve, reject) => {
        const msgs: Record<string, unknown>[] = [];
        const at: Record<string, number> = {};
        w.on('error', reject);
        w.on('message', (m: Record<string, unknown>) => {
          if (m.id !== id || m.type === 'progress') return;
          msgs.push(m);
          at[m.type as string] = performance.now();
          if (m.type === 'result' || m.type === 'error') resolve({ msgs, at });
        });
      });
    const warm = answer(1);
    w.postMessage({ type: 'run', id: 1, text: 'scenario { duration 1ms }\nhost { pcpus 1 }\nvm v { vcpus 1 }\n' });
    await warm;
    const long = BUSY.replace('duration 40ms', 'duration 1000s');
    const run = async (id: number, reserve?: object) => {
      const p = answer(id);
      const t0 = performance.now();
      w.postMessage({ type: 'run', id, text: long, wallMs: 1500, announceStop: true, timeline: true, transferTimelines: true, reserve });
      const { msgs, at } = await p;
      return { stopping: msgs.find((m) => m.type === 'stopping')!, stopMs: at.stopping - t0 };
    };
    // 20 us per interval: the reserve reaches most of the budget within a few hundred ms of run.
    const kept = await run(2, { fixedMs: 50, perLaneUs: 0, perIntervalUs: 20, perSampleUs: 0 });
    assert.equal(kept.stopping.reason, 'wall_limit');
    const reserved = kept.stopping.reservedMs as number;
    assert.ok(reserved > 300 && reserved <= 0.9 * 1500 + 1, `reservedMs ${reserved}`);
    assert.ok(kept.stopMs < 1500, `stopped ${kept.stopMs.toFixed(0)} ms after the request (budget 1,500 ms)`);
    const none = await run(3);
    assert.equal(none.stopping.reason, 'wall_limit');
    assert.equal(none.stopping.reservedMs, undefined);
    assert.ok(none.stopMs >= 1500, `without a reserve it runs to the budget (${none.stopMs.toFixed(0)} ms)`);
  } finally {
    await w.terminate();
  }
});
