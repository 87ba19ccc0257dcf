/**
 * Bounds of the editor's whole-file answers (outline, folding, semantic tokens, inlay hints, and
 * the uses of one name: references, highlights; code lenses), so
 * that a huge document (the 52 MB scenario with ~500k symbols of issue 9, whose first outline took
 * 198 s) gets an answer of bounded size, computed in time proportional to that size rather than
 * to the file's. Each function stops its walk of the tree once its answer is full; the parse and
 * the resolution of the document itself are not bounded here (model/limits.ts bounds them).
 *
 * Invariant: constants only.
 */

/**
 * Outline items (document symbols, children included, counted in document order). 5,000 is the
 * default of the XML and JSON language servers VS Code users know: `xml.symbols.maxItemsComputed`
 * (vscode-xml, docs/Symbols.md: "The default limit is 5000") and `json.maxItemsComputed` (VS Code's
 * JSON language features: outline symbols and folding regions, default 5000).
 */
export const MAX_OUTLINE_ITEMS = 5_000;

/**
 * Folding regions when the client states no `foldingRange.rangeLimit` (a client that does gets
 * at most its own limit): VS Code's own default, `editor.foldingMaximumRegions` 5000 (and
 * `json.maxItemsComputed`, above).
 */
export const MAX_FOLDING_REGIONS = 5_000;

/**
 * Semantic tokens of a `full` (or `full/delta`) answer: the first this many in document order;
 * a `range` request (the editor's viewport) is answered whole from the statements it covers,
 * whatever the file's size. An assumption, not taken from another server: the generated
 * benchmark scenario (test/bench/genScenario.ts, seed 1) has 17,669 tokens at 5,000 lines and
 * 35,487 at 10,000, so the bound is about 56,000 lines of it, and the answer stays at 1 M
 * integers (5 per token).
 */
export const MAX_SEMANTIC_TOKENS = 200_000;

/**
 * Inlay hints in one answer (the editor asks for its viewport). An assumption: no viewport
 * shows this many lines, so only a request for a huge range is cut.
 */
export const MAX_INLAY_HINTS = 5_000;

/**
 * Locations of one `references` answer, and highlights of one `documentHighlight` answer: the
 * first this many in document order. An assumption (no editor default to take it from): the
 * outline's count, far more than anyone reads through in a list; unbounded, the answer had one
 * location per use of the name, however many. What is bounded is the answer (its conversion and
 * transfer), not the search: the uses are found and sorted first. Rename is not bounded: a rename
 * that left some of the uses out would break the document.
 */
export const MAX_REFERENCES = 5_000;

/**
 * Code lenses of one answer (two or three per variant, ide/codeLens.ts): the first this many by
 * position. An assumption, the outline's count: unbounded, a file of 10,000 variants got 20,004
 * lenses (Simulate and Show Timeline per variant, four above the first statement).
 */
export const MAX_CODE_LENSES = 5_000;

/** Cuts `list` (sorted the way the answer is read) to its first `limit` items, in place; true when it cut. */
export function keepFirst<T>(list: T[], limit: number): boolean {
  if (list.length <= limit) return false;
  list.length = Math.max(0, limit);
  return true;
}
