/**
 * The importer's fast paths (importers/ftrace/fast.ts, parseEventHead in header.ts, the comm word
 * cache of the parser) must give exactly what the reference parsers give, on every line: real
 * lines of every dialect, and the same lines with every byte replaced, deleted or duplicated,
 * and with random multi-byte damage. Each line is also parsed at the very end of its buffer, so
 * reads past the line end are exercised.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KNOWN_EVENT_NAMES } from '../../server/src/trace/events';
import { ByteInterner } from '../../server/src/trace/intern';
import { HEAD_FALLBACK, HEAD_OTHER_NAME, HeaderStatus, hdr, parseEventHead, parseHeader } from '../../server/src/trace/importers/ftrace/header';
import { Dialect, ev, isKeyValueSwitch, isKeyValueTask, parseSwitchKeyValue, parseWakeupKeyValue } from '../../server/src/trace/importers/ftrace/fields';
import { parseKvmEntry, parseKvmExit, parseKvmPio, parseKvmUserspaceExit } from '../../server/src/trace/importers/ftrace/kvm';
import { parseSwitchReport, parseWakeupReport } from '../../server/src/trace/importers/tracecmd/fields';
import {
  isComm, isPrevComm, kvmEntry, kvmExit, kvmPio, kvmUserspaceExit, switchKeyValue, switchReport, wakeupKeyValue, wakeupReport,
} from '../../server/src/trace/importers/ftrace/fast';
import { importBytes, realTrace, sw, tf, wk } from './helpers';

const enc = new TextEncoder();

function lines(buf: Uint8Array, every: number, max: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let s = 0;
  for (let i = 0; out.length < max; i++) {
    const e = buf.indexOf(10, s);
    if (e < 0) break;
    if (i % every === 0) out.push(new Uint8Array(buf.subarray(s, e))); // a plain copy (Buffer#slice is a view)
    s = e + 1;
  }
  return out;
}

const EXTRA = [
  tf('CPU 2/KVM', 900, 0, '1.000000', 'kvm_entry', 'vcpu 2, rip 0xffffffff81234567', '.....'),
  tf('CPU 2/KVM', 900, 0, '1.000100', 'kvm_exit', 'vcpu 2 reason EXTERNAL_INTERRUPT rip 0xffffffff81234567 info1 0x0 info2 0x0 intr_info 0x800000ec error_code 0x0', '.....'),
  tf('CPU 2/KVM', 900, 0, '1.000200', 'kvm_exit', 'reason HLT rip 0xffffffff81234567 info 0 0', '.....'),
  tf('CPU 0/KVM', 50, 0, '1.000400', 'kvm_pio', 'pio_read at 0x40 size 1 count 1 val 0x0 ', '.....'),
  tf('CPU 0/KVM', 50, 0, '1.000401', 'kvm_pio', 'pio_write at 1016 size 2 count 1 val 65535', '.....'),
  tf('CPU 0/KVM', 50, 0, '1.000402', 'kvm_userspace_exit', 'reason KVM_EXIT_HLT (5)', '.....'),
  tf('kvm-nx-lpage-re', 1838, 1, '1.000002', 'sched_waking', wk('CPU 3/KVM', 1837, 1)),
  tf('memfd:sealed-91', 7790, 1, '1.000003', 'sched_switch', sw('memfd:sealed-91', 7790, 'R+', 'CPU 1/KVM', 1835)),
  tf('a', 1, 2, '1.000004', 'sched_switch', sw('a b', 1, 'D|K', 'c', 2)),
  tf('a', 1, 2, '1.000005', 'sched_switch', 'prev_comm=a prev_pid=1 prev_prio=120 prev_state=256 next_comm=b next_pid=2 next_prio=-1'),
  tf('a', 1, 2, '1.000006', 'sched_wakeup', 'comm=a pid=1 prio=120 success=1 target_cpu=002'),
  tf('odd[3]name', 42, 2, '5.000001', 'sched_waking', wk('a', 1, 2)),
  '       CPU 0/KVM-1834  (   1833) [000] d..2. 100.000001: sched_waking: comm=x pid=5 prio=120 target_cpu=000',
  '          <idle>-0     (-------) [001] d..2. 100.000002: sched_wakeup_new: comm=x pid=5 prio=120 target_cpu=001',
  '          <idle>-0     [000]  1494.547266: sched_switch:         swapper/0:0 [120] R ==> rcu_preempt:15 [120]',
  '          kvmbar-1833  [001]  1494.552873: sched_wakeup:         memfd:sealed-91:7790 [120] CPU:001',
  '   old-wakeup-9   [000]  1494.555231: sched_wakeup:         x:y:12 [100] success=1 CPU:000',
  '   t-5  [000]  1.000000: sched_switch:         t:5 [120] W ==> swapper/0:0 [120]',
  '   t-5  [000]  1.000000: sched_switch:         a [1]:5 [120] S ==> b:CPU:0:6 [-3]',
  '       CPU 1/KVM-1835  [001]  10.000003: kvm_exit:             exit_reason=30 guest_rip=0xffffffff81000000 isa=1 info1=0x0 vcpu_id=1',
  '       CPU 1/KVM-1835  [001]  10.000005: kvm_userspace_exit:   reason=2 errno=0',
  '       CPU 1/KVM-1835  [001]  10.000006: kvm_pio:              rw=1 port=0x20 size=1 count=1 val=3',
  '            bash-1234  [001]  7.000004: do_sys_open <-__x64_sys_openat',
  '            bash-1234  [001]  7.000003: tracing_mark_write: hello world',
  '            bash-1234  [001]  7.000003: kvm_pio_x: hello world',
  // Every state letter, one letter or with `+`, in both body styles.
  ...['T', 't', 'P', 'X', 'Z', 'W', 'I', 'K', 'X+', 'Q'].flatMap((st) => [
    tf('a', 1, 0, '2.000000', 'sched_switch', sw('a', 1, st, 'b', 2)),
    `   a-1  [000]  2.000000: sched_switch:         a:1 [120] ${st} ==> b:2 [120]`,
  ]),
].map((l) => enc.encode(l));

const BASE: Uint8Array[] = [
  ...['r1_1x_n2', 'r2_2x_n4', 'r3_1x_n2_2hogs'].flatMap((run) => [
    ...lines(realTrace(run, 'tracefs_trace'), 997, 12),
    ...lines(realTrace(run, 'report'), 991, 12),
  ]),
  ...EXTRA,
];

/** Bytes that matter to the parsers. */
const INTERESTING = [0x20, 0x09, 0x0d, 0x3a, 0x5b, 0x5d, 0x28, 0x29, 0x2d, 0x2b, 0x3d, 0x2e, 0x30, 0x39, 0x78, 0x52, 0x43, 0x23, 0x00, 0xc3];

/** Single-byte damage of every kind at every position. */
function* variants(line: Uint8Array): Generator<Uint8Array> {
  yield line;
  for (let i = 0; i <= line.length; i++) {
    yield line.slice(0, i); // truncated
    if (i < line.length) {
      const d = new Uint8Array(line.length - 1);
      d.set(line.subarray(0, i));
      d.set(line.subarray(i + 1), i);
      yield d; // deleted
      for (const c of INTERESTING) {
        if (line[i] === c) continue;
        const r = line.slice();
        r[i] = c;
        yield r; // replaced
      }
    }
    const ins = new Uint8Array(line.length + 1);
    ins.set(line.subarray(0, i));
    ins[i] = i < line.length ? line[i] : 0x20;
    ins.set(line.subarray(i), i + 1);
    yield ins; // duplicated byte
  }
}

type Snapshot = Record<string, unknown>;
const snap = (o: object): Snapshot => ({ ...o });

/** The line placed at the end of a buffer (nothing after it) and in the middle of one. */
function placements(line: Uint8Array): { b: Uint8Array; s: number; e: number }[] {
  const mid = new Uint8Array(line.length + 8);
  mid.fill(0x3a); // stray colons and brackets around the line must not be read as part of it
  mid[2] = 0x0a;
  mid.set(line, 3);
  mid[3 + line.length] = 0x0a;
  mid[4 + line.length] = 0x5d;
  return [{ b: line, s: 0, e: line.length }, { b: mid, s: 3, e: 3 + line.length }];
}

const dvOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

function checkHead(b: Uint8Array, s: number, e: number): void {
  const kind = parseEventHead(b, dvOf(b), s, e);
  if (kind === HEAD_FALLBACK) return;
  const fast = snap(hdr);
  const status = parseHeader(b, s, e, []);
  assert.equal(status, HeaderStatus.Event, 'fast head accepted a line the reference does not');
  for (const k of ['src', 'commStart', 'commEnd', 'pid', 'tgid', 'cpu', 'flagsLen', 'ts', 'nameStart', 'nameEnd', 'bodyStart', 'bodyEnd']) {
    assert.equal(fast[k], (hdr as Snapshot)[k], `hdr.${k}`);
  }
  assert.ok(hdr.nameEnd >= 0 && hdr.cpu < 8192 && hdr.pid <= 0x7fffffff);
  const name = new TextDecoder().decode(b.subarray(hdr.nameStart, hdr.nameEnd));
  if (kind === HEAD_OTHER_NAME) assert.ok(!(KNOWN_EVENT_NAMES as readonly string[]).includes(name), name);
  else assert.equal(name, KNOWN_EVENT_NAMES[kind]);
}

const INITIAL = { a0: 7, a1: 7, a2: 7, p1: -1, c1s: 3, c1e: 3, p2: -1, c2s: 3, c2e: 3, unknownState: true };

function same(what: string, ref: () => string, fast: () => string): void {
  Object.assign(ev, INITIAL);
  const r1 = ref();
  const s1 = snap(ev);
  Object.assign(ev, INITIAL);
  const r2 = fast();
  assert.equal(r2, r1, `${what}: result`);
  assert.deepEqual(snap(ev), s1, `${what}: ev`);
}

function checkBodies(b: Uint8Array, s: number, e: number, strings: ByteInterner): void {
  const dv = dvOf(b);
  assert.equal(isPrevComm(dv, s, e), isKeyValueSwitch(b, s, e));
  assert.equal(isComm(dv, s, e), isKeyValueTask(b, s, e));
  if (isKeyValueSwitch(b, s, e)) {
    for (const d of [Dialect.Kernel, Dialect.TraceCmd]) same('sched_switch k=v', () => parseSwitchKeyValue(b, s, e, d), () => switchKeyValue(b, dv, s, e, d));
  }
  if (isKeyValueTask(b, s, e)) same('wakeup k=v', () => parseWakeupKeyValue(b, s, e), () => wakeupKeyValue(b, dv, s, e));
  same('sched_switch report', () => parseSwitchReport(b, s, e), () => switchReport(b, s, e));
  same('wakeup report', () => parseWakeupReport(b, s, e), () => wakeupReport(b, s, e));
  same('kvm_pio', () => parseKvmPio(b, s, e), () => kvmPio(b, s, e));
  same('kvm_userspace_exit', () => parseKvmUserspaceExit(b, s, e, strings), () => kvmUserspaceExit(b, dv, s, e, strings));
  same('kvm_exit', () => parseKvmExit(b, s, e, strings), () => kvmExit(b, dv, s, e, strings));
  same('kvm_entry', () => parseKvmEntry(b, s, e), () => kvmEntry(b, s, e));
}

function checkLine(line: Uint8Array, strings: ByteInterner): void {
  for (const { b, s, e } of placements(line)) {
    checkHead(b, s, e);
    // Bodies: where the reference head puts them (any body parser on any body).
    if (parseHeader(b, s, e, []) === HeaderStatus.Event) checkBodies(b, hdr.bodyStart, hdr.bodyEnd, strings);
  }
}

describe('fast paths agree with the reference parsers', () => {
  it('real and tricky lines, each with every single-byte change', () => {
    const strings = new ByteInterner();
    let n = 0;
    for (const base of BASE) {
      for (const v of variants(base)) {
        try {
          checkLine(v, strings);
        } catch (err) {
          (err as Error).message += `\n  line: ${JSON.stringify(new TextDecoder().decode(v))}`;
          throw err;
        }
        n++;
      }
    }
    assert.ok(n > 50_000, `${n} lines checked`);
  });

  it('random multi-byte damage', () => {
    const strings = new ByteInterner();
    fc.assert(
      fc.property(
        fc.nat({ max: BASE.length - 1 }),
        fc.array(fc.record({ at: fc.nat(), del: fc.nat({ max: 3 }), ins: fc.uint8Array({ maxLength: 3 }) }), { minLength: 1, maxLength: 4 }),
        (pick, edits) => {
          let l = BASE[pick];
          for (const { at, del, ins } of edits) {
            const i = at % (l.length + 1);
            const out = new Uint8Array(l.length - Math.min(del, l.length - i) + ins.length);
            out.set(l.subarray(0, i));
            out.set(ins, i);
            out.set(l.subarray(Math.min(l.length, i + del)), i + ins.length);
            l = out;
          }
          checkLine(l, strings);
        },
      ),
      { numRuns: 5000, seed: 424242 },
    );
  });
});

describe('comm bookkeeping', () => {
  it('a rename to a name of the same length is seen, for every length and changed byte', () => {
    for (let len = 1; len <= 20; len++) {
      const a = 'abcdefghijklmnopqrstuvwxyz'.slice(0, len);
      for (let k = 0; k < len; k++) {
        const b = a.slice(0, k) + 'Z' + a.slice(k + 1);
        // Thread 7 is named `a` by a wakeup, then renamed `b` by the next, and back.
        const text = [
          tf('x', 1, 0, '1.000000', 'sched_waking', wk(a, 7, 0)),
          tf('x', 1, 0, '1.000001', 'sched_waking', wk(b, 7, 0)),
          tf('x', 1, 0, '1.000002', 'sched_switch', sw('x', 1, 'R', a, 7)),
        ];
        const tr = importBytes(text.slice(0, 2).join('\n'));
        assert.equal(tr.events.comms.name(tr.threads.find(0, 7)!.comm), b, `len ${len} byte ${k}`);
        const tr2 = importBytes(text.join('\n'));
        assert.equal(tr2.events.comms.name(tr2.threads.find(0, 7)!.comm), a, `len ${len} byte ${k} back`);
      }
    }
  });
});
