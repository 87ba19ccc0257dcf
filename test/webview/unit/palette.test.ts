/**
 * The state palette (webview/src/palette.ts) in the report's light and dark stand-in themes
 * (webview/src/report-theme.css, VS Code's default colours): every known state gets its own
 * colour, different from the background except idle, and the families keep their hues.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { STATE_ORDER, STATE_PAINT, legendRank, stateRgbaWith, type Rgba } from '../../../webview/src/palette';

const css = readFileSync(new URL('../../../webview/src/report-theme.css', import.meta.url), 'utf8');

function themeVars(cls: string): Map<string, string> {
  const m = new RegExp(`body\\.vpscope-report\\.${cls}\\s*\\{([^}]*)\\}`).exec(css);
  assert.ok(m, `no ${cls} block`);
  const out = new Map<string, string>();
  for (const d of m[1].split(';')) {
    const i = d.indexOf(':');
    if (i > 0) out.set(d.slice(0, i).trim(), d.slice(i + 1).trim());
  }
  return out;
}

function parse(c: string): Rgba {
  c = c.trim();
  let m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(c);
  if (m) {
    const n = parseInt(m[1], 16);
    return [n >> 16, (n >> 8) & 255, n & 255, m[2] ? parseInt(m[2], 16) : 255];
  }
  m = /^rgba?\(\s*(\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?\)$/.exec(c);
  if (m) return [+m[1], +m[2], +m[3], m[4] === undefined ? 255 : Math.round(+m[4] * 255)];
  return [0, 0, 0, 0];
}

const dist = (a: Rgba, b: Rgba) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

for (const cls of ['vscode-light', 'vscode-dark']) {
  const vars = themeVars(cls);
  const lookup = (v: string) => vars.get(v) ?? '';
  const bg = parse(lookup('--vscode-editor-background'));
  const col = (s: string) => stateRgbaWith(s, lookup, parse, bg);

  test(`${cls}: every palette variable is defined by the stand-in theme`, () => {
    for (const s of STATE_ORDER) assert.ok(lookup(STATE_PAINT[s].vars[0]), `${s}: ${STATE_PAINT[s].vars[0]}`);
  });

  test(`${cls}: every known state has a colour of its own, and only idle is the background`, () => {
    const cs = STATE_ORDER.map(col);
    for (let i = 0; i < cs.length; i++) {
      if (STATE_ORDER[i] === 'idle') assert.deepEqual(cs[i], bg);
      else assert.ok(dist(cs[i], bg) >= 20, `${STATE_ORDER[i]} too close to the background`);
      for (let j = 0; j < i; j++) assert.ok(dist(cs[i], cs[j]) >= 28, `${STATE_ORDER[i]} vs ${STATE_ORDER[j]}: ${cs[i]} ~ ${cs[j]}`);
    }
  });

  test(`${cls}: waiting states are red/orange (red channel first), on-CPU states are not`, () => {
    for (const s of STATE_ORDER) {
      const [r, g, b] = col(s);
      const fam = STATE_PAINT[s].family;
      if (fam === 'wait') assert.ok(r > g && r > b, `${s} ${[r, g, b]}`);
      if (fam === 'cpu') assert.ok(!(r > g && r > b), `${s} ${[r, g, b]}`);
      if (fam === 'exit') assert.ok(r > g && b > g, `${s} ${[r, g, b]} not magenta`);
    }
  });

  test(`${cls}: unknown state names still get an opaque colour, the same every time`, () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !(s in STATE_PAINT)), (s) => {
        const a = col(s);
        assert.equal(a[3], 255);
        assert.deepEqual(col(s), a);
        assert.equal(legendRank(s), STATE_ORDER.length);
      }),
    );
  });
}

test('legend order follows the families: on-CPU, spinning, waiting, exits, quiet, idle', () => {
  const order = ['cpu', 'spin', 'wait', 'exit', 'quiet', 'idle'];
  const fams = STATE_ORDER.map((s) => order.indexOf(STATE_PAINT[s].family));
  assert.deepEqual(fams, [...fams].sort((a, b) => a - b));
});
