/**
 * Time formatting for the timeline: durations with three significant digits and an adaptive unit,
 * and axis ticks on a 1-2-5 grid. Pure (no DOM), shared by the timeline, the tooltip and the tests.
 *
 * Times are integer nanoseconds held in doubles. Axis labels are relative to an origin (the
 * timeline's start), as Perfetto labels a trace from its first event: a trace starting at
 * 1494.546 s of host uptime reads "0 s", "1 s"... instead of "1494.546 s".
 */

const UNITS: { ns: number; name: string }[] = [
  { ns: 1, name: 'ns' },
  { ns: 1e3, name: 'us' },
  { ns: 1e6, name: 'ms' },
  { ns: 1e9, name: 's' },
];

/** Fixed-decimal text without a negative zero. */
function fixed(v: number, digits: number): string {
  const s = v.toFixed(digits);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** A duration (or a time relative to an origin) in ns/us/ms/s with about 3 significant digits. */
export function formatDuration(ns: number): string {
  if (!Number.isFinite(ns)) return String(ns);
  const a = Math.abs(ns);
  if (a < 1e3) return `${fixed(ns, a % 1 === 0 ? 0 : 1)} ns`;
  let u = UNITS[0];
  for (const c of UNITS) if (a >= c.ns) u = c;
  const v = ns / u.ns;
  const av = Math.abs(v);
  // 3 significant digits: 1.23, 12.3, 123; the rounding can carry into the next digit (9.996 -> 10.0).
  const digits = av >= 100 ? 0 : av >= 10 ? 1 : 2;
  let s = fixed(v, digits);
  if (digits > 0 && s.includes('.')) s = s.replace(/\.?0+$/, '');
  return `${s} ${u.name}`;
}

/** A 1-2-5 step (1, 2, 5, 10, 20, 50... ns) of at least `minNs`. */
export function niceStep(minNs: number): number {
  if (!(minNs > 0) || !Number.isFinite(minNs)) return 1;
  let p = 10 ** Math.floor(Math.log10(minNs));
  // Guard the floating log: make sure p <= minNs < 10 p.
  while (p > minNs) p /= 10;
  while (p * 10 <= minNs) p *= 10;
  for (const m of [1, 2, 5, 10]) if (m * p >= minNs) return Math.max(1, m * p);
  return Math.max(1, 10 * p);
}

export interface Tick {
  /** Absolute time, ns. */
  ns: number;
  /** Horizontal position, CSS px from the left of the drawing area. */
  x: number;
  label: string;
}

export interface TickSet {
  /** Distance between ticks, ns (1-2-5 times a power of ten). */
  stepNs: number;
  /** Unit of the labels. */
  unit: string;
  ticks: Tick[];
}

/**
 * Ticks for the visible range `[startNs, endNs)` drawn over `widthPx`, at least `minSpacingPx`
 * apart, labelled relative to `originNs` in one unit chosen from the step (so every label of one
 * axis has the same unit and the same number of decimals).
 */
export function timeTicks(startNs: number, endNs: number, widthPx: number, originNs = 0, minSpacingPx = 80): TickSet {
  const span = endNs - startNs;
  if (!(span > 0) || !(widthPx > 0) || !Number.isFinite(span)) return { stepNs: 1, unit: 'ns', ticks: [] };
  const nsPerPx = span / widthPx;
  const step = niceStep(nsPerPx * Math.max(1, minSpacingPx));
  const rel0 = startNs - originNs;
  const first = Math.ceil(rel0 / step);
  // The unit giving the shortest labels (ties: the smaller unit, so "200 ms" rather than "0.2 s";
  // a 500 us step near 150 ms reads "150.5 ms"), with the decimals the step needs.
  const decimalsFor = (u: number) => {
    const ratio = step / u;
    return ratio >= 1 ? 0 : Math.min(9, Math.round(-Math.log10(ratio) + 0.49));
  };
  const widest = Math.max(Math.abs(first * step), Math.abs((Math.ceil((endNs - originNs) / step) - 1) * step));
  let u = UNITS[0];
  let best = Infinity;
  for (const c of UNITS) {
    if (c.ns > step * 1000) break;
    const len = fixed(widest / c.ns, decimalsFor(c.ns)).length;
    if (len < best) {
      best = len;
      u = c;
    }
  }
  const decimals = decimalsFor(u.ns);
  const ticks: Tick[] = [];
  for (let i = first; ; i++) {
    const rel = i * step;
    const ns = originNs + rel;
    if (ns >= endNs) break;
    if (ns < startNs) continue;
    ticks.push({ ns, x: (ns - startNs) / nsPerPx, label: `${fixed(rel / u.ns, decimals)} ${u.name}` });
    if (ticks.length > 10000) break;
  }
  return { stepNs: step, unit: u.name, ticks };
}

/**
 * A time relative to the origin for the cursor read-out and the tooltip: unit from the value,
 * decimals from the resolution (one pixel's worth of ns), so 151.2 ms at 267 us per pixel.
 */
export function formatTime(ns: number, originNs = 0, resolutionNs = 1): string {
  const v = ns - originNs;
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  let u = UNITS[0];
  for (const c of UNITS) if (a >= c.ns) u = c;
  const res = Math.max(1, resolutionNs);
  const decimals = Math.max(0, Math.min(9, Math.ceil(Math.log10(u.ns / res) - 1e-9)));
  return `${fixed(v / u.ns, decimals)} ${u.name}`;
}
