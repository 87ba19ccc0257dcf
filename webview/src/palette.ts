/**
 * State colours by meaning (a design choice of this view, not a measured quantity):
 *   - on a CPU, doing work: greens, blues, purples (running, busy, VTL0, VTL2, online...);
 *   - spinning (on a CPU but waiting): yellow;
 *   - wanting a CPU and not getting it, or waiting for a resource: reds and oranges (runnable,
 *     preempted, vcpu_preempted, waiting, queued, a full ring);
 *   - taken away by exits and intercepts: magentas (intercept, kernel_blocked, vcpu_out, blackout);
 *   - blocked / sleeping / halted / offline: muted grey-blues and greys;
 *   - idle: nothing drawn (the lane's background).
 * Every colour is a `--vscode-*` variable (charts.*, terminal.ansi*) mixed over the editor
 * background, so light, dark and high-contrast themes all work; the mixes make states of one
 * family distinct where a theme gives two variables the same value (Light+ has
 * ansiBrightMagenta = ansiMagenta). test/webview/unit/palette.test.ts checks that every state of
 * {@link STATE_ORDER} gets a distinct colour in the report's light and dark stand-in themes.
 *
 * Pure: no DOM (theme.ts resolves the variables).
 */

/** How a state is painted: the first theme variable that is set, `mix` of it over the background. */
export interface StatePaint {
  vars: string[];
  mix: number;
  /** Used only when the theme defines none of the variables. */
  fallback: string;
}

const P = (vars: string[], fallback: string, mix = 1): StatePaint => ({ vars, mix, fallback });

const GREEN = '--vscode-charts-green';
const BLUE = '--vscode-charts-blue';
const PURPLE = '--vscode-charts-purple';
const RED = '--vscode-charts-red';
const ORANGE = '--vscode-charts-orange';
const YELLOW = '--vscode-charts-yellow';
const A_GREEN = '--vscode-terminal-ansiGreen';
const A_BLUE = '--vscode-terminal-ansiBlue';
const A_RED = '--vscode-terminal-ansiRed';
const A_YELLOW = '--vscode-terminal-ansiBrightYellow';
const A_MAGENTA = '--vscode-terminal-ansiMagenta';
const A_BMAGENTA = '--vscode-terminal-ansiBrightMagenta';
const A_CYAN = '--vscode-terminal-ansiCyan';
const DESC = '--vscode-descriptionForeground';

/** Families of states, in legend order. */
export type StateFamily = 'cpu' | 'spin' | 'wait' | 'exit' | 'quiet' | 'idle';

export const STATE_PAINT: Record<string, StatePaint & { family: StateFamily }> = {
  // On a CPU.
  running: { ...P([GREEN], '#388a34'), family: 'cpu' },
  busy: { ...P([A_GREEN, GREEN], '#0dbc79'), family: 'cpu' },
  inferred: { ...P([GREEN], '#388a34', 0.5), family: 'cpu' },
  online: { ...P([A_GREEN, GREEN], '#0dbc79', 0.6), family: 'cpu' },
  vtl0: { ...P([BLUE], '#1a85ff'), family: 'cpu' },
  guest: { ...P([A_BLUE, BLUE], '#2472c8'), family: 'cpu' },
  onlining: { ...P([BLUE], '#1a85ff', 0.45), family: 'cpu' },
  vtl2: { ...P([PURPLE], '#652d90'), family: 'cpu' },
  // On a CPU, waiting.
  spinning: { ...P([A_YELLOW, YELLOW], '#b5ba00'), family: 'spin' },
  // Wants a CPU or a resource.
  runnable: { ...P([RED], '#e51400'), family: 'wait' },
  preempted: { ...P([A_RED, RED], '#cd3131'), family: 'wait' },
  steal: { ...P([RED], '#e51400', 0.7), family: 'wait' },
  vcpu_preempted: { ...P([RED], '#e51400', 0.55), family: 'wait' },
  waiting: { ...P([ORANGE], '#d18616'), family: 'wait' },
  queued: { ...P([YELLOW], '#bf8803', 0.75), family: 'wait' },
  full: { ...P([ORANGE], '#d18616', 0.55), family: 'wait' },
  // Taken away by exits and intercepts.
  intercept: { ...P([A_MAGENTA], '#bc05bc'), family: 'exit' },
  blackout: { ...P([A_BMAGENTA, A_MAGENTA], '#d670d6'), family: 'exit' },
  kernel_blocked: { ...P([A_MAGENTA], '#bc05bc', 0.45), family: 'exit' },
  vcpu_out: { ...P([PURPLE, A_MAGENTA], '#652d90', 0.5), family: 'exit' },
  host: { ...P([A_MAGENTA], '#bc05bc', 0.25), family: 'exit' },
  // Nothing to run, or not there.
  blocked: { ...P([A_CYAN], '#0598bc', 0.4), family: 'quiet' },
  sleeping: { ...P([BLUE], '#1a85ff', 0.2), family: 'quiet' },
  halted: { ...P([DESC], '#808080', 0.3), family: 'quiet' },
  offline: { ...P([DESC], '#808080', 0.6), family: 'quiet' },
  remote: { ...P([DESC], '#808080', 0.45), family: 'quiet' },
  unknown: { ...P([DESC], '#808080', 0.15), family: 'quiet' },
  // Idle: the background.
  idle: { ...P([DESC], '#808080', 0), family: 'idle' },
};

/** Known states in legend order (by meaning). */
export const STATE_ORDER: readonly string[] = Object.keys(STATE_PAINT);

/** Legend position of a state; unknown names go after the known ones, by name. */
export function legendRank(state: string): number {
  const i = STATE_ORDER.indexOf(state);
  return i < 0 ? STATE_ORDER.length : i;
}

/** Colours for states this view does not know: a chart colour from a hash of the name. */
export const PALETTE = [BLUE, ORANGE, GREEN, PURPLE, RED, YELLOW];
export const PALETTE_FALLBACK = ['#1a85ff', '#d18616', '#388a34', '#652d90', '#e51400', '#bf8803'];

/**
 * States that count as "nothing to do" for the utilisation bar (lod.ts): the bar's height is the
 * time in the other states. Idle, sleeping, halted (a VP in HLT), offline, remote, unknown.
 */
export const QUIET_STATES: ReadonlySet<string> = new Set(['idle', 'sleeping', 'halted', 'offline', 'remote', 'unknown']);

/** A state on a CPU (running, busy, VTL0/2, spinning...): what "busy time" sums. */
export function isOnCpu(state: string): boolean {
  const f = STATE_PAINT[state]?.family;
  return f === 'cpu' || f === 'spin';
}

export type Rgba = [number, number, number, number];

/** `top` over `bottom` with `top`'s alpha times `mix`; the result is opaque. */
export function blend(top: Rgba, bottom: Rgba, mix = 1): Rgba {
  const a = (top[3] / 255) * mix;
  return [Math.round(top[0] * a + bottom[0] * (1 - a)), Math.round(top[1] * a + bottom[1] * (1 - a)), Math.round(top[2] * a + bottom[2] * (1 - a)), 255];
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * The opaque colour of a state: `lookup(var)` gives a variable's value ('' when unset), `parse`
 * turns a CSS colour into RGBA (alpha 0 when it does not parse), `bg` is the editor background.
 */
export function stateRgbaWith(name: string, lookup: (v: string) => string, parse: (css: string) => Rgba, bg: Rgba): Rgba {
  const first = (vars: string[]) => {
    for (const v of vars) {
      const x = lookup(v).trim();
      if (x) return x;
    }
    return '';
  };
  const paint = STATE_PAINT[name];
  if (paint) {
    const raw = parse(first(paint.vars) || paint.fallback);
    return blend(raw[3] ? raw : parse(paint.fallback), bg, paint.mix);
  }
  const i = hash(name) % PALETTE.length;
  const raw = parse(first([PALETTE[i]]) || PALETTE_FALLBACK[i]);
  return blend(raw[3] ? raw : parse(PALETTE_FALLBACK[i]), bg, 0.8);
}
