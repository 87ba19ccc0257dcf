/**
 * Paints lane rows into the pixels of one ImageData (a Uint32Array view, one packed RGBA per
 * device pixel), which the timeline then puts on the canvas with a single putImageData. Per lane:
 * one {@link LaneLod.fill} for the pixel row, the codes mapped to colours once, then every device
 * row of the bar is one typed-array copy (the top strip shows the worst state of each pixel,
 * the rest the dominant one). Cost: O(width) per lane plus O(width x height) copies, independent
 * of the number of intervals. Pure: no DOM.
 */
import type { LaneLod } from '../lod';

export interface PaintRow {
  /** Device-pixel rows [y0, y1) of the whole row (background). */
  y0: number;
  y1: number;
  /** Background pixel of the row. */
  bg: number;
  /** A lane: its bar's device rows [barTop, barBottom), the worst-state strip's height. */
  lod?: LaneLod;
  barTop?: number;
  barBottom?: number;
  strip?: number;
  /** Pixel per state code (index 0 is unused: empty pixels take the row's background). */
  palette?: Uint32Array;
}

export class Painter {
  private dom = new Uint16Array(0);
  private worst = new Uint16Array(0);
  private lineDom = new Uint32Array(0);
  private lineWorst = new Uint32Array(0);

  private ensure(W: number): void {
    if (this.dom.length >= W) return;
    this.dom = new Uint16Array(W);
    this.worst = new Uint16Array(W);
    this.lineDom = new Uint32Array(W);
    this.lineWorst = new Uint32Array(W);
  }

  /**
   * Paints `rows` into `px` (W x H device pixels, already cleared to the page background), for the
   * visible range starting at `startNs` with `nsPerPx` ns per device pixel.
   */
  paint(px: Uint32Array, W: number, H: number, rows: readonly PaintRow[], startNs: number, nsPerPx: number): void {
    this.ensure(W);
    const { dom, worst, lineDom, lineWorst } = this;
    for (const r of rows) {
      const y0 = Math.max(0, r.y0);
      const y1 = Math.min(H, r.y1);
      if (y1 <= y0) continue;
      px.fill(r.bg, y0 * W, y1 * W);
      if (!r.lod || !r.palette) continue;
      const top = Math.max(y0, r.barTop ?? y0);
      const bottom = Math.min(y1, r.barBottom ?? y1);
      if (bottom <= top) continue;
      r.lod.fill(startNs, nsPerPx, W, dom, worst);
      const pal = r.palette;
      const bg = r.bg;
      for (let p = 0; p < W; p++) {
        const d = dom[p];
        const w = worst[p];
        lineDom[p] = d === 0 ? bg : pal[d] ?? bg;
        lineWorst[p] = w === 0 ? bg : pal[w] ?? bg;
      }
      const stripEnd = Math.min(bottom, (r.barTop ?? y0) + (r.strip ?? 0));
      const ld = W === lineDom.length ? lineDom : lineDom.subarray(0, W);
      const lw = W === lineWorst.length ? lineWorst : lineWorst.subarray(0, W);
      for (let y = top; y < stripEnd; y++) px.set(lw, y * W);
      for (let y = Math.max(top, stripEnd); y < bottom; y++) px.set(ld, y * W);
    }
  }
}
