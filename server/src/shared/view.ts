/**
 * The timeline view's data and messages, declared once for every side: the webview app
 * (`webview/src`, a browser bundle), the VS Code client (`client/src`), the CLI's HTML report and
 * the language server. Versioned: {@link VIEW_PROTOCOL_VERSION} changes when a message or the
 * document changes incompatibly; fields are otherwise only added.
 *
 * Invariant: this module imports nothing at run time (types only), so it can be bundled into the
 * browser app, the extension host and the server alike. Every message crossing the webview
 * boundary is checked with {@link isHostToView} / {@link isViewToHost} on the receiving side.
 */
import type { LaneKind } from '../core/timeline';
import type { SeedsDoc } from '../report/seeds';

export const VIEW_SCHEMA = 'vpscope.view/1';
export const VIEW_PROTOCOL_VERSION = 1;

/** An LSP range (0-based line / UTF-16 character), as in the run JSON. */
export interface ViewRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** One lane's header; its intervals are in {@link EncodedTimeline.data}. */
export interface ViewLane {
  id: string;
  label: string;
  group: string;
  kind: LaneKind;
  /** Number of intervals of this lane in the encoded stream. */
  count: number;
}

/**
 * A timeline in compact form (see `core/timelineCodec.ts` for the byte layout `vpt1`). The bytes
 * are optionally gzip-compressed (`compression: 'gzip'`; the browser decodes them with
 * `DecompressionStream('gzip')`) and carried as base64 text.
 */
export interface EncodedTimeline {
  encoding: 'vpt1';
  compression: 'none' | 'gzip';
  startNs: number;
  endNs: number;
  states: string[];
  causes: string[];
  lanes: ViewLane[];
  /** Total intervals (sum of the lanes' counts). */
  intervals: number;
  /** Base64 of the (compressed) byte stream. */
  data: string;
}

/**
 * What one view (an editor tab or an HTML report) shows: a simulated run (every variant that was
 * simulated, each with its timeline) or an analysed trace (one timeline).
 *
 * `run` is the `vpscope.run/1` document without the `timeline` fields (ranges are LSP ranges);
 * each variant keeps `stalls` (the longest, at most 200, each naming its timeline `lane`) and
 * `stallSummary` (count and per-cause totals of all the run's stalls: what the stall list counts);
 * `trace` is the `vpscope.trace/1` document without its `timeline`. `timelines[i]` belongs to
 * `run.variants[i]` (simulations) or is the trace's one timeline.
 */
export interface ViewDocument {
  schema: typeof VIEW_SCHEMA;
  kind: 'simulation' | 'trace';
  /** Tab / page title, e.g. the scenario's title or the trace's file name. */
  title: string;
  /** The scenario or trace path as the user named it (what `reveal` refers to). */
  source: string;
  /** Source file URI when known (VS Code); the HTML report leaves it out. */
  sourceUri?: string;
  /**
   * How to produce this document again (VS Code: a tab restored after a reload re-runs it, since
   * documents are too large for webview state). The webview stores it with its {@link ViewState}
   * and never interprets it.
   */
  origin?: ViewOrigin;
  run?: { schema: 'vpscope.run/1'; file: string; seed: number; variants: ({ name: string } & Record<string, unknown>)[]; [k: string]: unknown };
  trace?: { schema: 'vpscope.trace/1'; [k: string]: unknown };
  /**
   * Several seeds or a sweep (`vpscope.seeds/1` without its per-run list): the view shows each
   * metric against the sweep value (or per variant) with its 95% interval, and no timeline.
   */
  seeds?: SeedsDoc;
  timelines: EncodedTimeline[];
}

export type ViewOrigin =
  | { kind: 'simulation'; uri: string; variant?: string; allVariants?: boolean; variants?: string[]; seed?: number }
  | TraceOrigin;

/** A trace view's source: the host trace, and the guest's linked to it with the options given (AnalyzeTraceParams). */
export interface TraceOrigin {
  kind: 'trace';
  path: string;
  guestPath?: string;
  guestOffsetNs?: number;
  hostClock?: string;
  guestClock?: string;
}

/** How the guest trace is linked to the host's: the options of `vpscope analyze HOST GUEST` a trace origin, request or job carries. */
export type TraceLinkOptions = Pick<TraceOrigin, 'guestOffsetNs' | 'hostClock' | 'guestClock'>;

/** The link options `x` gives, without keys for those it leaves out (they travel as JSON and into `linkHostGuest`). */
export function traceLinkOptions(x: TraceLinkOptions): TraceLinkOptions {
  return {
    ...(x.guestOffsetNs !== undefined ? { guestOffsetNs: x.guestOffsetNs } : {}),
    ...(x.hostClock !== undefined ? { hostClock: x.hostClock } : {}),
    ...(x.guestClock !== undefined ? { guestClock: x.guestClock } : {}),
  };
}

/** What the VS Code webview keeps with `setState` (and the serializer gets back after a reload). */
export interface PersistedView {
  origin?: ViewOrigin;
  view?: ViewState;
}

/** State of the view that survives a reload (webview `getState/setState`, or the report's URL hash). */
export interface ViewState {
  /** Visible time range, ns. */
  viewStartNs?: number;
  viewEndNs?: number;
  /** Selected variants (indices into `timelines`): one, or two stacked. */
  variants?: number[];
  collapsedGroups?: string[];
  filter?: string;
  /** Selected interval or stall. */
  selection?: { lane: string; startNs: number; endNs: number };
  /** Which side panel is shown. */
  panel?: string;
  logScale?: boolean;
  /** Seeds/sweep view: the metric shown, and the value axis on a log scale (unset: automatic). */
  seedsMetric?: string;
  seedsLog?: boolean;
  /** Stalls panel: rows grouped by variant, task, VP, VM and cause. */
  stallsGrouped?: boolean;
  /** The side panels' share of the view's width (0..1; the splitter clamps it). */
  sideWidth?: number;
  /** Timeline: show the derived counter tracks (runnable vCPUs, steal per VM and pool; unset: shown). */
  derivedTracks?: boolean;
  /** Timeline: the row at the top of the lane area (its key) and how far it is scrolled past its top, CSS px. */
  scrollAnchor?: { row: string; offset: number };
}

/** What the editor says is under its cursor: the lanes of these are highlighted. */
export interface HighlightTarget {
  vm?: string;
  vp?: number;
  task?: string;
}

// ---------------------------------------------------------------------------------------------
// Messages

/** Host (extension or report page) -> view. */
export type HostToView =
  | { type: 'load'; version: number; doc: ViewDocument; state?: ViewState }
  | { type: 'highlight'; version: number; targets: HighlightTarget[] }
  /** The run is being recomputed (the tab stays, greyed) or failed. */
  | { type: 'status'; version: number; text: string; busy: boolean };

/** View -> host. */
export type ViewToHost =
  | { type: 'ready'; version: number }
  /** Reveal the source range responsible for what the user clicked. */
  | { type: 'reveal'; version: number; range: ViewRange; source?: string }
  /** Save an export: `png` data is base64, `csv` is text. */
  | { type: 'export'; version: number; format: 'png' | 'csv'; fileName: string; data: string }
  /** Persist view state (the VS Code host also keeps it through `setState`). */
  | { type: 'state'; version: number; state: ViewState }
  | { type: 'log'; version: number; level: 'error' | 'warn' | 'info'; message: string };

// ---------------------------------------------------------------------------------------------
// Validation (hand-written: a handful of shapes, no schema library needed in the browser bundle)

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isStr = (x: unknown): x is string => typeof x === 'string';
const isPos = (x: unknown) => isObj(x) && isNum(x.line) && isNum(x.character) && x.line >= 0 && x.character >= 0;

export function isViewRange(x: unknown): x is ViewRange {
  return isObj(x) && isPos(x.start) && isPos(x.end);
}

function isEncodedTimeline(x: unknown): x is EncodedTimeline {
  return (
    isObj(x) &&
    x.encoding === 'vpt1' &&
    (x.compression === 'none' || x.compression === 'gzip') &&
    isNum(x.startNs) &&
    isNum(x.endNs) &&
    Array.isArray(x.states) &&
    x.states.every(isStr) &&
    Array.isArray(x.causes) &&
    x.causes.every(isStr) &&
    Array.isArray(x.lanes) &&
    x.lanes.every((l) => isObj(l) && isStr(l.id) && isStr(l.label) && isStr(l.group) && isStr(l.kind) && isNum(l.count) && l.count >= 0) &&
    isNum(x.intervals) &&
    isStr(x.data)
  );
}

const isMetricAggregate = (m: unknown) =>
  isObj(m) && isNum(m.mean) && isNum(m.lo) && isNum(m.hi) && isNum(m.n) && (m.unit === 'ns' || m.unit === 'fraction' || m.unit === 'count') && (m.values === undefined || (Array.isArray(m.values) && m.values.every(isNum)));

const isAxis = (a: unknown) => isObj(a) && isStr(a.path) && Array.isArray(a.values) && a.values.every(isStr);

/** A seeds/sweep aggregate as the view draws it (the fields it reads; see `report/seeds.ts`). */
export function isSeedsView(x: unknown): x is SeedsDoc {
  return (
    isObj(x) &&
    x.schema === 'vpscope.seeds/1' &&
    isStr(x.method) &&
    Array.isArray(x.seeds) &&
    x.seeds.every(isNum) &&
    Array.isArray(x.variants) &&
    x.variants.every(isStr) &&
    (x.sweep === undefined || isAxis(x.sweep)) &&
    (x.sweeps === undefined || (Array.isArray(x.sweeps) && x.sweeps.every(isAxis))) &&
    Array.isArray(x.aggregate) &&
    x.aggregate.every((c) => isObj(c) && isStr(c.variant) && (c.point === undefined || isStr(c.point)) && (c.at === undefined || (Array.isArray(c.at) && c.at.every(isStr))) && isObj(c.metrics) && Object.values(c.metrics).every(isMetricAggregate)) &&
    Array.isArray(x.comparisons)
  );
}

export function isViewDocument(x: unknown): x is ViewDocument {
  return (
    isObj(x) &&
    x.schema === VIEW_SCHEMA &&
    (x.kind === 'simulation' || x.kind === 'trace') &&
    isStr(x.title) &&
    isStr(x.source) &&
    Array.isArray(x.timelines) &&
    x.timelines.every(isEncodedTimeline) &&
    (x.run === undefined || (isObj(x.run) && Array.isArray(x.run.variants))) &&
    (x.trace === undefined || isObj(x.trace)) &&
    (x.seeds === undefined || isSeedsView(x.seeds))
  );
}

/** Longest row key a saved scroll anchor may name (a lane id; longer ones are not saved). */
export const MAX_ANCHOR_KEY = 4096;

export function isViewState(x: unknown): x is ViewState {
  if (!isObj(x)) return false;
  const optNum = (v: unknown) => v === undefined || isNum(v);
  return (
    optNum(x.viewStartNs) &&
    optNum(x.viewEndNs) &&
    (x.variants === undefined || (Array.isArray(x.variants) && x.variants.every(isNum))) &&
    (x.collapsedGroups === undefined || (Array.isArray(x.collapsedGroups) && x.collapsedGroups.every(isStr))) &&
    (x.filter === undefined || isStr(x.filter)) &&
    (x.panel === undefined || isStr(x.panel)) &&
    (x.logScale === undefined || typeof x.logScale === 'boolean') &&
    (x.seedsMetric === undefined || isStr(x.seedsMetric)) &&
    (x.seedsLog === undefined || typeof x.seedsLog === 'boolean') &&
    (x.stallsGrouped === undefined || typeof x.stallsGrouped === 'boolean') &&
    (x.sideWidth === undefined || (isNum(x.sideWidth) && x.sideWidth > 0 && x.sideWidth < 1)) &&
    (x.derivedTracks === undefined || typeof x.derivedTracks === 'boolean') &&
    (x.scrollAnchor === undefined || (isObj(x.scrollAnchor) && isStr(x.scrollAnchor.row) && x.scrollAnchor.row.length <= MAX_ANCHOR_KEY && isNum(x.scrollAnchor.offset) && x.scrollAnchor.offset >= 0)) &&
    (x.selection === undefined || (isObj(x.selection) && isStr(x.selection.lane) && isNum(x.selection.startNs) && isNum(x.selection.endNs)))
  );
}

export function isHostToView(x: unknown): x is HostToView {
  if (!isObj(x) || x.version !== VIEW_PROTOCOL_VERSION) return false;
  switch (x.type) {
    case 'load':
      return isViewDocument(x.doc) && (x.state === undefined || isViewState(x.state));
    case 'highlight':
      return Array.isArray(x.targets) && x.targets.every((t) => isObj(t) && (t.vm === undefined || isStr(t.vm)) && (t.vp === undefined || isNum(t.vp)) && (t.task === undefined || isStr(t.task)));
    case 'status':
      return isStr(x.text) && typeof x.busy === 'boolean';
    default:
      return false;
  }
}

/**
 * Longest `log` message the host accepts (written to its output channel): the view's own messages
 * are a line or two; a longer one is dropped as invalid (the host logs its first 200 characters).
 */
export const MAX_LOG_CHARS = 64 * 1024;

/**
 * Longest `source` a `reveal` may name: Linux's PATH_MAX (4,096 bytes, limits.h) percent-encoded
 * in a URI (3 characters a byte) with room for the scheme: 16 KiB. The host opens only a file the
 * view was built from whatever the length (client/src/revealTarget.ts); this bounds the compare.
 */
export const MAX_REVEAL_SOURCE_CHARS = 16 * 1024;

/** Largest export the host accepts (a PNG of a 4k view is a few MB). */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;

export function isViewToHost(x: unknown): x is ViewToHost {
  if (!isObj(x) || x.version !== VIEW_PROTOCOL_VERSION) return false;
  switch (x.type) {
    case 'ready':
      return true;
    case 'reveal':
      return isViewRange(x.range) && (x.source === undefined || (isStr(x.source) && x.source.length <= MAX_REVEAL_SOURCE_CHARS));
    case 'export':
      return (
        (x.format === 'png' || x.format === 'csv') &&
        isStr(x.fileName) &&
        /^[\w.\- ]{1,120}$/.test(x.fileName) &&
        isStr(x.data) &&
        x.data.length <= MAX_EXPORT_CHARS
      );
    case 'state':
      return isViewState(x.state);
    case 'log':
      return (x.level === 'error' || x.level === 'warn' || x.level === 'info') && isStr(x.message) && x.message.length <= MAX_LOG_CHARS;
    default:
      return false;
  }
}
