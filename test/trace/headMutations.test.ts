/**
 * Byte mutations of the first 200 lines of the shared real traces (tracefs text and trace-cmd
 * report text): truncated lines, flipped bytes, duplicated, swapped and dropped lines, CR line
 * ends, NUL bytes, invalid UTF-8, absurd numbers. The import never throws, every line is an event,
 * a skipped line or a warning with its line number, and the lines after the first 200 (not
 * mutated) all still load. A single NUL byte in the first 4 KB made the whole trace "binary data"
 * (0 of 14,935 events) before.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { importBytes, realTrace, tracesDir } from './helpers';
import { analyzeTrace } from '../../server/src/trace';
import { detectFormat } from '../../server/src/trace/detect';

const enc = new TextEncoder();
const kinds = [['r1_1x_n2', 'tracefs_trace'], ['r2_2x_n4', 'report'], ['r3_1x_n2_2hogs', 'report']] as const;
const op = fc.oneof(
  fc.record({ k: fc.constant('trunc'), at: fc.nat() }),
  fc.record({ k: fc.constant('flip'), at: fc.nat(), b: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ k: fc.constant('dup') }),
  fc.record({ k: fc.constant('swap'), j: fc.nat(199) }),
  fc.record({ k: fc.constant('crlf') }),
  fc.record({ k: fc.constant('nul'), at: fc.nat() }),
  fc.record({ k: fc.constant('badutf8'), at: fc.nat() }),
  fc.record({ k: fc.constant('num'), at: fc.nat(), s: fc.constantFrom('99999999999999999999', '-1', '1e308', 'NaN', '0', '4294967296', '2147483648') }),
  fc.record({ k: fc.constant('drop') }),
);
const haveShared = existsSync(tracesDir);

describe('mutations of the first 200 lines of the real traces', { skip: !haveShared && 'shared traces not present' }, () => {
  for (const [run, kind] of kinds) {
    it(`${run} ${kind}: never throws, lines accounted and located, the rest loads`, () => {
      const buf = realTrace(run, kind);
      const lines: Uint8Array[] = [];
      let s = 0;
      for (;;) { const e = buf.indexOf(10, s); if (e < 0) break; lines.push(new Uint8Array(buf.subarray(s, e))); s = e + 1; }
      const head = lines.slice(0, 200), rest = lines.slice(200);
      const join = (ls: Uint8Array[]) => Buffer.concat(ls.flatMap((l) => [Buffer.from(l), Buffer.from([10])]));
      const base = importBytes(join(lines));
      const restOnly = importBytes(join([...head.filter((l) => l.length && l[0] === 35 /* # */ || /cpus=/.test(Buffer.from(l).toString('latin1'))), ...rest]));
      assert.ok(restOnly.stats.events > 10_000 && restOnly.stats.events <= base.stats.events);
      // One NUL byte at the very start: was 'binary data: not a text trace or Chrome JSON', nothing loaded.
      const nul = importBytes(join([new Uint8Array([0, ...lines[0]]), ...lines.slice(1)]));
      assert.equal(nul.stats.events, base.stats.events);
      assert.equal(nul.format, base.format);
      let worst = 0;
      fc.assert(fc.property(fc.array(fc.record({ i: fc.nat(199), o: op }), { minLength: 1, maxLength: 30 }), (muts) => {
        const h = head.map((l) => new Uint8Array(l));
        for (const { i, o } of muts) {
          let l = h[i];
          const at = 'at' in o ? (o.at as number) % (l.length + 1) : 0;
          switch (o.k) {
            case 'trunc': h[i] = l.slice(0, at); break;
            case 'flip': if (l.length) { l = new Uint8Array(l); l[at % l.length] = o.b as number; h[i] = l; } break;
            case 'dup': h.splice(i, 0, l); break;
            case 'swap': { const t = h[i]; h[i] = h[o.j as number] ?? t; h[o.j as number] = t; break; }
            case 'crlf': h[i] = new Uint8Array([...l, 13]); break;
            case 'nul': h[i] = new Uint8Array([...l.slice(0, at), 0, ...l.slice(at)]); break;
            case 'badutf8': h[i] = new Uint8Array([...l.slice(0, at), 0xc3, 0x28, 0xff, ...l.slice(at)]); break;
            case 'num': h[i] = new Uint8Array([...l.slice(0, at), ...enc.encode(o.s as string), ...l.slice(at)]); break;
            case 'drop': h[i] = new Uint8Array(0); break;
          }
        }
        const text = join([...h, ...rest]);
        const t0 = performance.now();
        const tr = importBytes(text, { maxWarningSamples: 1000 });
        const st = tr.stats;
        if (st.events + st.malformedLines + st.skippedLines !== st.lines) assert.fail(`counts ${JSON.stringify({ e: st.events, m: st.malformedLines, s: st.skippedLines, l: st.lines })}`);
        if (st.events < restOnly.stats.events) assert.fail(`rest lost: ${st.events} < ${restOnly.stats.events}; warnings ${JSON.stringify(st.warnings.slice(0, 3))}`);
        for (const w of st.warnings) if (!(w.line >= 1 && w.line <= h.length + rest.length + 1)) assert.fail(`warning line ${w.line}: ${w.reason}`);
        const doc = analyzeTrace(tr);
        JSON.stringify(doc);
        if (!Number.isFinite(doc.window.durationNs)) assert.fail('window');
        worst = Math.max(worst, performance.now() - t0);
      }), { numRuns: Number(process.env.RUNS ?? 25), seed: Number(process.env.SEED ?? 1) });
      assert.ok(worst < 20_000, `${Math.round(worst)} ms`);
    });
  }
});

describe('binary input is still refused', () => {
  it('random bytes, an ELF header, a PNG: binary, whatever NULs and line breaks they hold', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4096, maxLength: 8192 }), (b) => {
        if ([0x5b, 0x7b, 0x1f, 0x20, 0x09, 0x0a, 0x0d, 0xef, 0x17].includes(b[0])) return;
        b[1] = 0; // at least one NUL
        assert.equal(detectFormat(b, b.length), 'binary');
      }),
      { numRuns: 500, seed: 7 },
    );
    const elf = new Uint8Array(4096);
    elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    assert.equal(detectFormat(elf, elf.length), 'binary');
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, ...new Uint8Array(200)]);
    assert.equal(detectFormat(png, png.length), 'binary');
  });
});

describe('Chrome JSON with one event per line: a broken line is one bad event, the next lines load', () => {
  const n = 2000;
  const lines = ['{"traceEvents":[', ...Array.from({ length: n }, (_, i) => `{"ph":"X","pid":1,"tid":${1 + (i % 7)},"ts":${10 * i},"dur":5,"name":"running","cat":"running"}${i < n - 1 ? ',' : ''}`), '],"displayTimeUnit":"ns"}'];
  const load = (ls: (string | Uint8Array)[]) => importBytes(Buffer.concat(ls.flatMap((l) => [typeof l === 'string' ? Buffer.from(l) : Buffer.from(l), Buffer.from('\n')])), { maxWarningSamples: 1000 });
  it('a NUL byte, a cut line, a stray brace: that line warned, every other event kept (before: reading stopped there)', () => {
    assert.equal(load(lines).chrome!.slices.length, n);
    const at = 1000; // line 1001
    const withNul: (string | Uint8Array)[] = [...lines];
    withNul[at] = Buffer.concat([Buffer.from(lines[at].slice(0, 10)), Buffer.from([0]), Buffer.from(lines[at].slice(10))]);
    for (const [what, ls, reason] of [
      ['NUL', withNul, /NUL byte\) in an event line/],
      ['cut', lines.map((l, k) => (k === at ? l.slice(0, 30) : l)), /event cut at the end of its line/],
      ['stray brace', lines.map((l, k) => (k === at ? `}${l}` : l)), /unbalanced closing brace/],
    ] as const) {
      const tr = load(ls as (string | Uint8Array)[]);
      assert.equal(tr.chrome!.slices.length, n - 1, what);
      assert.deepEqual(tr.stats.warnings.map((w) => w.line), [at + 1], what);
      assert.match(tr.stats.warnings[0].reason, reason);
    }
  });
  it('random mutations of lines 3-200: never throws, warnings located, the lines after 200 all load', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ i: fc.integer({ min: 2, max: 200 }), o: op }), { minLength: 1, maxLength: 20 }), (muts) => {
        const h: Uint8Array[] = lines.map((l) => Buffer.from(l));
        for (const { i, o } of muts) {
          const l = h[i];
          const at = 'at' in o ? (o.at as number) % (l.length + 1) : 0;
          if (o.k === 'trunc') h[i] = l.slice(0, at);
          else if (o.k === 'flip' && l.length) (h[i] = new Uint8Array(l))[at % l.length] = o.b as number;
          else if (o.k === 'dup') h.splice(i, 0, l);
          else if (o.k === 'swap') [h[i], h[2 + ((o.j as number) % 199)]] = [h[2 + ((o.j as number) % 199)], h[i]];
          else if (o.k === 'crlf') h[i] = new Uint8Array([...l, 13]);
          else if (o.k === 'nul') h[i] = new Uint8Array([...l.slice(0, at), 0, ...l.slice(at)]);
          else if (o.k === 'badutf8') h[i] = new Uint8Array([...l.slice(0, at), 0xc3, 0x28, 0xff, ...l.slice(at)]);
          else if (o.k === 'num') h[i] = new Uint8Array([...l.slice(0, at), ...enc.encode(o.s as string), ...l.slice(at)]);
          else if (o.k === 'drop') h[i] = new Uint8Array(0);
        }
        const tr = load(h);
        for (const w of tr.stats.warnings) assert.ok(w.line >= 1 && w.line <= h.length + 1, `${w.line}: ${w.reason}`);
        assert.ok(tr.chrome!.slices.length >= n - 200, `${tr.chrome!.slices.length} slices: ${JSON.stringify(tr.stats.warnings.slice(0, 3))}`);
        const doc = analyzeTrace(tr);
        assert.ok(Number.isFinite(doc.window.durationNs));
      }),
      { numRuns: 150, seed: 11 },
    );
  });
});
