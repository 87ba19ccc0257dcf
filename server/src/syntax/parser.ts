/**
 * The parser: tokens -> a complete tree plus a list of errors. It never throws and never fails:
 * whatever the text, `parse` returns a `SourceFile` in which every node has offsets, and nodes the
 * text lacks are present with `missing: true` and an empty range.
 *
 * Recovery, in the order the parser tries it:
 * - Inside a statement, a token that cannot be an argument is reported once and skipped; the
 *   rest of the line still parses (one typo, one error).
 * - A statement that starts with something other than a word gets a missing keyword and keeps
 *   its arguments and body, so brace nesting stays intact.
 * - A `{` alone on the next line is attached to the statement above it (error VPS007).
 * - Missing `}`: when the file has more `{` than `}` (a "budget" of missing braces), two
 *   heuristics close blocks early, and each closing is reported once at the unclosed `{`:
 *   (1) a top-level-only keyword (`host`, `vm`, `variant`, `scenario`) at column 0 closes the
 *   open blocks; (2) a `}` that starts a line and is indented like an outer block's statement
 *   closes the inner blocks first. Neither heuristic fires in a file whose braces balance, so a
 *   balanced file never gets a brace error it does not deserve.
 * - A stray `}` at the top level is one error and is skipped.
 *
 * The parser knows no keyword except the four top-level ones the first heuristic needs; which
 * statements exist where is data in `model/schema.ts`.
 *
 * Invariant: imports nothing outside `syntax/` and `core/`.
 */
import type { TextRange } from '../core/text';
import type { Arg, Body, IdentArg, NumberArg, ParseResult, SourceFile, Statement, SyntaxError, Token } from './tree';
import { createScanner, scan, type Scanner, type ScanToken } from './scanner';
import { SyntaxCodes } from './syntaxCodes';

/** Keywords that only appear at the top level (or directly in a `variant`). */
/** Deepest block nesting the parser builds (the language itself needs about 6). */
export const MAX_DEPTH = 100;

export const TOP_LEVEL_KEYWORDS: ReadonlySet<string> = new Set(['host', 'vm', 'variant', 'scenario']);

interface OpenBlock {
  /** The `{` token. */
  open: ScanToken;
  /** The statement the body belongs to (its keyword may be missing). */
  keyword: IdentArg;
  /** Column of the first token of the line the statement starts on. */
  indent: number;
  /** Set by a heuristic: this block is closed without its `}`. */
  forceClosed: boolean;
  /** Column of the first statement in the body, when it starts its own line (indented style). */
  firstChildCol?: number;
}

/**
 * `{` minus `}` outside strings and comments: how many `}` the file lacks. Computed before
 * parsing so that the recovery heuristics know their budget.
 */
function countMissingBraces(text: string): number {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 123 /* { */) depth++;
    else if (c === 125 /* } */) depth--;
    else if (c === 35 /* # */ || c === 34 /* " */) {
      // Skip a comment to the end of the line, or a string to its closing quote on this line.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 10 || d === 13) break;
        if (c === 34) {
          if (d === 92 /* \ */) {
            const e = text.charCodeAt(i + 1);
            if (e === 34 || e === 92) i++;
          } else if (d === 34) break;
        }
      }
    }
  }
  return Math.max(0, depth);
}

export function parse(text: string): ParseResult {
  return new Parser(text).parseFile();
}

function describeToken(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'the end of the file';
    case 'newline':
      return 'the end of the line';
    case 'string':
      return `the string ${t.text.length > 24 ? t.text.slice(0, 21) + '..."' : t.text}`;
    case 'number':
      return `the number \`${t.text}\``;
    case 'ident':
      return `\`${t.text}\``;
    default:
      return `'${t.text}'`;
  }
}

class Parser {
  private readonly scanner: Scanner;
  /** Look-ahead: the next significant (non-comment) tokens, pulled from the scanner on demand. */
  private readonly buf: ScanToken[] = [];
  /** The last consumed token, if any. */
  private prev: ScanToken | undefined;
  /** End of the last consumed token that is not a line break or `;` (where a missing `}` goes). */
  private lastNonBreakEnd = 0;
  private readonly comments: Token[] = [];
  private readonly errors: SyntaxError[] = [];
  private readonly errorStarts = new Set<number>();
  private readonly stack: OpenBlock[] = [];
  /** Number of `{` minus number of `}`: how many blocks the heuristics may close early. */
  private braceBudget: number;
  /** Column of the first token of the line being parsed (the indentation of the statement). */
  private lineIndent = 0;

  constructor(private readonly text: string) {
    this.scanner = createScanner(text, (code, message, start, end) => this.error(code, message, start, end));
    this.braceBudget = countMissingBraces(text);
  }

  parseFile(): ParseResult {
    const statements = this.parseStatements();
    const file: SourceFile = { type: 'file', start: 0, end: this.text.length, statements, comments: this.comments };
    this.errors.sort((a, b) => a.range.start - b.range.start || a.range.end - b.range.end);
    const text = this.text;
    // The full token array is only built when asked for (semantic tokens, formatting): the
    // checker never needs it, and not keeping ~7 tokens per line alive during every analysis
    // saves a good share of its garbage collection.
    let tokens: Token[] | undefined;
    return {
      file,
      errors: this.errors,
      get tokens(): Token[] {
        return (tokens ??= scan(text, () => {}));
      },
    };
  }

  // ---- tokens -------------------------------------------------------------------------------

  private peek(k = 0): ScanToken {
    const buf = this.buf;
    while (buf.length <= k) {
      const last = buf[buf.length - 1];
      if (last?.kind === 'eof') return last;
      const t = this.scanner.next();
      if (t.kind === 'comment') this.comments.push(t);
      else buf.push(t);
    }
    return buf[k];
  }

  /** The current token starts its line (only whitespace or nothing before it). */
  private firstOnLine(): boolean {
    return this.prev === undefined || this.prev.kind === 'newline';
  }

  /** The token at `peek(k)` (k = 0 or 1) is glued to the one before it (no space, no comment). */
  private adjacent(k: number): boolean {
    const before = k === 0 ? this.prev : this.peek(k - 1);
    return before !== undefined && before.end === this.peek(k).start;
  }

  /** Column of an offset: UTF-16 units from the start of its line (a tab counts as one). */
  private colOf(offset: number): number {
    let p = offset;
    while (p > 0) {
      const c = this.text.charCodeAt(p - 1);
      if (c === 10 || c === 13) break;
      p--;
    }
    return offset - p;
  }

  private next(): ScanToken {
    const t = this.peek();
    if (t.kind !== 'eof') {
      this.buf.shift();
      this.prev = t;
      if (t.kind !== 'newline' && t.kind !== 'semi') this.lastNonBreakEnd = t.end;
    }
    return t;
  }

  /** End offset of the last consumed token (0 before any). */
  private lastEnd(): number {
    return this.prev ? this.prev.end : 0;
  }

  /**
   * Records an error unless one already starts at the same offset (the first is the most
   * precise; later ones are usually consequences). Ranges are clamped into the document.
   */
  private error(code: string, message: string, start: number, end: number, related?: SyntaxError['related']): boolean {
    const n = this.text.length;
    start = Math.max(0, Math.min(start, n));
    end = Math.max(start, Math.min(end, n));
    if (this.errorStarts.has(start)) return false;
    this.errorStarts.add(start);
    const e: SyntaxError = { code, message, range: { start, end } };
    if (related?.length) e.related = related.map((r) => ({ message: r.message, range: { start: Math.max(0, Math.min(r.range.start, n)), end: Math.max(0, Math.min(r.range.end, n)) } }));
    this.errors.push(e);
    return true;
  }

  // ---- statements ---------------------------------------------------------------------------

  /** Parses statements until EOF, a `}` that belongs to an open block, or a forced close. */
  private parseStatements(): Statement[] {
    const out: Statement[] = [];
    const depth = this.stack.length;
    // Separators seen since the last statement: a `{` after only line breaks belongs to it.
    let newlines = 0;
    let semis = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'newline' || t.kind === 'semi') {
        if (t.kind === 'newline') newlines++;
        else semis++;
        this.next();
        continue;
      }
      if (t.kind === 'eof') break;
      if (depth > 0 && this.stack[depth - 1].forceClosed) break;
      const first = this.firstOnLine();
      const col = first ? this.colOf(t.start) : -1;
      if (first) this.lineIndent = col;
      if (t.kind === 'rbrace') {
        if (depth === 0) {
          this.error(SyntaxCodes.strayBrace, "Unmatched '}': it closes no block. Remove it, or add the '{' it should close.", t.start, t.end);
          this.next();
          continue;
        }
        if (first) this.maybeCloseByIndent(t, col);
        break;
      }
      if (depth > 0 && t.kind === 'ident' && first && col === 0 && TOP_LEVEL_KEYWORDS.has(t.text)) {
        if (this.maybeCloseAtTopLevelKeyword(t)) break;
      }
      if (depth > 0) {
        const top = this.stack[depth - 1];
        if (top.firstChildCol === undefined && first) top.firstChildCol = col;
      }
      if (t.kind === 'lbrace') {
        const prev = out[out.length - 1];
        if (prev && !prev.body && newlines > 0 && semis === 0) {
          this.error(
            SyntaxCodes.braceOnNextLine,
            `The '{' must be on the same line as its statement \`${prev.keyword.name || '...'}\`; move it up to the end of that line.`,
            t.start,
            t.end,
            [{ range: { start: prev.start, end: prev.end }, message: 'the statement this block belongs to' }],
          );
          prev.body = this.parseBody(prev.keyword, /*reported*/ true);
          prev.end = prev.body.end;
          if (!prev.body.missing) this.expectEndOfStatement();
          newlines = 0;
          semis = 0;
          continue;
        }
      }
      out.push(this.parseStatement());
      newlines = 0;
      semis = 0;
    }
    return out;
  }

  private parseStatement(): Statement {
    const t = this.peek();
    let keyword: IdentArg;
    let reported = false;
    if (t.kind === 'ident') {
      this.next();
      keyword = { type: 'ident', name: t.text, start: t.start, end: t.end };
    } else {
      keyword = { type: 'ident', name: '', start: t.start, end: t.start, missing: true };
      const what = t.kind === 'lbrace' ? "a block needs a keyword before '{' (e.g. `vm NAME {`)" : `found ${describeToken(t)}`;
      reported = this.error(SyntaxCodes.expectedKeyword, `Expected a keyword at the start of the statement; ${what}.`, t.start, t.kind === 'lbrace' ? t.end : Math.max(t.end, t.start + 1));
      // A scanner error on the same token already explains it; do not add more on this line.
      if (!reported && this.errorStarts.has(t.start)) reported = true;
    }
    const args: Arg[] = [];
    for (;;) {
      const a = this.peek();
      if (a.kind === 'newline' || a.kind === 'semi' || a.kind === 'rbrace' || a.kind === 'lbrace' || a.kind === 'eof') break;
      const arg = this.tryParseArg();
      if (arg) {
        args.push(arg);
        continue;
      }
      // Not an argument: report once per statement and skip the token.
      const bad = this.next();
      if (!reported) {
        reported = true;
        this.error(SyntaxCodes.unexpectedToken, this.unexpectedArgMessage(bad), bad.start, bad.end);
      }
    }
    const stmt: Statement = { type: 'statement', keyword, args, start: t.start, end: Math.max(this.lastEnd(), t.start) };
    if (keyword.missing && args.length === 0 && this.lastEnd() <= t.start) stmt.end = t.start;
    if (this.peek().kind === 'lbrace' && this.stack.length >= MAX_DEPTH) {
      // The language nests a handful of levels; refuse absurd depths instead of recursing
      // without bound (the parser must never overflow the stack).
      const open = this.peek();
      this.error(SyntaxCodes.tooDeep, `Blocks nested more than ${MAX_DEPTH} levels deep; this block and everything in it are ignored.`, open.start, open.end);
      this.skipBalanced();
      stmt.end = Math.max(stmt.end, this.lastEnd());
      return stmt;
    }
    if (this.peek().kind === 'lbrace') {
      stmt.body = this.parseBody(keyword, reported);
      stmt.end = stmt.body.end;
      // After a block closed without its '}', what follows starts the next statement.
      if (!stmt.body.missing) this.expectEndOfStatement();
    }
    return stmt;
  }

  private unexpectedArgMessage(t: ScanToken): string {
    switch (t.kind) {
      case 'dash':
        return "Unexpected '-': a CPU span is written without spaces (`0-3`) and a negative number as `-5`.";
      case 'dotdot':
        return "Unexpected '..': a range is written `lo..hi` with a number on both sides (`10us..30us`).";
      case 'comma':
        return "Unexpected ',': a list is written `a,b,c` with an item before each comma.";
      case 'caret':
        return "Unexpected '^'.";
      default:
        return `Unexpected ${describeToken(t)}.`;
    }
  }

  /** After a block's `}`, only the end of the statement may follow on the same line. */
  private expectEndOfStatement(): void {
    const t = this.peek();
    if (t.kind === 'newline' || t.kind === 'semi' || t.kind === 'rbrace' || t.kind === 'eof') return;
    // Do not complain about what follows a block that the heuristics closed early.
    if (this.stack.length > 0 && this.stack[this.stack.length - 1].forceClosed) return;
    this.error(SyntaxCodes.expectedEndOfStatement, `Expected the end of the statement after '}', found ${describeToken(t)}; start a new line or add ';'.`, t.start, t.end);
  }

  // ---- blocks -------------------------------------------------------------------------------

  /** Skips a `{ ... }` group with everything nested in it (or up to the end of the file). */
  private skipBalanced(): void {
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') return;
      this.next();
      if (t.kind === 'lbrace') depth++;
      else if (t.kind === 'rbrace' && --depth === 0) return;
    }
  }

  private parseBody(keyword: IdentArg, reported: boolean): Body {
    const open = this.next(); // the '{'
    const block: OpenBlock = { open, keyword, indent: this.lineIndent, forceClosed: false };
    this.stack.push(block);
    const statements = this.parseStatements();
    this.stack.pop();
    const body: Body = {
      type: 'body',
      open: { start: open.start, end: open.end },
      close: { start: 0, end: 0 },
      statements,
      start: open.start,
      end: 0,
    };
    const t = this.peek();
    if (!block.forceClosed && t.kind === 'rbrace') {
      this.next();
      body.close = { start: t.start, end: t.end };
      body.end = t.end;
      return body;
    }
    // Closed without '}' (end of file or a heuristic). Place the empty close range right after
    // the last thing in the body, where the user would type the '}'.
    const at = Math.max(open.end, this.lastEndBefore());
    body.close = { start: at, end: at };
    body.end = at;
    body.missing = true;
    if (!block.forceClosed) {
      // End of file: this and every enclosing open block are unclosed. Report once, at the
      // innermost '{', and name the others in the related information.
      this.reportUnclosed([block, ...this.stack.slice().reverse()], t, reported);
      for (const b of this.stack) b.forceClosed = true;
    }
    return body;
  }

  /** End of the last token before the current one that is not a line break (where a missing `}` belongs). */
  private lastEndBefore(): number {
    return this.lastNonBreakEnd;
  }

  private reportUnclosed(blocks: OpenBlock[], at: ScanToken, alreadyReported: boolean): void {
    const inner = blocks[0];
    const name = inner.keyword.name ? `\`${inner.keyword.name}\`` : 'this statement';
    const where = at.kind === 'eof' ? 'the end of the file' : at.kind === 'rbrace' ? "the '}' that closes an outer block" : `the top-level \`${at.text}\` below`;
    const related: NonNullable<SyntaxError['related']> = [{ range: { start: at.start, end: at.end }, message: at.kind === 'eof' ? 'the file ends here' : 'the block is closed here' }];
    for (const b of blocks.slice(1)) {
      related.push({ range: { start: b.open.start, end: b.open.end }, message: `the block of \`${b.keyword.name || '...'}\` is not closed either` });
    }
    const more = blocks.length > 1 ? ` (${blocks.length - 1} enclosing block${blocks.length > 2 ? 's are' : ' is'} not closed either)` : '';
    void alreadyReported;
    this.error(SyntaxCodes.unclosedBrace, `The '{' of ${name} is not closed before ${where}; add '}'${more}.`, inner.open.start, inner.open.end, related);
  }

  /**
   * Heuristic (1): `host`/`vm`/`variant`/`scenario` at column 0 inside an open block. The user
   * most likely forgot a `}` above; close the open blocks here. Inside a `variant` (whose body
   * holds `vm`/`host`/`scenario` legitimately) only `variant` closes it, unless the variant's
   * body is indented, which shows that column 0 is the top level.
   */
  private maybeCloseAtTopLevelKeyword(t: ScanToken): boolean {
    const outer = this.stack[0];
    let keep = 0;
    if (outer.keyword.name === 'variant' && t.text !== 'variant' && !(outer.firstChildCol !== undefined && outer.firstChildCol > 0)) keep = 1;
    const closing = this.stack.length - keep;
    if (closing <= 0 || closing > this.braceBudget) return false;
    this.braceBudget -= closing;
    const blocks = this.stack.slice(keep).reverse();
    for (const b of blocks) b.forceClosed = true;
    this.reportUnclosed(blocks, t, false);
    return true;
  }

  /**
   * Heuristic (2): a `}` at the start of a line, indented less than the innermost open block's
   * statement but exactly like an outer one's, closes that outer block; the blocks in between
   * lack their `}`.
   */
  private maybeCloseByIndent(t: ScanToken, col: number): void {
    const depth = this.stack.length;
    const inner = this.stack[depth - 1];
    if (col >= inner.indent) return;
    for (let k = depth - 2; k >= 0; k--) {
      const b = this.stack[k];
      if (b.indent === col) {
        const closing = depth - 1 - k;
        if (closing > this.braceBudget) return;
        this.braceBudget -= closing;
        const blocks = this.stack.slice(k + 1).reverse();
        for (const x of blocks) x.forceClosed = true;
        this.reportUnclosed(blocks, t, false);
        return;
      }
      if (b.indent < col) return;
    }
  }

  // ---- arguments ----------------------------------------------------------------------------

  private startsItem(t: ScanToken): boolean {
    return t.kind === 'number' || t.kind === 'ident' || t.kind === 'string' || t.kind === 'caret' || (t.kind === 'dash' && this.isNegativeNumberAt(0));
  }

  /** A `-` directly followed by a number (no space) is a negative number. */
  private isNegativeNumberAt(k: number): boolean {
    const d = this.peek(k);
    const n = this.peek(k + 1);
    return d.kind === 'dash' && n.kind === 'number' && this.adjacent(k + 1);
  }

  /** `list | atom`; undefined (nothing consumed) when the token cannot start an argument. */
  private tryParseArg(): Arg | undefined {
    if (!this.startsItem(this.peek())) return undefined;
    const first = this.parseItem();
    if (this.peek().kind !== 'comma') return first;
    const items: Arg[] = [first];
    while (this.peek().kind === 'comma') {
      const comma = this.next();
      if (this.startsItem(this.peek())) items.push(this.parseItem());
      else {
        const t = this.peek();
        this.error(SyntaxCodes.missingListItem, `Expected a list item after ',', found ${describeToken(t)}; remove the comma or add the item.`, comma.start, comma.end);
        items.push({ type: 'ident', name: '', start: comma.end, end: comma.end, missing: true });
      }
    }
    return { type: 'list', items, start: first.start, end: items[items.length - 1].end };
  }

  /** `'^' (span | NUMBER) | span | NUMBER ['..' NUMBER] | IDENT | STRING`. */
  private parseItem(): Arg {
    const t = this.peek();
    if (t.kind === 'ident') {
      this.next();
      return { type: 'ident', name: t.text, start: t.start, end: t.end };
    }
    if (t.kind === 'string') {
      this.next();
      return { type: 'string', value: String(t.value ?? ''), start: t.start, end: t.end };
    }
    if (t.kind === 'caret') {
      this.next();
      const n = this.peek();
      if (n.kind === 'number' || this.isNegativeNumberAt(0)) {
        const operand = this.parseNumberOrSpan(/*allowRange*/ false);
        return { type: 'not', operand: operand as NumberArg, start: t.start, end: operand.end };
      }
      this.error(SyntaxCodes.missingExcluded, `Expected the CPU or span to exclude after '^' (e.g. \`^1\` or \`^4-7\`), found ${describeToken(n)}.`, t.start, t.end);
      return { type: 'not', operand: this.missingNumber(t.end), start: t.start, end: t.end };
    }
    return this.parseNumberOrSpan(/*allowRange*/ true);
  }

  private missingNumber(at: number): NumberArg {
    return { type: 'number', value: 0, unit: '', unitRange: { start: at, end: at }, start: at, end: at, missing: true };
  }

  private parseNumber(): NumberArg {
    const t = this.peek();
    let start = t.start;
    let sign = 1;
    if (t.kind === 'dash') {
      this.next();
      sign = -1;
    }
    const n = this.next();
    if (n.kind !== 'number') return this.missingNumber(start);
    if (sign < 0) start = t.start;
    const unit = n.unit ?? '';
    const unitRange: TextRange = { start: n.end - unit.length, end: n.end };
    return { type: 'number', value: sign * Number(n.value ?? 0), unit, unitRange, start, end: n.end };
  }

  private parseNumberOrSpan(allowRange: boolean): Arg {
    const lo = this.parseNumber();
    // `0-3`: a dash glued to both numbers.
    const d = this.peek();
    const h = this.peek(1);
    if (d.kind === 'dash' && this.adjacent(0) && h.kind === 'number' && this.adjacent(1)) {
      this.next();
      const hi = this.parseNumber();
      return { type: 'span', lo, hi, start: lo.start, end: hi.end };
    }
    if (allowRange && d.kind === 'dotdot') {
      const dots = this.next();
      if (this.peek().kind === 'number' || this.isNegativeNumberAt(0)) {
        const hi = this.parseNumber();
        return { type: 'range', lo, hi, start: lo.start, end: hi.end };
      }
      this.error(SyntaxCodes.missingRangeEnd, `Expected the upper bound after '..' (e.g. \`10us..30us\`), found ${describeToken(this.peek())}.`, dots.start, dots.end);
      return { type: 'range', lo, hi: this.missingNumber(dots.end), start: lo.start, end: dots.end };
    }
    return lo;
  }
}
