/**
 * The seams inside the webview app, so that the timeline (canvas, LOD, interaction) and the side
 * panels (charts, stall list, findings, shares, counters, exports) are built independently:
 * `main.ts` decodes the document into a {@link ViewModel}, creates the timeline, which implements
 * {@link AppApi}, and calls `mountPanels(container, app)` from `panels/index.ts`.
 *
 * No `vscode` import anywhere under webview/: the host (VS Code webview or the HTML report page)
 * is reached only through {@link Host}.
 */
import type { LaneColumns } from '../../server/src/core/timelineCodec';
import type { LaneKind } from '../../server/src/core/timeline';
import type { CounterTrack } from './counterTracks';
import type { HostToView, ViewDocument, ViewRange, ViewState, ViewToHost } from '../../server/src/shared/view';

/** Where the app runs: the VS Code webview (acquireVsCodeApi) or the standalone HTML report. */
export interface Host {
  readonly kind: 'vscode' | 'report';
  /** Sends a message (validated by the receiver too). */
  post(msg: ViewToHost): void;
  /** Messages from the host, already validated with `isHostToView`. */
  onMessage(fn: (msg: HostToView) => void): void;
  getState(): ViewState | undefined;
  setState(s: ViewState): void;
}

export interface LaneModel {
  id: string;
  label: string;
  group: string;
  kind: LaneKind;
  cols: LaneColumns;
}

/** One timeline of the document, decoded: a simulated variant, or the trace. */
export interface VariantModel {
  index: number;
  /** Variant name (`base`, a variant) or `trace`. */
  name: string;
  startNs: number;
  endNs: number;
  states: string[];
  causes: string[];
  lanes: LaneModel[];
  /** Counter tracks drawn on the timeline (a trace's counter series), checked by counterTracks.ts. */
  counters?: CounterTrack[];
  /** `doc.run.variants[index]` (tasks, stalls, findings, vms, counters...) for simulations. */
  run?: Record<string, unknown>;
}

export interface ViewModel {
  doc: ViewDocument;
  variants: VariantModel[];
}

export interface Selection {
  /** Variant index the lane belongs to. */
  variant: number;
  lane: string;
  startNs: number;
  endNs: number;
}

export type ChangeKind = 'view' | 'variants' | 'selection' | 'theme' | 'highlight';

/** What the timeline offers to the panels. */
export interface AppApi {
  readonly model: ViewModel;
  readonly host: Host;
  /** Variant indices shown (one, or two stacked on one time axis). */
  variants(): number[];
  setVariants(indices: number[]): void;
  /** Visible time range, ns. */
  visibleRange(): [number, number];
  /** The time the axis reads as 0 (the earliest start of the shown variants), ns. */
  originNs(): number;
  setVisibleRange(startNs: number, endNs: number): void;
  /** Lanes currently shown (filter and collapsed groups applied), in drawing order. */
  visibleLanes(): { variant: number; lane: LaneModel }[];
  /** Selects (outlines) an interval or a stall on the timeline, scrolls to it, zooms out if needed. */
  select(sel: Selection | undefined): void;
  selection(): Selection | undefined;
  /** Asks the host to reveal the source range (no-op without a range). */
  reveal(range: ViewRange | undefined): void;
  /** Resolved colour for a state name (from the `--vscode-*` theme variables). */
  stateColor(state: string): string;
  /** Theme colours for charts: foreground, grid, and a series palette. */
  themeColors(): { fg: string; grid: string; series: string[] };
  onChange(fn: (what: ChangeKind) => void): void;
  /** The timeline canvas as a PNG data URL (for the PNG export). */
  toPng(): string;
}
