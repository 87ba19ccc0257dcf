/**
 * Plain-data text positions shared by every layer of the core.
 *
 * The core speaks in UTF-16 offsets (JavaScript string indices); only the shells convert them to
 * line/character pairs, through {@link LineIndex}. LSP positions are also UTF-16 based, so the
 * conversion is exact.
 */

/** Half-open range of UTF-16 offsets [start, end) in a document. */
export interface TextRange {
  /** Offset of the first character. */
  start: number;
  /** Offset just past the last character. */
  end: number;
}

/** A 0-based line and UTF-16 character, as LSP and the JSON contracts use. */
export interface LineCol {
  /** 0-based line. */
  line: number;
  /** 0-based character in the line, in UTF-16 code units. */
  character: number;
}

/** Maps offsets to line/character pairs and back in O(log lines). */
export class LineIndex {
  /** Offset of the first character of each line. */
  readonly lineStarts: number[];

  /** `lineStarts`: those of `text` when already known (`lineStartsOf(text)`, or spliced from an earlier version's). */
  constructor(
    readonly text: string,
    lineStarts?: number[],
  ) {
    this.lineStarts = lineStarts ?? lineStartsOf(text);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** Offset -> position; offsets outside the text are clamped into it. */
  positionAt(offset: number): LineCol {
    const o = Math.max(0, Math.min(offset, this.text.length));
    const lo = lastAtMost(this.lineStarts, o, this.lineStarts.length);
    return { line: lo, character: o - this.lineStarts[lo] };
  }

  /** Position -> offset; positions past a line's end are clamped to that end. */
  offsetAt(pos: LineCol): number {
    if (pos.line < 0) return 0;
    if (pos.line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[pos.line];
    const next = pos.line + 1 < this.lineStarts.length ? this.lineStarts[pos.line + 1] : this.text.length;
    let lineEnd = next;
    // Exclude the line terminator from the line's own characters.
    while (lineEnd > start && (this.text.charCodeAt(lineEnd - 1) === 10 || this.text.charCodeAt(lineEnd - 1) === 13)) lineEnd--;
    return Math.min(start + Math.max(0, pos.character), lineEnd);
  }

  rangeToLsp(r: TextRange): { start: LineCol; end: LineCol } {
    return { start: this.positionAt(r.start), end: this.positionAt(r.end) };
  }
}

/**
 * The line starts of `text` (0, then the offset after every line break: `\n`, `\r\n`, a lone
 * `\r`); with `from`/`to`, those after the breaks in `text[from, to)`, each plus `base`, pushed
 * to `out` (a `\r` at `to - 1` is one break with a `\n` at `to`, as in the whole text).
 */
export function lineStartsOf(text: string, from = 0, to = text.length, base = 0, out: number[] = [0]): number[] {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 /* \n */) out.push(i + 1 + base);
    else if (c === 13 /* \r */) {
      if (text.charCodeAt(i + 1) === 10) i++;
      out.push(i + 1 + base);
    }
  }
  return out;
}

/**
 * The longest run of user text (a name, a number, a title) echoed as is in what the editor and
 * the command line show: longer ones keep their first {@link QUOTE_KEEP} characters and say how
 * long they were. Diagnostics quote names by the same bound (`clipMessage` in model/util.ts).
 */
export const MAX_QUOTE = 80;
export const QUOTE_KEEP = 60;

/** `text` cut to its first {@link QUOTE_KEEP} characters and its length, when over {@link MAX_QUOTE}. */
export function clipQuote(text: string): string {
  if (text.length <= MAX_QUOTE) return text;
  // Do not split a surrogate pair.
  let keep = QUOTE_KEEP;
  const c = text.charCodeAt(keep - 1);
  if (c >= 0xd800 && c <= 0xdbff) keep--;
  return `${text.slice(0, keep)}... (${text.length.toLocaleString('en-US')} characters)`;
}

/**
 * The most characters of a label (an outline or symbol name, a completion label, an inlay hint,
 * a code lens title) or of a markdown text (a hover, a completion's documentation), after
 * {@link clipRuns}: a title of words can still be long.
 */
export const MAX_LABEL = 200;
export const MAX_MARKDOWN = 20_000;
/** The most characters of a message (a finding's, a diagnostic's): model/util.ts `clipMessage`. */
export const MAX_MESSAGE = 2000;

/**
 * Every run of more than {@link MAX_QUOTE} characters without a space or a backtick (a name, a
 * number) shortened by {@link clipQuote}, then the whole cut at `max` characters. Names of
 * 1,000,000 characters were echoed whole in hovers (2 MB), the outline (7 MB), workspace symbols
 * (10 MB), completion labels, code lens titles and the command line's summaries.
 */
// Written `{81}` then `*`, not `{81,}`: V8 backtracks a counted `{81,}` with a stack entry per
// character, a RangeError (Maximum call stack size exceeded) on a run of 10 M characters.
const LONG_RUN = new RegExp(`[^\\s\`]{${MAX_QUOTE + 1}}[^\\s\`]*`, 'g');

export function clipRuns(text: string, max: number): string {
  let out = text;
  if (text.length > MAX_QUOTE) out = text.replace(LONG_RUN, (run) => clipQuote(run));
  if (out.length > max) out = `${out.slice(0, max)}... (cut at ${max.toLocaleString('en-US')} characters)`;
  return out;
}

/** A one-line label of user text, bounded ({@link clipRuns} to {@link MAX_LABEL}). */
export function clipLabel(text: string): string {
  return clipRuns(text, MAX_LABEL);
}

/** A markdown text echoing user text, bounded ({@link clipRuns} to {@link MAX_MARKDOWN}). */
export function clipMarkdown(text: string): string {
  return clipRuns(text, MAX_MARKDOWN);
}

/**
 * Text shown as is where the user cannot tell control characters from text: C0 controls (except
 * line feed and tab), DEL, C1, the line and paragraph separators (U+2028/2029: invisible in a
 * label, a line break in a terminal) and the bidirectional controls (overrides, embeddings,
 * isolates, marks)
 * written as `\xHH` / `\u{HHHH}`. A trace thread named `\u202eevil` was drawn reversed (`live`) in
 * the timeline and pulled the text after it along; the terminal (`terminalSafe`, cli/common.ts) and
 * the timeline view (labels, panels, tooltips) show the same escapes.
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function showControls(s: string): string {
  return s.replace(CONTROLS, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
  });
}

/**
 * The last index i < n of an ascending `sorted` with sorted[i] <= x (0 when none is: callers
 * search values whose first entry is at most x), by binary search.
 */
export function lastAtMost(sorted: ArrayLike<number>, x: number, n: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Text that starts with a UTF-16 byte-order mark (FF FE little-endian, FE FF big-endian; Windows
 * PowerShell's `>` and `Out-File` wrote UTF-16 LE by default before PowerShell 6), decoded without
 * the mark; undefined for any other bytes (the caller reads them as UTF-8). Scenario files are
 * read through it by `vpscope check` / `simulate` and by the editor's workspace symbol index.
 */
export function decodeUtf16Bom(b: Uint8Array): string | undefined {
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return new TextDecoder('utf-16le').decode(b.subarray(2));
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return new TextDecoder('utf-16be').decode(b.subarray(2));
  return undefined;
}
