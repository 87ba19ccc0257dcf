/**
 * The syntax side of the static checks: finding the statement a hazard should point at, and
 * building quick-fix edits from the tree's offsets.
 *
 * Statements are addressed by *paths* of keywords and names, the same way variants address the
 * base scenario (docs/language.md, "variant"): `vm web / openhcl / task nvme / target_vp`. A path
 * can be looked up in the base (the file's top level) or inside one `variant NAME { ... }` block.
 *
 * The document text is rebuilt from the token stream: every character between two tokens is a
 * space or a tab (newlines and comments are tokens), so the rebuilt text has the same offsets as
 * the real one and differs only in that tabs read as spaces. That is enough to copy a statement or
 * to learn a line's indentation for inserted text.
 */
import type { TextEdit } from '../../core/diagnostic';
import { LineIndex, type TextRange } from '../../core/text';
import type { Arg, ParseResult, SourceFile, Statement } from '../../syntax/tree';
import { lastStartingAt } from '../../syntax/walk';

export interface PathSeg {
  kw: string;
  /** The declared name for named blocks (`vm web`), undefined for unnamed ones (`openhcl`). */
  name?: string;
}
export type Path = readonly PathSeg[];

/**
 * Keywords whose first argument is a name that identifies the block (docs/language.md). Every
 * other block is identified by its keyword alone; `boost dynamic { ... }` is `boost`, whatever its
 * mode.
 */
const NAMED_BLOCKS: ReadonlySet<string> = new Set([
  'vm', 'pool', 'load', 'task', 'storvsp', 'netvsp', 'disk', 'lock', 'thread', 'parallel', 'ioload', 'intercept', 'irq', 'variant',
]);

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** A name as the language writes it: bare when it is an identifier, quoted otherwise. */
export function fmtName(name: string): string {
  return IDENT_RE.test(name) && !name.endsWith('-') ? name : JSON.stringify(name);
}

/** The name an argument writes (an identifier or a string), undefined for any other argument. */
export function argName(a: Arg | undefined): string | undefined {
  if (!a || a.missing) return undefined;
  if (a.type === 'ident') return a.name;
  if (a.type === 'string') return a.value;
  return undefined;
}

function segOf(s: Statement): PathSeg {
  const kw = s.keyword.name;
  return NAMED_BLOCKS.has(kw) ? { kw, name: argName(s.args[0]) } : { kw };
}

function segMatches(s: Statement, seg: PathSeg): boolean {
  if (s.keyword.missing || s.keyword.name !== seg.kw) return false;
  return seg.name === undefined || argName(s.args[0]) === seg.name;
}

/** Keyword and name lookups of a long statement list, last match winning (see `segMatches`). */
function indexList(list: readonly Statement[]): ListIndex {
  const byKw = new Map<string, Statement>();
  const byName = new Map<string, Map<string, Statement>>();
  for (const s of list) {
    if (s.keyword.missing) continue;
    const kw = s.keyword.name;
    byKw.set(kw, s);
    const name = argName(s.args[0]);
    if (name === undefined) continue;
    let m = byName.get(kw);
    if (!m) byName.set(kw, (m = new Map()));
    m.set(name, s);
  }
  return { byKw, byName };
}

/**
 * What identifies each top-level statement of inserted text (`vm web { ... }; host { ... }` gives
 * `vm web` and `host`): its keyword, and its name for named blocks. Two statements with one key
 * in one block declare it twice.
 */
export function statementKeys(text: string): Set<string> {
  const out = new Set<string>();
  let depth = 0;
  let start = 0;
  const flush = (end: number) => {
    const stmt = text.slice(start, end);
    const words = stmt.trim().match(/"(?:[^"\\]|\\.)*"|[^\s{};]+/g);
    const block = stmt.includes('{');
    if (words?.length) out.add(block && NAMED_BLOCKS.has(words[0]) && words[1] !== undefined ? `${words[0]} ${words[1]}` : words[0]);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{') depth++;
    else if (c === '}') depth = Math.max(0, depth - 1);
    else if (depth === 0 && (c === ';' || c === '\n')) {
      flush(i);
      start = i + 1;
    }
  }
  flush(text.length);
  return out;
}

/** The text of `path` followed by `leaf` as nested one-line blocks: `vm web { guest { leaf } }`. */
export function nestText(path: Path, leaf: string): string {
  let out = leaf;
  for (let i = path.length - 1; i >= 0; i--) {
    const seg = path[i];
    out = `${seg.kw}${seg.name !== undefined ? ' ' + fmtName(seg.name) : ''} { ${out} }`;
  }
  return out;
}

/** Whitespace the scanner skips other than the space: what the rebuilt text turns into spaces. */
const OTHER_BLANKS = /[\t\v\f\ufeff]/;

const NO_STATEMENTS: readonly Statement[] = [];

/** Lists longer than this get a name index for path lookups (the file's top level, big blocks). */
const INDEX_MIN = 16;

interface ListIndex {
  /** Last statement of each keyword. */
  byKw: Map<string, Statement>;
  /** Last statement of each keyword and name. */
  byName: Map<string, Map<string, Statement>>;
}

export class SourceIndex {
  readonly file: SourceFile;
  /** The document rebuilt from its tokens (tabs read as spaces). */
  readonly text: string;
  /** The document's line break, used in inserted text (`\r\n` documents stay `\r\n`). */
  readonly eol: string;
  /**
   * The document as written, when the caller passed it: inserted text copies its indentation from
   * here, so a tab-indented document gets tabs (the rebuilt `text` reads tabs as spaces).
   */
  private readonly raw: string | undefined;
  private readonly variants = new Map<string, Statement>();
  private baseRoots: Statement[] | undefined;
  private lineIndex: LineIndex | undefined;
  private readonly listIndexes = new WeakMap<readonly Statement[], ListIndex>();

  /**
   * @param text the document's text. The index's own text equals it wherever the document has no
   *   tab (or other blank but the space): then it is used as is, instead of being rebuilt from
   *   the token stream (a second scan of the whole document).
   */
  constructor(parse: ParseResult, text?: string) {
    this.file = parse.file;
    this.raw = text !== undefined && text.length === parse.file.end ? text : undefined;
    if (text !== undefined && text.length === parse.file.end && !OTHER_BLANKS.test(text)) this.text = text;
    else {
      const chunks: string[] = [];
      let pos = 0;
      for (const t of parse.tokens) {
        if (t.start > pos) chunks.push(' '.repeat(t.start - pos));
        chunks.push(t.text);
        pos = Math.max(pos, t.end);
      }
      this.text = chunks.join('');
    }
    this.eol = this.text.includes('\r\n') ? '\r\n' : '\n';
    for (const s of this.file.statements) {
      const seg = segOf(s);
      if (seg.kw === 'variant' && seg.name !== undefined && !this.variants.has(seg.name)) this.variants.set(seg.name, s);
    }
    for (const [name, v] of this.variants) {
      const b = v.body?.statements.find((s) => !s.keyword.missing && s.keyword.name === 'based_on');
      const parent = argName(b?.args[0]);
      if (parent !== undefined && this.variants.has(parent)) this.basedOn.set(name, parent);
    }
  }

  /** What each variant is `based_on` (when that variant exists). */
  private readonly basedOn = new Map<string, string>();

  /** Line starts of the text, computed on first use. */
  get lines(): LineIndex {
    return (this.lineIndex ??= new LineIndex(this.text));
  }

  /**
   * The statement that starts at `offset` (IR ranges start where their statement starts); the
   * outermost one when several do. A descent through the tree: siblings are in document order and
   * never overlap, and a statement's body starts after its own start.
   */
  statementAt(offset: number): Statement | undefined {
    let list = this.file.statements;
    for (;;) {
      const best = lastStartingAt(list, offset);
      if (best < 0) return undefined;
      const s = list[best];
      if (s.start === offset) return s;
      if (!s.body || offset >= s.end) return undefined;
      list = s.body.statements;
    }
  }

  /** The `variant NAME { ... }` statement. */
  variant(name: string): Statement | undefined {
    return this.variants.get(name);
  }

  /** Every `variant NAME { ... }` statement, in document order (the first of each name). */
  allVariants(): Statement[] {
    return [...this.variants.values()];
  }

  /** True when `r` lies inside any variant block. */
  inAnyVariant(r: TextRange): boolean {
    for (const v of this.variants.values()) if (r.start >= v.start && r.end <= v.end) return true;
    return false;
  }

  /** The statements at the top of a scope: the file (base) or a variant's body. */
  private roots(variant?: string): Statement[] {
    if (variant === undefined) return (this.baseRoots ??= this.file.statements.filter((s) => s.keyword.name !== 'variant'));
    return this.variants.get(variant)?.body?.statements ?? [];
  }

  /** The last statement of `list` that matches `seg` (the one a merge would see). */
  private lastMatch(list: readonly Statement[], seg: PathSeg): Statement | undefined {
    if (list.length > INDEX_MIN) {
      let ix = this.listIndexes.get(list);
      if (!ix) this.listIndexes.set(list, (ix = indexList(list)));
      return seg.name === undefined ? ix.byKw.get(seg.kw) : ix.byName.get(seg.kw)?.get(seg.name);
    }
    for (let k = list.length - 1; k >= 0; k--) if (segMatches(list[k], seg)) return list[k];
    return undefined;
  }

  /** The statement at `path` in the base or in a variant; the last one written wins, like a merge. */
  find(path: Path, variant?: string): Statement | undefined {
    let list: readonly Statement[] = this.roots(variant);
    let hit: Statement | undefined;
    for (let k = 0; k < path.length; k++) {
      hit = this.lastMatch(list, path[k]);
      if (!hit) return undefined;
      list = hit.body?.statements ?? NO_STATEMENTS;
    }
    return hit;
  }

  /** The deepest statement along `path` that exists in a scope, and how many segments it covers. */
  deepest(path: Path, variant?: string): { stmt?: Statement; depth: number } {
    let list: readonly Statement[] = this.roots(variant);
    let stmt: Statement | undefined;
    let depth = 0;
    for (const seg of path) {
      const hit = this.lastMatch(list, seg);
      if (!hit) break;
      stmt = hit;
      depth++;
      list = hit.body?.statements ?? [];
    }
    return { stmt, depth };
  }

  /**
   * A setting or block as the variant sees it: the variant's override first, then those of the
   * variants it is `based_on`, nearest first, then the base.
   */
  findEffective(path: Path, variant?: string): Statement | undefined {
    const seen: string[] = [];
    for (let v = variant; v !== undefined && !seen.includes(v); v = this.basedOn.get(v)) {
      seen.push(v);
      const hit = this.find(path, v);
      if (hit) return hit;
    }
    return this.find(path);
  }

  /** The keyword and arguments of a statement, without its body: where a diagnostic belongs. */
  head(s: Statement): TextRange {
    const last = s.args.length ? s.args[s.args.length - 1] : s.keyword;
    return { start: s.start, end: Math.max(last.end, s.keyword.end) };
  }

  /** Leading whitespace of the line that holds `offset`, as written (tabs stay tabs). */
  indentAt(offset: number): string {
    const text = this.raw ?? this.text;
    const line = this.lines.positionAt(offset).line;
    const start = this.lines.lineStarts[line];
    let i = start;
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    return text.slice(start, i);
  }

  private step: string | undefined;

  /** One level of indentation in the document's style: a tab when its first indented line starts with one, else two spaces. */
  get indentStep(): string {
    if (this.step === undefined) {
      const m = /^([ \t])[ \t]*\S/m.exec(this.raw ?? '');
      this.step = m?.[1] === '\t' ? '\t' : '  ';
    }
    return this.step;
  }

  /** Whether two offsets are on the same line. */
  sameLine(a: number, b: number): boolean {
    return this.lines.positionAt(a).line === this.lines.positionAt(b).line;
  }

  slice(r: TextRange): string {
    return this.text.slice(r.start, r.end);
  }

  // ---- edits -------------------------------------------------------------------------------

  /** Replaces a statement's arguments (keeps its keyword and body). */
  replaceArgs(s: Statement, newArgs: string): TextEdit {
    if (s.args.length === 0) return { range: { start: s.keyword.end, end: s.keyword.end }, newText: ` ${newArgs}` };
    return { range: { start: s.args[0].start, end: s.args[s.args.length - 1].end }, newText: newArgs };
  }

  /** Replaces a statement's keyword (`syscall 2ms` -> `io 2ms`). */
  replaceKeyword(s: Statement, kw: string): TextEdit {
    return { range: { start: s.keyword.start, end: s.keyword.end }, newText: kw };
  }

  /**
   * Adds `text` (one statement, or several joined by `; `) as the first statement of `owner`'s
   * body, in the body's own style: `{ text; first ... }` on one line, or a new line indented like
   * the first child. An owner without a body gets one: `owner { text }`.
   */
  insertChild(owner: Statement, text: string): TextEdit {
    const body = owner.body;
    if (!body || body.missing) {
      const at = this.head(owner).end;
      return { range: { start: at, end: at }, newText: ` { ${text} }` };
    }
    const first = body.statements[0];
    if (!first) {
      const inner = { start: body.open.end, end: body.close.start };
      if (this.sameLine(body.open.start, body.close.start)) return { range: inner, newText: ` ${text} ` };
      const indent = this.indentAt(owner.start);
      return { range: inner, newText: `${this.eol}${indent}${this.indentStep}${text}${this.eol}${indent}` };
    }
    if (this.sameLine(body.open.start, first.start)) return { range: { start: first.start, end: first.start }, newText: `${text}; ` };
    return { range: { start: first.start, end: first.start }, newText: `${text}${this.eol}${this.indentAt(first.start)}` };
  }

  /**
   * Adds `text` as a sibling right after statement `s`: on the next line with the same indentation
   * when `s` ends its line, after `; ` otherwise. Multi-line `text` uses `\n`; it is converted.
   */
  insertAfter(s: Statement, raw: string): TextEdit {
    const text = raw.split('\n').join(this.eol);
    const endLine = this.lines.positionAt(s.end).line;
    const lineEnd = endLine + 1 < this.lines.lineCount ? this.lines.lineStarts[endLine + 1] : this.text.length;
    const rest = this.text.slice(s.end, lineEnd).replace(/#.*$/, '').trim();
    if (rest === '') {
      const indent = this.indentAt(s.start);
      // Insert before the line break that ends `s`'s line so the new statement gets its own line.
      let at = lineEnd;
      while (at > s.end && (this.text[at - 1] === '\n' || this.text[at - 1] === '\r')) at--;
      return { range: { start: at, end: at }, newText: `${this.eol}${indent}${text}` };
    }
    return { range: { start: s.end, end: s.end }, newText: `; ${text}` };
  }

  /**
   * Removes a statement: its whole line(s) when nothing else is on them (a trailing comment goes
   * with it), otherwise the statement and the `;` that separates it from its neighbour.
   */
  deleteStatement(s: Statement): TextEdit {
    const startLine = this.lines.positionAt(s.start).line;
    const endLine = this.lines.positionAt(s.end).line;
    const lineStart = this.lines.lineStarts[startLine];
    const nextLineStart = endLine + 1 < this.lines.lineCount ? this.lines.lineStarts[endLine + 1] : this.text.length;
    const before = this.text.slice(lineStart, s.start);
    const after = this.text.slice(s.end, nextLineStart).replace(/\r?\n$/, '');
    if (before.trim() === '' && after.replace(/#.*$/, '').trim() === '') {
      return { range: { start: lineStart, end: nextLineStart }, newText: '' };
    }
    const m = /^[ \t]*;[ \t]*/.exec(this.text.slice(s.end));
    if (m) return { range: { start: s.start, end: s.end + m[0].length }, newText: '' };
    const b = /[ \t]*;[ \t]*$/.exec(before);
    if (b) return { range: { start: s.start - b[0].length, end: s.end }, newText: '' };
    return { range: { start: s.start, end: s.end }, newText: '' };
  }
}

/** Applies non-overlapping edits to a text (tests and previews). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.range.start - a.range.start || b.range.end - a.range.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.range.start) + e.newText + out.slice(e.range.end);
  return out;
}
