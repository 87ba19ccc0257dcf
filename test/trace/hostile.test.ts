/**
 * Hostile input (issue 13, trace part): each case failed before its fix (hang, quadratic time,
 * silent loss, mangled values, raw control characters, unbounded memory). Timing bounds are
 * generous (the machine is shared); where possible the test counts work instead.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { TraceFormat } from '../../server/src/trace/detect';
import { countLF, TraceImporter, importTrace, type ImportedTrace } from '../../server/src/trace/importer';
import { analyzeTrace, renderSummary } from '../../server/src/trace';
import { scenarioSkeleton } from '../../server/src/trace/skeleton';
import { loadTraceFile } from '../../server/src/io/traceFile';
import { indexOfSeq, indexOfByte, ascii } from '../../server/src/trace/bytes';
import { importBytes, realTrace, tf, sw } from './helpers';
import { MAX_CHROME_NAMES } from '../../server/src/trace/importers/chrome/events';
import { main as analyzeMain } from '../../server/src/cli/analyze';
import { validator } from '../schemas/validate';

const real = realTrace('r1_1x_n2', 'tracefs_trace').toString('latin1');
const realLines = real.split('\n');
/** 0-based index of the first event line (after the `#` header). */
const firstEvent = realLines.findIndex((l) => !l.startsWith('#') && l.trim() !== '');
const baseDoc = analyzeTrace(importBytes(real));

/** The line with its timestamp replaced. */
function withTs(line: string, ts: string): string {
  return line.replace(/ (\d+\.\d+): /, ` ${ts}: `);
}

function mutate(i: number, line: string): string {
  const l = [...realLines];
  l[i] = line;
  return l.join('\n');
}

function accounted(tr: ImportedTrace): void {
  const s = tr.stats;
  assert.equal(s.events + s.malformedLines + s.skippedLines, s.lines, 'events + malformed + skipped == lines');
}

describe('hostile traces: timestamps', () => {
  const mid = firstEvent + 5000;
  for (const [label, ts] of [
    ['far-off', '400001490.000000'],
    ['zero', '0.000000'],
    ['2^63 ns', '9223372036.854775808'],
  ] as const) {
    it(`a ${label} timestamp in the middle is skipped with a warning on its line; the window is unchanged`, () => {
      const t0 = Date.now();
      const tr = importBytes(mutate(mid, withTs(realLines[mid], ts)));
      accounted(tr);
      assert.equal(tr.stats.warningCount, 1);
      assert.equal(tr.stats.warnings[0].line, mid + 1);
      assert.match(tr.stats.warnings[0].reason, /far from the lines around it/);
      assert.equal(tr.stats.counters.timestamp_outlier, 1);
      assert.equal(tr.stats.counters.timestamp_backwards ?? 0, 0);
      const doc = analyzeTrace(tr);
      assert.deepEqual(doc.window, baseDoc.window);
      assert.ok(Date.now() - t0 < 20_000);
    });
  }

  it('a 400-digit timestamp is a malformed line, never Infinity or NaN', () => {
    const tr = importBytes(mutate(mid, withTs(realLines[mid], '9'.repeat(400) + '.000000')));
    assert.equal(tr.stats.warnings[0].line, mid + 1);
    assert.match(tr.stats.warnings[0].reason, /timestamp out of range/);
    const doc = analyzeTrace(tr);
    assert.deepEqual(doc.window, baseDoc.window);
    assert.doesNotMatch(scenarioSkeleton(doc), /NaN|Infinity/);
  });

  it('a first event at 0 and a last event far off are skipped (one neighbour each)', () => {
    const last = realLines.length - 2; // the file ends with a newline
    const l = [...realLines];
    l[firstEvent] = withTs(l[firstEvent], '0.000000');
    l[last] = withTs(l[last], '400001490.000000');
    const tr = importBytes(l.join('\n'));
    accounted(tr);
    assert.deepEqual(tr.stats.warnings.map((w) => w.line), [firstEvent + 1, last + 1]);
    const doc = analyzeTrace(tr);
    assert.ok(doc.window.startNs > 1e12 && doc.window.endNs < 1492e9);
  });

  it('a real jump (the second half shifted by 4e8 s) is kept, warned once at its line, and the exit-rate code does not walk the span', () => {
    const l = [...realLines];
    const at = firstEvent + 7000;
    for (let i = at; i < l.length; i++) {
      const m = / (\d+)\.(\d+): /.exec(l[i]);
      if (m) l[i] = l[i].replace(m[0], ` ${Number(m[1]) + 400000000}.${m[2]}: `);
    }
    const t0 = Date.now();
    const tr = importBytes(l.join('\n'));
    assert.equal(tr.stats.counters.timestamp_jump, 1);
    assert.equal(tr.stats.warnings[0].line, at + 1);
    assert.match(tr.stats.warnings[0].reason, /jumps forward by 400000000/);
    const doc = analyzeTrace(tr);
    assert.ok(doc.window.durationNs > 3.9e17);
    // Exit counts survive the jump (4e9 buckets of 100 ms would never finish).
    const vcpu = doc.threads.find((t) => t.tid === 1779)!;
    assert.ok(Object.values(vcpu.exits).reduce((a, b) => a + b, 0) > 1000);
    assert.ok(Date.now() - t0 < 30_000);
  });
});

describe('hostile traces: malformed and binary input', () => {
  it('xz, zstd and bzip2 input is named with how to decompress it, not "binary data" (found by attack9)', () => {
    const body = new Uint8Array(8192); // compressed data: NUL-rich, no line structure
    for (let i = 0; i < body.length; i += 7) body[i] = (i * 31) & 0xff;
    const cases: [number[], RegExp][] = [
      [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], /^xz-compressed input: decompress it first \(xz -dc FILE \| vpscope analyze -\)/],
      [[0x28, 0xb5, 0x2f, 0xfd], /^zstd-compressed input: decompress it first \(zstd -dc/],
      [[0x42, 0x5a, 0x68, 0x39], /^bzip2-compressed input: decompress it first \(bzip2 -dc/],
      [[0x00, 0x01, 0x02], /^binary data: not a text trace or Chrome JSON$/],
    ];
    for (const [magic, re] of cases) {
      const b = new Uint8Array(magic.length + body.length);
      b.set(magic);
      b.set(body, magic.length);
      for (const chunks of [[b.length], [3, 5, 100]]) {
        const tr = importBytes(b, { chunks });
        assert.equal(tr.stats.events, 0);
        assert.equal(tr.stats.counters.unsupported_input, 1);
        assert.match(tr.stats.warnings[0]?.reason ?? '', re, `${magic.join(',')} in chunks ${chunks.join(',')}`);
      }
    }
  });
  it('line searches never look past the line end (160k junk lines are linear)', () => {
    // Count the bytes looked at through a Proxy-free probe: a line without the pattern must
    // cost at most its own length, whatever follows it in the chunk.
    const b = new Uint8Array(1 << 20).fill(0x61);
    b[b.length - 1] = 0x5b;
    assert.equal(indexOfByte(b, 0x5b, 0, 10), -1);
    assert.equal(indexOfSeq(b, ascii('[x'), 0, 10), -1);
    const junk = realLines.slice(0, 100).join('\n') + '\n' + 'x y\n'.repeat(160_000) + realLines.slice(100).join('\n');
    const t0 = Date.now();
    const tr = importBytes(junk);
    const ms = Date.now() - t0;
    accounted(tr);
    assert.equal(tr.stats.malformedLines, 160_000);
    assert.equal(tr.stats.events, baseDoc.stats.events);
    assert.ok(ms < 15_000, `${ms} ms`); // 22 s before the fix on a fast machine, ~0.1 s after
  });

  async function pulled(chunk: () => Uint8Array, limit = 1000): Promise<{ chunks: number; trace: ImportedTrace }> {
    let n = 0;
    function* endless(): Generator<Uint8Array> {
      while (n < limit) {
        n++;
        yield chunk();
      }
    }
    const out = await importTrace(endless(), { fileName: 'dev' });
    assert.equal(out.status, 'ok');
    return { chunks: n, trace: (out as { trace: ImportedTrace }).trace };
  }

  it('/dev/zero-like input is refused after the first chunk, not read forever', async () => {
    const { chunks, trace } = await pulled(() => new Uint8Array(64 * 1024));
    assert.equal(chunks, 1);
    assert.equal(trace.stats.counters.unsupported_input, 1);
  });

  it('/dev/urandom-like input is refused early, also when it happens to start with [ or {', async () => {
    let seed = 7;
    const rnd = (n: number): Uint8Array => {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
      return b;
    };
    const a = await pulled(() => rnd(64 * 1024));
    assert.ok(a.chunks <= 2, `${a.chunks} chunks`);
    let first = true;
    const b = await pulled(() => {
      const c = rnd(64 * 1024);
      if (first) c[0] = 0x5b;
      first = false;
      return c;
    });
    assert.ok(b.chunks <= 2, `${b.chunks} chunks`);
    assert.equal(b.trace.format, 'chrome-json');
    assert.ok((b.trace.stats.counters.chrome_json_error ?? 0) + (b.trace.stats.counters.chrome_bad_event ?? 0) > 0);
  });

  it('the CLI reader stops on /dev/zero and /dev/urandom', async () => {
    for (const dev of ['/dev/zero', '/dev/urandom']) {
      const out = await loadTraceFile(dev);
      assert.equal(out.status, 'ok');
      if (out.status === 'ok') assert.equal(out.trace.stats.events, 0);
    }
  });
});

describe('hostile traces: gzip', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpscope-hostile-'));
  const gz = gzipSync(Buffer.from(real, 'latin1'));
  it('a bad CRC keeps every line gzip -d recovers, then warns', async () => {
    const bad = Buffer.from(gz);
    bad[bad.length - 8] ^= 0xff; // CRC32 of the trailer
    const f = join(dir, 'badcrc.txt.gz');
    writeFileSync(f, bad);
    const out = await loadTraceFile(f);
    assert.equal(out.status, 'ok');
    if (out.status !== 'ok') return;
    assert.equal(out.trace.stats.lines, baseDoc.stats.lines);
    assert.equal(out.trace.stats.events, baseDoc.stats.events);
    assert.equal(out.trace.stats.counters.input_error, 1);
    assert.match(out.trace.stats.warnings.at(-1)!.reason, /input ends early/);
  });

  it('a few trailing bytes after the gzip member keep every line', async () => {
    const f = join(dir, 'trailing.txt.gz');
    writeFileSync(f, Buffer.concat([gz, Buffer.from([0x1f, 0x8b, 0x08])]));
    const out = await loadTraceFile(f);
    assert.equal(out.status, 'ok');
    if (out.status === 'ok') assert.equal(out.trace.stats.events, baseDoc.stats.events);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('hostile traces: caps', () => {
  it('text past the event cap is counted, not stored, and the summary says so', () => {
    const imp = new TraceImporter({ fileName: 'cap', maxEvents: 5000 });
    const b = Buffer.from(real, 'latin1');
    for (let o = 0; o < b.length; o += 4096) imp.push(b.subarray(o, o + 4096));
    const tr = imp.finish();
    accounted(tr);
    assert.equal(tr.stats.lines, baseDoc.stats.lines);
    assert.ok(tr.stats.events >= 5000 && tr.stats.events < 5100, String(tr.stats.events));
    assert.equal(tr.stats.counters.lines_over_cap, tr.stats.lines - tr.stats.events - tr.stats.malformedLines - 12);
    const doc = analyzeTrace(tr);
    assert.match(renderSummary(doc), /capped: +5,\d{3} events stored \(the cap\); [\d,]+ later lines counted/);
    // The lines past the cap are not headers: the parsed line says which is which.
    assert.match(renderSummary(doc), /events, 12 header\/blank lines, [\d,]+ past the cap, 0 malformed/);
    assert.ok(doc.stats.counters.lines_over_cap.value > 9000);
  });

  it('an endless input past the cap stops being read at a bound, and the summary says so', () => {
    // `yes LINE | vpscope analyze -` counted lines past the cap for as long as it was fed.
    const imp = new TraceImporter({ fileName: 'endless', maxEvents: 5000, maxBytesPastCap: 300_000 });
    const b = Buffer.from(real, 'latin1');
    const line = Buffer.from(realLines[realLines.length - 2] + '\n', 'latin1');
    const more = Buffer.concat(Array.from({ length: 4096 / line.length + 1 }, () => line));
    let pushed = 0;
    for (let o = 0; o < b.length; o += 4096) imp.push(b.subarray(o, o + 4096));
    while (!imp.done && pushed < 10_000_000) {
      imp.push(more);
      pushed += more.length;
    }
    assert.ok(imp.done, 'reading stops');
    assert.ok(pushed < 400_000 + b.length, String(pushed));
    const tr = imp.finish();
    accounted(tr);
    const past = tr.stats.counters.input_not_read ?? 0;
    assert.ok(past >= 300_000 && past < 300_000 + 2 * more.length, String(past));
    const doc = analyzeTrace(tr);
    assert.match(renderSummary(doc), /capped: +reading stopped [\d,]+ bytes past the cap; the rest of the input was not read/);
    assert.ok(doc.stats.warnings.some((w) => /bytes counted past the cap: the rest of the input was not read/.test(w.reason)));
  });

  it('lines that are no events stop at the line cap: blank lines after the events, then counted; the summary says so', () => {
    // A gzip of 1 GiB of newlines (1 MB on disk) took 55 s before the line cap (measured here).
    const imp = new TraceImporter({ fileName: 'lines', maxLines: 20_000 });
    const b = Buffer.concat([Buffer.from(real, 'latin1'), Buffer.alloc(200_000, 10), Buffer.from(realLines.slice(12, 20).join('\n') + '\n', 'latin1')]);
    for (let o = 0; o < b.length; o += 4096) imp.push(b.subarray(o, o + 4096));
    const tr = imp.finish();
    accounted(tr);
    assert.equal(tr.stats.events, baseDoc.stats.events, 'every event before the blank lines is kept');
    assert.ok(tr.stats.lines >= 200_000 + baseDoc.stats.lines);
    assert.equal(tr.stats.counters.line_cap, 1);
    assert.ok((tr.stats.counters.lines_over_cap ?? 0) > 150_000);
    const doc = analyzeTrace(tr);
    assert.match(renderSummary(doc), /capped: +2\d,\d{3} lines read \(the cap on lines\); [\d,]+ later lines counted/);
    assert.ok(doc.stats.warnings.some((w) => /lines read \(the cap on lines\): the lines from here on are counted/.test(w.reason)));
  });

  it('property: countLF counts every line feed from any offset, dense or sparse', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(10), fc.integer({ min: 0, max: 255 })), { maxLength: 5000 }), fc.nat(), fc.boolean(), (bytes, at, dense) => {
        const b = Buffer.from(dense ? bytes.concat(new Array(3000).fill(10)) : bytes);
        const from = b.length ? at % b.length : 0;
        let n = 0;
        for (let i = from; i < b.length; i++) if (b[i] === 10) n++;
        assert.equal(countLF(b, from), n);
      }),
    );
  });

  it('distinct text threads past the cap share one entry, counted and reported', () => {
    const lines = ['# tracer: nop'];
    for (let i = 1; i <= 300; i++) lines.push(tf('a', i, 0, `10.${String(i).padStart(6, '0')}`, 'sched_switch', sw('a', i, 'S', 'b', i + 1)));
    const imp = new TraceImporter({ maxThreads: 100 });
    imp.push(Buffer.from(lines.join('\n') + '\n'));
    const tr = imp.finish();
    assert.equal(tr.threads.list.length, 101);
    assert.equal(tr.stats.counters.threads_over_cap, 201);
    const doc = analyzeTrace(tr);
    assert.equal(doc.stats.events, 300);
    assert.match(renderSummary(doc), /capped: +201 threads beyond the cap/);
  });

  it('Chrome threads past the cap are counted, not kept', () => {
    const ev = Array.from({ length: 500 }, (_, i) => `{"ph":"X","pid":1,"tid":${i + 1},"ts":${i},"dur":1,"name":"running"}`);
    const imp = new TraceImporter({ maxThreads: 50 });
    imp.push(Buffer.from(`[${ev.join(',\n')}]`));
    const tr = imp.finish();
    assert.equal(tr.chrome!.slices.length, 50);
    assert.equal(tr.stats.counters.threads_over_cap, 450);
    assert.equal(tr.stats.warningCount, 1);
    assert.equal(tr.stats.warnings[0].line, 51);
  });
});

describe('hostile traces: distinct Chrome names', () => {
  // Every distinct slice, category, counter or instant name was kept (about 300 bytes of heap each
  // and a Uint8Array): 1,000,000 distinct slice names in a 60 MB file held 293 MB after the import
  // (587 MB peak RSS, 12 s of CPU) against 0 MB (131 MB, 2.5 s) for one name, without bound.
  it('names past the cap share one entry: the events are kept, the rest counted and warned once', () => {
    const n = MAX_CHROME_NAMES + 2_000;
    const ev: string[] = [];
    for (let i = 0; i < n; i++) ev.push(`{"ph":"X","pid":1,"tid":1,"ts":${2 * i},"dur":1,"name":"s${i}","cat":"c${i}"}`);
    for (let i = 0; i < 500; i++) ev.push(`{"ph":"C","pid":1,"tid":1,"ts":${2 * n + i},"name":"k${i}","args":{"a":1,"b":2}}`);
    for (let i = 0; i < 500; i++) ev.push(`{"ph":"i","pid":1,"tid":1,"ts":${2 * n + i},"name":"inst${i}"}`);
    ev.push(`{"ph":"X","pid":1,"tid":1,"ts":1,"dur":1,"name":"s0","cat":"c0"}`);
    const tr = importBytes(`[${ev.join(',\n')}]`);
    const c = tr.chrome!;
    assert.equal(c.slices.length, n + 1);
    assert.ok(c.strings.size <= MAX_CHROME_NAMES + 1, String(c.strings.size));
    assert.ok(c.instants.size <= MAX_CHROME_NAMES + 1, String(c.instants.size));
    assert.equal(c.counters.length, 1000);
    assert.ok((tr.stats.counters.names_over_cap ?? 0) >= n - MAX_CHROME_NAMES);
    const w = tr.stats.warnings.filter((x) => /distinct names/.test(x.reason));
    assert.equal(w.length, 1);
    assert.ok(w[0].line > MAX_CHROME_NAMES / 2 && w[0].line <= MAX_CHROME_NAMES + 1, String(w[0].line));
    // A name kept before the cap still reads back.
    assert.equal(c.strings.name(c.slices.name.get(n)), 's0');
  });
});

describe('hostile traces: Chrome JSON values', () => {
  const x = (fields: string): string => `{"ph":"X","pid":1,"name":"running","cat":"running",${fields}}`;
  const lines = [
    x('"tid":2,"ts":10,"dur":5'),
    x('"tid":9223372036854775807,"ts":20,"dur":5'),
    x('"tid":2.5,"ts":30,"dur":5'),
    x('"tid":"abc","ts":40,"dur":5'),
    x('"tid":3,"ts":50,"dur":-5'),
    x('"tid":3,"ts":1e308,"dur":5'),
    x('"tid":"4","ts":60,"dur":5'),
  ];
  const text = `[${lines.join(',\n')}]\ngarbage ${x('"tid":5,"ts":70,"dur":5')}\n`;

  it('mangled tids, negative dur, far ts and trailing garbage are located warnings; the rest loads', () => {
    const tr = importBytes(text);
    const w = tr.stats.warnings.map((v) => [v.line, v.reason]);
    assert.deepEqual(w.map((v) => v[0]), [2, 3, 4, 5, 6, 8]);
    assert.match(String(w[0][1]), /tid 9223372036854776000 is not an integer/);
    assert.match(String(w[1][1]), /tid 2\.5 is not an integer/);
    assert.match(String(w[2][1]), /tid "abc" is not an integer/);
    assert.match(String(w[3][1]), /dur -5 is not a duration/);
    assert.match(String(w[4][1]), /ts 1e\+308 out of range/);
    assert.match(String(w[5][1]), /data after the end of the JSON document/);
    const s = tr.chrome!.slices;
    assert.deepEqual(Array.from({ length: s.length }, (_, i) => s.tid.get(i)), [2, 4]);
    const doc = analyzeTrace(tr);
    assert.equal(doc.window.startNs, 10_000);
    assert.equal(doc.window.endNs, 65_000);
  });

  it('an E earlier than its B is counted and warned on its line (it was a silent zero-length slice)', () => {
    const be = (ph: string, ts: number) => `{"ph":"${ph}","pid":1,"tid":2,"name":"work","ts":${ts}}`;
    const tr = importBytes(`[${[be('B', 100), be('E', 40), be('B', 200), be('E', 250)].join(',\n')}]\n`);
    assert.equal(tr.stats.counters.chrome_end_before_begin, 1);
    assert.deepEqual(tr.stats.warnings.map((v) => v.line), [2]);
    assert.match(tr.stats.warnings[0].reason, /event "work" \(ph E\) at 40 us ends before the B it closes/);
    const s = tr.chrome!.slices;
    assert.equal(s.length, 2);
  });
});

describe('hostile traces: control characters in outputs', () => {
  const esc = real
    .replaceAll('CPU 0/KVM', 'CPU 0/KVM\x1b]0;pwned\x07')
    .replace(/reason KVM_EXIT_IO/g, (m, off: number) => (off % 3 === 0 ? 'reason KVM_EXIT\rvm x { }\x1b[31m' : m));
  const doc = analyzeTrace(importBytes(esc, { fileName: 'esc\x1b[2J.txt' }));

  it('the text summary carries no ESC, BEL or CR from comms, exit reasons or the file name', () => {
    const text = renderSummary({ ...doc, file: 'esc\x1b[2J\u009b.txt' });
    assert.doesNotMatch(text, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    assert.match(text, /CPU 0\/KVM\\x1b\]0;pwned\\x07/);
    assert.match(text, /esc\\x1b\[2J\\x9b\.txt/);
  });

  it('a generated scenario keeps every trace string inside its comment line', () => {
    // The comm stays a vCPU name here, so the VM (and its exits comment) is in the skeleton.
    const reasons = real.replace(/reason KVM_EXIT_IO/g, (m, off: number) => (off % 3 === 0 ? 'reason KVM_EXIT\rvm x { }\x1b[31m' : m));
    const vps = scenarioSkeleton({ ...analyzeTrace(importBytes(reasons)), file: 'a\r\nvm evil { }.txt' });
    assert.doesNotMatch(vps, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]/);
    // Outside comments and the quoted scenario name, no trace text becomes scenario code.
    for (const line of vps.split('\n')) assert.doesNotMatch(line.replace(/"[^"]*"/g, '""').replace(/#.*$/, ''), /vm (x|evil)/);
    assert.match(vps, /KVM_EXIT\\x0dvm \d/);
  });
});

describe('hostile traces: any single-line mutation of a real trace', () => {
  const lineArb = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
    fc.constantFrom('0.000000', '400001490.000000', '9223372036.854775808', '9'.repeat(400) + '.0', '1490.000000', '1e9').map((ts) => ({ ts })),
    fc.nat(200).map((cut) => ({ cut })),
  );
  it('loads in bounded time with at most that line warned, and the counts add up', () => {
    fc.assert(
      fc.property(fc.integer({ min: firstEvent, max: realLines.length - 2 }), lineArb, (i, m) => {
        const orig = realLines[i];
        const line = typeof m === 'string' ? m.replace(/\n/g, ' ') : 'ts' in m ? withTs(orig, m.ts) : orig.slice(0, m.cut);
        const t0 = Date.now();
        const tr = importBytes(mutate(i, line));
        accounted(tr);
        for (const w of tr.stats.warnings) assert.equal(w.line, i + 1, `${w.line}: ${w.reason}`);
        assert.ok(tr.stats.malformedLines <= 1);
        const doc = analyzeTrace(tr);
        assert.ok(Number.isFinite(doc.window.durationNs));
        assert.ok(doc.window.durationNs <= baseDoc.window.durationNs + 1e9, String(doc.window.durationNs));
        assert.ok(Date.now() - t0 < 20_000);
      }),
      { numRuns: 40, seed: 13 },
    );
  });
});

describe('hostile traces: any single field of a Chrome event set to any JSON value', () => {
  const n = 200;
  const events = Array.from({ length: n }, (_, i) => ({ ph: 'X', pid: 1, tid: 1 + (i % 7), ts: 10 * i, dur: 5, name: 'running', cat: 'running' }));
  it('only that event is warned (on its line); every other event loads; the window stays finite', () => {
    fc.assert(
      fc.property(fc.nat(n - 1), fc.constantFrom('pid', 'tid', 'ts', 'dur'), fc.jsonValue(), (i, key, value) => {
        const evs = events.map((e, k) => (k === i ? { ...e, [key]: value } : e));
        const text = `[${evs.map((e) => JSON.stringify(e)).join(',\n')}]\n`;
        const tr = importBytes(text);
        for (const w of tr.stats.warnings) assert.equal(w.line, i + 1, `${w.line}: ${w.reason}`);
        assert.ok(tr.chrome!.slices.length >= n - 1);
        assert.ok(tr.stats.warningCount <= 1);
        const doc = analyzeTrace(tr);
        assert.ok(Number.isFinite(doc.window.startNs) && Number.isFinite(doc.window.endNs));
      }),
      { numRuns: 200, seed: 13 },
    );
  });
});

describe('hostile traces: pids and CPU numbers in event fields', () => {
  // The line head was checked (CPU < 8192, pid < 2^31) but the fields were not: the columns hold
  // i32, so next_pid=2^32+1750 became thread 1750 (its time merged into another thread's) and
  // target_cpu=99999999999999999999 became CPU 1662009344, silently.
  const reportLines = realTrace('r1_1x_n2', 'report').toString('latin1').split('\n');
  const sw = realLines.findIndex((l) => / sched_switch: prev_comm=\S+ prev_pid=\d+ .*next_pid=1776 /.test(l));
  const wk = realLines.findIndex((l, i) => i > sw && / sched_waking: .* target_cpu=\d+/.test(l));
  const mg = realLines.findIndex((l, i) => i > sw && / sched_migrate_task: .* dest_cpu=\d+/.test(l));
  const rsw = reportLines.findIndex((l) => / sched_switch: .*==> \S+:1776 /.test(l));
  const rwk = reportLines.findIndex((l) => / sched_wakeup: .* CPU:\d+/.test(l));
  const cases: [string, string[], number, RegExp, string][] = [
    ['next_pid 2^32 + 1776', realLines, sw, /next_pid=1776 /, 'next_pid=4294969072 '],
    ['next_pid 2^31', realLines, sw, /next_pid=1776 /, 'next_pid=2147483648 '],
    ['prev_pid of 20 digits', realLines, sw, /prev_pid=\d+ /, 'prev_pid=99999999999999999999 '],
    ['target_cpu of 20 digits', realLines, wk, /target_cpu=\d+/, 'target_cpu=99999999999999999999'],
    ['target_cpu 8192', realLines, wk, /target_cpu=\d+/, 'target_cpu=8192'],
    ['dest_cpu 2^31', realLines, mg, /dest_cpu=\d+/, 'dest_cpu=2147483648'],
    ['orig_cpu 65536', realLines, mg, /orig_cpu=\d+/, 'orig_cpu=65536'],
    ['report: next task pid 2^32 + 1776', reportLines, rsw, /(==> \S+):1776 /, '$1:4294969072 '],
    ['report: wakeup CPU:4294967296', reportLines, rwk, /CPU:\d+/, 'CPU:4294967296'],
  ];
  for (const [label, lines, i, re, to] of cases) {
    it(`${label}: a malformed line warned at its line, no thread or CPU made of it`, () => {
      assert.ok(i >= 0, label);
      const l = [...lines];
      const before = importBytes(l.join('\n'));
      l[i] = l[i].replace(re, to);
      assert.notEqual(l[i], lines[i]);
      const tr = importBytes(l.join('\n'));
      accounted(tr);
      assert.equal(tr.stats.malformedLines, before.stats.malformedLines + 1);
      assert.equal(tr.stats.events, before.stats.events - 1);
      const w = tr.stats.warnings.find((x) => x.line === i + 1);
      assert.ok(w, `no warning on line ${i + 1}: ${JSON.stringify(tr.stats.warnings)}`);
      assert.match(w.reason, /out of range/);
    });
  }
});

describe('hostile traces: long names in warnings', () => {
  // A Chrome event's name was quoted whole in its warning: 150 events named by 900,000 characters
  // with a bad ts made 90 MB of `analyze --json` (100 kept warnings) and 5.4 MB of text.
  it('a Chrome event name of 900,000 characters is quoted clipped, with its length', () => {
    const big = 'a'.repeat(900_000);
    const evs = [
      { ph: 'X', pid: 1, tid: 1, ts: 'x', dur: 1, name: big },
      { ph: 'X', pid: 1, tid: 1, ts: 1, dur: -1, name: big },
      { ph: 'X', pid: 'p', tid: 1, ts: 1, dur: 1, name: big },
      { ph: big, pid: 1, tid: 1, ts: null, name: 'n' },
      { ph: 'X', pid: 1, tid: 1, ts: 5, dur: 1, name: 'ok' },
    ];
    const tr = importBytes(`[${evs.map((e) => JSON.stringify(e)).join(',\n')}]\n`);
    assert.equal(tr.stats.warnings.length, 4);
    for (const w of tr.stats.warnings) {
      assert.ok(w.reason.length <= 2_000, `${w.reason.length} characters`);
      assert.match(w.reason, /aaa\.\.\. \(900,000 characters\)/);
    }
    assert.equal(tr.chrome!.slices.length, 1);
  });

  it('a text trace event name or field of 60,000 characters is quoted clipped', () => {
    const l = [...realLines];
    l[firstEvent + 3] = l[firstEvent + 3].replace(/: (sched_\w+): .*$/, `: $1: ${'x'.repeat(60_000)}`);
    l[firstEvent + 4] = l[firstEvent + 4].replace(/prev_state=\S+/, `prev_state=${'S'.repeat(60_000)}`).replace(/next_pid=\d+/, 'next_pid=');
    const tr = importBytes(l.join('\n'));
    assert.ok(tr.stats.warnings.length >= 1);
    for (const w of tr.stats.warnings) assert.ok(w.reason.length <= 2_000, `${w.reason.length} characters: ${w.reason.slice(0, 100)}`);
  });
});

describe('hostile traces: a CPU number beyond the report\'s cpus= header', () => {
  // `trace-cmd report` starts with `cpus=N`, the CPUs the file recorded. One line whose CPU was
  // beyond it (`[006]` in a `cpus=2` file) made a host of 7 pCPUs, CPU 6 busy 100% of the
  // window, the VM's share of the pCPUs 15% -> 4.0%, silently.
  const lines = realTrace('r3_1x_n2_2hogs', 'report').toString('latin1').split('\n');
  const i = lines.findIndex((l, k) => k > 4000 && / \[001\] .* sched_switch: /.test(l));
  it('is a malformed line warned on its line; the host keeps its 2 CPUs', () => {
    assert.equal(lines[0], 'cpus=2');
    const base = importBytes(lines.join('\n'));
    const l = [...lines];
    l[i] = l[i].replace(' [001] ', ' [006] ');
    const tr = importBytes(l.join('\n'));
    accounted(tr);
    assert.equal(tr.stats.malformedLines, base.stats.malformedLines + 1);
    const w = tr.stats.warnings.find((x) => x.line === i + 1);
    assert.ok(w, JSON.stringify(tr.stats.warnings));
    assert.match(w.reason, /CPU number 6 .*cpus=2/);
    const doc = analyzeTrace(tr);
    assert.deepEqual(doc.cpus.map((c) => c.cpu), [0, 1]);
  });
  it('without the header, CPU numbers are not bounded by it (CPU 6 is a CPU)', () => {
    const l = lines.slice(1);
    l[i - 1] = l[i - 1].replace(' [001] ', ' [006] ');
    const tr = importBytes(l.join('\n'));
    assert.equal(tr.stats.malformedLines, 0);
    assert.ok(analyzeTrace(tr).cpus.some((c) => c.cpu === 6));
  });
});

describe('hostile traces: Chrome slice names that are Object.prototype members', () => {
  // State words were looked up in a plain object: a slice named `toString`, of category
  // `constructor` or named `__proto__: woken` read as a state whose bucket was a function; its time
  // vanished from the thread's totals and the timeline got states named after them.
  it('read as busy slices like any other name: every slice counts', () => {
    const names: [string, string][] = [['a', 'constructor'], ['toString', 'x'], ['__proto__: woken', 'y'], ['hasOwnProperty', 'valueOf'], ['valueOf: x', '']];
    const evs = names.map(([name, cat], i) => ({ ph: 'X', pid: 1, tid: 1, ts: i * 10, dur: 5, name, cat }));
    const doc = analyzeTrace(importBytes(JSON.stringify(evs)));
    assert.equal(doc.threads[0].runningNs, 25_000);
    const json = JSON.parse(JSON.stringify(doc.timeline));
    for (const s of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) assert.ok(!json.states.includes(s), s);
  });
});

describe('hostile traces: exit reasons and event names that are Object.prototype members', () => {
  // Counted in Maps, but written into plain objects for the document: `out['__proto__'] = n` sets
  // the prototype instead of a key, so a `__proto__` exit reason or event vanished from the JSON
  // and the text (and from the VM's exit count: 2 of 3 exits shown).
  it('are kept as keys like any other name', () => {
    const l = [...realLines];
    const at = l.findIndex((x) => /CPU 0\/KVM-1779 .* kvm_userspace_exit: /.test(x));
    const mk = (body: string) => l[at].replace(/: kvm_userspace_exit: .*$/, `: ${body}`);
    l.splice(at, 0, mk('kvm_exit: reason constructor rip 0x0 info 0 0'), mk('kvm_exit: reason __proto__ rip 0x0 info 0 0'), mk('kvm_exit: reason hasOwnProperty rip 0x0 info 0 0'), mk('__proto__: x=1'));
    const doc = JSON.parse(JSON.stringify(analyzeTrace(importBytes(l.join('\n')))));
    const t = doc.threads.find((x: { tid: number }) => x.tid === 1779);
    assert.deepEqual(Object.keys(t.exits).sort(), ['__proto__', 'constructor', 'hasOwnProperty']);
    assert.equal(t.exitPeakPerSec.__proto__ > 0, true);
    assert.equal(doc.stats.eventsByName.__proto__, 1);
    assert.equal(doc.stats.unknownEvents.__proto__, 1);
    assert.match(renderSummary(analyzeTrace(importBytes(l.join('\n')))), /__proto__ 1/);
  });

  it('a Chrome phase named `constructor` or `toString` is counted as a number (the JSON was schema-invalid)', async () => {
    const text = '[{"ph":"constructor","pid":1,"tid":1,"ts":1,"name":"a"},{"ph":"toString","pid":1,"tid":1,"ts":2,"name":"a"},{"ph":"__proto__","pid":1,"tid":1,"ts":2,"name":"a"},{"ph":"X","pid":1,"tid":1,"ts":1,"dur":2,"name":"running"}]';
    const dir = mkdtempSync(join(tmpdir(), 'vps-proto-'));
    const file = join(dir, 'ph.json');
    writeFileSync(file, text);
    let out = '';
    const code = await analyzeMain(['--json', file], { stdout: { write: (c: string) => (out += c) }, stderr: { write: () => {} } });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0);
    const json = JSON.parse(out);
    assert.deepEqual(json.stats.unknownEvents, JSON.parse('{"ph:constructor":1,"ph:toString":1,"ph:__proto__":1}'));
    const valid = validator('vpscope.trace-1.schema.json');
    assert.ok(valid(json), JSON.stringify(valid.errors));
  });
});

describe('hostile traces: one line on a high CPU number', () => {
  it('the text summary names the CPUs without data as one range, not one `busy -` each', () => {
    const head = (cpu: number, ts: string, prev: string, next: string, nextPid: number) =>
      `           <idle>-0       [${String(cpu).padStart(3, '0')}] d..2.  ${ts}: sched_switch: prev_comm=${prev} prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=${next} next_pid=${nextPid} next_prio=120`;
    const text = ['# tracer: nop', '#', head(0, '100.000000', 'swapper/0', 'bash', 10), head(4095, '100.000100', 'swapper/4095', 'cat', 11), head(1, '100.000500', 'swapper/1', 'sh', 12), `            bash-10       [000] d..2.  100.001000: sched_switch: prev_comm=bash prev_pid=10 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120`, ''].join('\n');
    const out = renderSummary(analyzeTrace(importBytes(text)));
    const line = out.split('\n').find((l) => l.startsWith('CPUs:'));
    assert.equal(line, 'CPUs:     0 busy 100%, 1 busy 100%, 2-4094 no data, 4095 busy 100%');
  });
});

describe('hostile traces: a name that starts with U+FEFF', () => {
  it('keeps it (decoded with ignoreBOM), as other bytes of a name are kept', async () => {
    const { decodeUtf8 } = await import('../../server/src/trace/bytes');
    const b = Buffer.from('\ufeffworker/1', 'utf8');
    assert.equal(decodeUtf8(b, 0, b.length), '\ufeffworker/1');
    const long = Buffer.from('\ufeff' + 'x'.repeat(40), 'utf8');
    assert.equal(decodeUtf8(long, 0, long.length), '\ufeff' + 'x'.repeat(40));
  });
});

// Found by attack11: a trace saved as UTF-16 (Windows PowerShell 5's `>` and `Out-File` write
// UTF-16 LE with a byte-order mark) was "binary data: not a text trace or Chrome JSON".
describe('UTF-16 input with a byte-order mark', () => {
  const utf16 = (text: string, be: boolean): Uint8Array => {
    const b = Buffer.from('\ufeff' + text, 'utf16le');
    return new Uint8Array(be ? b.swap16() : b);
  };
  const comm = 'wörker🦀';
  const tracefs = realLines.slice(0, 400).join('\n').replace(/record_run\.sh/g, comm) + '\n';
  const chrome = JSON.stringify({ traceEvents: [
    { ph: 'M', name: 'thread_name', pid: 1, tid: 2, args: { name: `CPU 0/KVM ${comm}` } },
    { ph: 'X', name: 'running', cat: 'running', pid: 1, tid: 2, ts: 1, dur: 5 },
    { ph: 'C', name: 'q', pid: 1, ts: 3, args: { value: 2 } },
  ] });
  it('property: LE or BE, any chunking (odd splits, one byte at a time): the same import as the UTF-8 text', () => {
    const want = new Map([tracefs, chrome].map((t) => [t, JSON.stringify(analyzeTrace(importBytes(t)))]));
    fc.assert(
      fc.property(fc.constantFrom(tracefs, chrome), fc.boolean(), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 6 }), (text, be, chunks) => {
        const tr = importBytes(utf16(text, be), { chunks });
        assert.equal(tr.formatDetail.encoding, be ? 'utf-16be' : 'utf-16le');
        const doc = analyzeTrace(tr);
        const { formatDetail, ...rest } = JSON.parse(JSON.stringify(doc));
        const { formatDetail: wantDetail, ...wantRest } = JSON.parse(want.get(text)!);
        assert.deepEqual(rest, wantRest);
        assert.deepEqual({ ...formatDetail, encoding: undefined }, { ...wantDetail, encoding: undefined });
      }),
      { numRuns: 60, seed: 11 },
    );
    assert.ok(JSON.stringify(analyzeTrace(importBytes(utf16(tracefs, false)))).includes(comm));
  });

  it('random bytes after FF FE are still binary data, refused at once', () => {
    let seed = 3;
    const b = new Uint8Array(64 * 1024);
    for (let i = 0; i < b.length; i++) b[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    b[0] = 0xff;
    b[1] = 0xfe;
    const tr = importBytes(b, { chunks: [1, 4096] });
    assert.equal(tr.stats.counters.unsupported_input, 1);
    assert.equal(tr.stats.events, 0);
  });

  // Found by attack11, fixed by attack12: a first read of 2-3 bytes (FF FE) was taken as UTF-16
  // with nothing to check, and the random bytes after it decoded as text.
  it('random bytes after FF FE are binary data whatever the size of the first reads', () => {
    let seed = 5;
    const b = new Uint8Array(20_000);
    for (let i = 0; i < b.length; i++) b[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    b[0] = 0xff;
    b[1] = 0xfe;
    for (const chunks of [[2, 4096], [3, 100], [2, 1], [1], [8191, 2]]) {
      const tr = importBytes(b, { chunks });
      assert.equal(tr.stats.counters.unsupported_input, 1, JSON.stringify(chunks));
      assert.equal(tr.formatDetail.encoding, undefined);
    }
    // A short UTF-16 trace, shorter than the probe and read in pieces, still decodes.
    const short = utf16(realLines.slice(0, 20).join('\n') + '\n', false);
    assert.ok(short.length < 8192);
    assert.equal(importBytes(short, { chunks: [2, 1, 5] }).formatDetail.encoding, 'utf-16le');
  });

  it('a lone FF or FE byte, or FF FE alone, is no trace and no crash', () => {
    for (const b of [[0xff], [0xfe], [0xff, 0xfe], [0xfe, 0xff, 0x00]]) {
      const tr = importBytes(new Uint8Array(b), { chunks: [1] });
      assert.equal(tr.stats.events, 0);
    }
  });
});

// Found by attack11: a Chrome `ts` of "" read as 0 and "0x10" as 16 us, a `dur` of true as 1 us,
// [7] as 7 us and "" as 0, all without a word.
describe('Chrome ts and dur that are not numbers', () => {
  it('property: kept exactly when a number or a decimal string, else the event is skipped with a warning on its line', () => {
    const junk = fc.oneof(fc.constantFrom<unknown>('', ' ', '0x10', '1e3', ' 50 ', '-', '.', '1.', true, false, [7], {}, 'abc', '12', '12.5'), fc.integer({ min: 0, max: 1000 }), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(junk, junk, (ts, dur) => {
        const tr = importBytes(['{"traceEvents":[', JSON.stringify({ ph: 'X', name: 'a', pid: 1, tid: 1, ts, dur }), ']}'].join('\n'));
        const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v) ? Number(v) : NaN);
        const ok = Number.isFinite(num(ts)) && Number.isFinite(num(dur)) && num(dur) >= 0;
        const s = tr.chrome!.slices;
        assert.equal(s.length, ok ? 1 : 0, `ts ${JSON.stringify(ts)} dur ${JSON.stringify(dur)}`);
        if (ok) {
          assert.equal(s.start.get(0), Math.round(num(ts) * 1000));
          assert.equal(s.dur.get(0), Math.round(num(dur) * 1000));
        } else {
          assert.equal(tr.stats.counters.chrome_bad_event, 1);
          assert.equal(tr.stats.warnings[0]?.line, 2);
        }
      }),
      { numRuns: 400, seed: 11 },
    );
  });
});

// Found by attack11: a trace with old Mac line ends (a lone CR each) was one line "longer than
// 65536 bytes": nothing could be read.
describe('CR line ends', () => {
  it('property: tracefs or report text with CR line ends, any chunking, imports as with LF', () => {
    const texts = [realLines.slice(0, 3000).join('\n') + '\n', realTrace('r2_2x_n4', 'report').toString('latin1').split('\n').slice(0, 3000).join('\n') + '\n'];
    const want = texts.map((t) => JSON.stringify(analyzeTrace(importBytes(t))));
    fc.assert(
      fc.property(fc.nat(1), fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 4 }), (k, chunks) => {
        const cr = Buffer.from(texts[k].replace(/\n/g, '\r'), 'latin1');
        assert.equal(JSON.stringify(analyzeTrace(importBytes(cr, { chunks }))), want[k]);
      }),
      { numRuns: 30, seed: 11 },
    );
  });

  // Found by attack11, fixed by attack12: with the format given (`--format`) the CR check was skipped.
  it('property: with the format given, CR line ends, any chunking, import as with LF', () => {
    const texts = [realLines.slice(0, 3000).join('\n') + '\n', realTrace('r2_2x_n4', 'report').toString('latin1').split('\n').slice(0, 3000).join('\n') + '\n'];
    const formats = texts.map((t) => importBytes(t).format as TraceFormat);
    const want = texts.map((t, k) => JSON.stringify(analyzeTrace(importBytes(t, { format: formats[k] }))));
    fc.assert(
      fc.property(fc.nat(1), fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 4 }), (k, chunks) => {
        const cr = Buffer.from(texts[k].replace(/\n/g, '\r'), 'latin1');
        assert.equal(JSON.stringify(analyzeTrace(importBytes(cr, { chunks, format: formats[k] }))), want[k]);
      }),
      { numRuns: 20, seed: 12 },
    );
    // Shorter than the probe, and a Chrome file.
    const chrome = '{"traceEvents":[\r{"ph":"X","name":"a","pid":1,"tid":1,"ts":1,"dur":2},\r{"ph":"X","name":"b","pid":1,"tid":1,"ts":5,"dur":2}\r]}\r';
    assert.equal(importBytes(chrome, { format: 'chrome-json', chunks: [7] }).chrome!.slices.length, 2);
  });

  it('binary data with CRs and no LF is not rewritten: a .dat-like or NUL-rich head stays refused', () => {
    const b = new Uint8Array(70_000);
    for (let i = 0; i < b.length; i++) b[i] = i % 3 === 0 ? 0 : i % 5 === 0 ? 13 : 0x41;
    const tr = importBytes(b, { chunks: [70_000] });
    assert.equal(tr.stats.counters.unsupported_input, 1);
  });
});
