/** The simulation worker (dist/simWorker.js): progress, result, scenario errors, cancellation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';

const src = join(__dirname, '..', '..', 'server', 'src', 'sim', 'worker.ts');
const scenario = 'scenario { duration 2s }\nhost { pcpus 2; load hog { threads 3; cpu 1ms; sleep 100us } }\nvm v { vcpus 2; guest { thread t { count 2; every 200us; cpu 20us } } }\n';

/** The TypeScript source through tsx's CommonJS hook (dist/simWorker.js is the same code, bundled). */
function start(buf?: SharedArrayBuffer) {
  const boot = `require('tsx/cjs'); require(${JSON.stringify(src)});`;
  return new Worker(boot, { eval: true, workerData: buf ? { cancelBuffer: buf } : {} });
}

function until(w: Worker, id: number, type: string): Promise<Record<string, unknown>[]> {
  const seen: Record<string, unknown>[] = [];
  return new Promise((resolve, reject) => {
    w.on('error', reject);
    w.on('message', (m: Record<string, unknown>) => {
      if (m.id !== id) return;
      seen.push(m);
      if (m.type === type || m.type === 'error' || m.type === 'result') resolve(seen);
    });
  });
}

test('runs a scenario, reports monotonic progress, then the results', async () => {
  const w = start();
  try {
    const p = until(w, 1, 'result');
    w.postMessage({ type: 'run', id: 1, text: scenario.replace('2s', '50ms'), variant: 'all' });
    const msgs = await p;
    const last = msgs[msgs.length - 1] as { type: string; results: { name: string; counters: { events: number } }[] };
    assert.equal(last.type, 'result');
    assert.equal(last.results[0].name, 'base');
    assert.ok(last.results[0].counters.events > 0);
    const fr = msgs.filter((m) => m.type === 'progress').map((m) => m.fraction as number);
    assert.deepEqual(fr, [...fr].sort((a, b) => a - b));
  } finally {
    await w.terminate();
  }
});

test('progress: false (the sweep pool) posts no progress message, and the same results', async () => {
  const w = start();
  try {
    const text = scenario.replace('2s', '50ms');
    const quiet = until(w, 4, 'result');
    w.postMessage({ type: 'run', id: 4, text, seed: 3, timeline: false, progress: false });
    const q = await quiet;
    const loud = until(w, 5, 'result');
    w.postMessage({ type: 'run', id: 5, text, seed: 3, timeline: false });
    const l = await loud;
    assert.deepEqual(q.map((m) => m.type), ['result']);
    assert.ok(l.some((m) => m.type === 'progress'), 'progress by default');
    assert.equal(JSON.stringify(q[q.length - 1].results), JSON.stringify(l[l.length - 1].results));
  } finally {
    await w.terminate();
  }
});

test('scenario errors come back as an error with diagnostics', async () => {
  const w = start();
  try {
    const p = until(w, 2, 'error');
    w.postMessage({ type: 'run', id: 2, text: 'vm v { vcpus 2 }\n' });
    const msgs = await p;
    assert.equal(msgs[msgs.length - 1].type, 'error');
  } finally {
    await w.terminate();
  }
});

test('a shared cancel flag stops a running simulation', async () => {
  const buf = new SharedArrayBuffer(4);
  const w = start(buf);
  try {
    const p = until(w, 3, 'result');
    w.postMessage({ type: 'run', id: 3, text: scenario.replace('2s', '60s') });
    // The parent writes the id of the run to cancel (it may land before the run even starts).
    setTimeout(() => Atomics.store(new Int32Array(buf), 0, 3), 300);
    const msgs = await p;
    const last = msgs[msgs.length - 1] as { type: string; results: { stop: { reason: string } }[] };
    assert.equal(last.results[0].stop.reason, 'cancelled');
  } finally {
    await w.terminate();
  }
});
