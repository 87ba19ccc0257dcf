/**
 * Handlers of the editing comforts (issue 9): signature help, inlay hints, on-type formatting and
 * semantic tokens (full, by range, and as a delta of the previous result). Registered by
 * `session.ts` with the session's document access; like every handler, each finds the document,
 * calls one `ide/` function and converts the answer in `convert.ts`.
 */
import type { CancellationToken, Connection, SemanticTokens, SemanticTokensDelta, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { INLAY_HINT_DEFAULTS, inlayHints, type InlayHintOptions } from '../ide/inlayHints';
import { onTypeFormatEdits } from '../ide/onType';
import { semanticTokensLimited } from '../ide/semanticTokens';
import { signatureHelpAt } from '../ide/signature';
import type { ClientFeatures } from './capabilities';
import { fromLsp, toLsp } from './convert';
import type { AnalyzedDocument, Depth } from './documents';

type Guarded = <P, R>(name: string, fn: (params: P, token: CancellationToken) => R | Promise<R>) => (params: P, token: CancellationToken) => Promise<R>;

export interface EditingDeps {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  analyzed(uri: string, token?: CancellationToken, depth?: Depth): Promise<AnalyzedDocument | undefined>;
  features(): ClientFeatures;
  guarded: Guarded;
}

export interface Editing {
  /** `vpscope.inlayHints` (`initializationOptions.inlayHints`, then the pushed or pulled section). */
  applyInlayHintSettings(raw: unknown, options?: { refresh: boolean }): void;
}

/** `{ channelMap, variantValues, defaults }` booleans over the current ones; anything else is ignored. */
export function inlayHintSettings(raw: unknown, base: InlayHintOptions = INLAY_HINT_DEFAULTS): InlayHintOptions {
  const out = { ...base };
  if (!raw || typeof raw !== 'object') return out;
  const r = raw as Record<string, unknown>;
  // `enabled: false` turns every kind off (and `true` every kind on) before the kinds are read.
  if (typeof r.enabled === 'boolean') for (const k of Object.keys(out) as (keyof InlayHintOptions)[]) out[k] = r.enabled;
  for (const k of ['channelMap', 'variantValues', 'defaults'] as const) if (typeof r[k] === 'boolean') out[k] = r[k] as boolean;
  return out;
}

/** One splice turning `prev` into `next` (common prefix and suffix kept), or none when equal. */
export function tokenDelta(prev: readonly number[], next: readonly number[]): { start: number; deleteCount: number; data: number[] }[] {
  let p = 0;
  const max = Math.min(prev.length, next.length);
  while (p < max && prev[p] === next[p]) p++;
  if (p === prev.length && p === next.length) return [];
  let s = 0;
  while (s < max - p && prev[prev.length - 1 - s] === next[next.length - 1 - s]) s++;
  // Whole tokens only (5 integers each), so a client applying the splice never sees half a token.
  p -= p % 5;
  s -= s % 5;
  return [{ start: p, deleteCount: prev.length - p - s, data: next.slice(p, next.length - s) }];
}

export function registerEditing(deps: EditingDeps): Editing {
  const { connection, documents, analyzed, guarded } = deps;
  let hintOptions = INLAY_HINT_DEFAULTS;
  /** The last full or delta result per document, for the next delta request. */
  const lastTokens = new Map<string, { resultId: string; data: number[] }>();
  let tokenSeq = 0;
  documents.onDidClose((e) => lastTokens.delete(e.document.uri));

  connection.onSignatureHelp(
    guarded('signatureHelp', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token, 'syntax');
      if (!a) return null;
      const h = signatureHelpAt(a.ide, fromLsp.offset(a.doc, params.position));
      return h ? toLsp.signatureHelp(h, deps.features().convert) : null;
    }),
  );

  connection.languages.inlayHint.on(
    guarded('inlayHint', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token);
      if (!a) return null;
      const range = fromLsp.range(a.doc, params.range);
      const caps = deps.features().convert;
      return inlayHints(a.ide, range, hintOptions).map((h) => toLsp.inlayHint(a.doc, h, caps));
    }),
  );

  connection.onDocumentOnTypeFormatting(
    guarded('onTypeFormatting', async (params, token) => {
      const a = await analyzed(params.textDocument.uri, token, 'syntax');
      if (!a || typeof params.ch !== 'string') return null;
      return onTypeFormatEdits(a.ide, fromLsp.offset(a.doc, params.position), params.ch).map((e) => toLsp.textEdit(a.doc, e));
    }),
  );

  const fullTokens = async (uri: string, token: CancellationToken): Promise<{ resultId: string; data: number[] } | undefined> => {
    const a = await analyzed(uri, token, 'syntax');
    const legend = deps.features().semanticTokens;
    if (!a || !legend) return undefined;
    // At most MAX_SEMANTIC_TOKENS (ide/limits.ts), the first in document order.
    const data = toLsp.semanticTokens(a.doc, semanticTokensLimited(a.ide).tokens, legend).data;
    const entry = { resultId: `${a.version}.${++tokenSeq}`, data };
    lastTokens.set(uri, entry);
    return entry;
  };

  connection.languages.semanticTokens.on(
    guarded('semanticTokens', async (params, token): Promise<SemanticTokens> => {
      const t = await fullTokens(params.textDocument.uri, token);
      return t ? { resultId: t.resultId, data: t.data } : { data: [] };
    }),
  );

  connection.languages.semanticTokens.onDelta(
    guarded('semanticTokensDelta', async (params, token): Promise<SemanticTokens | SemanticTokensDelta> => {
      const prev = lastTokens.get(params.textDocument.uri);
      const t = await fullTokens(params.textDocument.uri, token);
      if (!t) return { data: [] };
      // Unknown or outdated previous result: the full tokens (the protocol allows either answer).
      if (!prev || prev.resultId !== params.previousResultId) return { resultId: t.resultId, data: t.data };
      return { resultId: t.resultId, edits: tokenDelta(prev.data, t.data) };
    }),
  );

  connection.languages.semanticTokens.onRange(
    guarded('semanticTokensRange', async (params, token): Promise<SemanticTokens> => {
      const a = await analyzed(params.textDocument.uri, token, 'syntax');
      const legend = deps.features().semanticTokens;
      if (!a || !legend) return { data: [] };
      const r = fromLsp.range(a.doc, params.range);
      // Only the statements and lines of the range are read (the editor's viewport), so the
      // answer takes time in proportion to the range, not to the file.
      return toLsp.semanticTokens(a.doc, semanticTokensLimited(a.ide, r).tokens, legend);
    }),
  );

  return {
    applyInlayHintSettings(raw, options = { refresh: true }) {
      const next = inlayHintSettings(raw, hintOptions);
      if (JSON.stringify(next) === JSON.stringify(hintOptions)) return;
      hintOptions = next;
      if (options.refresh && deps.features().inlayHintRefresh) void connection.languages.inlayHint.refresh().catch(() => undefined);
    },
  };
}
