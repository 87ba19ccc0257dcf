/**
 * Painting lane rows into ImageData pixels: the strip rows carry the worst state of each pixel,
 * the rest of the bar the dominant one, empty pixels the row background, and nothing outside a
 * row's device rows is touched (rows clipped at the canvas edges).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LaneLod, severityRanks } from '../../../webview/src/lod';
import { Painter } from '../../../webview/src/timeline/render';
import type { LaneColumns } from '../../../server/src/core/timelineCodec';

const STATES = ['idle', 'running', 'runnable'];
const PALETTE = Uint32Array.from([0, 0xff000001, 0xff000002, 0xff000003]);
const BG = 0xffeeeeee;
const PAGE = 0xff111111;

function lane(ivs: [number, number, number][]): LaneColumns {
  const n = ivs.length;
  const c: LaneColumns = { starts: new Float64Array(n), ends: new Float64Array(n), states: new Uint16Array(n), causes: new Int32Array(n).fill(-1) };
  let t = 0;
  ivs.forEach(([gap, dur, st], i) => {
    c.starts[i] = t + gap;
    c.ends[i] = t + gap + dur;
    c.states[i] = st;
    t += gap + dur;
  });
  return c;
}

test('bar rows show worst (strip) and dominant (rest); outside rows untouched', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 800 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 60 }),
      fc.integer({ min: 4, max: 90 }),
      fc.integer({ min: -10, max: 30 }),
      fc.integer({ min: 4, max: 20 }),
      fc.integer({ min: 1, max: 4 }),
      (ivs, W, y0, h, strip) => {
        const H = 40;
        const cols = lane(ivs);
        const end = cols.ends[cols.ends.length - 1];
        const lod = new LaneLod(cols, 0, end, severityRanks(STATES));
        const px = new Uint32Array(W * H).fill(PAGE);
        const row = { y0, y1: y0 + h, bg: BG, lod, palette: PALETTE, barTop: y0 + 1, barBottom: y0 + h - 1, strip };
        new Painter().paint(px, W, H, [row], 0, end / W);
        const dom = new Uint16Array(W);
        const worst = new Uint16Array(W);
        lod.fill(0, end / W, W, dom, worst);
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            const got = px[y * W + x];
            let want: number;
            if (y < y0 || y >= y0 + h) want = PAGE;
            else if (y < y0 + 1 || y >= y0 + h - 1) want = BG;
            else {
              const code = y < Math.min(y0 + h - 1, y0 + 1 + strip) ? worst[x] : dom[x];
              want = code ? PALETTE[code] : BG;
            }
            assert.equal(got, want, `pixel ${x},${y}`);
          }
        }
      },
    ),
    { numRuns: 150 },
  );
});

test('a row without a lane (a group header) is a band of its background', () => {
  const W = 8;
  const px = new Uint32Array(W * 10).fill(PAGE);
  new Painter().paint(px, W, 10, [{ y0: 2, y1: 5, bg: BG }], 0, 1);
  for (let y = 0; y < 10; y++) for (let x = 0; x < W; x++) assert.equal(px[y * W + x], y >= 2 && y < 5 ? BG : PAGE);
});
