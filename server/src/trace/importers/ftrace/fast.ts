/**
 * Fast paths of the body parsers for the shapes nearly every line has:
 *
 *     prev_comm=CPU 1/KVM prev_pid=1835 prev_prio=120 prev_state=R ==> next_comm=swapper/1 next_pid=0 next_prio=120
 *     comm=CPU 3/KVM pid=1837 prio=120 target_cpu=001
 *     pio_write at 0x80 size 1 count 1 val 0xa0
 *     reason KVM_EXIT_IO (2)
 *     vcpu 0 reason EXTERNAL_INTERRUPT rip 0xffffffff81234567 info1 0x0 ...  /  vcpu 0, rip 0x...
 *     CPU 0/KVM:1834 [120] R ==> cpuhog:1889 [120]                  (trace-cmd report)
 *     memfd:sealed-91:7790 [120] CPU:001
 *
 * Each function has the contract of the reference parser it is named after (fields.ts, kvm.ts,
 * ../tracecmd/fields.ts): same return value, same `ev` afterwards. The usual shape is parsed in
 * one straight pass with the helper calls written out (the reference parsers spend most of their
 * time calling small helpers); at the first byte that is not the usual shape, it returns what
 * the reference parser returns for the whole body, so unusual lines are handled by exactly the
 * same code as before. Lenient key probes (first, second and last byte) are the reference
 * parsers' own.
 */
import { ascii, num } from '../../bytes';
import type { ByteInterner } from '../../intern';
import { TaskState } from '../../events';
import { Dialect, ev, parseState, parseSwitchKeyValue, parseWakeupKeyValue } from './fields';
import { parseKvmEntry, parseKvmExit, parseKvmPio, parseKvmUserspaceExit } from './kvm';
import { parseSwitchReport, parseWakeupReport } from '../tracecmd/fields';

const SP = 0x20;
const TAB = 0x09;
const EQ = 0x3d;
const COLON = 0x3a;
const LBR = 0x5b;
const RBR = 0x5d;

const REASON_SP = ascii('reason ');
const ARROW = ascii(' ==> ');
const CPU_COLON = ascii('CPU:');

/** Four ASCII characters as the little-endian word DataView.getInt32(i, true) reads. */
const w4 = (t: string): number => t.charCodeAt(0) | (t.charCodeAt(1) << 8) | (t.charCodeAt(2) << 16) | (t.charCodeAt(3) << 24);
const W_PREV = w4('prev');
const W_COMM = w4('comm');
const W__COM = w4('_com');
const W__PID = w4('_pid');
const W_NEXT = w4('next');
const W_TARG = w4('targ');
const W_ET_C = w4('et_c');
const W_CPU_ = w4('cpu=');

/** The body starts with `prev_comm=` (key=value sched_switch). */
export function isPrevComm(dv: DataView, s: number, e: number): boolean {
  return s + 10 <= e && dv.getInt32(s, true) === W_PREV && dv.getInt32(s + 4, true) === W__COM && dv.getUint8(s + 8) === 0x6d && dv.getUint8(s + 9) === EQ;
}

/** The body starts with `comm=` (key=value task events). */
export function isComm(dv: DataView, s: number, e: number): boolean {
  return s + 5 <= e && dv.getInt32(s, true) === W_COMM && dv.getUint8(s + 4) === EQ;
}

/**
 * Index of the first space at or after `i` (or `e`): four bytes at a time (x has a zero byte
 * where the word has a space; the lowest flagged byte is the first one), then byte by byte.
 */
function nextSpace(b: Uint8Array, dv: DataView, i: number, e: number): number {
  while (i + 4 <= e) {
    const x = dv.getInt32(i, true) ^ 0x20202020;
    const t = (x - 0x01010101) & ~x & 0x80808080;
    if (t !== 0) return i + ((31 - Math.clz32(t & -t)) >> 3);
    i += 4;
  }
  while (i < e && b[i] !== SP) i++;
  return i;
}

/** `b[i, i + pat.length)` equals `pat`; the caller has checked the bounds. Small enough to inline. */
function eqAt(b: Uint8Array, i: number, pat: Uint8Array): boolean {
  for (let k = 0; k < pat.length; k++) if (b[i + k] !== pat[k]) return false;
  return true;
}

/**
 * States of a one-letter prev_state (and `R+`) as parseState reads them, per dialect; -1 where
 * parseState has more to do (several letters, `K`, `N`, `|`, digits, unknown letters).
 */
const STATE_OF_LETTER: readonly (readonly number[])[] = [Dialect.Kernel, Dialect.TraceCmd].map((dialect) => {
  const t: number[] = new Array(128).fill(-1);
  t[0x52] = TaskState.Running; // R
  t[0x53] = TaskState.Sleeping; // S
  t[0x44] = TaskState.Blocked; // D
  t[0x54] = TaskState.Stopped; // T
  t[0x74] = TaskState.Traced; // t
  t[0x58] = dialect === Dialect.TraceCmd ? TaskState.Zombie : TaskState.Dead; // X
  t[0x5a] = dialect === Dialect.TraceCmd ? TaskState.Dead : TaskState.Zombie; // Z
  t[0x50] = TaskState.Parked; // P
  t[0x49] = TaskState.Idle; // I
  t[0x57] = TaskState.Idle; // W
  return t;
});

/**
 * A one-letter prev_state or `R+` followed by a blank or `e`: its state, as parseState gives it
 * (which then leaves `ev.unknownState` false); -1 for anything else (parseState reads it).
 */
function simpleState(b: Uint8Array, i: number, e: number, dialect: Dialect): number {
  const c = b[i];
  let n = i + 1 < e ? b[i + 1] : SP;
  let v = c < 128 ? STATE_OF_LETTER[dialect][c] : -1;
  if (v === TaskState.Running && n === 0x2b) {
    v = TaskState.Preempted;
    n = i + 2 < e ? b[i + 2] : SP;
  }
  return n === SP || n === TAB ? v : -1;
}

/** parseSwitchKeyValue; the caller has checked that the body starts with `prev_comm=`. `dv` views `b`. */
export function switchKeyValue(b: Uint8Array, dv: DataView, s: number, e: number, dialect: Dialect): string {
  const cs = s + 10;
  // indexOfField(' prev_pid='): the first space followed by `prev_pid=`.
  let pp = nextSpace(b, dv, cs, e);
  for (;;) {
    if (pp + 10 > e) return parseSwitchKeyValue(b, s, e, dialect);
    if (dv.getInt32(pp + 1, true) === W_PREV && dv.getInt32(pp + 5, true) === W__PID && b[pp + 9] === EQ) break;
    pp = nextSpace(b, dv, pp + 1, e);
  }
  let i = pp + 10;
  let c = b[i];
  let v = 0;
  const d0 = i;
  while (i < e && c >= 0x30 && c <= 0x39) {
    v = v * 10 + (c - 0x30);
    c = b[++i];
  }
  if (i === d0) return parseSwitchKeyValue(b, s, e, dialect);
  const prevPid = v;
  // ' prev_prio=' (probe), a signed number.
  if (!(i + 11 <= e && c === SP && b[i + 1] === 0x70 && b[i + 10] === EQ)) return parseSwitchKeyValue(b, s, e, dialect);
  i += 11;
  c = b[i];
  if (i < e && c === 0x2d) c = b[++i];
  const p0 = i;
  while (i < e && c >= 0x30 && c <= 0x39) c = b[++i];
  if (i === p0) return parseSwitchKeyValue(b, s, e, dialect);
  // ' prev_state=' (probe), the state.
  if (!(i + 12 <= e && c === SP && b[i + 1] === 0x70 && b[i + 11] === EQ)) return parseSwitchKeyValue(b, s, e, dialect);
  i += 12;
  let state = i < e ? simpleState(b, i, e, dialect) : -1;
  if (state >= 0) {
    ev.unknownState = false;
    i += state === TaskState.Preempted ? 2 : 1;
  } else {
    i = parseState(b, i, e, dialect);
    state = num.value;
  }
  // ' ==> next_comm=' (probe).
  if (!(i + 15 <= e && b[i] === SP && b[i + 1] === EQ && b[i + 14] === EQ)) return parseSwitchKeyValue(b, s, e, dialect);
  const nc = i + 15;
  let np = nextSpace(b, dv, nc, e);
  for (;;) {
    if (np + 10 > e) return parseSwitchKeyValue(b, s, e, dialect);
    if (dv.getInt32(np + 1, true) === W_NEXT && dv.getInt32(np + 5, true) === W__PID && b[np + 9] === EQ) break;
    np = nextSpace(b, dv, np + 1, e);
  }
  i = np + 10;
  c = b[i];
  v = 0;
  const n0 = i;
  while (i < e && c >= 0x30 && c <= 0x39) {
    v = v * 10 + (c - 0x30);
    c = b[++i];
  }
  if (i === n0) return parseSwitchKeyValue(b, s, e, dialect);
  // next_prio (optional in the reference too) is read by nothing: not parsed.
  ev.c1s = cs;
  ev.c1e = pp;
  ev.p1 = ev.a0 = prevPid;
  ev.a1 = state;
  ev.c2s = nc;
  ev.c2e = np;
  ev.p2 = ev.a2 = v;
  return '';
}

/** parseWakeupKeyValue; the caller has checked that the body starts with `comm=`. `dv` views `b`. */
export function wakeupKeyValue(b: Uint8Array, dv: DataView, s: number, e: number): string {
  const cs = s + 5;
  let pp = nextSpace(b, dv, cs, e);
  for (;;) {
    if (pp + 5 > e) return parseWakeupKeyValue(b, s, e);
    if (b[pp + 1] === 0x70 && b[pp + 2] === 0x69 && b[pp + 3] === 0x64 && b[pp + 4] === EQ) break;
    pp = nextSpace(b, dv, pp + 1, e);
  }
  let i = pp + 5;
  let c = b[i];
  let v = 0;
  const d0 = i;
  while (i < e && c >= 0x30 && c <= 0x39) {
    v = v * 10 + (c - 0x30);
    c = b[++i];
  }
  if (i === d0) return parseWakeupKeyValue(b, s, e);
  const pid = v;
  // ' prio=' (probe) and a signed number: the reference then looks for `target_cpu=` from the
  // start of the number on, which in this shape is right after it.
  if (!(i + 6 <= e && c === SP && b[i + 1] === 0x70 && b[i + 5] === EQ)) return parseWakeupKeyValue(b, s, e);
  i += 6;
  c = b[i];
  let neg = false;
  if (i < e && c === 0x2d) {
    neg = true;
    c = b[++i];
  }
  let prio = 0;
  const p0 = i;
  while (i < e && c >= 0x30 && c <= 0x39) {
    prio = prio * 10 + (c - 0x30);
    c = b[++i];
  }
  if (i === p0) return parseWakeupKeyValue(b, s, e);
  if (!(i + 12 <= e && c === SP && dv.getInt32(i + 1, true) === W_TARG && dv.getInt32(i + 5, true) === W_ET_C && dv.getInt32(i + 8, true) === W_CPU_)) {
    return parseWakeupKeyValue(b, s, e);
  }
  i += 12;
  c = b[i];
  v = 0;
  const t0 = i;
  while (i < e && c >= 0x30 && c <= 0x39) {
    v = v * 10 + (c - 0x30);
    c = b[++i];
  }
  ev.c1s = cs;
  ev.c1e = pp;
  ev.p1 = ev.a0 = pid;
  ev.p2 = -1;
  ev.a2 = neg ? -prio : prio;
  ev.a1 = i === t0 ? -1 : v;
  return '';
}

/** Hex (`0x...`) or unsigned decimal at i into `out`; the end index, or -1 for anything else. */
const out = { v: 0 };
function portNumber(b: Uint8Array, i: number, e: number): number {
  let c = b[i];
  let v = 0;
  if (i + 1 < e && c === 0x30 && (b[i + 1] === 0x78 || b[i + 1] === 0x58)) {
    i += 2;
    const h0 = i;
    for (; i < e; i++) {
      c = b[i];
      let d: number;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
      else break;
      v = v * 16 + d;
    }
    if (i === h0) return -1;
  } else {
    const d0 = i;
    while (i < e && c >= 0x30 && c <= 0x39) {
      v = v * 10 + (c - 0x30);
      c = b[++i];
    }
    if (i === d0) return -1;
  }
  out.v = v;
  return i;
}

/** parseKvmPio. */
export function kvmPio(b: Uint8Array, s: number, e: number): string {
  // `pio_write at P size N count N val V` / `pio_read at ...`
  if (!(s + 9 <= e && b[s] === 0x70 && b[s + 1] === 0x69 && b[s + 2] === 0x6f && b[s + 3] === 0x5f)) return parseKvmPio(b, s, e);
  const write = b[s + 4] === 0x77 && b[s + 5] === 0x72 && b[s + 6] === 0x69 && b[s + 7] === 0x74 && b[s + 8] === 0x65;
  const g = s + (write ? 9 : 8);
  if (!(g + 4 <= e && b[g] === SP && b[g + 1] === 0x61 && b[g + 3] === SP)) return parseKvmPio(b, s, e);
  let i = portNumber(b, g + 4, e);
  if (i < 0) return parseKvmPio(b, s, e);
  const port = out.v;
  if (!(i + 6 <= e && b[i] === SP && b[i + 1] === 0x73 && b[i + 5] === SP)) return parseKvmPio(b, s, e);
  i += 6;
  // The size (read by nothing): its digits are only skipped.
  let c = b[i];
  const z0 = i;
  while (i < e && c >= 0x30 && c <= 0x39) c = b[++i];
  if (i === z0 || !(i + 7 <= e && c === SP && b[i + 1] === 0x63 && b[i + 6] === SP)) return parseKvmPio(b, s, e);
  i += 7;
  c = b[i];
  const n0 = i;
  while (i < e && c >= 0x30 && c <= 0x39) c = b[++i];
  if (i === n0 || !(i + 5 <= e && c === SP && b[i + 1] === 0x76 && b[i + 4] === SP)) return parseKvmPio(b, s, e);
  if (portNumber(b, i + 5, e) < 0) return parseKvmPio(b, s, e);
  ev.p1 = ev.p2 = -1;
  ev.a0 = write ? 1 : 0;
  ev.a1 = port;
  ev.a2 = out.v % 2147483648;
  return '';
}

/** parseKvmUserspaceExit. `dv` views `b`. */
export function kvmUserspaceExit(b: Uint8Array, dv: DataView, s: number, e: number, strings: ByteInterner): string {
  if (!(s + 7 <= e && b[s] === 0x72 && b[s + 1] === 0x65 && b[s + 6] === SP)) return parseKvmUserspaceExit(b, s, e, strings);
  const r = s + 7;
  let t = r;
  while (t < e && b[t] !== SP && b[t] !== TAB) t++;
  ev.p1 = ev.p2 = -1;
  ev.a1 = ev.a2 = 0;
  ev.a0 = strings.idWords(b, dv, r, t);
  return '';
}

/** Digits at i, the value in `out`; the end index or -1. */
function uint(b: Uint8Array, i: number, e: number): number {
  let c = b[i];
  let v = 0;
  const d0 = i;
  while (i < e && c >= 0x30 && c <= 0x39) {
    v = v * 10 + (c - 0x30);
    c = b[++i];
  }
  if (i === d0) return -1;
  out.v = v;
  return i;
}

/** parseKvmExit for `vcpu N reason NAME ...`. `dv` views `b`. */
export function kvmExit(b: Uint8Array, dv: DataView, s: number, e: number, strings: ByteInterner): string {
  if (!(s + 5 <= e && b[s] === 0x76 && b[s + 1] === 0x63 && b[s + 2] === 0x70 && b[s + 3] === 0x75 && b[s + 4] === SP)) return parseKvmExit(b, s, e, strings);
  const i = uint(b, s + 5, e);
  // The reference finds the first `reason ` of the body: right after `vcpu N `.
  if (i < 0 || !(i + 8 <= e && b[i] === SP && eqAt(b, i + 1, REASON_SP))) return parseKvmExit(b, s, e, strings);
  let r = i + 8;
  while (r < e && (b[r] === SP || b[r] === TAB)) r++;
  if (r >= e || (b[r] >= 0x30 && b[r] <= 0x39)) return parseKvmExit(b, s, e, strings);
  let t = r;
  while (t < e && b[t] !== SP && b[t] !== TAB) t++;
  ev.p1 = ev.p2 = -1;
  ev.a1 = out.v;
  ev.a2 = 0;
  ev.a0 = strings.idWords(b, dv, r, t);
  return '';
}

/** parseKvmEntry for `vcpu N...`. */
export function kvmEntry(b: Uint8Array, s: number, e: number): string {
  if (!(s + 5 <= e && b[s] === 0x76 && b[s + 1] === 0x63 && b[s + 2] === 0x70 && b[s + 3] === 0x75 && b[s + 4] === SP)) return parseKvmEntry(b, s, e);
  ev.p1 = ev.p2 = -1;
  ev.a0 = uint(b, s + 5, e) >= 0 ? out.v : -1;
  ev.a1 = ev.a2 = 0;
  return '';
}

/**
 * `comm:pid [prio]` ending just past the `]` at `rb + 1`, as the reference parseTask reads it:
 * the pid is the digits before the last `[` (after trimming blanks), preceded by a colon. Returns
 * the colon's index (end of the comm) with the pid in `out.v`, or -1.
 */
function reportTask(b: Uint8Array, s: number, lb: number): number {
  let te = lb;
  while (te > s && (b[te - 1] === SP || b[te - 1] === TAB || b[te - 1] === 0x0d)) te--;
  let d = te;
  while (d > s && b[d - 1] >= 0x30 && b[d - 1] <= 0x39) d--;
  if (d === te || d - 1 < s || b[d - 1] !== COLON) return -1;
  let pid = 0;
  for (let k = d; k < te; k++) pid = pid * 10 + (b[k] - 0x30);
  out.v = pid;
  return d - 1;
}

/** `[prio]` at lb: the prio, or -1 when unreadable (as the reference). `lb` is a `[`. */
function reportPrio(b: Uint8Array, lb: number, e: number): number {
  let i = lb + 1;
  let c = b[i];
  let neg = false;
  if (i < e && c === 0x2d) {
    neg = true;
    c = b[++i];
  }
  let v = 0;
  const d0 = i;
  while (i < e && c >= 0x30 && c <= 0x39) {
    v = v * 10 + (c - 0x30);
    c = b[++i];
  }
  if (i === d0 || c !== RBR) return -1;
  return neg ? -v : v;
}

/**
 * parseSwitchReport for `COMM:PID [PRIO] S ==> COMM:PID [PRIO]` where the state is one letter
 * (or `R+`) and nothing follows the last `]`.
 */
export function switchReport(b: Uint8Array, s: number, e: number): string {
  // The reference splits at the first ` ==> `; comms may not contain it, so find it first.
  let arrow = s;
  for (;; arrow++) {
    if (arrow + 5 > e) return parseSwitchReport(b, s, e);
    if (b[arrow] === SP && b[arrow + 1] === EQ && eqAt(b, arrow, ARROW)) break;
  }
  // Left side: `... [prio] STATE` with the state right before the arrow.
  let st = arrow - 1;
  while (st > s && b[st - 1] !== SP) st--;
  // The token before the state must end with `]`, and that must be the last `]` before the arrow.
  const rb = st - 2;
  if (st <= s + 1 || b[st - 1] !== SP || b[rb] !== RBR) return parseSwitchReport(b, s, e);
  let lb = rb - 1;
  while (lb > s && b[lb] !== LBR && b[lb] !== RBR) lb--;
  if (b[lb] !== LBR) return parseSwitchReport(b, s, e);
  const state = simpleState(b, st, arrow, Dialect.TraceCmd);
  if (state < 0) return parseSwitchReport(b, s, e);
  const ce1 = reportTask(b, s, lb);
  if (ce1 < 0) return parseSwitchReport(b, s, e);
  const prevPid = out.v;
  // Right side: `COMM:PID [PRIO]` ending the body; the reference takes its last `[`.
  let ns = arrow + 5;
  while (ns < e && (b[ns] === SP || b[ns] === TAB)) ns++;
  if (b[e - 1] !== RBR) return parseSwitchReport(b, s, e);
  let lb2 = e - 2;
  while (lb2 >= ns && b[lb2] !== LBR) lb2--;
  if (lb2 < ns) return parseSwitchReport(b, s, e);
  const ce2 = reportTask(b, ns, lb2);
  if (ce2 < 0) return parseSwitchReport(b, s, e);
  const nextPid = out.v;
  ev.p1 = ev.a0 = prevPid;
  ev.c1s = s;
  ev.c1e = ce1;
  ev.unknownState = false;
  ev.a1 = state;
  ev.p2 = ev.a2 = nextPid;
  ev.c2s = ns;
  ev.c2e = ce2;
  return '';
}

/** parseWakeupReport for `COMM:PID [PRIO] CPU:NNN`. */
export function wakeupReport(b: Uint8Array, s: number, e: number): string {
  // `CPU:N` ends the body; the reference takes the first `CPU:`, which must be this one.
  let d = e;
  while (d > s && b[d - 1] >= 0x30 && b[d - 1] <= 0x39) d--;
  const cpu = d - 4;
  if (!(d < e && cpu > s + 1 && b[cpu - 1] === SP && b[cpu - 2] === RBR && eqAt(b, cpu, CPU_COLON))) return parseWakeupReport(b, s, e);
  for (let k = s; k < cpu; k++) if (b[k] === 0x43 && eqAt(b, k, CPU_COLON)) return parseWakeupReport(b, s, e);
  const rb = cpu - 2;
  let lb = rb - 1;
  while (lb > s && b[lb] !== LBR && b[lb] !== RBR) lb--;
  if (b[lb] !== LBR) return parseWakeupReport(b, s, e);
  const ce = reportTask(b, s, lb);
  if (ce < 0) return parseWakeupReport(b, s, e);
  const pid = out.v;
  const prio = reportPrio(b, lb, rb + 1);
  const c = uint(b, cpu + 4, e);
  ev.p1 = ev.a0 = pid;
  ev.c1s = s;
  ev.c1e = ce;
  ev.a2 = prio;
  ev.p2 = -1;
  ev.a1 = c >= 0 ? out.v : -1;
  return '';
}
