/**
 * `.dat` read in two passes (`DatImportOptions.replayDriver`, what `loadTraceFile` does for a
 * file on disk): the first pass counts rows and fills everything else, the analysis decodes the
 * events again and reconstructs them block by block. The documents (text summary, JSON with its
 * timeline) must be exactly those of the one-pass import that keeps a table of every row.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { datDecompressors, loadTraceFile } from '../../server/src/io/traceFile';
import { analyzeTrace, analyzeTraceParts, documentJsonChunks, renderSummary, type ImportedTrace } from '../../server/src/trace';
import { BLOCK_ROWS } from '../../server/src/trace/columns';
import { datImport, runSync } from '../../server/src/trace/importers/dat';
import { tracesDir } from './helpers';
import { buildDat, pages, switchRec, wakeupRec, type WEvent } from './datWriter';

const RUNS = ['r1_1x_n2', 'r2_2x_n4', 'r3_1x_n2_2hogs'];
const datPath = (run: string) => resolve(tracesDir, run, `${run}.dat`);
const haveShared = existsSync(datPath(RUNS[0]));

const oneRead = (b: Uint8Array): ImportedTrace => runSync(datImport(b.length, { decompressors: datDecompressors }), b);
const twoReads = (b: Uint8Array, replayBytes = b): ImportedTrace =>
  runSync(datImport(b.length, { decompressors: datDecompressors, replayDriver: (g) => runSync(g, replayBytes) }), b);

/** Everything `vpscope analyze` writes: the summary and the JSON document with its timeline. */
function outputs(t: ImportedTrace): { summary: string; json: string; full: string } {
  const text = analyzeTraceParts(t, {}, { timeline: false });
  const parts = analyzeTraceParts(t, {}, { timeline: true });
  return { summary: renderSummary(text.document), json: [...documentJsonChunks(parts.document, parts.timeline!)].join(''), full: JSON.stringify(analyzeTrace(t)) };
}

function assertSame(bytes: Uint8Array): void {
  const a = oneRead(bytes);
  const b = twoReads(bytes);
  assert.equal(b.events.rowsKept, b.stats.events === 0, 'the first pass keeps no rows');
  assert.equal(typeof b.replay, 'function');
  const oa = outputs(a);
  const ob = outputs(b); // analysed three times: the replay reads the file anew each time
  assert.equal(ob.summary, oa.summary);
  assert.equal(ob.json, oa.json);
  assert.equal(ob.full, oa.full);
}

/** A schedule of `n` events on `ncpu` CPUs from a repeated random pattern (crosses row blocks). */
function schedule(pattern: { cpu: number; gapUs: number; wake: boolean; next: number; state: number }[], n: number, ncpu: number): WEvent[][] {
  const names = ['CPU 0/KVM', 'CPU 1/KVM', 'hog', 'kworker/0:1', 'io thread'];
  const cur: [number, string][] = Array.from({ length: ncpu }, (_, c) => [0, `swapper/${c}`]);
  const cpus: WEvent[][] = Array.from({ length: ncpu }, () => []);
  let t = 5_000_000_000;
  for (let i = 0; i < n; i++) {
    const x = pattern[i % pattern.length];
    const cpu = x.cpu % ncpu;
    t += x.gapUs * 1000;
    const [pp, pc] = cur[cpu];
    const task: [number, string] = [100 + x.next + 1000 * (i % 3), names[x.next]];
    if (x.wake) {
      cpus[cpu].push({ ts: t, data: wakeupRec(pp, task[1], task[0], cpu) });
      continue;
    }
    const [np, nc] = task[0] === pp ? [0, `swapper/${cpu}`] : task;
    cpus[cpu].push({ ts: t, data: switchRec(pp, pc, pp, pp === 0 ? 0 : x.state, nc, np) });
    cur[cpu] = [np, nc];
  }
  return cpus;
}

describe('.dat read twice: the same documents as with a table of every row', () => {
  it('the shared real traces (v7, zstd): summary, JSON and the full document identical', { skip: !haveShared && 'shared traces not present' }, () => {
    for (const run of RUNS) assertSame(new Uint8Array(readFileSync(datPath(run))));
  });

  it('property: generated schedules over several row blocks, v6 / v7 zlib, with lost events and corrupt pages', () => {
    const step = fc.record({
      cpu: fc.nat(3),
      gapUs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3000 })),
      wake: fc.boolean(),
      next: fc.nat(4),
      state: fc.constantFrom(0, 0x100, 1, 2),
    });
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(BLOCK_ROWS - 1, BLOCK_ROWS, 2 * BLOCK_ROWS + 17),
        fc.constantFrom(6, 7),
        fc.boolean(),
        (pattern, ncpu, n, version, damage) => {
          const cpus = schedule(pattern, n, ncpu);
          const opts = (c: number) => (damage && c === 0 ? { perPage: 40, missed: new Map([[3, 9]]), corrupt: new Set([5]) } : { perPage: 40 });
          const bytes = buildDat({ version, compression: version === 7 ? 'zlib' : 'none', cpus: cpus.map((e, c) => pages(e, opts(c))) });
          assertSame(bytes);
        },
      ),
      { numRuns: 8, seed: 21 },
    );
  });

  it('a file that changed (or went away) before the second read is said so in the warnings, without an exception', () => {
    const cpus = schedule([{ cpu: 0, gapUs: 10, wake: false, next: 2, state: 0x100 }, { cpu: 1, gapUs: 5, wake: true, next: 3, state: 0 }], 5000, 2);
    const bytes = buildDat({ version: 6, cpus: cpus.map((e) => pages(e, { perPage: 40 })) });
    for (const later of [bytes.subarray(0, bytes.length - 20000), new Uint8Array(0)]) {
      const t = twoReads(bytes, later);
      const d = analyzeTrace(t);
      assert.equal(t.stats.counters.input_error, 1);
      assert.ok(d.stats.warnings.some((w) => /the file changed while it was read/.test(w.reason)));
    }
  });

  it('loadTraceFile reads a .dat twice by default (progress and cancel in the first read), and keeps the rows when asked', { skip: !haveShared && 'shared traces not present' }, async () => {
    const seen: number[] = [];
    const two = await loadTraceFile(datPath('r2_2x_n4'), { onProgress: (d) => seen.push(d) });
    const one = await loadTraceFile(datPath('r2_2x_n4'), { keepRows: true });
    assert.ok(two.status === 'ok' && one.status === 'ok');
    if (two.status !== 'ok' || one.status !== 'ok') return;
    assert.ok(seen.length > 3);
    assert.equal(two.trace.events.rowsKept, false);
    assert.equal(one.trace.events.rowsKept, true);
    assert.equal(one.trace.replay, undefined);
    assert.deepEqual(outputs(two.trace), outputs(one.trace));
    const signal = { aborted: false };
    const c = await loadTraceFile(datPath('r2_2x_n4'), { signal, onProgress: () => (signal.aborted = true) });
    assert.equal(c.status, 'cancelled');
  });
});
