/**
 * Bodies of the sched events in the kernel's own `key=value` format, as tracefs prints them and as
 * `trace-cmd report -R` (raw) prints every event:
 *
 *     prev_comm=CPU 1/KVM prev_pid=1835 prev_prio=120 prev_state=R ==> next_comm=swapper/1 next_pid=0 next_prio=120
 *     comm=CPU 3/KVM pid=1837 prio=120 target_cpu=001          (older kernels add success=1)
 *     comm=rcu_preempt pid=15 prio=120 orig_cpu=0 dest_cpu=1
 *
 * Comms may contain spaces (and in theory `=`), so a comm ends where the next expected ` key=`
 * starts rather than at a blank. Raw output prints prev_state as a number and has no `==>`.
 *
 * Parsers fill {@link ev} and return '' or the reason the body is malformed.
 */
import { ascii, indexOfField, indexOfSeq, isDigit, num, parseInt10, parseUint, probeAt, skipBlanks, skipToken, startsWithAt } from '../../bytes';
import { TaskState } from '../../events';

/** Output record of the body parsers; valid until the next call. */
export const ev = {
  a0: 0,
  a1: 0,
  a2: 0,
  /** First named task (prev / woken / migrated / parent) and its comm span. */
  p1: -1,
  c1s: 0,
  c1e: 0,
  /** Second named task (next / child), or -1. */
  p2: -1,
  c2s: 0,
  c2e: 0,
  /** Set when prev_state had letters the parser did not know. */
  unknownState: false,
};

/** Which program printed the state letters: trace-cmd prints some differently from the kernel. */
export const enum Dialect {
  Kernel = 0,
  TraceCmd = 1,
}

const PREV_COMM = ascii('prev_comm=');
const PREV_PID = ascii(' prev_pid=');
const PREV_PRIO = ascii(' prev_prio=');
const PREV_STATE = ascii(' prev_state=');
const NEXT_COMM = ascii('next_comm=');
const ARROW_NEXT_COMM = ascii(' ==> next_comm=');
const NEXT_PID = ascii(' next_pid=');
const COMM = ascii('comm=');
const PID = ascii(' pid=');
const PRIO = ascii(' prio=');
const TARGET_CPU = ascii('target_cpu=');
const ORIG_CPU = ascii('orig_cpu=');
const DEST_CPU = ascii('dest_cpu=');
const CHILD_COMM = ascii(' child_comm=');
const CHILD_PID = ascii(' child_pid=');

export const isKeyValueSwitch = (b: Uint8Array, s: number, e: number): boolean => startsWithAt(b, s, e, PREV_COMM);
export const isKeyValueTask = (b: Uint8Array, s: number, e: number): boolean => startsWithAt(b, s, e, COMM);

/**
 * Parses prev_state: letters (`R`, `R+`, `S`, `D`, `D|K`, `I`...) or a raw number (TASK_REPORT
 * bits; any bit at or above 0x100 with no low bit set is the preempted marker, whose exact value
 * moved between kernel versions). Returns the index after the token; the state goes to num.value.
 *
 * trace-cmd's own letter table differs from the kernel's: it prints TASK_IDLE as `W` and swaps
 * `X` and `Z` (checked on the same buffer saved both ways, see test/trace/real.test.ts).
 */
export function parseState(b: Uint8Array, i: number, e: number, dialect: Dialect): number {
  const end = skipToken(b, i, e);
  if (i < end && isDigit(b[i])) {
    parseUint(b, i, end);
    const v = num.value;
    num.value = v !== 0 && (v & 0xff) === 0 ? TaskState.Preempted : v & 0xff;
    ev.unknownState = false;
    return end;
  }
  let bits = 0;
  let known = false;
  let unknown = false;
  for (let k = i; k < end; k++) {
    const c = b[k];
    let v = -1;
    switch (c) {
      case 0x52: v = 0; break; // R
      case 0x2b: v = TaskState.Preempted; break; // +
      case 0x53: v = TaskState.Sleeping; break; // S
      case 0x44: v = TaskState.Blocked; break; // D
      case 0x54: v = TaskState.Stopped; break; // T
      case 0x74: v = TaskState.Traced; break; // t
      case 0x58: v = dialect === Dialect.TraceCmd ? TaskState.Zombie : TaskState.Dead; break; // X
      case 0x5a: v = dialect === Dialect.TraceCmd ? TaskState.Dead : TaskState.Zombie; break; // Z
      case 0x50: v = TaskState.Parked; break; // P
      case 0x49: v = TaskState.Idle; break; // I
      case 0x57: v = TaskState.Idle; break; // W: trace-cmd's TASK_IDLE (very old kernels: waking)
      case 0x4b: case 0x4e: case 0x7c: v = -2; break; // K (wakekill), N (noload), | separators
      default: unknown = true;
    }
    if (v >= 0) {
      bits |= v;
      known = true;
    }
  }
  ev.unknownState = unknown;
  num.value = known ? bits : TaskState.Unknown;
  return end;
}

/** Finds `pat` at `i` (fast path) or anywhere after it; returns the index after it or -1. */
function expect(b: Uint8Array, i: number, e: number, pat: Uint8Array): number {
  if (probeAt(b, i, e, pat)) return i + pat.length;
  const j = indexOfSeq(b, pat, i, e);
  return j < 0 ? -1 : j + pat.length;
}

export function parseSwitchKeyValue(b: Uint8Array, s: number, e: number, dialect: Dialect): string {
  const cs = s + PREV_COMM.length;
  const pp = indexOfField(b, PREV_PID, cs, e);
  if (pp < 0) return 'sched_switch: no prev_pid=';
  ev.c1s = cs;
  ev.c1e = pp;
  let i = parseUint(b, pp + PREV_PID.length, e);
  if (i < 0) return 'sched_switch: bad prev_pid';
  ev.p1 = ev.a0 = num.value;
  i = expect(b, i, e, PREV_PRIO);
  if (i >= 0) i = parseInt10(b, i, e);
  if (i < 0) return 'sched_switch: bad prev_prio';
  i = expect(b, i, e, PREV_STATE);
  if (i < 0) return 'sched_switch: no prev_state=';
  i = parseState(b, i, e, dialect);
  ev.a1 = num.value;
  const nc = probeAt(b, i, e, ARROW_NEXT_COMM) ? i + ARROW_NEXT_COMM.length : expect(b, i, e, NEXT_COMM);
  if (nc < 0) return 'sched_switch: no next_comm=';
  const np = indexOfField(b, NEXT_PID, nc, e);
  if (np < 0) return 'sched_switch: no next_pid=';
  ev.c2s = nc;
  ev.c2e = np;
  i = parseUint(b, np + NEXT_PID.length, e);
  if (i < 0) return 'sched_switch: bad next_pid';
  ev.p2 = ev.a2 = num.value;
  // next_prio (optional) is read by nothing: not parsed.
  return '';
}

/** `comm=.. pid=.. prio=.. [success=1] [target_cpu=..]` (wakeup, waking, wakeup_new). */
export function parseWakeupKeyValue(b: Uint8Array, s: number, e: number): string {
  const cs = s + COMM.length;
  const pp = indexOfField(b, PID, cs, e);
  if (pp < 0) return 'wakeup: no pid=';
  ev.c1s = cs;
  ev.c1e = pp;
  let i = parseUint(b, pp + PID.length, e);
  if (i < 0) return 'wakeup: bad pid';
  ev.p1 = ev.a0 = num.value;
  ev.p2 = -1;
  ev.a2 = -1;
  const pr = expect(b, i, e, PRIO);
  if (pr >= 0 && parseInt10(b, pr, e) >= 0) {
    ev.a2 = num.value;
    i = pr;
  }
  const tc = probeAt(b, i + 1, e, TARGET_CPU) ? i + 1 : indexOfSeq(b, TARGET_CPU, i, e);
  ev.a1 = tc >= 0 && parseUint(b, tc + TARGET_CPU.length, e) >= 0 ? num.value : -1;
  return '';
}

/** `comm=.. pid=.. prio=.. orig_cpu=N dest_cpu=N`. */
export function parseMigrate(b: Uint8Array, s: number, e: number): string {
  if (!startsWithAt(b, s, e, COMM)) return 'sched_migrate_task: no comm=';
  const cs = s + COMM.length;
  const pp = indexOfField(b, PID, cs, e);
  if (pp < 0) return 'sched_migrate_task: no pid=';
  ev.c1s = cs;
  ev.c1e = pp;
  let i = parseUint(b, pp + PID.length, e);
  if (i < 0) return 'sched_migrate_task: bad pid';
  ev.p1 = ev.a0 = num.value;
  ev.p2 = -1;
  const oc = indexOfSeq(b, ORIG_CPU, i, e);
  if (oc < 0 || (i = parseUint(b, oc + ORIG_CPU.length, e)) < 0) return 'sched_migrate_task: no orig_cpu=';
  ev.a1 = num.value;
  const dc = indexOfSeq(b, DEST_CPU, i, e);
  if (dc < 0 || parseUint(b, dc + DEST_CPU.length, e) < 0) return 'sched_migrate_task: no dest_cpu=';
  ev.a2 = num.value;
  return '';
}

/** `comm=.. pid=.. child_comm=.. child_pid=..` (sched_process_fork). */
export function parseFork(b: Uint8Array, s: number, e: number): string {
  if (!startsWithAt(b, s, e, COMM)) return 'sched_process_fork: no comm=';
  const cs = s + COMM.length;
  const pp = indexOfSeq(b, PID, cs, e);
  if (pp < 0) return 'sched_process_fork: no pid=';
  ev.c1s = cs;
  ev.c1e = pp;
  let i = parseUint(b, pp + PID.length, e);
  if (i < 0) return 'sched_process_fork: bad pid';
  ev.p1 = ev.a0 = num.value;
  const cc = indexOfSeq(b, CHILD_COMM, i, e);
  if (cc < 0) return 'sched_process_fork: no child_comm=';
  const cp = indexOfSeq(b, CHILD_PID, cc, e);
  if (cp < 0) return 'sched_process_fork: no child_pid=';
  ev.c2s = cc + CHILD_COMM.length;
  ev.c2e = cp;
  i = parseUint(b, cp + CHILD_PID.length, e);
  if (i < 0) return 'sched_process_fork: bad child_pid';
  ev.p2 = ev.a1 = num.value;
  ev.a2 = 0;
  return '';
}

/** `comm=.. pid=.. prio=..` (sched_process_exit). */
export function parseExit(b: Uint8Array, s: number, e: number): string {
  if (!startsWithAt(b, s, e, COMM)) return 'sched_process_exit: no comm=';
  const cs = s + COMM.length;
  const pp = indexOfSeq(b, PID, cs, e);
  if (pp < 0) return 'sched_process_exit: no pid=';
  ev.c1s = cs;
  ev.c1e = pp;
  if (parseUint(b, pp + PID.length, e) < 0) return 'sched_process_exit: bad pid';
  ev.p1 = ev.a0 = num.value;
  ev.p2 = -1;
  ev.a1 = ev.a2 = 0;
  return '';
}

/** Index of the value after `key` (e.g. `vcpu_id=`) anywhere in the body, or -1. */
export function findKey(b: Uint8Array, s: number, e: number, key: Uint8Array): number {
  const i = startsWithAt(b, s, e, key) ? s : indexOfSeq(b, key, s, e);
  return i < 0 ? -1 : skipBlanks(b, i + key.length, e);
}
