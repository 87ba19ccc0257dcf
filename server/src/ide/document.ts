/**
 * The input of every editor feature: a document's text and its analysis, plus lookup structures
 * derived from them once (memoised per analysis object, so a cached analysis answers many
 * requests without rebuilding them; each built on first use).
 */
import { LineIndex } from '../core/text';
import { analysisMemo, type DocumentAnalysis, type ResolvedStatement, type SymbolDecl } from '../model/analysisTypes';
import { scan } from '../syntax/scanner';
import type { Statement, Token } from '../syntax/tree';

export interface IdeDocument {
  readonly text: string;
  readonly analysis: DocumentAnalysis;
}

export interface DocIndex {
  lines: LineIndex;
  /** The resolved statement of each statement node (an array read by the statement's id). */
  resolved: { get(stmt: Statement): ResolvedStatement | undefined };
  /** Tokens the grammar sees (no comments, newlines or eof), in order: for binary search. */
  tokens: Token[];
  /**
   * Tokens the grammar sees around `offset`: `tokens` when it is built, else those of the
   * offset's line (`lineTokens`), so a request right after an edit does not build `tokens`.
   */
  tokensNear(offset: number): readonly Token[];
  /**
   * The line of `offset` (0-based), what `lines.positionAt(offset).line` gives. Right after an
   * edit (when `lines` is not built) it counts the line breaks up to the offset instead of
   * making the file's line starts (see `LazyIndex.lineOf`).
   */
  lineOf(offset: number): number;
  /** Declarations grouped by symbol identity (kind, scope, name): a base declaration and its variant overrides. */
  declGroups: Map<string, number[]>;
  /** References by the index of the declaration they resolve to. */
  refsByDecl: Map<number, number[]>;
}


/** The identity of a declared symbol: overrides in variants share it with the base declaration. */
export function symbolKey(d: Pick<SymbolDecl, 'kind' | 'scope' | 'name'>): string {
  return `${d.kind}\u0000${d.scope}\u0000${d.name}`;
}

/**
 * Each index is built on first use: right after an edit, a completion needs the tokens and not
 * the reference maps, and the first request of a version pays only for what it uses.
 */
class LazyIndex implements DocIndex {
  private _lines?: LineIndex;
  private _resolved?: { get(stmt: Statement): ResolvedStatement | undefined };
  private _tokens?: Token[];
  private _declGroups?: Map<string, number[]>;
  private _refsByDecl?: Map<number, number[]>;
  /** `lineOf` without the line index: the text has no `\r`, and `[0, scanAt)` holds `scanLine` line breaks. */
  private noCR?: boolean;
  private scanAt = 0;
  private scanLine = 0;
  private rescans = 0;

  constructor(private readonly doc: IdeDocument) {}

  /**
   * Counting the `\n` before the offset (native `indexOf`, from where the last call stopped when
   * the offsets come in document order, as declarations do) makes nothing, where the line index
   * is an array of every line start of the file: 40 KB per version at 5,000 lines, made again
   * after every keystroke for the "line N" of the names a completion offers (BENCHMARKS.md,
   * "Name completion after an edit"). A text with `\r` line breaks, or offsets asked for out of
   * order more than a few times, uses the line index.
   */
  lineOf(offset: number): number {
    const text = this.doc.text;
    if (!this._lines && (this.noCR ??= text.indexOf('\r') < 0) && this.rescans < 4) {
      const o = Math.max(0, Math.min(offset, text.length));
      if (o < this.scanAt) {
        this.rescans++;
        this.scanAt = 0;
        this.scanLine = 0;
      }
      let line = this.scanLine;
      for (let i = text.indexOf('\n', this.scanAt); i >= 0 && i < o; i = text.indexOf('\n', i + 1)) line++;
      this.scanAt = o;
      this.scanLine = line;
      return line;
    }
    return this.lines.positionAt(offset).line;
  }

  get lines(): LineIndex {
    // Spliced from the previous version's by an incremental parse, when it has them.
    return (this._lines ??= new LineIndex(this.doc.text, this.doc.analysis.parse.lineStarts?.()));
  }

  get resolved(): { get(stmt: Statement): ResolvedStatement | undefined } {
    if (!this._resolved) {
      // The resolved statements are in the parser's numbering (`Statement.id`, document order),
      // so a lookup is an array read; a map is built only for a tree no parse numbered.
      const list = this.doc.analysis.statements;
      let other: Map<Statement, ResolvedStatement> | undefined;
      this._resolved = {
        get(stmt) {
          const r = list[stmt.id];
          if (r !== undefined && r.node === stmt) return r;
          if (!other) {
            other = new Map();
            for (const x of list) other.set(x.node, x);
          }
          return other.get(stmt);
        },
      };
    }
    return this._resolved;
  }

  get tokens(): Token[] {
    if (!this._tokens) {
      const p = this.doc.analysis.parse;
      this._tokens = p.significant ?? p.tokens.filter((t) => t.kind !== 'comment' && t.kind !== 'newline' && t.kind !== 'eof');
    }
    return this._tokens;
  }

  tokensNear(offset: number): readonly Token[] {
    return this._tokens ?? lineTokens(this.doc.text, offset);
  }

  get declGroups(): Map<string, number[]> {
    if (!this._declGroups) {
      const declGroups = new Map<string, number[]>();
      this.doc.analysis.symbols.decls.forEach((d, i) => {
        const k = symbolKey(d);
        const list = declGroups.get(k);
        if (list) list.push(i);
        else declGroups.set(k, [i]);
      });
      this._declGroups = declGroups;
    }
    return this._declGroups;
  }

  get refsByDecl(): Map<number, number[]> {
    if (!this._refsByDecl) {
      const refsByDecl = new Map<number, number[]>();
      this.doc.analysis.symbols.refs.forEach((r, i) => {
        if (r.target === undefined) return;
        const list = refsByDecl.get(r.target);
        if (list) list.push(i);
        else refsByDecl.set(r.target, [i]);
      });
      this._refsByDecl = refsByDecl;
    }
    return this._refsByDecl;
  }
}

export function docIndex(doc: IdeDocument): DocIndex {
  // Kept on the analysis (model/analysisTypes.ts, `AnalysisMemo`, says why not in a WeakMap).
  const memo = analysisMemo(doc.analysis);
  return (memo.index ??= new LazyIndex(doc)) as DocIndex;
}

/**
 * The tokens the grammar sees on the line holding `offset` (a line break ends it; the offset of
 * the line break itself counts as the line's end), scanned from the line alone: a token never
 * crosses a line break, so they are the whole file's tokens there. Right after an edit a request
 * about the cursor needs only these, not the file's token array.
 */
export function lineTokens(text: string, offset: number): Token[] {
  let ls = offset;
  while (ls > 0) {
    const c = text.charCodeAt(ls - 1);
    if (c === 10 || c === 13) break;
    ls--;
  }
  let le = offset;
  while (le < text.length) {
    const c = text.charCodeAt(le);
    if (c === 10 || c === 13) break;
    le++;
  }
  const out: Token[] = [];
  for (const t of scan(text.slice(ls, le), () => {})) {
    if (t.kind === 'eof') break;
    if (t.kind === 'comment' || t.kind === 'newline') continue;
    t.start += ls;
    t.end += ls;
    out.push(t);
  }
  return out;
}

/** Index of the last token starting at or before `offset` (-1 when none). */
export function tokenIndexBefore(tokens: readonly Token[], offset: number): number {
  let lo = 0;
  let hi = tokens.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid].start <= offset) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

/** The token whose range contains `offset` (touching its end counts), preferring a word or number. */
export function tokenAt(tokens: readonly Token[], offset: number): Token | undefined {
  const i = tokenIndexBefore(tokens, offset);
  if (i < 0) return undefined;
  const t = tokens[i];
  if (offset < t.end) return t;
  if (offset === t.end) {
    // At the boundary between two tokens, the word-like one is what the cursor is "on".
    const next = tokens[i + 1];
    if (next && next.start === offset && (next.kind === 'ident' || next.kind === 'number' || next.kind === 'string')) return next;
    return t;
  }
  return undefined;
}
