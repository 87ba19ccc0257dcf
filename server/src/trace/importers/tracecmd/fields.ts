/**
 * Bodies of sched events as `trace-cmd report` prints them with its default sched plugin:
 *
 *     sched_switch:         swapper/0:0 [120] R ==> rcu_preempt:15 [120]
 *     sched_wakeup:         memfd:sealed-91:7790 [120] CPU:001
 *     sched_wakeup_new:     record_run.sh:1831 [120] CPU:001      (older: [120] success=1 CPU:001)
 *
 * `comm:pid` is split on the LAST colon, because comms contain colons (`memfd:sealed-91`,
 * `kworker/0:1`). Events the plugin does not format (sched_waking, sched_migrate_task, kvm_*)
 * come out in the kernel's own format and go through the ftrace parsers.
 *
 * Parsers fill `ev` (see ../ftrace/fields.ts) and return '' or why the body is malformed.
 */
import { COLON, LBRACKET, RBRACKET, ascii, indexOfSeq, isDigit, lastIndexOfByte, num, parseInt10, parseUint, skipBlanks, trimEnd } from '../../bytes';
import { Dialect, ev, parseState } from '../ftrace/fields';

const ARROW = ascii(' ==> ');
const CPU_COLON = ascii('CPU:');

/**
 * Parses `comm:pid [prio]` ending at `e` (just past the `]`) into task slot 1 or 2 of `ev`; the
 * prio is left in num.value (-1 when unreadable).
 */
function parseTask(b: Uint8Array, s: number, e: number, slot: 1 | 2): string {
  const lb = lastIndexOfByte(b, LBRACKET, s, e);
  if (lb < 0) return 'expected comm:pid [prio]';
  const te = trimEnd(b, s, lb);
  let d = te;
  while (d > s && isDigit(b[d - 1])) d--;
  if (d === te || d - 1 < s || b[d - 1] !== COLON) return 'expected comm:pid';
  parseUint(b, d, te);
  const pid = num.value;
  const pr = parseInt10(b, lb + 1, e);
  const prio = pr >= 0 && b[pr] === RBRACKET ? num.value : -1;
  if (slot === 1) {
    ev.p1 = pid;
    ev.c1s = s;
    ev.c1e = d - 1;
  } else {
    ev.p2 = pid;
    ev.c2s = s;
    ev.c2e = d - 1;
  }
  num.value = prio;
  return '';
}

export function parseSwitchReport(b: Uint8Array, s: number, e: number): string {
  const arrow = indexOfSeq(b, ARROW, s, e);
  if (arrow < 0) return 'sched_switch: expected "==>"';
  // Left side: `comm:pid [prio] STATE`. The state is the token after the last `]`.
  const rb = lastIndexOfByte(b, RBRACKET, s, arrow);
  if (rb < 0) return 'sched_switch: expected [prio] before the state';
  const why = parseTask(b, s, rb + 1, 1);
  if (why) return 'sched_switch: ' + why;
  ev.a0 = ev.p1;
  const st = skipBlanks(b, rb + 1, arrow);
  if (st === arrow) return 'sched_switch: missing prev state';
  parseState(b, st, arrow, Dialect.TraceCmd);
  ev.a1 = num.value;
  const ns = skipBlanks(b, arrow + ARROW.length, e);
  const why2 = parseTask(b, ns, e, 2);
  if (why2) return 'sched_switch: next ' + why2;
  ev.a2 = ev.p2;
  return '';
}

/** `comm:pid [prio] [success=1] CPU:005` (sched_wakeup, sched_wakeup_new). */
export function parseWakeupReport(b: Uint8Array, s: number, e: number): string {
  const cpu = indexOfSeq(b, CPU_COLON, s, e);
  const taskEnd = cpu < 0 ? e : cpu;
  const rb = lastIndexOfByte(b, RBRACKET, s, taskEnd);
  const why = parseTask(b, s, rb < 0 ? taskEnd : rb + 1, 1);
  if (why) return 'wakeup: ' + why;
  ev.a2 = num.value;
  ev.a0 = ev.p1;
  ev.p2 = -1;
  ev.a1 = cpu >= 0 && parseUint(b, cpu + CPU_COLON.length, e) >= 0 ? num.value : -1;
  return '';
}
