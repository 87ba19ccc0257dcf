/** Small DOM helpers for the panels (classes only, never inline style attributes: strict CSP). */
import { showControls } from '../../../server/src/core/text';

// Text goes in as `textContent` with control and bidi characters shown escaped (`showControls`):
// names from a trace or scenario cannot reorder what a panel shows.

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = showControls(text);
  return e;
}

/** A custom element (vscode-elements) by tag name. */
export function ce(tag: string, cls?: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = showControls(text);
  return e;
}

export function note(parent: HTMLElement, text: string): HTMLElement {
  const p = h('p', 'pn-note', text);
  parent.appendChild(p);
  return p;
}

export interface Column<T> {
  key: string;
  title: string;
  /** Sort key (number or string). */
  value: (r: T) => unknown;
  /** Cell text. */
  text: (r: T) => string;
  numeric?: boolean;
  /** Order on the first click of the header (default ascending; e.g. durations: longest first). */
  firstDir?: 'asc' | 'desc';
}
