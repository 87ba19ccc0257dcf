/**
 * Colours, only from the `--vscode-*` CSS variables: VS Code injects them into the webview (and
 * changes them with the theme: light, dark, high contrast); the HTML report defines a stand-in set
 * in report-theme.css. States map to chart colours; the canvas needs them as packed RGBA pixels,
 * so each variable is resolved once per theme through a 1x1 canvas (the browser parses any CSS
 * colour syntax) and blended over the editor background when it is translucent.
 */

import { blend, stateRgbaWith, PALETTE, PALETTE_FALLBACK, type Rgba } from './palette';

export { blend, type Rgba };

export interface Theme {
  /** Body class: vscode-light, vscode-dark, vscode-high-contrast(-light). */
  kind: string;
  bg: Rgba;
  fg: string;
  muted: string;
  grid: string;
  border: string;
  focus: string;
  cursor: string;
  highlight: string;
  selection: string;
  series: string[];
  fontFamily: string;
}

let probe: CanvasRenderingContext2D | null = null;

/** Any CSS colour to RGBA 0..255 (transparent black when it does not parse). */
export function parseColor(css: string): Rgba {
  if (!probe) {
    const c = document.createElement('canvas');
    c.width = c.height = 1;
    probe = c.getContext('2d', { willReadFrequently: true });
  }
  const ctx = probe;
  if (!ctx || !css) return [0, 0, 0, 0];
  ctx.clearRect(0, 0, 1, 1);
  ctx.fillStyle = '#00000000';
  ctx.fillStyle = css;
  ctx.fillRect(0, 0, 1, 1);
  const d = ctx.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2], d[3]];
}

export const cssOf = ([r, g, b, a]: Rgba): string => (a >= 255 ? `rgb(${r},${g},${b})` : `rgba(${r},${g},${b},${(a / 255).toFixed(3)})`);

/** Packed pixel for a Uint32Array view of ImageData (little-endian: ABGR). */
export const pixelOf = ([r, g, b, a]: Rgba): number => ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;

function cssVar(style: CSSStyleDeclaration, names: string[]): string {
  for (const n of names) {
    const v = style.getPropertyValue(n).trim();
    if (v) return v;
  }
  return '';
}

/** Reads the current theme from the computed style of the body. */
export function readTheme(): Theme {
  const st = getComputedStyle(document.body);
  const bgCss = cssVar(st, ['--vscode-editor-background', '--vscode-sideBar-background']) || '#ffffff';
  let bg = parseColor(bgCss);
  if (bg[3] === 0) bg = [255, 255, 255, 255];
  bg = blend(bg, [255, 255, 255, 255]);
  const fg = cssVar(st, ['--vscode-editor-foreground', '--vscode-foreground']) || '#333333';
  const kind = [...document.body.classList].find((c) => c.startsWith('vscode-')) ?? 'vscode-light';
  return {
    kind,
    bg,
    fg,
    muted: cssVar(st, ['--vscode-descriptionForeground']) || fg,
    grid: cssOf(blend(parseColor(fg), bg, 0.12)),
    border: cssVar(st, ['--vscode-panel-border', '--vscode-editorWidget-border', '--vscode-contrastBorder']) || '#80808059',
    focus: cssVar(st, ['--vscode-focusBorder', '--vscode-contrastActiveBorder']) || '#0090f1',
    cursor: cssVar(st, ['--vscode-editorCursor-foreground', '--vscode-foreground']) || fg,
    highlight: cssVar(st, ['--vscode-editor-findMatchHighlightBackground', '--vscode-editor-selectionHighlightBackground']) || '#ea5c0055',
    selection: cssVar(st, ['--vscode-editor-selectionBackground']) || '#add6ff',
    series: PALETTE.map((v, i) => cssVar(st, [v]) || PALETTE_FALLBACK[i]),
    fontFamily: cssVar(st, ['--vscode-font-family']) || 'system-ui, sans-serif',
  };
}

/** Resolved colours of a timeline's states for one theme. */
export class StateColors {
  readonly css: string[];
  readonly pixels: Uint32Array;
  /** Readable text colour over each state's colour (black or white by luminance). */
  readonly text: string[];
  private readonly byName = new Map<string, string>();

  constructor(
    readonly states: readonly string[],
    theme: Theme,
  ) {
    const st = getComputedStyle(document.body);
    this.css = [];
    this.text = [];
    this.pixels = new Uint32Array(states.length + 1);
    this.pixels[0] = pixelOf(theme.bg);
    states.forEach((name, i) => {
      const rgba = stateRgba(name, st, theme);
      this.css.push(cssOf(rgba));
      // Relative luminance (sRGB weights, gamma ignored: enough to pick black or white).
      this.text.push(0.2126 * rgba[0] + 0.7152 * rgba[1] + 0.0722 * rgba[2] > 140 ? '#000000' : '#ffffff');
      this.pixels[i + 1] = pixelOf(rgba);
      this.byName.set(name, cssOf(rgba));
    });
  }

  color(name: string): string {
    return this.byName.get(name) ?? '';
  }
}

function stateRgba(name: string, st: CSSStyleDeclaration, theme: Theme): Rgba {
  return stateRgbaWith(name, (v) => st.getPropertyValue(v), parseColor, theme.bg);
}

/** The colour of any state name in the current theme (for panels and the legend). */
export function stateColorCss(name: string, theme: Theme): string {
  return cssOf(stateRgba(name, getComputedStyle(document.body), theme));
}

/** Calls `fn` when VS Code (or the report's toggle) changes the theme: body class or html style. */
export function onThemeChange(fn: () => void): void {
  let pending = false;
  const fire = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      fn();
    });
  };
  const mo = new MutationObserver(fire);
  mo.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  mo.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}
