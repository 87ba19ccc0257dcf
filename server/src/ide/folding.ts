/**
 * Folding ranges: every block that spans lines (folded up to the line before its `}`, so the
 * brace stays visible), and runs of two or more whole-line comments.
 */
import type { Statement } from '../syntax/tree';
import { docIndex, type IdeDocument } from './document';
import { MAX_FOLDING_REGIONS } from './limits';
import type { FoldingRegion } from './types';

/**
 * The folding regions, at most `limit` of them (ide/limits.ts, `MAX_FOLDING_REGIONS`, or the
 * client's `rangeLimit`): the first ones by start line, exactly the head of the unbounded list.
 * The walk stops once it is past the line of the `limit`-th distinct start line of the blocks.
 */
export function foldingRegions(doc: IdeDocument, limit: number = MAX_FOLDING_REGIONS): FoldingRegion[] {
  return foldingLimited(doc, limit).regions;
}

export function foldingLimited(doc: IdeDocument, limit: number = MAX_FOLDING_REGIONS): { regions: FoldingRegion[]; truncated: boolean } {
  // One region more than the limit says whether any was left out.
  const regions = foldingHead(doc, limit + 1);
  return regions.length > limit ? { regions: regions.slice(0, limit), truncated: true } : { regions, truncated: false };
}

/** The first `limit` regions of the unbounded list (all of them when there are fewer). */
function foldingHead(doc: IdeDocument, limit: number): FoldingRegion[] {
  const { lines } = docIndex(doc);
  const out: FoldingRegion[] = [];
  // Blocks come in document order (pre-order), so their start lines never decrease: once
  // `limit` distinct ones are seen, the line of the last bounds every region that can be kept.
  let distinct = 0;
  let lastLine = -1;
  let bound = Infinity;
  const visit = (list: readonly Statement[]): boolean => {
    for (const s of list) {
      const body = s.body;
      if (!body) continue;
      const startLine = lines.positionAt(body.open.start).line;
      if (startLine > bound) return false;
      const endLine = body.missing ? lines.positionAt(body.end).line : lines.positionAt(body.close.start).line - 1;
      if (endLine > startLine) {
        out.push({ startLine, endLine });
        if (startLine !== lastLine) {
          lastLine = startLine;
          if (++distinct === limit) bound = startLine;
        }
      }
      if (!visit(body.statements)) return false;
    }
    return true;
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
      // A run starting past the bound cannot be kept (a run before it is finished above).
      if (p.line > bound) break;
      flush();
      runStart = runEnd = p.line;
    }
  }
  flush();

  // One region per start line (the outermost), in line order, as editors expect.
  out.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
  const all = out.filter((r, i) => i === 0 || out[i - 1].startLine !== r.startLine);
  return all.length > limit ? all.slice(0, limit) : all;
}
