/**
 * Scenario shapes for the simulator's scaling audit (test/bench/shapes.bench.ts, docs/bench-sim.md
 * "Scenario shapes"): one generator per shape of scenario the model supports, each scaled by a
 * size factor `n` (pCPUs, vCPUs, threads and rates grow with n), with realistic values inside the
 * model's stated ranges (docs/language.md), not edge values. The storage benchmark
 * (test/bench/storage-*.vps) covers OpenHCL storage; these cover the rest: every host scheduler,
 * pools, KVM boost, OpenHCL tasks (run_on_target, sidecar, blocking syscalls), guest barriers and
 * locks, host load, overcommit, and simulated times past 2^31 ns.
 *
 *     import { SHAPES, shapeText } from './shapes';
 *     const text = shapeText('credit', 4);   // valid .vps text, deterministic
 *
 * `duration` is chosen so that every size runs a comparable number of events (the event rate
 * grows about linearly with n), except in `long`, whose point is the simulated time.
 */

export interface Shape {
  name: string;
  /** What the shape stresses, for the table. */
  what: string;
  /** Text of the scenario at size factor n (1, 4, 16...). */
  text: (n: number) => string;
}

const ms = (x: number) => `${Math.max(1, Math.round(x))}ms`;

/** A Linux (KVM) or Xen host running `vms` VMs of `vcpus` vCPUs each, guest threads on every vCPU. */
function schedShape(sched: string, over: number, extra = ''): (n: number) => string {
  return (n) => {
    const pcpus = 4 * n;
    const vms = 4;
    const vcpus = Math.max(1, Math.round((pcpus * over) / vms));
    const L = [`scenario "shape ${sched} x${over}" { duration ${ms(2000 / n)}; seed 3 }`, 'host {', `  pcpus ${pcpus}`, `  sched ${sched}`, `  load noise { threads ${n}; cpu exp 500us; sleep exp 2ms }`, extra, '}'];
    for (let v = 0; v < vms; v++) {
      L.push(`vm v${v} {`, `  vcpus ${vcpus}`);
      if (sched === 'credit' || sched === 'credit2') L.push(`  cpu_weight ${[128, 256, 512, 256][v]}`, v === 3 ? '  cap 50%' : '');
      L.push('  guest {', `    thread app { count ${vcpus}; cpu exp ${100 + 50 * v}us; sleep exp 300us }`, '    irq tick { rate 250/s; kind timer }', '  }', '}');
    }
    return L.join('\n') + '\n';
  };
}

export const SHAPES: Shape[] = [
  { name: 'fair', what: 'KVM/CFS-EEVDF, 4 VMs, 1 vCPU per pCPU', text: schedShape('fair', 1) },
  { name: 'fair-x4', what: 'fair, 4 vCPUs per pCPU', text: schedShape('fair', 4) },
  { name: 'fair-x8', what: 'fair, 8 vCPUs per pCPU', text: schedShape('fair', 8) },
  { name: 'fair-x0.5', what: 'fair, 0.5 vCPU per pCPU', text: schedShape('fair', 0.5) },
  { name: 'credit', what: 'Xen credit, weights and a cap, 2 vCPUs per pCPU', text: schedShape('credit', 2) },
  { name: 'credit2', what: 'Xen credit2, weights and a cap, 2 vCPUs per pCPU', text: schedShape('credit2', 2) },
  { name: 'fifo', what: 'SCHED_FIFO pools, 2 vCPUs per pCPU', text: schedShape('fifo', 2) },
  { name: 'rr', what: 'SCHED_RR pools, 2 vCPUs per pCPU', text: schedShape('rr', 2) },
  {
    name: 'pools',
    what: 'four Xen cpupools (credit, credit2, fair, rr), a VM in each',
    text: (n) => {
      const q = 4 * n;
      const L = [`scenario "shape pools" { duration ${ms(2000 / n)}; seed 3 }`, 'host {', `  pcpus ${4 * q}`, '  sched credit2'];
      L.push(`  pool Pool-0 { cpus 0-${q - 1}; sched credit2 }`, `  pool a { cpus ${q}-${2 * q - 1}; sched credit; timeslice 10ms }`, `  pool b { cpus ${2 * q}-${3 * q - 1}; sched fair }`, `  pool c { cpus ${3 * q}-${4 * q - 1}; sched rr; timeslice 5ms }`);
      L.push(`  load noise { threads ${n}; cpus 0-${q - 1}; every 10ms; cpu exp 2ms }`, '}');
      ['Pool-0', 'a', 'b', 'c'].forEach((p, v) => {
        L.push(`vm p${v} {`, `  vcpus ${2 * q}`, `  pool ${p}`, '  guest {', `    thread app { count ${2 * q}; cpu exp 150us; sleep exp 300us }`, '  }', '}');
      });
      return L.join('\n') + '\n';
    },
  },
  {
    name: 'boost',
    what: 'KVM dynamic boost, RT cyclic threads, host hogs and irqs',
    text: (n) => {
      const pcpus = 4 * n;
      const L = [`scenario "shape boost" { duration ${ms(2000 / n)}; seed 3 }`, 'host {', `  pcpus ${pcpus}`, '  sched fair', `  load hog { threads ${pcpus}; cpu 10ms; sleep 1ms }`, '  load hostlat { every 1ms; cpu 50us }', '}'];
      for (let v = 0; v < 2; v++) {
        L.push(`vm rt${v} {`, `  vcpus ${pcpus}`, '  boost dynamic { trigger injection; preempt_limit 3ms }', '  guest {', `    thread cyclic { count ${pcpus}; rt on; every 500us; cpu 10us }`, '    irq tick { rate 1k/s; kind timer; masked 5% }', '    lock l { kind spin }', `    thread work { count ${pcpus}; cpu exp 200us; lock l 5us; sleep exp 200us }`, '  }', '}');
      }
      return L.join('\n') + '\n';
    },
  },
  {
    name: 'openhcl',
    what: 'OpenHCL VMs: tasks run_on_target, blocking syscalls, StorVSP, intercepts',
    text: (n) => {
      const vcpus = 8 * n;
      const L = [`scenario "shape openhcl" { duration ${ms(1000 / n)}; seed 3 }`, 'host {', `  pcpus ${vcpus}`, '  sched fair', `  load hk { threads ${n}; cpu 200us; sleep 2ms }`, '}'];
      L.push('vm h {', `  vcpus ${vcpus}`, '  openhcl {', '    backend threadpool');
      for (let t = 0; t < 2 * n; t++) L.push(`    task q${t} { target_vp ${(t * 4) % vcpus}; run_on_target on; rate 5k/s; cpu exp 10us; io exp 60us${t % 4 === 3 ? '; syscall 30us' : ''} }`);
      L.push(`    task bg { runs_on dedicated; every 1ms; cpu 50us; syscall 200us }`);
      L.push('    storvsp s {', `      sub_channels ${Math.min(vcpus - 1, 16)}`, '      disk d { latency lognormal 200us 80us }', '    }', '  }');
      L.push('  guest {', `    ioload fio { disk s d; depth ${4 * n} }`, `    thread app { count ${vcpus}; cpu exp 100us; sleep exp 300us }`, '    intercept mmio { rate 2k/s; duration exp 5us }', '  }', '}');
      return L.join('\n') + '\n';
    },
  },
  {
    name: 'sidecar',
    what: 'OpenHCL sidecar VPs onlined by tasks (wait_vp_ready)',
    text: (n) => {
      const vcpus = 8 * n;
      const L = [`scenario "shape sidecar" { duration ${ms(1000 / n)}; seed 3 }`, 'host {', `  pcpus ${vcpus}`, '}'];
      L.push('vm big {', `  vcpus ${vcpus}`, '  openhcl {', `    sidecar { linux_vps 0-${Math.max(0, vcpus / 4 - 1)}; online_cost 200us }`);
      for (let t = 0; t < 2 * n; t++) L.push(`    task w${t} { target_vp ${(t * 4 + 3) % vcpus}; run_on_target on; rate 2k/s; wait_vp_ready; cpu 10us; io exp 50us }`);
      L.push('  }', '  guest {', `    thread app { count ${vcpus}; cpu 500us; sleep 500us }`, '  }', '}');
      return L.join('\n') + '\n';
    },
  },
  ...(['spin', 'block', 'paravirt'] as const).map(
    (b): Shape => ({
      name: `barrier-${b}`,
      what: `guest parallel region, ${b} barrier, 2 vCPUs per pCPU with host noise`,
      text: (n) => {
        const vcpus = 8 * n;
        return [
          `scenario "shape barrier ${b}" { duration ${ms(2000 / n)}; seed 3 }`,
          'host {',
          `  pcpus ${vcpus / 2}`,
          `  load noise { threads ${n}; cpu 4ms; sleep 4ms }`,
          '}',
          'vm omp {',
          `  vcpus ${vcpus}`,
          '  guest {',
          `    parallel ua { threads ${vcpus}; work uniform 50us..150us; rounds 100000; barrier ${b} }`,
          '  }',
          '}',
        ].join('\n') + '\n';
      },
    }),
  ),
  {
    name: 'locks',
    what: 'guest ticket lock and mutex contention, 2 vCPUs per pCPU',
    text: (n) => {
      const vcpus = 8 * n;
      return [
        `scenario "shape locks" { duration ${ms(2000 / n)}; seed 3 }`,
        'host {',
        `  pcpus ${vcpus / 2}`,
        '}',
        'vm db {',
        `  vcpus ${vcpus}`,
        '  guest {',
        '    lock t { kind ticket }',
        '    lock m { kind mutex; mode user }',
        `    thread a { count ${vcpus}; cpu exp 50us; lock t 2us; sleep exp 100us }`,
        `    thread b { count ${vcpus}; cpu exp 80us; lock m 10us; sleep exp 200us }`,
        '  }',
        '}',
      ].join('\n') + '\n';
    },
  },
  {
    name: 'hogs',
    what: 'host load: 50 x n hog threads (at most 200) on 4 x n pCPUs beside one VM',
    text: (n) =>
      [
        `scenario "shape hogs" { duration ${ms(2000 / n)}; seed 3 }`,
        'host {',
        `  pcpus ${4 * n}`,
        `  load hog { threads ${Math.min(200, 50 * n)}; cpu exp 300us; sleep exp 1ms }`,
        '}',
        'vm v {',
        `  vcpus ${4 * n}`,
        '  guest {',
        `    thread app { count ${4 * n}; cpu exp 100us; sleep exp 300us }`,
        '  }',
        '}',
      ].join('\n') + '\n',
  },
  {
    name: 'long',
    what: 'small fair scenario; n scales the simulated time (0.6 s x n): times past 2^31 ns',
    text: (n) =>
      [
        `scenario "shape long" { duration ${600 * n}ms; seed 3 }`,
        'host {',
        '  pcpus 4',
        '  load noise { threads 1; cpu exp 500us; sleep exp 2ms }',
        '}',
        'vm v {',
        '  vcpus 8',
        '  guest {',
        `    thread app { count 8; cpu exp ${100 * n}us; sleep exp ${300 * n}us }`,
        '  }',
        '}',
      ].join('\n') + '\n',
  },
];

export function shapeText(name: string, n: number): string {
  const s = SHAPES.find((x) => x.name === name);
  if (!s) throw new Error(`no shape ${name}`);
  return s.text(n);
}
