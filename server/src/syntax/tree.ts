/**
 * The syntax tree of a scenario file. One regular shape for everything (like nginx or KDL
 * configuration): a file is a list of statements; a statement is a keyword, arguments and an
 * optional braced body of more statements.
 *
 *     vm web {                      # keyword `vm`, one argument `web`, a body
 *       vcpus 4                     # keyword `vcpus`, one argument `4`
 *       cpus 0-3,^1                 # a list argument of a span and a negation
 *       task nvme { cpu exp 20us }  # nested body on one line
 *     }
 *
 * Which keywords exist where, and what their arguments mean, is data (`model/schema.ts`), not
 * grammar: the parser knows no keyword. Every node and token carries its offsets; a node that the
 * text lacks is present with `missing: true` and an empty range, so later passes always see a
 * complete tree.
 *
 * Invariant: this module and the parser import nothing outside `syntax/` and `core/`.
 */
import type { TextRange } from '../core/text';

export type TokenKind =
  | 'ident' // [A-Za-z_][A-Za-z0-9_-]* (no trailing '-'), also keywords and enum values
  | 'number' // 12, 1.5, 1e3 with an attached unit suffix: 10us 50% 20k/s 4KiB (see `unit`)
  | 'string' // "..." with \" and \\ escapes; never spans lines
  | 'lbrace'
  | 'rbrace'
  | 'comma'
  | 'dotdot' // ..  (ranges: uniform 10us..20us)
  | 'dash' //  -   (cpu spans: 0-3)
  | 'caret' // ^   (cpu exclusion: ^1)
  | 'semi' //  ;   (statement separator on one line)
  | 'newline'
  | 'comment' // # to end of line (kept out of the token stream the parser sees; used for folding/formatting)
  | 'error' // a character the language does not use
  | 'eof';

export interface Token extends TextRange {
  kind: TokenKind;
  /** Source text of the token. For strings, the unescaped value is in `value`. */
  text: string;
  /** Numbers: the numeric part; strings: the unescaped content. */
  value?: number | string;
  /** Numbers: the attached unit suffix as written (`us`, `%`, `k/s`, `KiB`, ...), `''` if none. */
  unit?: string;
}

export interface NodeBase extends TextRange {
  /** True when the parser invented this node because the text lacks it. */
  missing?: boolean;
}

/** `42`, `10us`, `2.5ms`, `50%`, `20k/s`. */
export interface NumberArg extends NodeBase {
  type: 'number';
  value: number;
  /** Unit as written, '' when none. Interpretation (and errors) belong to the model layer. */
  unit: string;
  /** Range of the unit suffix within the token (empty at the number's end when no unit). */
  unitRange: TextRange;
}

/** A bare word: a name, an enum value, `on`/`off`. */
export interface IdentArg extends NodeBase {
  type: 'ident';
  name: string;
}

export interface StringArg extends NodeBase {
  type: 'string';
  value: string;
}

/** `lo..hi` (e.g. `uniform 10us..20us`). */
export interface RangeArg extends NodeBase {
  type: 'range';
  lo: NumberArg;
  hi: NumberArg;
}

/** `lo-hi` with no spaces (cpu lists: `0-3`). */
export interface SpanArg extends NodeBase {
  type: 'span';
  lo: NumberArg;
  hi: NumberArg;
}

/** `^x` (cpu lists: exclude `x`). */
export interface NotArg extends NodeBase {
  type: 'not';
  operand: NumberArg | SpanArg;
}

/** `a,b,c` — comma-joined arguments (cpu lists `0-3,5,^1`, enum sets `nmi,timer`). */
export interface ListArg extends NodeBase {
  type: 'list';
  items: Arg[];
}

export type Arg = NumberArg | IdentArg | StringArg | RangeArg | SpanArg | NotArg | ListArg;

export interface Body extends NodeBase {
  type: 'body';
  open: TextRange;
  /** Range of the closing brace; `missing` is set on the body when it is absent. */
  close: TextRange;
  statements: Statement[];
}

export interface Statement extends NodeBase {
  type: 'statement';
  /** The leading word; `missing` when a statement starts with something else. */
  keyword: IdentArg;
  args: Arg[];
  body?: Body;
  /**
   * Index of the statement in its file, in document order (pre-order: a block before the
   * statements in its body), 0 to `SourceFile.statementCount - 1`; -1 for a statement that no
   * parse made (the copies the checker makes when it merges a variant). Lets later passes keep
   * per-statement data in arrays instead of hash maps.
   */
  id: number;
}

export interface SourceFile extends NodeBase {
  type: 'file';
  statements: Statement[];
  /** Number of statements in the file, nested ones included (see `Statement.id`). */
  statementCount: number;
  /** Comments in order (for folding, formatting and hover docs). */
  comments: Token[];
}

export type Node = SourceFile | Statement | Body | Arg;

/** A syntax error: always inside the document, at most one per start offset. */
export interface SyntaxError {
  code: string;
  message: string;
  range: TextRange;
  /** e.g. the unclosed `{` that a missing `}` belongs to. */
  related?: { range: TextRange; message: string }[];
}

export interface ParseResult {
  file: SourceFile;
  errors: SyntaxError[];
  /** All tokens including comments and newlines (semantic tokens, formatting). */
  tokens: Token[];
  /**
   * The tokens the grammar sees (no comments, newlines or eof), when the parse can give them
   * without filtering `tokens` (an incremental parse splices them); otherwise absent.
   */
  readonly significant?: Token[];
  /**
   * The offset of the first character of each line (after `\n`, `\r\n` or a lone `\r`), when
   * the parse can give them without scanning the whole text (an incremental parse splices the
   * previous version's, once they were asked for); otherwise absent.
   */
  lineStarts?(): number[];
}
