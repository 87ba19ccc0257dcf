/**
 * The HTML report in headless Chromium (playwright-core, Debian's /usr/bin/chromium): for every
 * example (all variants) and one real shared trace, opened via file://, the page loads with no
 * console error, no CSP violation and no request other than file:/data:/blob:; the app signals
 * ready, draws the expected lanes, zooms on a wheel over the canvas, posts a `reveal` with a
 * stall's source range when its row is clicked, and renders in both light and dark colour
 * schemes. A screenshot per report lands in test-artifacts/ (not a pixel gate).
 *
 * One browser and one page for the whole file. Skipped (with the reason) only when Chromium is
 * not installed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { main as analyze } from '../../server/src/cli/analyze';
import { LineIndex } from '../../server/src/core/text';
import { gzipBase64 } from '../../server/src/io/gzipBase64';
import { loadWebviewAssets, renderHtmlReport } from '../../server/src/io/htmlReport';
import { analyzeDocument } from '../../server/src/model/analyze';
import { toRunJson } from '../../server/src/report/simulation';
import { buildSimulationView } from '../../server/src/report/view';
import { simulateAll } from '../../server/src/sim/run';
import type { ViewDocument, ViewRange } from '../../server/src/shared/view';
import { TRACES_DIR } from '../traces';

const root = resolve(__dirname, '..', '..');
const CHROMIUM = process.env.VPSCOPE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync', '--disable-dev-shm-usage'];
const artifacts = join(root, 'test-artifacts');
const TRACE = join(TRACES_DIR, 'r2_2x_n4', 'r2_2x_n4.report.txt.gz');

const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set VPSCOPE_CHROMIUM)`;
if (skip) console.log(`# skipped: ${skip}`);

interface Report {
  name: string;
  file: string;
  doc: ViewDocument;
}

/** What `vpscope simulate FILE --all-variants --html` writes, built in-process (the CLI itself is tested in test/cli/html.test.ts). */
function simulationReport(path: string, out: string): ViewDocument {
  const text = readFileSync(path, 'utf8');
  const shown = `examples/${path.split('/').pop()}`;
  const a = analyzeDocument(text, { uri: shown });
  assert.ok(a.scenario, `${shown} has errors`);
  const results = simulateAll(a.scenario, { variants: 'all', timeline: true });
  const run = toRunJson(shown, text, new LineIndex(text), a.scenario.settings.seed, results, a.diagnostics, true);
  const doc = buildSimulationView({ title: a.scenario.title, source: shown, run, encodeBytes: gzipBase64 });
  writeFileSync(out, renderHtmlReport(doc, loadWebviewAssets()));
  return doc;
}

type VpscopeWindow = Window & {
  vpscopeView?: {
    ready: boolean;
    viewRange(): [number, number];
    lanes(): { id: string; kind: string; variant: number; y: number; h: number }[];
    messages: { type: string; range?: ViewRange }[];
  };
  __vpscopeCsp?: string[];
};

describe('HTML report in headless Chromium', { skip }, () => {
  let browser: Browser;
  let page: Page;
  const reports: Report[] = [];
  const consoleErrors: string[] = [];
  const badRequests: string[] = [];

  before(async () => {
    assert.ok(existsSync(join(root, 'dist', 'webview.js')), "dist/webview.js is missing: run 'npm run build' (npm test does)");
    mkdirSync(artifacts, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-report-'));
    for (const f of readdirSync(join(root, 'examples')).filter((n) => n.endsWith('.vps')).sort()) {
      const out = join(dir, f.replace(/\.vps$/, '.html'));
      reports.push({ name: f.replace(/\.vps$/, ''), file: out, doc: simulationReport(join(root, 'examples', f), out) });
    }
    if (existsSync(TRACE)) {
      const out = join(dir, 'trace.html');
      const code = await analyze([TRACE, '--html', out], { stdout: { write: () => true }, stderr: { write: () => true } });
      assert.equal(code, 0);
      const html = readFileSync(out, 'utf8');
      const data = /<script type="application\/json" id="vpscope-view-data">([\s\S]*?)<\/script>/.exec(html)![1];
      reports.push({ name: 'trace-r2_2x_n4', file: out, doc: JSON.parse(data) });
    } else {
      console.log(`# the shared trace ${TRACE} is missing: only the examples are checked`);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // Registered before any page script runs; init scripts are not subject to the page's CSP.
    await context.addInitScript(() => {
      const w = window as VpscopeWindow;
      w.__vpscopeCsp = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__vpscopeCsp!.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('request', (r) => {
      if (!/^(file|data|blob):/.test(r.url())) badRequests.push(r.url());
    });
  });

  after(async () => {
    await browser?.close();
  });

  async function open(r: Report, scheme: 'light' | 'dark'): Promise<void> {
    consoleErrors.length = 0;
    badRequests.length = 0;
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(pathToFileURL(r.file).href);
    await page.waitForFunction(() => (window as VpscopeWindow).vpscopeView?.ready === true, undefined, { timeout: 20_000 });
    const csp = await page.evaluate(() => (window as VpscopeWindow).__vpscopeCsp ?? []);
    assert.deepEqual(csp, [], `${r.name}: CSP violations`);
    assert.deepEqual(consoleErrors, [], `${r.name}: console errors`);
    assert.deepEqual(badRequests, [], `${r.name}: requests other than file:/data:/blob:`);
    assert.equal(await page.evaluate(() => document.body.getAttribute('data-ready')), '1');
    const cls = await page.evaluate(() => document.body.className);
    assert.ok(cls.split(/\s+/).includes(`vscode-${scheme}`), `${r.name}: body class '${cls}' in ${scheme}`);
  }

  const wait = (fn: () => Promise<boolean>, ms = 3000) =>
    (async () => {
      const t0 = Date.now();
      while (Date.now() - t0 < ms) {
        if (await fn()) return true;
        await new Promise((res) => setTimeout(res, 25));
      }
      return false;
    })();

  it('every example and the real trace: loads clean, draws its lanes, zooms, reveals stalls, light and dark', async () => {
    assert.ok(reports.length >= 7);
    for (const r of reports) {
      await open(r, 'dark');
      await page.screenshot({ path: join(artifacts, `report-${r.name}-dark.png`) });
      await open(r, 'light');
      await page.screenshot({ path: join(artifacts, `report-${r.name}.png`) });

      // Lanes: drawn ones come from the document, and the machine's lanes are there.
      const lanes = await page.evaluate(() => (window as VpscopeWindow).vpscopeView!.lanes());
      assert.ok(lanes.length > 0, `${r.name}: no lanes drawn`);
      const known = new Set(r.doc.timelines.flatMap((t) => t.lanes.map((l) => l.id)));
      for (const l of lanes) assert.ok(known.has(l.id), `${r.name}: lane ${l.id} is not in the document`);
      const kinds = new Set(lanes.map((l) => l.kind));
      assert.ok(kinds.has('pcpu'), `${r.name}: no pCPU lane among ${[...kinds].join(',')}`);
      if (r.doc.kind === 'simulation') {
        assert.ok(lanes.some((l) => l.id === 'host/pcpu:0'), `${r.name}: host/pcpu:0 not drawn`);
        assert.ok(kinds.has('vcpu') || kinds.has('vp'), `${r.name}: no vCPU/VP lane`);
      } else {
        assert.ok(kinds.has('vcpu') || kinds.has('thread'), `${r.name}: no vCPU thread lane`);
      }

      // A wheel over the canvas zooms (the visible range changes and narrows).
      const before = await page.evaluate(() => (window as VpscopeWindow).vpscopeView!.viewRange());
      const box = (await page.locator('#timeline-canvas').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + Math.min(box.height / 2, 60));
      await page.mouse.wheel(0, -400);
      const changed = await wait(async () => {
        const v = await page.evaluate(() => (window as VpscopeWindow).vpscopeView!.viewRange());
        return v[0] !== before[0] || v[1] !== before[1];
      });
      assert.ok(changed, `${r.name}: wheel did not change the view range`);
      const afterZoom = await page.evaluate(() => (window as VpscopeWindow).vpscopeView!.viewRange());
      assert.ok(afterZoom[1] - afterZoom[0] < before[1] - before[0], `${r.name}: wheel up should zoom in`);

      // The keys, as in Perfetto: W zooms in, S out, D pans right, 0 shows everything again.
      const range = () => page.evaluate(() => (window as VpscopeWindow).vpscopeView!.viewRange());
      await page.locator('#timeline-canvas').focus();
      const k0 = await range();
      await page.keyboard.press('w');
      const kw = await range();
      assert.ok(kw[1] - kw[0] < k0[1] - k0[0], `${r.name}: W should zoom in (${k0} -> ${kw})`);
      await page.keyboard.press('s');
      const ks = await range();
      assert.ok(ks[1] - ks[0] > kw[1] - kw[0], `${r.name}: S should zoom out (${kw} -> ${ks})`);
      await page.keyboard.press('d');
      const kd = await range();
      assert.ok(kd[0] > ks[0] && Math.abs(kd[1] - kd[0] - (ks[1] - ks[0])) <= 1, `${r.name}: D should pan right (${ks} -> ${kd})`);
      // (The first view fits the activity, which may end before the run does; 0 shows the run.)
      await page.keyboard.press('0');
      const k0all = await range();
      assert.ok(k0all[0] <= before[0] && k0all[1] >= before[1] && k0all[1] - k0all[0] > ks[1] - ks[0], `${r.name}: 0 should show everything (${before} -> ${k0all})`);

      // A click on a stall row posts reveal with that stall's range.
      const stalls = ((r.doc.run?.variants[0] as { stalls?: { range?: ViewRange }[] } | undefined)?.stalls ?? []).map((s, i) => ({ i, range: s.range })).filter((s) => s.range);
      if (stalls.length > 0) {
        const row = page.locator('[data-stall-index]').first();
        if (!(await row.isVisible())) {
          // The stall list may sit behind a panel tab.
          await page.getByText(/stalls/i).first().click();
        }
        await row.waitFor({ state: 'visible', timeout: 3000 });
        const idx = Number(await row.getAttribute('data-stall-index'));
        const want = (r.doc.run!.variants[0] as unknown as { stalls: { range?: ViewRange }[] }).stalls[idx].range;
        assert.ok(want, `${r.name}: stall row ${idx} has no range`);
        const n0 = await page.evaluate(() => (window as VpscopeWindow).vpscopeView!.messages.length);
        await row.click();
        const got = await wait(async () => (await page.evaluate(() => (window as VpscopeWindow).vpscopeView!.messages.length)) > n0);
        assert.ok(got, `${r.name}: clicking a stall posted nothing`);
        const msgs = await page.evaluate((k) => (window as VpscopeWindow).vpscopeView!.messages.slice(k), n0);
        const reveal = msgs.find((m) => m.type === 'reveal');
        assert.ok(reveal, `${r.name}: no reveal among ${msgs.map((m) => m.type).join(',')}`);
        assert.deepEqual(reveal.range, want);
        // The report has no editor: it says which line (1-based) the stall comes from.
        const line = `line ${want.start.line + 1}`;
        assert.ok(await wait(async () => (await page.evaluate(() => document.body.innerText)).includes(line)), `${r.name}: status line does not show '${line}'`);
      }
      assert.deepEqual(consoleErrors, [], `${r.name}: console errors while interacting`);
      assert.deepEqual(badRequests, [], `${r.name}: requests while interacting`);
    }
    assert.ok(reports.some((r) => r.doc.kind === 'simulation' && (r.doc.run!.variants[0] as unknown as { stalls: unknown[] }).stalls.length > 0), 'some example has stalls to click');
  });

  it('a Chrome trace with counters: the Stats panel lists every series and draws each as a stepped chart, light and dark', async () => {
    // Two processes, three series: one sampled 5,000 times (thinned to its per-bucket extremes),
    // one multi-valued counter (name.key), and a slice so the trace has a timeline.
    const ev: unknown[] = [
      { ph: 'M', name: 'process_name', pid: 1, args: { name: 'vmm' } },
      { ph: 'X', name: 'run', pid: 1, tid: 11, ts: 0, dur: 50_000 },
    ];
    for (let i = 0; i < 5000; i++) ev.push({ ph: 'C', name: 'queue depth', pid: 1, ts: i * 10, args: { value: i === 2500 ? 900 : i % 7 } });
    for (let i = 0; i < 20; i++) ev.push({ ph: 'C', name: 'vcpus', pid: 2, ts: i * 2500, args: { running: i % 3, waiting: (i * 5) % 4 } });
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-counters-'));
    const json = join(dir, 'counters.json');
    writeFileSync(json, JSON.stringify({ traceEvents: ev }));
    const file = join(dir, 'counters.html');
    let text = '';
    assert.equal(await analyze([json, '--html', file], { stdout: { write: (x: string) => ((text += x), true) }, stderr: { write: () => true } }), 0);
    assert.match(text, /Counters \(3 series;/);
    assert.match(text, /vmm +queue depth +5,000 +0 +3\.1788 +900 +1\n/);
    const r: Report = { name: 'trace-counters', file, doc: {} as ViewDocument };
    for (const scheme of ['light', 'dark'] as const) {
      await open(r, scheme);
      await page.click('vscode-tab-header[data-panel="counters"]');
      assert.ok(await wait(async () => (await page.locator('.pn-series tbody tr').count()) === 3), 'three series in the table');
      const rows = await page.locator('.pn-series tbody tr').allInnerTexts();
      assert.deepEqual(rows.map((x) => x.split('\t').slice(0, 3)), [['vmm', 'queue depth', '5,000'], ['pid:2', 'vcpus.running', '20'], ['pid:2', 'vcpus.waiting', '20']]);
      assert.ok(await wait(async () => (await page.locator('.pn-chart-small canvas').count()) === 3), 'one chart per series');
      const sizes = await page.locator('.pn-chart-small canvas').evaluateAll((cs) => cs.map((c) => (c as HTMLCanvasElement).width * (c as HTMLCanvasElement).height));
      assert.ok(sizes.every((a) => a > 0), `charts drawn: ${sizes}`);
      assert.deepEqual(consoleErrors, [], `console errors in ${scheme}`);
      assert.deepEqual(await page.evaluate(() => (window as VpscopeWindow).__vpscopeCsp ?? []), [], 'no CSP violation from the charts');
      await page.locator('vscode-tab-panel[data-panel="counters"]').screenshot({ path: join(artifacts, `report-trace-counters${scheme === 'dark' ? '-dark' : ''}.png`) });
    }
  });

  it('the StorVSP example: the stall list counts all 3,374 stalls, and a worker\'s stall selects the worker\'s lane', async () => {
    const r = reports.find((x) => x.name === 'storvsp-head-of-line');
    assert.ok(r, 'the StorVSP example has a report');
    const base = r.doc.run!.variants[0] as unknown as {
      stalls: { task: string; vm: string; lane?: string }[];
      stallSummary: { count: number; byCause: Record<string, { count: number }> };
    };
    // The run keeps the longest 200 of many more: what the headline must say.
    assert.ok(base.stallSummary.count > base.stalls.length, `more stalls (${base.stallSummary.count}) than listed (${base.stalls.length})`);
    await open(r, 'light');
    const header = page.locator('vscode-tab-header[data-panel="stalls"]');
    if (await header.isVisible()) await header.click();
    const summary = page.locator('.pn-summary', { hasText: 'longest of' }).first();
    await summary.waitFor({ timeout: 5000 });
    const text = await summary.innerText();
    const fmt = (n: number) => n.toLocaleString('en-US');
    assert.match(text, new RegExp(`^${base.stalls.length} longest of ${fmt(base.stallSummary.count)} stalls`), text);
    for (const [cause, c] of Object.entries(base.stallSummary.byCause)) assert.ok(text.includes(`${cause} ${fmt(c.count)} (`), `${cause} ${c.count} in: ${text}`);
    await page.screenshot({ path: join(artifacts, 'report-storvsp-stalls.png') });

    // A row of a StorVSP worker (`storvsp scsi0 ch3`): the click selects its channel worker's lane.
    const row = page.locator('tr[data-stall-index]', { hasText: /storvsp \S+ ch\d+/ }).first();
    await row.waitFor({ state: 'visible', timeout: 3000 });
    const stall = base.stalls[Number(await row.getAttribute('data-stall-index'))];
    const m = /^storvsp (\S+) ch(\d+)$/.exec(stall.task);
    assert.ok(m, `a worker stall: ${stall.task}`);
    const want = `vm:${stall.vm}/task:storvsp:${m[1]}/ch:${m[2]}`;
    await row.click();
    type AppWindow = Window & { vpscopeView: { app: { selection(): { lane: string } | undefined } } };
    assert.ok(
      await wait(async () => (await page.evaluate(() => (window as unknown as AppWindow).vpscopeView.app.selection()?.lane)) === want),
      `the selection is the worker's lane ${want}, got ${await page.evaluate(() => (window as unknown as AppWindow).vpscopeView.app.selection()?.lane)}`,
    );
    assert.ok((await row.getAttribute('class'))?.includes('pn-selected'), 'the row is marked selected');

    // Grouped: one row per task, VP, VM and cause of the listed stalls (200 rows of two channel
    // workers repeated become a handful), the largest total first; a click selects the group's
    // longest stall; the choice survives a reload (view state in the URL hash).
    const full = base as unknown as { stalls: { task?: string; vp?: number; vm?: string; cause: string; durationNs: number }[] };
    const groups = new Map<string, { total: number; longest: number; count: number }>();
    full.stalls.forEach((s, i) => {
      const k = JSON.stringify([s.task ?? null, s.vp ?? null, s.vm ?? null, s.cause]);
      const g = groups.get(k) ?? { total: 0, longest: i, count: 0 };
      g.total += s.durationNs;
      g.count++;
      if (s.durationNs > full.stalls[g.longest].durationNs) g.longest = i;
      groups.set(k, g);
    });
    assert.ok(groups.size < full.stalls.length / 10, `few groups (${groups.size}) for ${full.stalls.length} listed stalls`);
    await page.locator('#st-group').click();
    const grouped = page.locator('tr[data-stall-group]');
    assert.ok(await wait(async () => (await grouped.count()) === groups.size), `${groups.size} group rows, got ${await grouped.count()}`);
    const top = [...groups.values()].sort((a, b) => b.total - a.total)[0];
    assert.equal(Number(await grouped.first().getAttribute('data-stall-index')), top.longest, 'the largest total first, standing for its longest stall');
    assert.equal(Number(await grouped.first().getAttribute('data-stall-group')), top.count);
    await grouped.first().click();
    const topStall = base.stalls[top.longest];
    assert.ok(
      await wait(async () => (await page.evaluate(() => (window as unknown as AppWindow).vpscopeView.app.selection()?.lane)) === topStall.lane),
      `the group's longest stall is selected on ${topStall.lane}`,
    );
    await page.reload();
    await page.waitForFunction(() => (window as VpscopeWindow).vpscopeView?.ready === true, undefined, { timeout: 20_000 });
    if (await header.isVisible()) await header.click();
    assert.ok(await wait(async () => (await page.locator('tr[data-stall-group]').count()) === groups.size), 'still grouped after a reload');
    await page.locator('#st-group').click();
    assert.ok(await wait(async () => (await page.locator('tr[data-stall-group]').count()) === 0 && (await page.locator('tr[data-stall-index]').count()) === full.stalls.length), 'ungrouped again: every listed stall');
    assert.deepEqual(consoleErrors, [], 'no console errors');
  });

  it('the splitter gives the side panels more width by drag or keys; the timeline follows; the width survives a reload', async () => {
    const r = reports.find((x) => x.name === 'storvsp-head-of-line')!;
    await open(r, 'dark');
    const side = page.locator('#panel-pane');
    const canvas = page.locator('#timeline-canvas');
    const width = async (l: typeof side) => (await l.boundingBox())!.width;
    const side0 = await width(side);
    const canvas0 = await width(canvas);
    const handle = page.locator('#pane-split[role="separator"]');
    const box = (await handle.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 200);
    await page.mouse.down();
    await page.mouse.move(box.x - 100, box.y + 200, { steps: 5 });
    await page.mouse.move(box.x - 200, box.y + 200, { steps: 5 });
    await page.mouse.up();
    // The column starts where the pointer is: it grows by the drag plus the handle's own width.
    assert.ok(await wait(async () => Math.abs((await width(side)) - side0 - 200 - box.width) <= 3), `the panels grew by the drag: ${side0} -> ${await width(side)}`);
    assert.ok(await wait(async () => (await width(canvas)) < canvas0 - 150), `the timeline's canvas narrowed: ${canvas0} -> ${await width(canvas)}`);
    const dragged = await width(side);
    // Keys: Right narrows the panels by 2% of the width; Home restores the default.
    await handle.focus();
    await page.keyboard.press('ArrowRight');
    assert.ok(await wait(async () => (await width(side)) < dragged - 10), 'ArrowRight narrows the panels');
    await page.keyboard.press('ArrowLeft');
    assert.ok(await wait(async () => Math.abs((await width(side)) - dragged) <= 2), 'ArrowLeft widens them back');
    // The state is saved (URL hash) and restored with the page.
    await new Promise((res) => setTimeout(res, 300));
    await page.reload();
    await page.waitForFunction(() => (window as VpscopeWindow).vpscopeView?.ready === true, undefined, { timeout: 20_000 });
    assert.ok(await wait(async () => Math.abs((await width(side)) - dragged) <= 3), `restored after a reload: ${dragged} vs ${await width(side)}`);
    await page.locator('#pane-split').focus();
    await page.keyboard.press('Home');
    assert.ok(await wait(async () => Math.abs((await width(side)) - side0) <= 3), 'Home: the default width again');
    const csp = await page.evaluate(() => (window as VpscopeWindow).__vpscopeCsp ?? []);
    assert.deepEqual(csp, [], 'no CSP violation (the width is set through the CSSOM)');
    assert.deepEqual(consoleErrors, [], 'no console errors');
  });
});
