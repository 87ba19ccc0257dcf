/**
 * Work programs (ir.ts `Program`): compiled step codes, release queues and trigger timing, shared
 * by host load threads, guest threads and (if it wants) the OpenHCL task model.
 *
 * A *pass* is one run of the steps. Triggers release passes: `loop` back to back, `periodic` every
 * period, `poisson` at random arrivals, `once` at a time. Releases that come while a pass runs
 * queue behind it (schema: "passes queue while busy"), so latency = release -> end of pass
 * includes queueing; for `loop` a sample is the pass time.
 */
import type { Dist, Program, Step, Trigger } from '../model/ir';
import type { Ns } from './engine';
import { sampler, type Rng, type Sampler } from './rng';

export const ST_CPU = 0;
export const ST_SLEEP = 1;
export const ST_IO = 2;
export const ST_SYSCALL = 3;
export const ST_INTERCEPT = 4;
export const ST_ROOT_OP = 5;
export const ST_GET = 6;
export const ST_WAIT_VP_READY = 7;
export const ST_LOCK = 8;
export const ST_DISK_IO = 9;
export const ST_RTC_READ = 10;
export const ST_RTC_WRITE = 11;
export const ST_PAM_REMAP = 12;
export const ST_EXIT = 13;
export const ST_IS_VP_READY = 14;

const CODES: Record<Step['kind'], number> = {
  cpu: ST_CPU,
  sleep: ST_SLEEP,
  io: ST_IO,
  syscall: ST_SYSCALL,
  intercept: ST_INTERCEPT,
  root_op: ST_ROOT_OP,
  get: ST_GET,
  wait_vp_ready: ST_WAIT_VP_READY,
  lock: ST_LOCK,
  disk_io: ST_DISK_IO,
  rtc_read: ST_RTC_READ,
  rtc_write: ST_RTC_WRITE,
  pam_remap: ST_PAM_REMAP,
  exit: ST_EXIT,
  is_vp_ready: ST_IS_VP_READY,
};

export const TRIG_LOOP = 0;
export const TRIG_PERIODIC = 1;
export const TRIG_POISSON = 2;
export const TRIG_ONCE = 3;

export interface CompiledProgram {
  readonly steps: readonly Step[];
  /** Step code per step (ST_*). */
  readonly code: Int8Array;
  /** The duration distribution of each step (undefined for steps without one). */
  readonly dist: (Dist | undefined)[];
  /** The same, prepared for `Rng.draw`. */
  readonly samp: (Sampler | undefined)[];
  readonly trigger: Trigger;
  readonly trig: number;
  readonly startNs: Ns;
  /** Passes to run (Infinity: until the end). */
  readonly count: number;
}

export function compileProgram(p: Program): CompiledProgram {
  const code = new Int8Array(p.steps.length);
  const dist: (Dist | undefined)[] = [];
  const samp: (Sampler | undefined)[] = [];
  p.steps.forEach((s, i) => {
    code[i] = CODES[s.kind];
    const d = 'dur' in s ? s.dur : 'latency' in s ? s.latency : undefined;
    dist.push(d);
    samp.push(d ? sampler(d) : undefined);
  });
  const t = p.trigger;
  const trig = t.kind === 'loop' ? TRIG_LOOP : t.kind === 'periodic' ? TRIG_PERIODIC : t.kind === 'poisson' ? TRIG_POISSON : TRIG_ONCE;
  const count = p.count !== undefined && p.count >= 0 ? p.count : Infinity;
  return { steps: p.steps, code, dist, samp, trigger: t, trig, startNs: Math.max(0, p.startNs), count };
}

/** Time of the first release of a program. */
export function firstRelease(p: CompiledProgram, rng: Rng): Ns {
  switch (p.trig) {
    case TRIG_ONCE:
      return Math.max(p.startNs, (p.trigger as { atNs: Ns }).atNs);
    case TRIG_POISSON:
      return p.startNs + rng.interarrival((p.trigger as { ratePerSec: number }).ratePerSec);
    default:
      return p.startNs;
  }
}

/** Time of the release after one at `t` (Infinity: none). */
export function nextRelease(p: CompiledProgram, rng: Rng, t: Ns): Ns {
  switch (p.trig) {
    case TRIG_PERIODIC:
      return t + Math.max(1, rng.sample((p.trigger as { period: Dist }).period));
    case TRIG_POISSON:
      return t + rng.interarrival((p.trigger as { ratePerSec: number }).ratePerSec);
    default:
      return Infinity;
  }
}

/**
 * A bounded FIFO of release times (ring buffer). Releases beyond the bound are dropped and counted.
 * The buffer starts small and doubles up to the bound (a scenario with a thousand guest threads
 * would otherwise allocate 32 KB per thread up front).
 */
export class Releases {
  private buf: Float64Array;
  private mask: number;
  private head = 0;
  size = 0;
  dropped = 0;
  /** Buffer length bound: the capacity rounded up to a power of two (index masks). */
  private readonly maxLen: number;
  constructor(readonly capacity = 4096) {
    let p = 1;
    while (p < capacity) p *= 2;
    this.maxLen = p;
    this.buf = new Float64Array(Math.min(p, 8));
    this.mask = this.buf.length - 1;
  }
  push(t: Ns): void {
    if (this.size === this.capacity) {
      this.dropped++;
      return;
    }
    if (this.size === this.buf.length) this.grow();
    this.buf[(this.head + this.size) & this.mask] = t;
    this.size++;
  }
  shift(): Ns {
    const t = this.buf[this.head];
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return t;
  }
  private grow(): void {
    const n = Math.min(this.maxLen, this.buf.length * 2);
    const b = new Float64Array(n);
    for (let k = 0; k < this.size; k++) b[k] = this.buf[(this.head + k) & this.mask];
    this.buf = b;
    this.head = 0;
    this.mask = n - 1;
  }
}
