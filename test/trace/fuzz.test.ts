/**
 * Property tests: random mutations of real trace lines (truncation, inserted bytes, swapped fields,
 * dropped and duplicated lines) pushed in random chunkings. The importer and the analysis must
 * never throw, the line accounting must add up, and chunking must not change the result.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeTrace } from '../../server/src/trace';
import { digest, importBytes, realTrace } from './helpers';

/** A few hundred real lines of each dialect, plus lines from the other pitfalls. */
function corpus(): Uint8Array[] {
  const pick = (buf: Buffer, from: number, n: number): Uint8Array[] => {
    const lines: Uint8Array[] = [];
    let s = 0;
    for (let i = 0; lines.length < n; i++) {
      const e = buf.indexOf(10, s);
      if (e < 0) break;
      if (i >= from) lines.push(new Uint8Array(buf.subarray(s, e)));
      s = e + 1;
    }
    return lines;
  };
  const enc = new TextEncoder();
  return [
    ...pick(realTrace('r2_2x_n4', 'tracefs_trace'), 0, 150),
    ...pick(realTrace('r2_2x_n4', 'tracefs_trace'), 30000, 100),
    ...pick(realTrace('r3_1x_n2_2hogs', 'report'), 0, 150),
    ...[
      '  host.dat: cpus=2',
      '  host.dat:        CPU 0/KVM-1834  [000]  100.000100: sched_switch:         CPU 0/KVM:1834 [120] R ==> cpuhog:1889 [120]',
      '       CPU 1/KVM-1835  (   1833) [001] d..2  10.000001: sched_switch: prev_comm=CPU 1/KVM prev_pid=1835 prev_prio=120 prev_state=256 next_comm=cpuhog next_pid=1889 next_prio=120',
      '       CPU 1/KVM-1835  [001]  10.000003: kvm_exit:             exit_reason=30 guest_rip=0xffffffff81000000 isa=1 info1=0x0 info2=0x0 vcpu_id=1',
      '       CPU 2/KVM-900   [000] .....  1.000100: kvm_exit: vcpu 2 reason EXTERNAL_INTERRUPT rip 0xffffffff81234567 info1 0x0 info2 0x0 intr_info 0x800000ec error_code 0x0',
      '       CPU 2/KVM-900   [000] .....  1.000110: kvm_entry: vcpu 2, rip 0xffffffff81234567',
      'CPU:1 [LOST 12 EVENTS]',
      '# tracer: nop',
      '',
    ].map((l) => enc.encode(l)),
  ];
}

const CORPUS = corpus();
const FIELD_SEP = 0x20;

/** One mutation of one line. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
  fc.record({ op: fc.constant('insertText' as const), at: fc.nat(), text: fc.constantFrom(':', ' ', '[', ']', '-', '=', '==>', '\r', '\n', '(', ')', '0', 'é', '🦀', 'prev_pid=') }),
  fc.record({ op: fc.constant('swap' as const), i: fc.nat(), j: fc.nat() }),
  fc.record({ op: fc.constant('drop' as const) }),
  fc.record({ op: fc.constant('dup' as const) }),
);

function splitFields(l: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let s = 0;
  for (let i = 0; i <= l.length; i++) {
    if (i === l.length || l[i] === FIELD_SEP) {
      out.push(l.subarray(s, i));
      s = i + 1;
    }
  }
  return out;
}

function join(parts: Uint8Array[], sep: number | null): Uint8Array {
  const n = parts.reduce((x, p) => x + p.length, 0) + (sep === null ? 0 : Math.max(0, parts.length - 1));
  const out = new Uint8Array(n);
  let o = 0;
  parts.forEach((p, k) => {
    if (k > 0 && sep !== null) out[o++] = sep;
    out.set(p, o);
    o += p.length;
  });
  return out;
}

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(line: Uint8Array, m: Mutation): Uint8Array[] {
  const enc = new TextEncoder();
  switch (m.op) {
    case 'truncate':
      return [line.subarray(0, m.at % (line.length + 1))];
    case 'insert': {
      const at = m.at % (line.length + 1);
      return [join([line.subarray(0, at), m.bytes, line.subarray(at)], null)];
    }
    case 'insertText': {
      const at = m.at % (line.length + 1);
      return [join([line.subarray(0, at), enc.encode(m.text), line.subarray(at)], null)];
    }
    case 'swap': {
      const f = splitFields(line);
      if (f.length < 2) return [line];
      const i = m.i % f.length;
      const j = m.j % f.length;
      [f[i], f[j]] = [f[j], f[i]];
      return [join(f, FIELD_SEP)];
    }
    case 'drop':
      return [];
    case 'dup':
      return [line, line];
  }
}

/** A trace: some corpus lines, each possibly mutated; with random chunk sizes. */
const traceArb = fc
  .record({
    picks: fc.array(fc.record({ line: fc.nat({ max: CORPUS.length - 1 }), muts: fc.array(mutation, { maxLength: 2 }) }), { minLength: 1, maxLength: 60 }),
    chunks: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }),
    trailingNewline: fc.boolean(),
  })
  .map(({ picks, chunks, trailingNewline }) => {
    const lines: Uint8Array[] = [];
    for (const p of picks) {
      let ls = [CORPUS[p.line]];
      for (const m of p.muts) ls = ls.flatMap((l) => mutate(l, m));
      lines.push(...ls);
    }
    const body = join(lines, 0x0a);
    return { bytes: trailingNewline ? join([body, new Uint8Array([0x0a])], null) : body, chunks };
  });

describe('fuzz: mutated real lines, random chunkings', () => {
  it('never throws, counts add up, chunking does not change the result', () => {
    fc.assert(
      fc.property(traceArb, ({ bytes, chunks }) => {
        const whole = importBytes(bytes);
        const s = whole.stats;
        if (whole.format !== 'chrome-json') assert.equal(s.events + s.malformedLines + s.skippedLines, s.lines);
        assert.equal(s.warningCount, s.warnings.length); // fewer than the sample limit here
        const chunked = importBytes(bytes, { chunks });
        assert.deepEqual(digest(chunked), digest(whole));
        const doc = analyzeTrace(chunked);
        assert.equal(doc.schema, 'vpscope.trace/1');
        for (const t of doc.threads) {
          for (const v of [t.runningNs, t.runnableNs, t.sleepingNs, t.blockedNs]) assert.ok(Number.isFinite(v) && v >= 0, `${t.tid}: ${v}`);
        }
        for (const l of doc.timeline.lanes) {
          for (let i = 0; i < l.intervals.length; i += 4) assert.ok(l.intervals[i] < l.intervals[i + 1]);
        }
        JSON.stringify(doc);
      }),
      { numRuns: 300, seed: 20261121 },
    );
  });

  it('whole real files in random chunkings give the same document', () => {
    const buf = realTrace('r1_1x_n2', 'tracefs_trace');
    const ref = JSON.stringify(analyzeTrace(importBytes(buf)));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 200_000 }), { minLength: 1, maxLength: 5 }), (chunks) => {
        assert.equal(JSON.stringify(analyzeTrace(importBytes(buf, { chunks }))), ref);
      }),
      { numRuns: 8, seed: 7 },
    );
  });

  it('mutated Chrome JSON never throws', () => {
    const base = JSON.stringify({
      traceEvents: [
        { ph: 'M', name: 'thread_name', pid: 1, tid: 2, args: { name: 'CPU 0/KVM' } },
        { ph: 'X', pid: 1, tid: 2, ts: 1, dur: 5, name: 'running', cat: 'running' },
        { ph: 'B', pid: 1, tid: 2, ts: 6, name: 'runnable: x', cat: 'runnable' },
        { ph: 'E', pid: 1, tid: 2, ts: 9 },
        { ph: 'C', pid: 1, ts: 3, name: 'c', args: { v: 1 } },
      ],
    });
    const enc = new TextEncoder();
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom('', '{', '}', '[', ']', '"', '\\', ',', ':', '1e999', 'null'), fc.nat(), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 4 }), (at, ins, cut, chunks) => {
        const p = at % (base.length + 1);
        let text = base.slice(0, p) + ins + base.slice(p);
        text = text.slice(0, text.length - (cut % 4 === 0 ? cut % text.length : 0));
        const tr = importBytes(enc.encode(text), { chunks });
        const doc = analyzeTrace(tr);
        JSON.stringify(doc);
      }),
      { numRuns: 300, seed: 99 },
    );
  });
});
