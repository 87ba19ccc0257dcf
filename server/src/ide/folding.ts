/**
 * Folding ranges: every block that spans lines (folded up to the line before its `}`, so the
 * brace stays visible), and runs of two or more whole-line comments.
 */
import type { Statement } from '../syntax/tree';
import { docIndex, type IdeDocument } from './document';
import type { FoldingRegion } from './types';

export function foldingRegions(doc: IdeDocument): FoldingRegion[] {
  const { lines } = docIndex(doc);
  const out: FoldingRegion[] = [];
  const visit = (list: readonly Statement[]) => {
    for (const s of list) {
      const body = s.body;
      if (!body) continue;
      const startLine = lines.positionAt(body.open.start).line;
      const endLine = body.missing ? lines.positionAt(body.end).line : lines.positionAt(body.close.start).line - 1;
      if (endLine > startLine) out.push({ startLine, endLine });
      visit(body.statements);
    }
  };
  visit(doc.analysis.parse.file.statements);

  // Comment runs: comments that are alone on consecutive lines.
  let runStart = -1;
  let runEnd = -1;
  const flush = () => {
    if (runStart >= 0 && runEnd > runStart) out.push({ startLine: runStart, endLine: runEnd, kind: 'comment' });
    runStart = runEnd = -1;
  };
  for (const c of doc.analysis.parse.file.comments) {
    const p = lines.positionAt(c.start);
    const lineStart = lines.lineStarts[p.line];
    if (doc.text.slice(lineStart, c.start).trim() !== '') continue; // a trailing comment
    if (runStart >= 0 && p.line === runEnd + 1) runEnd = p.line;
    else {
      flush();
      runStart = runEnd = p.line;
    }
  }
  flush();

  // One region per start line (the outermost), in line order, as editors expect.
  out.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
  return out.filter((r, i) => i === 0 || out[i - 1].startLine !== r.startLine);
}
