/**
 * The effect end of a run diagnostic's cause chain, as related information: a stall diagnostic
 * sits on the statement responsible (the `syscall` of task `vmgs`); its related entries point at
 * the declarations of the tasks that stalled because of it (`task nvme`), each with how often and
 * how long, so the editor links cause and effect in the source. Findings are left as they are.
 * Pure: no I/O.
 */
import type { Diagnostic, RelatedInfo } from '../core/diagnostic';
import type { VariantResult } from '../sim/result';
import { stallCode } from './runDiagnostics';
import { fmtNs } from '../core/format';

/** At most this many related entries per diagnostic. */
const MAX_RELATED = 8;

export function withStallRelated(diagnostics: readonly Diagnostic[], results: readonly VariantResult[]): Diagnostic[] {
  const several = results.length > 1 || (results[0] !== undefined && results[0].name !== 'base');
  return diagnostics.map((d) => {
    if (d.related?.length) return d;
    // The prefix names the variants the diagnostic speaks for: `simulated: ` (one run),
    // `simulated (a, b): ` (stalls grouped across variants), `simulated (a; also in b, c): ` (findings).
    const m = /^simulated(?: \(([^)]*)\))?: /.exec(d.message);
    if (!m) return d;
    const names = m[1] === undefined ? undefined : new Set(m[1].split(/;\s*also in\s*|,\s*/).map((x) => x.trim()).filter(Boolean));
    const runs = results.filter((v) => (names ? names.has(v.name) : !several || v.name === results[0]?.name));
    if (runs.length === 0) return d;
    // Stalled task (its VM and base name, without `#i`) -> count and longest, over the stalls at
    // this range. The VM is part of the key: a host load and a guest thread (or threads of two
    // VMs) may share a name, and the note pointed at whichever was declared first.
    const stalled = new Map<string, { task: string; vm: string | undefined; count: number; maxNs: number; cause: string }>();
    for (const s of runs.flatMap((r) => r.stalls)) {
      if (!s.range || s.range.start !== d.range.start || s.range.end !== d.range.end || stallCode(s.cause) !== d.code) continue;
      const base = s.task.replace(/#\d+$/, '');
      const key = `${s.vm ?? ''}\u0000${base}`;
      const e = stalled.get(key) ?? { task: base, vm: s.vm, count: 0, maxNs: 0, cause: s.cause };
      e.count++;
      e.maxNs = Math.max(e.maxNs, s.durationNs);
      stalled.set(key, e);
    }
    const related: RelatedInfo[] = [];
    for (const { task, vm, ...e } of stalled.values()) {
      const decl = runs.flatMap((r) => r.tasks).find((t) => t.range && t.vm === vm && t.name.replace(/#\d+$/, '') === task);
      if (!decl?.range) continue;
      related.push({ range: decl.range, message: `\`${task}\` stalled ${e.count === 1 ? fmtNs(e.maxNs) : `up to ${fmtNs(e.maxNs)}, x${e.count}`} (${e.cause})` });
      if (related.length >= MAX_RELATED) break;
    }
    return related.length ? { ...d, related } : d;
  });
}
