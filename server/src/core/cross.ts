/**
 * Crossed parameter sweeps as plain data: the points of several swept settings (every combination
 * of their values) and their labels. Shared by the model (checks, points' texts), the reports and
 * the view, which must not pull in the checker.
 *
 * Order: the first setting varies slowest, the last fastest (nested loops written in the order of
 * the settings).
 */

/** The label of a point: its values in the settings' order, joined by `, ` (a value never holds a comma). */
export function pointLabel(values: readonly string[]): string {
  return values.join(', ');
}

/** The points of crossed sweeps, in order. No sweep: no point. The caller bounds the product first. */
export function crossPoints(sweeps: readonly { values: readonly string[] }[]): string[][] {
  if (sweeps.length === 0) return [];
  let out: string[][] = [[]];
  for (const sw of sweeps) {
    const next: string[][] = [];
    for (const p of out) for (const v of sw.values) next.push([...p, v]);
    out = next;
  }
  return out;
}

/** The number of points of crossed sweeps, and its factors as text (`8 x 3`). */
export function crossSize(sweeps: readonly { values: readonly string[] }[]): { points: number; factors: string } {
  return { points: sweeps.reduce((n, s) => n * s.values.length, 1), factors: sweeps.map((s) => s.values.length).join(' x ') };
}
