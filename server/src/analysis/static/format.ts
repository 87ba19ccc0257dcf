/**
 * Numbers and names as hazard messages show them, and the few statistics of random durations the
 * static checks need (a typical value and a tail value). Pure functions, no model knowledge.
 */
import type { Dist, Ns } from '../../model/ir';
import { fmtNsShort, fmtNum } from '../../core/format';

export { distMean } from '../../model/dist';

/**
 * A tail value of a random duration, in ns: roughly the 99th percentile, except that a bimodal
 * slow mode counts whenever it can happen at all (a 0.5% tail of 20 ms still stalls a VP now and
 * then, which is exactly what a hazard should say).
 */
export function distTail(d: Dist): Ns {
  switch (d.kind) {
    case 'fixed':
      return d.value;
    case 'uniform':
      return d.lo + 0.99 * (d.hi - d.lo);
    case 'exp':
      return d.mean * Math.log(100);
    case 'normal':
      return d.mean + 2.326 * d.sd;
    case 'lognormal': {
      if (d.mean <= 0) return 0;
      // Parameters of the underlying normal from the distribution's own mean and sd.
      const s2 = Math.log(1 + (d.sd * d.sd) / (d.mean * d.mean));
      const mu = Math.log(d.mean) - s2 / 2;
      return Math.exp(mu + 2.326 * Math.sqrt(s2));
    }
    case 'bimodal':
      return d.p > 0 ? Math.max(d.a, d.b) : d.a;
  }
}



/** A distribution as a short phrase: `2 ms`, `exp mean 1 ms`, `100 us, or 20 ms 1% of the time`. */
export function fmtDist(d: Dist): string {
  switch (d.kind) {
    case 'fixed':
      return fmtNsShort(d.value);
    case 'uniform':
      return `${fmtNsShort(d.lo)}..${fmtNsShort(d.hi)}`;
    case 'exp':
      return `exp mean ${fmtNsShort(d.mean)}`;
    case 'normal':
      return `normal mean ${fmtNsShort(d.mean)}`;
    case 'lognormal':
      return `lognormal mean ${fmtNsShort(d.mean)}`;
    case 'bimodal':
      return `${fmtNsShort(d.a)}, or ${fmtNsShort(d.b)} ${fmtNum(d.p * 100)}% of the time`;
  }
}

/** A distribution with its tail when the tail says more than the typical value. */
export function fmtDistWithTail(d: Dist): string {
  if (d.kind === 'fixed') return fmtNsShort(d.value);
  if (d.kind === 'bimodal') return fmtDist(d);
  return `${fmtDist(d)}, up to ~${fmtNsShort(distTail(d))}`;
}

/** `500/s`, `20k/s`, `3M/s`; from 1e9/s in the language's exponent form (`1e300/s`, not `1e+294M/s`). */
export function fmtRate(perSec: number): string {
  if (perSec >= 1e9 && Number.isFinite(perSec)) return `${perSec.toPrecision(3).replace(/\.?0+e/, 'e').replace('e+', 'e')}/s`;
  if (perSec >= 1e6) return `${fmtNum(perSec / 1e6)}M/s`;
  if (perSec >= 1e3) return `${fmtNum(perSec / 1e3)}k/s`;
  return `${fmtNum(perSec)}/s`;
}

/** CPU or VP numbers in the language's list syntax: `0-3,5`. */
export function fmtCpuList(nums: readonly number[]): string {
  const s = [...new Set(nums)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    parts.push(j > i ? `${s[i]}-${s[j]}` : `${s[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** `VP 2` or `VPs 1-3`; `pCPU 0` or `pCPUs 0-3` (with `unit` = `pCPU`). */
export function fmtIndices(unit: string, nums: readonly number[]): string {
  const n = new Set(nums).size;
  return `${unit}${n === 1 ? '' : 's'} ${fmtCpuList(nums)}`;
}

/** `1 vCPU`, `4 vCPUs`, `0.5 vCPUs`: `n` as {@link fmtNum} shows it, the unit singular when that reads 1. */
export function fmtCount(n: number, unit: string): string {
  const shown = fmtNum(n);
  return `${shown} ${unit}${shown === '1' ? '' : 's'}`;
}

/**
 * An average amount `~0.25 CPUs`, or `under 0.001 CPUs` when it is positive but {@link fmtNum}
 * rounds it to 0 (a message said "~0 CPUs of other work").
 */
export function fmtAbout(x: number, unit: string): string {
  if (x > 0 && fmtNum(x) === '0') return `under 0.001 ${unit}s`;
  return `~${fmtCount(x, unit)}`;
}

/** `` `a` ``, `` `a` and `b` ``, `` `a`, `b`, `c` and 2 more ``. */
export function fmtNames(names: readonly string[], max = 4): string {
  return fmtList(names.map((n) => `\`${n}\``), max);
}

/**
 * `fmtList(items.map(item), max)`, formatting only the items the text shows (a long list shows
 * `max - 1` of them and a count).
 */
export function fmtListOf<T>(items: readonly T[], item: (t: T) => string, max = 4, total = items.length): string {
  const n = Math.max(total, items.length);
  if (n <= max) return fmtList(items.map(item), max);
  const q: string[] = [];
  for (let k = 0; k < max - 1; k++) q.push(item(items[k]));
  return `${q.join(', ')} and ${n - max + 1} more`;
}

/** Items already formatted, joined the same way: `a, b and c`, `a, b, c and 2 more`. */
export function fmtList(q: readonly string[], max = 4): string {
  if (q.length <= 1) return q.join('');
  if (q.length <= max) return `${q.slice(0, -1).join(', ')} and ${q[q.length - 1]}`;
  return `${q.slice(0, max - 1).join(', ')} and ${q.length - max + 1} more`;
}

/** `1 task`, `3 tasks`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
