/**
 * The cause table: everything that can keep an executor thread from running a waiting task or its
 * VTL0 guest, with the words and the source range a stall report needs. Entries are created at
 * setup (one per blocking step, per task, per VP) or on first use (guest exit sources), and the hot
 * path refers to them by index only.
 */
import type { TextRange } from '../../core/text';

/** Stable cause codes (StallInput.cause). */
export type CauseKind =
  | 'blocking-syscall'
  | 'cpu-stretch'
  | 'vtl2-work'
  | 'root-op'
  | 'intercept'
  | 'vtl0-residence'
  | 'get-round-trip'
  | 'get-deadlock'
  | 'sidecar-onlining'
  | 'sidecar-hosted'
  | 'sidecar-exit'
  | 'host-preemption'
  | 'io-ring-full'
  | 'vmm-exit'
  | 'channel-queue-full'
  | 'wake-up';

export interface Cause {
  kind: CauseKind;
  /** What the thread was doing, e.g. "VP 2 blocked in syscall of task `vmgs`". */
  label: string;
  /** Deeper reasons and the fix, outermost first (appended after `label` in a stall's chain). */
  more: string[];
  range?: TextRange;
}

export class CauseTable {
  readonly list: Cause[] = [];

  add(kind: CauseKind, label: string, more: string[] = [], range?: TextRange): number {
    this.list.push({ kind, label, more, range });
    return this.list.length - 1;
  }

  get(id: number): Cause {
    return this.list[id];
  }
}

