/**
 * Fourslash-style fixtures for the editor features: scenario text with cursor markers, one
 * `check...` helper per feature, and snapshot files refreshed with `UPDATE_SNAPSHOTS=1`.
 *
 * Markers: `$0` (the cursor) or `/*name*\/` (named positions); both are removed from the text
 * before analysis. Most markers sit in unfinished code on purpose.
 *
 * Expected diagnostics are written under the code as comments, like rust-analyzer's fixtures:
 *
 *     vcpus 0
 *     #     ^ error VPS123: ...message prefix
 *
 * The caret line refers to the closest line above it that is not itself an annotation. A `#`
 * directly followed by `^` stands for a caret itself, so `#^` marks columns 0-1 (a diagnostic at
 * the start of a line cannot otherwise be pointed at).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LineIndex } from '../../server/src/core/text';
import type { IdeDocument } from '../../server/src/ide/document';
import type { TextEdit, TextRange } from '../../server/src/ide/types';
import { analyzeDocument } from '../../server/src/model/analyze';

export interface Fixture {
  /** The text without markers. */
  text: string;
  /** Named markers (`$0` is named `0`) with their offsets in `text`, in order of appearance. */
  markers: { name: string; offset: number }[];
  doc: IdeDocument;
}

const MARKER = /\$0|\/\*([^*]*)\*\//g;

export function fixture(src: string): Fixture {
  const markers: { name: string; offset: number }[] = [];
  let text = '';
  let last = 0;
  for (const m of src.matchAll(MARKER)) {
    text += src.slice(last, m.index);
    markers.push({ name: m[1] ?? '0', offset: text.length });
    last = m.index! + m[0].length;
  }
  text += src.slice(last);
  return { text, markers, doc: analyze(text) };
}

export function analyze(text: string): IdeDocument {
  return { text, analysis: analyzeDocument(text) };
}

/** The single cursor of a fixture (`$0` or the only marker). */
export function cursor(f: Fixture): number {
  const m = f.markers.find((x) => x.name === '0') ?? (f.markers.length === 1 ? f.markers[0] : undefined);
  if (!m) throw new Error('fixture needs exactly one $0 marker');
  return m.offset;
}

export function marker(f: Fixture, name: string): number {
  const m = f.markers.find((x) => x.name === name);
  if (!m) throw new Error(`no marker /*${name}*/`);
  return m.offset;
}

/** `line:col` (1-based, for humans) of an offset. */
export function where(text: string, offset: number): string {
  const p = new LineIndex(text).positionAt(offset);
  return `${p.line + 1}:${p.character + 1}`;
}

/** A range as `line:col 'text'`. */
export function showRange(text: string, r: TextRange): string {
  return `${where(text, r.start)} '${text.slice(r.start, r.end)}'`;
}

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.range.start - a.range.start);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.range.start) + e.newText + out.slice(e.range.end);
  return out;
}

// ---- snapshots ------------------------------------------------------------------------------

export const updating = process.env.UPDATE_SNAPSHOTS === '1';

/** Compares `actual` with the file's content; rewrites the file under `UPDATE_SNAPSHOTS=1`. */
export function expectFile(path: string, actual: string): void {
  if (updating) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) assert.fail(`missing snapshot ${path}; run with UPDATE_SNAPSHOTS=1 to create it`);
  assert.equal(actual, readFileSync(path, 'utf8'), `snapshot ${path} differs; run with UPDATE_SNAPSHOTS=1 to accept`);
}

// ---- expected diagnostics under the code ------------------------------------------------------

export interface ExpectedDiagnostic {
  line: number;
  startCol: number;
  endCol: number;
  severity: string;
  code: string;
  /** A prefix of the message (annotations keep lines short). */
  message: string;
}

const ANNOTATION = /^(\s*)#(\s*)(\^+)\s+(error|warning|info|hint)\s+(VPS\d+)(?::\s*(.*))?$/;

/**
 * Splits annotated source into the text to analyse (annotation lines stay in it: they are
 * comments) and the expected diagnostics.
 */
export function parseAnnotations(src: string): { text: string; expected: ExpectedDiagnostic[] } {
  const lines = src.split('\n');
  const expected: ExpectedDiagnostic[] = [];
  let target = -1;
  lines.forEach((l, i) => {
    const m = ANNOTATION.exec(l);
    if (!m) {
      target = i;
      return;
    }
    const glued = m[2].length === 0;
    const col = glued ? m[1].length : m[1].length + 1 + m[2].length;
    const width = glued ? m[3].length + 1 : m[3].length;
    expected.push({ line: target, startCol: col, endCol: col + width, severity: m[4], code: m[5], message: (m[6] ?? '').trim() });
  });
  return { text: src, expected };
}
