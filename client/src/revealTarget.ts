/**
 * Which file a timeline view's `reveal` may open (no `vscode` import, for tests).
 *
 * The webview is untrusted: a message from it names a `source`, and before this check a trace view
 * (no source file of its own) opened whatever absolute path the message gave. The host now opens
 * only a file the view refers to: its scenario (`sourceUri`, or the simulation origin's URI), or
 * the trace files it was built from (the origin's `path` and `guestPath`, the document's `source`).
 * A `source` naming any other file is refused.
 */
import type { ViewDocument, ViewOrigin } from '../../server/src/shared/view';

export type RevealTarget = { uri: string } | { path: string } | { refused: string } | undefined;

const ABSOLUTE = /^([/\\]|[A-Za-z]:[\\/])/;

/**
 * The file to reveal for a view showing `doc` (from `origin`) when its webview asks for `source`:
 * a URI (a scenario), an absolute path (a trace), `refused` when `source` names a file the view
 * does not refer to, or undefined when the view has no file to reveal.
 */
export function revealTarget(doc: ViewDocument | undefined, origin: ViewOrigin | undefined, source?: string): RevealTarget {
  const own = doc?.sourceUri ?? (origin?.kind === 'simulation' ? origin.uri : undefined);
  // A simulation view reveals in its own scenario whatever the message names.
  if (own !== undefined) return { uri: own };
  const files = new Set<string>();
  if (doc?.source !== undefined && ABSOLUTE.test(doc.source)) files.add(doc.source);
  if (origin?.kind === 'trace') {
    for (const f of [origin.path, origin.guestPath]) if (f !== undefined && ABSOLUTE.test(f)) files.add(f);
  }
  const path = source ?? doc?.source;
  if (path === undefined || path === '') return undefined;
  if (files.has(path)) return { path };
  return source !== undefined ? { refused: source } : undefined;
}
