/**
 * The view state a new timeline tab starts from, from the `vpscope.timeline.*` settings. Plain
 * data, no `vscode` import (unit-tested).
 */
import type { ViewState } from '../../server/src/shared/view';

/** The initial view state of a new tab (and of an exported HTML report) from `vpscope.timeline.*` (`initialPanel`, `logScale`, `derivedTracks`). */
export function timelineDefaults(c: { get<T>(key: string): T | undefined }): ViewState | undefined {
  const panel = c.get<string>('initialPanel');
  const logScale = c.get<boolean>('logScale');
  const derivedTracks = c.get<boolean>('derivedTracks');
  const s: ViewState = {
    ...(typeof panel === 'string' && panel !== 'auto' && TIMELINE_PANELS.includes(panel) ? { panel } : {}),
    ...(typeof logScale === 'boolean' ? { logScale } : {}),
    ...(typeof derivedTracks === 'boolean' ? { derivedTracks } : {}),
  };
  return Object.keys(s).length ? s : undefined;
}

/** The panel ids of the timeline app (`webview/src/panels/`), what `vpscope.timeline.initialPanel` may name. */
export const TIMELINE_PANELS: readonly string[] = ['latency', 'stalls', 'findings', 'shares', 'counters', 'export'];

