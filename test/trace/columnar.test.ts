/**
 * The columnar analysis path `vpscope analyze` takes for large traces: the document without the
 * timeline, the timeline still in typed arrays (or not built at all), streamed as JSON and as a
 * Chrome trace. Every output must be the same bytes as the materialised path gives.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chromeTraceStream, toChromeTraceChunks } from '../../server/src/core/chromeTrace';
import { TimelineBuilder, timelineSourceOf, type TimelineData } from '../../server/src/core/timeline';
import { documentChunks } from '../../server/src/report/trace';
import { analyzeTrace, analyzeTraceParts, documentJsonBytes, documentJsonChunks, renderSummary } from '../../server/src/trace';
import { laneJsonChunks } from '../../server/src/trace/json';
import { fmtCount } from '../../server/src/core/format';
import { importBytes, realTrace, sw, tf } from './helpers';

const join = (chunks: Iterable<string>): string => [...chunks].join('');
const joinBytes = (chunks: Iterable<Uint8Array>): string => Buffer.concat([...chunks]).toString('utf8');

/** A pseudo-random timeline with a lane longer than one JSON piece, odd numbers and causes. */
function bigTimeline(): { tb: TimelineBuilder; data: TimelineData } {
  const tb = new TimelineBuilder(['running', 'runnable', 'sleeping', 'idle']);
  let seed = 1;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const causes = ['woken', 'hog (7)', 'CPU 0', '"quoted" \\ cause', 'ünïcode ✓', ''].map((c) => tb.causes.id(c));
  const lanes = [
    tb.lane('pcpu:0', 'CPU 0', 'host', 'pcpu'),
    tb.lane('pid:1', 'a "b" (1)', 'vm:1', 'vcpu'),
    tb.lane('pid:2', 'empty', 'host', 'thread'),
  ];
  let t = 1e15;
  for (let i = 0; i < 40000; i++) {
    const d = 1 + Math.floor(rnd() * 1e6) + (i % 7 === 0 ? 0.5 : 0);
    lanes[i % 3 === 2 ? 1 : 0].push(t, t + d, Math.floor(rnd() * 4), rnd() < 0.3 ? -1 : causes[Math.floor(rnd() * causes.length)]);
    t += d;
  }
  return { tb, data: tb.build(1e15, t) };
}

describe('streamed JSON and Chrome trace from columns', () => {
  it('a lane in pieces is JSON.stringify of the materialised lane', () => {
    const { tb, data } = bigTimeline();
    assert.ok(tb.lanes[0].length > 20000);
    tb.lanes.forEach((l, i) => assert.equal(join(laneJsonChunks(l)), JSON.stringify(data.lanes[i])));
  });

  it('the document as bytes is the UTF-8 of the document as strings (pieces are copies, not views of the shared buffer)', () => {
    const { tb, data } = bigTimeline();
    const doc = { schema: 'vpscope.trace/1', source: 'ünïcode ✓ "x"', n: 1 } as unknown as Parameters<typeof documentJsonBytes>[0];
    const pieces = [...documentJsonBytes(doc, tb.source(data.startNs, data.endNs))];
    assert.ok(pieces.length > 3);
    assert.equal(Buffer.concat(pieces).toString('utf8'), join(documentJsonChunks(doc, tb.source(data.startNs, data.endNs))));
    assert.equal(new Set(pieces.map((p) => p.buffer)).size, pieces.length);
    // reuse: the lanes' pieces are views of one buffer, each valid until the next is asked for;
    // copied as they come, the same bytes.
    const viewed: Uint8Array[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for (const p of documentJsonBytes(doc, tb.source(data.startNs, data.endNs), { reuse: true })) {
      viewed.push(p.slice());
      buffers.add(p.buffer);
    }
    assert.equal(Buffer.concat(viewed).toString('utf8'), Buffer.concat(pieces).toString('utf8'));
    assert.ok(buffers.size < pieces.length, `${buffers.size} buffers for ${pieces.length} pieces`);
  });

  it('chromeTraceStream gives the text of toChromeTraceChunks, from builders and from data', () => {
    const { tb, data } = bigTimeline();
    const findings = [
      { code: 'VPS332', severity: 'warning' as const, title: 't', message: 'm "x"', lane: 'pid:1', startNs: 1e15 + 5, durationNs: 3 },
      { code: 'VPS351', severity: 'warning' as const, title: 'g', message: 'global' , startNs: 1e15 },
    ];
    for (const opts of [{}, { omitStates: ['idle', 'sleeping'], findings, meta: { source: 'x', n: 1 } }]) {
      const want = toChromeTraceChunks(data, opts).join('');
      assert.equal(join(chromeTraceStream(tb.source(data.startNs, data.endNs), opts)), want);
      assert.equal(join(chromeTraceStream(timelineSourceOf(data), opts)), want);
    }
    const empty = new TimelineBuilder().build(0, 0);
    assert.equal(join(chromeTraceStream(timelineSourceOf(empty), { findings })), toChromeTraceChunks(empty, { findings }).join(''));
  });

  for (const [name, input] of [
    ['r2 tracefs', () => realTrace('r2_2x_n4', 'tracefs_trace')],
    ['r3 report', () => realTrace('r3_1x_n2_2hogs', 'report')],
    ['Chrome JSON', () => toChromeTraceChunks(analyzeTrace(importBytes(realTrace('r1_1x_n2', 'tracefs_trace'))).timeline).join('')],
  ] as const) {
    it(`${name}: the columnar document, its JSON and Chrome text equal the materialised ones`, () => {
      const full = analyzeTrace(importBytes(input()), { runnableStretchUs: 300 });
      const parts = analyzeTraceParts(importBytes(input()), { runnableStretchUs: 300 }, { timeline: true, releaseTrace: true });
      assert.equal(join(documentJsonChunks(parts.document, parts.timeline!)), join(documentChunks(full)));
      assert.equal(joinBytes(documentJsonBytes(parts.document, parts.timeline!)), join(documentChunks(full)));
      const opts = { omitStates: ['sleeping', 'idle', 'unknown'], findings: full.findings, meta: { source: name } };
      assert.equal(join(chromeTraceStream(parts.timeline!, opts)), toChromeTraceChunks(full.timeline, opts).join(''));
      const { timeline: _, ...rest } = full;
      const bare = analyzeTraceParts(importBytes(input()), { runnableStretchUs: 300 }, { timeline: false });
      assert.equal(bare.timeline, undefined);
      assert.deepEqual(bare.document, rest);
      assert.equal(renderSummary(bare.document), renderSummary(full));
    });
  }

  it('a released trace cannot be analysed again; an unreleased one can', () => {
    const text = [tf('a', 1, 0, '1.000000', 'sched_switch', sw('a', 1, 'R', 'b', 2)), tf('b', 2, 0, '1.000100', 'sched_switch', sw('b', 2, 'S', 'a', 1))].join('\n');
    const kept = importBytes(text);
    analyzeTraceParts(kept, {}, { timeline: false });
    assert.deepEqual(analyzeTrace(kept).threads, analyzeTrace(importBytes(text)).threads);
    const released = importBytes(text);
    analyzeTraceParts(released, {}, { timeline: false, releaseTrace: true });
    assert.throws(() => analyzeTrace(released), /released/);
  });
});

describe('fmtCount', () => {
  it('writes what toLocaleString("en-US") writes', () => {
    const cases = [0, 1, -1, 999, 1000, -1000, 1234567, -987654321, 2 ** 53 - 1, -(2 ** 53), 1.5, -0, NaN, Infinity, 1e21, 0.125];
    for (let k = 0; k < 16; k++) for (let d = 1; d < 10; d++) cases.push(d * 10 ** k + k, -(d * 10 ** k) - 7);
    for (const n of cases) assert.equal(fmtCount(n), n.toLocaleString('en-US'), String(n));
  });
});
