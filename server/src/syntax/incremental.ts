/**
 * Incremental parsing at the granularity of top-level statements: after an edit, only the
 * top-level blocks the edit touches are parsed again; the others are kept and their offsets (and
 * statement ids) shifted. The result is exactly what `parse(text)` gives (same tree, errors,
 * comments and tokens), which `test/syntax/incremental.test.ts` checks on random edit sequences.
 *
 * When is splicing exact? The parser's state at the start of a line that begins a top-level
 * statement is always the same (no open block, nothing pending), so the text before that line
 * parses the same whatever follows, as long as the brace-recovery heuristics cannot fire (they
 * depend on the brace balance of the whole file: they never fire in a file whose braces balance)
 * and nothing crosses the region's borders: the reparsed region must close every block it opens,
 * must not start with a `{` (it would attach to the statement above), and the statement after it
 * must start with a keyword. Anything else (an unbalanced file, a block left open, an edit near
 * a `;`-joined line, the error cap, the statement bound) falls back to a full parse: slower, never different.
 *
 * `ParseState` is a value passed in and returned (the language server keeps one per document);
 * there is no module-level state. The previous state is consumed: the statements and tokens after
 * the edit are shifted in place, so a tree from an older state must not be used afterwards.
 *
 * Invariant: imports nothing outside `syntax/` and `core/`.
 */
import type { Arg, ParseResult, SourceFile, Statement, SyntaxError, Token } from './tree';
import { braceBalance, parse } from './parser';
import { MAX_PARSED_STATEMENTS, MAX_SYNTAX_ERRORS, SyntaxCodes } from './syntaxCodes';
import { scan } from './scanner';
import { lastStartingAt } from './walk';
import { lineStartsOf } from '../core/text';

export interface ParseState {
  readonly text: string;
  readonly result: ParseResult;
  /** `{` minus `}` of the text (not above 0: the recovery heuristics cannot have fired). */
  readonly braces: number;
  /** The token arrays, when something asked for them (spliced too, instead of scanned again). */
  readonly builtTokens: () => Token[] | undefined;
  readonly builtSignificant: () => Token[] | undefined;
  /** The line starts, when something asked for them (spliced too, instead of scanned again). */
  readonly builtLineStarts: () => number[] | undefined;
  /** How this state was made (for the log and the tests). */
  readonly how: 'full' | 'spliced' | 'same';
  /**
   * The previous state's top-level statements that a splice replaced (parsed again): nothing uses
   * them any more. What keeps data per top-level statement in a WeakMap (model/reuse.ts) drops
   * their entries (`forgetReplaced`) and empties this list: a young generation's collection
   * keeps the value of every WeakMap entry whose key is young, dead or not, so each block parsed
   * for one keystroke and replaced at the next had its caches and its tree copied by the next
   * scavenge (BENCHMARKS.md, "Name completion after an edit").
   */
  readonly replaced: Statement[];
}

/** A from-scratch parse, as a state later edits can build on. */
export function parseState(text: string): ParseState {
  return wrap(text, parse(text), braceBalance(text), 'full', undefined, []);
}

/** The parse of `text`, reusing `prev` (the parse of an earlier text of the same document) where it can. */
export function reparse(prev: ParseState | undefined, text: string): ParseState {
  if (!prev) return parseState(text);
  if (prev.text === text) return { ...prev, how: 'same', replaced: [] };
  return splice(prev, text) ?? parseState(text);
}

/** Not comments, line breaks or the end of the file. */
export function isSignificant(t: Token): boolean {
  return t.kind !== 'comment' && t.kind !== 'newline' && t.kind !== 'eof';
}

/** How a state's token arrays and line starts are made when first asked for. */
interface Make {
  tokens?: () => Token[];
  significant?: () => Token[];
  lineStarts?: () => number[];
}

/**
 * A parse result with its two token arrays made on demand: `tokens` (all) and `significant`
 * (what the grammar sees). A class, not an object literal with getters: V8 gives every object
 * literal whose getters are new closures a map of its own, the inline caches of the code that
 * reads `tokens` or `significant` keep the last such map, and a scavenge treats those
 * references as strong: a version's text and tree then survived the young generation although
 * nothing used them (BENCHMARKS.md, "What survives the scavenges").
 */
class LazyParseResult implements ParseResult {
  readonly file: SourceFile;
  readonly errors: SyntaxError[];
  all: Token[] | undefined;
  sig: Token[] | undefined;
  lines: number[] | undefined;
  private readonly text: string;
  private readonly inner: ParseResult;
  private readonly make: Make | undefined;
  constructor(text: string, inner: ParseResult, make: Make | undefined) {
    this.file = inner.file;
    this.errors = inner.errors;
    this.all = undefined;
    this.sig = undefined;
    this.lines = undefined;
    this.text = text;
    this.inner = inner;
    this.make = make;
  }
  get tokens(): Token[] {
    return (this.all ??= this.make?.tokens ? this.make.tokens() : this.inner.tokens);
  }
  get significant(): Token[] {
    return (this.sig ??= this.make?.significant ? this.make.significant() : this.tokens.filter(isSignificant));
  }
  lineStarts(): number[] {
    return (this.lines ??= this.make?.lineStarts ? this.make.lineStarts() : lineStartsOf(this.text));
  }
}

/**
 * The state of `text` around its parse. `make` gives the token arrays and line starts from the
 * previous state when it had them built (at most one of the two token arrays is spliced from its
 * predecessor, so no token object is shifted twice).
 */
function wrap(text: string, inner: ParseResult, braces: number, how: ParseState['how'], make: Make | undefined, replaced: Statement[]): ParseState {
  const result = new LazyParseResult(text, inner, make);
  return { text, result, braces, builtTokens: () => result.all, builtSignificant: () => result.sig, builtLineStarts: () => result.lines, how, replaced };
}

const NL = 10;

function lineStart(text: string, offset: number): number {
  let p = offset;
  while (p > 0) {
    const c = text.charCodeAt(p - 1);
    if (c === NL || c === 13) break;
    p--;
  }
  return p;
}

/** Only spaces and tabs in text[from, to). */
function blank(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/** Statement `s` starts a line (only blanks before it) that ends with `\n` before it; its line start, or -1. */
function cleanStart(text: string, s: Statement): number {
  const ls = lineStart(text, s.start);
  if (!blank(text, ls, s.start)) return -1;
  if (ls > 0 && text.charCodeAt(ls - 1) !== NL) return -1; // a lone `\r` line end: keep it simple
  return ls;
}

/**
 * `s` as a string of its own. V8 represents a slice of 13 or more characters as a view of its
 * parent string (a `SlicedString`), which keeps the whole parent alive; concatenating first and
 * slicing that makes the slice's parent a new flat string the size of `s` (observed on Node 20,
 * test/bench/editHeap.bench.ts: without it, 600 edits of a 5,000-line file left the heap 11.6 MB
 * larger; with it, 0.7 MB).
 */
function detached(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

function splice(prev: ParseState, text: string): ParseState | undefined {
  if (prev.braces > 0) return undefined;
  const old = prev.text;
  const oldFile = prev.result.file;
  const top = oldFile.statements;
  if (top.length === 0) return undefined;
  // The changed span: old[p, oldEnd) became text[p, newEnd). Compared a chunk at a time (native
  // string equality), then character by character inside the chunk that differs.
  const minLen = Math.min(old.length, text.length);
  const CHUNK = 2048;
  let p = 0;
  while (p + CHUNK <= minLen && old.slice(p, p + CHUNK) === text.slice(p, p + CHUNK)) p += CHUNK;
  while (p < minLen && old.charCodeAt(p) === text.charCodeAt(p)) p++;
  let s = 0;
  const maxS = minLen - p;
  while (s + CHUNK <= maxS && old.slice(old.length - s - CHUNK, old.length - s) === text.slice(text.length - s - CHUNK, text.length - s)) s += CHUNK;
  while (s < maxS && old.charCodeAt(old.length - 1 - s) === text.charCodeAt(text.length - 1 - s)) s++;
  const oldEnd = old.length - s;
  const delta = text.length - old.length;

  // First reparsed statement: the last one starting before the change (so that an edit at its
  // end or right after it is seen with it), on a line of its own.
  let i = lastStartingAt(top, p); // last with start < p
  let S = 0;
  for (; i >= 0; i--) {
    const ls = cleanStart(old, top[i]);
    if (ls >= 0) {
      S = ls;
      break;
    }
  }
  if (i < 0) {
    i = 0;
    S = 0;
  }
  // First kept statement after the change: starts a clean line entirely after the change.
  let j = lastStartingAt(top, oldEnd) + 1; // first starting after oldEnd
  let E = old.length;
  for (; j < top.length; j++) {
    if (top[j].keyword.missing) continue;
    const ls = cleanStart(old, top[j]);
    if (ls >= 0 && ls > oldEnd && ls > S) {
      E = ls;
      break;
    }
  }
  // The blocks cut at `E` in the old text must be the same in the new one (it is unchanged from E on).
  const newE = E + delta;
  if (newE < S) return undefined;
  // The new balance from the old one and the two versions of the region (S and E are line
  // starts, so the counts add up): the whole text is not counted again.
  // A copy, not a view: the names and strings the slice's parse keeps are slices of it, and a
  // view would keep this version's whole text alive for as long as the block's nodes live (one
  // text per edited block over an editing session).
  const slice = detached(text.slice(S, newE));
  const sliceBraces = braceBalance(slice);
  const braces = prev.braces - braceBalance(old, S, E) + sliceBraces;
  // A slice with more `{` than `}` leaves a block open (and its own parse could close blocks by
  // the heuristics, which the whole file's parse never uses when its braces balance).
  if (braces > 0 || sliceBraces > 0) return undefined;

  const part = parse(slice);
  const sliceTop = part.file.statements;
  if (sliceTop.length > 0 && sliceTop[0].keyword.missing) return undefined;
  for (const e of part.errors) if (e.code === SyntaxCodes.tooDeep || e.code === SyntaxCodes.unclosedBrace || e.code === SyntaxCodes.tooManyErrors || e.code === SyntaxCodes.tooLong) return undefined;
  if (sliceTop.length > 0 && sliceTop[sliceTop.length - 1].body?.missing) return undefined;

  // Errors: before S, the slice's, from E on (shifted). None may reach across the borders.
  const prefixErrors: SyntaxError[] = [];
  const suffixErrors: SyntaxError[] = [];
  for (const e of prev.result.errors) {
    if (e.code === SyntaxCodes.tooManyErrors || e.code === SyntaxCodes.tooLong) return undefined;
    if (e.range.end <= S && e.range.start < S) {
      if (e.related?.some((r) => r.range.end > S)) return undefined;
      prefixErrors.push(e);
    } else if (e.range.start >= E) {
      if (e.related?.some((r) => r.range.start < E)) return undefined;
      suffixErrors.push(e);
    } else if (e.range.start >= S && e.range.end <= E) {
      // In the reparsed region: replaced.
    } else return undefined;
  }
  if (prefixErrors.length + part.errors.length + suffixErrors.length >= MAX_SYNTAX_ERRORS) return undefined;
  // An error at the slice's end would be at the first token of what follows in the whole file.
  for (const e of part.errors) if (e.range.end > slice.length || (newE < text.length && e.range.start >= slice.length)) return undefined;

  // Statement ids are in pre-order: the region's old ids are [firstId, endId).
  const firstId = i < top.length ? top[i].id : oldFile.statementCount;
  const endId = j < top.length ? top[j].id : oldFile.statementCount;
  const idShift = part.file.statementCount - (endId - firstId);
  // A document past the parser's statement bound is cut where a full parse would cut it.
  if (oldFile.statementCount + idShift > MAX_PARSED_STATEMENTS) return undefined;

  // From here on, the old tree is reused (and changed in place).
  for (const st of sliceTop) shiftStatement(st, S, firstId);
  for (const e of part.errors) shiftError(e, S);
  for (let k = j; k < top.length; k++) shiftStatement(top[k], delta, idShift);
  for (const e of suffixErrors) shiftError(e, delta);

  const statements = top.slice(0, i).concat(sliceTop, top.slice(j));
  const replaced = top.slice(i, j);
  const comments: Token[] = [];
  for (const c of oldFile.comments) {
    if (c.end <= S) comments.push(c);
    else break;
  }
  for (const c of part.file.comments) {
    c.start += S;
    c.end += S;
    comments.push(c);
  }
  for (const c of oldFile.comments) {
    if (c.start >= E) {
      c.start += delta;
      c.end += delta;
      comments.push(c);
    }
  }
  const file: SourceFile = { type: 'file', start: 0, end: text.length, statements, comments, statementCount: oldFile.statementCount + idShift };
  const errors = prefixErrors.concat(part.errors, suffixErrors);

  // Token arrays: the significant ones spliced when they were built (what the editor's requests
  // use), else all of them when built, else scanned on demand.
  const oldSig = prev.builtSignificant();
  const oldAll = oldSig ? undefined : prev.builtTokens();
  const make = oldSig
    ? { significant: () => spliceTokens(oldSig, S, E, delta, slice, true) }
    : oldAll
      ? { tokens: () => spliceTokens(oldAll, S, E, delta, slice, false) }
      : { tokens: () => scan(text, () => {}) };
  if (oldSig) make.tokens = () => scan(text, () => {});
  const oldLines = prev.builtLineStarts();
  return wrap(text, { file, errors, tokens: [] }, braces, 'spliced', oldLines ? { ...make, lineStarts: () => spliceLines(oldLines, S, E, delta, slice) } : make, replaced);
}

/**
 * The line starts of the new text from `old`, those of the old one: the ones up to `S` kept, those
 * of the slice (its text is the new `[S, E + delta)`), the ones after `E` shifted by `delta`. `S`
 * and `E` are line starts of the old text, and the slice ends with the line break before `E`
 * (unchanged text) unless `E` is the old text's end, so the slice gives `E + delta` itself. A new
 * array: the previous version's may still be in use.
 */
function spliceLines(old: readonly number[], S: number, E: number, delta: number, slice: string): number[] {
  const k = firstAbove(old, S);
  const j = firstAbove(old, E);
  const mid = lineStartsOf(slice, 0, slice.length, S, []);
  const out: number[] = new Array(k + mid.length + (old.length - j));
  let n = 0;
  for (let x = 0; x < k; x++) out[n++] = old[x];
  for (let x = 0; x < mid.length; x++) out[n++] = mid[x];
  for (let x = j; x < old.length; x++) out[n++] = old[x] + delta;
  return out;
}

/** Index of the first entry above `v` in an ascending list. */
function firstAbove(list: readonly number[], v: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `old` with the tokens of [S, E) replaced by the slice's (scanned, shifted by S) and the ones
 * after shifted by `delta` (in place). `significantOnly`: `old` holds only significant tokens.
 */
function spliceTokens(old: Token[], S: number, E: number, delta: number, slice: string, significantOnly: boolean): Token[] {
  // Tokens never cross a line start: the ones before S end by S, the kept ones start at or after E.
  const k = firstStartingAt(old, S);
  const j = firstStartingAt(old, E);
  const mid: Token[] = [];
  for (const t of scan(slice, () => {})) {
    if (t.kind === 'eof') break;
    if (significantOnly && !isSignificant(t)) continue;
    t.start += S;
    t.end += S;
    mid.push(t);
  }
  // Copied natively, then the kept tail shifted in place.
  const out = old.slice(0, k).concat(mid, old.slice(j));
  for (let x = k + mid.length; x < out.length; x++) {
    const t = out[x];
    t.start += delta;
    t.end += delta;
  }
  return out;
}

/** Index of the first token starting at or after `offset` (the eof token counts). */
function firstStartingAt(tokens: readonly Token[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid].start < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function shiftError(e: SyntaxError, d: number): void {
  e.range.start += d;
  e.range.end += d;
  if (e.related) for (const r of e.related) {
    r.range.start += d;
    r.range.end += d;
  }
}

function shiftStatement(st: Statement, d: number, idShift: number): void {
  st.start += d;
  st.end += d;
  if (st.id >= 0) st.id += idShift;
  st.keyword.start += d;
  st.keyword.end += d;
  for (const a of st.args) shiftArg(a, d);
  const b = st.body;
  if (b) {
    b.start += d;
    b.end += d;
    for (const c of b.statements) shiftStatement(c, d, idShift);
  }
}

function shiftArg(a: Arg, d: number): void {
  a.start += d;
  a.end += d;
  switch (a.type) {
    case 'range':
    case 'span':
      a.lo.start += d;
      a.lo.end += d;
      a.hi.start += d;
      a.hi.end += d;
      break;
    case 'not':
      shiftArg(a.operand, d);
      break;
    case 'list':
      for (const x of a.items) shiftArg(x, d);
      break;
    default:
  }
}
