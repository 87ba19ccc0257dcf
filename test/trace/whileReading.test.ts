/**
 * Reconstruction while reading (`ImportOptions.reconstructWhileReading`, what `vpscope analyze`
 * without a timeline does for a text file): the importer hands each full block of rows to the
 * reconstruction and fills the block again, so no table of the rows is kept. The documents must
 * be exactly those of the import that keeps every row and reconstructs afterwards: summary text
 * and JSON, on real traces repeated past several blocks, and on the same with damage that only
 * the end of the import can settle (threads renamed late, vCPU threads known by late kvm events,
 * CPUs first seen late, timestamp outliers at block edges, malformed lines). Inputs that need the
 * rows after all (a second source file) say so instead (`reconstructedLost`). With a timeline
 * (`reconstructTimeline`, what `analyze --json` and `--out` do), the whole JSON document with its
 * lanes must be the same bytes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TraceImporter, analyzeTraceParts, documentJsonBytes, renderSummary, type ImportedTrace } from '../../server/src/trace';
import { BLOCK_ROWS } from '../../server/src/trace/columns';
import type { AnalysisOptions } from '../../server/src/trace/options';
import { realTrace } from './helpers';

type Kind = 'tracefs_trace' | 'report';

/** The header and event lines of a real trace, its events repeated with shifted times to `n` lines. */
function repeated(run: string, kind: Kind, n: number): { header: string[]; lines: string[] } {
  const text = realTrace(run, kind).toString('latin1');
  const header: string[] = [];
  const parts: [string, number, string][] = [];
  for (const l of text.split('\n')) {
    if (!l) continue;
    if (l.startsWith('#') || l.startsWith('cpus=')) {
      header.push(l);
      continue;
    }
    const m = /^(.*?\] \S+ +)(\d+)(\.\d+: .*)$/.exec(l) ?? /^(.*?\] +)(\d+)(\.\d+: .*)$/.exec(l);
    if (m) parts.push([m[1], Number(m[2]), m[3]]);
  }
  const span = parts[parts.length - 1][1] - parts[0][1] + 1;
  const lines: string[] = [];
  for (let rep = 0; lines.length < n; rep++) for (const [a, s, b] of parts) if (lines.length < n) lines.push(a + (s + rep * span) + b);
  return { header, lines };
}

function imported(bytes: Uint8Array, chunk: number, whileReading: Partial<AnalysisOptions> | undefined, timeline = false): ImportedTrace {
  const imp = new TraceImporter({ fileName: 't', reconstructWhileReading: whileReading, reconstructTimeline: timeline });
  for (let o = 0; o < bytes.length; o += chunk) imp.push(bytes.subarray(o, Math.min(bytes.length, o + chunk)));
  return imp.finish();
}

function outputs(t: ImportedTrace, opts: Partial<AnalysisOptions>, timeline: boolean): { summary: string; json: string } {
  // As the CLI asks for them: `analyze` (no timeline), `analyze --json` (no wake-up arrows).
  const r = analyzeTraceParts(t, opts, { timeline, releaseTrace: true, wakes: false });
  const json = r.timeline ? Buffer.concat([...documentJsonBytes(r.document, r.timeline)]).toString('latin1') : JSON.stringify(r.document);
  return { summary: renderSummary(r.document), json };
}

/**
 * Both imports of `text`; the reconstruction while reading must have been used (or be lost).
 * `timeline`: with the timeline (the whole JSON document compared).
 */
function assertSame(text: string, chunk: number, opts: Partial<AnalysisOptions> = {}, timeline = false): ImportedTrace {
  const bytes = Buffer.from(text, 'latin1');
  const a = imported(bytes, chunk, undefined);
  const b = imported(bytes, chunk, opts, timeline);
  assert.equal(a.reconstructed, undefined);
  if (b.stats.events > BLOCK_ROWS && !b.reconstructedLost) assert.ok(b.reconstructed, 'reconstructed while reading');
  if (b.reconstructedLost) return b;
  const oa = outputs(a, opts, timeline);
  const ob = outputs(b, opts, timeline);
  assert.equal(ob.summary, oa.summary);
  assert.equal(ob.json, oa.json);
  return b;
}

const N = Math.round(BLOCK_ROWS * 2.3);
const base = {
  tracefs_trace: repeated('r2_2x_n4', 'tracefs_trace', N),
  report: repeated('r2_2x_n4', 'report', N),
};
const join = (header: string[], lines: string[]): string => header.join('\n') + '\n' + lines.join('\n') + '\n';

/** Line edits that only the end of the import settles. */
type Edit =
  | { op: 'rename'; from: number; comm: string } // every line's leading comm before `from` renamed
  | { op: 'outlier'; at: number; far: number } // a line's seconds moved far away
  | { op: 'cpu'; at: number; cpu: number } // a line moved to another CPU
  | { op: 'garbage'; at: number } // a line replaced by garbage
  | { op: 'drop'; at: number }; // a line removed

function applyEdits(lines: string[], edits: Edit[]): string[] {
  const out = lines.slice();
  for (const e of edits) {
    const at = Math.min(out.length - 1, 'at' in e ? e.at : 0);
    if (e.op === 'rename') {
      for (let i = 0; i < Math.min(e.from, out.length); i++) out[i] = out[i].replace(/^(\s*)CPU (\d)\/KVM-/, `$1${e.comm}-`).replace(/next_comm=CPU (\d)\/KVM /, `next_comm=${e.comm} `).replace(/prev_comm=CPU (\d)\/KVM /, `prev_comm=${e.comm} `);
    } else if (e.op === 'outlier') out[at] = out[at].replace(/(\] [^ ]* +| +)(\d+)(\.\d+: )/, (_m, a: string, s: string, b: string) => a + String(Number(s) + e.far) + b);
    else if (e.op === 'cpu') out[at] = out[at].replace(/\[\d+\]/, `[${String(e.cpu).padStart(3, '0')}]`);
    else if (e.op === 'garbage') out[at] = 'x'.repeat(at % 50) + ' [0 garbage: ';
    else out.splice(at, 1);
  }
  return out;
}

/** Rows near the edges of blocks, where a take-back meets the hand-over. */
const nearEdge = fc.oneof(
  fc.integer({ min: 0, max: N - 1 }),
  fc.integer({ min: -3, max: 3 }).chain((d) => fc.constantFrom(BLOCK_ROWS + d, 2 * BLOCK_ROWS + d, 2 + d)).map((x) => Math.max(0, x + 20)),
);
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('rename' as const), from: fc.integer({ min: 1, max: N }), comm: fc.constantFrom('qemu-system-x86', 'vcpu-to-be', '<...>') }),
  fc.record({ op: fc.constant('outlier' as const), at: nearEdge, far: fc.constantFrom(-1400, 5, 30, 100000) }),
  fc.record({ op: fc.constant('cpu' as const), at: nearEdge, cpu: fc.constantFrom(1, 3, 7, 200) }),
  fc.record({ op: fc.constant('garbage' as const), at: nearEdge }),
  fc.record({ op: fc.constant('drop' as const), at: nearEdge }),
);

describe('reconstruction while reading', () => {
  for (const kind of ['tracefs_trace', 'report'] as const) {
    it(`gives the documents of the two-pass analysis: ${kind}, repeated past two blocks`, () => {
      const { header, lines } = base[kind];
      const t = assertSame(join(header, lines), 1 << 20);
      assert.ok(t.reconstructed);
      assert.equal(t.events.length, N);
      // The rows are not kept: one block of memory.
      assert.ok(t.events.rowBase >= BLOCK_ROWS);
      // Options reach the reconstruction; odd chunk sizes (lines cut across chunks).
      assertSame(join(header, lines), 65_537, { runnableStretchUs: 50, wakeLatencyUs: 20, examplesPerThread: 2, guestResidenceUs: 10 });
    });

    it(`and with late renames, outliers at block edges, late CPUs, damage: ${kind}`, () => {
      const { header, lines } = base[kind];
      fc.assert(
        fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), fc.constantFrom(1 << 20, 4096 + 7), (edits, chunk) => {
          assertSame(join(header, applyEdits(lines, edits)), chunk);
        }),
        { numRuns: 12, seed: 0x7a5e9 },
      );
    });

    it(`with the timeline: the same JSON document, lanes and causes included: ${kind}`, () => {
      const { header, lines } = base[kind];
      const t = assertSame(join(header, lines), 1 << 20, {}, true);
      assert.ok(t.reconstructed?.timeline);
      assertSame(join(header, lines), 65_537, { runnableStretchUs: 50, wakeLatencyUs: 20, examplesPerThread: 2 }, true);
    });

    it(`with the timeline, late renames, outliers at block edges, late CPUs, damage: ${kind}`, () => {
      const { header, lines } = base[kind];
      fc.assert(
        fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), fc.constantFrom(1 << 20, 4096 + 7), (edits, chunk) => {
          assertSame(join(header, applyEdits(lines, edits)), chunk, {}, true);
        }),
        { numRuns: 12, seed: 0x7a5e9 + 1 },
      );
    });
  }

  it('a vCPU thread known only by a kvm event after the first block', () => {
    const { header, lines } = base.tracefs_trace;
    // No kvm events and no vCPU names before the last block: the identification comes late.
    const early = 2 * BLOCK_ROWS + 100;
    const edited = lines.map((l, i) => (i < early ? l.replace(/CPU (\d)\/KVM/g, 'worker$1').replace(/kvm_(pio|userspace_exit): .*$/, 'sched_stat_dummy: x') : l));
    assertSame(join(header, edited), 1 << 20);
    assertSame(join(header, edited), 1 << 20, {}, true);
  });

  it('a second source file after the first block: the rows are needed, it says so', () => {
    const { lines } = base.report;
    const text = ['host.dat: cpus=4', ...lines.slice(0, BLOCK_ROWS + 10).map((l) => `host.dat: ${l.trimStart()}`), 'guest.dat: cpus=2', ...lines.slice(BLOCK_ROWS + 10)].join('\n') + '\n';
    const t = imported(Buffer.from(text, 'latin1'), 1 << 20, {});
    // The prefixed lines go the general way; whatever the importer decided, nothing is wrong:
    // either no reconstruction was started, or it was given up.
    if (t.reconstructed) assert.fail('a trace of two sources cannot be reconstructed while read');
    if (t.reconstructedLost) assert.throws(() => analyzeTraceParts(t, {}, { timeline: false }), /import it again/);
    const late = ['cpus=4', ...lines.slice(0, BLOCK_ROWS + 10), 'guest.dat: cpus=2', ...lines.slice(BLOCK_ROWS + 10, BLOCK_ROWS + 20).map((l) => `guest.dat: ${l.trimStart()}`)].join('\n') + '\n';
    const u = imported(Buffer.from(late, 'latin1'), 1 << 20, {});
    assert.equal(u.reconstructedLost, true);
    assert.equal(u.reconstructed, undefined);
  });

  it("tracefs's #P:N (CPUs idle for the whole trace) counts as on the other path", () => {
    const { header, lines } = base.tracefs_trace;
    const h = header.map((l) => l.replace(/#P:\d+/, '#P:6'));
    assert.ok(h.some((l) => l.includes('#P:6')));
    const t = assertSame(join(h, lines), 1 << 20);
    assert.ok(t.reconstructed);
    assert.equal(analyzeTraceParts(t, {}, { timeline: false }).document.load[0].pcpus, 6);
    assertSame(join(h, lines), 1 << 20, {}, true);
  });

  it('small traces (under one block) are not affected', () => {
    const { header, lines } = base.tracefs_trace;
    const t = assertSame(join(header, lines.slice(0, 5000)), 1 << 20);
    assert.equal(t.reconstructed, undefined);
  });
});
