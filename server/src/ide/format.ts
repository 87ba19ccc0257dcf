/**
 * Formatting: indentation and spacing only. The formatter answers with edits that replace
 * whitespace (and nothing else), so by construction it can never change a token; the tests check
 * that formatting twice equals formatting once. (More than `MAX_FORMAT_EDITS` of them are sent as
 * one edit whose text is the same tokens with the new whitespace.)
 *
 * Rules:
 * - The user's line structure is kept: statements joined by `;` stay on one line, blocks written
 *   on one line stay on one line.
 * - A line is indented by `indentSize` spaces per open block; a line that starts with `}` closes
 *   its block first.
 * - Between two tokens of a line, a run of whitespace becomes one space, and tokens written
 *   without space stay glued: `0-3`, `-5`, `10us..20us` and `0 -3` mean different things, so
 *   adjacency is never changed, except around `{`, `}` and `;`, which always separate:
 *   `vm a{x}` becomes `vm a { x }`, `a ;b` becomes `a; b`.
 * - The space before a comment at the end of a line is kept as written (people align them).
 * - Trailing whitespace is removed, runs of blank lines become one blank line, blank lines at the
 *   start and end of the file go, and the file ends with one line break.
 * - Indentation stops growing at `MAX_DEPTH` levels (the parser ignores deeper blocks), and a
 *   document gets at most twice its size (+4 KB) of indentation; past that, lines keep their
 *   indentation as written. 100,000 lines of `x {` used to ask for 10^10 spaces and kill the
 *   server (SIGABRT at ~4 GB).
 *
 * Formatting never changes what the parser sees. The parser's recovery from broken text looks at
 * indentation (a keyword in column 0 closes the blocks left open above it), so re-indenting a
 * document with syntax errors could change its tree and its diagnostics. The result is therefore
 * parsed again and compared with the original (tokens, statement tree, syntax errors); when they
 * differ, the formatter keeps every line's indentation as written, and when even that differs, it
 * leaves the document alone. A document with more syntax errors than the parser lists
 * (`MAX_SYNTAX_ERRORS`, VPS013) is left alone too: the comparison cannot see the unlisted ones.
 */
import type { TextEdit } from '../core/diagnostic';
import type { TextRange } from '../core/text';
import { MAX_DEPTH, parse } from '../syntax/parser';
import { SyntaxCodes } from '../syntax/syntaxCodes';
import type { Arg, Statement, Token } from '../syntax/tree';
import type { FormatOptions } from './types';

interface Line {
  /** Offset where the line starts. */
  start: number;
  /** Tokens on the line, excluding the newline and eof tokens. */
  tokens: Token[];
  /** The line break token that ends the line (absent on the last line). */
  newline?: Token;
}

function splitLines(text: string, tokens: readonly Token[]): Line[] {
  const lines: Line[] = [];
  let cur: Line = { start: 0, tokens: [] };
  for (const t of tokens) {
    if (t.kind === 'eof') break;
    if (t.kind === 'newline') {
      cur.newline = t;
      lines.push(cur);
      cur = { start: t.end, tokens: [] };
    } else cur.tokens.push(t);
  }
  // The last line exists when it has content or when the text does not end with a newline.
  if (cur.tokens.length > 0 || cur.start < text.length || lines.length === 0) lines.push(cur);
  return lines;
}

/** The whitespace wanted between two tokens on one line, given what was written. */
function gapBetween(a: Token, b: Token, written: string): string {
  if (b.kind === 'comment') return written.length > 0 ? written : ' ';
  if (b.kind === 'semi') return '';
  if (a.kind === 'semi') return ' ';
  if (a.kind === 'lbrace' || b.kind === 'lbrace' || b.kind === 'rbrace') {
    // `{}` stays an empty pair; otherwise braces are set off by one space.
    if (a.kind === 'lbrace' && b.kind === 'rbrace' && written.length === 0) return '';
    return ' ';
  }
  if (a.kind === 'rbrace') return ' ';
  return written.length > 0 ? ' ' : '';
}

/** Strips trailing blanks of a comment (its text runs to the end of the line). */
function commentTrimEnd(t: Token): number {
  let end = t.end;
  while (end > t.start + 1 && (t.text.charCodeAt(end - t.start - 1) === 32 || t.text.charCodeAt(end - t.start - 1) === 9)) end--;
  return end;
}

/**
 * Edits that format `text` (whose tokens the parser produced). Sorted, non-overlapping, each
 * replacing only whitespace. With `options.range`, only the edits touching that range.
 */
export function formatEdits(text: string, tokens: readonly Token[], options: FormatOptions = {}): TextEdit[] {
  // Past the cap the parser counts syntax errors without listing them: the comparison below could
  // not see a change among them, so such a document is left alone (1 MB of `{` took 24 s and
  // answered 100 MB of edits in the server).
  // Likewise a document the parser stopped reading (VPS014): the tail is not in the fingerprint.
  const unlisted = (fingerprint: string) => fingerprint.includes(`\u0000${SyntaxCodes.tooManyErrors} `) || fingerprint.includes(`\u0000${SyntaxCodes.tooLong} `);
  const full = layoutEdits(text, tokens, options, true);
  if (full === undefined) return unlisted(parseFingerprint(text)) ? [] : fewer(text, layoutEdits(text, tokens, options, false) ?? [], options);
  if (full.length === 0) return full;
  const before = parseFingerprint(text);
  if (unlisted(before)) return [];
  if (parseFingerprint(applyEditsLinear(text, full)) === before) return fewer(text, full, options);
  const keep = layoutEdits(text, tokens, options, false) ?? [];
  if (keep.length > 0 && parseFingerprint(applyEditsLinear(text, keep)) === before) return fewer(text, keep, options);
  return [];
}

/**
 * More edits than this are sent as one edit (from the first edit's start to the last one's end):
 * 100,000 edits of a few bytes are 5 MB of JSON (measured here, 100,000 nested blocks), the one
 * edit their changed text.
 */
export const MAX_FORMAT_EDITS = 10_000;

function fewer(text: string, edits: TextEdit[], options: FormatOptions): TextEdit[] {
  if (edits.length <= MAX_FORMAT_EDITS || options.range) return edits;
  const start = edits[0].range.start;
  const end = edits[edits.length - 1].range.end;
  const shifted = edits.map((e) => ({ range: { start: e.range.start - start, end: e.range.end - start }, newText: e.newText }));
  return [{ range: { start, end }, newText: applyEditsLinear(text.slice(start, end), shifted) }];
}

/**
 * What the parser makes of a document, independent of whitespace: significant token texts, the
 * statement tree (keywords, arguments with their whitespace removed, nesting, missing parts), and
 * the syntax errors (code and message).
 */
export function parseFingerprint(text: string): string {
  const r = parse(text);
  const out: string[] = [];
  for (const t of r.tokens) {
    if (t.kind === 'newline' || t.kind === 'eof') continue;
    out.push(t.kind === 'comment' ? t.text.trimEnd() : t.text);
  }
  out.push('\u0001');
  const arg = (a: Arg) => `${a.type}${a.missing ? '!' : ''}:${text.slice(a.start, a.end).replace(/\s+/g, '')}`;
  // Iterative walk: the tree may be MAX_DEPTH deep.
  const stack: (Statement | string)[] = [...r.file.statements].reverse();
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (typeof s === 'string') {
      out.push(s);
      continue;
    }
    out.push(`${s.keyword.missing ? '!' : ''}${s.keyword.name}(${s.args.map(arg).join(',')})`);
    if (s.body) {
      out.push(s.body.missing ? '{?' : '{');
      stack.push('}');
      for (let k = s.body.statements.length - 1; k >= 0; k--) stack.push(s.body.statements[k]);
    }
  }
  out.push('\u0001');
  for (const e of r.errors) out.push(`${e.code} ${e.message}`);
  return out.join('\u0000');
}

/** `applyEdits` in one pass (sorted, non-overlapping edits): linear in the size of the result. */
function applyEditsLinear(text: string, edits: readonly TextEdit[]): string {
  const parts: string[] = [];
  let at = 0;
  for (const e of edits) {
    parts.push(text.slice(at, e.range.start), e.newText);
    at = e.range.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/**
 * The indentation a document may get, in characters: twice its size (plus a little for tiny
 * documents). Past it (thousands of nested blocks), lines keep their indentation as written.
 */
const indentBudget = (text: string) => 2 * text.length + 4096;

/**
 * The edits of one layout: with `indent` off, every line keeps its indentation as written.
 * Undefined when the indentation would exceed {@link indentBudget}.
 */
function layoutEdits(text: string, tokens: readonly Token[], options: FormatOptions, indent: boolean): TextEdit[] | undefined {
  let indentLeft = indentBudget(text);
  const indentUnit = ' '.repeat(Math.max(0, options.indentSize ?? 2));
  const lines = splitLines(text, tokens);
  const edits: TextEdit[] = [];
  const replace = (start: number, end: number, newText: string) => {
    if (text.slice(start, end) !== newText) edits.push({ range: { start, end }, newText });
  };

  // Index of the last line with content: blank lines after it are removed.
  let lastContent = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i].tokens.length > 0) {
      lastContent = i;
      break;
    }
  }

  let depth = 0;
  let seenContent = false;
  let blankRun = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineEnd = line.newline ? line.newline.start : text.length;
    const toks = line.tokens;
    if (toks.length === 0) {
      // A blank line: keep one between content lines, drop the rest and those at the file's ends.
      const keep = seenContent && i < lastContent && blankRun === 0;
      blankRun++;
      if (keep) {
        // Keep the line break, drop the blanks before it (a BOM at offset 0 stays).
        replace(line.start === 0 && text.charCodeAt(0) === 0xfeff ? 1 : line.start, lineEnd, '');
      } else {
        const bomKeep = line.start === 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
        replace(line.start + bomKeep, line.newline ? line.newline.end : lineEnd, '');
      }
      continue;
    }
    blankRun = 0;
    seenContent = true;

    // Indentation: the depth before the line, minus the blocks its leading `}`s close.
    let leadingClose = 0;
    while (leadingClose < toks.length && toks[leadingClose].kind === 'rbrace') leadingClose++;
    const level = Math.min(MAX_DEPTH, Math.max(0, depth - leadingClose));
    const bom = line.start === 0 && text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
    if (indent) {
      indentLeft -= level * indentUnit.length;
      if (indentLeft < 0) return undefined;
      replace(line.start, toks[0].start, bom + indentUnit.repeat(level));
    }

    for (let k = 0; k < toks.length; k++) {
      const t = toks[k];
      if (k > 0) {
        const prev = toks[k - 1];
        replace(prev.end, t.start, gapBetween(prev, t, text.slice(prev.end, t.start)));
      }
      if (t.kind === 'lbrace') depth++;
      else if (t.kind === 'rbrace') depth = Math.max(0, depth - 1);
    }
    // Trailing whitespace (inside a trailing comment too; an unterminated string keeps its text).
    const last = toks[toks.length - 1];
    if (last.kind === 'comment') replace(commentTrimEnd(last), lineEnd, '');
    else replace(last.end, lineEnd, '');
    // The file ends with exactly one line break.
    if (i === lastContent && !line.newline) {
      const eol = lines.find((l) => l.newline)?.newline?.text ?? '\n';
      edits.push({ range: { start: text.length, end: text.length }, newText: eol });
    }
  }

  edits.sort((a, b) => a.range.start - b.range.start || a.range.end - b.range.end);
  if (!options.range) return edits;
  // Range formatting works on whole lines: a selection that starts or ends mid-line still means
  // "these lines" (and a line is never left half formatted).
  const range = lineSpan(text, options.range);
  return edits.filter((e) => e.range.end >= range.start && e.range.start <= range.end);
}

function lineSpan(text: string, r: TextRange): TextRange {
  let start = Math.max(0, Math.min(r.start, text.length));
  let end = Math.max(start, Math.min(r.end, text.length));
  while (start > 0 && text[start - 1] !== '\n' && text[start - 1] !== '\r') start--;
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
  return { start, end };
}

/** Applies non-overlapping edits (any order) to `text`. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.range.start - a.range.start || b.range.end - a.range.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.range.start) + e.newText + out.slice(e.range.end);
  return out;
}

/** Whether two ranges overlap or touch. */
export function touches(a: TextRange, b: TextRange): boolean {
  return a.end >= b.start && a.start <= b.end;
}
