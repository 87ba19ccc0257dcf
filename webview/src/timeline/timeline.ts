/**
 * The timeline: toolbar, lane labels, time axis, the lane canvas (painted from the level-of-detail
 * structures into one ImageData), an overlay canvas (grid, findings, selection, highlight, time
 * cursor), the legend, tooltip and status line; mouse and keyboard interaction; and the
 * {@link AppApi} the panels use.
 *
 * Layers: the lanes canvas is repainted only when the view, the rows or the theme change (one
 * putImageData); the cursor, drag range and hover only repaint the overlay. Drawing is coalesced
 * into one requestAnimationFrame.
 */
import { showControls } from '../../../server/src/core/text';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import { MAX_ANCHOR_KEY, VIEW_PROTOCOL_VERSION, type HighlightTarget, type ViewRange, type ViewState } from '../../../server/src/shared/view';
import type { AppApi, ChangeKind, Host, LaneModel, Selection, ViewModel } from '../contract';
import { formatDuration, formatTime, timeTicks } from '../format';
import { LaneLod, quietFlags, severityRanks } from '../lod';
import { isOnCpu, legendRank } from '../palette';
import { blend, parseColor, pixelOf, readTheme, StateColors, stateColorCss, type Theme } from '../theme';
import { counterColumns, derivedTracks, paintCounter, poolsOfRun, sampleAt, valueAt } from '../counterTracks';
import { Painter, type PaintRow } from './render';
import { buildRows, groupCount, laneIdentity, laneMatches, revealRangeFor, rowAt, rowsHeight, scrollAnchorOf, scrollForAnchor, type CounterRow, type LaneRow, type Row, type RowInput } from './rows';

const LABEL_W = 230;
const AXIS_H = 24;
const MIN_SPAN_NS = 50;
const ZOOM_STEP = 0.8;
const PAN_FRACTION = 0.1;
/** Narrowest interval that carries a text label, CSS px. */
const LABEL_MIN_PX = 48;

interface FindingMark {
  index: number;
  code: string;
  title: string;
  startNs: number;
  durationNs: number;
  range?: ViewRange;
}

/** What the test API reports per lane. */
export interface TestLane {
  id: string;
  label: string;
  group: string;
  kind: string;
  variant: number;
  y: number;
  h: number;
}

/** What the test API reports per counter track. */
export interface TestCounter {
  id: string;
  label: string;
  group: string;
  variant: number;
  y: number;
  h: number;
  min: number;
  max: number;
}

export interface TimelineMetrics {
  redraws: number;
  lastDrawMs: number;
  /** The derived counter tracks (runnable vCPUs, steal) are computed (after the first drawing). */
  countersReady: boolean;
}

const VALUE_FMT = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 6 });
const VALUE_SCI = new Intl.NumberFormat('en-US', { notation: 'scientific', maximumSignificantDigits: 4 });
/** A counter value as read in labels and the tooltip: 6 significant digits, scientific from 10^12 (and below 10^-4). */
const fmtValue = (v: number): string => {
  const a = Math.abs(v);
  return a >= 1e12 || (a > 0 && a < 1e-4) ? VALUE_SCI.format(v) : VALUE_FMT.format(v);
};

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = showControls(text);
  return e;
};

export class Timeline implements AppApi {
  readonly metrics: TimelineMetrics = { redraws: 0, lastDrawMs: 0, countersReady: false };
  /** Called once after the first full drawing. */
  onFirstDraw: () => void = () => {};
  /** After the first drawing, once the derived counter tracks are in the rows (rows move no more by themselves). */
  onCountersReady: () => void = () => {};

  private shown: number[];
  private viewStart: number;
  private viewEnd: number;
  private filter = '';
  private collapsed = new Set<string>();
  private sel: Selection | undefined;
  private dragRange: [number, number] | undefined;
  private highlighted = new Set<string>();
  private rows: Row[] = [];
  private scrollY = 0;
  /** Show the derived counter tracks (runnable vCPUs, steal); the toolbar's "Derived tracks". */
  private showDerived = true;
  /**
   * The saved scroll anchor, kept until its row is shown (a derived track's row comes after the
   * first drawing) or the derived tracks are in, unless the user scrolls first ({@link pendingY}).
   */
  private pendingAnchor: { row: string; offset: number } | undefined;
  /** The scroll position the pending anchor last gave (NaN: not applied yet). */
  private pendingY = NaN;
  /** Row cursor of the lane names (keyboard), -1 before the first use. */
  private focusRow = -1;
  private hover: { x: number; y: number } | undefined;
  private listeners: ((w: ChangeKind) => void)[] = [];
  private theme!: Theme;
  private colors: StateColors[] = [];
  private readonly lods: LaneLod[][];
  private readonly lodByLane = new Map<LaneModel, LaneLod>();
  private readonly abort = new AbortController();
  private groupBg = 0;
  private hlBg = 0;
  private trackBg = 0;
  /** Counter track pixels per series colour: the min-max span and the area under it. */
  private counterPx: { line: number; area: number }[] = [];
  private counterLo = new Float64Array(0);
  private counterColors: Map<string, number> | undefined;
  private counterHi = new Float64Array(0);
  private readonly findings: Map<string, FindingMark[]>[];
  private readonly groupNames: Map<string, string>;
  private readonly painter = new Painter();
  private image: ImageData | undefined;
  private lanesDirty = true;
  private overlayDirty = true;
  private frame = 0;
  private firstDone = false;
  private started = false;
  private persistTimer: ReturnType<typeof setTimeout> | undefined;
  private warmTimer: ReturnType<typeof setTimeout> | undefined;
  private deriveTimer: ReturnType<typeof setTimeout> | undefined;
  private resizeObs!: ResizeObserver;
  private cssW = 0;
  private cssH = 0;
  private dpr = 1;

  // DOM
  private readonly labels: HTMLCanvasElement;
  private readonly axis: HTMLCanvasElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly overlay: HTMLCanvasElement;
  private readonly plot: HTMLDivElement;
  private readonly vscroll: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly tooltip: HTMLDivElement;
  private readonly legend: HTMLDivElement;
  private readonly blankCodes: Uint8Array[] = [];
  private readonly busyCache = new Map<LaneModel, number>();
  private readonly hoverScratch = { dom: new Uint16Array(1), worst: new Uint16Array(1), act: new Uint16Array(1), frac: new Uint8Array(1) };
  private readonly quietCodes: Uint8Array[] = [];
  private readonly cursorOut: HTMLSpanElement;
  private readonly selOut: HTMLSpanElement;
  private readonly statusOut: HTMLSpanElement;
  private readonly pickA: HTMLElement & { value: string };
  private readonly pickB: HTMLElement & { value: string };
  private readonly filterBox: HTMLElement & { value: string };
  private readonly zoomSelBtn: HTMLElement;
  private readonly derivedBox: HTMLElement & { checked: boolean };

  constructor(
    readonly model: ViewModel,
    readonly host: Host,
    toolbar: HTMLElement,
    pane: HTMLElement,
    state: ViewState | undefined,
  ) {
    const vs = model.variants;
    this.lods = vs.map((v) => {
      const ranks = severityRanks(v.states);
      const quiet = quietFlags(v.states);
      // Per state code (index + 1): idle paints as the background; quiet states above the bar.
      this.blankCodes.push(Uint8Array.from([0, ...v.states.map((s) => (s === 'idle' ? 1 : 0))]));
      this.quietCodes.push(Uint8Array.from([0, ...quiet]));
      return v.lanes.map((l) => {
        const lod = new LaneLod(l.cols, v.startNs, v.endNs, ranks, quiet);
        this.lodByLane.set(l, lod);
        return lod;
      });
    });
    this.findings = vs.map((v) => this.collectFindings(v.index));
    this.groupNames = this.collectGroupNames();
    this.shown = vs.length ? [0] : [];

    // Toolbar
    toolbar.textContent = '';
    toolbar.setAttribute('role', 'toolbar');
    toolbar.setAttribute('aria-label', 'Timeline controls');
    const title = el('span', 'tb-title', model.doc.title);
    title.title = model.doc.source;
    toolbar.append(title);
    this.pickA = this.picker('Variant', vs.map((v) => [String(v.index), v.name]));
    this.pickB = this.picker('Compare with', [['-1', 'none'], ...vs.map((v): [string, string] => [String(v.index), v.name])]);
    const showPickers = vs.length > 1;
    if (showPickers) {
      toolbar.append(this.labelled('Variant', this.pickA), this.labelled('Compare', this.pickB));
    }
    this.pickA.addEventListener('change', () => this.onPick());
    this.pickB.addEventListener('change', () => this.onPick());
    this.filterBox = document.createElement('vscode-textfield') as unknown as HTMLElement & { value: string };
    this.filterBox.setAttribute('placeholder', 'Filter lanes');
    this.filterBox.setAttribute('aria-label', 'Filter lanes by name');
    this.filterBox.className = 'tb-filter';
    this.filterBox.addEventListener('input', () => {
      this.filter = this.filterBox.value ?? '';
      this.relayout();
    });
    toolbar.append(this.filterBox);
    toolbar.append(
      this.button('Zoom in', 'Zoom in (W, +)', () => this.zoomBy(ZOOM_STEP)),
      this.button('Zoom out', 'Zoom out (S, -)', () => this.zoomBy(1 / ZOOM_STEP)),
      this.button('Reset', 'Show everything (0, Home)', () => this.resetView()),
    );
    this.zoomSelBtn = this.button('Zoom to range', 'Zoom to the dragged range (Enter)', () => this.zoomToDrag());
    this.zoomSelBtn.setAttribute('disabled', '');
    toolbar.append(this.zoomSelBtn);
    this.derivedBox = document.createElement('vscode-checkbox') as unknown as HTMLElement & { checked: boolean };
    this.derivedBox.className = 'tb-derived';
    this.derivedBox.setAttribute('label', 'Derived tracks');
    this.derivedBox.title = 'Show the runnable vCPUs and steal tracks computed per VM and pool (Space toggles)';
    this.derivedBox.setAttribute('aria-label', 'Show derived counter tracks: runnable vCPUs and steal per VM and pool');
    this.derivedBox.addEventListener('change', () => this.setDerivedTracks(!!this.derivedBox.checked));
    toolbar.append(this.derivedBox);
    const spacer = el('span', 'tb-spacer');
    toolbar.append(spacer);

    // Timeline pane
    pane.textContent = '';
    const head = el('div', 'tl-head');
    const corner = el('div', 'tl-corner', 'Lanes');
    this.axis = el('canvas', 'tl-axis');
    this.axis.setAttribute('aria-hidden', 'true');
    head.append(corner, this.axis);
    const body = el('div', 'tl-body');
    this.labels = el('canvas', 'tl-labels');
    this.labels.tabIndex = 0;
    this.labels.setAttribute('role', 'img');
    this.labels.setAttribute('aria-label', 'Lane names: arrows move between rows, Enter or Space (or a click) collapses or expands a group');
    this.plot = el('div', 'tl-plot');
    this.canvas = el('canvas');
    this.canvas.id = 'timeline-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute(
      'aria-label',
      'Timeline of lane states. Keys: W and S zoom, A and D pan, plus and minus zoom, 0 or Home resets, Enter zooms to the dragged range, F to the selection, arrows scroll.',
    );
    this.overlay = el('canvas', 'tl-overlay');
    this.overlay.setAttribute('aria-hidden', 'true');
    this.tooltip = el('div', 'tl-tooltip');
    this.tooltip.setAttribute('role', 'tooltip');
    this.plot.append(this.canvas, this.overlay, this.tooltip);
    this.vscroll = el('div', 'tl-vscroll');
    this.spacer = el('div', 'tl-vscroll-spacer');
    this.vscroll.append(this.spacer);
    body.append(this.labels, this.plot, this.vscroll);
    this.legend = el('div', 'tl-legend');
    this.legend.setAttribute('aria-label', 'State colours');
    const status = el('div', 'tl-status');
    status.setAttribute('aria-live', 'polite');
    this.cursorOut = el('span', 'tl-cursor-time');
    this.selOut = el('span', 'tl-sel');
    this.statusOut = el('span', 'tl-msg');
    this.statusOut.id = 'vpscope-status';
    status.append(this.cursorOut, this.selOut, this.statusOut);
    pane.append(head, body, this.legend, status);

    const all = this.fullRange();
    this.viewStart = all[0];
    // The first view (no saved state) fits the activity: a run that ends its work at 50 ms of a
    // simulated second shows those 50 ms (with a 3% margin); Reset / 0 / Home show everything.
    const busyEnd = this.activityEnd();
    this.viewEnd = busyEnd > all[0] && busyEnd < all[0] + 0.8 * (all[1] - all[0]) ? Math.min(all[1], busyEnd + 0.03 * (busyEnd - all[0])) : all[1];
    this.applyState(state);
    this.pickA.value = String(this.shown[0] ?? 0);
    this.pickB.value = String(this.shown[1] ?? -1);
    this.filterBox.value = this.filter;
    this.derivedBox.checked = this.showDerived;
    if (this.showDerived) this.derivedBox.setAttribute('checked', '');

    this.refreshTheme();
    this.relayout(false);
    this.bindEvents();
    this.resizeObs = new ResizeObserver(() => this.resize());
    this.resizeObs.observe(this.plot);
    this.resize();
  }

  // -------------------------------------------------------------------------------------------
  // Setup helpers

  private picker(label: string, options: [string, string][]): HTMLElement & { value: string } {
    const s = document.createElement('vscode-single-select') as unknown as HTMLElement & { value: string };
    s.setAttribute('aria-label', label);
    for (const [value, text] of options) {
      const o = document.createElement('vscode-option');
      o.setAttribute('value', value);
      o.textContent = text;
      s.append(o);
    }
    return s;
  }

  private labelled(text: string, control: HTMLElement): HTMLElement {
    const w = el('span', 'tb-field');
    w.append(el('span', 'tb-label', text), control);
    return w;
  }

  private button(text: string, title: string, fn: () => void): HTMLElement {
    const b = document.createElement('vscode-button');
    b.textContent = text;
    b.title = title;
    b.setAttribute('aria-label', title);
    b.setAttribute('secondary', '');
    b.addEventListener('click', fn);
    return b;
  }

  /** Adds a control to the toolbar (the report host's theme toggle). */
  addToolbarButton(toolbar: HTMLElement, text: string, title: string, fn: () => void): HTMLElement {
    const b = this.button(text, title, fn);
    toolbar.append(b);
    return b;
  }

  private collectFindings(v: number): Map<string, FindingMark[]> {
    const m = new Map<string, FindingMark[]>();
    const doc = this.model.doc;
    const src = doc.kind === 'trace' ? (doc.trace as Record<string, unknown> | undefined) : this.model.variants[v]?.run;
    const list = src && Array.isArray(src.findings) ? (src.findings as Record<string, unknown>[]) : [];
    list.forEach((f, index) => {
      if (typeof f?.lane !== 'string' || typeof f.startNs !== 'number' || !Number.isFinite(f.startNs)) return;
      const mark: FindingMark = {
        index,
        code: String(f.code ?? ''),
        title: String(f.title ?? ''),
        startNs: f.startNs,
        durationNs: typeof f.durationNs === 'number' && f.durationNs > 0 ? f.durationNs : 0,
        range: f.range as ViewRange | undefined,
      };
      let a = m.get(f.lane);
      if (!a) m.set(f.lane, (a = []));
      a.push(mark);
    });
    return m;
  }

  private collectGroupNames(): Map<string, string> {
    const m = new Map<string, string>();
    const tr = this.model.doc.trace as Record<string, unknown> | undefined;
    if (tr && Array.isArray(tr.vms)) {
      for (const vm of tr.vms as Record<string, unknown>[]) if (typeof vm?.id === 'string' && typeof vm.name === 'string') m.set(vm.id, `VM ${vm.name}`);
    }
    return m;
  }

  private applyState(s: ViewState | undefined): void {
    if (!s) return;
    const n = this.model.variants.length;
    if (s.variants) {
      const v = [...new Set(s.variants.filter((i) => Number.isInteger(i) && i >= 0 && i < n))].slice(0, 2);
      if (v.length) this.shown = v;
    }
    if (s.collapsedGroups) this.collapsed = new Set(s.collapsedGroups);
    if (typeof s.filter === 'string') this.filter = s.filter;
    if (typeof s.derivedTracks === 'boolean') this.showDerived = s.derivedTracks;
    if (s.scrollAnchor) this.pendingAnchor = { row: s.scrollAnchor.row, offset: s.scrollAnchor.offset };
    if (s.viewStartNs !== undefined && s.viewEndNs !== undefined && s.viewEndNs > s.viewStartNs) {
      this.viewStart = s.viewStartNs;
      this.viewEnd = s.viewEndNs;
      this.clampView();
    }
    if (s.selection) {
      const v = this.shown.find((i) => this.model.variants[i].lanes.some((l) => l.id === s.selection!.lane)) ?? this.shown[0];
      if (v !== undefined) this.sel = { variant: v, lane: s.selection.lane, startNs: s.selection.startNs, endNs: s.selection.endNs };
    }
  }

  // -------------------------------------------------------------------------------------------
  // AppApi

  variants(): number[] {
    return this.shown.slice();
  }

  setVariants(indices: number[]): void {
    const n = this.model.variants.length;
    const v = [...new Set(indices.filter((i) => Number.isInteger(i) && i >= 0 && i < n))].slice(0, 2);
    if (!v.length || (v.length === this.shown.length && v.every((x, i) => x === this.shown[i]))) return;
    this.shown = v;
    this.pickA.value = String(v[0]);
    this.pickB.value = String(v[1] ?? -1);
    this.refreshColors();
    this.clampView();
    this.relayout();
    if (this.firstDone) this.warmLevels();
    this.emit('variants');
  }

  visibleRange(): [number, number] {
    return [this.viewStart, this.viewEnd];
  }

  setVisibleRange(startNs: number, endNs: number): void {
    if (!(endNs > startNs)) return;
    this.viewStart = startNs;
    this.viewEnd = endNs;
    this.clampView();
    this.viewChanged();
  }

  visibleLanes(): { variant: number; lane: LaneModel }[] {
    return this.rows.filter((r): r is LaneRow => r.type === 'lane').map((r) => ({ variant: r.variant, lane: r.lane }));
  }

  select(sel: Selection | undefined): void {
    this.sel = sel ? { ...sel } : undefined;
    if (!this.dragRange) {
      const lane = sel && this.model.variants[sel.variant]?.lanes.find((l) => l.id === sel.lane);
      this.selOut.textContent = sel ? `selected ${formatDuration(sel.endNs - sel.startNs)}${lane ? ` on ${showControls(lane.label)}` : ''} (F to zoom to it)` : '';
    }
    if (sel) {
      if (!this.shown.includes(sel.variant) && sel.variant >= 0 && sel.variant < this.model.variants.length) {
        this.setVariants(this.shown.length > 1 ? [this.shown[0], sel.variant] : [sel.variant]);
      }
      // Zoom out (or move) so that the whole selection is visible, with a margin.
      const dur = Math.max(1, sel.endNs - sel.startNs);
      if (sel.startNs < this.viewStart || sel.endNs > this.viewEnd) {
        const span = Math.max(this.viewEnd - this.viewStart, dur * 1.5);
        const mid = (sel.startNs + sel.endNs) / 2;
        this.viewStart = mid - span / 2;
        this.viewEnd = mid + span / 2;
        this.clampView();
        this.lanesDirty = true;
      }
      this.scrollToLane(sel.variant, sel.lane);
    }
    this.overlayDirty = true;
    this.schedule();
    this.persist();
    this.emit('selection');
  }

  selection(): Selection | undefined {
    return this.sel ? { ...this.sel } : undefined;
  }

  reveal(range: ViewRange | undefined): void {
    if (!range) return;
    this.host.post({ type: 'reveal', version: VIEW_PROTOCOL_VERSION, range, source: this.model.doc.sourceUri ?? this.model.doc.source });
  }

  stateColor(state: string): string {
    for (const c of this.colors) {
      const s = c.color(state);
      if (s) return s;
    }
    return stateColorCss(state, this.theme);
  }

  themeColors(): { fg: string; grid: string; series: string[] } {
    return { fg: this.theme.fg, grid: this.theme.grid, series: this.theme.series.slice() };
  }

  onChange(fn: (what: ChangeKind) => void): void {
    this.listeners.push(fn);
  }

  toPng(): string {
    this.drawNow();
    const d = this.dpr;
    const out = document.createElement('canvas');
    out.width = Math.round((LABEL_W + this.cssW) * d);
    out.height = Math.round((AXIS_H + this.cssH) * d);
    const ctx = out.getContext('2d');
    if (!ctx) return '';
    ctx.fillStyle = `rgb(${this.theme.bg.slice(0, 3).join(',')})`;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(this.axis, Math.round(LABEL_W * d), 0);
    ctx.drawImage(this.labels, 0, Math.round(AXIS_H * d));
    ctx.drawImage(this.canvas, Math.round(LABEL_W * d), Math.round(AXIS_H * d));
    ctx.drawImage(this.overlay, Math.round(LABEL_W * d), Math.round(AXIS_H * d));
    return out.toDataURL('image/png');
  }

  private emit(w: ChangeKind): void {
    for (const l of this.listeners) {
      try {
        l(w);
      } catch (e) {
        this.host.post({ type: 'log', version: VIEW_PROTOCOL_VERSION, level: 'error', message: `panel update failed: ${e instanceof Error ? e.message : String(e)}` });
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Host-driven

  /** Highlights the lanes of the targets (editor cursor on a task / VP / VM) and scrolls to the first. */
  highlight(targets: HighlightTarget[]): void {
    const keys = new Set<string>();
    for (const t of targets) {
      let hit = false;
      for (const i of this.shown) {
        for (const l of this.model.variants[i].lanes) {
          if (laneMatches(laneIdentity(l.id), t)) {
            keys.add(`${i}:${l.id}`);
            hit = true;
          }
        }
      }
      if (!hit && t.task !== undefined) {
        // No lane for the task itself: fall back to its VM's lanes.
        const vm = t.vm ?? this.taskVm(t.task);
        if (vm !== undefined) for (const i of this.shown) for (const l of this.model.variants[i].lanes) if (laneIdentity(l.id).vm === vm) keys.add(`${i}:${l.id}`);
      }
    }
    this.highlighted = keys;
    const first = this.rows.find((r) => r.type === 'lane' && keys.has(r.key));
    if (first) this.scrollRowIntoView(first);
    this.lanesDirty = true;
    this.overlayDirty = true;
    this.schedule();
    this.emit('highlight');
  }

  private taskVm(task: string): string | undefined {
    for (const i of this.shown) {
      const tasks = this.model.variants[i].run?.tasks;
      if (Array.isArray(tasks)) {
        const t = (tasks as Record<string, unknown>[]).find((x) => x?.name === task);
        if (t && typeof t.vm === 'string') return t.vm;
      }
    }
    return undefined;
  }

  /** Shows a status line (the host's `status` message, a reveal in the report...). */
  setStatus(text: string): void {
    this.statusOut.textContent = showControls(text);
  }

  // -------------------------------------------------------------------------------------------
  // Layout and view

  /** The end of the last interval that is not idle on any lane of the shown variants, ns (-Infinity when none). */
  private activityEnd(): number {
    let end = -Infinity;
    for (const i of this.shown) {
      const v = this.model.variants[i];
      const idle = v.states.indexOf('idle');
      for (const l of v.lanes) {
        const { ends, states } = l.cols;
        // From the last interval backwards: usually one or two steps.
        for (let j = ends.length - 1; j >= 0; j--) {
          if (states[j] === idle) continue;
          if (ends[j] > end) end = ends[j];
          break;
        }
      }
    }
    return end;
  }

  private fullRange(): [number, number] {
    let a = Infinity;
    let b = -Infinity;
    for (const i of this.shown) {
      const v = this.model.variants[i];
      a = Math.min(a, v.startNs);
      b = Math.max(b, v.endNs);
    }
    if (!Number.isFinite(a) || !Number.isFinite(b) || b <= a) return [0, 1];
    return [a, b];
  }

  private clampView(): void {
    const [a, b] = this.fullRange();
    const full = b - a;
    let span = this.viewEnd - this.viewStart;
    if (!(span > 0) || !Number.isFinite(span)) span = full;
    span = Math.min(full, Math.max(Math.min(MIN_SPAN_NS, full), span));
    let s = Number.isFinite(this.viewStart) ? this.viewStart : a;
    if (s < a) s = a;
    if (s + span > b) s = b - span;
    this.viewStart = s;
    this.viewEnd = s + span;
  }

  /** Shows or hides the derived counter tracks (the toolbar's "Derived tracks"); the lane at the top stays in place. */
  setDerivedTracks(on: boolean): void {
    if (on === this.showDerived) return;
    this.showDerived = on;
    if (!!this.derivedBox.checked !== on) this.derivedBox.checked = on;
    this.relayout();
  }

  /** Whether the derived counter tracks are shown. */
  derivedTracksShown(): boolean {
    return this.showDerived;
  }

  /**
   * Rebuilds the rows. The row at the top of the lane area stays where it was (rows added or
   * removed above it, as the derived tracks are after the first drawing, do not move it); a
   * restored view puts its saved row there once it is shown.
   */
  private relayout(notify = true): void {
    const before = this.rows.length ? scrollAnchorOf(this.rows, this.scrollY) : undefined;
    const focusKey = this.rows[this.focusRow]?.key;
    const inputs: RowInput[] = this.shown.map((i) => {
      const all = this.model.variants[i].counters;
      const counters = this.showDerived || !all ? all : all.filter((c) => !c.derived);
      return { index: i, name: this.model.variants[i].name, lanes: this.model.variants[i].lanes, counters, groupNames: this.groupNames, busyNs: (l: LaneModel) => this.busyNs(i, l) };
    });
    this.rows = buildRows(inputs, this.filter, this.collapsed);
    this.spacer.style.height = `${rowsHeight(this.rows)}px`;
    // The keyboard's row cursor stays on its row (a hidden track's: the nearest row at its index).
    if (focusKey !== undefined) {
      const i = this.rows.findIndex((r) => r.key === focusKey);
      this.focusRow = i >= 0 ? i : Math.min(this.focusRow, this.rows.length - 1);
    }
    if (this.pendingAnchor && !Number.isNaN(this.pendingY) && Math.abs(this.pendingY - this.scrollY) >= 0.5) this.pendingAnchor = undefined;
    const y = this.pendingAnchor ? scrollForAnchor(this.rows, this.pendingAnchor) : before && scrollForAnchor(this.rows, before);
    if (y !== undefined) this.scrollY = y;
    this.clampScroll();
    this.notePending();
    this.lanesDirty = true;
    this.overlayDirty = true;
    this.schedule();
    if (notify) {
      this.persist();
      this.emit('view');
    }
  }

  /**
   * Until the derived tracks are in, the saved anchor is applied again at every layout and resize
   * (its row may not be shown yet, or the rows may not be tall enough yet to scroll that far).
   */
  private notePending(): void {
    this.pendingY = this.pendingAnchor && this.cssH > 0 ? this.scrollY : NaN;
  }

  private clampScroll(): void {
    const max = Math.max(0, rowsHeight(this.rows) - this.cssH);
    this.scrollY = Math.max(0, Math.min(max, this.scrollY));
    if (Math.abs(this.vscroll.scrollTop - this.scrollY) > 0.5) this.vscroll.scrollTop = this.scrollY;
  }

  private scrollRowIntoView(r: Row): void {
    if (r.y < this.scrollY || r.y + r.h > this.scrollY + this.cssH) {
      this.scrollY = r.y - Math.max(0, (this.cssH - r.h) / 3);
      this.clampScroll();
      this.lanesDirty = true;
      this.overlayDirty = true;
    }
  }

  private scrollToLane(variant: number, lane: string): void {
    let r = this.rows.find((x) => x.type === 'lane' && x.variant === variant && x.lane.id === lane);
    if (!r) {
      // The lane may sit in a collapsed group or be filtered out: open its group.
      const l = this.model.variants[variant]?.lanes.find((x) => x.id === lane);
      const g = l && this.rows.find((x) => x.type === 'group' && x.variant === variant && x.group === l.group);
      if (g && g.type === 'group' && g.collapsed) {
        this.collapsed.delete(g.key);
        this.relayout();
        r = this.rows.find((x) => x.type === 'lane' && x.variant === variant && x.lane.id === lane);
      }
    }
    if (r) this.scrollRowIntoView(r);
  }

  private resize(): void {
    const rect = this.plot.getBoundingClientRect();
    const w = Math.max(1, Math.floor(rect.width));
    const h = Math.max(1, Math.floor(rect.height));
    const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
    if (w === this.cssW && h === this.cssH && dpr === this.dpr && this.image) return;
    this.cssW = w;
    this.cssH = h;
    this.dpr = dpr;
    const size = (c: HTMLCanvasElement, cw: number, ch: number) => {
      c.width = Math.max(1, Math.round(cw * dpr));
      c.height = Math.max(1, Math.round(ch * dpr));
      c.style.width = `${cw}px`;
      c.style.height = `${ch}px`;
    };
    size(this.canvas, w, h);
    size(this.overlay, w, h);
    size(this.axis, w, AXIS_H);
    size(this.labels, LABEL_W, h);
    this.image = undefined;
    const y = this.pendingAnchor ? scrollForAnchor(this.rows, this.pendingAnchor) : undefined;
    if (y !== undefined) this.scrollY = y;
    this.clampScroll();
    this.notePending();
    this.lanesDirty = true;
    this.overlayDirty = true;
    this.drawNow();
  }

  private refreshTheme(): void {
    this.theme = readTheme();
    this.groupBg = this.tint(0.06);
    this.trackBg = this.tint(0.035);
    this.hlBg = this.highlightPixel();
    // Counter colours: the theme's chart colours (`--vscode-charts-*`), the area a tint of them.
    const bgc = this.theme.bg;
    this.counterPx = this.theme.series.map((c) => {
      const rgba = parseColor(c);
      return { line: pixelOf(blend(rgba, bgc)), area: pixelOf(blend(rgba, bgc, 0.3)) };
    });
    this.refreshColors();
  }

  private refreshColors(): void {
    this.colors = this.model.variants.map((v) => new StateColors(v.states, this.theme));
    this.renderLegend();
  }

  /** Re-reads the theme variables (VS Code theme switch, the report's toggle). */
  themeChanged(): void {
    this.refreshTheme();
    this.lanesDirty = true;
    this.overlayDirty = true;
    this.drawNow();
    this.emit('theme');
  }

  private renderLegend(): void {
    this.legend.textContent = '';
    const seen = new Map<string, string>();
    for (const i of this.shown) {
      const v = this.model.variants[i];
      // Only states some lane uses.
      const used = new Uint8Array(v.states.length);
      for (const l of v.lanes) for (let j = 0; j < l.cols.states.length; j++) used[l.cols.states[j]] = 1;
      v.states.forEach((s, k) => {
        if (used[k] && !seen.has(s)) seen.set(s, this.colors[i].css[k]);
      });
    }
    // By meaning: on a CPU, spinning, waiting, exits, quiet, idle; unknown names last.
    const names = [...seen.keys()].sort((a, b) => legendRank(a) - legendRank(b) || (a < b ? -1 : a > b ? 1 : 0));
    for (const s of names) {
      const item = el('span', 'tl-legend-item');
      const sw = el('span', s === 'idle' ? 'tl-swatch tl-swatch-blank' : 'tl-swatch');
      sw.style.backgroundColor = seen.get(s) ?? '';
      item.append(sw, document.createTextNode(s.replace(/_/g, ' ')));
      this.legend.append(item);
    }
    const note = el('span', 'tl-legend-note', 'top strip: most severe state in the pixel; bar height: share of the pixel not idle/sleeping/halted, in its main busy state');
    this.legend.append(note);
  }

  // -------------------------------------------------------------------------------------------
  // Drawing

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.drawNow();
    });
  }

  private viewChanged(): void {
    if (this.hover) this.updateHover();
    this.lanesDirty = true;
    this.overlayDirty = true;
    this.schedule();
    this.persist();
    this.emit('view');
  }

  /** Draws what is dirty now (also used by the first drawing and the PNG export). */
  drawNow(): void {
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
    }
    if (!this.started || (this.cssW <= 1 && this.cssH <= 1)) return;
    if (this.lanesDirty) {
      const t0 = performance.now();
      this.drawLanes();
      this.drawAxis();
      this.drawLabels();
      this.lanesDirty = false;
      this.overlayDirty = true;
      this.drawOverlay();
      this.metrics.redraws++;
      this.metrics.lastDrawMs = performance.now() - t0;
      if (!this.firstDone) {
        this.firstDone = true;
        this.onFirstDraw();
        this.warmLevels();
        this.deriveCounters();
      }
    } else if (this.overlayDirty) this.drawOverlay();
    this.overlayDirty = false;
  }

  /** Starts drawing (after the host has set {@link onFirstDraw}); draws the first frame now. */
  start(): void {
    this.started = true;
    this.resize();
    this.lanesDirty = true;
    this.drawNow();
  }

  private nsPerCssPx(): number {
    return (this.viewEnd - this.viewStart) / Math.max(1, this.cssW);
  }

  timeToX(ns: number): number {
    return (ns - this.viewStart) / this.nsPerCssPx();
  }

  private xToTime(x: number): number {
    return this.viewStart + x * this.nsPerCssPx();
  }

  private visibleRows(): Row[] {
    const out: Row[] = [];
    const top = this.scrollY;
    const bottom = top + this.cssH;
    let i = rowAt(this.rows, top);
    if (i < 0) i = 0;
    for (; i < this.rows.length && this.rows[i].y < bottom; i++) out.push(this.rows[i]);
    return out;
  }

  /** On-CPU time of a lane (orders host threads, busiest first); one pass, then cached. */
  private busyNs(variant: number, l: LaneModel): number {
    let t = this.busyCache.get(l);
    if (t !== undefined) return t;
    const states = this.model.variants[variant].states;
    const on = states.map(isOnCpu);
    const { starts, ends, states: st } = l.cols;
    t = 0;
    for (let i = 0; i < starts.length; i++) if (on[st[i]]) t += ends[i] - starts[i];
    this.busyCache.set(l, t);
    return t;
  }

  private lodOf(r: LaneRow): LaneLod | undefined {
    return this.lodByLane.get(r.lane);
  }

  private drawLanes(): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const W = this.canvas.width;
    const H = this.canvas.height;
    if (!this.image || this.image.width !== W || this.image.height !== H) this.image = ctx.createImageData(W, H);
    const px = new Uint32Array(this.image.data.buffer);
    const bg = this.colors[0]?.pixels[0] ?? 0xffffffff;
    px.fill(bg);
    const d = this.dpr;
    const groupBg = this.groupBg;
    const hlBg = this.hlBg;
    const paint: PaintRow[] = [];
    const counters: [CounterRow, number, number][] = [];
    for (const r of this.visibleRows()) {
      const y0 = Math.round((r.y - this.scrollY) * d);
      const y1 = Math.round((r.y + r.h - this.scrollY) * d);
      if (r.type === 'group') {
        paint.push({ y0, y1, bg: groupBg });
        continue;
      }
      if (r.type === 'counter') {
        paint.push({ y0, y1, bg: this.trackBg });
        counters.push([r, y0 + Math.round(3 * d), y1 - Math.round(2 * d)]);
        continue;
      }
      const lod = this.lodOf(r);
      const top = y0 + Math.round(2 * d);
      paint.push({
        y0,
        y1,
        bg: this.highlighted.has(r.key) ? hlBg : bg,
        track: this.highlighted.has(r.key) ? hlBg : this.trackBg,
        lod,
        palette: this.colors[r.variant]?.pixels,
        blank: this.blankCodes[r.variant],
        quietTop: this.quietCodes[r.variant],
        util: true,
        barTop: top,
        barBottom: y1 - Math.round(2 * d),
        strip: Math.max(1, Math.round(3 * d)),
      });
    }
    this.painter.paint(px, W, H, paint, this.viewStart, (this.viewEnd - this.viewStart) / W);
    if (counters.length) {
      if (this.counterLo.length < W) {
        this.counterLo = new Float64Array(W);
        this.counterHi = new Float64Array(W);
      }
      for (const [r, top, bottom] of counters) {
        const t = Math.max(0, top);
        const b = Math.min(H, bottom);
        if (b - t < 1) continue;
        const k = this.colorIndex(r);
        const c = this.counterPx[k % Math.max(1, this.counterPx.length)] ?? { line: 0xff000000, area: 0xff808080 };
        counterColumns(r.track, this.viewStart, (this.viewEnd - this.viewStart) / W, W, this.counterLo, this.counterHi);
        // A row cut by the top or bottom edge keeps its scale: paint the full height, clipped.
        if (t === top && b === bottom) paintCounter(px, W, top, bottom, r.track, this.counterLo, this.counterHi, c.line, c.area);
        else this.paintClipped(px, W, H, top, bottom, r, c);
      }
    }
    ctx.putImageData(this.image, 0, 0);
    this.drawIntervalLabels(ctx);
  }

  /** A track's colour: one per counter name across the document (`steal ms` has the same colour in every VM). */
  private colorIndex(r: CounterRow): number {
    if (!this.counterColors) {
      this.counterColors = new Map();
      for (const v of this.model.variants) for (const t of v.counters ?? []) if (!this.counterColors.has(t.label)) this.counterColors.set(t.label, this.counterColors.size);
    }
    return this.counterColors.get(r.track.label) ?? 0;
  }

  /** A counter row cut by the canvas edge: painted into a scratch buffer of its full height, then copied. */
  private paintClipped(px: Uint32Array, W: number, H: number, top: number, bottom: number, r: CounterRow, c: { line: number; area: number }): void {
    const h = bottom - top;
    const scratch = new Uint32Array(W * h).fill(this.trackBg);
    paintCounter(scratch, W, 0, h, r.track, this.counterLo, this.counterHi, c.line, c.area);
    for (let y = Math.max(0, top); y < Math.min(H, bottom); y++) px.set(scratch.subarray((y - top) * W, (y - top + 1) * W), y * W);
  }

  /**
   * Zoomed in (real intervals), intervals at least {@link LABEL_MIN_PX} wide carry their cause
   * (else their state, unless idle or sleeping) as text inside the bar, as Perfetto names its
   * slices. Drawn on the lanes
   * canvas after the pixels, so mouse moves do not redraw them.
   */
  private drawIntervalLabels(ctx: CanvasRenderingContext2D): void {
    const d = this.dpr;
    const npp = this.nsPerCssPx();
    let budget = 3000;
    ctx.setTransform(d, 0, 0, d, 0, 0);
    ctx.font = `10px ${this.theme.fontFamily}`;
    ctx.textBaseline = 'middle';
    for (const r of this.visibleRows()) {
      if (r.type !== 'lane') continue;
      const lod = this.lodOf(r);
      if (!lod || lod.levelFor(npp / d) !== -1) continue;
      const v = this.model.variants[r.variant];
      const colors = this.colors[r.variant];
      const { starts, ends, states, causes } = r.lane.cols;
      const y = r.y - this.scrollY + r.h / 2 + 1;
      const [a, b] = lod.overlapping(this.viewStart, this.viewEnd);
      for (let j = a; j < b && budget > 0; j++) {
        const x0 = Math.max(0, (starts[j] - this.viewStart) / npp);
        const x1 = Math.min(this.cssW, (ends[j] - this.viewStart) / npp);
        if (x1 - x0 < LABEL_MIN_PX) continue;
        budget--;
        // The cause; else the state, except idle / sleeping (nothing to read there).
        const text = causes[j] >= 0 ? (v.causes[causes[j]] ?? '') : (lod.ranks[states[j]] ?? 50) > 10 ? (v.states[states[j]] ?? '') : '';
        if (!text) continue;
        ctx.fillStyle = colors?.text[states[j]] ?? this.theme.fg;
        this.fitText(ctx, text, x0 + 3, y, x1 - x0 - 6);
      }
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  }

  /** The foreground blended over the background at `mix`, as a packed pixel. */
  private tint(mix: number): number {
    const c = document.createElement('canvas').getContext('2d');
    const [r, g, b] = this.theme.bg;
    if (!c) return 0;
    c.fillStyle = `rgb(${r},${g},${b})`;
    c.fillRect(0, 0, 1, 1);
    c.globalAlpha = mix;
    c.fillStyle = this.theme.fg;
    c.fillRect(0, 0, 1, 1);
    const p = c.getImageData(0, 0, 1, 1).data;
    return ((255 << 24) | (p[2] << 16) | (p[1] << 8) | p[0]) >>> 0;
  }

  private highlightPixel(): number {
    const c = document.createElement('canvas').getContext('2d');
    const [r, g, b] = this.theme.bg;
    if (!c) return 0;
    c.fillStyle = `rgb(${r},${g},${b})`;
    c.fillRect(0, 0, 1, 1);
    c.fillStyle = this.theme.highlight;
    c.fillRect(0, 0, 1, 1);
    const p = c.getImageData(0, 0, 1, 1).data;
    return ((255 << 24) | (p[2] << 16) | (p[1] << 8) | p[0]) >>> 0;
  }

  originNs(): number {
    return this.fullRange()[0];
  }

  private drawAxis(): void {
    const ctx = this.axis.getContext('2d');
    if (!ctx) return;
    const d = this.dpr;
    ctx.setTransform(d, 0, 0, d, 0, 0);
    ctx.clearRect(0, 0, this.cssW, AXIS_H);
    ctx.font = `11px ${this.theme.fontFamily}`;
    ctx.fillStyle = this.theme.fg;
    ctx.strokeStyle = this.theme.muted;
    ctx.textBaseline = 'middle';
    const { ticks } = timeTicks(this.viewStart, this.viewEnd, this.cssW, this.originNs(), 90);
    ctx.beginPath();
    for (const t of ticks) {
      const x = Math.round(t.x) + 0.5;
      ctx.moveTo(x, AXIS_H - 6);
      ctx.lineTo(x, AXIS_H);
      ctx.fillText(t.label, x + 3, AXIS_H / 2 - 2);
    }
    ctx.moveTo(0, AXIS_H - 0.5);
    ctx.lineTo(this.cssW, AXIS_H - 0.5);
    ctx.stroke();
  }

  private drawLabels(): void {
    const ctx = this.labels.getContext('2d');
    if (!ctx) return;
    const d = this.dpr;
    ctx.setTransform(d, 0, 0, d, 0, 0);
    ctx.clearRect(0, 0, LABEL_W, this.cssH);
    ctx.textBaseline = 'middle';
    for (const r of this.visibleRows()) {
      const y = r.y - this.scrollY;
      if (r.type === 'group') {
        ctx.fillStyle = this.theme.grid;
        ctx.fillRect(0, y, LABEL_W, r.h);
        ctx.fillStyle = this.theme.fg;
        // The name in bold, shortened first; the count after it in the lighter 11 px, kept whole.
        const count = ` (${groupCount(r)})`;
        ctx.font = `11px ${this.theme.fontFamily}`;
        const cw = Math.min(ctx.measureText(count).width, (LABEL_W - 10) / 2);
        ctx.font = `bold 12px ${this.theme.fontFamily}`;
        const name = showControls(`${r.collapsed ? '\u25B8' : '\u25BE'} ${r.label}`);
        const nw = Math.min(ctx.measureText(name).width, LABEL_W - 10 - cw);
        this.fitText(ctx, name, 6, y + r.h / 2, LABEL_W - 10 - cw);
        ctx.font = `11px ${this.theme.fontFamily}`;
        ctx.fillStyle = this.theme.muted;
        this.fitText(ctx, count, 6 + nw, y + r.h / 2, LABEL_W - 10 - nw);
      } else if (r.type === 'counter') {
        ctx.fillStyle = this.theme.series[this.colorIndex(r) % Math.max(1, this.theme.series.length)] ?? this.theme.fg;
        ctx.fillRect(8, y + r.h / 2 - 4, 6, 8);
        ctx.fillStyle = this.theme.fg;
        ctx.font = `12px ${this.theme.fontFamily}`;
        this.fitText(ctx, r.track.label, 18, y + r.h / 2 - 5, LABEL_W - 24);
        ctx.fillStyle = this.theme.muted;
        ctx.font = `10px ${this.theme.fontFamily}`;
        this.fitText(ctx, `${fmtValue(r.track.min)} \u2013 ${fmtValue(r.track.max)}`, 18, y + r.h / 2 + 8, LABEL_W - 24);
      } else {
        if (this.highlighted.has(r.key)) {
          ctx.globalAlpha = 0.5;
          ctx.fillStyle = this.theme.highlight;
          ctx.fillRect(0, y, LABEL_W, r.h);
          ctx.globalAlpha = 1;
          ctx.fillStyle = this.theme.focus;
          ctx.fillRect(0, y, 3, r.h);
        }
        ctx.fillStyle = this.theme.fg;
        ctx.font = `12px ${this.theme.fontFamily}`;
        this.fitText(ctx, r.lane.label, 18, y + r.h / 2, LABEL_W - 24);
      }
    }
    const fr = this.rows[this.focusRow];
    if (fr && document.activeElement === this.labels) {
      ctx.strokeStyle = this.theme.focus;
      ctx.strokeRect(1.5, fr.y - this.scrollY + 0.5, LABEL_W - 3, fr.h - 1);
    }
    ctx.strokeStyle = this.theme.border;
    ctx.beginPath();
    ctx.moveTo(LABEL_W - 0.5, 0);
    ctx.lineTo(LABEL_W - 0.5, this.cssH);
    ctx.stroke();
  }

  private fitText(ctx: CanvasRenderingContext2D, raw: string, x: number, y: number, max: number): void {
    // Lane and group names are user text: a bidi override drew `\u202eevil` as `live`.
    const text = showControls(raw);
    if (ctx.measureText(text).width <= max) {
      ctx.fillText(text, x, y);
      return;
    }
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const m = (lo + hi + 1) >> 1;
      if (ctx.measureText(text.slice(0, m) + '\u2026').width <= max) lo = m;
      else hi = m - 1;
    }
    ctx.fillText(text.slice(0, lo) + '\u2026', x, y);
  }

  private drawOverlay(): void {
    const ctx = this.overlay.getContext('2d');
    if (!ctx) return;
    const d = this.dpr;
    ctx.setTransform(d, 0, 0, d, 0, 0);
    ctx.clearRect(0, 0, this.cssW, this.cssH);
    const W = this.cssW;
    // Grid lines at the ticks.
    const { ticks } = timeTicks(this.viewStart, this.viewEnd, W, this.originNs(), 90);
    ctx.strokeStyle = this.theme.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const t of ticks) {
      const x = Math.round(t.x) + 0.5;
      ctx.moveTo(x, 0);
      ctx.lineTo(x, this.cssH);
    }
    ctx.stroke();
    const rows = this.visibleRows();
    // Highlighted lanes: an outline.
    if (this.highlighted.size) {
      ctx.strokeStyle = this.theme.focus;
      for (const r of rows) if (r.type === 'lane' && this.highlighted.has(r.key)) ctx.strokeRect(0.5, r.y - this.scrollY + 0.5, W - 1, r.h - 1);
    }
    // Findings: a marker at the start, a line over the duration.
    const warn = this.theme.series[1] ?? '#d18616';
    for (const r of rows) {
      if (r.type !== 'lane') continue;
      const marks = this.findings[r.variant]?.get(r.lane.id);
      if (!marks) continue;
      const y = r.y - this.scrollY;
      for (const m of marks) {
        const x0 = this.timeToX(m.startNs);
        const x1 = this.timeToX(m.startNs + m.durationNs);
        if (x1 < -6 || x0 > W + 6) continue;
        ctx.fillStyle = warn;
        ctx.fillRect(Math.max(0, x0), y + r.h - 2, Math.max(2, Math.min(W, x1) - Math.max(0, x0)), 2);
        ctx.beginPath();
        ctx.moveTo(x0 - 5, y);
        ctx.lineTo(x0 + 5, y);
        ctx.lineTo(x0, y + 7);
        ctx.closePath();
        ctx.fill();
        ctx.strokeStyle = this.theme.fg;
        ctx.stroke();
      }
    }
    // Selected interval or stall.
    if (this.sel) {
      const s = this.sel;
      const x0 = this.timeToX(s.startNs);
      const x1 = this.timeToX(s.endNs);
      const r = rows.find((x) => x.type === 'lane' && x.variant === s.variant && x.lane.id === s.lane);
      ctx.strokeStyle = this.theme.focus;
      ctx.lineWidth = 2;
      if (r) {
        ctx.strokeRect(Math.max(-2, x0) - 1, r.y - this.scrollY, Math.max(3, Math.min(W + 2, x1) - Math.max(-2, x0)) + 2, r.h);
      } else {
        ctx.strokeRect(Math.max(-2, x0), 0, Math.max(2, Math.min(W + 2, x1) - Math.max(-2, x0)), this.cssH);
      }
      ctx.lineWidth = 1;
    }
    // Dragged range.
    if (this.dragRange) {
      const [a, b] = this.dragRange;
      const x0 = this.timeToX(Math.min(a, b));
      const x1 = this.timeToX(Math.max(a, b));
      ctx.fillStyle = this.theme.selection;
      ctx.globalAlpha = 0.35;
      ctx.fillRect(x0, 0, x1 - x0, this.cssH);
      ctx.globalAlpha = 1;
      ctx.strokeStyle = this.theme.focus;
      ctx.beginPath();
      ctx.moveTo(Math.round(x0) + 0.5, 0);
      ctx.lineTo(Math.round(x0) + 0.5, this.cssH);
      ctx.moveTo(Math.round(x1) + 0.5, 0);
      ctx.lineTo(Math.round(x1) + 0.5, this.cssH);
      ctx.stroke();
      ctx.font = `12px ${this.theme.fontFamily}`;
      const label = formatDuration(Math.abs(b - a));
      const tw = ctx.measureText(label).width + 8;
      const lx = Math.min(W - tw, Math.max(0, (x0 + x1) / 2 - tw / 2));
      ctx.fillStyle = `rgb(${this.theme.bg.slice(0, 3).join(',')})`;
      ctx.fillRect(lx, 2, tw, 16);
      ctx.fillStyle = this.theme.fg;
      ctx.textBaseline = 'middle';
      ctx.fillText(label, lx + 4, 10);
    }
    // Time cursor, with its time at the top.
    if (this.hover) {
      const x = Math.round(this.hover.x) + 0.5;
      ctx.strokeStyle = this.theme.cursor;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, this.cssH);
      ctx.stroke();
      ctx.setLineDash([]);
      if (!this.dragRange) {
        ctx.font = `11px ${this.theme.fontFamily}`;
        const label = formatTime(this.xToTime(this.hover.x), this.originNs(), this.nsPerCssPx());
        const tw = ctx.measureText(label).width + 8;
        const lx = x + 4 + tw > W ? x - 4 - tw : x + 4;
        ctx.fillStyle = `rgb(${this.theme.bg.slice(0, 3).join(',')})`;
        ctx.fillRect(lx, 1, tw, 15);
        ctx.fillStyle = this.theme.fg;
        ctx.textBaseline = 'middle';
        ctx.fillText(label, lx + 4, 9);
      }
    }
    if (!this.rows.length) {
      ctx.font = `13px ${this.theme.fontFamily}`;
      ctx.fillStyle = this.theme.muted;
      ctx.textBaseline = 'top';
      const any = this.shown.some((i) => this.model.variants[i].lanes.length > 0);
      ctx.fillText(any ? 'No lane matches the filter.' : 'This document has no timeline lanes (the run was not recorded with a timeline).', 12, 12);
    }
  }

  /**
   * Builds the LOD levels of the shown variants not drawn yet, in slices of 8 ms after the first
   * drawing (and after a variant change), so that zooming later rarely builds one.
   */
  private warmLevels(): void {
    const jobs: [LaneLod, number][] = [];
    const k0 = (lod: LaneLod) => lod.levelFor((this.viewEnd - this.viewStart) / Math.max(1, this.canvas.width));
    if (this.warmTimer) clearTimeout(this.warmTimer);
    const lods = this.shown.flatMap((i) => this.lods[i]);
    const centre = lods.map((lod) => Math.max(lod.minLevel, k0(lod)));
    const maxSpread = lods.reduce((m, lod) => Math.max(m, lod.maxLevel - lod.minLevel), 0);
    // Nearest levels first (one zoom step away on every lane before two steps away...).
    for (let dk = 0; dk <= maxSpread; dk++) {
      lods.forEach((lod, j) => {
        for (const k of dk === 0 ? [centre[j]] : [centre[j] - dk, centre[j] + dk]) if (k >= lod.minLevel && k <= lod.maxLevel && !lod.hasLevel(k)) jobs.push([lod, k]);
      });
    }
    let next = 0;
    const step = () => {
      const t0 = performance.now();
      while (next < jobs.length && performance.now() - t0 < 8) {
        const [lod, k] = jobs[next++];
        lod.level(k);
      }
      if (next < jobs.length) this.warmTimer = setTimeout(step, 4);
    };
    this.warmTimer = setTimeout(step, 50);
  }

  // -------------------------------------------------------------------------------------------
  // Interaction

  private zoomBy(factor: number, atX?: number): void {
    const span = this.viewEnd - this.viewStart;
    const x = atX ?? (this.hover ? this.hover.x : this.cssW / 2);
    const t = this.xToTime(x);
    const frac = this.cssW > 0 ? x / this.cssW : 0.5;
    const ns = span * factor;
    this.viewStart = t - ns * frac;
    this.viewEnd = this.viewStart + ns;
    this.clampView();
    this.viewChanged();
  }

  private panBy(dns: number): void {
    const span = this.viewEnd - this.viewStart;
    this.viewStart += dns;
    this.viewEnd = this.viewStart + span;
    this.clampView();
    this.viewChanged();
  }

  private resetView(): void {
    const [a, b] = this.fullRange();
    this.viewStart = a;
    this.viewEnd = b;
    this.viewChanged();
  }

  private zoomToDrag(): void {
    if (!this.dragRange) return;
    const [a, b] = this.dragRange;
    this.dragRange = undefined;
    this.zoomSelBtn.setAttribute('disabled', '');
    this.selOut.textContent = '';
    if (Math.abs(b - a) > 0) this.setVisibleRange(Math.min(a, b), Math.max(a, b));
  }

  private onPick(): void {
    const a = Number(this.pickA.value);
    const b = Number(this.pickB.value);
    const v = [a];
    if (b >= 0 && b !== a) v.push(b);
    this.setVariants(v);
  }

  private localXY(ev: MouseEvent): { x: number; y: number } {
    const r = this.plot.getBoundingClientRect();
    return { x: ev.clientX - r.left, y: ev.clientY - r.top };
  }

  private bindEvents(): void {
    this.vscroll.addEventListener('scroll', () => {
      // The user scrolled away from where the saved anchor put the rows: their choice wins.
      if (this.pendingAnchor && !Number.isNaN(this.pendingY) && Math.abs(this.vscroll.scrollTop - this.pendingY) >= 0.5) this.pendingAnchor = undefined;
      if (Math.abs(this.vscroll.scrollTop - this.scrollY) < 0.5) {
        this.persist();
        return;
      }
      this.scrollY = this.vscroll.scrollTop;
      this.persist();
      this.lanesDirty = true;
      this.schedule();
    });
    const wheel = (ev: WheelEvent, overLabels: boolean) => {
      ev.preventDefault();
      const unit = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? this.cssH : 1;
      const dy = ev.deltaY * unit;
      const dx = ev.deltaX * unit;
      if (overLabels) {
        this.scrollY += dy;
        this.clampScroll();
        this.lanesDirty = true;
        this.schedule();
        return;
      }
      if (ev.shiftKey || (Math.abs(dx) > Math.abs(dy) && !ev.ctrlKey)) {
        const d = ev.shiftKey && Math.abs(dx) < Math.abs(dy) ? dy : dx;
        this.panBy(d * this.nsPerCssPx());
        return;
      }
      // Plain wheel zooms; ctrl+wheel is a trackpad pinch (small deltas): steeper.
      const k = ev.ctrlKey ? 0.01 : 0.0015;
      const factor = Math.exp(Math.max(-1, Math.min(1, dy * k)));
      this.zoomBy(factor, this.localXY(ev).x);
    };
    this.plot.addEventListener('wheel', (ev) => wheel(ev, false), { passive: false });
    this.labels.addEventListener('wheel', (ev) => wheel(ev, true), { passive: false });

    let down: { x: number; y: number; t: number; start: number; pan: boolean; moved: boolean } | undefined;
    this.plot.addEventListener('mousedown', (ev) => {
      if (ev.button !== 0 && ev.button !== 1) return;
      ev.preventDefault();
      this.canvas.focus();
      const p = this.localXY(ev);
      down = { ...p, t: this.xToTime(p.x), start: this.viewStart, pan: ev.button === 1 || ev.shiftKey, moved: false };
    });
    const signal = this.abort.signal;
    window.addEventListener('mousemove', (ev) => {
      const p = this.localXY(ev);
      const inside = p.x >= 0 && p.y >= 0 && p.x < this.cssW && p.y < this.cssH;
      if (!inside && !down && !this.hover) return;
      if (down) {
        if (Math.abs(p.x - down.x) > 3) down.moved = true;
        if (down.moved) {
          if (down.pan) {
            const span = this.viewEnd - this.viewStart;
            this.viewStart = down.start - (p.x - down.x) * this.nsPerCssPx();
            this.viewEnd = this.viewStart + span;
            this.clampView();
            this.viewChanged();
          } else {
            this.dragRange = [down.t, this.xToTime(Math.max(0, Math.min(this.cssW, p.x)))];
            this.selOut.textContent = `range ${formatDuration(Math.abs(this.dragRange[1] - this.dragRange[0]))} (Enter to zoom)`;
            this.zoomSelBtn.removeAttribute('disabled');
          }
        }
      }
      this.hover = inside ? p : undefined;
      this.updateHover();
      this.overlayDirty = true;
      this.schedule();
    }, { signal });
    window.addEventListener('mouseup', (ev) => {
      if (!down) return;
      const d = down;
      down = undefined;
      if (!d.moved && ev.button === 0) this.clickAt(d.x, d.y);
    }, { signal });
    this.plot.addEventListener('mouseleave', () => {
      this.hover = undefined;
      this.updateHover();
      this.overlayDirty = true;
      this.schedule();
    });
    this.labels.addEventListener('mousemove', (ev) => {
      const r = this.labels.getBoundingClientRect();
      const row = this.rows[rowAt(this.rows, ev.clientY - r.top + this.scrollY)];
      const title = !row ? '' : row.type === 'group' ? `${row.label} (${groupCount(row)}): click to ${row.collapsed ? 'expand' : 'collapse'}` : row.type === 'counter' ? `counter ${row.track.label} (${row.track.group}): ${fmtValue(row.track.min)} to ${fmtValue(row.track.max)}` : `${row.lane.label}\n${row.lane.id}`;
      if (this.labels.title !== title) this.labels.title = title;
    });
    this.labels.addEventListener('click', (ev) => {
      const r = this.labels.getBoundingClientRect();
      const i = rowAt(this.rows, ev.clientY - r.top + this.scrollY);
      const row = this.rows[i];
      if (row?.type === 'group') this.toggleGroup(row.key);
    });
    this.canvas.addEventListener('keydown', (ev) => this.onKey(ev));
    this.labels.addEventListener('keydown', (ev) => this.onLabelKey(ev));
    this.labels.addEventListener('focus', () => {
      if (this.focusRow < 0 && this.rows.length) this.focusRow = Math.max(0, rowAt(this.rows, this.scrollY));
      this.lanesDirty = true;
      this.schedule();
    });
    this.labels.addEventListener('blur', () => {
      this.lanesDirty = true;
      this.schedule();
    });
  }

  /** Lane names: arrows move a row cursor, Enter or Space folds the group under it. */
  private onLabelKey(ev: KeyboardEvent): void {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || !this.rows.length) return this.onKey(ev);
    const announce = () => {
      const r = this.rows[this.focusRow];
      if (r) this.labels.setAttribute('aria-label', r.type === 'group' ? `group ${r.label}, ${groupCount(r)}, ${r.collapsed ? 'collapsed' : 'expanded'}` : r.type === 'counter' ? `counter ${r.track.label}, from ${fmtValue(r.track.min)} to ${fmtValue(r.track.max)}` : `lane ${r.lane.label}`);
    };
    const move = (d: number) => {
      this.focusRow = Math.max(0, Math.min(this.rows.length - 1, (this.focusRow < 0 ? 0 : this.focusRow) + d));
      this.scrollRowIntoView(this.rows[this.focusRow]);
      announce();
      this.lanesDirty = true;
      this.schedule();
    };
    switch (ev.key) {
      case 'ArrowUp':
        move(-1);
        break;
      case 'ArrowDown':
        move(1);
        break;
      case 'Enter':
      case ' ': {
        const r = this.rows[this.focusRow];
        if (r?.type !== 'group') return;
        this.toggleGroup(r.key);
        this.focusRow = this.rows.findIndex((x) => x.type === 'group' && x.key === r.key);
        announce();
        break;
      }
      default:
        return this.onKey(ev);
    }
    ev.preventDefault();
  }

  private toggleGroup(key: string): void {
    if (this.collapsed.has(key)) this.collapsed.delete(key);
    else this.collapsed.add(key);
    this.relayout();
  }

  private onKey(ev: KeyboardEvent): void {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const span = this.viewEnd - this.viewStart;
    let handled = true;
    switch (ev.key) {
      case 'w':
      case 'W':
      case '+':
      case '=':
        this.zoomBy(ZOOM_STEP);
        break;
      case 's':
      case 'S':
      case '-':
      case '_':
        this.zoomBy(1 / ZOOM_STEP);
        break;
      case 'a':
      case 'A':
      case 'ArrowLeft':
        this.panBy(-span * PAN_FRACTION);
        break;
      case 'd':
      case 'D':
      case 'ArrowRight':
        this.panBy(span * PAN_FRACTION);
        break;
      case '0':
      case 'Home':
        this.resetView();
        break;
      case 'Enter':
        this.zoomToDrag();
        break;
      case 'f':
      case 'F':
        if (this.sel) {
          const dur = Math.max(1, this.sel.endNs - this.sel.startNs);
          this.setVisibleRange(this.sel.startNs - dur * 0.25, this.sel.endNs + dur * 0.25);
        }
        break;
      case 'Escape':
        this.dragRange = undefined;
        this.selOut.textContent = '';
        this.zoomSelBtn.setAttribute('disabled', '');
        this.select(undefined);
        break;
      case 'ArrowUp':
      case 'ArrowDown':
      case 'PageUp':
      case 'PageDown': {
        const page = ev.key.startsWith('Page') ? this.cssH * 0.9 : 18;
        this.scrollY += ev.key === 'ArrowUp' || ev.key === 'PageUp' ? -page : page;
        this.clampScroll();
        this.lanesDirty = true;
        this.schedule();
        break;
      }
      default:
        handled = false;
    }
    if (handled) ev.preventDefault();
  }

  /**
   * The interval of a lane under x: when several share the pixel (zoomed out), the most severe of
   * them (what the pixel's top strip shows), else the one containing the time, else the nearest
   * within 3 px. Returns its index or -1.
   */
  private hitInterval(r: LaneRow, x: number): number {
    const lod = this.lodOf(r);
    if (!lod || lod.length === 0) return -1;
    const t = this.xToTime(x);
    const npp = this.nsPerCssPx();
    const tol = 3 * npp;
    const { starts, ends, states } = r.lane.cols;
    const [a, b] = lod.overlapping(t - npp / 2, t + npp / 2);
    if (b - a > 1) {
      let best = -1;
      let br = -1;
      let bd = -1;
      for (let j = a; j < Math.min(b, a + 512); j++) {
        const rank = lod.ranks[states[j]] ?? 50;
        const d = ends[j] - starts[j];
        if (rank > br || (rank === br && d > bd)) {
          best = j;
          br = rank;
          bd = d;
        }
      }
      if (best >= 0) return best;
    }
    const i = lod.firstEndingAfter(t);
    if (i < lod.length && starts[i] <= t) return i;
    let best = -1;
    let bd = tol;
    for (const j of [i - 1, i]) {
      if (j < 0 || j >= lod.length) continue;
      const dist = t < starts[j] ? starts[j] - t : t >= ends[j] ? t - ends[j] : 0;
      if (dist <= bd) {
        bd = dist;
        best = j;
      }
    }
    return best;
  }

  private findingAt(r: LaneRow, x: number, y: number): FindingMark | undefined {
    const marks = this.findings[r.variant]?.get(r.lane.id);
    if (!marks) return undefined;
    const ly = y + this.scrollY - r.y;
    if (ly > 9) return undefined;
    return marks.find((m) => Math.abs(this.timeToX(m.startNs) - x) <= 6);
  }

  private clickAt(x: number, y: number): void {
    if (this.dragRange) {
      // A click ends a dragged range.
      this.dragRange = undefined;
      this.zoomSelBtn.setAttribute('disabled', '');
      this.selOut.textContent = '';
    }
    const i = rowAt(this.rows, y + this.scrollY);
    const r = this.rows[i];
    if (!r || r.type !== 'lane') {
      if (r?.type === 'group') this.toggleGroup(r.key);
      return;
    }
    const f = this.findingAt(r, x, y);
    if (f) {
      this.select({ variant: r.variant, lane: r.lane.id, startNs: f.startNs, endNs: f.startNs + Math.max(1, f.durationNs) });
      this.reveal(f.range);
      return;
    }
    const j = this.hitInterval(r, x);
    if (j < 0) {
      this.select(undefined);
      return;
    }
    const c = r.lane.cols;
    this.select({ variant: r.variant, lane: r.lane.id, startNs: c.starts[j], endNs: c.ends[j] });
    const v = this.model.variants[r.variant];
    const cause = c.causes[j] >= 0 ? v.causes[c.causes[j]] : undefined;
    this.reveal(revealRangeFor(v.run, r.lane.id, cause));
  }

  private updateHover(): void {
    const h = this.hover;
    if (!h) {
      this.tooltip.classList.remove('visible');
      this.cursorOut.textContent = '';
      return;
    }
    const t = this.xToTime(h.x);
    const origin = this.originNs();
    this.cursorOut.textContent = formatTime(t, origin, this.nsPerCssPx());
    const r = this.rows[rowAt(this.rows, h.y + this.scrollY)];
    if (r?.type === 'counter') return this.showTooltip(h, this.counterTooltip(r, t), `${r.track.group}: ${r.track.label}`);
    if (!r || r.type !== 'lane') {
      this.tooltip.classList.remove('visible');
      return;
    }
    const v = this.model.variants[r.variant];
    const lines: [string, string][] = [];
    const title = this.shown.length > 1 ? `${v.name}: ${r.lane.label}` : r.lane.label;
    const f = this.findingAt(r, h.x, h.y);
    // Start times to 1 us at most (a trace's resolution), finer only when zoomed in that far.
    const res = Math.max(1, Math.min(this.nsPerCssPx(), 1000));
    if (f) {
      lines.push(['finding', `${f.code} ${f.title}`], ['start', formatTime(f.startNs, origin, res)], ['duration', formatDuration(f.durationNs)]);
    } else {
      const lod = this.lodOf(r);
      const j = this.hitInterval(r, h.x);
      if (j >= 0) {
        const c = r.lane.cols;
        lines.push(['state', v.states[c.states[j]] ?? '?'], ['start', formatTime(c.starts[j], origin, res)], ['duration', formatDuration(c.ends[j] - c.starts[j])]);
        if (c.causes[j] >= 0) lines.push([r.lane.kind === 'pcpu' ? 'running' : 'cause', v.causes[c.causes[j]] ?? '?']);
      }
      if (lod) {
        const npp = this.nsPerCssPx();
        const [a, b] = lod.overlapping(t - npp / 2, t + npp / 2);
        if (b - a > 1) {
          lines.push(['in this pixel', `${b - a} intervals`]);
          // What the bar's height shows: the share of the pixel not idle / sleeping / halted.
          const one = this.hoverScratch;
          lod.fill(t - npp / 2, npp, 1, one.dom, one.worst, one.act, one.frac);
          lines.push(['busy', `${Math.round((one.frac[0] / 255) * 100)}% of ${formatDuration(npp)}`]);
        }
      }
      if (!lines.length) lines.push(['', 'no interval here']);
    }
    this.showTooltip(h, lines, title);
  }

  /** A counter at the cursor: the value that holds there, and the range of values in the pixel when several samples share it. */
  private counterTooltip(r: CounterRow, t: number): [string, string][] {
    const tr = r.track;
    const v = valueAt(tr, t);
    const origin = this.originNs();
    const res = Math.max(1, Math.min(this.nsPerCssPx(), 1000));
    if (v === undefined) return [['', 'no sample yet']];
    const lines: [string, string][] = [['value', fmtValue(v)]];
    const i = sampleAt(tr.ts, t);
    lines.push(['since', formatTime(tr.ts[i], origin, res)]);
    const npp = this.nsPerCssPx();
    const lo = new Float64Array(1);
    const hi = new Float64Array(1);
    counterColumns(tr, t - npp / 2, npp, 1, lo, hi);
    const a = sampleAt(tr.ts, t - npp / 2);
    const b = sampleAt(tr.ts, t + npp / 2);
    if (b - a > 1 && lo[0] !== hi[0]) lines.push(['in this pixel', `${fmtValue(lo[0])} to ${fmtValue(hi[0])} (${b - a} samples)`]);
    return lines;
  }

  private showTooltip(h: { x: number; y: number }, lines: [string, string][], title: string): void {
    this.tooltip.textContent = '';
    this.tooltip.append(el('div', 'tt-title', title));
    for (const [k, val] of lines) {
      const row = el('div', 'tt-row');
      if (k) row.append(el('span', 'tt-key', k));
      row.append(el('span', 'tt-val', val));
      this.tooltip.append(row);
    }
    this.tooltip.classList.add('visible');
    const tw = this.tooltip.offsetWidth;
    const th = this.tooltip.offsetHeight;
    const left = h.x + 14 + tw > this.cssW ? Math.max(0, h.x - 14 - tw) : h.x + 14;
    const top = h.y + 14 + th > this.cssH ? Math.max(0, h.y - 10 - th) : h.y + 14;
    this.tooltip.style.left = `${left}px`;
    this.tooltip.style.top = `${top}px`;
  }

  // -------------------------------------------------------------------------------------------
  // State

  currentState(): ViewState {
    const prev = this.host.getState() ?? {};
    const s: ViewState = {
      ...prev,
      viewStartNs: this.viewStart,
      viewEndNs: this.viewEnd,
      variants: this.shown.slice(),
      collapsedGroups: [...this.collapsed],
      filter: this.filter,
      derivedTracks: this.showDerived,
    };
    const anchor = this.pendingAnchor ?? (this.rows.length ? scrollAnchorOf(this.rows, this.scrollY) : undefined);
    // A key past what isViewState accepts (a hostile trace's 10 kB lane id) would void the whole state: left out.
    if (anchor && anchor.row.length <= MAX_ANCHOR_KEY) s.scrollAnchor = anchor;
    else delete s.scrollAnchor;
    if (this.sel) s.selection = { lane: this.sel.lane, startNs: this.sel.startNs, endNs: this.sel.endNs };
    else delete s.selection;
    return s;
  }

  /**
   * Adds the derived counter tracks (runnable vCPUs and steal per VM and pool, counterTracks.ts)
   * to every variant, one variant per task after the first drawing: the sweep sorts the vCPU
   * intervals (142 ms for 309,314 of them in test/bench/counterTracks.bench.ts at load 14), so the
   * first drawing does not wait for it.
   */
  private deriveCounters(): void {
    let v = 0;
    const step = () => {
      this.deriveTimer = undefined;
      if (v >= this.model.variants.length) {
        // Every row that will come is in: a saved anchor not found by now names a row that is gone.
        this.pendingAnchor = undefined;
        this.metrics.countersReady = true;
        this.onCountersReady();
        return;
      }
      const m = this.model.variants[v++];
      const tracks = derivedTracks(m.states, m.lanes, poolsOfRun(m.run));
      if (tracks.length) {
        m.counters = [...(m.counters ?? []), ...tracks];
        this.counterColors = undefined;
        this.relayout(false);
      }
      this.deriveTimer = setTimeout(step, 0);
    };
    this.deriveTimer = setTimeout(step, 0);
  }

  private persist(): void {
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = setTimeout(() => {
      this.persistTimer = undefined;
      this.host.setState(this.currentState());
    }, 250);
  }

  /** Test API: shown lanes with their position (CSS px relative to the canvas; off-screen lanes too). */
  testLanes(): TestLane[] {
    return this.rows
      .filter((r): r is LaneRow => r.type === 'lane')
      .map((r) => ({ id: r.lane.id, label: r.lane.label, group: r.lane.group, kind: r.lane.kind, variant: r.variant, y: r.y - this.scrollY, h: r.h }));
  }

  /** Test API: shown counter tracks with their position (CSS px relative to the canvas). */
  testCounters(): TestCounter[] {
    return this.rows
      .filter((r): r is CounterRow => r.type === 'counter')
      .map((r) => ({ id: r.track.id, label: r.track.label, group: r.track.group, variant: r.variant, y: r.y - this.scrollY, h: r.h, min: r.track.min, max: r.track.max }));
  }

  dispose(): void {
    this.abort.abort();
    this.resizeObs.disconnect();
    if (this.persistTimer) clearTimeout(this.persistTimer);
    if (this.warmTimer) clearTimeout(this.warmTimer);
    if (this.deriveTimer) clearTimeout(this.deriveTimer);
    if (this.frame) cancelAnimationFrame(this.frame);
  }
}
