/**
 * Seeded random streams, one per entity.
 *
 * Every entity that draws random numbers (a guest thread, an irq source, a host load thread, a
 * VTL2 task, a disk...) gets its own xoroshiro128+ generator (pure-rand) whose 128-bit state is
 * derived from (scenario seed, entity id string) by a hash. Adding a VM or a thread therefore never
 * shifts another entity's samples, and two variants that differ in one setting draw the same
 * numbers for everything else (common random numbers make variant comparisons sharper).
 *
 * No Math.random anywhere: the same seed gives the same samples on every machine (IEEE doubles,
 * Math.log/Math.sqrt/Math.cos are the only transcendental functions used).
 */
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { Dist, Ns } from '../model/ir';

/** murmur3's 32-bit finaliser: a bijective avalanche of one word. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Derives four non-zero-overall 32-bit state words from (seed, id). */
export function streamState(seed: number, id: string): number[] {
  // FNV-1a over the UTF-16 code units of the id, then mixed with both halves of the seed.
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  const lo = seed | 0;
  const hi = Math.floor(seed / 4294967296) | 0;
  const w: number[] = [];
  let x = fmix32(h ^ fmix32(lo) ^ Math.imul(hi, 0x9e3779b9));
  for (let i = 0; i < 4; i++) {
    x = fmix32((x + 0x9e3779b9 * (i + 1)) | 0);
    w.push(x);
  }
  if ((w[0] | w[1] | w[2] | w[3]) === 0) w[0] = 1; // xoroshiro must not start all-zero
  return w;
}

const TWO_POW_53 = 9007199254740992;
const TWO_POW_26 = 67108864;

/** One random stream. Methods mutate the stream (one generator per entity, never shared). */
export class Rng {
  private readonly g: { next(): number };

  constructor(state: readonly number[]) {
    this.g = xoroshiro128plusFromState(state);
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    return this.g.next() >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits (the high bits of two outputs). */
  float(): number {
    const a = this.g.next() >>> 5; // 27 bits
    const b = this.g.next() >>> 6; // 26 bits
    return (a * TWO_POW_26 + b) / TWO_POW_53;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Exponential with the given mean (inverse transform; 1 - u avoids log(0)). */
  exp(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }

  /** Standard normal (Box-Muller, one value per call so the stream position stays simple). */
  gauss(): number {
    const u1 = 1 - this.float();
    const u2 = this.float();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A sample of `d` in integer ns, clamped at >= 0 (ir.ts: "the simulator clamps samples at >= 0"). */
  sample(d: Dist): Ns {
    let v: number;
    switch (d.kind) {
      case 'fixed':
        return d.value > 0 ? Math.round(d.value) : 0;
      case 'uniform':
        v = d.lo + (d.hi - d.lo) * this.float();
        break;
      case 'exp':
        v = this.exp(d.mean);
        break;
      case 'normal':
        v = d.mean + d.sd * this.gauss();
        break;
      case 'lognormal': {
        // `mean`/`sd` describe the samples themselves (language.md: `lognormal 1ms 500us`), so
        // convert to the underlying normal: s2 = ln(1 + sd^2/mean^2), mu = ln(mean) - s2/2.
        if (d.mean <= 0) return 0;
        const s2 = Math.log(1 + (d.sd * d.sd) / (d.mean * d.mean));
        v = Math.exp(Math.log(d.mean) - s2 / 2 + Math.sqrt(s2) * this.gauss());
        break;
      }
      case 'bimodal':
        v = this.float() < d.p ? d.b : d.a;
        break;
      default:
        v = 0;
    }
    return v > 0 ? Math.round(v) : 0;
  }

  /**
   * A sample of a prepared distribution (`sampler(d)`): the same numbers as `sample(d)`, bit for
   * bit (the same operations in the same order, with the constant parts computed once).
   */
  draw(s: Sampler): Ns {
    let v: number;
    switch (s.k) {
      case SK_FIXED:
        return s.a;
      case SK_UNIFORM:
        v = s.a + s.b * this.float();
        break;
      case SK_EXP:
        v = -s.a * Math.log(1 - this.float());
        break;
      case SK_NORMAL:
        v = s.a + s.b * this.gauss();
        break;
      case SK_LOGNORMAL:
        v = Math.exp(s.a + s.b * this.gauss());
        break;
      case SK_BIMODAL:
        v = this.float() < s.c ? s.b : s.a;
        break;
      default:
        return 0;
    }
    return v > 0 ? Math.round(v) : 0;
  }

  /** Time to the next Poisson arrival at `ratePerSec`, in ns (>= 1 so arrivals always advance). */
  interarrival(ratePerSec: number): Ns {
    if (!(ratePerSec > 0)) return Infinity;
    return Math.max(1, Math.round(this.exp(1e9 / ratePerSec)));
  }
}

const SK_FIXED = 0;
const SK_UNIFORM = 1;
const SK_EXP = 2;
const SK_NORMAL = 3;
const SK_LOGNORMAL = 4;
const SK_BIMODAL = 5;
const SK_ZERO = 6;

/**
 * A distribution prepared once (setup) for `Rng.draw` in hot paths: a small integer kind instead
 * of a string switch, and the constant parts of the formula precomputed (for `lognormal`, the
 * underlying normal's mu and sigma: two logs and a square root per sample saved).
 */
export class Sampler {
  constructor(
    readonly k: number,
    readonly a: number,
    readonly b: number,
    readonly c: number,
  ) {}
}

export function sampler(d: Dist): Sampler {
  switch (d.kind) {
    case 'fixed':
      return new Sampler(SK_FIXED, d.value > 0 ? Math.round(d.value) : 0, 0, 0);
    case 'uniform':
      return new Sampler(SK_UNIFORM, d.lo, d.hi - d.lo, 0);
    case 'exp':
      return new Sampler(SK_EXP, d.mean, 0, 0);
    case 'normal':
      return new Sampler(SK_NORMAL, d.mean, d.sd, 0);
    case 'lognormal': {
      if (d.mean <= 0) return new Sampler(SK_FIXED, 0, 0, 0);
      // As in `sample`: exp(ln(mean) - s2/2 + sqrt(s2) * N), evaluated left to right.
      const s2 = Math.log(1 + (d.sd * d.sd) / (d.mean * d.mean));
      return new Sampler(SK_LOGNORMAL, Math.log(d.mean) - s2 / 2, Math.sqrt(s2), 0);
    }
    case 'bimodal':
      return new Sampler(SK_BIMODAL, d.a, d.b, d.p);
    default:
      return new Sampler(SK_ZERO, 0, 0, 0);
  }
}

/** The mean of a Dist in ns (model/dist.ts, where the checker and the hazards read it too). */
export { distMean } from '../model/dist';

/** Factory of per-entity streams for one run. */
export class RngStreams {
  private readonly used = new Set<string>();
  constructor(readonly seed: number) {}

  /**
   * The stream of entity `id` (e.g. `vm:web/thread:cyclic#2`). Ids must be unique per run: asking
   * twice for the same id is a programmer error (two entities would draw identical numbers).
   */
  stream(id: string): Rng {
    if (this.used.has(id)) throw new Error(`random stream '${id}' requested twice`);
    this.used.add(id);
    return new Rng(streamState(this.seed, id));
  }
}
