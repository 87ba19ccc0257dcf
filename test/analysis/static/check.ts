/**
 * The one helper of the static hazard tests. A case is scenario text with the expected
 * diagnostics written under the code they belong to, as comments the parser ignores:
 *
 *     task vmgs { target_vp 2; every 20ms; cpu 50us; syscall 2ms }
 *     #                                              ^^^^^^^^^^^ warning VPS201: task `vmgs` on VP 2
 *
 * The carets give the range on the line above (a range that runs past the line's end is compared
 * up to that end), then the severity, the code, and a prefix of the message. Several annotation
 * lines may follow one line. `check` fails unless the hazards (VPS2xx) of the text are exactly the
 * annotated ones, and the text has no errors at all: a test scenario must be valid.
 */
import assert from 'node:assert/strict';
import type { Diagnostic, Fix } from '../../../server/src/core/diagnostic';
import { LineIndex } from '../../../server/src/core/text';
import { analyzeDocument } from '../../../server/src/model/analyze';
import type { DocumentAnalysis } from '../../../server/src/model/analysisTypes';
import { applyEdits } from '../../../server/src/analysis/static/source';

export { applyEdits };

export interface Expected {
  line: number;
  start: number;
  end: number;
  severity: string;
  code: string;
  prefix: string;
}

const ANNOTATION = /^(\s*#\s*)(\^+)\s+(error|warning|info|hint)\s+(VPS\d+)(?::\s?(.*))?$/;

/** Strips the common indentation so cases can be written indented inside template strings. */
export function dedent(src: string): string {
  const lines = src.replace(/^\n/, '').replace(/\n\s*$/, '\n').split('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

export function parseExpectations(text: string): Expected[] {
  const lines = text.split('\n');
  const out: Expected[] = [];
  let target = -1;
  lines.forEach((l, i) => {
    const m = ANNOTATION.exec(l);
    if (!m) {
      target = i;
      return;
    }
    assert.ok(target >= 0, `annotation on line ${i + 1} has no line above it`);
    const start = m[1].length;
    out.push({ line: target, start, end: start + m[2].length, severity: m[3], code: m[4], prefix: (m[5] ?? '').trim() });
  });
  return out;
}

export const isHazard = (d: Diagnostic) => /^VPS2\d\d$/.test(d.code);

function render(text: string, ds: readonly Diagnostic[]): string {
  const li = new LineIndex(text);
  return ds
    .map((d) => {
      const p = li.positionAt(d.range.start);
      return `line ${p.line + 1} col ${p.character + 1}-${p.character + 1 + Math.max(1, d.range.end - d.range.start)}: ${d.severity} ${d.code}: ${d.message}`;
    })
    .join('\n');
}

export interface CheckOptions {
  /** Only these codes count (others are ignored), for cases about one hazard among several. */
  only?: string[];
}

/** Analyses `src` (dedented) and compares its hazards with the annotations. Returns the analysis. */
export function check(src: string, opts: CheckOptions = {}): { text: string; analysis: DocumentAnalysis; hazards: Diagnostic[] } {
  const text = dedent(src);
  const analysis = analyzeDocument(text, { uri: 'case.vps' });
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 0, `the case must be a valid scenario:\n${render(text, errors)}`);
  assert.ok(analysis.scenario, 'the case lowers to a scenario');
  const hazards = analysis.diagnostics.filter((d) => isHazard(d) && (!opts.only || opts.only.includes(d.code)));
  const li = new LineIndex(text);
  const lines = text.split('\n');
  const expected = parseExpectations(text).filter((e) => !opts.only || opts.only.includes(e.code));
  const unmatched = [...hazards];
  const problems: string[] = [];
  for (const e of expected) {
    const lineStart = li.lineStarts[e.line];
    const lineEnd = lineStart + lines[e.line].length;
    const k = unmatched.findIndex(
      (d) =>
        d.code === e.code &&
        d.severity === e.severity &&
        d.range.start === lineStart + e.start &&
        Math.min(d.range.end, lineEnd) === lineStart + e.end &&
        d.message.startsWith(e.prefix),
    );
    if (k < 0) problems.push(`missing: line ${e.line + 1} col ${e.start + 1}-${e.end + 1}: ${e.severity} ${e.code}: ${e.prefix}...`);
    else unmatched.splice(k, 1);
  }
  for (const d of unmatched) problems.push(`unexpected: ${render(text, [d])}`);
  assert.ok(problems.length === 0, `${problems.join('\n')}\n--- all hazards:\n${render(text, hazards) || '(none)'}`);
  return { text, analysis, hazards };
}

/**
 * Applies a quick fix of the one hazard with `code` (the fix whose title contains `title`, or the
 * preferred one) and returns the new text (dedented input, annotations included).
 */
export function applyFix(src: string, code: string, title?: string, nth = 0): string {
  const text = dedent(src);
  const analysis = analyzeDocument(text, { uri: 'case.vps' });
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 0, `the case must be a valid scenario:\n${render(text, errors)}`);
  const ds = analysis.diagnostics.filter((d) => d.code === code);
  assert.ok(ds.length > nth, `expected a ${code} diagnostic, got:\n${render(text, analysis.diagnostics)}`);
  const fixes = ds[nth].fixes ?? [];
  const f: Fix | undefined = title ? fixes.find((x) => x.title.includes(title)) : fixes.find((x) => x.preferred) ?? fixes[0];
  assert.ok(f, `expected a fix${title ? ` titled *${title}*` : ''} on ${code}; fixes: ${fixes.map((x) => x.title).join(' | ') || '(none)'}`);
  return applyEdits(text, f.edits);
}

/** The fix's result equals `expected` (dedented), and the fixed text no longer raises `code` there. */
export function checkFix(src: string, code: string, expected: string, title?: string, nth = 0): void {
  const out = applyFix(src, code, title, nth);
  assert.equal(out, dedent(expected));
  const before = analyzeDocument(dedent(src), { uri: 'case.vps' }).diagnostics.filter((d) => d.code === code).length;
  const after = analyzeDocument(out, { uri: 'case.vps' });
  const errors = after.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 0, `the fixed text is valid:\n${render(out, errors)}`);
  const left = after.diagnostics.filter((d) => d.code === code);
  assert.ok(left.length < before, `the fix removes a ${code}; still there:\n${render(out, left)}`);
}

/** The codes of the hazards `analyzeDocument` reports for `src`. */
export function codesOf(src: string): string[] {
  return analyzeDocument(dedent(src), { uri: 'case.vps' }).diagnostics.filter(isHazard).map((d) => d.code);
}

/** Titles of the quick fixes of every `code` diagnostic of `src`, in document order. */
export function fixTitles(src: string, code: string): string[][] {
  return analyzeDocument(dedent(src), { uri: 'case.vps' })
    .diagnostics.filter((d) => d.code === code)
    .map((d) => (d.fixes ?? []).map((f) => f.title));
}
