/**
 * ViewDocument -> ViewModel: base64 text to bytes, gzip through the browser's DecompressionStream
 * (no library in the bundle), then the `vpt1` columns (core/timelineCodec.ts) per lane.
 *
 * Every failure is a {@link ViewDataError} naming the timeline it concerns; main.ts shows it in the
 * page and posts it as a `log` message (never swallowed).
 */
import { decodeTimeline } from '../../server/src/core/timelineCodec';
import type { EncodedTimeline, ViewDocument } from '../../server/src/shared/view';
import type { LaneModel, VariantModel, ViewModel } from './contract';

export class ViewDataError extends Error {}

/** Base64 (standard alphabet, padding optional, whitespace ignored) to bytes. */
export function base64ToBytes(s: string): Uint8Array {
  // The platform decoder where there is one (Chromium >= 140: 10x faster than atob + a loop).
  const fromBase64 = (Uint8Array as unknown as { fromBase64?: (s: string, o?: object) => Uint8Array }).fromBase64;
  if (typeof fromBase64 === 'function') {
    try {
      return fromBase64(s, { lastChunkHandling: 'loose' });
    } catch {
      throw new ViewDataError('timeline data is not valid base64');
    }
  }
  let bin: string;
  try {
    bin = atob(s.replace(/\s+/g, ''));
  } catch {
    throw new ViewDataError('timeline data is not valid base64');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Gunzips with the platform's DecompressionStream (browsers, Node >= 18). */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined') throw new ViewDataError('this browser cannot decompress gzip (no DecompressionStream)');
  try {
    // One write of the whole buffer: about 25% faster than piping a Blob's stream (Chromium 156).
    const ds = new DecompressionStream('gzip');
    const w = ds.writable.getWriter();
    // Errors surface on the readable side (arrayBuffer rejects); these promises must not dangle.
    w.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
    w.close().catch(() => {});
    return new Uint8Array(await new Response(ds.readable).arrayBuffer());
  } catch {
    throw new ViewDataError('timeline data is not valid gzip');
  }
}

/** The bytes of one encoded timeline. */
export async function timelineBytes(tl: EncodedTimeline): Promise<Uint8Array> {
  const raw = base64ToBytes(tl.data);
  return tl.compression === 'gzip' ? gunzip(raw) : raw;
}

function variantName(doc: ViewDocument, i: number): string {
  if (doc.kind === 'trace') return 'trace';
  const v = doc.run?.variants?.[i];
  return v && typeof v.name === 'string' ? v.name : `variant ${i}`;
}

/** Decodes one timeline of the document into lanes with typed columns. */
export async function decodeVariant(doc: ViewDocument, i: number): Promise<VariantModel> {
  const tl = doc.timelines[i];
  const name = variantName(doc, i);
  try {
    const bytes = await timelineBytes(tl);
    const cols = decodeTimeline(bytes, tl.startNs, tl.lanes.map((l) => l.count));
    const lanes: LaneModel[] = tl.lanes.map((l, j) => ({ id: l.id, label: l.label, group: l.group, kind: l.kind, cols: cols[j] }));
    const run = doc.kind === 'simulation' ? (doc.run?.variants?.[i] as Record<string, unknown> | undefined) : undefined;
    return { index: i, name, startNs: tl.startNs, endNs: Math.max(tl.endNs, tl.startNs + 1), states: tl.states, causes: tl.causes, lanes, run };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new ViewDataError(`timeline ${i} (${name}): ${msg}`);
  }
}

/** Decodes every timeline of the document. */
export async function decodeDocument(doc: ViewDocument): Promise<ViewModel> {
  const variants: VariantModel[] = [];
  for (let i = 0; i < doc.timelines.length; i++) variants.push(await decodeVariant(doc, i));
  return { doc, variants };
}
