/**
 * Selection ranges (expand selection): from the token under the cursor outwards, through the
 * argument and its list, the arguments of the statement, the statement, the inside of the
 * enclosing block, the block with its braces, the enclosing statement... up to the file.
 */
import type { Node } from '../syntax/tree';
import { nodeAt } from '../syntax/walk';
import { tokenIndexBefore, type IdeDocument } from './document';
import type { TextRange } from './types';

export function selectionChain(doc: IdeDocument, offset: number): TextRange[] {
  offset = Math.max(0, Math.min(offset, doc.text.length));
  const path: Node[] = nodeAt(doc.analysis.parse.file, offset);
  const ranges: TextRange[] = [];

  // A comment is not in the tree; it is the innermost thing when the cursor is in one.
  const tokens = doc.analysis.parse.tokens;
  const ti = tokenIndexBefore(tokens, offset);
  const tok = ti >= 0 ? tokens[ti] : undefined;
  if (tok?.kind === 'comment' && offset <= tok.end) ranges.push({ start: tok.start, end: tok.end });

  for (let i = path.length - 1; i >= 0; i--) {
    const n = path[i];
    const child = path[i + 1];
    switch (n.type) {
      case 'number':
        if (n.unit && offset > n.unitRange.start) ranges.push(n.unitRange);
        ranges.push({ start: n.start, end: n.end });
        break;
      case 'statement': {
        // The arguments together, when the cursor is in one of several.
        if (child && child.type !== 'body' && child !== n.keyword && n.args.length > 1) {
          ranges.push({ start: n.args[0].start, end: n.args[n.args.length - 1].end });
        }
        ranges.push({ start: n.start, end: n.end });
        break;
      }
      case 'body': {
        const inner = n.statements;
        if (inner.length) ranges.push({ start: inner[0].start, end: inner[inner.length - 1].end });
        ranges.push({ start: n.start, end: n.end });
        break;
      }
      case 'file': {
        const all = n.statements;
        if (all.length) ranges.push({ start: all[0].start, end: all[all.length - 1].end });
        ranges.push({ start: 0, end: doc.text.length });
        break;
      }
      default:
        ranges.push({ start: n.start, end: n.end });
    }
  }

  // Keep a strictly growing chain that contains the cursor.
  const out: TextRange[] = [];
  for (const r of ranges) {
    if (!(r.start <= offset && offset <= r.end)) continue;
    const prev = out[out.length - 1];
    if (prev && (r.start > prev.start || r.end < prev.end || (r.start === prev.start && r.end === prev.end))) continue;
    out.push(r);
  }
  if (out.length === 0) out.push({ start: 0, end: doc.text.length });
  return out;
}
