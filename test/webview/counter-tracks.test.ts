/**
 * Counter tracks on the timeline, in headless Chromium (the HTML report of a Chrome trace with
 * `"ph":"C"` series): a track sits after its process's lanes (a process with no lanes gets its own
 * group), a one-sample spike among 5,000 samples is drawn full height when zoomed all the way out,
 * a wheel zoom moves the track with the lanes (the spike follows the shared time axis), the
 * tooltip gives the value at the cursor, the keyboard reaches and announces tracks, a collapsed
 * counter group stays collapsed after a reload, and a document with hostile counters (10^6
 * points, NaN, strings, +-1e308, out-of-order times) still loads clean. Screenshots, light and
 * dark, land in test-artifacts/timeline-counters*.png (checked by eye, not a pixel gate).
 * Skipped only when Chromium is not installed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import { main as analyze } from '../../server/src/cli/analyze';
import { runnableSeries } from '../../server/src/core/runnableCounters';
import { loadWebviewAssets, renderHtmlReport } from '../../server/src/io/htmlReport';
import type { ViewDocument } from '../../server/src/shared/view';

const root = resolve(__dirname, '..', '..');
const CHROMIUM = process.env.VPSCOPE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync', '--disable-dev-shm-usage'];
const artifacts = join(root, 'test-artifacts');
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set VPSCOPE_CHROMIUM)`;

interface TCounter {
  id: string;
  label: string;
  group: string;
  y: number;
  h: number;
  min: number;
  max: number;
}
type CWindow = Window & {
  vpscopeView?: {
    ready: boolean;
    viewRange(): [number, number];
    lanes(): { id: string; group: string; y: number; h: number }[];
    counters(): TCounter[];
    timeToX(ns: number): number;
    lastDrawMs: number;
    countersReady: boolean;
  };
  __csp?: string[];
};

/** The spike: sample 2,500 of 5,000 (10 us apart) is 900, the others 0..6. */
const SPIKE_NS = 2500 * 10 * 1000;

function traceJson(): string {
  const ev: unknown[] = [
    { ph: 'M', name: 'process_name', pid: 1, args: { name: 'vmm' } },
    { ph: 'M', name: 'thread_name', pid: 1, tid: 11, args: { name: 'worker' } },
  ];
  for (let k = 0; k < 50; k++) ev.push({ ph: 'X', name: 'run', pid: 1, tid: 11, ts: k * 1000, dur: 600 });
  for (let i = 0; i < 5000; i++) ev.push({ ph: 'C', name: 'queue depth', pid: 1, ts: i * 10, args: { value: i === 2500 ? 900 : i % 7 } });
  // pid 2 has counters only: 20 samples 2.5 ms apart.
  for (let i = 0; i < 20; i++) ev.push({ ph: 'C', name: 'vcpus', pid: 2, ts: i * 2500, args: { running: i % 3 } });
  return JSON.stringify({ traceEvents: ev });
}

describe('counter tracks on the timeline, in headless Chromium', { skip }, () => {
  let browser: Browser;
  let page: Page;
  let file = '';
  let hostile = '';
  let sim = '';
  const errors: string[] = [];

  before(async () => {
    assert.ok(existsSync(join(root, 'dist', 'webview.js')), "dist/webview.js is missing: run 'npm run build' (npm test does)");
    mkdirSync(artifacts, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-ctracks-'));
    const json = join(dir, 'counters.json');
    writeFileSync(json, traceJson());
    file = join(dir, 'counters.html');
    const quiet = { stdout: { write: () => true }, stderr: { write: () => true } };
    assert.equal(await analyze([json, '--html', file], quiet), 0);
    // The same page with hostile counters written into its document.
    const html = readFileSync(file, 'utf8');
    const re = /(<script type="application\/json" id="vpscope-view-data">)([\s\S]*?)(<\/script>)/;
    const m = re.exec(html)!;
    const doc = JSON.parse(m[2]) as { trace: { counters: unknown[] } };
    const big: unknown[] = [];
    for (let i = 0; i < 1_000_000; i++) big.push(i * 50, i === 777_777 ? 1e9 : i % 13);
    doc.trace.counters = [
      { name: 'million', process: 'vmm', samples: 1e6, min: 0, max: 1e9, mean: 6, last: 0, points: big },
      { name: 'junk', process: 'vmm', samples: 6, min: 0, max: 1, mean: 0, last: 0, points: [0, null, 'x', 1, 10, 1e308, 20, -1e308, 5, 3, 30, 2] },
      { name: 'x'.repeat(10_000), process: '\u202eevil', samples: 1, min: 1, max: 1, mean: 1, last: 1, points: [0, 1] },
      { process: 'noname', points: [0, 1] },
      'not a series',
    ];
    hostile = join(dir, 'hostile.html');
    writeFileSync(hostile, html.replace(re, (_a, o: string, _b, c: string) => o + JSON.stringify(doc).replace(/</g, '\\u003c') + c));
    sim = join(dir, 'pools.html');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'server/src/cli/main.ts'), 'simulate', join(root, 'examples/xen-cpupool-bs2000.vps'), '--all-variants', '--html', sim], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addInitScript(() => {
      const w = window as CWindow;
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__csp!.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
  });

  after(async () => {
    await browser?.close();
  });

  const ready = () => page.waitForFunction(() => (window as CWindow).vpscopeView?.ready === true, undefined, { timeout: 30_000 });
  async function open(path: string, scheme: 'light' | 'dark'): Promise<void> {
    errors.length = 0;
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(pathToFileURL(path).href);
    await ready();
  }
  const wait2 = async (fn: () => Promise<boolean>, ms = 3000) => wait(fn, ms);
  const wait = async (fn: () => Promise<boolean>, ms = 3000) => {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      if (await fn()) return true;
      await new Promise((res) => setTimeout(res, 25));
    }
    return false;
  };
  const counters = () => page.evaluate(() => (window as CWindow).vpscopeView!.counters());
  const x = (ns: number) => page.evaluate((t) => (window as CWindow).vpscopeView!.timeToX(t), ns);

  /**
   * Per CSS column of the track's row: the height (device px) of what differs from the row's
   * own background, read from the lanes canvas.
   */
  async function columnHeights(c: TCounter): Promise<number[]> {
    return page.evaluate(({ y, h }) => {
      const cv = document.querySelector('#timeline-canvas') as HTMLCanvasElement;
      const d = cv.width / cv.clientWidth;
      const y0 = Math.round(y * d);
      const y1 = Math.round((y + h) * d);
      const img = cv.getContext('2d')!.getImageData(0, y0, cv.width, y1 - y0).data;
      const W = cv.width;
      const bg = [img[0], img[1], img[2]];
      const out: number[] = [];
      for (let cx = 0; cx < cv.clientWidth; cx++) {
        const px = Math.floor(cx * d);
        let n = 0;
        for (let r = 0; r < y1 - y0; r++) {
          const i = (r * W + px) * 4;
          if (Math.abs(img[i] - bg[0]) + Math.abs(img[i + 1] - bg[1]) + Math.abs(img[i + 2] - bg[2]) > 12) n++;
        }
        out.push(n);
      }
      return out;
    }, c);
  }

  const peak = (hs: number[]) => hs.indexOf(Math.max(...hs));

  it('tracks after their process lanes; a spike stays visible zoomed out and moves with the lanes on zoom; value at cursor; light and dark', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await open(file, scheme);
      const cs = await counters();
      assert.deepEqual(cs.map((c) => [c.label, c.group]), [['queue depth', 'vmm'], ['running', 'pid:2']].map(([l, g]) => [g === 'vmm' ? l : `vcpus.${l}`, g]));
      const lanes = await page.evaluate(() => (window as CWindow).vpscopeView!.lanes());
      const worker = lanes.find((l) => l.group === 'vmm');
      assert.ok(worker, 'the vmm lane');
      assert.equal(cs[0].y, worker.y + worker.h, 'the counter follows its process lane');
      await page.screenshot({ path: join(artifacts, `timeline-counters${scheme === 'dark' ? '-dark' : ''}.png`) });

      // Zoomed all the way out (5,000 samples in ~1,100 columns): the spike's column is the
      // tallest, near the full height of the track; the others stay low.
      const hs = await columnHeights(cs[0]);
      const sx = await x(SPIKE_NS);
      const p = peak(hs);
      assert.ok(Math.abs(p - sx) <= 2, `spike drawn at ${p}, its time is at x=${sx.toFixed(1)}`);
      const sorted = [...hs].sort((a, b) => a - b);
      assert.ok(hs[p] >= 3 * sorted[sorted.length >> 1], `spike height ${hs[p]} vs median ${sorted[sorted.length >> 1]}`);

      // Zoom in with the wheel left of the spike: the axis moves; the spike moves with it.
      const box = (await page.locator('#timeline-canvas').boundingBox())!;
      const before = await page.evaluate(() => (window as CWindow).vpscopeView!.viewRange());
      await page.mouse.move(box.x + sx - 200, box.y + 5);
      for (let k = 0; k < 4; k++) await page.mouse.wheel(0, -240);
      assert.ok(await wait(async () => {
        const r = await page.evaluate(() => (window as CWindow).vpscopeView!.viewRange());
        return r[1] - r[0] < (before[1] - before[0]) / 1.5;
      }), 'zoomed in');
      await new Promise((res) => setTimeout(res, 100));
      const sx2 = await x(SPIKE_NS);
      assert.ok(Math.abs(sx2 - sx) > 20, `the spike's time moved on screen: ${sx} -> ${sx2}`);
      if (sx2 >= 0 && sx2 < box.width) {
        const hs2 = await columnHeights((await counters())[0]);
        assert.ok(Math.abs(peak(hs2) - sx2) <= 2, `after the zoom the spike is drawn at ${peak(hs2)}, its time at ${sx2.toFixed(1)}`);
      }

      // The cursor over the vcpus.running track, in the middle of sample 5 (value 5 % 3 = 2).
      await page.locator('#timeline-canvas').focus();
      await page.keyboard.press('0'); // the whole trace again
      assert.ok(await wait(async () => {
        const r = await page.evaluate(() => (window as CWindow).vpscopeView!.viewRange());
        return r[1] - r[0] >= before[1] - before[0] - 1;
      }), 'zoomed out again');
      const c2 = (await counters())[1];
      const t = 5 * 2_500_000 + 1_250_000;
      await page.mouse.move(box.x + 1, box.y + 1);
      const cx = await x(t);
      await page.mouse.move(box.x + cx, box.y + c2.y + c2.h / 2);
      const tip = page.locator('.tl-tooltip');
      assert.ok(await wait(async () => (await tip.innerText().catch(() => '')).includes('value')), 'a tooltip over the track');
      const text = await tip.innerText();
      assert.match(text, /running/);
      assert.match(text, /value\s*2\b/, text);
      assert.deepEqual(errors, [], `console errors (${scheme})`);
      assert.deepEqual(await page.evaluate(() => (window as CWindow).__csp ?? []), [], `CSP violations (${scheme})`);
    }
  });

  it('keyboard reaches the tracks; a collapsed counter group stays collapsed after a reload', async () => {
    await open(file, 'dark');
    const labels = page.locator('.tl-labels');
    await labels.focus();
    let said = '';
    for (let k = 0; k < 12 && !said.startsWith('counter'); k++) {
      await page.keyboard.press('ArrowDown');
      said = (await labels.getAttribute('aria-label')) ?? '';
    }
    assert.match(said, /^counter queue depth, from 0 to 900$/);
    // The counters-only group of pid 2: collapse it from the keyboard.
    for (let k = 0; k < 12 && !said.startsWith('group pid:2'); k++) {
      await page.keyboard.press('ArrowDown');
      said = (await labels.getAttribute('aria-label')) ?? '';
    }
    assert.match(said, /^group pid:2 counters, 0 lanes, 1 counter, expanded$/);
    await page.keyboard.press('Enter');
    assert.ok(await wait(async () => (await counters()).length === 1), 'collapsed: one track left');
    await new Promise((res) => setTimeout(res, 400)); // the state is saved after 250 ms
    await page.reload();
    await ready();
    assert.deepEqual((await counters()).map((c) => c.label), ['queue depth'], 'still collapsed after a reload');
    assert.deepEqual(errors, []);
  });

  it('hostile counters (10^6 points, NaN, strings, +-1e308, disorder, bidi names) load clean and draw', async () => {
    await open(hostile, 'light');
    const cs = await counters();
    assert.deepEqual(cs.map((c) => c.label.slice(0, 8)), ['million', 'junk', 'xxxxxxxx']);
    assert.equal(cs[0].max, 1e9);
    const ms = await page.evaluate(() => (window as CWindow).vpscopeView!.lastDrawMs);
    assert.ok(ms < 1000, `a redraw took ${ms} ms`);
    // The one-sample spike among 10^6 samples (sample 777,777) is visible zoomed out.
    const hs = await columnHeights(cs[0]);
    const sx = await x(777_777 * 50);
    assert.ok(Math.abs(peak(hs) - sx) <= 2, `spike at ${peak(hs)} vs x=${sx.toFixed(1)}`);
    const box = (await page.locator('#timeline-canvas').boundingBox())!;
    await page.mouse.move(box.x + 300, box.y + cs[1].y + 10);
    await page.mouse.move(box.x + 310, box.y + cs[1].y + 10);
    assert.deepEqual(errors, []);
    assert.deepEqual(await page.evaluate(() => (window as CWindow).__csp ?? []), []);
    await page.screenshot({ path: join(artifacts, 'timeline-counters-hostile.png') });
  });

  it('a simulated run gets runnable vCPUs and steal per VM and per pool, computed from its lanes', async () => {
    await open(sim, 'dark');
    // Computed after the first drawing, one variant per task.
    await page.waitForFunction(() => (window as CWindow).vpscopeView?.countersReady === true, undefined, { timeout: 20_000 });
    const cs = await counters();
    const groups = [...new Set(cs.map((c) => c.group))];
    assert.ok(groups.includes('vm:bs2000a') && groups.includes('vm:bs2000b'), groups.join(' '));
    assert.ok(!groups.some((g) => g.startsWith('pool:')), `one pool in the base: no pool tracks (${groups.join(' ')})`);
    for (const g of groups) assert.deepEqual(cs.filter((c) => c.group === g).map((c) => c.label), ['runnable vCPUs.running', 'runnable vCPUs.waiting', 'steal ms'], g);
    // Each VM's tracks follow its lanes.
    const lanes = await page.evaluate(() => (window as CWindow).vpscopeView!.lanes());
    const a = lanes.filter((l) => l.group === 'vm:bs2000a');
    const ta = cs.find((c) => c.group === 'vm:bs2000a')!;
    assert.equal(ta.y, a[a.length - 1].y + a[a.length - 1].h);
    // The tooltip over the waiting track gives the count of the VM's vCPU lanes runnable then,
    // the same sweep as the Chrome export (checked against the lanes in test/core).
    const doc = await page.evaluate(() => {
      const app = (window as unknown as { vpscopeView: { app: { model: { variants: { states: string[]; lanes: { group: string; kind: string; cols: { starts: Float64Array; ends: Float64Array; states: Uint16Array } }[] }[] } } } }).vpscopeView.app;
      const v = app.model.variants[0];
      return { states: v.states, lanes: v.lanes.filter((l) => l.group === 'vm:bs2000a' && l.kind === 'vcpu').map((l) => ({ group: l.group, kind: l.kind, s: [...l.cols.starts], e: [...l.cols.ends], st: [...l.cols.states] })) };
    });
    const series = runnableSeries(doc.states, doc.lanes.map((l) => ({ group: l.group, kind: l.kind, length: l.s.length, startAt: (i: number) => l.s[i], endAt: (i: number) => l.e[i], stateAt: (i: number) => l.st[i] })));
    const s = series[0];
    const k = Math.floor(s.ts.length / 2);
    const t = (s.ts[k] + s.ts[k + 1]) / 2;
    const wait = cs.find((c) => c.group === 'vm:bs2000a' && c.label === 'runnable vCPUs.waiting')!;
    const box = (await page.locator('#timeline-canvas').boundingBox())!;
    await page.evaluate((n) => (window as unknown as { vpscopeView: { app: { setVisibleRange(a: number, b: number): void } } }).vpscopeView.app.setVisibleRange(n.a, n.b), { a: s.ts[k] - 1e6, b: s.ts[k + 1] + 1e6 });
    await new Promise((res) => setTimeout(res, 100));
    await page.mouse.move(box.x + (await x(t)), box.y + wait.y + wait.h / 2);
    const tip = page.locator('.tl-tooltip');
    assert.ok(await wait2(async () => (await tip.innerText().catch(() => '')).includes('runnable vCPUs.waiting')));
    assert.match(await tip.innerText(), new RegExp(`value\\s*${s.waiting[k]}\\b`));
    // The variant with two pools: a track group per pool, after the VMs.
    await page.evaluate(() => (window as unknown as { vpscopeView: { app: { setVariants(v: number[]): void } } }).vpscopeView.app.setVariants([1]));
    assert.ok(await wait2(async () => (await counters()).some((c) => c.group === 'pool:bs2000')), 'pool tracks in own_pool');
    const pools = [...new Set((await counters()).map((c) => c.group))].filter((g) => g.startsWith('pool:'));
    assert.deepEqual(pools.sort(), ['pool:Pool-0', 'pool:bs2000']);
    assert.deepEqual(errors, []);
    await page.evaluate(() => (window as unknown as { vpscopeView: { app: { setVisibleRange(a: number, b: number): void } } }).vpscopeView.app.setVisibleRange(0, 1e9));
    await page.screenshot({ path: join(artifacts, 'timeline-counters-derived-dark.png') });
  });

  type AppW = { vpscopeView: { app: { setVariants(v: number[]): void; setDerivedTracks(on: boolean): void } } };
  const lanesNow = () => page.evaluate(() => (window as CWindow).vpscopeView!.lanes());
  const countersReady = () => page.waitForFunction(() => (window as CWindow).vpscopeView?.countersReady === true, undefined, { timeout: 20_000 });

  it('"Derived tracks" hides the runnable/steal tracks from the keyboard, the header says lanes and counters, the choice survives a reload', async () => {
    await page.goto('about:blank');
    await open(sim, 'light');
    await countersReady();
    const n = (await counters()).length;
    assert.ok(n >= 6, `derived tracks shown by default (${n})`);
    const box = page.locator('.tb-derived');
    assert.equal(await box.evaluate((e) => (e as unknown as { checked: boolean }).checked), true);
    // The header's count and its announcement: lanes and counters apart.
    const labels = page.locator('.tl-labels');
    await labels.focus();
    let said = '';
    for (let k = 0; k < 40 && !said.startsWith('group VM bs2000a'); k++) {
      await page.keyboard.press('ArrowDown');
      said = (await labels.getAttribute('aria-label')) ?? '';
    }
    const vmLanes = (await lanesNow()).filter((l) => l.group === 'vm:bs2000a').length;
    assert.equal(said, `group VM bs2000a, ${vmLanes} ${vmLanes === 1 ? 'lane' : 'lanes'}, 3 counters, expanded`);
    // The row cursor stays on its row when the tracks above it come and go: the first lane of the
    // VM after bs2000a's tracks, then the API hides and shows them; ArrowDown then ArrowUp reads it back.
    for (let k = 0; k < 40 && !said.startsWith('group VM bs2000b'); k++) {
      await page.keyboard.press('ArrowDown');
      said = (await labels.getAttribute('aria-label')) ?? '';
    }
    await page.keyboard.press('ArrowDown');
    const onLane = (await labels.getAttribute('aria-label')) ?? '';
    assert.match(onLane, /^lane bs2000b/);
    await page.evaluate(() => (window as unknown as AppW).vpscopeView.app.setDerivedTracks(false));
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    assert.equal(await labels.getAttribute('aria-label'), onLane, 'hidden: the cursor stayed on its lane');
    await page.evaluate(() => (window as unknown as AppW).vpscopeView.app.setDerivedTracks(true));
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    assert.equal(await labels.getAttribute('aria-label'), onLane, 'shown: the cursor stayed on its lane');
    // Keyboard: Tab to the toggle, Space switches it off.
    await box.focus();
    await page.keyboard.press('Space');
    assert.ok(await wait(async () => (await counters()).length === 0), 'derived tracks hidden');
    await labels.focus();
    await page.screenshot({ path: join(artifacts, 'timeline-derived-off.png') });
    for (let k = 0; k < 40; k++) await page.keyboard.press('ArrowUp');
    said = '';
    for (let k = 0; k < 40 && !said.startsWith('group VM bs2000a'); k++) {
      await page.keyboard.press('ArrowDown');
      said = (await labels.getAttribute('aria-label')) ?? '';
    }
    assert.equal(said, `group VM bs2000a, ${vmLanes} ${vmLanes === 1 ? 'lane' : 'lanes'}, expanded`);
    await new Promise((res) => setTimeout(res, 400)); // the state is saved after 250 ms
    await page.reload();
    await ready();
    await countersReady();
    assert.equal((await counters()).length, 0, 'still hidden after a reload');
    assert.equal(await box.evaluate((e) => (e as unknown as { checked: boolean }).checked), false);
    await box.click();
    assert.ok(await wait(async () => (await counters()).length === n), 'shown again');
    assert.deepEqual(errors, []);
  });

  it('an exported report opens with the derived tracks the settings say; the address overrides it', async () => {
    // The page as the extension's export writes it with vpscope.timeline.derivedTracks = false.
    const html = readFileSync(sim, 'utf8');
    const m = /<script type="application\/json" id="vpscope-view-data">([\s\S]*?)<\/script>/.exec(html)!;
    const doc = JSON.parse(m[1]) as ViewDocument;
    const off = sim.replace(/\.html$/, '-off.html');
    writeFileSync(off, renderHtmlReport(doc, loadWebviewAssets(), { derivedTracks: false }));
    await page.goto('about:blank');
    await open(off, 'light');
    await countersReady();
    assert.equal((await counters()).length, 0, 'derived tracks hidden by the page default');
    assert.equal(await page.locator('.tb-derived').evaluate((e) => (e as unknown as { checked: boolean }).checked), false);
    await page.locator('.tb-derived').click();
    assert.ok(await wait(async () => (await counters()).length > 0), 'switched on');
    await new Promise((res) => setTimeout(res, 400));
    await page.reload();
    await ready();
    await countersReady();
    assert.ok((await counters()).length > 0, "the address's state wins over the page default");
    assert.deepEqual(errors, []);
    assert.deepEqual(await page.evaluate(() => (window as CWindow).__csp ?? []), []);
  });

  it('the lane at the top stays in place as derived tracks come and go, and after a reload', async () => {
    await page.setViewportSize({ width: 1400, height: 420 });
    await page.goto('about:blank');
    await open(sim, 'dark');
    await countersReady();
    // A lane of the second VM at the top, 5 px into it (below the first VM's three tracks).
    const target = (await lanesNow()).find((l) => l.group === 'vm:bs2000b')!;
    assert.ok(target, 'a bs2000b lane');
    await page.evaluate((y) => {
      const s = document.querySelector('.tl-vscroll') as HTMLElement;
      s.scrollTop = s.scrollTop + y;
    }, target.y + 5);
    const at = async () => (await lanesNow()).find((l) => l.id === target.id)!.y;
    assert.ok(await wait(async () => Math.abs((await at()) + 5) < 0.6), `scrolled: ${await at()}`);
    // Hiding the tracks above it does not move it; showing them again neither.
    await page.evaluate(() => (window as unknown as AppW).vpscopeView.app.setDerivedTracks(false));
    assert.ok(Math.abs((await at()) + 5) < 0.6, `after hiding: ${await at()}`);
    await page.evaluate(() => (window as unknown as AppW).vpscopeView.app.setDerivedTracks(true));
    assert.ok(Math.abs((await at()) + 5) < 0.6, `after showing: ${await at()}`);
    // A reload: the rows of the derived tracks are added after the first drawing; the lane is
    // where the user left it at the first drawing and after the tracks are in.
    await new Promise((res) => setTimeout(res, 400));
    await page.reload();
    await page.waitForFunction(() => ((window as CWindow).vpscopeView?.lanes().length ?? 0) > 0, undefined, { timeout: 30_000 });
    const first = await at();
    await ready();
    await countersReady();
    assert.ok((await counters()).length > 0);
    assert.ok(Math.abs((await at()) + 5) < 0.6, `restored at ${await at()} (first drawing ${first})`);
    await page.screenshot({ path: join(artifacts, 'timeline-scroll-anchor-dark.png') });
    assert.deepEqual(errors, []);
    await page.setViewportSize({ width: 1400, height: 900 });
  });
});
