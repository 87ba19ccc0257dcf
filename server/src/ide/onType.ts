/**
 * On-type formatting: typing `}` re-indents the block it closes (the lines from the block's
 * statement to the `}`), with the formatter's own rules (`format.ts`: 2 spaces per level, and the
 * guard that leaves the document alone when the parse would change). Only indentation changes:
 * the spacing inside lines is left to explicit formatting, so typing never rewrites a line the
 * user is not looking at.
 */
import type { Statement } from '../syntax/tree';
import { docIndex, type IdeDocument } from './document';
import { formatEdits } from './format';
import type { TextEdit } from './types';

/** `offset` is the cursor after the typed character `ch` (LSP's position of the request). */
export function onTypeFormatEdits(doc: IdeDocument, offset: number, ch: string): TextEdit[] {
  if (ch !== '}') return [];
  const at = Math.max(0, Math.min(offset, doc.text.length)) - 1;
  if (at < 0 || doc.text[at] !== '}') return [];
  const block = closedBy(doc.analysis.parse.file.statements, at);
  if (!block) return [];
  const lines = docIndex(doc).lines;
  const first = lines.positionAt(block.start).line;
  const last = lines.positionAt(at).line;
  if (first === last) return [];
  const range = { start: lines.lineStarts[first], end: at + 1 };
  const text = doc.text;
  return formatEdits(text, doc.analysis.parse.tokens, { range }).filter((e) => {
    // Leading whitespace of a line of the block (its statement's line through the `}`), replaced
    // by other whitespace.
    const lineStart = e.range.start === 0 || text[e.range.start - 1] === '\n' || text[e.range.start - 1] === '\r';
    const line = lines.positionAt(e.range.start).line;
    return lineStart && line >= first && line <= last && /^[ \t]*$/.test(text.slice(e.range.start, e.range.end)) && /^[ \t]*$/.test(e.newText);
  });
}

/** The statement whose body's `}` is at `offset`, searching down the tree. */
function closedBy(list: readonly Statement[], offset: number): Statement | undefined {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = list[mid];
    if (s.end <= offset) lo = mid + 1;
    else if (s.start > offset) hi = mid - 1;
    else {
      const body = s.body;
      if (!body || body.missing) return undefined;
      if (body.close.start === offset && body.close.end === offset + 1) return s;
      return closedBy(body.statements, offset);
    }
  }
  return undefined;
}
