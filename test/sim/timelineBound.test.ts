/**
 * The timeline a run records is bounded (sim/record.ts `MAX_TIMELINE_INTERVALS`): about one
 * interval per event, so a busy scenario at the default `max_events` (100M) recorded ~100M
 * intervals and `simulate --timeline --json` needed ~11 GB. At the bound the timeline ends, the
 * run stops at its next poll with `timeline_limit`, and the JSON stays valid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../../server/src/model/analyze';
import { simulate, simulateAll } from '../../server/src/sim/run';
import { simulateAllCapped } from '../../server/src/analysis/run';
import { MAX_TIMELINE_INTERVALS } from '../../server/src/sim/record';
import { LineIndex } from '../../server/src/core/text';
import { toRunJson } from '../../server/src/report/simulation';
import { assertValid } from '../schemas/validate';

const BUSY = `scenario { duration 1s }
host { pcpus 2; load hog { threads 4; cpu 1us; sleep 1us } }
vm v { vcpus 2; guest { thread t { count 4; cpu 1us; sleep 1us } } }
variant other { host { load hog { threads 3 } } }
`;

function scenario(text = BUSY) {
  const a = analyzeDocument(text, { uri: 'busy.vps' });
  assert.ok(a.scenario, JSON.stringify(a.diagnostics.filter((d) => d.severity === 'error')));
  return a.scenario;
}

const intervals = (r: ReturnType<typeof simulate>) => r.timeline!.lanes.reduce((n, l) => n + l.intervals.length / 4, 0);

test('the default bound is 8,000,000 intervals, above the largest benchmarked view (4.1M)', () => {
  assert.equal(MAX_TIMELINE_INTERVALS, 8_000_000);
});

test('a run that reaches the interval bound stops with timeline_limit; its timeline ends at the cut, every lane covered up to it', () => {
  const cap = 5000;
  const r = simulate(scenario(), { timeline: true, maxTimelineIntervals: cap });
  assert.equal(r.stop.reason, 'timeline_limit');
  const tl = r.timeline!;
  const n = intervals(r);
  // The cut closes each lane's open interval once: at most one more per lane.
  assert.ok(n >= cap && n <= cap + tl.lanes.length, `${n} intervals for a bound of ${cap} and ${tl.lanes.length} lanes`);
  assert.ok(tl.endNs > 0 && tl.endNs <= r.stop.simulatedNs, `timeline end ${tl.endNs}, run end ${r.stop.simulatedNs}`);
  for (const l of tl.lanes) {
    if (l.intervals.length === 0) continue;
    const lastEnd = l.intervals[l.intervals.length - 3];
    assert.equal(lastEnd, tl.endNs, `lane ${l.id} ends at ${lastEnd}, not at the cut ${tl.endNs}`);
    for (let i = 0; i < l.intervals.length; i += 4) assert.ok(l.intervals[i + 1] <= tl.endNs);
  }
  // Deterministic: the bound counts intervals, not time.
  const again = simulate(scenario(), { timeline: true, maxTimelineIntervals: cap });
  assert.deepEqual(again.stop, r.stop);
  assert.equal(intervals(again), n);
});

test('the bound holds for all variants together, shared evenly: variants cut by it are cut at about the same time', () => {
  const cap = 6000;
  const rs = simulateAll(scenario(), { timeline: true, maxTimelineIntervals: cap });
  assert.deepEqual(
    rs.map((r) => [r.name, r.stop.reason]),
    [
      ['base', 'timeline_limit'],
      ['other', 'timeline_limit'],
    ],
  );
  const lanes = rs[0].timeline!.lanes.length;
  for (const r of rs) assert.ok(intervals(r) >= cap / 2 && intervals(r) <= cap / 2 + lanes, `${r.name}: ${intervals(r)} intervals for half of ${cap}`);
  const [a, b] = rs.map((r) => r.timeline!.endNs);
  assert.ok(Math.abs(a - b) < 0.5 * Math.max(a, b), `cut at ${a} and ${b} ns`);
  // Under its share, a variant is not cut.
  const short = scenario(BUSY.replace('duration 1s', 'duration 1ms'));
  const one = simulateAll(short, { timeline: true, variants: ['base'] });
  assert.equal(one[0].stop.reason, 'completed');
  const both = simulateAll(short, { timeline: true, maxTimelineIntervals: 2 * intervals(one[0]) + 2 * lanes });
  assert.deepEqual(both.map((r) => r.stop.reason), ['completed', 'completed']);
  const plain = simulate(scenario(), { maxTimelineIntervals: 3000, maxEvents: 20000 });
  assert.equal(plain.stop.reason, 'max_events');
  assert.equal(plain.timeline, undefined);
});

test('a run stopped by the bound gives schema-valid vpscope.run/1 JSON', () => {
  const text = BUSY;
  const rs = simulateAll(scenario(text), { timeline: true, maxTimelineIntervals: 2000 });
  const json = toRunJson('busy.vps', text, new LineIndex(text), 1, rs, [], true);
  assertValid('vpscope.run-1.schema.json', JSON.parse(JSON.stringify(json)), 'a run stopped by timeline_limit');
});

test('a quiet run under the bound is unchanged by it', () => {
  const quiet = `scenario { duration 20ms }
host { pcpus 2 }
vm v { vcpus 2; guest { thread t { every 1ms; cpu 50us } } }
`;
  const a = simulate(scenario(quiet), { timeline: true });
  const b = simulate(scenario(quiet), { timeline: true, maxTimelineIntervals: intervals(a) + 1 });
  assert.equal(a.stop.reason, 'completed');
  assert.deepEqual(b, a);
});

test('the capped simulation (the editor with a time cap) shares the bound among variants too', () => {
  const rs = simulateAllCapped(scenario(), { timeline: true, maxTimelineIntervals: 6000 }, 1e9);
  assert.deepEqual(rs.map((r) => r.stop.reason), ['timeline_limit', 'timeline_limit']);
  const lanes = rs[0].timeline!.lanes.length;
  for (const r of rs) assert.ok(intervals(r) <= 3000 + lanes, `${r.name}: ${intervals(r)} intervals`);
});

test('the stop at the bound does not depend on the clock: batches sized by the clock (the sim worker) stop where fixed batches do', () => {
  const text = BUSY;
  const doc = (checkEvery?: () => number) => {
    const r = simulate(scenario(text), { timeline: true, maxTimelineIntervals: 20_000, checkEvery });
    assert.equal(r.stop.reason, 'timeline_limit');
    return JSON.stringify(toRunJson('busy.vps', text, new LineIndex(text), 1, [r], [], true));
  };
  const fixed = doc();
  // Batch sizes as a loaded machine's clock would pick them: anything from 1 to 5,000 events.
  for (const seed of [1, 2, 3]) {
    let x = seed;
    const jittery = () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return 1 + (x % 5000);
    };
    assert.equal(doc(jittery), fixed, `seed ${seed}`);
  }
});
