/**
 * Where the cursor is, in terms of the language: which block it is in (and so which statements
 * are allowed), which statement it is on, and whether it is on the keyword or on an argument.
 *
 * Built for unfinished code: a block whose `}` is missing extends to the next token after its
 * last statement (where the user is typing), and the statement under the cursor is found by
 * looking for a terminator (line break, `;`, brace) between it and the cursor rather than by
 * trusting ranges alone, because the half-typed word or the space after it is not part of any
 * node yet.
 */
import { resolveStatement } from '../model/schema';
import type { StatementSpec } from '../model/schemaTypes';
import type { Body, Statement, Token } from '../syntax/tree';
import { lastStartingAt } from '../syntax/walk';
import { docIndex, tokenIndexBefore, type DocIndex, type IdeDocument } from './document';
import { argName, resolveChain } from './schemaInfo';

export interface BlockContext {
  /** Statements whose body contains the cursor, outermost first. */
  chain: Statement[];
  /** Their specs (undefined from the first unknown keyword on). */
  specs: (StatementSpec | undefined)[];
  /** Spec id of the block the cursor is in (`file` at the top level); undefined inside an unknown block. */
  parentId?: string;
  /** Statements of that block. */
  siblings: Statement[];
  /** Inside `variant NAME { ... }`: the name. */
  variant?: string;
  /** Inside `vm NAME { ... }` (in the base or a variant): the name. */
  vm?: string;
}

export interface CursorContext extends BlockContext {
  offset: number;
  /** The statement the cursor is on, when no terminator separates them. */
  statement?: Statement;
  /** Its spec, when known in this block. */
  spec?: StatementSpec;
  /** The cursor is on (or right after) the statement's keyword. */
  inKeyword: boolean;
}

/**
 * Where a body really ends for the cursor: its `}`, or for an unclosed body, the next token (the
 * file's token array is asked for only then: right after an edit, a closed body does not build it).
 */
function effectiveClose(body: Body, ix: DocIndex, textLength: number): number {
  if (!body.missing) return body.close.start;
  const tokens = ix.tokens;
  // The first token at or after the body's end (tokens never overlap, so the one before it ends
  // at or before body.end).
  const i = tokenIndexBefore(tokens, body.end);
  for (let k = Math.max(0, i); k < tokens.length; k++) if (tokens[k].start >= body.end) return tokens[k].start;
  return textLength;
}

/** The last statement starting at or before `offset`. */
function lastStartingBefore(list: readonly Statement[], offset: number): Statement | undefined {
  const best = lastStartingAt(list, offset);
  return best >= 0 ? list[best] : undefined;
}

export function blockAt(doc: IdeDocument, offset: number): BlockContext {
  const ix = docIndex(doc);
  const chain: Statement[] = [];
  let list = doc.analysis.parse.file.statements;
  for (;;) {
    const s = lastStartingBefore(list, offset);
    const body = s?.body;
    if (!s || !body || offset < body.open.end || offset > effectiveClose(body, ix, doc.text.length)) break;
    chain.push(s);
    list = body.statements;
  }
  const specs = resolveChain(chain);
  const parentId = chain.length === 0 ? 'file' : specs[specs.length - 1]?.id;
  const ctx: BlockContext = { chain, specs, parentId, siblings: list };
  for (const s of chain) {
    if (s.keyword.name === 'variant') ctx.variant = argName(s.args[0]);
    else if (s.keyword.name === 'vm') ctx.vm = argName(s.args[0]);
  }
  return ctx;
}

/** True when text between the two offsets ends a statement (line break, `;`, a brace). */
function hasTerminator(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13 || c === 59 /* ; */ || c === 123 /* { */ || c === 125 /* } */) return true;
  }
  return false;
}

export function cursorContext(doc: IdeDocument, offset: number): CursorContext {
  const block = blockAt(doc, offset);
  const ctx: CursorContext = { ...block, offset, inKeyword: false };
  const s = lastStartingBefore(block.siblings, offset);
  if (!s) return ctx;
  // A statement with a body is current only up to its `{` (`vm |{`).
  const end = s.body ? s.body.open.start : s.end;
  if (s.body && offset > s.body.open.start) return ctx;
  if (offset > end && hasTerminator(doc.text, end, offset)) return ctx;
  ctx.statement = s;
  ctx.inKeyword = !s.keyword.missing && offset <= s.keyword.end;
  if (block.parentId !== undefined && !s.keyword.missing) ctx.spec = resolveStatement(s.keyword.name, block.parentId);
  return ctx;
}
