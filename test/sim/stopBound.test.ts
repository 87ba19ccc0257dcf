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
