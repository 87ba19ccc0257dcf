/**
 * The HTML report as an injection target, in headless Chromium: thread, process and slice names of
 * a Chrome JSON trace, the trace's file name and a scenario's title carrying `</script>`,
 * `<img onerror>`, `<svg onload>`, `</style>`, `${}`, U+2028/U+2029, a lone surrogate, bidi
 * overrides and a 200,000-character name. The page must load and draw its lanes with no script of
 * the input run (nothing sets `window.__pwned`), no CSP violation, no console error, no element
 * the input spelled (`img`, `svg`); control and bidi characters are shown escaped (`\u{202e}`),
 * never as raw text that reorders what follows (the document title and the toolbar showed the
 * file name's U+202E raw before). Skipped only when Chromium is not installed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { main as analyze } from '../../server/src/cli/analyze';

const root = resolve(__dirname, '..', '..');
const CHROMIUM = process.env.VPSCOPE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync', '--disable-dev-shm-usage'];
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set VPSCOPE_CHROMIUM)`;

const RLO = '\u202e';
const HOSTILE = [
  '</script><script>window.__pwned=1</script>',
  '<img src=x onerror="window.__pwned=2">',
  '${window.__pwned=3}',
  'a\u2028b\u2029c',
  'lone\ud800x',
  `${RLO}evil\u202c`,
  '</style><style>*{display:none}</style>',
  '"><svg onload=window.__pwned=4>',
  'x'.repeat(200_000),
];

function hostileTrace(): string {
  const ev: object[] = [];
  HOSTILE.forEach((h, i) => {
    const pid = 10 + i;
    ev.push({ ph: 'M', name: 'process_name', pid, tid: 0, args: { name: h } });
    ev.push({ ph: 'M', name: 'thread_name', pid, tid: pid * 10, args: { name: `CPU 0/KVM ${h}` } });
    ev.push({ ph: 'M', name: 'thread_name', pid, tid: pid * 10 + 1, args: { name: h } });
    for (let k = 0; k < 20; k++) {
      ev.push({ ph: 'X', pid, tid: pid * 10, ts: k * 100, dur: 50, name: 'running', cat: 'running' });
      ev.push({ ph: 'X', pid, tid: pid * 10, ts: k * 100 + 50, dur: 40, name: `runnable: ${h} (5)`, cat: 'runnable' });
      ev.push({ ph: 'X', pid, tid: pid * 10 + 1, ts: k * 100 + 5, dur: 30, name: h, cat: h });
    }
  });
  return JSON.stringify({ traceEvents: ev });
}

type HostileWindow = Window & { vpscopeView?: { ready: boolean; lanes(): unknown[] }; __pwned?: unknown; __csp?: string[] };

describe('HTML report with hostile names in headless Chromium', { skip }, () => {
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'vpscope-hostile-'));
  const traceName = `<img src=x onerror=window.__pwned=9>${RLO}.json`;
  const traceHtml = join(dir, 'trace.html');
  const simHtml = join(dir, 'sim.html');

  before(async () => {
    assert.ok(existsSync(join(root, 'dist', 'webview.js')), "dist/webview.js is missing: run 'npm run build' (npm test does)");
    const trace = join(dir, traceName);
    writeFileSync(trace, hostileTrace());
    const quiet = { stdout: { write: () => true }, stderr: { write: () => true } };
    assert.equal(await analyze([trace, '--html', traceHtml], quiet), 0);
    const vps = join(dir, 'hostile.vps');
    const title = HOSTILE.slice(0, 8).join(' ').replace(/[\\"]/g, '');
    writeFileSync(vps, `scenario "${title}" { duration 5ms }\nhost { pcpus 1 }\nvm v { vcpus 1; guest { thread t { every 1ms; cpu 100us } } }\n`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'server/src/cli/main.ts'), 'simulate', vps, '--html', simHtml], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addInitScript(() => {
      const w = window as HostileWindow;
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__csp!.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text().slice(0, 300));
    });
    page.on('pageerror', (e) => errors.push(String(e).slice(0, 300)));
  });

  after(async () => {
    await browser?.close();
  });

  for (const [name, file] of [
    ['analyze --html of a Chrome trace with hostile names and file name', () => traceHtml],
    ['simulate --html of a scenario with a hostile title', () => simHtml],
  ] as const) {
    it(name, async () => {
      errors.length = 0;
      await page.goto(pathToFileURL(file()).href);
      await page.waitForFunction(() => (window as HostileWindow).vpscopeView?.ready === true, undefined, { timeout: 30_000 });
      // Give an injected handler (onerror, onload) the time to run.
      await page.waitForTimeout(300);
      const s = await page.evaluate(() => {
        const w = window as HostileWindow;
        return {
          pwned: w.__pwned,
          csp: w.__csp,
          title: document.title,
          scripts: document.scripts.length,
          injected: document.querySelectorAll('img, svg, iframe, object, embed').length,
          lanes: w.vpscopeView!.lanes().length,
          text: document.body.innerText,
        };
      });
      assert.equal(s.pwned, undefined, 'a script of the input ran');
      assert.deepEqual(s.csp, [], 'CSP violations');
      assert.deepEqual(errors, [], 'console errors');
      assert.equal(s.scripts, 2, 'the data block and the app, nothing else');
      assert.equal(s.injected, 0, 'elements spelled by the input');
      assert.ok(s.lanes > 0, 'lanes drawn');
      assert.ok(!/[\u202a-\u202e\u2066-\u2069]/.test(s.title + s.text), 'a raw bidi control in the page text or title');
      assert.ok(s.title.includes('\\u{202e}'), `title: ${s.title.slice(0, 200)}`);
    });
  }
});
