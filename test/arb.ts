/**
 * Shared fast-check arbitraries.
 *
 * `fraction`: a number in [0, max], spread evenly over the range. `fc.double({ min: 0, max: 1 })`
 * draws uniformly over the floats' bit patterns, not over the interval: measured here, 91% of its
 * draws are below 1e-6, so a property that picks "a position in the text" or "a share of the
 * pCPUs" with it tests offset 0 and share 0 nearly every time.
 */
import fc from 'fast-check';

export function fraction(max = 1, steps = 1_000_000): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: steps }).map((n) => (n / steps) * max);
}
