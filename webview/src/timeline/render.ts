/**
 * Paints lane rows into the pixels of one ImageData (a Uint32Array view, one packed RGBA per
 * device pixel), which the timeline then puts on the canvas with a single putImageData. Per lane:
 * one {@link LaneLod.fill} for the pixel row, the codes mapped to colours once, then every device
 * row of the bar is one typed-array copy. The top strip shows the worst state of each pixel.
 * Below it, with `util` set, a utilisation bar: from the bottom, a height proportional to the
 * pixel's non-quiet fraction in the colour of its dominant non-quiet state, above it the dominant
 * state when that one is quiet (sleeping, halted...), else the track; without `util`, the
 * dominant state fills the bar. Empty pixels and codes flagged in `blank` (idle) paint as the
 * bar's track (a faint tint of the background).
 * Cost: O(width) per lane plus O(width x height) copies (the utilisation rows are built
 * incrementally: a counting sort of the pixels by bar height, then each row changes only the
 * pixels whose bar starts there), independent of the number of intervals. Pure: no DOM.
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
  /** The empty (and idle) part of the bar: a faint track so that lanes stay apart; default `bg`. */
  track?: number;
  /** Per state code: 1 = painted as the bar's track (idle). */
  blank?: Uint8Array;
  /** Draw the utilisation bar (see above) instead of a full bar of the dominant state. */
  util?: boolean;
  /** Per state code: 1 = quiet (sleeping, halted...): shown above the utilisation bar. */
  quietTop?: Uint8Array;
}

export class Painter {
  private dom = new Uint16Array(0);
  private worst = new Uint16Array(0);
  private lineDom = new Uint32Array(0);
  private lineWorst = new Uint32Array(0);
  private act = new Uint16Array(0);
  private frac = new Uint8Array(0);
  private lineAct = new Uint32Array(0);
  private order = new Int32Array(0);
  private counts = new Int32Array(0);
  private start = new Uint16Array(0);

  private cpal = new Uint32Array(0);
  private apal = new Uint32Array(0);

  /** Fills {@link cpal} and {@link apal} for a row; returns how many codes they hold. */
  private codePixels(pal: Uint32Array, blank: Uint8Array | undefined, quiet: Uint8Array | undefined, track: number): number {
    const n = pal.length;
    if (this.cpal.length < n) {
      this.cpal = new Uint32Array(n);
      this.apal = new Uint32Array(n);
    }
    const { cpal, apal } = this;
    for (let c = 0; c < n; c++) {
      const v = c === 0 || (blank !== undefined && blank[c] === 1) ? track : pal[c];
      cpal[c] = v;
      apal[c] = c !== 0 && quiet !== undefined && quiet[c] === 1 ? v : track;
    }
    return n;
  }

  private ensure(W: number): void {
    if (this.dom.length >= W) return;
    this.dom = new Uint16Array(W);
    this.worst = new Uint16Array(W);
    this.lineDom = new Uint32Array(W);
    this.lineWorst = new Uint32Array(W);
    this.act = new Uint16Array(W);
    this.frac = new Uint8Array(W);
    this.lineAct = new Uint32Array(W);
    this.order = new Int32Array(W);
    this.start = new Uint16Array(W);
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
      const util = r.util === true;
      const { act, frac, lineAct } = this;
      if (util) r.lod.fill(startNs, nsPerPx, W, dom, worst, act, frac);
      else r.lod.fill(startNs, nsPerPx, W, dom, worst);
      const pal = r.palette;
      const blank = r.blank;
      const bg = r.track ?? r.bg;
      // Pixel per code for this row: empty, blank (idle) and unknown codes show the track; and
      // what shows above a utilisation bar: the code's colour when it is quiet, else the track.
      const nc = this.codePixels(pal, blank, r.quietTop, bg);
      const cpal = this.cpal;
      const apal = this.apal;
      for (let p = 0; p < W; p++) {
        const c = worst[p];
        lineWorst[p] = c < nc ? cpal[c] : bg;
      }
      const stripEnd = Math.min(bottom, (r.barTop ?? y0) + (r.strip ?? 0));
      const ld = W === lineDom.length ? lineDom : lineDom.subarray(0, W);
      const lw = W === lineWorst.length ? lineWorst : lineWorst.subarray(0, W);
      for (let y = top; y < stripEnd; y++) px.set(lw, y * W);
      const barStart = Math.max(top, stripEnd);
      if (!util) {
        for (let p = 0; p < W; p++) {
          const c = dom[p];
          lineDom[p] = c < nc ? cpal[c] : bg;
        }
        for (let y = barStart; y < bottom; y++) px.set(ld, y * W);
        continue;
      }
      // Utilisation: bar row rr (0 = top of the bar) shows the active colour where rr >= start[p].
      const Hb = bottom - barStart;
      if (Hb <= 0) continue;
      const start = this.start;
      let partial = false;
      for (let p = 0; p < W; p++) {
        const f = frac[p];
        const d = dom[p];
        // Above the active part: the dominant state when it is quiet, else the track.
        const above = d < nc ? apal[d] : bg;
        if (f === 0) {
          start[p] = Hb;
          lineDom[p] = above;
          continue;
        }
        let hgt = ((f * Hb + 127) / 255) | 0;
        if (hgt < 1) hgt = 1;
        else if (hgt > Hb) hgt = Hb;
        start[p] = Hb - hgt;
        const ac = act[p];
        const a = ac < nc ? cpal[ac] : bg;
        if (hgt === Hb) lineDom[p] = a;
        else {
          partial = true;
          lineDom[p] = above;
          lineAct[p] = a;
        }
      }
      if (!partial) {
        // Every pixel empty or full height (zoomed in): all bar rows are the same.
        for (let y = barStart; y < bottom; y++) px.set(ld, y * W);
        continue;
      }
      // Counting sort of the partial pixels by the row where their bar starts, then each row
      // changes only the pixels whose bar starts there.
      if (this.counts.length < Hb + 2) this.counts = new Int32Array(Hb + 2);
      const counts = this.counts;
      const order = this.order;
      counts.fill(0, 0, Hb + 2);
      let m = 0;
      for (let p = 0; p < W; p++) {
        const st = start[p];
        if (st > 0 && st < Hb) {
          counts[st + 1]++;
          m++;
        }
      }
      for (let i = 1; i <= Hb + 1; i++) counts[i] += counts[i - 1];
      for (let p = 0; p < W; p++) {
        const st = start[p];
        if (st > 0 && st < Hb) order[counts[st]++] = p;
      }
      let k = 0;
      for (let y = barStart, rr = 0; y < bottom; y++, rr++) {
        while (k < m && start[order[k]] <= rr) {
          const p = order[k++];
          lineDom[p] = lineAct[p];
        }
        px.set(ld, y * W);
      }
    }
  }
}
