/**
 * Bounds on the size of what `simulate` sets up, checked on the base and on every variant as
 * lowered (VPS146). Each statement has its own range (`vcpus` <= 1024, `count` <= 65536, ...),
 * but their products did not: 10 VMs of 1,024 vCPUs with `count 65536` threads each passed
 * `check` and took 752 MB for 1 ms of simulated time (measured here, ~1.1 KB per guest thread);
 * 60 such VMs take 4 GB. The limits keep a run's set-up within a few hundred MB. Time is bounded
 * separately by `max_events` and `wall_limit` (the run stops there and says so).
 */
import type { TextRange } from '../core/text';
import type { Statement } from '../syntax/tree';
import type { Scenario } from './ir';
import { Codes } from './codes';
import type { DiagSink } from './util';

export const SETUP_LIMITS = {
  /** vCPU threads of every VM plus host load threads: the host scheduler's threads. */
  hostThreads: 65_536,
  /** Guest threads (`thread` x `count`, `parallel` x `threads`) of every VM. */
  guestThreads: 262_144,
  /** OpenHCL workers: tasks plus StorVSP and NetVSP channels (primary + subchannels). */
  openhclWorkers: 65_536,
  /** IOs kept outstanding by closed-loop `ioload`s (`depth`). */
  outstandingIo: 1_048_576,
} as const;

type Kind = keyof typeof SETUP_LIMITS;

const WHAT: Record<Kind, string> = {
  hostThreads: 'host threads (vCPUs of every VM plus host load threads)',
  guestThreads: 'guest threads (`thread` x `count` plus `parallel` x `threads`, over every VM)',
  openhclWorkers: 'OpenHCL workers (tasks plus StorVSP and NetVSP channels, over every VM)',
  outstandingIo: 'outstanding IOs of closed-loop `ioload`s (`depth`, over every VM)',
};

/** The first line of `r` (an object's statement head, not its whole block). */
function headOf(text: string, r: TextRange): TextRange {
  const nl = text.indexOf('\n', r.start);
  return { start: r.start, end: nl < 0 || nl > r.end ? r.end : nl };
}

/** Reports each limit a scenario exceeds, once, at the object whose addition crosses it. */
export function checkSetupSize(s: Scenario, text: string, sink: DiagSink): void {
  const totals: Record<Kind, number> = { hostThreads: 0, guestThreads: 0, openhclWorkers: 0, outstandingIo: 0 };
  const reported = new Set<Kind>();
  const add = (k: Kind, n: number, range: TextRange) => {
    totals[k] += n;
    if (totals[k] <= SETUP_LIMITS[k] || reported.has(k)) return;
    reported.add(k);
    sink.error(
      Codes.tooLargeToSimulate,
      `The scenario is too large to simulate: more than ${SETUP_LIMITS[k].toLocaleString('en-US')} ${WHAT[k]} from here on (vpscope's bound, about 1 KB of memory each when simulated); make it smaller, or split it into scenarios.`,
      headOf(text, range),
    );
  };
  for (const vm of s.vms) {
    add('hostThreads', vm.vcpus, vm.range);
    for (const t of vm.guest.threads) add('guestThreads', t.count, t.range);
    for (const p of vm.guest.parallel) add('guestThreads', p.threads, p.range);
    for (const io of vm.guest.ioloads) if (io.depth) add('outstandingIo', io.depth, io.range);
    const o = vm.openhcl;
    if (o) {
      for (const t of o.tasks) add('openhclWorkers', 1, t.range);
      for (const c of o.storvsp) add('openhclWorkers', 1 + c.subChannels, c.range);
      for (const c of o.netvsp) add('openhclWorkers', 1 + c.subChannels, c.range);
    }
  }
  for (const l of s.host.loads) add('hostThreads', l.threads, l.range);
}

/**
 * Objects of the lowered base and variants together (each variant is a complete scenario, so a
 * chain of N variants that each add a block holds ~N^2/2 of them): past this, later variants are
 * not merged nor checked (VPS146 at their name). Measured here: 2,000 chained variants that each
 * add a host load made 2M objects, 4.7 s and 1.5 GB in `check`; the bound keeps it near 200 MB.
 */
export const MAX_VARIANT_OBJECTS = 250_000;

/** Objects (not multiplied by `count`) of a lowered scenario: what checking and simulating it walk. */
export function irSize(s: Scenario): number {
  let n = 1 + s.host.loads.length + s.host.pools.length;
  for (const vm of s.vms) {
    const g = vm.guest;
    n += 1 + g.threads.length + g.parallel.length + g.ioloads.length + g.locks.length + g.intercepts.length + g.irqs.length;
    const o = vm.openhcl;
    if (o) n += 1 + o.tasks.length + o.storvsp.length + o.netvsp.length;
  }
  return n;
}

/**
 * Statements (at any depth) of a document that are checked. Past this, only the syntax is (the
 * parse errors, at most `MAX_SYNTAX_ERRORS`), with one VPS146 at the first statement left out.
 * Realistic scenarios have tens to thousands (a 1,024-VP storage host is 33 lines); the generated
 * 100,000-line benchmark scenario has 128,106. Measured here before the bound (shared, loaded
 * machine): 200,000 statements took 10-14 s and 600 MB in `check`, 1,000,000 more than 60 s and
 * 2 GB (killed).
 */
export const MAX_STATEMENTS = 200_000;

/**
 * A `based_on` cycle of more variants than this is reported (VPS144) at its first this many in the
 * file, not at each: 10,000 variants in one cycle made 10,000 errors of 20 notes each (16 MB of
 * text, 75 MB of JSON, 8-9 s in `check`, measured here). A cycle is one mistake; each report
 * already names the path and the next variants of it.
 */
export const MAX_CYCLE_REPORTS = 20;

/** The first statement past `max` in document order (depth first), or undefined within it. */
export function statementPast(statements: readonly Statement[], max: number): Statement | undefined {
  let n = 0;
  const stack: Statement[] = [...statements].reverse();
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (++n > max) return s;
    if (s.body) for (let k = s.body.statements.length - 1; k >= 0; k--) stack.push(s.body.statements[k]);
  }
  return undefined;
}
