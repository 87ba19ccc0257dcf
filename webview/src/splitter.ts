/**
 * The handle between the timeline and the side panels: drag it (or focus it and press the arrow
 * keys) to give the panels more or less of the width; a double click (or Home) restores the
 * default. The width is a fraction of the view's width, kept in the view state (`sideWidth`), and
 * set through a CSS custom property with the CSSOM (allowed under the strict `style-src`: no
 * inline style attribute is written). The timeline follows through its ResizeObserver.
 */

/** The side panels' default share of the width (the stylesheet's `34%`). */
export const DEFAULT_SIDE = 0.34;
/** Bounds of the share, and of either side in CSS px. */
const MIN_SIDE = 0.15;
const MAX_SIDE = 0.8;
const MIN_PX = 240;
/** Keyboard step, as a share of the width. */
const STEP = 0.02;

/** The share of `width` the panels get for a wanted share: within the bounds, both sides >= 240 px when they fit. */
export function clampSide(frac: number, width: number): number {
  let f = Number.isFinite(frac) ? frac : DEFAULT_SIDE;
  f = Math.min(MAX_SIDE, Math.max(MIN_SIDE, f));
  if (width > 2 * MIN_PX) f = Math.min(1 - MIN_PX / width, Math.max(MIN_PX / width, f));
  return f;
}

export function mountSplitter(app: HTMLElement, handle: HTMLElement, opts: { initial?: number; onChange(frac: number): void }): void {
  handle.setAttribute('role', 'separator');
  handle.setAttribute('aria-orientation', 'vertical');
  handle.setAttribute('aria-label', 'Resize the side panels (arrow keys; Home: default width)');
  handle.setAttribute('aria-valuemin', String(Math.round(MIN_SIDE * 100)));
  handle.setAttribute('aria-valuemax', String(Math.round(MAX_SIDE * 100)));
  handle.tabIndex = 0;
  let frac = DEFAULT_SIDE;
  const set = (f: number, save: boolean) => {
    frac = clampSide(f, app.getBoundingClientRect().width);
    app.style.setProperty('--vps-side-width', `${(frac * 100).toFixed(2)}%`);
    handle.setAttribute('aria-valuenow', String(Math.round(frac * 100)));
    if (save) opts.onChange(frac);
  };
  set(opts.initial ?? DEFAULT_SIDE, false);
  let dragging = false;
  handle.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    dragging = true;
    handle.setPointerCapture(e.pointerId);
    handle.classList.add('vps-dragging');
    e.preventDefault();
  });
  handle.addEventListener('pointermove', (e) => {
    if (!dragging) return;
    const r = app.getBoundingClientRect();
    if (r.width > 0) set((r.right - e.clientX) / r.width, false);
  });
  const end = (e: PointerEvent) => {
    if (!dragging) return;
    dragging = false;
    handle.classList.remove('vps-dragging');
    if (handle.hasPointerCapture(e.pointerId)) handle.releasePointerCapture(e.pointerId);
    opts.onChange(frac);
  };
  handle.addEventListener('pointerup', end);
  handle.addEventListener('pointercancel', end);
  handle.addEventListener('dblclick', () => set(DEFAULT_SIDE, true));
  handle.addEventListener('keydown', (e) => {
    // The panels are on the right: Left widens them, Right narrows them.
    const d = e.key === 'ArrowLeft' ? STEP : e.key === 'ArrowRight' ? -STEP : 0;
    if (d) set(frac + d, true);
    else if (e.key === 'Home') set(DEFAULT_SIDE, true);
    else return;
    e.preventDefault();
  });
}
