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
import { newRawToken, scan, ScannerCore, type RawToken } from './scanner';
import { Interner } from './intern';
import { BodyNode, NumberNode } from './nodes';
import { MAX_PARSED_STATEMENTS, MAX_SYNTAX_ERRORS, SyntaxCodes } from './syntaxCodes';

/** Keywords that only appear at the top level (or directly in a `variant`). */
/** Deepest block nesting the parser builds (the language itself needs about 6). */
export const MAX_DEPTH = 100;

export const TOP_LEVEL_KEYWORDS: ReadonlySet<string> = new Set(['host', 'vm', 'variant', 'scenario']);

interface OpenBlock {
  /** The `{`. */
  open: TextRange;
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
export function countMissingBraces(text: string): number {
  return Math.max(0, braceBalance(text));
}

/**
 * `{` minus `}` in text[from, to) outside strings and comments (negative when `}` dominate).
 * Additive over pieces cut at line starts (a string or comment never spans lines).
 */
export function braceBalance(text: string, from = 0, to = text.length): number {
  let depth = 0;
  const n = to;
  for (let i = from; i < n; i++) {
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
  return depth;
}

export function parse(text: string): ParseResult {
  return new Parser(text).parseFile();
}

function describeToken(t: RawToken, source: string): string {
  const text = source.slice(t.start, t.end);
  switch (t.kind) {
    case 'eof':
      return 'the end of the file';
    case 'newline':
      return 'the end of the line';
    case 'string':
      return `the string ${text.length > 24 ? text.slice(0, 21) + '..."' : text}`;
    case 'number':
      return `the number \`${text}\``;
    case 'ident':
      return `\`${text}\``;
    default:
      return `'${text}'`;
  }
}

/** Size of the look-ahead ring (a power of two): the parser looks at most 3 tokens ahead. */
const RING = 16;

class Parser {
  private readonly scanner: ScannerCore;
  /**
   * Look-ahead: the next significant (non-comment) tokens, pulled from the scanner on demand into
   * a ring of reused token objects (`head` is the current token, `count` how many are scanned).
   * A token read from it is valid until a few more tokens are read: what must outlive that (a
   * `{` that stays open, a name) is copied out.
   */
  private readonly ring: RawToken[] = Array.from({ length: RING }, newRawToken);
  private head = 0;
  private count = 0;
  /** The kind and end of the last consumed token (undefined kind: none yet). */
  private prevKind: RawToken['kind'] | undefined;
  private prevEnd = 0;
  /** Names seen, so that every `vcpus` (keyword or name) of a file is one string. */
  private readonly names = new Interner();
  /** End of the last consumed token that is not a line break or `;` (where a missing `}` goes). */
  private lastNonBreakEnd = 0;
  private readonly comments: Token[] = [];
  private readonly errors: SyntaxError[] = [];
  private readonly errorStarts = new Set<number>();
  /** Errors past `MAX_SYNTAX_ERRORS`: counted, and where the first of them is. */
  private dropped = 0;
  private firstDropped: { start: number; end: number } | undefined;
  private readonly stack: OpenBlock[] = [];
  /** Number of `{` minus number of `}`: how many blocks the heuristics may close early. */
  private braceBudget: number;
  /** Column of the first token of the line being parsed (the indentation of the statement). */
  private lineIndent = 0;
  /** Statements made so far (the next statement's id). */
  private statementCount = 0;
  /** Set at the statement past `MAX_PARSED_STATEMENTS`: every open list and block ends there. */
  private cut = false;
  /**
   * Scratch arrays the statement lists and argument lists are collected in, one per nesting depth
   * (statement lists) or one (arguments: no statement starts while its arguments are read). The
   * tree gets exact-size copies: an array grown by `push` keeps room for 16 elements, and a tree
   * of 10k lines has thousands of lists of one or two.
   */
  private readonly listScratch: Statement[][] = [];
  private readonly argScratch: Arg[] = [];

  constructor(private readonly text: string) {
    this.scanner = new ScannerCore(text, (code, message, start, end) => this.error(code, message, start, end));
    this.braceBudget = countMissingBraces(text);
  }

  parseFile(): ParseResult {
    const statements = this.parseStatements();
    const file: SourceFile = { type: 'file', start: 0, end: this.text.length, statements, comments: this.comments, statementCount: this.statementCount };
    if (this.dropped > 0) {
      this.errors.push({
        code: SyntaxCodes.tooManyErrors,
        message: `${this.dropped} more syntax error${this.dropped === 1 ? '' : 's'} from here on ${this.dropped === 1 ? 'is' : 'are'} not listed (a document lists at most ${MAX_SYNTAX_ERRORS}); fix the errors above first.`,
        range: this.firstDropped!,
      });
    }
    this.errors.sort((a, b) => a.range.start - b.range.start || a.range.end - b.range.end);
    return new Parsed(file, this.errors, this.text);
  }

  // ---- tokens -------------------------------------------------------------------------------

  private peek(k = 0): RawToken {
    const ring = this.ring;
    while (this.count <= k) {
      if (this.count > 0) {
        const last = ring[(this.head + this.count - 1) & (RING - 1)];
        if (last.kind === 'eof') return last;
      }
      const t = ring[(this.head + this.count) & (RING - 1)];
      this.scanner.scanInto(t);
      if (t.kind === 'comment') this.comments.push({ kind: 'comment', start: t.start, end: t.end, text: this.text.slice(t.start, t.end), value: undefined, unit: undefined });
      else this.count++;
    }
    return ring[(this.head + k) & (RING - 1)];
  }

  /** The source text of an identifier token, one string per distinct name. */
  private nameOf(t: RawToken): string {
    return this.names.get(this.text, t.start, t.end);
  }

  /** The current token starts its line (only whitespace or nothing before it). */
  private firstOnLine(): boolean {
    return this.prevKind === undefined || this.prevKind === 'newline';
  }

  /** The token at `peek(k)` (k = 0 or 1) is glued to the one before it (no space, no comment). */
  private adjacent(k: number): boolean {
    if (k === 0) return this.prevKind !== undefined && this.prevEnd === this.peek(0).start;
    const beforeEnd = this.peek(k - 1).end;
    return beforeEnd === this.peek(k).start;
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

  private next(): RawToken {
    const t = this.peek();
    if (t.kind !== 'eof') {
      this.head = (this.head + 1) & (RING - 1);
      this.count--;
      this.prevKind = t.kind;
      this.prevEnd = t.end;
      if (t.kind !== 'newline' && t.kind !== 'semi') this.lastNonBreakEnd = t.end;
    }
    return t;
  }

  /** End offset of the last consumed token (0 before any). */
  private lastEnd(): number {
    return this.prevEnd;
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
    if (this.errors.length >= MAX_SYNTAX_ERRORS) {
      // Counted, not listed: a summary at the first one left out is added at the end.
      if (this.dropped++ === 0) this.firstDropped = { start, end };
      return true;
    }
    const e: SyntaxError = { code, message, range: { start, end } };
    if (related?.length) e.related = related.map((r) => ({ message: r.message, range: { start: Math.max(0, Math.min(r.range.start, n)), end: Math.max(0, Math.min(r.range.end, n)) } }));
    this.errors.push(e);
    return true;
  }

  // ---- statements ---------------------------------------------------------------------------

  /** Parses statements until EOF, a `}` that belongs to an open block, or a forced close. */
  private parseStatements(): Statement[] {
    const depth = this.stack.length;
    const out = (this.listScratch[depth] ??= []);
    let n = 0;
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
      if (t.kind === 'eof' || this.cut) break;
      if (depth > 0 && this.stack[depth - 1].forceClosed) break;
      if (this.statementCount >= MAX_PARSED_STATEMENTS && t.kind !== 'rbrace') {
        this.cutAt(t);
        break;
      }
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
      if (depth > 0 && t.kind === 'ident' && first && col === 0 && TOP_LEVEL_KEYWORDS.has(this.text.slice(t.start, t.end))) {
        if (this.maybeCloseAtTopLevelKeyword(t)) break;
      }
      if (depth > 0) {
        const top = this.stack[depth - 1];
        if (top.firstChildCol === undefined && first) top.firstChildCol = col;
      }
      if (t.kind === 'lbrace') {
        const prev = n > 0 ? out[n - 1] : undefined;
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
      out[n++] = this.parseStatement();
      newlines = 0;
      semis = 0;
    }
    return out.slice(0, n);
  }

  private parseStatement(): Statement {
    const t = this.peek();
    const start = t.start;
    let keyword: IdentArg;
    let reported = false;
    if (t.kind === 'ident') {
      keyword = { type: 'ident', name: this.nameOf(t), start, end: t.end };
      this.next();
    } else {
      keyword = { type: 'ident', name: '', start, end: start, missing: true };
      const what = t.kind === 'lbrace' ? "a block needs a keyword before '{' (e.g. `vm NAME {`)" : `found ${describeToken(t, this.text)}`;
      reported = this.error(SyntaxCodes.expectedKeyword, `Expected a keyword at the start of the statement; ${what}.`, start, t.kind === 'lbrace' ? t.end : Math.max(t.end, start + 1));
      // A scanner error on the same token already explains it; do not add more on this line.
      if (!reported && this.errorStarts.has(start)) reported = true;
    }
    const scratch = this.argScratch;
    let n = 0;
    for (;;) {
      const a = this.peek();
      if (a.kind === 'newline' || a.kind === 'semi' || a.kind === 'rbrace' || a.kind === 'lbrace' || a.kind === 'eof') break;
      const arg = this.tryParseArg();
      if (arg) {
        scratch[n++] = arg;
        continue;
      }
      // Not an argument: report once per statement and skip the token.
      const bad = this.next();
      if (!reported) {
        reported = true;
        this.error(SyntaxCodes.unexpectedToken, this.unexpectedArgMessage(bad), bad.start, bad.end);
      }
    }
    const args = scratch.slice(0, n);
    // Every field up front, `body` included: one object shape, no property added later.
    const stmt: Statement = { type: 'statement', keyword, args, start, end: Math.max(this.lastEnd(), start), body: undefined, id: this.statementCount++ };
    if (keyword.missing && n === 0 && this.lastEnd() <= start) stmt.end = start;
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

  private unexpectedArgMessage(t: RawToken): string {
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
        return `Unexpected ${describeToken(t, this.text)}.`;
    }
  }

  /** After a block's `}`, only the end of the statement may follow on the same line. */
  private expectEndOfStatement(): void {
    const t = this.peek();
    if (t.kind === 'newline' || t.kind === 'semi' || t.kind === 'rbrace' || t.kind === 'eof') return;
    // Do not complain about what follows a block that the heuristics closed early.
    if (this.stack.length > 0 && this.stack[this.stack.length - 1].forceClosed) return;
    this.error(SyntaxCodes.expectedEndOfStatement, `Expected the end of the statement after '}', found ${describeToken(t, this.text)}; start a new line or add ';'.`, t.start, t.end);
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
    const o = this.next(); // the '{'
    const open = { start: o.start, end: o.end };
    const block: OpenBlock = { open, keyword, indent: this.lineIndent, forceClosed: false };
    this.stack.push(block);
    const statements = this.parseStatements();
    this.stack.pop();
    // Past the statement bound every open block ends where reading stopped, without a VPS005.
    if (this.cut) return new BodyNode(open.start, Math.max(open.end, this.lastEndBefore()), statements, true);
    const t = this.peek();
    if (!block.forceClosed && t.kind === 'rbrace') {
      const end = t.end;
      this.next();
      return new BodyNode(open.start, end, statements, undefined);
    }
    // Closed without '}' (end of file or a heuristic). Place the empty close range right after
    // the last thing in the body, where the user would type the '}'.
    const at = Math.max(open.end, this.lastEndBefore());
    const body = new BodyNode(open.start, at, statements, true);
    if (!block.forceClosed) {
      // End of file: this and every enclosing open block are unclosed. Report once, at the
      // innermost '{', and name the others in the related information.
      this.reportUnclosed([block, ...this.stack.slice().reverse()], t, reported);
      for (const b of this.stack) b.forceClosed = true;
    }
    return body;
  }

  /**
   * The statement at `t` is one past `MAX_PARSED_STATEMENTS`: one VPS014 there (outside the error
   * cap: it must always be said), and the rest of the text is not read.
   */
  private cutAt(t: RawToken): void {
    this.cut = true;
    this.errors.push({
      code: SyntaxCodes.tooLong,
      message: `The document has more than ${MAX_PARSED_STATEMENTS.toLocaleString('en-US')} statements (vpscope's bound; this is the first one past it): the rest of the text is not read. Split it into several files.`,
      range: { start: t.start, end: t.end },
    });
  }

  /** End of the last token before the current one that is not a line break (where a missing `}` belongs). */
  private lastEndBefore(): number {
    return this.lastNonBreakEnd;
  }

  private reportUnclosed(blocks: OpenBlock[], at: RawToken, alreadyReported: boolean): void {
    const inner = blocks[0];
    const name = inner.keyword.name ? `\`${inner.keyword.name}\`` : 'this statement';
    const where = at.kind === 'eof' ? 'the end of the file' : at.kind === 'rbrace' ? "the '}' that closes an outer block" : `the top-level \`${this.text.slice(at.start, at.end)}\` below`;
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
  private maybeCloseAtTopLevelKeyword(t: RawToken): boolean {
    const outer = this.stack[0];
    let keep = 0;
    if (outer.keyword.name === 'variant' && this.text.slice(t.start, t.end) !== 'variant' && !(outer.firstChildCol !== undefined && outer.firstChildCol > 0)) keep = 1;
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
  private maybeCloseByIndent(t: RawToken, col: number): void {
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

  private startsItem(t: RawToken): boolean {
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
      const commaStart = comma.start;
      const commaEnd = comma.end;
      if (this.startsItem(this.peek())) items.push(this.parseItem());
      else {
        const t = this.peek();
        this.error(SyntaxCodes.missingListItem, `Expected a list item after ',', found ${describeToken(t, this.text)}; remove the comma or add the item.`, commaStart, commaEnd);
        items.push({ type: 'ident', name: '', start: commaEnd, end: commaEnd, missing: true });
      }
    }
    return { type: 'list', items: items.slice(), start: first.start, end: items[items.length - 1].end };
  }

  /** `'^' (span | NUMBER) | span | NUMBER ['..' NUMBER] | IDENT | STRING`. */
  private parseItem(): Arg {
    const t = this.peek();
    if (t.kind === 'ident') {
      const a: IdentArg = { type: 'ident', name: this.nameOf(t), start: t.start, end: t.end };
      this.next();
      return a;
    }
    if (t.kind === 'string') {
      const a: Arg = { type: 'string', value: String(t.value ?? ''), start: t.start, end: t.end };
      this.next();
      return a;
    }
    if (t.kind === 'caret') {
      const start = t.start;
      const end = t.end;
      this.next();
      const n = this.peek();
      if (n.kind === 'number' || this.isNegativeNumberAt(0)) {
        const operand = this.parseNumberOrSpan(/*allowRange*/ false);
        return { type: 'not', operand: operand as NumberArg, start, end: operand.end };
      }
      this.error(SyntaxCodes.missingExcluded, `Expected the CPU or span to exclude after '^' (e.g. \`^1\` or \`^4-7\`), found ${describeToken(n, this.text)}.`, start, end);
      return { type: 'not', operand: this.missingNumber(end), start, end };
    }
    return this.parseNumberOrSpan(/*allowRange*/ true);
  }

  private missingNumber(at: number): NumberArg {
    return new NumberNode(0, '', at, at, true);
  }

  private parseNumber(): NumberArg {
    const t = this.peek();
    const start = t.start;
    let sign = 1;
    if (t.kind === 'dash') {
      this.next();
      sign = -1;
    }
    const n = this.next();
    if (n.kind !== 'number') return this.missingNumber(start);
    return new NumberNode(sign * Number(n.value ?? 0), n.unit ?? '', start, n.end, undefined);
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
      const dotsStart = dots.start;
      const dotsEnd = dots.end;
      if (this.peek().kind === 'number' || this.isNegativeNumberAt(0)) {
        const hi = this.parseNumber();
        return { type: 'range', lo, hi, start: lo.start, end: hi.end };
      }
      this.error(SyntaxCodes.missingRangeEnd, `Expected the upper bound after '..' (e.g. \`10us..30us\`), found ${describeToken(this.peek(), this.text)}.`, dotsStart, dotsEnd);
      return { type: 'range', lo, hi: this.missingNumber(dotsEnd), start: lo.start, end: dotsEnd };
    }
    return lo;
  }
}

/**
 * A parse's result. The full token array is only built when asked for (semantic tokens,
 * formatting): the checker never needs it, and not keeping ~7 tokens per line alive during every
 * analysis saves a good share of its garbage collection. A class rather than an object literal
 * with a getter (see `LazyParseResult` in incremental.ts for why).
 */
class Parsed implements ParseResult {
  readonly file: SourceFile;
  readonly errors: SyntaxError[];
  private readonly text: string;
  private all: Token[] | undefined;
  constructor(file: SourceFile, errors: SyntaxError[], text: string) {
    this.file = file;
    this.errors = errors;
    this.text = text;
    this.all = undefined;
  }
  get tokens(): Token[] {
    return (this.all ??= scan(this.text, () => {}));
  }
}
