/**
 * Deterministic generator of large, valid scenarios for benchmarks (parse + check, completion
 * and hover latency) and as fuzz seeds. The output uses most of the language: a Xen-style host
 * with pools and loads, and many VMs with OpenHCL tasks, StorVSP controllers and disks, guests
 * with locks, threads, parallel regions, ioloads, intercepts and irqs, plus a few variants.
 *
 *     import { genScenario } from '../bench/genScenario';
 *     const text = genScenario({ lines: 10_000 });   // about 10k lines, no errors
 */

export interface GenOptions {
  /** Approximate number of lines (the result is within one VM block of it). */
  lines: number;
  /** Seed of the small PRNG that varies values (same seed, same text). */
  seed?: number;
  /** Line ending, default `\n`. */
  eol?: string;
}

/** mulberry32: tiny, seeded, good enough to vary numbers. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function genScenario(opts: GenOptions): string {
  const rand = rng(opts.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const out: string[] = [];
  const pcpus = 256;
  const pools = ['Pool-0', 'fast', 'slow', 'batch'];
  out.push(`# Generated scenario (${opts.lines} lines, seed ${opts.seed ?? 1}) for benchmarks.`);
  out.push('scenario "generated" {', '  duration 2s', '  seed 7', '  stall_threshold 500us', '}');
  out.push('host {', `  pcpus ${pcpus}`, '  sched credit2');
  out.push('  pool Pool-0 { cpus 0-63 }', '  pool fast { cpus 64-127; sched credit; timeslice 10ms }', '  pool slow { cpus 128-191 }', '  pool batch { cpus 192-255; sched credit2; ratelimit 2ms }');
  out.push('  load noise { threads 8; cpus 0-63; every 10ms; cpu exp 2ms }', '}');
  let vm = 0;
  // Keep a few lines for the variants at the end.
  while (out.length < opts.lines - 12) {
    const name = `vm${vm}`;
    const vcpus = pick([2, 4, 8, 16]);
    const pool = pools[vm % pools.length];
    out.push(`vm ${name} {`, `  vcpus ${vcpus}`, `  pool ${pool}`, `  cpu_weight ${pick([128, 256, 512, 1024])}`);
    if (vm % 3 === 0) out.push(`  cap ${int(1, 8) * 50}%`);
    out.push('  openhcl {', `    backend ${vm % 5 === 4 ? 'thread' : 'threadpool'}`, `    io_uring_cancel ${vm % 7 === 0 ? 'off' : 'on'}`);
    const tasks = int(2, 4);
    for (let t = 0; t < tasks; t++) {
      out.push(`    task t${t} {`);
      if (vm % 5 !== 4) out.push(`      target_vp ${int(0, vcpus - 1)}`, '      run_on_target on');
      out.push(`      rate ${int(1, 50)}k/s`, `      cpu exp ${int(5, 50)}us`, `      io lognormal ${int(50, 200)}us ${int(10, 50)}us`, `      sleep ${int(1, 9)}us`, '    }');
    }
    out.push(`    storvsp scsi0 {`, `      sub_channels ${Math.min(vcpus, 8) - 1}`, `      disk os { latency exp ${int(50, 150)}us }`, `      disk data { latency bimodal 100us ${int(5, 30)}ms 1% }`, '    }');
    out.push('  }');
    out.push('  guest {', '    lock l { kind ticket }');
    out.push(`    thread app { count ${Math.min(vcpus, 4)}; vcpus 0-${vcpus - 1}; every ${int(1, 5)}ms; cpu ${int(50, 500)}us; lock l 5us }`);
    out.push(`    thread io { disk_io scsi0 data; sleep ${int(1, 3)}ms }`);
    out.push(`    parallel omp { work ${int(50, 200)}us; rounds 100; barrier ${pick(['spin', 'block', 'paravirt'])} }`);
    out.push(`    ioload fio { disk scsi0 os; depth ${int(1, 16)} }`);
    out.push(`    intercept mmio { rate ${int(1, 9)}k/s; duration exp 5us }`);
    out.push(`    irq timer { rate 1k/s; kind timer; masked ${int(0, 20)}% }`);
    out.push('  }', '}');
    vm++;
  }
  out.push('variant nocancel {', '  description "io_uring cancel off everywhere it matters"', '  vm vm0 { openhcl { io_uring_cancel off } }', '}');
  out.push('variant bigger {', `  vm vm1 { vcpus 16 }`, '  host { load noise { threads 16 } }', '}');
  return out.join(opts.eol ?? '\n') + (opts.eol ?? '\n');
}
