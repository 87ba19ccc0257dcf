/**
 * fast-check generators of whole scenarios (`.vps` text) within the ranges docs/language.md and
 * model.md state, kept small so a run takes milliseconds: 1-8 pCPUs, optional second cpupool with
 * its own scheduler, host loads, 1-3 VMs (pinning, weights, caps, nice, boost), guest threads,
 * parallel regions, locks, interrupts, intercepts, OpenHCL blocks (tasks with every step kind,
 * sidecar, StorVSP with ioloads) and a variant, 10-40 ms of simulated time.
 *
 * The generated model (`Gen`) is kept beside the text so properties can derive what the result
 * must satisfy (each VM's allowed pCPUs) and make metamorphic edits (add a pCPU, raise a weight).
 */
import fc from 'fast-check';
import { fraction } from '../../arb';

export type Sched = 'credit' | 'credit2' | 'fair' | 'fifo' | 'rr';

export interface GLoad {
  threads: number;
  cpuUs: number;
  sleepUs: number;
  policy: 'normal' | 'fifo' | 'rr';
  nice: number;
}

export interface GThread {
  count: number;
  trigger: 'loop' | 'every' | 'rate';
  periodUs: number;
  cpuUs: number;
  sleepUs: number;
  rt: boolean;
  lock: boolean;
  exitUs: number;
}

export interface GTask {
  target: number | undefined;
  runOnTarget: boolean;
  runsOn: 'vp' | 'dedicated';
  rate: number;
  cpuUs: number;
  extra: 'none' | 'io' | 'syscall' | 'intercept' | 'get';
  extraUs: number;
}

export interface GVm {
  vcpus: number;
  /** Use the second pool (when there is one). */
  pool2: boolean;
  /** Affinity as fractions of the pool's CPUs: offset and length (undefined: the whole pool). */
  aff?: { off: number; len: number };
  oneToOne: boolean;
  weight: number;
  cap: number;
  nice: number;
  boost: 'off' | 'static_rt' | 'dynamic';
  threads: GThread[];
  parallel?: { workUs: number; rounds: number; barrier: 'spin' | 'block' | 'paravirt'; dop: 'fixed' | 'adaptive' };
  lock: 'spin' | 'ticket' | 'mutex';
  irqRate: number;
  interceptRate: number;
  openhcl?: {
    cancel: boolean;
    tasks: GTask[];
    sidecar: boolean;
    storvsp?: { sub: number; depth: number; latUs: number; rate: number; closedDepth: number };
  };
}

export interface Gen {
  seed: number;
  durationMs: number;
  warmupMs: number;
  pcpus: number;
  sched: Sched;
  hz: number;
  /** Second pool: how many of the last pCPUs it takes (0: none), and its scheduler. */
  pool2: number;
  pool2Sched: Sched;
  loads: GLoad[];
  vms: GVm[];
  /** The variant: which edit it makes. */
  variant: 'none' | 'noload' | 'weight' | 'cancel' | 'barrier';
  /** Less common settings, each an index into a small menu (0: not written). */
  x: number[];
}

const sched = fc.constantFrom<Sched>('credit', 'credit2', 'fair', 'fair', 'fair', 'fifo', 'rr');

const load: fc.Arbitrary<GLoad> = fc.record({
  threads: fc.integer({ min: 1, max: 4 }),
  cpuUs: fc.integer({ min: 100, max: 8000 }),
  sleepUs: fc.integer({ min: 100, max: 8000 }),
  policy: fc.constantFrom<GLoad['policy']>('normal', 'normal', 'normal', 'fifo', 'rr'),
  nice: fc.integer({ min: -20, max: 19 }),
});

const thread: fc.Arbitrary<GThread> = fc.record({
  count: fc.integer({ min: 1, max: 4 }),
  trigger: fc.constantFrom<GThread['trigger']>('loop', 'every', 'rate'),
  periodUs: fc.integer({ min: 200, max: 5000 }),
  cpuUs: fc.integer({ min: 5, max: 3000 }),
  sleepUs: fc.integer({ min: 0, max: 3000 }),
  rt: fc.boolean(),
  lock: fc.boolean(),
  exitUs: fc.constantFrom(0, 0, 5, 50),
});

const task: fc.Arbitrary<GTask> = fc.record({
  target: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined }),
  runOnTarget: fc.boolean(),
  runsOn: fc.constantFrom<GTask['runsOn']>('vp', 'vp', 'dedicated'),
  rate: fc.integer({ min: 100, max: 5000 }),
  cpuUs: fc.integer({ min: 1, max: 100 }),
  extra: fc.constantFrom<GTask['extra']>('none', 'io', 'io', 'syscall', 'intercept', 'get'),
  extraUs: fc.integer({ min: 5, max: 2000 }),
});

const vm: fc.Arbitrary<GVm> = fc.record({
  vcpus: fc.integer({ min: 1, max: 8 }),
  pool2: fc.boolean(),
  aff: fc.option(fc.record({ off: fraction(0.999), len: fraction() }), { nil: undefined }),
  oneToOne: fc.boolean(),
  weight: fc.constantFrom(64, 128, 256, 256, 512, 1000),
  cap: fc.constantFrom(0, 0, 0, 30, 80, 150),
  nice: fc.constantFrom(0, 0, -5, 5),
  boost: fc.constantFrom<GVm['boost']>('off', 'off', 'static_rt', 'dynamic'),
  threads: fc.array(thread, { minLength: 0, maxLength: 2 }),
  parallel: fc.option(
    fc.record({ workUs: fc.integer({ min: 20, max: 500 }), rounds: fc.integer({ min: 5, max: 100 }), barrier: fc.constantFrom<'spin' | 'block' | 'paravirt'>('spin', 'block', 'paravirt'), dop: fc.constantFrom<'fixed' | 'adaptive'>('fixed', 'adaptive') }),
    { nil: undefined },
  ),
  lock: fc.constantFrom<GVm['lock']>('spin', 'ticket', 'mutex'),
  irqRate: fc.constantFrom(0, 0, 500, 4000),
  interceptRate: fc.constantFrom(0, 0, 1000),
  openhcl: fc.option(
    fc.record({
      cancel: fc.boolean(),
      tasks: fc.array(task, { minLength: 0, maxLength: 3 }),
      sidecar: fc.boolean(),
      storvsp: fc.option(fc.record({ sub: fc.integer({ min: 0, max: 3 }), depth: fc.integer({ min: 1, max: 64 }), latUs: fc.integer({ min: 20, max: 5000 }), rate: fc.integer({ min: 0, max: 20000 }), closedDepth: fc.integer({ min: 0, max: 16 }) }), { nil: undefined }),
    }),
    { nil: undefined, freq: 3 },
  ),
});

export const genArb: fc.Arbitrary<Gen> = fc
  .record({
    seed: fc.integer({ min: 1, max: 100_000 }),
    durationMs: fc.integer({ min: 10, max: 40 }),
    warmupMs: fc.constantFrom(0, 0, 0, 3),
    pcpus: fc.integer({ min: 1, max: 8 }),
    sched,
    hz: fc.constantFrom(100, 250, 1000),
    pool2: fc.integer({ min: 0, max: 3 }),
    pool2Sched: sched,
    loads: fc.array(load, { minLength: 0, maxLength: 2 }),
    vms: fc.array(vm, { minLength: 1, maxLength: 3 }),
    variant: fc.constantFrom<Gen['variant']>('none', 'noload', 'weight', 'cancel', 'barrier'),
    x: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 16, maxLength: 16 }),
  })
  .map((g) => ({ ...g, pool2: Math.min(g.pool2, g.pcpus - 1) }));

/** CPUs of each pool: Pool-0 first. */
export function poolCpus(g: Gen): { p0: number[]; p2: number[] } {
  const all = [...Array(g.pcpus).keys()];
  return { p0: all.slice(0, g.pcpus - g.pool2), p2: all.slice(g.pcpus - g.pool2) };
}

/** The hard affinity of a VM (pCPU numbers). */
export function vmCpus(g: Gen, v: GVm): number[] {
  const { p0, p2 } = poolCpus(g);
  const pool = v.pool2 && p2.length > 0 ? p2 : p0;
  if (!v.aff) return pool;
  const off = Math.floor(v.aff.off * pool.length);
  const len = Math.max(1, Math.round(v.aff.len * (pool.length - off)));
  return pool.slice(off, off + len);
}

export function schedOf(g: Gen, v: GVm): Sched {
  const { p2 } = poolCpus(g);
  return v.pool2 && p2.length > 0 ? g.pool2Sched : g.sched;
}

const isXen = (s: Sched) => s === 'credit' || s === 'credit2';

function list(cpus: number[]): string {
  return cpus.length === 1 ? `${cpus[0]}` : cpus.join(',');
}

function program(trigger: GThread['trigger'], periodUs: number, steps: string[]): string {
  const t = trigger === 'loop' ? '' : trigger === 'every' ? `every ${periodUs}us; ` : `rate ${Math.max(1, Math.round(1e6 / periodUs))}/s; `;
  return t + steps.join('; ');
}

function vmText(g: Gen, v: GVm, i: number): string {
  const { p2 } = poolCpus(g);
  const s = schedOf(g, v);
  const lines: string[] = [`  vcpus ${v.vcpus}`];
  if (v.pool2 && p2.length > 0) lines.push('  pool P2');
  if (v.aff) lines.push(`  cpus ${list(vmCpus(g, v))}`);
  if (v.oneToOne) lines.push('  pin one_to_one');
  const x = g.x;
  if (x[2] === 1 && v.aff) lines.push(`  cpus_soft ${list(vmCpus(g, v).slice(0, 1))}`);
  if (isXen(s)) {
    if (v.weight !== 256) lines.push(`  cpu_weight ${v.weight}`);
    if (v.cap > 0) lines.push(`  cap ${v.cap}%`);
  } else {
    if (v.nice !== 0 && s === 'fair') lines.push(`  nice ${v.nice}`);
    if (v.boost !== 'off' && !v.openhcl) {
      const b = v.boost === 'dynamic' ? [[], ['trigger pending'], ['guest_unboosts off', 'preempt_limit 0'], ['nested on', 'interrupts timer,device,ipi']][x[3]] : [];
      lines.push(`  boost ${v.boost}${b.length > 0 ? ` { ${b.join('; ')} }` : ''}`);
    }
  }
  if (v.openhcl) {
    const o = v.openhcl;
    const ol: string[] = [];
    if (!o.cancel) ol.push('io_uring_cancel off');
    const backend = x[4] === 1 ? 'thread' : x[4] === 2 && !o.storvsp ? 'single' : 'threadpool';
    if (backend !== 'threadpool') ol.push(`backend ${backend}`);
    if (o.sidecar && v.vcpus > 1) ol.push(`sidecar { linux_vps 0; online_cost 1ms${x[5] === 1 ? '; hotplug off' : ''} }`);
    o.tasks.forEach((t, k) => {
      const parts: string[] = [];
      const target = t.target === undefined ? undefined : t.target % v.vcpus;
      if (target !== undefined && backend !== 'single') parts.push(`target_vp ${target}`);
      if (target !== undefined && t.runOnTarget && backend === 'threadpool') parts.push('run_on_target on');
      if (target !== undefined && backend === 'threadpool' && x[6] === 1 && k === 0) parts.push(`retarget_vp ${(target + 1) % v.vcpus} at ${Math.round(g.durationMs / 2)}ms`);
      if (x[7] === 1 && k === 0) parts.push('start 2ms');
      if (t.runsOn === 'dedicated') parts.push('runs_on dedicated');
      const steps = [`cpu ${t.cpuUs}us`];
      if (t.extra === 'io') steps.push(`io exp ${t.extraUs}us`, `cpu ${t.cpuUs}us`);
      if (t.extra === 'syscall') steps.push(`syscall ${t.extraUs}us`);
      if (t.extra === 'intercept') steps.push(`intercept ${t.extraUs}us`);
      if (t.extra === 'get') steps.push(`get ${t.extraUs}us ${x[8] === 1 ? 'blocking' : 'async'}`);
      if (x[9] === 1 && k === 0) steps.push('wait_vp_ready');
      if (x[9] === 2 && k === 0) steps.push('is_vp_ready', `root_op mmio ${t.cpuUs}us`);
      parts.push(`rate ${t.rate}/s`, ...steps);
      ol.push(`task t${k} { ${parts.join('; ')} }`);
    });
    if (o.storvsp) {
      ol.push(`storvsp scsi0 { sub_channels ${Math.min(o.storvsp.sub, v.vcpus - 1)}; io_queue_depth ${o.storvsp.depth}; disk d { latency exp ${o.storvsp.latUs}us } }`);
    }
    lines.push(`  openhcl {\n${ol.map((l) => '    ' + l).join('\n')}\n  }`);
  }
  const gl: string[] = [];
  if (x[14] === 1) gl.push('steal_time off');
  if (x[14] === 2) gl.push('ple { enabled off }');
  if (x[15] === 1) gl.push('slice 500us');
  if (x[15] === 2) gl.push('residence exp 200us');
  gl.push(`lock L { kind ${v.lock} }`);
  v.threads.forEach((t, k) => {
    const steps: string[] = [];
    if (t.lock) steps.push(`lock L ${Math.max(1, Math.round(t.cpuUs / 4))}us`);
    steps.push(`cpu ${t.cpuUs}us`);
    if (t.exitUs > 0) steps.push(`exit pio ${t.exitUs}us${x[10] === 1 ? ' vmm' : ''}`);
    if (x[11] === 1 && k === 0) steps.push('rtc_write');
    if (x[11] === 2 && k === 0 && v.openhcl?.storvsp) steps.push('disk_io scsi0 d');
    if (t.sleepUs > 0 || t.trigger === 'loop') steps.push(`sleep ${Math.max(1, t.sleepUs)}us`);
    const vc = x[12] === 1 && v.vcpus > 1 ? `; vcpus 1-${v.vcpus - 1}` : '';
    gl.push(`thread w${k} { count ${t.count}${vc}${t.rt ? '; rt on' : ''}; ${program(t.trigger, t.periodUs, steps)} }`);
  });
  if (v.parallel) {
    const p = v.parallel;
    const px = [[], ['spin_limit 50us'], ['spin_mode kernel'], ['start 1ms']][x[13]];
    gl.push(`parallel r { threads ${v.vcpus}; work uniform ${Math.round(p.workUs * 0.75)}us..${Math.round(p.workUs * 1.25)}us; rounds ${p.rounds}; barrier ${p.barrier}; dop ${p.dop}${px.map((e) => '; ' + e).join('')} }`);
  }
  if (v.irqRate > 0) gl.push(`irq tmr { rate ${v.irqRate}/s; kind timer; masked 20% }`);
  if (v.interceptRate > 0) gl.push(`intercept pio { rate ${v.interceptRate}/s; duration exp 20us }`);
  if (v.openhcl?.storvsp) {
    const s = v.openhcl.storvsp;
    if (s.rate > 0) gl.push(`ioload a { disk scsi0 d; rate ${s.rate}/s }`);
    if (s.closedDepth > 0) gl.push(`ioload b { disk scsi0 d; depth ${s.closedDepth} }`);
  }
  lines.push(`  guest {\n${gl.map((l) => '    ' + l).join('\n')}\n  }`);
  return `vm v${i} {\n${lines.join('\n')}\n}`;
}

export function hostText(g: Gen, extra: { pcpus?: number; loads?: GLoad[] } = {}): string {
  const { p2 } = poolCpus(g);
  const pcpus = extra.pcpus ?? g.pcpus;
  const loads = extra.loads ?? g.loads;
  const lines = [`  pcpus ${pcpus}`, `  sched ${g.sched}`, `  hz ${g.hz}`];
  const x = g.x;
  const poolExtra = (sc: Sched) => {
    const o: string[] = [];
    if (x[0] === 1 && sc !== 'fifo') o.push('timeslice 2ms');
    if (x[0] === 2 && (sc === 'credit' || sc === 'credit2')) o.push('ratelimit 0');
    if (x[0] === 3 && sc === 'credit2') o.push('cap_period 1ms');
    if (x[0] === 3 && sc === 'credit') o.push('tick 1ms');
    return o;
  };
  const e0 = poolExtra(g.sched);
  if (e0.length > 0) lines.push(`  pool Pool-0 { cpus ${list(poolCpus(g).p0)}; ${e0.join('; ')} }`);
  if (p2.length > 0) lines.push(`  pool P2 { cpus ${list(p2)}; sched ${g.pool2Sched}${poolExtra(g.pool2Sched).map((e) => '; ' + e).join('')} }`);
  if (x[1] === 1) lines.push('  costs { halt_poll 0 }');
  if (x[1] === 2) lines.push('  costs { halt_exit 2us; wake_exit 5us; ipi 1us; wake_latency 5us; entry 3us }');
  loads.forEach((l, k) => {
    const parts = [`threads ${l.threads}`];
    if (p2.length > 0) parts.push(`cpus ${list(poolCpus(g).p0)}`);
    if (l.policy !== 'normal') parts.push(`policy ${l.policy}`);
    else if (l.nice !== 0) parts.push(`nice ${l.nice}`);
    parts.push(`cpu ${l.cpuUs}us`, `sleep ${l.sleepUs}us`);
    lines.push(`  load h${k} { ${parts.join('; ')} }`);
  });
  return `host {\n${lines.join('\n')}\n}`;
}

export function scenarioText(g: Gen, opts: { variant?: boolean } = {}): string {
  const out = [`scenario { duration ${g.durationMs}ms; seed ${g.seed}${g.warmupMs > 0 ? `; warmup ${g.warmupMs}ms` : ''} }`, hostText(g), ...g.vms.map((v, i) => vmText(g, v, i))];
  if (opts.variant !== false) {
    const v0 = g.vms[0];
    if (g.variant === 'noload' && g.loads.length > 0) out.push(`variant V { host { ${g.loads.map((_, k) => `remove load h${k}`).join('; ')} } }`);
    if (g.variant === 'weight' && isXen(schedOf(g, v0))) out.push(`variant V { vm v0 { cpu_weight ${Math.min(65535, v0.weight * 4)} } }`);
    if (g.variant === 'cancel' && v0.openhcl) out.push(`variant V { vm v0 { openhcl { io_uring_cancel ${v0.openhcl.cancel ? 'off' : 'on'} } } }`);
    if (g.variant === 'barrier' && v0.parallel) out.push(`variant V { vm v0 { guest { parallel r { barrier ${v0.parallel.barrier === 'spin' ? 'block' : 'spin'} } } } }`);
  }
  return out.join('\n') + '\n';
}

/**
 * Lightly loaded scenarios for metamorphic directions that hold only with spare capacity (with
 * saturated CPUs or queues, more CPU for one thread can mean more completed work competing with
 * another, so latencies move either way): Linux fair pools, no second pool, at most pCPUs / VMs
 * vCPUs per VM, guest threads periodic at <= 25% duty (and sleeping <= 25% of the period), host loads at <= 50% duty, OpenHCL tasks at <= 10% of a VP, ioloads
 * at <= 2,000/s and depth <= 2, VMs on every pCPU (no `cpus`: 15 vCPUs pinned to one pCPU are not lightly loaded).
 */
export const lightArb: fc.Arbitrary<Gen> = genArb.map((g) => ({
  ...g,
  sched: 'fair' as Sched,
  pool2: 0,
  x: g.x.map((v, i) => (i === 0 || i === 12 ? 0 : v)),
  loads: g.loads.map((l) => ({ ...l, policy: 'normal' as const, cpuUs: Math.min(l.cpuUs, l.sleepUs) })),
  vms: g.vms.map((v) => ({
    ...v,
    vcpus: Math.max(1, Math.min(v.vcpus, Math.floor(g.pcpus / g.vms.length))),
    pool2: false,
    aff: undefined,
    threads: v.threads.map((t) => ({ ...t, trigger: 'every' as const, cpuUs: Math.max(5, Math.min(t.cpuUs, Math.round(t.periodUs / 4))), sleepUs: Math.min(t.sleepUs, Math.round(t.periodUs / 4)), lock: false })),
    parallel: undefined,
    openhcl: v.openhcl && {
      ...v.openhcl,
      tasks: v.openhcl.tasks.map((t) => ({ ...t, rate: Math.min(t.rate, 1000), cpuUs: Math.min(t.cpuUs, 50), extraUs: Math.min(t.extraUs, 100) })),
      storvsp: v.openhcl.storvsp && { ...v.openhcl.storvsp, rate: Math.min(v.openhcl.storvsp.rate, 2000), closedDepth: Math.min(v.openhcl.storvsp.closedDepth, 2), latUs: Math.min(v.openhcl.storvsp.latUs, 500) },
    },
  })),
}));
