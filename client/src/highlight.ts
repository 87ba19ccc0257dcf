/**
 * What the editor's cursor is on, in terms of the timeline: the task, VM and VP whose lanes the
 * open timeline tab should highlight. Read from the run document the tab shows (its `tasks[].range`
 * and `vms[].range` are LSP ranges of the version that was simulated) and from the cursor line's
 * text (`vp N`, `target_vp N`).
 *
 * Plain data in and out, no `vscode` import, so it is unit-tested without an editor.
 */
import type { HighlightTarget, ViewDocument } from '../../server/src/shared/view';

interface Pos {
  line: number;
  character: number;
}
interface Rng {
  start: Pos;
  end: Pos;
}

const before = (a: Pos, b: Pos) => a.line < b.line || (a.line === b.line && a.character <= b.character);

function isRange(x: unknown): x is Rng {
  const r = x as Rng;
  return !!r && typeof r === 'object' && typeof r.start?.line === 'number' && typeof r.start?.character === 'number' && typeof r.end?.line === 'number' && typeof r.end?.character === 'number';
}

function contains(r: Rng, p: Pos): boolean {
  return before(r.start, p) && before(p, r.end);
}

/** Lines x 1e6 + characters: orders ranges by size (the innermost wins). */
function size(r: Rng): number {
  return (r.end.line - r.start.line) * 1e6 + (r.end.character - r.start.character);
}

/**
 * The targets under `pos` in `doc`'s run (one per distinct task/VM, over all variants), or [] when
 * the cursor is on nothing the timeline shows. `lineText` is the cursor line (for `vp N`).
 */
export function highlightTargets(doc: ViewDocument | undefined, pos: Pos, lineText = ''): HighlightTarget[] {
  const variants = doc?.run?.variants;
  if (!Array.isArray(variants)) return [];
  const seen = new Set<string>();
  const out: HighlightTarget[] = [];
  const add = (t: HighlightTarget) => {
    const key = `${t.vm ?? ''}\u0000${t.task ?? ''}\u0000${t.vp ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(t);
  };
  const vpMatch = /\b(?:target_vp|vp)\s+(\d+)\b/.exec(lineText);
  const vp = vpMatch ? Number(vpMatch[1]) : undefined;
  const records = (x: unknown) => (Array.isArray(x) ? (x.filter((e) => e !== null && typeof e === 'object') as Record<string, unknown>[]) : []);
  for (const v of variants) {
    if (v === null || typeof v !== 'object') continue;
    const tasks = records(v.tasks);
    const vms = records(v.vms);
    // The innermost statement under the cursor: a task (inside its VM), else the VM.
    let best: { t: HighlightTarget; size: number } | undefined;
    for (const t of tasks) {
      if (!isRange(t.range) || !contains(t.range, pos) || typeof t.name !== 'string') continue;
      const s = size(t.range);
      if (!best || s < best.size) best = { t: { task: t.name, ...(typeof t.vm === 'string' ? { vm: t.vm } : {}) }, size: s };
    }
    if (!best) {
      for (const m of vms) {
        if (!isRange(m.range) || !contains(m.range, pos) || typeof m.name !== 'string') continue;
        const s = size(m.range);
        if (!best || s < best.size) best = { t: { vm: m.name }, size: s };
      }
    }
    if (best) add(vp !== undefined && best.t.vm !== undefined ? { ...best.t, vp } : best.t);
  }
  return out;
}

/** Same targets, in order (to skip sending a highlight that changes nothing). */
export function sameTargets(a: HighlightTarget[], b: HighlightTarget[]): boolean {
  return a.length === b.length && a.every((t, i) => t.vm === b[i].vm && t.task === b[i].task && t.vp === b[i].vp);
}
