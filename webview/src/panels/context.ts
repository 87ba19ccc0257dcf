/** What every panel gets: the app, the decoded per-variant data (cached), the theme and shared options. */
import type { AppApi, ChangeKind } from '../contract';
import type { Theme } from './charts';
import { simulationData, traceData, type VariantData } from './source';

export interface Panel {
  id: string;
  title: string;
  root: HTMLElement;
  /** Rebuilds the panel's content (called when shown and out of date). */
  render(): void;
  /** Which changes make the content out of date. */
  dependsOn: ChangeKind[];
  /** Light update on a selection change (no rebuild). */
  onSelection?(): void;
  /** Frees charts. */
  dispose?(): void;
}

export class PanelCtx {
  private cache = new Map<number, VariantData>();
  logScale: boolean;
  /** Stalls panel: grouped by variant, task, VP, VM and cause (saved in the view state). */
  stallsGrouped: boolean;

  constructor(readonly app: AppApi) {
    const st = safe(() => app.host.getState());
    this.logScale = st?.logScale ?? true;
    this.stallsGrouped = st?.stallsGrouped === true;
  }

  get isTrace(): boolean {
    return this.app.model.doc.kind === 'trace';
  }

  /** Variant indices shown, valid ones only (at least the first timeline when there is one). */
  shown(): number[] {
    const n = this.app.model.variants.length;
    const v = (safe(() => this.app.variants()) ?? []).filter((i) => Number.isInteger(i) && i >= 0 && i < n);
    return v.length ? v : n ? [0] : [];
  }

  variantName(v: number): string {
    return this.app.model.variants[v]?.name ?? `#${v}`;
  }

  data(v: number): VariantData {
    let d = this.cache.get(v);
    if (!d) {
      const m = this.app.model;
      if (m.doc.kind === 'trace') d = traceData(m.doc.trace as Record<string, unknown> | undefined);
      else {
        const run = (m.variants[v]?.run ?? m.doc.run?.variants[v]) as Record<string, unknown> | undefined;
        d = simulationData(run, this.variantName(v));
      }
      this.cache.set(v, d);
    }
    return d;
  }

  theme(): Theme {
    const t = safe(() => this.app.themeColors());
    return t && t.series.length ? t : { fg: '#888888', grid: 'rgba(128,128,128,0.25)', series: ['#3794ff', '#f14c4c', '#89d185', '#cca700'] };
  }

  /** Merges panel settings into the persisted view state. */
  persist(patch: { panel?: string; logScale?: boolean; stallsGrouped?: boolean }): void {
    safe(() => this.app.host.setState({ ...(this.app.host.getState() ?? {}), ...patch }));
  }

  /** Whether a lane exists in variant v. */
  hasLane(v: number, id: string): boolean {
    return this.laneIds(v).has(id);
  }

  private laneSets = new Map<number, Set<string>>();
  private laneIds(v: number): Set<string> {
    let s = this.laneSets.get(v);
    if (!s) {
      s = new Set((this.app.model.variants[v]?.lanes ?? []).map((l) => l.id));
      this.laneSets.set(v, s);
    }
    return s;
  }
}

export function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
