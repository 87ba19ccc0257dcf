/**
 * Small helpers shared by the checker passes: a diagnostics sink with de-duplication, "did you
 * mean" suggestions, and text edits that insert whole statements with the right indentation.
 */
import type { Diagnostic, Fix, RelatedInfo, Severity } from '../core/diagnostic';
import { MAX_MESSAGE, MAX_QUOTE, QUOTE_KEEP, type TextRange } from '../core/text';
import type { Body, Statement } from '../syntax/tree';

/** Collects diagnostics, keeping at most one per (code, range). */
export class DiagSink {
  readonly list: Diagnostic[] = [];
  private readonly seen = new Set<string>();

  add(severity: Severity, code: string, message: string, range: TextRange, extra?: Pick<Diagnostic, 'related' | 'fixes' | 'tags'>): Diagnostic | undefined {
    const key = `${code}:${range.start}:${range.end}`;
    if (this.seen.has(key)) return undefined;
    this.seen.add(key);
    const d: Diagnostic = { severity, code, message, range: { start: range.start, end: range.end } };
    // Ranges as plain offsets, never the syntax nodes some callers pass (a node of a top-level
    // block the next edit does not touch is moved in place by the incremental parse, and its own
    // fields are no part of a diagnostic).
    if (extra?.related?.length) d.related = capRelated(extra.related).map((r) => ({ ...r, range: { start: r.range.start, end: r.range.end } }));
    if (extra?.fixes?.length) d.fixes = extra.fixes.map((f) => ({ ...f, edits: f.edits.map((e) => ({ ...e, range: { start: e.range.start, end: e.range.end } })) }));
    if (extra?.tags?.length) d.tags = extra.tags;
    this.list.push(d);
    return d;
  }

  error(code: string, message: string, range: TextRange, extra?: Pick<Diagnostic, 'related' | 'fixes' | 'tags'>) {
    return this.add('error', code, message, range, extra);
  }

  warning(code: string, message: string, range: TextRange, extra?: Pick<Diagnostic, 'related' | 'fixes' | 'tags'>) {
    return this.add('warning', code, message, range, extra);
  }

  /** Adds a diagnostic made by another sink (the same object), unless one of its (code, range) is here. */
  adopt(d: Diagnostic): void {
    const key = `${d.code}:${d.range.start}:${d.range.end}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(d);
  }

  has(code: string, range: TextRange): boolean {
    return this.seen.has(`${code}:${range.start}:${range.end}`);
  }
}

/** Whether a backtick pair (paired from the start, as `clipMessage`'s pattern pairs them) holds more than {@link MAX_QUOTE} characters. */
function hasLongQuote(m: string): boolean {
  let i = m.indexOf('`');
  while (i >= 0) {
    const j = m.indexOf('`', i + 1);
    if (j < 0) return false;
    if (j - i - 1 > MAX_QUOTE) return true;
    i = m.indexOf('`', j + 1);
  }
  return false;
}

/** Optimal string alignment distance (Levenshtein with transpositions), capped for speed. */
export function editDistance(a: string, b: string, cap = 4): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  const m = a.length;
  const n = b.length;
  let prev2: number[] = new Array(n + 1).fill(0);
  let prev: number[] = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur: number[] = [i];
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > cap) return cap + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[n];
}

/**
 * Candidates close to `word`, best first: case-insensitive equality, then small edit distance
 * (scaled to the word's length), then a shared prefix of at least 3 characters.
 */
export function closeMatches(word: string, candidates: Iterable<string>, max = 3): string[] {
  const w = word.toLowerCase();
  const limit = w.length <= 3 ? 1 : w.length <= 6 ? 2 : 3;
  const scored: [string, number][] = [];
  for (const c of new Set(candidates)) {
    if (c === word) continue;
    const lc = c.toLowerCase();
    let score: number;
    if (lc === w) score = 0;
    else {
      const d = editDistance(w, lc, limit);
      if (d <= limit) score = d;
      else if (w.length >= 3 && (lc.startsWith(w) || w.startsWith(lc)) && Math.min(w.length, lc.length) >= 3) score = limit + 0.5;
      else if (w.length >= 4 && lc.includes(w)) score = limit + 0.7;
      else continue;
    }
    scored.push([c, score]);
  }
  scored.sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : 1));
  return scored.slice(0, max).map((x) => x[0]);
}

/** "did you mean `a`, `b` or `c`?" or '' when there is nothing to suggest. */
export function didYouMean(matches: string[]): string {
  if (matches.length === 0) return '';
  const q = matches.map((m) => `\`${m}\``);
  const list = q.length === 1 ? q[0] : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
  return ` Did you mean ${list}?`;
}

/** Quick fixes replacing `range` by each suggestion (the first preferred). */
export function replaceFixes(range: TextRange, matches: string[], what = ''): Fix[] {
  return matches.map((m, k) => ({ title: `Change ${what ? what + ' ' : ''}to '${m}'`, edits: [{ range: { start: range.start, end: range.end }, newText: m }], preferred: k === 0 }));
}

/** Formats a list of words as "`a`, `b` or `c`". */
export function wordList(words: readonly string[], conj = 'or'): string {
  const q = words.map((w) => `\`${w}\``);
  if (q.length <= 1) return q.join('');
  return `${q.slice(0, -1).join(', ')} ${conj} ${q[q.length - 1]}`;
}

// ---- statement insertion ------------------------------------------------------------------------

function lineStartOf(text: string, offset: number): number {
  let p = offset;
  while (p > 0) {
    const c = text.charCodeAt(p - 1);
    if (c === 10 || c === 13) break;
    p--;
  }
  return p;
}

/** Whitespace before the first token of the line containing `offset`. */
export function indentOfLine(text: string, offset: number): string {
  const start = lineStartOf(text, offset);
  let p = start;
  while (p < text.length && (text[p] === ' ' || text[p] === '\t')) p++;
  return text.slice(start, p);
}

/** True when only whitespace precedes `offset` on its line. */
export function startsLine(text: string, offset: number): boolean {
  const start = lineStartOf(text, offset);
  return /^[ \t]*$/.test(text.slice(start, offset));
}

/** The end-of-line sequence the document uses. */
export function eolOf(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** An edit that inserts a statement just before `stmt`, on its own line when `stmt` starts one. */
export function insertBefore(text: string, stmt: Statement, newStatement: string): { range: TextRange; newText: string } {
  if (startsLine(text, stmt.start)) {
    return { range: { start: stmt.start, end: stmt.start }, newText: `${newStatement}${eolOf(text)}${indentOfLine(text, stmt.start)}` };
  }
  return { range: { start: stmt.start, end: stmt.start }, newText: `${newStatement}; ` };
}

/**
 * An edit that appends a statement at the end of a block: on a new line before the `}` when the
 * block spans lines, after a `;` when it is on one line.
 */
export function appendToBody(text: string, body: Body, newStatement: string): { range: TextRange; newText: string } {
  const last = body.statements[body.statements.length - 1];
  if (!body.missing && startsLine(text, body.close.start)) {
    const indent = last && startsLine(text, last.start) ? indentOfLine(text, last.start) : indentOfLine(text, body.close.start) + '  ';
    const at = lineStartOf(text, body.close.start);
    return { range: { start: at, end: at }, newText: `${indent}${newStatement}${eolOf(text)}` };
  }
  if (last) return { range: { start: last.end, end: last.end }, newText: `; ${newStatement}` };
  return { range: { start: body.open.end, end: body.open.end }, newText: ` ${newStatement}` };
}

/**
 * At most this many related-information entries per diagnostic: the first `MAX_RELATED - 1` as
 * they are, then one entry that counts the rest ("... and N more"). Without it a note per other
 * VM (VPS228 on 1,000 VMs) makes 999,000 entries, 176 MB of diagnostics. 8, as the run findings
 * (report/runRelated.ts): VS Code's Problems panel shows each entry as a row under its finding, and
 * at 20 the generated 5,000-line scenario of the LSP benchmark published 806 KB of diagnostics per
 * edit, 71% of it one code (VPS229, a related entry per competing VM); at 8, 493 KB.
 */
export const MAX_RELATED = 8;

/**
 * A related-information list capped at {@link MAX_RELATED}; `total` is the length of the full list
 * when the caller built only its head. The summary entry points at the last entry kept.
 */
export function capRelated(list: readonly RelatedInfo[], total = list.length): RelatedInfo[] {
  if (total <= MAX_RELATED && list.length <= MAX_RELATED) return list as RelatedInfo[];
  const kept = list.slice(0, MAX_RELATED - 1);
  const rest = total - kept.length;
  const at = kept[kept.length - 1] ?? list[0];
  if (at && rest > 0) kept.push({ range: at.range, message: `... and ${rest} more` });
  return kept;
}

/**
 * The longest text between backticks a message repeats as is: longer ones keep their first
 * {@link QUOTE_KEEP} characters and say how many were left out. A message quotes what the user
 * wrote (a name, a number), and a 100,000-character name made one diagnostic of 100 KB (measured
 * here, `vpscope check`). Backticks pair from the start of the message.
 */
export { MAX_QUOTE };
/** Any message longer than this after shortening its quotes is cut here (a backstop). */
export { MAX_MESSAGE };

/** `message` with over-long quoted text shortened, and at most {@link MAX_MESSAGE} characters. */
export function clipMessage(message: string): string {
  if (message.length <= MAX_QUOTE) return message;
  // Most messages need nothing (every analysis clips each of its ~500 diagnostics, the second
  // stage those of the first again): looking for a long quote is cheaper than the replace.
  if (message.length <= MAX_MESSAGE && !hasLongQuote(message)) return message;
  let m = message.replace(/`([^`]*)`/g, (all, inner: string) =>
    inner.length <= MAX_QUOTE ? all : `\`${inner.slice(0, QUOTE_KEEP)}...\` (${inner.length.toLocaleString('en-US')} characters)`,
  );
  if (m.length > MAX_MESSAGE) m = `${m.slice(0, MAX_MESSAGE)}... (message cut at ${MAX_MESSAGE.toLocaleString('en-US')} characters)`;
  return m;
}
