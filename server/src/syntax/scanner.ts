/**
 * The scanner: text -> tokens, in one linear pass, never throwing.
 *
 * It is a plain function rather than a pull-based object because the parser needs one token of
 * look-ahead at most and the whole token array is wanted anyway (semantic tokens, formatting).
 * Problems (a stray character, an unterminated string) are reported through the `onError`
 * callback and the offending text still becomes a token, so the parser always sees every byte.
 *
 * Invariant: imports nothing outside `syntax/` and `core/`.
 */
import type { Token, TokenKind } from './tree';
import { Interner } from './intern';
import { SyntaxCodes } from './syntaxCodes';

/**
 * The scanner's tokens are plain `Token`s: layout facts the parser needs for recovery (is a
 * token first on its line, its column, is it glued to the previous one) are derived from
 * neighbouring tokens on demand rather than stored, to keep tokens small (a 10k-line file has
 * ~70k of them, allocated on every keystroke).
 */
export type ScanToken = Token;

export type ScanErrorCallback = (code: string, message: string, start: number, end: number) => void;

const CH_TAB = 9;
const CH_LF = 10;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_QUOTE = 34;
const CH_HASH = 35;
const CH_PERCENT = 37;
const CH_COMMA = 44;
const CH_DASH = 45;
const CH_DOT = 46;
const CH_SLASH = 47;
const CH_0 = 48;
const CH_9 = 57;
const CH_SEMI = 59;
const CH_BACKSLASH = 92;
const CH_CARET = 94;
const CH_UNDERSCORE = 95;
const CH_LBRACE = 123;
const CH_RBRACE = 125;

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}
function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
function isIdentStart(c: number): boolean {
  return isLetter(c) || c === CH_UNDERSCORE;
}
function isIdentPart(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === CH_UNDERSCORE || c === CH_DASH;
}
/** Characters a unit suffix is made of: letters, `%`, and `µ` (so `10µs` is one token). */
function isUnitChar(c: number): boolean {
  return isLetter(c) || c === CH_PERCENT || c === 0xb5 || c === 0x3bc;
}

/** A character that starts no token (so it belongs to a run of stray characters). */
function isStray(c: number): boolean {
  if (c === CH_SPACE || c === CH_TAB || c === CH_LF || c === CH_CR || c === 0xfeff || c === 11 || c === 12) return false;
  if (isIdentStart(c) || isDigit(c)) return false;
  switch (c) {
    case CH_HASH:
    case CH_QUOTE:
    case CH_LBRACE:
    case CH_RBRACE:
    case CH_COMMA:
    case CH_SEMI:
    case CH_CARET:
    case CH_DASH:
    case CH_DOT:
      return false;
  }
  return true;
}

/** Human-readable name of a character for messages. */
export function describeChar(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c < 32 || c === 127) return `control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${ch}'`;
}

/**
 * What the scanner writes for each token: the parser keeps a few of these (its look-ahead) and
 * reuses them, so scanning a file allocates no object per token; the source text of a token is
 * `text.slice(start, end)`, taken only where it is needed (names keep theirs).
 */
export interface RawToken {
  kind: TokenKind;
  start: number;
  end: number;
  /** Numbers: the numeric part; strings: the unescaped content. */
  value: number | string | undefined;
  /** Numbers: the attached unit suffix as written, `''` if none (interned). */
  unit: string | undefined;
}

export function newRawToken(): RawToken {
  return { kind: 'eof', start: 0, end: 0, value: undefined, unit: undefined };
}

/** Text of the punctuation tokens, which never needs a slice. */
const FIXED_TEXT: Partial<Record<TokenKind, string>> = { lbrace: '{', rbrace: '}', comma: ',', semi: ';', caret: '^', dash: '-', dotdot: '..', eof: '' };

/** A pull scanner: each `next()` returns the next token, comments and newlines included. */
export interface Scanner {
  /** The next token; after the end, an `eof` token (empty range at the end) every time. */
  next(): Token;
}

/**
 * Scans the whole text. The result always ends with one `eof` token whose range is empty at the
 * end of the text. Newline tokens cover `\n`, `\r\n` or a lone `\r`.
 */
export function scan(text: string, onError: ScanErrorCallback): ScanToken[] {
  const s = createScanner(text, onError);
  const tokens: ScanToken[] = [];
  for (;;) {
    const t = s.next();
    tokens.push(t);
    if (t.kind === 'eof') return tokens;
  }
}

/** A scanner that returns a new `Token` (with its `text`) for every token. */
export function createScanner(text: string, onError: ScanErrorCallback): Scanner {
  const core = new ScannerCore(text, onError);
  const raw = newRawToken();
  const eof: ScanToken = { kind: 'eof', start: text.length, end: text.length, text: '', value: undefined, unit: undefined };
  return {
    next(): ScanToken {
      core.scanInto(raw);
      if (raw.kind === 'eof') return eof;
      // Every token has the same fields in the same order (one hidden class).
      return { kind: raw.kind, start: raw.start, end: raw.end, text: FIXED_TEXT[raw.kind] ?? text.slice(raw.start, raw.end), value: raw.value, unit: raw.unit };
    },
  };
}

/**
 * The scanner proper: scans one token at a time into a `RawToken`, in one linear pass over the
 * text, never throwing. Problems are reported through `onError` and the offending text still
 * becomes a token.
 */
export class ScannerCore {
  private pos = 0;
  /** Unit suffixes seen, so that every `us` of a file is one string. */
  private readonly units = new Interner();

  constructor(
    private readonly text: string,
    private readonly onError: ScanErrorCallback,
  ) {}

  private set(t: RawToken, kind: TokenKind, start: number, end: number): void {
    t.kind = kind;
    t.start = start;
    t.end = end;
    t.value = undefined;
    t.unit = undefined;
  }

  scanInto(t: RawToken): void {
    const text = this.text;
    const n = text.length;
    let pos = this.pos;
    while (pos < n) {
      const c = text.charCodeAt(pos);
      const start = pos;
      if (c === CH_SPACE || c === CH_TAB || c === 0xfeff /* BOM */ || c === 12 /* form feed */ || c === 11) {
        pos++;
        continue;
      }
      if (c === CH_LF || c === CH_CR) {
        pos += c === CH_CR && text.charCodeAt(pos + 1) === CH_LF ? 2 : 1;
        this.set(t, 'newline', start, pos);
        this.pos = pos;
        return;
      }
      if (c === CH_HASH) {
        while (pos < n) {
          const d = text.charCodeAt(pos);
          if (d === CH_LF || d === CH_CR) break;
          pos++;
        }
        this.set(t, 'comment', start, pos);
        this.pos = pos;
        return;
      }
      if (isIdentStart(c)) {
        pos++;
        while (pos < n && isIdentPart(text.charCodeAt(pos))) pos++;
        // An identifier never ends with '-': `a-` is the word `a` and a dash.
        while (text.charCodeAt(pos - 1) === CH_DASH) pos--;
        this.set(t, 'ident', start, pos);
        this.pos = pos;
        return;
      }
      if (isDigit(c) || (c === CH_DOT && isDigit(text.charCodeAt(pos + 1)))) {
        this.pos = this.scanNumber(pos, t);
        return;
      }
      if (c === CH_QUOTE) {
        this.pos = this.scanString(pos, t);
        return;
      }
      pos++;
      switch (c) {
        case CH_LBRACE:
          this.set(t, 'lbrace', start, pos);
          break;
        case CH_RBRACE:
          this.set(t, 'rbrace', start, pos);
          break;
        case CH_COMMA:
          this.set(t, 'comma', start, pos);
          break;
        case CH_SEMI:
          this.set(t, 'semi', start, pos);
          break;
        case CH_CARET:
          this.set(t, 'caret', start, pos);
          break;
        case CH_DASH:
          this.set(t, 'dash', start, pos);
          break;
        case CH_DOT:
          if (text.charCodeAt(pos) === CH_DOT) {
            pos++;
            this.set(t, 'dotdot', start, pos);
          } else {
            this.set(t, 'error', start, pos);
            this.onError(SyntaxCodes.unexpectedChar, `Unexpected character '.'; ranges are written \`lo..hi\` and decimals \`2.5ms\`.`, start, pos);
          }
          break;
        default: {
          // A run of characters the language does not use is one token and one error, so that
          // pasted garbage does not produce an error per character.
          pos = start;
          while (pos < n && isStray(text.charCodeAt(pos))) {
            const d = text.charCodeAt(pos);
            pos++;
            // Keep a surrogate pair together so ranges never split a character.
            if (d >= 0xd800 && d <= 0xdbff && pos < n) {
              const e = text.charCodeAt(pos);
              if (e >= 0xdc00 && e <= 0xdfff) pos++;
            }
          }
          if (pos === start) pos = start + 1;
          const ch = text.slice(start, pos);
          this.set(t, 'error', start, pos);
          // A run of 100,000 NUL bytes is not repeated whole: its start and its length.
          let head = ch.length > 80 ? ch.slice(0, 60) : ch;
          if (head !== ch && head.charCodeAt(59) >= 0xd800 && head.charCodeAt(59) <= 0xdbff) head = head.slice(0, 59);
          const quoted = head === ch ? `'${ch}'` : `'${head}...' (${ch.length.toLocaleString('en-US')} characters)`;
          const what = ch.length === 1 || (ch.length === 2 && ch.codePointAt(0)! > 0xffff) ? `character ${describeChar(ch)}` : `characters ${quoted}`;
          this.onError(SyntaxCodes.unexpectedChar, `Unexpected ${what}; the language uses words, numbers, "strings", { } , ; - ^ .. and # comments.`, start, pos);
        }
      }
      this.pos = pos;
      return;
    }
    this.pos = pos;
    this.set(t, 'eof', n, n);
  }

  /**
   * `digits ['.' digits] [('e'|'E') ['+'|'-'] digits] [unit]` where unit is letters/`%` optionally
   * followed by `/letters` (`20k/s`), or `/letters` alone (`500/s`). `1..3` stays a number, `..`
   * and a number because a '.' only starts a fraction when a digit follows.
   */
  private scanNumber(pos: number, t: RawToken): number {
    const text = this.text;
    const start = pos;
    const n = text.length;
    // The value of a plain integer is summed up as it is scanned (exact below 2^53); anything
    // else goes through `Number` like the text it is.
    let int = 0;
    while (pos < n && isDigit(text.charCodeAt(pos))) {
      int = int * 10 + (text.charCodeAt(pos) - CH_0);
      pos++;
    }
    let plain = pos - start <= 15;
    if (text.charCodeAt(pos) === CH_DOT && isDigit(text.charCodeAt(pos + 1))) {
      plain = false;
      pos++;
      while (pos < n && isDigit(text.charCodeAt(pos))) pos++;
    }
    // An exponent only when digits follow, so that a unit starting with `e` still scans as a unit.
    const e = text.charCodeAt(pos);
    if (e === 101 || e === 69) {
      let p = pos + 1;
      const sign = text.charCodeAt(p);
      if (sign === 43 || sign === CH_DASH) p++;
      if (isDigit(text.charCodeAt(p))) {
        plain = false;
        pos = p;
        while (pos < n && isDigit(text.charCodeAt(pos))) pos++;
      }
    }
    const numEnd = pos;
    while (pos < n && isUnitChar(text.charCodeAt(pos))) pos++;
    if (text.charCodeAt(pos) === CH_SLASH && isLetter(text.charCodeAt(pos + 1))) {
      pos++;
      while (pos < n && isLetter(text.charCodeAt(pos))) pos++;
    }
    this.set(t, 'number', start, pos);
    t.value = plain ? int : Number(text.slice(start, numEnd));
    t.unit = pos === numEnd ? '' : this.units.get(text, numEnd, pos);
    return pos;
  }

  /** `"..."` on one line with `\"` and `\\` escapes (other escapes are kept as written). */
  private scanString(pos: number, t: RawToken): number {
    const text = this.text;
    const start = pos;
    const n = text.length;
    pos++;
    let value = '';
    let chunk = pos;
    while (pos < n) {
      const c = text.charCodeAt(pos);
      if (c === CH_QUOTE) {
        value += text.slice(chunk, pos);
        pos++;
        this.set(t, 'string', start, pos);
        t.value = value;
        return pos;
      }
      if (c === CH_LF || c === CH_CR) break;
      if (c === CH_BACKSLASH) {
        const d = text.charCodeAt(pos + 1);
        if (d === CH_QUOTE || d === CH_BACKSLASH) {
          value += text.slice(chunk, pos) + text[pos + 1];
          pos += 2;
          chunk = pos;
          continue;
        }
      }
      pos++;
    }
    value += text.slice(chunk, pos);
    this.set(t, 'string', start, pos);
    t.value = value;
    this.onError(SyntaxCodes.unterminatedString, 'Unterminated string: add the closing \'"\' (strings end on the line they start).', start, pos);
    return pos;
  }
}
