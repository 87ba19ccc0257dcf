/**
 * `.dat` files cut short (a copy cut off, a full disk, trace-cmd killed): every shared real file
 * (v7, zstd) and written ones (v6; v7 zlib) cut at the boundaries of their sections, pages and
 * chunks and at offsets fast-check picks. Never a throw, never a hang; what loads is, CPU by CPU,
 * a prefix of that CPU's events in the whole file; a cut that loses events says so in one
 * located warning (`dat_truncated`), and one inside the headers is an error naming the offset.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { datDecompressors } from '../../server/src/io/traceFile';
import type { ImportedTrace } from '../../server/src/trace';
import { datImport } from '../../server/src/trace/importers/dat';
import { tracesDir } from './helpers';
import { buildDat, PAGE, pages, switchRec, wakeupRec, type WEvent } from './datWriter';

const RUNS = ['r1_1x_n2', 'r2_2x_n4', 'r3_1x_n2_2hogs'];
const datPath = (run: string) => resolve(tracesDir, run, `${run}.dat`);
const haveShared = existsSync(datPath(RUNS[0]));

/** Imports `b`, failing on a read request out of bounds or on more steps than a hang would take. */
function importCut(b: Uint8Array): ImportedTrace {
  const gen = datImport(b.length, { decompressors: datDecompressors, maxWarningSamples: 20 });
  let r = gen.next();
  let steps = 0;
  while (!r.done) {
    const { offset, length } = r.value;
    assert.ok(offset >= 0 && length >= 0 && Number.isFinite(offset), `request ${offset}+${length}`);
    assert.ok(++steps < 200_000, 'the reader does not end');
    r = gen.next(offset < b.length ? b.subarray(offset, offset + length) : new Uint8Array(0));
  }
  return r.value;
}

/** Each CPU's events, as comparable strings, in file order. */
function perCpu(t: ImportedTrace): Map<number, string[]> {
  const e = t.events;
  const out = new Map<number, string[]>();
  for (let i = 0; i < e.length; i++) {
    const cpu = e.cpu.get(i);
    let l = out.get(cpu);
    if (!l) out.set(cpu, (l = []));
    l.push(`${e.ts.get(i)} ${e.eventNames.name(e.kind.get(i))} ${e.pid.get(i)} ${e.a2.get(i)}`);
  }
  return out;
}

function checkCut(full: Uint8Array, whole: Map<number, string[]>, wholeCount: number, at: number): void {
  const t = importCut(full.subarray(0, at));
  const got = perCpu(t);
  for (const [cpu, evs] of got) {
    const ref = whole.get(cpu) ?? [];
    assert.ok(evs.length <= ref.length, `cut at ${at}: CPU ${cpu} has ${evs.length} events, the whole file ${ref.length}`);
    for (let i = 0; i < evs.length; i++) if (evs[i] !== ref[i]) assert.fail(`cut at ${at}: CPU ${cpu} event ${i} is ${evs[i]}, the whole file has ${ref[i]}`);
  }
  const c = t.stats.counters;
  if (t.stats.events < wholeCount) {
    // Events were lost: said once, located at or before the cut (or the headers are refused).
    assert.ok((c.dat_truncated ?? 0) + (c.dat_format_error ?? 0) === 1, `cut at ${at}: ${JSON.stringify(c)} ${JSON.stringify(t.stats.warnings)}`);
    const w = t.stats.warnings.filter((x) => /file ends at byte/.test(x.reason));
    assert.equal(w.length, 1, `cut at ${at}: ${JSON.stringify(t.stats.warnings)}`);
    assert.ok(w[0].reason.includes(`at byte ${at}`), w[0].reason);
    assert.ok(w[0].offset <= at, `cut at ${at}: warning at ${w[0].offset}`);
    if (c.dat_format_error) assert.equal(t.stats.events, 0);
  }
  assert.equal(c.dat_corrupt_page, undefined, `cut at ${at}: ${JSON.stringify(t.stats.warnings)}`);
}

/** Section starts of a v7 file up to its CPU data, then every `step`th page boundary after it. */
function boundaries(f: Uint8Array, step: number): number[] {
  const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const out = new Set<number>();
  let p = f.indexOf(0, 10) + 1 + 2 + 4;
  if (f[f.indexOf(0, 10) - 1] === 0x37) {
    p = f.indexOf(0, p) + 1;
    p = f.indexOf(0, p) + 1;
    p += 8;
    while (p + 16 <= f.length) {
      out.add(p);
      const id = dv.getUint16(p, true);
      if (id === 3) break;
      p += 16 + Number(dv.getBigUint64(p + 8, true));
    }
  }
  for (let o = p - (p % PAGE); o <= f.length; o += PAGE * step) out.add(o);
  out.add(f.length);
  const all = new Set<number>();
  for (const b of out) for (const d of [-1, 0, 9]) if (b + d > 0 && b + d <= f.length) all.add(b + d);
  return [...all].sort((a, b) => a - b);
}

function story(): WEvent[][] {
  const cpus: WEvent[][] = [[], []];
  for (let i = 0; i < 400; i++) {
    const cpu = i % 2;
    const ts = 1_000_000_000 + i * 50_000;
    cpus[cpu].push({ ts, data: i % 3 ? switchRec(100 + cpu, `t${cpu}`, 100 + cpu, 1, `n${i % 7}`, 200 + (i % 7)) : wakeupRec(100 + cpu, `w${i % 5}`, 300 + (i % 5), cpu) });
  }
  return cpus;
}

function cutSuite(name: string, load: () => Uint8Array, runs: number, step = 1): void {
  it(`${name}: cut at every section and page boundary and at random offsets`, () => {
    const full = load();
    const t0 = importCut(full);
    assert.equal(t0.stats.warningCount, 0, JSON.stringify(t0.stats.warnings));
    const whole = perCpu(t0);
    for (const at of boundaries(full, step)) checkCut(full, whole, t0.stats.events, at);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: full.length }), (at) => checkCut(full, whole, t0.stats.events, at)),
      { numRuns: runs, seed: 7 },
    );
  });
}

describe('.dat cut short: written files', () => {
  const evs = story();
  cutSuite('v6', () => buildDat({ version: 6, cpus: evs.map((e) => pages(e, { perPage: 12 })) }), 150);
  cutSuite('v7 zlib', () => buildDat({ version: 7, compression: 'zlib', cpus: evs.map((e) => pages(e, { perPage: 12 })) }), 150);

  it('what a cut keeps and the warning that says so (v7 zlib, the options at the end lost)', () => {
    const full = buildDat({ version: 7, compression: 'zlib', cpus: evs.map((e) => pages(e, { perPage: 12 })), pagesPerChunk: 2 });
    const whole = importCut(full);
    // Cut in the middle of CPU 1's data (page aligned, before the options section the header
    // points to): CPU 0 whole, CPU 1 up to its last whole chunk.
    const optAt = Number(new DataView(full.buffer, full.byteOffset).getBigUint64(10 + 2 + 2 + 4 + 5 + 7, true));
    const cpu1At = Math.floor((optAt - 1) / PAGE) * PAGE;
    const at = Math.floor((cpu1At + optAt) / 2);
    const t = importCut(full.subarray(0, at));
    assert.equal(t.stats.counters.dat_truncated, 1);
    const w = t.stats.warnings.find((x) => /file ends/.test(x.reason))!;
    assert.match(w.reason, /^the file ends at byte \d+ inside the data of CPU 1 \(the chunk at offset \d+\); the CPU data was found by scanning .*: 9 chunks of CPU 0 read; \d+ chunks of CPU 1 read, the rest lost$/);
    assert.equal(perCpu(t).get(0)!.length, perCpu(whole).get(0)!.length);
    assert.ok(t.stats.events > whole.stats.events / 2 && t.stats.events < whole.stats.events);
    assert.equal(t.formatDetail.truncatedAt, at);
  });

  it('a section of an id the reader does not know is stepped over by the scan', () => {
    const full = buildDat({ version: 7, compression: 'zlib', cpus: evs.map((e) => pages(e, { perPage: 12 })) });
    const fdv = new DataView(full.buffer, full.byteOffset);
    // The flyrecord section: walk the sections from the end of the file header.
    let fly = 10 + 2 + 2 + 4 + 5 + 7 + 8;
    while (fdv.getUint16(fly, true) !== 3) fly += 16 + Number(fdv.getBigUint64(fly + 8, true));
    // Cut in the CPU data, far enough from the options section the header points to that the
    // inserted page does not bring it back before the cut.
    const optAt = Number(fdv.getBigUint64(10 + 2 + 2 + 4 + 5 + 7, true));
    const at = fly + Math.floor((optAt - fly - PAGE) * 0.7);
    const plain = importCut(full.subarray(0, at));
    // Insert a section of id 40 (a whole page: the CPU data stays page aligned) before the flyrecord section.
    const extra = new Uint8Array(PAGE);
    const dv = new DataView(extra.buffer);
    dv.setUint16(0, 40, true);
    dv.setBigUint64(8, BigInt(PAGE - 16), true);
    const cut = new Uint8Array(at + PAGE);
    cut.set(full.subarray(0, fly));
    cut.set(extra, fly);
    cut.set(full.subarray(fly, at), fly + PAGE);
    const t = importCut(cut);
    assert.equal(t.stats.events, plain.stats.events, `section at ${fly}: ${JSON.stringify(t.stats.warnings)}`);
    assert.ok(t.stats.events > 0);
    assert.equal(t.stats.counters.dat_truncated, 1);
  });

  it('a chunk count lower than the chunks that follow: a located warning, not a silent loss', () => {
    const full = buildDat({ version: 7, compression: 'zlib', cpus: evs.map((e) => pages(e, { perPage: 12 })), pagesPerChunk: 2 });
    const whole = importCut(full);
    // CPU 0's data starts at the first page boundary after the flyrecord section, with its count.
    const at = PAGE;
    const dv = new DataView(full.buffer, full.byteOffset);
    assert.equal(dv.getUint32(at, true), 9);
    for (const n of [0, 1, 8]) {
      const f = new Uint8Array(full);
      new DataView(f.buffer).setUint32(at, n, true);
      const t = importCut(f);
      assert.ok(t.stats.events < whole.stats.events);
      assert.equal(t.stats.counters.dat_corrupt_page, 1, JSON.stringify(t.stats.warnings));
      const w = t.stats.warnings[0];
      assert.match(w.reason, new RegExp(`^CPU 0: its data states ${n} compressed chunks?, but \\d+ bytes of it follow (it|them) from file offset ${w.offset} \\(a corrupt chunk count\\); they are skipped$`));
      assert.ok(w.offset > at && w.offset < f.length);
    }
  });

  it('a cut inside the headers is an error naming where the file ends', () => {
    const full = buildDat({ version: 6, cpus: evs.map((e) => pages(e, { perPage: 12 })) });
    const t = importCut(full.subarray(0, 300));
    assert.equal(t.stats.counters.dat_format_error, 1);
    assert.match(t.stats.warnings[0].reason, /the file ends at byte 300, inside its headers \(truncated at offset \d+/);
  });
});

describe('.dat cut short: the shared real traces (v7, zstd)', { skip: !haveShared && 'shared traces not present' }, () => {
  for (const run of RUNS) cutSuite(run, () => new Uint8Array(readFileSync(datPath(run))), 15, 3);
});
