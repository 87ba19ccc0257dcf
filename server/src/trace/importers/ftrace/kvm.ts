/**
 * Bodies of the kvm events, in the three shapes real files have:
 *
 *     kvm_exit: vcpu 0 reason EXTERNAL_INTERRUPT rip 0xffffffff81 info1 0x0 info2 0x0 ...   (tracefs, new kernels)
 *     kvm_exit: reason EXTERNAL_INTERRUPT rip 0xffffffff81 info 0 0                         (trace-cmd, old kernels: no vcpu)
 *     kvm_exit: exit_reason=1 guest_rip=0xffffffff81 isa=1 info1=0 ... vcpu_id=0            (trace-cmd -R raw)
 *     kvm_entry: vcpu 0, rip 0xffffffff81  |  vcpu 0  |  vcpu_id=0 rip=0x...
 *     kvm_pio: pio_write at 0x80 size 1 count 1 val 0xa0  |  rw=1 port=128 size=1 count=1 val=160
 *     kvm_userspace_exit: reason KVM_EXIT_IO (2)  |  reason=2 errno=0
 *
 * A kvm_exit without a vcpu id gets it later from its thread (see reconstruct). Numeric reasons
 * (raw output) are named from the VMX / SVM / KVM_EXIT_* tables below.
 */
import { ascii, indexOfSeq, isDigit, num, parseIntAuto, parseUint, probeAt, skipBlanks, skipToken, startsWithAt } from '../../bytes';
import { parseU64AsI64 } from '../../events';
import type { ByteInterner } from '../../intern';
import { ev, findKey } from './fields';

const VCPU_SP = ascii('vcpu ');
const VCPU_ID = ascii('vcpu_id=');
const REASON_SP = ascii('reason ');
const EXIT_REASON = ascii('exit_reason=');
const ISA = ascii('isa=');
const REASON_EQ = ascii('reason=');
const ERRNO = ascii('errno=');
const PIO_ = ascii('pio_');
const SP_SIZE_SP = ascii(' size ');
const SP_COUNT_SP = ascii(' count ');
const SP_VAL_SP = ascii(' val ');
const WRITE = ascii('write');
const AT = ascii(' at ');
const VAL = ascii('val');
const RW_EQ = ascii('rw=');
const PORT_EQ = ascii('port=');
const NR = ascii('nr');
const MMIO = ascii('mmio ');
const GPA = ascii('gpa');
const LEN = ascii('len');

/** Exit reason names as KVM prints them (Intel SDM appendix C numbering). */
const VMX_REASONS: Record<number, string> = {
  0: 'EXCEPTION_NMI', 1: 'EXTERNAL_INTERRUPT', 2: 'TRIPLE_FAULT', 3: 'INIT_SIGNAL', 4: 'SIPI_SIGNAL',
  7: 'INTERRUPT_WINDOW', 8: 'NMI_WINDOW', 9: 'TASK_SWITCH', 10: 'CPUID', 12: 'HLT', 13: 'INVD',
  14: 'INVLPG', 15: 'RDPMC', 16: 'RDTSC', 18: 'VMCALL', 19: 'VMCLEAR', 20: 'VMLAUNCH', 21: 'VMPTRLD',
  22: 'VMPTRST', 23: 'VMREAD', 24: 'VMRESUME', 25: 'VMWRITE', 26: 'VMOFF', 27: 'VMON', 28: 'CR_ACCESS',
  29: 'DR_ACCESS', 30: 'IO_INSTRUCTION', 31: 'MSR_READ', 32: 'MSR_WRITE', 33: 'INVALID_STATE',
  34: 'MSR_LOAD_FAIL', 36: 'MWAIT_INSTRUCTION', 37: 'MONITOR_TRAP_FLAG', 39: 'MONITOR_INSTRUCTION',
  40: 'PAUSE_INSTRUCTION', 41: 'MCE_DURING_VMENTRY', 43: 'TPR_BELOW_THRESHOLD', 44: 'APIC_ACCESS',
  45: 'EOI_INDUCED', 46: 'GDTR_IDTR', 47: 'LDTR_TR', 48: 'EPT_VIOLATION', 49: 'EPT_MISCONFIG',
  50: 'INVEPT', 51: 'RDTSCP', 52: 'PREEMPTION_TIMER', 53: 'INVVPID', 54: 'WBINVD', 55: 'XSETBV',
  56: 'APIC_WRITE', 57: 'RDRAND', 58: 'INVPCID', 59: 'VMFUNC', 60: 'ENCLS', 61: 'RDSEED',
  62: 'PML_FULL', 63: 'XSAVES', 64: 'XRSTORS', 67: 'UMWAIT', 68: 'TPAUSE', 74: 'BUS_LOCK', 75: 'NOTIFY',
};

/** The AMD SVM exit codes seen most often (AMD APM vol. 2, appendix C). */
const SVM_REASONS: Record<number, string> = {
  0x60: 'intr', 0x61: 'nmi', 0x62: 'smi', 0x63: 'init', 0x64: 'vintr', 0x72: 'cpuid', 0x77: 'pause',
  0x78: 'hlt', 0x7b: 'io', 0x7c: 'msr', 0x7f: 'shutdown', 0x81: 'vmmcall', 0x400: 'npf',
};

/** KVM_EXIT_* numbers from the KVM API (include/uapi/linux/kvm.h order). */
const USERSPACE_REASONS = [
  'KVM_EXIT_UNKNOWN', 'KVM_EXIT_EXCEPTION', 'KVM_EXIT_IO', 'KVM_EXIT_HYPERCALL', 'KVM_EXIT_DEBUG',
  'KVM_EXIT_HLT', 'KVM_EXIT_MMIO', 'KVM_EXIT_IRQ_WINDOW_OPEN', 'KVM_EXIT_SHUTDOWN', 'KVM_EXIT_FAIL_ENTRY',
  'KVM_EXIT_INTR', 'KVM_EXIT_SET_TPR', 'KVM_EXIT_TPR_ACCESS', 'KVM_EXIT_S390_SIEIC', 'KVM_EXIT_S390_RESET',
  'KVM_EXIT_DCR', 'KVM_EXIT_NMI', 'KVM_EXIT_INTERNAL_ERROR', 'KVM_EXIT_OSI', 'KVM_EXIT_PAPR_HCALL',
  'KVM_EXIT_S390_UCONTROL', 'KVM_EXIT_WATCHDOG', 'KVM_EXIT_S390_TSCH', 'KVM_EXIT_EPR', 'KVM_EXIT_SYSTEM_EVENT',
  'KVM_EXIT_S390_STSI', 'KVM_EXIT_IOAPIC_EOI', 'KVM_EXIT_HYPERV', 'KVM_EXIT_ARM_NISV', 'KVM_EXIT_X86_RDMSR',
  'KVM_EXIT_X86_WRMSR', 'KVM_EXIT_DIRTY_RING_FULL', 'KVM_EXIT_AP_RESET_HOLD', 'KVM_EXIT_X86_BUS_LOCK',
  'KVM_EXIT_XEN', 'KVM_EXIT_RISCV_SBI', 'KVM_EXIT_RISCV_CSR', 'KVM_EXIT_NOTIFY', 'KVM_EXIT_LOONGARCH_IOCSR',
  'KVM_EXIT_MEMORY_FAULT',
];

/** Reads `vcpu N` or `vcpu_id=N` anywhere in the body; -1 when absent. */
function vcpuOf(b: Uint8Array, s: number, e: number): number {
  let i = startsWithAt(b, s, e, VCPU_SP) ? s + VCPU_SP.length : -1;
  if (i < 0) i = findKey(b, s, e, VCPU_ID);
  return i >= 0 && parseUint(b, i, e) >= 0 ? num.value : -1;
}

export function parseKvmExit(b: Uint8Array, s: number, e: number, strings: ByteInterner): string {
  ev.p1 = ev.p2 = -1;
  ev.a1 = vcpuOf(b, s, e);
  ev.a2 = 0;
  const r = startsWithAt(b, s, e, REASON_SP) ? s + REASON_SP.length : findKey(b, s, e, REASON_SP);
  if (r >= 0 && r < e && !isDigit(b[r])) {
    ev.a0 = strings.id(b, r, skipToken(b, r, e));
    return '';
  }
  const n = r >= 0 ? r : findKey(b, s, e, EXIT_REASON);
  if (n < 0 || parseUint(b, n, e) < 0) return 'kvm_exit: no reason';
  const code = num.value;
  const isa = findKey(b, s, e, ISA);
  const svm = isa >= 0 && parseUint(b, isa, e) >= 0 && num.value === 2;
  const name = (svm ? SVM_REASONS[code] : VMX_REASONS[code]) ?? `reason ${code}`;
  ev.a0 = strings.idOfString(name);
  return '';
}

export function parseKvmEntry(b: Uint8Array, s: number, e: number): string {
  ev.p1 = ev.p2 = -1;
  ev.a0 = vcpuOf(b, s, e);
  ev.a1 = ev.a2 = 0;
  return '';
}

export function parseKvmPio(b: Uint8Array, s: number, e: number): string {
  ev.p1 = ev.p2 = -1;
  if (startsWithAt(b, s, e, PIO_)) {
    ev.a0 = startsWithAt(b, s + PIO_.length, e, WRITE) ? 1 : 0;
    // `pio_write at` / `pio_read at`: the position is known; search only if the text differs.
    const guess = s + PIO_.length + (ev.a0 ? 5 : 4);
    const at = probeAt(b, guess, e, AT) ? guess : indexOfSeq(b, AT, s, e);
    let i = at < 0 ? -1 : parseIntAuto(b, at + AT.length, e);
    if (i < 0) return 'kvm_pio: no port';
    ev.a1 = num.value;
    // Fast path for the usual `size N count N val X`; anything else goes through findKey.
    if (probeAt(b, i, e, SP_SIZE_SP) && (i = parseUint(b, i + SP_SIZE_SP.length, e)) > 0) {
      if (probeAt(b, i, e, SP_COUNT_SP) && (i = parseUint(b, i + SP_COUNT_SP.length, e)) > 0 && probeAt(b, i, e, SP_VAL_SP)) {
        ev.a2 = parseIntAuto(b, i + SP_VAL_SP.length, e) >= 0 ? num.value % 2147483648 : -1;
        return '';
      }
    }
  } else {
    const rw = findKey(b, s, e, RW_EQ);
    const port = findKey(b, s, e, PORT_EQ);
    if (rw < 0 || port < 0 || parseIntAuto(b, port, e) < 0) return 'kvm_pio: no port';
    ev.a1 = num.value;
    ev.a0 = parseUint(b, rw, e) >= 0 ? num.value : 0;
  }
  const val = findKey(b, s, e, VAL);
  // Values can be 64-bit; the low 31 bits are enough to show port writes such as phase markers.
  ev.a2 = val >= 0 && parseIntAuto(b, skipBlanks(b, b[val] === 0x3d ? val + 1 : val, e), e) >= 0 ? num.value % 2147483648 : -1;
  return '';
}

export function parseKvmUserspaceExit(b: Uint8Array, s: number, e: number, strings: ByteInterner): string {
  ev.p1 = ev.p2 = -1;
  ev.a1 = ev.a2 = 0;
  if (probeAt(b, s, e, REASON_SP)) {
    const r = s + REASON_SP.length;
    ev.a0 = strings.id(b, r, skipToken(b, r, e));
    return '';
  }
  const r = findKey(b, s, e, REASON_EQ);
  if (r < 0 || parseUint(b, r, e) < 0) return 'kvm_userspace_exit: no reason';
  const code = num.value;
  const er = findKey(b, s, e, ERRNO);
  // A negative errno means the run ioctl was interrupted: the kernel prints "restart".
  if (er >= 0 && b[er] === 0x2d) {
    ev.a0 = strings.idOfString('restart');
    return '';
  }
  ev.a0 = strings.idOfString(USERSPACE_REASONS[code] ?? `KVM_EXIT_${code}`);
  return '';
}

export function parseKvmHypercall(b: Uint8Array, s: number, e: number): string {
  ev.p1 = ev.p2 = -1;
  ev.a1 = ev.a2 = 0;
  const n = findKey(b, s, e, NR);
  ev.a0 = n >= 0 && parseIntAuto(b, skipBlanks(b, b[n] === 0x3d ? n + 1 : n, e), e) >= 0 ? num.value : -1;
  return '';
}

export function parseKvmMmio(b: Uint8Array, s: number, e: number): string {
  ev.p1 = ev.p2 = -1;
  ev.a0 = startsWithAt(b, s, e, MMIO) && startsWithAt(b, s + MMIO.length, e, WRITE) ? 1 : 0;
  const g = findKey(b, s, e, GPA);
  ev.a1 = g >= 0 && parseIntAuto(b, skipBlanks(b, b[g] === 0x3d ? g + 1 : g, e), e) >= 0 ? num.value % 4294967296 | 0 : 0;
  const l = findKey(b, s, e, LEN);
  ev.a2 = l >= 0 && parseUint(b, skipBlanks(b, b[l] === 0x3d ? l + 1 : l, e), e) >= 0 ? num.value : 0;
  return '';
}

/** The last `kvm_write_tsc_offset` body read by {@link parseKvmWriteTscOffset}. */
export const tscWrite = { vcpu: -1, prev: 0n, next: 0n };

/**
 * `kvm_write_tsc_offset: vcpu=0 prev=0 next=18446744069414584320` (the kernel's print format,
 * also perf and `trace-cmd report`), or `vcpu_id=0 previous_tsc_offset=0 next_tsc_offset=...`
 * (`report -R`). The offsets are u64 printed in decimal; they are kept as signed 64-bit values
 * (an offset below zero is a wrapped u64). A rare event: the body is decoded as text.
 */
export function parseKvmWriteTscOffset(b: Uint8Array, s: number, e: number): string {
  ev.p1 = ev.p2 = -1;
  ev.a1 = ev.a2 = 0;
  let text = '';
  for (let i = s; i < e && i - s < 256; i++) text += String.fromCharCode(b[i]);
  const f = new Map<string, string>();
  for (const m of text.matchAll(/([a-z_]+)=(\S+)/g)) f.set(m[1], m[2]);
  const vcpu = Number(f.get('vcpu') ?? f.get('vcpu_id'));
  const prev = parseU64AsI64(f.get('prev') ?? f.get('previous_tsc_offset') ?? '');
  const next = parseU64AsI64(f.get('next') ?? f.get('next_tsc_offset') ?? '');
  if (!Number.isInteger(vcpu) || vcpu < 0 || vcpu > 0x7fffffff || prev === undefined || next === undefined) return 'kvm_write_tsc_offset: expected vcpu=N prev=N next=N';
  ev.a0 = vcpu;
  tscWrite.vcpu = vcpu;
  tscWrite.prev = prev;
  tscWrite.next = next;
  return '';
}
