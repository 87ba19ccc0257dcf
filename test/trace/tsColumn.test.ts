/**
 * The event table's timestamp column (u32 offsets from a per-block f64 base, a block turned f64
 * when a value does not fit): every value reads back exactly, through `get`, through the block
 * reader of the reconstruction and after rows are taken back, whatever the steps between them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BLOCK_ROWS, TsColumn, ZERO_U8_BLOCK } from '../../server/src/trace/columns';
import { EventTable } from '../../server/src/trace/events';

/** Reads every row of the table's timestamp column, through `get` and through `block`. */
function readBack(e: EventTable): { get: number[]; blocks: number[] } {
  e.seal();
  const get: number[] = [];
  for (let i = 0; i < e.length; i++) get.push(e.ts.get(i));
  const blocks: number[] = [];
  const scratch = new Float64Array(BLOCK_ROWS);
  for (let bi = 0; bi < e.ts.blockCount; bi++) {
    const b = e.ts.block(bi, scratch);
    for (let k = 0; k < BLOCK_ROWS && bi * BLOCK_ROWS + k < e.length; k++) blocks.push(b[k]);
  }
  return { get, blocks };
}

/** Steps between timestamps: small forward ones mostly, and every kind a block must survive. */
const step = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 0, max: 100_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: -5_000, max: -1 }) }, // backwards
  { weight: 1, arbitrary: fc.constantFrom(2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 3e12) }, // huge gaps
  { weight: 1, arbitrary: fc.double({ min: 0, max: 1000, noNaN: true }) }, // fractions of a ns
  { weight: 1, arbitrary: fc.constantFrom(-1e15, 1e15) },
);
const start = fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.constantFrom(0, 2 ** 53 - 1e6, -5e9, 1.5, 1e18));

function build(t0: number, steps: number[], repeat: number): number[] {
  const out: number[] = [];
  let t = t0;
  for (let r = 0; r < repeat; r++) for (const s of steps) out.push((t += s));
  return out;
}

describe('timestamp column', () => {
  it('property: any timestamps (gaps over 2^32 ns, steps back, fractions, huge values) read back exactly', () => {
    fc.assert(
      fc.property(start, fc.array(step, { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 700 }), (t0, steps, repeat) => {
        const values = build(t0, steps, repeat);
        const e = new EventTable();
        for (const v of values) e.push(v, 0, 0, 0, 0, 0, 0, 0);
        const r = readBack(e);
        assert.deepEqual(r.get, values);
        assert.deepEqual(r.blocks, values);
      }),
      { numRuns: 60, seed: 10 },
    );
  });

  it('property: rows taken back (dropRow) leave the others exact, and later pushes too', () => {
    fc.assert(
      fc.property(start, fc.array(step, { minLength: 1, maxLength: 50 }), fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 20 }), (t0, steps, drops) => {
        const values = build(t0, steps, Math.ceil((BLOCK_ROWS + 10) / steps.length));
        const e = new EventTable();
        const kept: number[] = [];
        let d = 0;
        for (let i = 0; i < values.length; i++) {
          e.push(values[i], 0, 0, 0, 0, 0, 0, 0);
          kept.push(values[i]);
          // Now and then take back a row among the last few (as the importer does with an outlier).
          if (d < drops.length && i % 997 === 996) {
            const back = Math.min(drops[d++], kept.length - 1);
            e.dropRow(kept.length - 1 - back);
            kept.splice(kept.length - 1 - back, 1);
          }
        }
        const r = readBack(e);
        assert.deepEqual(r.get, kept);
        assert.deepEqual(r.blocks, kept);
      }),
      { numRuns: 30, seed: 11 },
    );
  });

  it('sorted dense timestamps stay 4 bytes a row; a block that cannot is f64 and the next one is offsets again', () => {
    const e = new EventTable();
    const n = 3 * BLOCK_ROWS;
    for (let i = 0; i < n; i++) e.push(1e15 + i * 1000 + (i === BLOCK_ROWS + 5 ? 2 ** 33 : 0), 0, 0, 0, 0, 0, 0, 0);
    assert.ok(e.ts.off[0] && !e.ts.wide[0]);
    assert.ok(!e.ts.off[1] && e.ts.wide[1]);
    assert.ok(e.ts.off[2] && !e.ts.wide[2]);
    assert.equal(e.ts.get(BLOCK_ROWS + 5), 1e15 + (BLOCK_ROWS + 5) * 1000 + 2 ** 33);
    assert.equal(e.ts.get(BLOCK_ROWS + 6), 1e15 + (BLOCK_ROWS + 6) * 1000);
  });

  it('a block spanning more than 2^32 ns stays offsets when each 1 Ki rows span less (4 ms apart: 250 events a second)', () => {
    const e = new EventTable();
    for (let i = 0; i < 2 * BLOCK_ROWS; i++) e.push(1e15 + i * 4e6, 0, 0, 0, 0, 0, 0, 0);
    assert.ok(e.ts.off[0] && e.ts.off[1] && !e.ts.wide[0] && !e.ts.wide[1]);
    e.seal();
    for (let i = 0; i < 2 * BLOCK_ROWS; i++) assert.equal(e.ts.get(i), 1e15 + i * 4e6);
  });

  it('set on a column: a value that does not fit widens only its block', () => {
    const c = new TsColumn();
    c.addBlock();
    c.set(0, 100, true);
    c.set(1, 200);
    c.set(BLOCK_ROWS, 5, true);
    c.set(BLOCK_ROWS + 1, 4.5);
    assert.deepEqual([c.get(0), c.get(1), c.get(BLOCK_ROWS), c.get(BLOCK_ROWS + 1)], [100, 200, 5, 4.5]);
    assert.ok(c.off[0] && c.wide[1]);
  });
});

describe('CPU and kind columns (u8 per block until a value over 255)', () => {
  const small = fc.oneof(
    { weight: 30, arbitrary: fc.integer({ min: 0, max: 255 }) },
    { weight: 1, arbitrary: fc.constantFrom(256, 4095, 65535, 65536, 70000, -1, 2 ** 31) },
  );
  it('property: values read back as a u16 column held them (v & 0xffff), through get, blocks and after dropRow', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(small, small), { minLength: 1, maxLength: 40 }), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 10 }), (pattern, drops) => {
        const e = new EventTable();
        const kept: [number, number][] = [];
        const n = BLOCK_ROWS + 5000;
        let d = 0;
        for (let i = 0; i < n; i++) {
          // Mostly small values; the odd ones in a few places only, so some blocks stay u8.
          const [c, k] = i % 20011 === 7 ? pattern[(i / 20011) % pattern.length | 0] : [i % 200, i % 15];
          e.push(1e9 + i, c, 0, k, 1, 0, 0, 0);
          kept.push([c & 0xffff, k & 0xffff]);
          if (d < drops.length && i % 7919 === 100) {
            const back = Math.min(drops[d++], kept.length - 1);
            e.dropRow(kept.length - 1 - back);
            kept.splice(kept.length - 1 - back, 1);
          }
        }
        e.seal();
        const got: [number, number][] = [];
        for (let i = 0; i < e.length; i++) got.push([e.cpu.get(i), e.kind.get(i)]);
        assert.deepEqual(got, kept);
        const viaBlocks: [number, number][] = [];
        for (let bi = 0; bi < e.cpu.blocks.length; bi++) {
          for (let k = 0; k < BLOCK_ROWS && bi * BLOCK_ROWS + k < e.length; k++) viaBlocks.push([e.cpu.blocks[bi][k], e.kind.blocks[bi][k]]);
        }
        assert.deepEqual(viaBlocks, kept);
      }),
      { numRuns: 25, seed: 12 },
    );
  });

  it('a block stays 1 byte a row while its values are below 256', () => {
    const e = new EventTable();
    for (let i = 0; i < 2 * BLOCK_ROWS; i++) e.push(i, i < BLOCK_ROWS ? 3 : 300, 0, 1, 1, 0, 0, 0);
    assert.ok(e.cpu.blocks[0] instanceof Uint8Array && e.cpu.blocks[1] instanceof Uint16Array);
    assert.ok(e.kind.blocks[0] instanceof Uint8Array && e.kind.blocks[1] instanceof Uint8Array);
    assert.equal(e.cpu.get(BLOCK_ROWS + 1), 300);
  });
});

describe('source, pid and argument columns (src shared zeros until non-zero; i16 per block until a value outside it)', () => {
  const arg = fc.oneof(
    { weight: 30, arbitrary: fc.integer({ min: -32768, max: 32767 }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(32768, -32769, 65535, 65536, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 32 + 5, -1, 0, 2.5, -0.5, 1e15, NaN, 0x80000000 % 2147483648),
    },
  );
  const srcV = fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 300 }) });
  type Row = [number, number, number, number, number];
  it('property: values read back as an i32 (src: u8) column held them, through get, blocks, after dropRow and around released blocks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(srcV, arg, arg, arg, arg), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 10 }),
        fc.integer({ min: 1, max: 30011 }),
        (pattern, drops, every) => {
          const e = new EventTable();
          const kept: Row[] = [];
          const n = 2 * BLOCK_ROWS + 3000;
          let d = 0;
          for (let i = 0; i < n; i++) {
            // Mostly small values; the odd ones in a few places only, so some blocks stay narrow.
            const [s, p, a0, a1, a2] = i % every === 3 ? pattern[(i / every) % pattern.length | 0] : [0, i % 30000, i % 7, -1, i % 5];
            e.push(1e9 + i, 0, s, 0, p, a0, a1, a2);
            kept.push([s & 0xff, p | 0, a0 | 0, a1 | 0, a2 | 0]);
            if (d < drops.length && i % 7919 === 100) {
              const back = Math.min(drops[d++], kept.length - 1);
              e.dropRow(kept.length - 1 - back);
              kept.splice(kept.length - 1 - back, 1);
            }
          }
          e.seal();
          const cols = [e.src, e.pid, e.a0, e.a1, e.a2];
          const got: Row[] = [];
          for (let i = 0; i < e.length; i++) got.push(cols.map((c) => c.get(i)) as Row);
          assert.deepEqual(got, kept);
          const viaBlocks: Row[] = [];
          for (let bi = 0; bi < e.pid.blocks.length; bi++) {
            for (let k = 0; k < BLOCK_ROWS && bi * BLOCK_ROWS + k < e.length; k++) viaBlocks.push(cols.map((c) => c.blocks[bi][k]) as Row);
          }
          assert.deepEqual(viaBlocks, kept);
          // Releasing the first block leaves the others (and the shared block of zeros) intact.
          e.releaseBlock(0);
          for (let i = BLOCK_ROWS; i < e.length; i++) assert.deepEqual(cols.map((c) => c.get(i)), kept[i]);
          assert.ok(ZERO_U8_BLOCK.every((v) => v === 0));
        },
      ),
      { numRuns: 25, seed: 13 },
    );
  });

  it('a block keeps no source bytes while every row is from source 0, and 2 bytes a value while they fit i16', () => {
    const e = new EventTable();
    for (let i = 0; i < 2 * BLOCK_ROWS; i++) e.push(i, 0, i === BLOCK_ROWS + 3 ? 2 : 0, 1, i < BLOCK_ROWS ? 4000 : 40000, -1, 5, 0);
    assert.equal(e.src.blocks[0], ZERO_U8_BLOCK);
    assert.notEqual(e.src.blocks[1], ZERO_U8_BLOCK);
    assert.ok(e.pid.blocks[0] instanceof Int16Array && e.pid.blocks[1] instanceof Int32Array);
    assert.ok(e.a0.blocks[0] instanceof Int16Array && e.a0.blocks[1] instanceof Int16Array);
    assert.equal(e.pid.get(BLOCK_ROWS + 1), 40000);
    assert.equal(e.src.get(BLOCK_ROWS + 3), 2);
    assert.equal(e.src.get(BLOCK_ROWS + 4), 0);
  });
});
