/** The compact timeline form round-trips exactly and rejects damaged bytes without reading past them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TimelineBuilder } from '../../server/src/core/timeline';
import { decodeTimeline, encodeTimeline, TimelineDecodeError } from '../../server/src/core/timelineCodec';

const laneArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: -1, max: 5000 })), { maxLength: 60 });

test('encode/decode round-trips any lanes, times up to 2^42 ns', () => {
  fc.assert(
    fc.property(fc.array(laneArb, { maxLength: 6 }), fc.integer({ min: 0, max: 2 ** 41 }), (lanes, base) => {
      const b = new TimelineBuilder(['a', 'b']);
      const want: number[][] = [];
      lanes.forEach((ivs, li) => {
        const lane = b.lane(`l${li}`, `L${li}`, 'g', 'other');
        let t = base;
        for (const [gap, dur, st, c] of ivs) {
          const s = t + gap;
          lane.push(s, s + dur, st, c);
          t = s + dur;
        }
        const w: number[] = [];
        for (let i = 0; i < lane.length; i++) w.push(lane.startAt(i), lane.endAt(i), lane.stateAt(i), lane.causeAt(i));
        want.push(w);
      });
      const src = b.source(base, base + 1);
      const { bytes, intervals } = encodeTimeline(src);
      const cols = decodeTimeline(bytes, base, src.lanes.map((l) => l.length));
      assert.equal(intervals, src.lanes.reduce((a, l) => a + l.length, 0));
      cols.forEach((c, li) => {
        const got: number[] = [];
        for (let i = 0; i < c.starts.length; i++) got.push(c.starts[i], c.ends[i], c.states[i], c.causes[i]);
        assert.deepEqual(got, want[li]);
      });
    }),
  );
});

test('a start before the timeline start and huge absolute times survive', () => {
  const b = new TimelineBuilder(['x']);
  const l = b.lane('a', 'a', 'g', 'pcpu');
  l.push(1494546755000 - 5000, 1494546755000 + 3, 0, 7);
  l.push(2 ** 52, 2 ** 52 + 10, 0, -1);
  const { bytes } = encodeTimeline(b.source(1494546755000, 2 ** 53 - 1));
  const [c] = decodeTimeline(bytes, 1494546755000, [2]);
  assert.deepEqual([...c.starts], [1494546755000 - 5000, 2 ** 52]);
  assert.deepEqual([...c.ends], [1494546755000 + 3, 2 ** 52 + 10]);
  assert.deepEqual([...c.causes], [7, -1]);
});

test('truncated, padded or miscounted bytes throw TimelineDecodeError', () => {
  const b = new TimelineBuilder(['x']);
  const l = b.lane('a', 'a', 'g', 'pcpu');
  for (let i = 0; i < 50; i++) l.push(i * 1000, i * 1000 + 500, 0, i % 3);
  const { bytes } = encodeTimeline(b.source(0, 1e6));
  for (let cut = 0; cut < bytes.length; cut += 7) assert.throws(() => decodeTimeline(bytes.subarray(0, cut), 0, [50]), TimelineDecodeError);
  assert.throws(() => decodeTimeline(new Uint8Array([...bytes, 0]), 0, [50]), TimelineDecodeError);
  assert.throws(() => decodeTimeline(bytes, 0, [51]), TimelineDecodeError);
  assert.throws(() => decodeTimeline(new Uint8Array(20).fill(0xff), 0, [1]), TimelineDecodeError);
});

test('lane counts are checked on their sum before anything is allocated: a header cannot claim GBs', () => {
  // Lanes each claiming the whole 1 MB of data: 22 bytes x 1 MB per lane of typed arrays were
  // allocated before the first byte was read (100,000 such lanes: the process passed 17 GB of
  // RSS within minutes). 50 here, so that the old code fails this test without hogging memory.
  const bytes = new Uint8Array(1 << 20);
  const t0 = performance.now();
  assert.throws(() => decodeTimeline(bytes, 0, new Array(50).fill(bytes.length)), /lane counts add up to 52428800 intervals, more than 1048576 bytes/);
  assert.ok(performance.now() - t0 < 1000);
  for (const bad of [[1.5], [-1], [NaN], [Infinity], [2 ** 60]]) assert.throws(() => decodeTimeline(bytes, 0, bad), TimelineDecodeError, String(bad));
  // Exactly 4 bytes per interval (all zero varints: gap 0, duration 0, state 0, no cause) decodes.
  const cols = decodeTimeline(new Uint8Array(8), 10, [1, 1]);
  assert.deepEqual([...cols[0].starts, ...cols[1].starts], [10, 10]);
});
