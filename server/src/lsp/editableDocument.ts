/**
 * The text of an open document, kept in sync with the editor's incremental changes at a cost per
 * change that does not grow with the document (issue 9: 10,000 rapid edits to a 2 MB document
 * kept the server busy for minutes with `vscode-languageserver-textdocument`, whose `update`
 * builds a new full string and shifts every later line offset for each change).
 *
 * The text is a list of chunks of whole lines (about `CHUNK_CHARS` each; a longer line is a
 * chunk of its own), each with the offsets of its line breaks. A change rewrites the one or two
 * chunks it touches and the running totals after them (offsets and line numbers of the chunks):
 * O(change + chunk + number of chunks), about 1,300 chunks at 20 MB. The full string is built
 * only when it is read (`getText()`: the server reads it when it analyses or answers), once per
 * burst of changes between two reads, and then the chunks become slices of it (no second copy).
 *
 * Same answers as `TextDocument` of `vscode-languageserver-textdocument` (1.0.x) for any sequence
 * of changes, ranges past the end and reversed included (`test/lsp/editableDocument.test.ts`
 * compares both on random edit sequences with CRLF, lone CR and surrogate pairs): line breaks are
 * `\r\n`, `\r` and `\n`; a position past a line's end is its end (before the line break), past the
 * last line the end of the text; `update` returns the same object with the new version.
 */
import type { TextDocumentsConfiguration } from 'vscode-languageserver';
import type { Position, Range, TextDocument, TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { lastAtMost } from '../core/text';

/** Target size of a chunk (UTF-16 code units): small enough that rewriting one is cheap. */
export const CHUNK_CHARS = 16 * 1024;
/** A chunk that a change left smaller than this is merged with the next one. */
const MIN_CHUNK_CHARS = CHUNK_CHARS / 4;

const CR = 13;
const LF = 10;

interface Chunk {
  text: string;
  /** Offsets (in the chunk) just after each line break; every chunk but the last ends with one. */
  breaks: Int32Array;
}

/** Offsets just after each line break of `text` (`\r\n` is one break). */
function lineBreaks(text: string): Int32Array {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || c === CR) {
      if (c === CR && i + 1 < text.length && text.charCodeAt(i + 1) === LF) i++;
      n++;
    }
  }
  const out = new Int32Array(n);
  n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || c === CR) {
      if (c === CR && i + 1 < text.length && text.charCodeAt(i + 1) === LF) i++;
      out[n++] = i + 1;
    }
  }
  return out;
}

/**
 * The line breaks of `s` = head + inserted + tail, where head (`headLen` units) is the start of a
 * chunk whose breaks are `headBreaks` and tail the end of a chunk (from its offset `tailFrom`)
 * whose breaks are `tailBreaks`: the breaks of the head before its last unit are kept, the text
 * from there to two units past the insertion is scanned, and the tail's later breaks are shifted
 * (equal to `lineBreaks(s)`, without reading the unchanged text).
 */
function editedBreaks(s: string, headBreaks: Int32Array, headLen: number, insertedLen: number, tailBreaks: Int32Array, tailFrom: number): Int32Array {
  const out: number[] = [];
  // Breaks strictly inside the head: both units that make each are unchanged.
  let k = 0;
  while (k < headBreaks.length && headBreaks[k] < headLen) out.push(headBreaks[k++]);
  const scanEnd = Math.min(s.length, headLen + insertedLen + 2);
  let i = Math.max(0, headLen - 1);
  let last = out.length > 0 ? out[out.length - 1] : 0;
  for (; i < scanEnd; i++) {
    const c = s.charCodeAt(i);
    if (c === LF || c === CR) {
      if (c === CR && i + 1 < s.length && s.charCodeAt(i + 1) === LF) i++;
      out.push(i + 1);
      last = i + 1;
    }
  }
  // The tail's breaks after the scanned text, shifted to their place in `s`.
  const shift = headLen + insertedLen - tailFrom;
  const floor = Math.max(last, scanEnd);
  for (let j = 0; j < tailBreaks.length; j++) {
    const q = tailBreaks[j] + shift;
    if (q > floor && tailBreaks[j] > tailFrom) out.push(q);
  }
  return Int32Array.from(out);
}

/** `text` cut into chunks of whole lines of about `CHUNK_CHARS` (a longer line stays whole). */
function chunksOf(text: string): Chunk[] {
  const breaks = lineBreaks(text);
  const out: Chunk[] = [];
  let start = 0;
  let b = 0; // first break after `start`
  while (start < text.length) {
    // The last break at most CHUNK_CHARS after start, else the first one after it, else the end.
    let end = -1;
    let k = b;
    while (k < breaks.length && breaks[k] - start <= CHUNK_CHARS) k++;
    if (k > b) end = breaks[k - 1];
    else if (b < breaks.length) {
      end = breaks[b];
      k = b + 1;
    } else end = text.length;
    const local = new Int32Array(k - b);
    for (let i = b; i < k; i++) local[i - b] = breaks[i] - start;
    out.push({ text: text.slice(start, end), breaks: local });
    start = end;
    b = k;
  }
  if (out.length === 0) out.push({ text: '', breaks: new Int32Array(0) });
  return out;
}

const isEol = (c: number) => c === CR || c === LF;

/** A finite number as a whole number (a fraction rounded down), else an error (malformed change). */
function whole(v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new Error('EditableDocument.update: a range position is not a number');
  return Math.floor(v);
}

function wellFormed(range: Range): { start: Position; end: Position } {
  if (!range || typeof range !== 'object' || !range.start || !range.end) throw new Error('EditableDocument.update: malformed range');
  const start = { line: whole(range.start.line), character: whole(range.start.character) };
  const end = { line: whole(range.end.line), character: whole(range.end.character) };
  if (start.line > end.line || (start.line === end.line && start.character > end.character)) return { start: end, end: start };
  return { start, end };
}

export class EditableDocument implements TextDocument {
  private chunks: Chunk[];
  /** Per chunk: its offset in the text and the number of line breaks before it (running totals). */
  private offsets!: Float64Array;
  private lines!: Float64Array;
  private length = 0;
  private breakCount = 0;
  /** The full text, once built (dropped by the next change). */
  private full: string | undefined;

  constructor(
    readonly uri: string,
    readonly languageId: string,
    private _version: number,
    content: string,
  ) {
    this.chunks = chunksOf(content);
    this.full = content;
    this.totals(0);
  }

  static create(uri: string, languageId: string, version: number, content: string): EditableDocument {
    return new EditableDocument(uri, languageId, version, content);
  }

  /** `TextDocuments`' `update`: applies the changes in order and returns the same document. */
  static update(document: EditableDocument, changes: readonly TextDocumentContentChangeEvent[], version: number): EditableDocument {
    document.update(changes, version);
    return document;
  }

  get version(): number {
    return this._version;
  }

  /** The length of the text (UTF-16 code units). */
  get textLength(): number {
    return this.length;
  }

  get lineCount(): number {
    return this.breakCount + 1;
  }

  getText(range?: Range): string {
    if (this.full === undefined) {
      const n = this.chunks.length;
      const full = n === 1 ? this.chunks[0].text : this.chunks.map((c) => c.text).join('');
      // Flat once (joining makes a flat string; a single chunk may be a concatenation), and the
      // chunks become slices of it, so the pieces edits made are not kept besides.
      this.full = full;
      let at = 0;
      for (const c of this.chunks) {
        const len = c.text.length;
        c.text = full.slice(at, at + len);
        at += len;
      }
    }
    if (range) {
      const start = this.offsetAt(range.start);
      const end = this.offsetAt(range.end);
      return this.full.substring(start, end);
    }
    return this.full;
  }

  update(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      const c = change as { range?: Range; text?: unknown; rangeLength?: unknown };
      if (c === null || typeof c !== 'object' || typeof c.text !== 'string') throw new Error('Unknown change event received');
      if (c.range !== undefined) {
        if (c.rangeLength !== undefined && typeof c.rangeLength !== 'number') throw new Error('Unknown change event received');
        const r = wellFormed(c.range);
        this.replace(this.offsetAt(r.start), this.offsetAt(r.end), c.text);
      } else if (c.rangeLength === undefined) {
        this.chunks = chunksOf(c.text);
        this.full = c.text;
        this.totals(0);
      } else throw new Error('Unknown change event received');
    }
    this._version = version;
  }

  offsetAt(position: Position): number {
    const line = position.line;
    if (line >= this.lineCount) return this.length;
    if (line < 0) return 0;
    const lineOffset = this.lineStart(line);
    if (position.character <= 0) return lineOffset;
    const next = line + 1 < this.lineCount ? this.lineStart(line + 1) : this.length;
    return this.beforeEol(Math.min(lineOffset + position.character, next), lineOffset);
  }

  positionAt(offset: number): Position {
    offset = Math.max(Math.min(offset, this.length), 0);
    if (Number.isNaN(offset)) return { line: this.lineCount - 1, character: NaN };
    const i = this.chunkAt(offset);
    const local = offset - this.offsets[i];
    const br = this.chunks[i].breaks;
    // Number of breaks at or before `local`.
    let lo = 0;
    let hi = br.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (br[mid] > local) hi = mid;
      else lo = mid + 1;
    }
    const line = this.lines[i] + lo;
    const lineOffset = this.offsets[i] + (lo === 0 ? 0 : br[lo - 1]);
    offset = this.beforeEol(offset, lineOffset);
    return { line, character: offset - lineOffset };
  }

  /** The range of line `line` without its line break (past the last line: the last line; negative: the start). */
  getLineRange(line: number): Range {
    if (line >= this.lineCount) {
      const last = this.lineCount - 1;
      return { start: { line: last, character: 0 }, end: { line: last, character: this.length - this.lineStart(last) } };
    }
    if (line < 0) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const start = this.lineStart(line);
    const next = line + 1 < this.lineCount ? this.lineStart(line + 1) : this.length;
    return { start: { line, character: 0 }, end: { line, character: this.beforeEol(next, start) - start } };
  }

  /** The line break ending line `line` (`''` for the last line and out of range). */
  getEOLCharacters(line: number): string {
    if (line >= this.lineCount || line < 0) return '';
    const start = this.lineStart(line);
    const next = line + 1 < this.lineCount ? this.lineStart(line + 1) : this.length;
    const eol = this.beforeEol(next, start);
    let out = '';
    for (let o = eol; o < next; o++) out += String.fromCharCode(this.charCodeAt(o));
    return out;
  }

  // ---- internals ----------------------------------------------------------------------------

  /** The offset where line `line` (0 <= line < lineCount) starts. */
  private lineStart(line: number): number {
    // The last chunk whose first line is at or before `line` (every chunk but the last ends with
    // a line break, so the chunks' first lines increase).
    const lo = lastAtMost(this.lines, line, this.chunks.length);
    const k = line - this.lines[lo];
    return this.offsets[lo] + (k === 0 ? 0 : this.chunks[lo].breaks[k - 1]);
  }

  /** The last chunk starting at or before `offset` (0 <= offset <= length). */
  private chunkAt(offset: number): number {
    return lastAtMost(this.offsets, offset, this.chunks.length);
  }

  private charCodeAt(offset: number): number {
    if (this.full !== undefined) return this.full.charCodeAt(offset);
    if (offset < 0 || offset >= this.length) return NaN;
    const i = this.chunkAt(offset);
    return this.chunks[i].text.charCodeAt(offset - this.offsets[i]);
  }

  private beforeEol(offset: number, lineOffset: number): number {
    while (offset > lineOffset && isEol(this.charCodeAt(offset - 1))) offset--;
    return offset;
  }

  /** Replaces the text between offsets `start` <= `end` with `text`. */
  private replace(start: number, end: number, text: string): void {
    const chunks = this.chunks;
    let a = this.chunkAt(start);
    let b = this.chunkAt(end);
    // An end at a chunk's start is the end of the chunk before it (one chunk fewer to rewrite).
    if (b > a && end === this.offsets[b]) b--;
    // The new text of chunks a..b, as parts joined once at the end (a joined string is flat: a
    // concatenation would be read through its tree at each `charCodeAt`, 20x slower here).
    const a0 = a;
    const b0 = b;
    const headLen = start - this.offsets[a];
    const tailFrom = end - this.offsets[b];
    const parts = [chunks[a].text.slice(0, headLen), text, chunks[b].text.slice(tailFrom)];
    let len = parts[0].length + text.length + parts[2].length;
    const firstCode = () => {
      for (const p of parts) if (p.length > 0) return p.charCodeAt(0);
      return b + 1 < chunks.length ? chunks[b + 1].text.charCodeAt(0) : NaN;
    };
    const lastCode = () => {
      for (let i = parts.length - 1; i >= 0; i--) if (parts[i].length > 0) return parts[i].charCodeAt(parts[i].length - 1);
      return NaN;
    };
    // Keep the chunks whole lines: a `\r` ending the chunk before and a `\n` starting this text
    // are one break, so are a `\r` ending this text and a `\n` starting the next chunk; every
    // chunk but the last ends with a line break; small chunks join the next one.
    if (a > 0 && firstCode() === LF && chunks[a - 1].text.charCodeAt(chunks[a - 1].text.length - 1) === CR) {
      a--;
      parts.unshift(chunks[a].text);
      len += chunks[a].text.length;
    }
    while (b + 1 < chunks.length && len > 0) {
      const last = lastCode();
      const next = chunks[b + 1].text;
      if (!isEol(last) || (last === CR && next.charCodeAt(0) === LF) || (len < MIN_CHUNK_CHARS && next.length <= CHUNK_CHARS)) {
        b++;
        parts.push(next);
        len += next.length;
      } else break;
    }
    const s = parts.join('');
    let pieces: Chunk[];
    if (s.length === 0) pieces = [];
    else if (s.length > CHUNK_CHARS) pieces = chunksOf(s);
    else if (a === a0 && b === b0) pieces = [{ text: s, breaks: editedBreaks(s, chunks[a].breaks, headLen, text.length, chunks[b].breaks, tailFrom) }];
    else pieces = [{ text: s, breaks: lineBreaks(s) }];
    if (pieces.length === 0 && chunks.length === b - a + 1) pieces.push({ text: '', breaks: new Int32Array(0) });
    chunks.splice(a, b - a + 1, ...pieces);
    this.full = undefined;
    this.totals(a);
  }

  /** Recomputes the running totals from chunk `from` on. */
  private totals(from: number): void {
    const n = this.chunks.length;
    if (!this.offsets || this.offsets.length < n || this.offsets.length > 4 * n + 64) {
      const offsets = new Float64Array(n * 2 + 16);
      const lines = new Float64Array(n * 2 + 16);
      if (this.offsets) {
        offsets.set(this.offsets.subarray(0, Math.min(from, n)));
        lines.set(this.lines.subarray(0, Math.min(from, n)));
      }
      this.offsets = offsets;
      this.lines = lines;
    }
    let off = from === 0 ? 0 : this.offsets[from - 1] + this.chunks[from - 1].text.length;
    let ln = from === 0 ? 0 : this.lines[from - 1] + this.chunks[from - 1].breaks.length;
    for (let i = from; i < n; i++) {
      this.offsets[i] = off;
      this.lines[i] = ln;
      off += this.chunks[i].text.length;
      ln += this.chunks[i].breaks.length;
    }
    this.length = off;
    this.breakCount = ln;
  }
}

/** The length of a document's text (without building the text of an `EditableDocument`). */
export function documentLength(doc: TextDocument): number {
  return doc instanceof EditableDocument ? doc.textLength : doc.getText().length;
}

/** For `new TextDocuments(editableDocuments)`: the open documents as `EditableDocument`s. */
export const editableDocuments: TextDocumentsConfiguration<TextDocument> = {
  create: (uri, languageId, version, content) => EditableDocument.create(uri, languageId, version, content),
  update: (document, changes, version) => {
    if (!(document instanceof EditableDocument)) throw new Error('EditableDocument.update: not an EditableDocument');
    return EditableDocument.update(document, changes, version);
  },
};
