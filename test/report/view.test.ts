/** View documents: every variant's timeline round-trips through vpt1 + base64 (+ gzip), the run copy carries no timeline, output is deterministic. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { TimelineBuilder, type TimelineData } from '../../server/src/core/timeline';
import { decodeTimeline } from '../../server/src/core/timelineCodec';
import { base64, buildSimulationView, buildTraceView } from '../../server/src/report/view';
import { gzipBase64 } from '../../server/src/io/gzipBase64';
import { isViewDocument } from '../../server/src/shared/view';

const laneArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: -1, max: 4 })), { maxLength: 40 });

function build(lanes: [number, number, number, number][][]): TimelineData {
  const b = new TimelineBuilder(['running', 'runnable', 'idle', 'blocked']);
  for (let c = 0; c < 5; c++) b.causes.id(`c${c}`);
  lanes.forEach((ivs, li) => {
    const l = b.lane(`vm:a/vp:${li}`, `VP ${li}`, 'vm:a', 'vp');
    let t = 0;
    for (const [gap, dur, st, cause] of ivs) {
      l.push(t + gap, t + gap + dur, st, cause);
      t += gap + dur;
    }
  });
  return b.build(0, 1e12);
}

function flat(tl: TimelineData): number[][] {
  return tl.lanes.map((l) => l.intervals);
}

test('base64 matches Node Buffer for any bytes', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => assert.equal(base64(b), Buffer.from(b).toString('base64'))));
  const big = new Uint8Array(300_001).map((_, i) => (i * 7919) & 255);
  assert.equal(base64(big), Buffer.from(big).toString('base64'));
});

test('simulation view: each variant timeline decodes to the same intervals (plain and gzip), run copy without timelines', () => {
  fc.assert(
    fc.property(fc.array(fc.array(laneArb, { maxLength: 4 }), { minLength: 1, maxLength: 3 }), fc.boolean(), (variants, gz) => {
      const tls = variants.map(build);
      const run = { schema: 'vpscope.run/1' as const, file: 'x.vps', seed: 1, variants: tls.map((timeline, i) => ({ name: `v${i}`, stalls: [], timeline })), diagnostics: [] };
      const doc = buildSimulationView({ title: 'T', source: 'x.vps', run, encodeBytes: gz ? gzipBase64 : undefined });
      assert.ok(isViewDocument(doc));
      assert.equal(doc.timelines.length, tls.length);
      doc.run!.variants.forEach((v) => assert.ok(!('timeline' in v)));
      assert.ok('timeline' in run.variants[0], 'the input is not modified');
      doc.timelines.forEach((et, i) => {
        assert.equal(et.compression, gz ? 'gzip' : 'none');
        let bytes: Uint8Array = Buffer.from(et.data, 'base64');
        if (gz) bytes = gunzipSync(bytes);
        const cols = decodeTimeline(bytes, et.startNs, et.lanes.map((l) => l.count));
        const got = cols.map((c) => {
          const o: number[] = [];
          for (let k = 0; k < c.starts.length; k++) o.push(c.starts[k], c.ends[k], c.states[k], c.causes[k]);
          return o;
        });
        assert.deepEqual(got, flat(tls[i]));
        assert.equal(et.intervals, tls[i].lanes.reduce((a, l) => a + l.intervals.length / 4, 0));
        assert.deepEqual(et.states, tls[i].states);
        assert.deepEqual(et.lanes.map((l) => l.id), tls[i].lanes.map((l) => l.id));
      });
    }),
    { numRuns: 60 },
  );
});

test('typed-array sources give the same document as number arrays; output is deterministic', () => {
  const b = new TimelineBuilder(['running', 'idle']);
  const l = b.lane('host/pcpu:0', 'CPU 0', 'host', 'pcpu');
  for (let i = 0; i < 1000; i++) l.push(i * 100, i * 100 + 60, i % 2);
  const run = { schema: 'vpscope.run/1' as const, file: 'x.vps', seed: 1, variants: [{ name: 'base', timeline: b.build(0, 1e5) }] };
  const a = buildSimulationView({ title: 'T', source: 'x.vps', run, encodeBytes: gzipBase64 });
  const c = buildSimulationView({ title: 'T', source: 'x.vps', run, timelines: [b.source(0, 1e5)], encodeBytes: gzipBase64 });
  assert.equal(JSON.stringify(a), JSON.stringify(c));
  assert.equal(JSON.stringify(a), JSON.stringify(buildSimulationView({ title: 'T', source: 'x.vps', run, encodeBytes: gzipBase64 })));
  // Compact: well under 12 bytes per interval even without gzip.
  const plain = buildSimulationView({ title: 'T', source: 'x.vps', run });
  assert.ok(plain.timelines[0].data.length / 1000 < 12, `${plain.timelines[0].data.length / 1000} chars/interval`);
});

test('trace view: one timeline, trace copy without it; a variant with no timeline is an empty one', () => {
  const b = new TimelineBuilder(['running']);
  b.lane('cpu:0', 'CPU 0', 'cpus', 'pcpu').push(5, 10, 0);
  const trace = { schema: 'vpscope.trace/1' as const, findings: [], timeline: b.build(0, 20) };
  const doc = buildTraceView({ title: 't', source: 't.txt', trace, origin: { kind: 'trace', path: 't.txt' } });
  assert.ok(isViewDocument(doc));
  assert.equal(doc.kind, 'trace');
  assert.ok(!('timeline' in doc.trace!));
  assert.equal(doc.timelines[0].intervals, 1);
  assert.deepEqual(doc.origin, { kind: 'trace', path: 't.txt' });
  const sim = buildSimulationView({ title: 'T', source: 's', run: { schema: 'vpscope.run/1', file: 's', seed: 0, variants: [{ name: 'base' }] } });
  assert.equal(sim.timelines[0].intervals, 0);
  assert.equal(sim.timelines[0].data, '');
});
