/**
 * The event queue: (time, priority, insertion) order with many ties, cancellation and re-arming
 * by generation counters, bounds and polling. These are the guarantees every model relies on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, type EventHandler } from '../../server/src/sim/engine';
import { Rng, streamState } from '../../server/src/sim/rng';

function recorder(e: Engine) {
  const log: [number, number][] = [];
  const h: EventHandler = { onEvent: (arg, now) => void log.push([now, arg]) };
  return { log, id: e.register(h) };
}

test('events at the same time run in insertion order (thousands of ties)', () => {
  const e = new Engine(4);
  const { log, id } = recorder(e);
  for (let i = 0; i < 5000; i++) e.post(id, i, (i % 3) * 10); // three timestamps, many ties each
  assert.equal(e.run(Infinity), 'completed');
  const expected = [...Array(5000).keys()].sort((a, b) => (a % 3) * 10 - (b % 3) * 10 || a - b);
  assert.deepEqual(log.map((x) => x[1]), expected);
});

test('priority orders ties before the insertion sequence', () => {
  const e = new Engine();
  const { log, id } = recorder(e);
  e.post(id, 1, 5, 2);
  e.post(id, 2, 5, 0);
  e.post(id, 3, 5, 1);
  e.post(id, 4, 5, 0);
  e.run(Infinity);
  assert.deepEqual(log.map((x) => x[1]), [2, 4, 3, 1]);
});

test('random pushes, timers, re-arms and cancels match a reference model', () => {
  const rng = new Rng(streamState(42, 'engine-test'));
  const e = new Engine(2);
  const { log, id } = recorder(e);
  const timers = Array.from({ length: 50 }, (_, i) => e.timer(id, 1000 + i));
  // Reference: every scheduled item with its key; timers keep only their last arm.
  type Item = { t: number; seq: number; arg: number; live: boolean };
  const ref: Item[] = [];
  const timerItem = new Map<number, Item>();
  let seq = 0;
  for (let i = 0; i < 20000; i++) {
    const op = rng.int(10);
    const t = rng.int(1000);
    if (op < 5) {
      e.post(id, i, t);
      ref.push({ t, seq: seq++, arg: i, live: true });
    } else if (op < 9) {
      const k = rng.int(timers.length);
      e.arm(timers[k], t);
      const old = timerItem.get(k);
      if (old) old.live = false;
      const it = { t, seq: seq++, arg: 1000 + k, live: true };
      ref.push(it);
      timerItem.set(k, it);
    } else {
      const k = rng.int(timers.length);
      e.cancel(timers[k]);
      const old = timerItem.get(k);
      if (old) old.live = false;
      timerItem.delete(k);
    }
  }
  e.run(Infinity);
  const want = ref.filter((x) => x.live).sort((a, b) => a.t - b.t || a.seq - b.seq).map((x) => [x.t, x.arg]);
  assert.deepEqual(log, want);
});

test('re-arming a timer later keeps one fire at the new time; earlier replaces it', () => {
  const e = new Engine();
  const { log, id } = recorder(e);
  const t = e.timer(id, 7);
  e.arm(t, 100);
  e.arm(t, 300); // later: lazily re-queued
  e.arm(t, 200); // earlier than the queued 300 but later than the stale 100
  e.run(Infinity);
  assert.deepEqual(log, [[200, 7]]);
  assert.equal(e.events, 1, 'stale entries are not counted as events');
});

test('a cancelled timer does not fire; arming in the past throws', () => {
  const e = new Engine();
  const { log, id } = recorder(e);
  const t = e.timer(id, 1);
  e.arm(t, 50);
  e.cancel(t);
  assert.equal(e.isArmed(t), false);
  e.post(id, 2, 60);
  e.run(Infinity);
  assert.deepEqual(log, [[60, 2]]);
  assert.throws(() => e.post(id, 3, 10), RangeError);
});

test('max events stops exactly and says so; run can continue later', () => {
  const e = new Engine();
  const { log, id } = recorder(e);
  for (let i = 0; i < 100; i++) e.post(id, i, i);
  assert.equal(e.run(Infinity, { maxEvents: 40 }), 'max_events');
  assert.equal(e.events, 40);
  assert.equal(log.length, 40);
  assert.equal(e.run(Infinity), 'completed');
  assert.equal(log.length, 100);
});

test('shouldStop is polled between batches; progress is monotonic', () => {
  const e = new Engine();
  const { id } = recorder(e);
  for (let i = 0; i < 10000; i++) e.post(id, i, i);
  const seen: number[] = [];
  let polls = 0;
  const r = e.run(Infinity, { checkEvery: 1000, onProgress: (now) => seen.push(now), shouldStop: () => ++polls === 5 && 'wall_limit' });
  assert.equal(r, 'wall_limit');
  assert.equal(e.events, 5000);
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
  const e2 = new Engine();
  const r2 = recorder(e2);
  for (let i = 0; i < 10; i++) e2.post(r2.id, i, i);
  assert.equal(e2.run(Infinity, { checkEvery: 2, shouldStop: () => true }), 'cancelled');
});

test('run stops before the bound and sets now to it', () => {
  const e = new Engine();
  const { log, id } = recorder(e);
  e.post(id, 1, 10);
  e.post(id, 2, 20);
  assert.equal(e.run(20), 'completed');
  assert.deepEqual(log, [[10, 1]]);
  assert.equal(e.now, 20);
});

test('events scheduled across time scales (same instant to seconds, bursts, re-arms) come out in exact (time, key) order', () => {
  // Exercises the same-time FIFO, the near heap and the calendar (window drains, jumps over empty
  // years, re-bucketing when the density changes): the dispatch sequence must be non-decreasing in
  // (time, key) and every live event must be dispatched exactly once.
  const rng = new Rng(streamState(7, 'engine-calendar'));
  const e = new Engine(4);
  let seq = 0; // mirrors the engine's sequence: one per post and per arm
  const live = new Map<number, { t: number; key: number }>(); // by arg
  const timerKey = new Map<number, number>(); // timer index -> arg of its live arm
  let nextArg = 0;
  let lastT = -1;
  let lastKey = -1;
  let dispatched = 0;
  let budget = 60000;
  const scales = [0, 10, 1000, 50_000, 3_000_000, 2_000_000_000];
  const delay = () => {
    const s = scales[rng.int(scales.length)];
    return s === 0 ? 0 : 1 + rng.int(s);
  };
  const timers: number[] = [];
  const schedule = (now: number) => {
    if (budget <= 0) return;
    const n = rng.int(4);
    for (let i = 0; i < n && budget > 0; i++) {
      budget--;
      const at = now + delay();
      const op = rng.int(10);
      if (op < 7) {
        const arg = nextArg++;
        live.set(arg, { t: at, key: seq++ });
        e.post(id, arg, at);
      } else if (op < 9) {
        const k = rng.int(timers.length);
        const arg = nextArg++;
        const old = timerKey.get(k);
        if (old !== undefined) live.delete(old);
        live.set(arg, { t: at, key: seq++ });
        timerKey.set(k, arg);
        timerArg[k] = arg;
        e.arm(timers[k], at);
      } else {
        const k = rng.int(timers.length);
        const old = timerKey.get(k);
        if (old !== undefined) live.delete(old);
        timerKey.delete(k);
        e.cancel(timers[k]);
      }
    }
  };
  const timerArg: number[] = [];
  const check = (arg: number, now: number) => {
    const it = live.get(arg);
    assert.ok(it, `event ${arg} dispatched but not live`);
    assert.equal(it.t, now);
    assert.ok(now > lastT || (now === lastT && it.key > lastKey), `order: (${now}, ${it.key}) after (${lastT}, ${lastKey})`);
    lastT = now;
    lastKey = it.key;
    live.delete(arg);
    dispatched++;
    // Bursts: every few thousand events, a dense phase at one instant region.
    if (dispatched % 5000 < 200) for (let j = 0; j < 3; j++) schedule(now);
    schedule(now);
  };
  const id = e.register({ onEvent: (arg, now) => check(arg, now) });
  const tid = e.register({ onEvent: (k, now) => { const arg = timerArg[k]; timerKey.delete(k); check(arg, now); } });
  for (let k = 0; k < 40; k++) timers.push(e.timer(tid, k));
  for (let i = 0; i < 200; i++) schedule(0);
  e.post(id, nextArg, Infinity); // never dispatched
  live.set(nextArg++, { t: Infinity, key: seq++ });
  // Run in slices with bounds, then to the end.
  for (let until = 1000; until < 1e10; until *= 7) assert.equal(e.run(until), 'completed');
  assert.equal(e.run(Infinity), 'completed');
  assert.equal(live.size, 1, 'only the event at infinite time is left');
  assert.ok(dispatched > 40000, `dispatched ${dispatched}`);
});

test('profiling hook: wrapped handlers see every event (timers and posts) with the same order and arguments; labels name them', () => {
  const run = (wrap: boolean) => {
    const e = new Engine();
    const log: string[] = [];
    class Disk implements EventHandler {
      onEvent(arg: number, now: number) {
        log.push(`disk ${arg}@${now}`);
        if (arg < 5) e.post(dh, arg + 1, now + 3);
      }
    }
    const dh = e.register(new Disk());
    const th = e.register({ onEvent: (arg, now) => void log.push(`timer ${arg}@${now}`) });
    const named = e.register({ onEvent: () => {} }, () => 'named');
    const t = e.timer(th, 7);
    e.arm(t, 4);
    e.arm(t, 9); // re-armed later: one fire at 9
    e.post(dh, 0, 0);
    const counts = [0, 0, 0];
    if (wrap) e.wrapHandlers((id, fn) => (a, now) => (counts[id]++, fn(a, now)));
    e.run(Infinity);
    return { log, counts, labels: [0, 1, named].map((id) => e.handlerLabel(id)), events: e.events };
  };
  const plain = run(false);
  const wrapped = run(true);
  assert.deepEqual(wrapped.log, plain.log);
  assert.equal(wrapped.events, plain.events);
  assert.deepEqual(wrapped.counts, [6, 1, 0]);
  assert.equal(wrapped.labels[0], 'Disk');
  assert.match(wrapped.labels[1], /timer/);
  assert.equal(wrapped.labels[2], 'named');
});
