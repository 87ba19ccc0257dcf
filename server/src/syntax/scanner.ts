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

/**
 * The scanner proper, pulled one token at a time by the parser (so that the parser need not
 * keep an array of every token alive while it builds the tree).
 */
export function createScanner(text: string, onError: ScanErrorCallback): Scanner {
  const n = text.length;
  let pos = 0;
  let out: ScanToken | undefined;
  const push = (kind: TokenKind, start: number, end: number, extra?: Partial<Token>, fixedText?: string): ScanToken => {
    // Every token has the same fields in the same order (one hidden class: the parser's
    // property reads stay monomorphic).
    const t: ScanToken = { kind, start, end, text: fixedText ?? text.slice(start, end), value: extra?.value, unit: extra?.unit };
    out = t;
    return t;
  };

  const eof: ScanToken = { kind: 'eof', start: n, end: n, text: '', value: undefined, unit: undefined };

  function next(): ScanToken {
    while (pos < n) {
      const c = text.charCodeAt(pos);
      const start = pos;
      if (c === CH_SPACE || c === CH_TAB || c === 0xfeff /* BOM */ || c === 12 /* form feed */ || c === 11) {
        pos++;
        continue;
      }
      if (c === CH_LF || c === CH_CR) {
        pos += c === CH_CR && text.charCodeAt(pos + 1) === CH_LF ? 2 : 1;
        push('newline', start, pos);
        return out!;
      }
      if (c === CH_HASH) {
        while (pos < n) {
          const d = text.charCodeAt(pos);
          if (d === CH_LF || d === CH_CR) break;
          pos++;
        }
        push('comment', start, pos);
        return out!;
      }
      if (isIdentStart(c)) {
        pos++;
        while (pos < n && isIdentPart(text.charCodeAt(pos))) pos++;
        // An identifier never ends with '-': `a-` is the word `a` and a dash.
        while (text.charCodeAt(pos - 1) === CH_DASH) pos--;
        push('ident', start, pos);
        return out!;
      }
      if (isDigit(c) || (c === CH_DOT && isDigit(text.charCodeAt(pos + 1)))) {
        pos = scanNumber(text, pos, push);
        return out!;
      }
      if (c === CH_QUOTE) {
        pos = scanString(text, pos, push, onError);
        return out!;
      }
      pos++;
      switch (c) {
        case CH_LBRACE:
          push('lbrace', start, pos, undefined, '{');
          break;
        case CH_RBRACE:
          push('rbrace', start, pos, undefined, '}');
          break;
        case CH_COMMA:
          push('comma', start, pos, undefined, ',');
          break;
        case CH_SEMI:
          push('semi', start, pos, undefined, ';');
          break;
        case CH_CARET:
          push('caret', start, pos, undefined, '^');
          break;
        case CH_DASH:
          push('dash', start, pos, undefined, '-');
          break;
        case CH_DOT:
          if (text.charCodeAt(pos) === CH_DOT) {
            pos++;
            push('dotdot', start, pos, undefined, '..');
          } else {
            push('error', start, pos);
            onError(SyntaxCodes.unexpectedChar, `Unexpected character '.'; ranges are written \`lo..hi\` and decimals \`2.5ms\`.`, start, pos);
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
          push('error', start, pos);
          const what = ch.length === 1 || (ch.length === 2 && ch.codePointAt(0)! > 0xffff) ? `character ${describeChar(ch)}` : `characters '${ch}'`;
          onError(SyntaxCodes.unexpectedChar, `Unexpected ${what}; the language uses words, numbers, "strings", { } , ; - ^ .. and # comments.`, start, pos);
        }
      }
      return out!;
    }
    return eof;
  }
  return { next };
}

type Push = (kind: TokenKind, start: number, end: number, extra?: Partial<Token>) => ScanToken;

/**
 * `digits ['.' digits] [('e'|'E') ['+'|'-'] digits] [unit]` where unit is letters/`%` optionally
 * followed by `/letters` (`20k/s`), or `/letters` alone (`500/s`). `1..3` stays a number, `..`
 * and a number because a '.' only starts a fraction when a digit follows.
 */
function scanNumber(text: string, pos: number, push: Push): number {
  const start = pos;
  const n = text.length;
  while (pos < n && isDigit(text.charCodeAt(pos))) pos++;
  if (text.charCodeAt(pos) === CH_DOT && isDigit(text.charCodeAt(pos + 1))) {
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
  const value = Number(text.slice(start, numEnd));
  push('number', start, pos, { value, unit: text.slice(numEnd, pos) });
  return pos;
}

/** `"..."` on one line with `\"` and `\\` escapes (other escapes are kept as written). */
function scanString(text: string, pos: number, push: Push, onError: ScanErrorCallback): number {
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
      push('string', start, pos, { value });
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
  push('string', start, pos, { value });
  onError(SyntaxCodes.unterminatedString, 'Unterminated string: add the closing \'"\' (strings end on the line they start).', start, pos);
  return pos;
}
