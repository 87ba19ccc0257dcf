/**
 * View documents (`vpscope.view/1`): what the timeline view shows, in the editor's tab and in the
 * HTML report. Built from a simulated run (`toRunJson` output, every simulated variant with its
 * timeline) or an analysed trace (`vpscope.trace/1`), with each timeline in the compact `vpt1`
 * encoding (core/timelineCodec.ts) instead of JSON number arrays.
 *
 * Timelines may be given as {@link TimelineSource}s (typed arrays, `TimelineBuilder.source`), so a
 * 2.9 M-interval run is never materialised as number arrays here; otherwise the `timeline` fields
 * of the run's variants / of the trace document are read.
 *
 * Pure: no I/O. The default byte encoding is base64 without compression; the shells pass a gzip
 * encoder (io/gzipBase64.ts). Same input => same document.
 */
import { timelineSourceOf, type TimelineData, type TimelineSource } from '../core/timeline';
import { encodeTimeline } from '../core/timelineCodec';
import { VIEW_SCHEMA, type EncodedTimeline, type ViewDocument, type ViewOrigin } from '../shared/view';

/** Turns the encoded bytes into the text carried in the document. */
export type BytesEncoder = (b: Uint8Array) => { compression: 'none' | 'gzip'; data: string };

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (RFC 4648, with padding), built in chunks so large inputs do not build huge intermediate arrays. */
export function base64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CH = 3 * 16384;
  for (let off = 0; off < bytes.length; off += CH) {
    const end = Math.min(bytes.length, off + CH);
    const codes: number[] = [];
    let i = off;
    for (; i + 2 < end; i += 3) {
      const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      codes.push(B64.charCodeAt(v >> 18), B64.charCodeAt((v >> 12) & 63), B64.charCodeAt((v >> 6) & 63), B64.charCodeAt(v & 63));
    }
    if (i < end) {
      const rest = end - i;
      const v = (bytes[i] << 16) | (rest > 1 ? bytes[i + 1] << 8 : 0);
      codes.push(B64.charCodeAt(v >> 18), B64.charCodeAt((v >> 12) & 63), rest > 1 ? B64.charCodeAt((v >> 6) & 63) : 61, 61);
    }
    let s = '';
    for (let k = 0; k < codes.length; k += 8192) s += String.fromCharCode(...codes.slice(k, k + 8192));
    parts.push(s);
  }
  return parts.join('');
}

/** The default {@link BytesEncoder}: base64, no compression. */
export const plainBase64: BytesEncoder = (b) => ({ compression: 'none', data: base64(b) });

/** One timeline in `vpt1` form with its lane headers. */
export function encodeView(tl: TimelineSource, encodeBytes: BytesEncoder = plainBase64): EncodedTimeline {
  const { bytes, intervals } = encodeTimeline(tl);
  const enc = encodeBytes(bytes);
  return {
    encoding: 'vpt1',
    compression: enc.compression,
    startNs: tl.startNs,
    endNs: tl.endNs,
    states: tl.states.slice(),
    causes: tl.causes.slice(),
    lanes: tl.lanes.map((l) => ({ id: l.id, label: l.label, group: l.group, kind: l.kind, count: l.length })),
    intervals,
    data: enc.data,
  };
}

const EMPTY: TimelineSource = { startNs: 0, endNs: 0, states: [], causes: [], lanes: [] };

/** The run document as `toRunJson` returns it (variants may carry a `timeline`). */
export interface RunLike {
  /** `vpscope.run/1`. */
  schema: string;
  file: string;
  seed: number;
  variants: readonly { name: string; timeline?: TimelineData }[];
}

export interface SimulationViewInput {
  title: string;
  source: string;
  sourceUri?: string;
  origin?: ViewOrigin;
  run: RunLike;
  /**
   * Timelines of the variants, in the order of `run.variants` (typed-array sources). When left
   * out, each variant's `timeline` field is used (an empty timeline when it has none).
   */
  timelines?: readonly (TimelineSource | undefined)[];
  encodeBytes?: BytesEncoder;
}

/** A view of a simulated run: one encoded timeline per variant; the run copy has no `timeline` fields. */
export function buildSimulationView(input: SimulationViewInput): ViewDocument {
  const enc = input.encodeBytes ?? plainBase64;
  const timelines: EncodedTimeline[] = [];
  const variants: ({ name: string } & Record<string, unknown>)[] = [];
  input.run.variants.forEach((v, i) => {
    const { timeline, ...rest } = v as { name: string; timeline?: TimelineData } & Record<string, unknown>;
    const src = input.timelines?.[i] ?? (timeline ? timelineSourceOf(timeline) : EMPTY);
    timelines.push(encodeView(src, enc));
    variants.push(rest as { name: string } & Record<string, unknown>);
  });
  const doc: ViewDocument = {
    schema: VIEW_SCHEMA,
    kind: 'simulation',
    title: input.title,
    source: input.source,
    run: { ...(input.run as unknown as Record<string, unknown>), schema: 'vpscope.run/1', file: input.run.file, seed: input.run.seed, variants },
    timelines,
  };
  if (input.sourceUri !== undefined) doc.sourceUri = input.sourceUri;
  if (input.origin !== undefined) doc.origin = input.origin;
  return doc;
}

export interface TraceViewInput {
  title: string;
  source: string;
  origin?: ViewOrigin;
  /** The `vpscope.trace/1` document (its `timeline`, if any, is used unless `timeline` is given). */
  trace: { schema: 'vpscope.trace/1'; timeline?: TimelineData; [k: string]: unknown };
  /** The trace's timeline as a typed-array source (`analyzeTraceParts(...).timeline`). */
  timeline?: TimelineSource;
  encodeBytes?: BytesEncoder;
}

/** A view of an analysed trace: its one timeline encoded; the trace copy has no `timeline`. */
export function buildTraceView(input: TraceViewInput): ViewDocument {
  const { timeline, ...rest } = input.trace;
  const src = input.timeline ?? (timeline ? timelineSourceOf(timeline) : EMPTY);
  const doc: ViewDocument = {
    schema: VIEW_SCHEMA,
    kind: 'trace',
    title: input.title,
    source: input.source,
    trace: rest as ViewDocument['trace'],
    timelines: [encodeView(src, input.encodeBytes ?? plainBase64)],
  };
  if (input.origin !== undefined) doc.origin = input.origin;
  return doc;
}
