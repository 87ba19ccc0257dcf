/**
 * Compressed `.dat` parts that decompress to far more than the file (a decompression bomb, or a
 * corrupt size): every import pass decompresses at most `inflateBudget(file size)` bytes in all
 * (64 MiB + 128 x the file). A chunk beyond it is a located warning and the rest of that CPU's
 * data is skipped; a header section beyond it is an error naming the section. Before, a 1.2 MB
 * v7 zstd file whose chunks were zstd RLE frames of 64 MiB each took 3 s per chunk, without end.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { datDecompressors } from '../../server/src/io/traceFile';
import type { ImportedTrace } from '../../server/src/trace';
import { datImport } from '../../server/src/trace/importers/dat';
import { inflateBudget } from '../../server/src/trace/importers/dat/file';
import { buildDat, pages, switchRec, type WEvent } from './datWriter';

/** Imports `b`, returning the trace and the bytes the decompressors were asked for. */
function load(b: Uint8Array): { t: ImportedTrace; inflated: number } {
  let inflated = 0;
  const dec = { zlib: (s: Uint8Array, n: number) => ((inflated += n), datDecompressors.zlib!(s, n)) };
  const gen = datImport(b.length, { decompressors: dec, maxWarningSamples: 20 });
  let r = gen.next();
  while (!r.done) r = gen.next(r.value.offset < b.length ? b.subarray(r.value.offset, r.value.offset + r.value.length) : new Uint8Array(0));
  return { t: r.value, inflated };
}

const events = (): WEvent[] => Array.from({ length: 100 }, (_, i) => ({ ts: 1e9 + i * 50_000, data: switchRec(100, 't', 100, 1, `n${i % 7}`, 200 + (i % 7)) }));

describe('.dat decompression bombs', () => {
  it('chunks: at most the budget is decompressed; the chunk beyond it is a located warning', () => {
    // CPU 0: 96 MiB of empty pages in 3 zlib chunks of 32 MiB (about 32 KB each); CPU 1: events.
    const f = buildDat({ version: 7, compression: 'zlib', cpus: [new Uint8Array(96 << 20), pages(events(), { perPage: 12 })], pagesPerChunk: 8192 });
    assert.ok(f.length < 200_000 && inflateBudget(f.length) < 96 << 20);
    const { t, inflated } = load(f);
    assert.ok(inflated <= inflateBudget(f.length), `${inflated} bytes decompressed, budget ${inflateBudget(f.length)}`);
    assert.equal(t.stats.events, 100);
    assert.equal(t.stats.counters.dat_corrupt_page, 1);
    const w = t.stats.warnings.find((x) => /decompression bomb/.test(x.reason))!;
    assert.match(w.reason, /^CPU 0: compressed chunk at file offset \d+ claims 33554432 bytes, more than the file may still decompress to/);
    assert.ok(w.offset > 4096 && w.offset < f.length);
  });

  it('a header section beyond the budget is an error naming the section, nothing decompressed for it', () => {
    const formats = new Uint8Array(80 << 20); // 0 systems, then zeros: deflates to about 80 KB
    const f = buildDat({ version: 7, compression: 'zlib', cpus: [pages(events(), { perPage: 12 })], raw: { ftrace: new Uint8Array(4), formats, cmdlines: new Uint8Array(8) } as never /* the header block: the writer's own */ });
    assert.ok(inflateBudget(f.length) < 80 << 20);
    const { t, inflated } = load(f);
    assert.ok(inflated < 1 << 20, `${inflated} bytes decompressed`);
    assert.equal(t.stats.counters.dat_format_error, 1);
    assert.match(t.stats.warnings[0].reason, /section at \d+: its 83886080 decompressed bytes would bring the header sections' to \d+, more than a file of \d+ bytes may decompress to/);
  });
});
