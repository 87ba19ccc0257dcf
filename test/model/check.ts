/**
 * The one helper of the diagnostics data tests: a scenario whose expected diagnostics are
 * written under the offending code as comments.
 *
 *     vm web { cpus 4ms }
 *     #             ^^^ error VPS106: A CPU list holds plain CPU numbers
 *     #> fix Remove 'ms' => vm web { cpus 4 }
 *
 * - Carets sit under the range on the nearest code line above (annotation lines stack). A `#` in
 *   column 0 directly followed by carets counts as a caret itself, so `#^^^` marks columns 0-3
 *   (how to point at a top-level keyword). An empty range is one caret. A range that runs past
 *   the end of its line is marked to the end of that line.
 * - The message is a prefix of the actual message.
 * - `#> fix TITLE => LINE` applies the fix whose title starts with TITLE to the whole document
 *   and compares the lines from the diagnostic's line on with LINE (`\n` separates several
 *   lines; leading whitespace is ignored).
 * - Every diagnostic must be annotated, except static hazards (VPS2xx, owned by the hazard
 *   checks and tested there) unless the file has a `# hazards: on` line.
 *
 * `renderAnnotated` produces the annotations from actual results; `UPDATE_SNAPSHOTS=1` rewrites
 * the data files with it (review the diff).
 */
import assert from 'node:assert/strict';
import type { Diagnostic, TextEdit } from '../../server/src/core/diagnostic';
import { analyzeDocument } from '../../server/src/model/analyze';
import type { DocumentAnalysis } from '../../server/src/model/analysisTypes';

const ANNOTATION = /^(\s*#\s*\^+|#\^*)\s+(error|warning|info|hint)\s+(VPS\d+):\s?(.*)$/;
const FIX = /^\s*#>\s*fix\s+(.*?)\s*=>\s?(.*)$/;

interface Line {
  text: string;
  start: number;
}

function splitLines(text: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text[i] === '\n') {
      const raw = text.slice(start, i);
      out.push({ text: raw.endsWith('\r') ? raw.slice(0, -1) : raw, start });
      start = i + 1;
    }
  }
  return out;
}

function isAnnotation(s: string): boolean {
  return ANNOTATION.test(s) || FIX.test(s);
}

interface Expected {
  line: number;
  col: number;
  len: number;
  severity: string;
  code: string;
  message: string;
  fixes: { title: string; expect: string }[];
  source: number;
}

function lineOf(lines: Line[], offset: number): number {
  let lo = 0;
  let hi = lines.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lines[mid].start <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Position of a diagnostic as the annotations express it: line, column, caret count. */
function place(lines: Line[], d: { range: { start: number; end: number } }): { line: number; col: number; len: number } {
  const line = lineOf(lines, d.range.start);
  const col = d.range.start - lines[line].start;
  const lineEnd = lines[line].start + lines[line].text.length;
  const end = Math.min(d.range.end, lineEnd);
  return { line, col, len: Math.max(1, end - d.range.start) };
}

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.range.start - a.range.start || b.range.end - a.range.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.range.start) + e.newText + out.slice(e.range.end);
  return out;
}

export interface CheckOptions {
  uri?: string;
  /** Include VPS2xx static hazards (also enabled by a `# hazards: on` line). */
  hazards?: boolean;
}

function relevant(d: Diagnostic, hazards: boolean): boolean {
  return hazards || !/^VPS2\d\d$/.test(d.code);
}

/** Checks a scenario against its annotations; returns the analysis for further assertions. */
export function check(text: string, opts: CheckOptions = {}): DocumentAnalysis {
  const hazards = opts.hazards ?? /^#\s*hazards:\s*on\s*$/m.test(text);
  const lines = splitLines(text);
  const expected: Expected[] = [];
  let codeLine = -1;
  lines.forEach((l, i) => {
    const m = ANNOTATION.exec(l.text);
    const f = FIX.exec(l.text);
    if (!m && !f) {
      codeLine = i;
      return;
    }
    if (f) {
      const last = expected[expected.length - 1];
      assert.ok(last, `line ${i + 1}: a '#> fix' line must follow a diagnostic annotation`);
      last.fixes.push({ title: f[1], expect: f[2] });
      return;
    }
    assert.ok(codeLine >= 0, `line ${i + 1}: annotation before any code line`);
    const carets = m![1];
    let col: number;
    let len: number;
    if (carets.startsWith('#^') || carets === '#') {
      // `#` in column 0 counts as the first caret.
      col = 0;
      len = carets.length;
    } else {
      col = carets.indexOf('^');
      len = carets.length - col;
    }
    expected.push({ line: codeLine, col, len, severity: m![2], code: m![3], message: m![4].trim(), fixes: [], source: i + 1 });
  });

  const analysis = analyzeDocument(text, { uri: opts.uri ?? 'test.vps' });
  const actual = analysis.diagnostics.filter((d) => relevant(d, hazards));
  const unmatched = new Set(actual);
  const problems: string[] = [];
  for (const e of expected) {
    const hit = actual.find((d) => {
      if (!unmatched.has(d)) return false;
      const p = place(lines, d);
      return p.line === e.line && p.col === e.col && p.len === e.len && d.severity === e.severity && d.code === e.code && d.message.startsWith(e.message);
    });
    if (!hit) {
      const near = actual.filter((d) => place(lines, d).line === e.line).map((d) => describe(lines, d));
      problems.push(`line ${e.source}: expected ${e.severity} ${e.code} at ${e.line + 1}:${e.col + 1} (${e.len} chars): ${e.message}\n      actual on that line: ${near.length ? near.join('\n                           ') : 'none'}`);
      continue;
    }
    unmatched.delete(hit);
    for (const fx of e.fixes) {
      const fix = hit.fixes?.find((f) => f.title.startsWith(fx.title));
      if (!fix) {
        problems.push(`line ${e.source}: no fix titled '${fx.title}...' (fixes: ${(hit.fixes ?? []).map((f) => f.title).join(' | ') || 'none'})`);
        continue;
      }
      const after = splitLines(applyEdits(text, fix.edits));
      const want = fx.expect.split('\\n');
      const got = after.slice(e.line, e.line + want.length).map((l) => l.text.trimStart());
      if (got.join('\n') !== want.map((w) => w.trimStart()).join('\n')) {
        problems.push(`line ${e.source}: fix '${fix.title}' gives\n      ${got.join('\n      ')}\n    expected\n      ${want.join('\n      ')}`);
      }
    }
  }
  for (const d of unmatched) problems.push(`unexpected: ${describe(lines, d)}`);
  assert.ok(problems.length === 0, `${problems.length} mismatch(es):\n  ${problems.join('\n  ')}\n\nActual, as annotations:\n${renderAnnotated(text, analysis, hazards)}`);
  return analysis;
}

function describe(lines: Line[], d: Diagnostic): string {
  const p = place(lines, d);
  return `${d.severity} ${d.code} at ${p.line + 1}:${p.col + 1} (${p.len} chars): ${d.message}`;
}

/** The text with its annotation lines regenerated from the analysis (for UPDATE_SNAPSHOTS). */
export function renderAnnotated(text: string, analysis: DocumentAnalysis, hazards: boolean): string {
  const lines = splitLines(text);
  const byLine = new Map<number, Diagnostic[]>();
  for (const d of analysis.diagnostics) {
    if (!relevant(d, hazards)) continue;
    const p = place(lines, d);
    const l = byLine.get(p.line) ?? [];
    l.push(d);
    byLine.set(p.line, l);
  }
  const out: string[] = [];
  lines.forEach((l, i) => {
    if (isAnnotation(l.text)) return;
    out.push(l.text);
    for (const d of byLine.get(i) ?? []) {
      const p = place(lines, d);
      const carets = p.col === 0 ? '#' + '^'.repeat(p.len - 1) : '#' + ' '.repeat(p.col - 1) + '^'.repeat(p.len);
      out.push(`${carets} ${d.severity} ${d.code}: ${d.message}`);
      const fix = d.fixes?.find((f) => f.preferred) ?? d.fixes?.[0];
      if (fix) {
        // Express the fix by the lines it changes from the diagnostic's line on, when it
        // changes that line (fixes elsewhere in the file are tested separately).
        const lineEnd = lines[i].start + lines[i].text.length;
        const onLine = fix.edits.every((e) => e.range.start >= lines[i].start && e.range.end <= lineEnd);
        const after = splitLines(applyEdits(text, fix.edits));
        const added = after.length - lines.length;
        if (onLine && added >= 0 && after[i]?.text !== lines[i].text) {
          out.push(`#> fix ${fix.title} => ${after.slice(i, i + 1 + added).map((x) => x.text.trimStart()).join('\\n')}`);
        }
      }
    }
  });
  return out.join('\n');
}
