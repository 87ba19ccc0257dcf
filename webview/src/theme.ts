/**
 * Colours, only from the `--vscode-*` CSS variables: VS Code injects them into the webview (and
 * changes them with the theme: light, dark, high contrast); the HTML report defines a stand-in set
 * in report-theme.css. States map to chart colours; the canvas needs them as packed RGBA pixels,
 * so each variable is resolved once per theme through a 1x1 canvas (the browser parses any CSS
 * colour syntax) and blended over the editor background when it is translucent.
 */

/** How a state is painted: a theme variable and how much of it over the background (1 = solid). */
interface StatePaint {
  vars: string[];
  mix: number;
  /** Used only when the theme defines none of the variables. */
  fallback: string;
}

const P = (vars: string[], fallback: string, mix = 1): StatePaint => ({ vars, mix, fallback });

const STATE_PAINT: Record<string, StatePaint> = {
  running: P(['--vscode-charts-green'], '#388a34'),
  busy: P(['--vscode-charts-green'], '#388a34'),
  inferred: P(['--vscode-charts-green'], '#388a34', 0.55),
  vtl0: P(['--vscode-charts-blue'], '#1a85ff'),
  guest: P(['--vscode-charts-blue'], '#1a85ff'),
  vtl2: P(['--vscode-charts-purple'], '#652d90'),
  host: P(['--vscode-charts-orange'], '#d18616'),
  online: P(['--vscode-charts-green'], '#388a34', 0.7),
  onlining: P(['--vscode-charts-blue'], '#1a85ff', 0.5),
  runnable: P(['--vscode-charts-red'], '#e51400'),
  vcpu_preempted: P(['--vscode-charts-red'], '#e51400', 0.7),
  vcpu_out: P(['--vscode-charts-orange'], '#d18616', 0.7),
  spinning: P(['--vscode-terminal-ansiBrightYellow', '--vscode-charts-yellow'], '#b5ba00'),
  full: P(['--vscode-terminal-ansiRed', '--vscode-charts-red'], '#cd3131', 0.55),
  preempted: P(['--vscode-charts-red'], '#e51400'),
  steal: P(['--vscode-charts-red'], '#e51400'),
  blackout: P(['--vscode-terminal-ansiMagenta', '--vscode-charts-purple'], '#bc05bc'),
  intercept: P(['--vscode-charts-orange'], '#d18616'),
  kernel_blocked: P(['--vscode-charts-yellow'], '#bf8803'),
  blocked: P(['--vscode-terminal-ansiCyan', '--vscode-charts-yellow'], '#0598bc'),
  waiting: P(['--vscode-charts-yellow'], '#bf8803', 0.6),
  queued: P(['--vscode-charts-yellow'], '#bf8803', 0.6),
  offline: P(['--vscode-disabledForeground'], '#808080', 0.7),
  remote: P(['--vscode-disabledForeground'], '#808080', 0.7),
  halted: P(['--vscode-descriptionForeground'], '#808080', 0.45),
  unknown: P(['--vscode-disabledForeground'], '#808080', 0.4),
  sleeping: P(['--vscode-descriptionForeground'], '#808080', 0.28),
  idle: P(['--vscode-descriptionForeground'], '#808080', 0.16),
};

const PALETTE = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];
const PALETTE_FALLBACK = ['#1a85ff', '#d18616', '#388a34', '#652d90', '#e51400', '#bf8803'];

export type Rgba = [number, number, number, number];

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

/** `top` over `bottom` with `top`'s alpha times `mix`; the result is opaque. */
export function blend(top: Rgba, bottom: Rgba, mix = 1): Rgba {
  const a = (top[3] / 255) * mix;
  return [Math.round(top[0] * a + bottom[0] * (1 - a)), Math.round(top[1] * a + bottom[1] * (1 - a)), Math.round(top[2] * a + bottom[2] * (1 - a)), 255];
}

/** Packed pixel for a Uint32Array view of ImageData (little-endian: ABGR). */
export const pixelOf = ([r, g, b, a]: Rgba): number => ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;

function cssVar(style: CSSStyleDeclaration, names: string[]): string {
  for (const n of names) {
    const v = style.getPropertyValue(n).trim();
    if (v) return v;
  }
  return '';
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
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
  const paint = STATE_PAINT[name];
  if (paint) {
    const raw = parseColor(cssVar(st, paint.vars) || paint.fallback);
    return blend(raw[3] ? raw : parseColor(paint.fallback), theme.bg, paint.mix);
  }
  const i = hash(name) % PALETTE.length;
  const raw = parseColor(cssVar(st, [PALETTE[i]]) || PALETTE_FALLBACK[i]);
  return blend(raw, theme.bg, 0.8);
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
