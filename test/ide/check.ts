/**
 * One renderer per feature: the feature's plain-data answer at a position, as compact text a
 * person can read in a test or a snapshot. The `check*` helpers compare that text with the
 * expectation written beside the input.
 */
import assert from 'node:assert/strict';
import { LineIndex } from '../../server/src/core/text';
import { quickFixes } from '../../server/src/ide/codeActions';
import { completions } from '../../server/src/ide/completion';
import { foldingRegions } from '../../server/src/ide/folding';
import { applyEdits as applyFormatEdits, formatEdits } from '../../server/src/ide/format';
import { hoverAt } from '../../server/src/ide/hover';
import { definitionAt, highlightsAt, referencesAt, renameAt } from '../../server/src/ide/navigation';
import { outline } from '../../server/src/ide/outline';
import { selectionChain } from '../../server/src/ide/selection';
import { semanticTokens } from '../../server/src/ide/semanticTokens';
import { signatureHelpAt } from '../../server/src/ide/signature';
import { inlayHints, INLAY_HINT_DEFAULTS, type InlayHintOptions } from '../../server/src/ide/inlayHints';
import type { CompletionCandidate, OutlineSymbol } from '../../server/src/ide/types';
import { applyEdits, cursor, fixture, parseAnnotations, analyze, showRange, where, type Fixture } from './fixture';

export type Feature = 'completion' | 'hover' | 'definition' | 'references' | 'highlight' | 'selection' | 'rename' | 'signature';

/** The labels offered at the cursor, in the order the editor sorts them. */
export function renderCompletion(items: CompletionCandidate[]): string {
  const sorted = [...items].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label) || a.label.localeCompare(b.label));
  return sorted.map((i) => i.label).join(' ');
}

export function renderAt(f: Fixture, feature: Feature, offset: number, extra?: string): string {
  const { doc, text } = f;
  switch (feature) {
    case 'completion':
      return renderCompletion(completions(doc, offset, { snippets: true }));
    case 'hover': {
      const h = hoverAt(doc, offset);
      return h ? `[${showRange(text, h.range)}]\n${h.markdown}` : '(none)';
    }
    case 'definition':
      return definitionAt(doc, offset).map((r) => showRange(text, r)).join('\n') || '(none)';
    case 'references':
      return referencesAt(doc, offset, { includeDeclaration: true }).map((r) => showRange(text, r)).join('\n') || '(none)';
    case 'highlight':
      return highlightsAt(doc, offset).map((h) => `${h.kind} ${showRange(text, h.range)}`).join('\n') || '(none)';
    case 'selection':
      return selectionChain(doc, offset).map((r) => JSON.stringify(text.slice(r.start, r.end))).join('\n');
    case 'signature':
      return renderSignature(f, offset);
    case 'rename': {
      const r = renameAt(doc, offset, extra ?? 'renamed');
      return r.ok ? applyEdits(text, r.edits) : `error: ${r.message}`;
    }
  }
}

// ---- completion ---------------------------------------------------------------------------------

/** The completion labels at `$0` are exactly `expected` (space-separated, in sorted order). */
export function checkCompletion(src: string, expected: string): void {
  const f = fixture(src);
  assert.equal(renderAt(f, 'completion', cursor(f)), expected);
}

/** The labels include every word of `present` and none of `absent`. */
export function checkCompletionHas(src: string, present: string[], absent: string[] = []): CompletionCandidate[] {
  const f = fixture(src);
  const items = completions(f.doc, cursor(f), { snippets: true });
  const labels = new Set(items.map((i) => i.label));
  for (const p of present) assert.ok(labels.has(p), `expected ${p} in [${[...labels].join(' ')}]`);
  for (const a of absent) assert.ok(!labels.has(a), `did not expect ${a} in [${[...labels].join(' ')}]`);
  return items;
}

// ---- hover ----------------------------------------------------------------------------------------

/** The hover at `$0` contains each expected fragment, in order. */
export function checkHover(src: string, ...fragments: string[]): string {
  const f = fixture(src);
  const h = hoverAt(f.doc, cursor(f));
  assert.ok(h, 'expected a hover');
  let from = 0;
  for (const frag of fragments) {
    const i = h.markdown.indexOf(frag, from);
    assert.ok(i >= 0, `hover lacks ${JSON.stringify(frag)} (after offset ${from}):\n${h.markdown}`);
    from = i + frag.length;
  }
  return h.markdown;
}

// ---- navigation -----------------------------------------------------------------------------------

/** Definition at `$0` lands on the marker `/*def*\/` (placed right before the name). */
export function checkDefinition(src: string): void {
  const f = fixture(src);
  const defs = definitionAt(f.doc, cursor(f));
  const target = f.markers.find((m) => m.name === 'def')?.offset;
  if (target === undefined) assert.deepEqual(defs, []);
  else assert.deepEqual(defs.map((r) => r.start), [target], `definition at ${defs.map((r) => where(f.text, r.start)).join(', ')}`);
}

/** References (with the declaration) at `$0` are exactly the markers `/*ref*\/` placed before each name. */
export function checkReferences(src: string): void {
  const f = fixture(src);
  const got = referencesAt(f.doc, cursor(f), { includeDeclaration: true }).map((r) => r.start);
  const want = f.markers.filter((m) => m.name === 'ref').map((m) => m.offset);
  assert.deepEqual(got, want, `got ${got.map((o) => where(f.text, o)).join(', ')}`);
}

/** Rename at `$0` to `newName` gives `expected` (text without markers), or an error containing it. */
export function checkRename(src: string, newName: string, expected: string): void {
  const f = fixture(src);
  const r = renameAt(f.doc, cursor(f), newName);
  if (expected.startsWith('error: ')) {
    assert.ok(!r.ok, `expected an error, got edits: ${r.ok ? applyEdits(f.text, r.edits) : ''}`);
    assert.ok(r.message.includes(expected.slice(7)), r.message);
  } else {
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.equal(applyEdits(f.text, r.edits), expected);
  }
}

// ---- formatting -----------------------------------------------------------------------------------

export function format(text: string): string {
  const doc = analyze(text);
  return applyFormatEdits(text, formatEdits(text, doc.analysis.parse.tokens));
}

/** Formatting gives `expected`, and formatting that again changes nothing. */
export function checkFormat(input: string, expected: string): void {
  const once = format(input);
  assert.equal(once, expected);
  assert.equal(format(once), once, 'formatting is not idempotent');
}

// ---- outline, folding, semantic tokens ------------------------------------------------------------

export function renderOutline(roots: OutlineSymbol[], indent = ''): string {
  return roots.map((s) => `${indent}${s.name} (${s.kind}${s.detail !== s.name ? `, ${s.detail}` : ''})\n${renderOutline(s.children, indent + '  ')}`).join('');
}

export function checkOutline(src: string, expected: string): void {
  const f = fixture(src);
  assert.equal(renderOutline(outline(f.doc)).trimEnd(), expected.trim());
}

/** Folding as `start-end[ comment]` (1-based lines). */
export function checkFolding(src: string, expected: string): void {
  const f = fixture(src);
  const got = foldingRegions(f.doc).map((r) => `${r.startLine + 1}-${r.endLine + 1}${r.kind ? ' ' + r.kind : ''}`).join('\n');
  assert.equal(got, expected.trim());
}

/** Semantic tokens as `text:type[.modifier]` in document order. */
export function renderTokens(text: string, separator = ' '): string {
  const doc = analyze(text);
  return semanticTokens(doc)
    .map((t) => `${text.slice(t.start, t.start + t.length)}:${t.type}${t.modifiers?.length ? '.' + t.modifiers.join('.') : ''}`)
    .join(separator);
}

// ---- diagnostics and quick fixes ---------------------------------------------------------------------

/**
 * The analysis reports exactly the diagnostics annotated under the code (severity, code, range,
 * message prefix).
 */
export function checkDiagnostics(src: string): void {
  const { text, expected } = parseAnnotations(src);
  const doc = analyze(text);
  const lines = new LineIndex(text);
  const got = doc.analysis.diagnostics.map((d) => {
    const s = lines.positionAt(d.range.start);
    const e = lines.positionAt(d.range.end);
    const endCol = e.line === s.line ? Math.max(e.character, s.character + 1) : s.character + 1;
    return `${s.line}:${s.character}-${endCol} ${d.severity} ${d.code}: ${d.message}`;
  });
  const want = expected.map((x) => `${x.line}:${x.startCol}-${x.endCol} ${x.severity} ${x.code}: ${x.message}`);
  assert.equal(got.length, want.length, `diagnostics differ:\n got:\n  ${got.join('\n  ')}\n want:\n  ${want.join('\n  ')}`);
  got.forEach((g, i) => assert.ok(g.startsWith(want[i]), `diagnostic ${i}:\n got:  ${g}\n want: ${want[i]}...`));
}

/** Applies the quick fix titled `title` (at `$0`) and compares the result. */
export function checkFix(src: string, title: string | RegExp, expected: string): void {
  const f = fixture(src);
  const at = cursor(f);
  const fixes = quickFixes(f.doc, { start: at, end: at });
  const fix = fixes.find((q) => (typeof title === 'string' ? q.title === title : title.test(q.title)));
  assert.ok(fix, `no fix ${title}; have: ${fixes.map((q) => q.title).join(' | ')}`);
  assert.equal(applyEdits(f.text, fix.edits), expected);
}

// ---- signature help and inlay hints ----------------------------------------------------------------

/**
 * Signature help as one line per signature, the active parameter in brackets and the active
 * signature marked `>`: `> cpu lognormal MEAN [SD]`; `(none)` without help.
 */
export function renderSignature(f: Fixture, offset: number): string {
  const h = signatureHelpAt(f.doc, offset);
  if (!h) return '(none)';
  return h.signatures
    .map((s, i) => {
      let label = s.label;
      const p = s.parameters[s.activeParameter];
      if (p) label = `${label.slice(0, p.label[0])}[${label.slice(p.label[0], p.label[1])}]${label.slice(p.label[1])}`;
      return `${i === h.activeSignature ? '>' : ' '} ${label}`;
    })
    .join('\n');
}

/** The signature at `$0` rendered as by {@link renderSignature}. */
export function checkSignature(src: string, expected: string): void {
  const f = fixture(src);
  assert.equal(renderSignature(f, cursor(f)), expected);
}

/** The text with every inlay hint written in where it shows (all kinds by default): `storvsp s { ⟨channel→VP 0→0⟩`. */
export function renderInlayHints(text: string, options: InlayHintOptions = { ...INLAY_HINT_DEFAULTS, defaults: true }): string {
  const doc = analyze(text);
  const hints = inlayHints(doc, { start: 0, end: text.length }, options);
  let out = '';
  let last = 0;
  for (const h of hints) {
    out += text.slice(last, h.offset) + ` ⟨${h.label}⟩`;
    last = h.offset;
  }
  return out + text.slice(last);
}
