/**
 * Where a waking RT thread goes, without visiting every allowed pCPU (the Linux pool's
 * `selectRt`). Linux keeps the same thing as cpupri (kernel/sched/cpupri.c): the CPUs grouped by
 * the priority they run, searched from the lowest group up.
 *
 * Each pCPU of the pool has a load: 1000 when RT is throttled there, else the higher of the
 * priority it runs (-1 idle, 0 fair, 1..99 RT) and of its best queued RT thread. The scheduler
 * calls `set` whenever one of those inputs changes; the pCPUs are kept in one bitset per load
 * (101 priorities and throttled), and `lowest` answers "the lowest-numbered allowed pCPU with the
 * lowest load", the pCPU the scan of the ascending affinity list chose (the first strict minimum),
 * in (number of loads in use) x (pCPUs / 32) word reads.
 */

/** Loads -1..99 are levels 0..100; throttled (1000) is level 101. */
const LEVELS = 102;
const THROTTLED_LEVEL = 101;

export class RtLoads {
  /** Level of each pCPU (load + 1, 101 throttled), -1 for pCPUs outside the pool. */
  readonly level: Int32Array;
  private readonly words: number;
  /** Per level, one bit per pCPU (level * words + word). */
  private readonly bits: Uint32Array;
  /** pCPUs per level. */
  private readonly count: Int32Array;

  constructor(pcpus: number, cpus: readonly number[]) {
    this.words = (pcpus + 31) >> 5;
    this.level = new Int32Array(Math.max(1, pcpus)).fill(-1);
    this.bits = new Uint32Array(LEVELS * Math.max(1, this.words));
    this.count = new Int32Array(LEVELS);
    for (const c of cpus) this.set(c, -1);
  }

  /** The load of `cpu` is now `load` (-1..99, or 1000 throttled). */
  set(cpu: number, load: number): void {
    const l = load >= 1000 ? THROTTLED_LEVEL : load + 1;
    const old = this.level[cpu];
    if (old === l) return;
    const w = cpu >> 5;
    const b = 1 << (cpu & 31);
    if (old >= 0) {
      this.bits[old * this.words + w] &= ~b;
      this.count[old]--;
    }
    this.bits[l * this.words + w] |= b;
    this.count[l]++;
    this.level[cpu] = l;
  }

  /** Load of `cpu` (-1..99, 1000 throttled). */
  load(cpu: number): number {
    const l = this.level[cpu];
    return l === THROTTLED_LEVEL ? 1000 : l - 1;
  }

  /** The lowest-numbered pCPU of `mask` (one bit per pCPU) with the lowest load, -1 none. */
  lowest(mask: Uint32Array): number {
    const words = this.words;
    const bits = this.bits;
    for (let l = 0; l < LEVELS; l++) {
      if (this.count[l] === 0) continue;
      const base = l * words;
      for (let w = 0; w < words; w++) {
        const x = bits[base + w] & mask[w];
        if (x !== 0) return (w << 5) + 31 - Math.clz32(x & -x);
      }
    }
    return -1;
  }
}
