/**
 * Order statistics without a full sort, for the percentiles of the simulator's recorder and of
 * the trace analysis (one copy of the algorithm for both).
 */

/**
 * The k-th smallest of `a[lo..hi]` (0-based `k`, `lo <= k <= hi`). Rearranges that range so that
 * `a[k]` holds the value a sort would put there, with smaller or equal values before it and
 * greater or equal ones after, so later calls can select within a part (Hoare partitioning around
 * a median of three). Short ranges, and ranges still open after 64 rounds (adversarial orders),
 * are sorted instead, so no input is quadratic. Deterministic: no random pivot.
 */
export function selectKth(a: Float64Array, k: number, lo = 0, hi = a.length - 1): number {
  let rounds = 0;
  while (hi > lo) {
    if (hi - lo < 16 || ++rounds > 64) {
      a.subarray(lo, hi + 1).sort();
      return a[k];
    }
    const mid = lo + ((hi - lo) >> 1);
    let x = a[lo];
    let y = a[mid];
    let z = a[hi];
    if (x > y) [x, y] = [y, x];
    if (y > z) [y, z] = [z, y];
    if (x > y) [x, y] = [y, x];
    const pivot = y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // Now a[lo..j] <= pivot <= a[i..hi], and everything between j and i equals the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}
