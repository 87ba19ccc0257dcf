/**
 * The webview decodes what the shells encode (plain base64 and gzip, through the platform's
 * DecompressionStream as in the browser), and damaged documents become errors that name the
 * timeline instead of an exception from deep inside, or a blank view.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TimelineBuilder } from '../../../server/src/core/timeline';
import { buildSimulationView, buildTraceView } from '../../../server/src/report/view';
import { gzipBase64 } from '../../../server/src/io/gzipBase64';
import { base64ToBytes, decodeDocument, ViewDataError } from '../../../webview/src/data';

const ivArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: -1, max: 2 })), { maxLength: 40 });

function timeline(lanes: [number, number, number, number][][], base: number) {
  const b = new TimelineBuilder(['idle', 'running', 'runnable', 'vtl2']);
  ['x', 'y', 'z'].forEach((c) => b.causes.id(c));
  const want: number[][] = [];
  lanes.forEach((ivs, i) => {
    const l = b.lane(`vm:a/vp:${i}`, `VP ${i}`, 'vm:a', 'vp');
    let t = base;
    for (const [gap, dur, st, c] of ivs) {
      l.push(t + gap, t + gap + dur, st, c);
      t += gap + dur;
    }
    const w: number[] = [];
    for (let j = 0; j < l.length; j++) w.push(l.startAt(j), l.endAt(j), l.stateAt(j), l.causeAt(j));
    want.push(w);
  });
  return { src: b.source(base, base + 5e7), want };
}

test('simulation documents decode to the same intervals, plain and gzip', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(ivArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.boolean(), async (lanes, base, gz) => {
      const { src, want } = timeline(lanes, base);
      const doc = buildSimulationView({
        title: 't',
        source: 's.vps',
        run: { schema: 'vpscope.run/1', file: 's.vps', seed: 1, variants: [{ name: 'base' }, { name: 'fix' }] },
        timelines: [src, src],
        encodeBytes: gz ? gzipBase64 : undefined,
      });
      const m = await decodeDocument(doc);
      assert.deepEqual(m.variants.map((v) => v.name), ['base', 'fix']);
      assert.equal(m.variants[1].run?.name, 'fix');
      for (const v of m.variants) {
        assert.equal(v.startNs, base);
        assert.deepEqual(v.states, ['idle', 'running', 'runnable', 'vtl2']);
        v.lanes.forEach((l, i) => {
          assert.equal(l.id, `vm:a/vp:${i}`);
          const got: number[] = [];
          for (let j = 0; j < l.cols.starts.length; j++) got.push(l.cols.starts[j], l.cols.ends[j], l.cols.states[j], l.cols.causes[j]);
          assert.deepEqual(got, want[i]);
        });
      }
    }),
    { numRuns: 60 },
  );
});

test('trace documents decode to one timeline named trace', async () => {
  const { src } = timeline([[[0, 10, 1, -1]]], 1_494_546_755_000);
  const doc = buildTraceView({ title: 'r2', source: 'r2.txt', trace: { schema: 'vpscope.trace/1', findings: [] }, timeline: src, encodeBytes: gzipBase64 });
  const m = await decodeDocument(doc);
  assert.equal(m.variants.length, 1);
  assert.equal(m.variants[0].name, 'trace');
  assert.equal(m.variants[0].lanes[0].cols.ends[0], 1_494_546_755_010);
});

test('base64 with whitespace and without padding', () => {
  assert.deepEqual([...base64ToBytes('AAEC\n/w==')], [0, 1, 2, 255]);
  assert.deepEqual([...base64ToBytes('AAEC/w')], [0, 1, 2, 255]);
});

test('damaged documents raise a ViewDataError naming the timeline', async () => {
  const { src } = timeline([[[0, 10, 1, -1], [5, 10, 2, 0]]], 0);
  const make = (gz: boolean) =>
    buildSimulationView({ title: 't', source: 's', run: { schema: 'vpscope.run/1', file: 's', seed: 1, variants: [{ name: 'slow' }] }, timelines: [src], encodeBytes: gz ? gzipBase64 : undefined });
  const cases: [string, (d: ReturnType<typeof make>) => void, boolean][] = [
    ['not base64', (d) => (d.timelines[0].data = '%%%'), false],
    ['truncated', (d) => (d.timelines[0].data = d.timelines[0].data.slice(0, 4)), false],
    ['count too large', (d) => (d.timelines[0].lanes[0].count = 5), false],
    ['not gzip', (d) => (d.timelines[0].compression = 'gzip'), false],
    ['truncated gzip', (d) => (d.timelines[0].data = d.timelines[0].data.slice(0, 12)), true],
  ];
  for (const [what, damage, gz] of cases) {
    const d = make(gz);
    damage(d);
    await assert.rejects(decodeDocument(d), (e: unknown) => e instanceof ViewDataError && /timeline 0 \(slow\)/.test(e.message), what);
  }
});

test('a gzip bomb in a timeline stops at what its lane counts allow, with an error naming the timeline', async () => {
  const { gzipSync } = await import('node:zlib');
  const { src } = timeline([[[0, 10, 1, 0]]], 0);
  const doc = buildSimulationView({ title: 't', source: 's', run: { schema: 'vpscope.run/1', file: 's', seed: 1, variants: [{ name: 'bomb' }] }, timelines: [src], encodeBytes: gzipBase64 });
  // 256 MB of zeros in 250 KB of gzip, under a header claiming one interval (at most 40 bytes).
  doc.timelines[0].data = gzipSync(Buffer.alloc(256 * 1024 * 1024), { level: 9 }).toString('base64');
  const rss0 = process.memoryUsage().rss;
  await assert.rejects(decodeDocument(doc), (e: unknown) => e instanceof ViewDataError && /timeline 0 \(bomb\): timeline data expands past 40 bytes/.test(e.message));
  // The whole expansion was never held (it was 256 MB before the bound).
  assert.ok(process.memoryUsage().rss - rss0 < 128 * 1024 * 1024, `RSS grew by ${process.memoryUsage().rss - rss0} bytes`);
  // The absolute bound holds whatever the counts claim.
  const { gunzip } = await import('../../../webview/src/data');
  await assert.rejects(gunzip(gzipSync(Buffer.alloc(1 << 20)), 1000), (e: unknown) => e instanceof ViewDataError && /expands past 1,000 bytes/.test(e.message));
  assert.equal((await gunzip(gzipSync(Buffer.alloc(1000)), 1000)).length, 1000);
});
