/**
 * Timeline view benchmark: the HTML report (`vpscope simulate --html`) in headless Chromium at
 * ~1e4, 1e5, 1e6, 3e6 and 4.1e6 (the whole 64-VP run) intervals, against the naive way (one
 * chart.js floating bar per interval) at the sizes it manages.
 *
 * Inputs: the 64-VP storage scenario (test/bench/storage-64vp.vps, 459 lanes) simulated for 1 ms,
 * 10 ms, 97 ms, 292 ms and its full 400 ms (~4.1 M intervals): real simulator output at every
 * size, nothing synthetic.
 *
 * Per size:
 *   - build: Node time to simulate is excluded; `toRunJson` + view document (vpt1 + gzip) + page.
 *   - HTML bytes and bytes per interval (the whole page: app bundle + data), and of the data alone.
 *   - first render: `vpscopeView.firstDrawMs`, i.e. performance.now() (ms since navigation start)
 *     at the end of the first full drawing (decode, LOD, lanes, panels).
 *   - redraw per zoom/pan step: main-thread task time, CDP `Performance.getMetrics` TaskDuration
 *     delta over N steps (wheel zoom in, horizontal pan, zoom out, each followed by two animation
 *     frames), each step measured alone and interleaved with the same harness work without the
 *     wheel: median step minus median harness (mean in the note); also the app's own `lastDrawMs`
 *     (mean, max) per step.
 *   - JS heap: `JSHeapUsedSize` after a forced GC, once the view is ready and idle; and the
 *     ArrayBuffer backing stores (`Runtime.getHeapUsage` backingStorageSize: the decoded columns).
 * The naive page: chart.js (bar, indexAxis y, one {x: [start, end], y: lane} per interval,
 * animation off), same viewport; first render = chart constructed and drawn; redraw = x-scale
 * min/max change + `update('none')` per step. Time-boxed (--naive-timeout-ms, default 60 s).
 *
 *   node --import tsx test/bench/webview.bench.ts [--sizes 1e4,1e5,1e6,3e6,full] [--steps N] [--naive 1e4,1e5] [--dist DIR] [--json]
 *
 * Needs `npm run build` (dist/webview.js) and /usr/bin/chromium (or VPSCOPE_CHROMIUM).
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { LineIndex } from '../../server/src/core/text';
import { decodeTimeline } from '../../server/src/core/timelineCodec';
import { gzipBase64 } from '../../server/src/io/gzipBase64';
import { loadWebviewAssets, renderHtmlReport } from '../../server/src/io/htmlReport';
import { analyzeDocument } from '../../server/src/model/analyze';
import { toRunJson } from '../../server/src/report/simulation';
import { buildSimulationView } from '../../server/src/report/view';
import { simulateAll } from '../../server/src/sim/run';
import type { ViewDocument } from '../../server/src/shared/view';

const root = resolve(__dirname, '..', '..');
const argv = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : def;
};
// Simulated time giving about that many intervals (459 lanes, ~10.3 k intervals per simulated ms).
const SIZE_DURATION: Record<string, string> = { '1e4': '1ms', '1e5': '10ms', '1e6': '97ms', '3e6': '292ms', full: '400ms' };
const sizes = arg('sizes', '1e4,1e5,1e6,3e6,full').split(',');
const naiveSizes = new Set(arg('naive', '1e4,1e5').split(',').filter(Boolean));
const STEPS = Number(arg('steps', '40'));
const NAIVE_TIMEOUT = Number(arg('naive-timeout-ms', '60000'));
const CHROMIUM = process.env.VPSCOPE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync', '--disable-dev-shm-usage'];
const VIEWPORT = { width: 1600, height: 1000 };

if (!existsSync(CHROMIUM)) {
  console.log(`skipped: Chromium not found at ${CHROMIUM}`);
  process.exit(0);
}
/** The bundle under test (`--dist DIR`: another build, e.g. of the base commit, to compare in one run). */
const distDir = resolve(arg('dist', join(root, 'dist')));
if (!existsSync(join(distDir, 'webview.js'))) {
  console.error(`${distDir}/webview.js is missing: run 'npm run build' first (npm run bench does)`);
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'vpscope-webview-bench-'));
const scenarioText = readFileSync(join(root, 'test/bench/storage-64vp.vps'), 'utf8');
const assets = loadWebviewAssets([distDir]);

interface Input {
  size: string;
  duration: string;
  intervals: number;
  lanes: number;
  doc: ViewDocument;
  file: string;
  htmlBytes: number;
  dataBytes: number;
  rawBytes: number;
  buildMs: number;
}

function makeInput(size: string): Input {
  const duration = SIZE_DURATION[size] ?? size;
  const text = scenarioText.replace(/duration 400ms/, `duration ${duration}`);
  const a = analyzeDocument(text, { uri: 'storage-64vp.vps' });
  if (!a.scenario) throw new Error('scenario has errors');
  const results = simulateAll(a.scenario, { variants: ['base'], timeline: true });
  const t0 = performance.now();
  const run = toRunJson('test/bench/storage-64vp.vps', text, new LineIndex(text), a.scenario.settings.seed, results, a.diagnostics, true);
  const doc = buildSimulationView({ title: `${a.scenario.title} (${duration})`, source: 'test/bench/storage-64vp.vps', run, encodeBytes: gzipBase64 });
  const html = renderHtmlReport(doc, assets);
  const buildMs = performance.now() - t0;
  const file = join(dir, `view-${size}.html`);
  writeFileSync(file, html);
  const tl = doc.timelines[0];
  const raw = gunzipSync(Buffer.from(tl.data, 'base64')).length;
  return { size, duration, intervals: tl.intervals, lanes: tl.lanes.length, doc, file, htmlBytes: Buffer.byteLength(html), dataBytes: tl.data.length, rawBytes: raw, buildMs };
}

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  const m = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return Object.fromEntries(m.metrics.map((x) => [x.name, x.value]));
}

const frames = (page: Page) => page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));

/** Waits until the page's main thread is quiet (< 5% busy over 300 ms), at most `maxMs`. */
async function idle(cdp: CDPSession, maxMs = 20_000): Promise<void> {
  const t0 = Date.now();
  let a = (await metrics(cdp)).TaskDuration;
  while (Date.now() - t0 < maxMs) {
    await new Promise((r) => setTimeout(r, 300));
    const b = (await metrics(cdp)).TaskDuration;
    if (b - a < 0.015) return;
    a = b;
  }
}

const median = (xs: number[]) => {
  const a = xs.slice().sort((x, y) => x - y);
  return a.length ? (a[(a.length - 1) >> 1] + a[a.length >> 1]) / 2 : NaN;
};

/** JS heap after a GC, and the ArrayBuffer backing stores (typed arrays live there, outside the JS heap). */
async function heapMB(cdp: CDPSession): Promise<{ js: number; buffers: number }> {
  await cdp.send('HeapProfiler.collectGarbage');
  const js = (await metrics(cdp)).JSHeapUsedSize / 2 ** 20;
  const u = (await cdp.send('Runtime.getHeapUsage')) as { backingStorageSize?: number };
  return { js, buffers: (u.backingStorageSize ?? NaN) / 2 ** 20 };
}

interface Row {
  way: string;
  size: string;
  intervals: number;
  htmlBytes?: number;
  bytesPerInterval?: number;
  dataBytesPerInterval?: number;
  buildMs?: number;
  firstRenderMs?: number;
  redrawTaskMs?: number;
  drawMeanMs?: number;
  drawMaxMs?: number;
  heapMB?: number;
  buffersMB?: number;
  note?: string;
}

type ViewWin = Window & { vpscopeView?: { ready: boolean; firstDrawMs: number; redraws: number; lastDrawMs: number; viewRange(): [number, number] } };

async function benchView(browser: Browser, inp: Input): Promise<Row> {
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(pathToFileURL(inp.file).href, { timeout: 120_000 });
  await page.waitForFunction(() => (window as ViewWin).vpscopeView?.ready === true, undefined, { timeout: 120_000, polling: 50 });
  const firstRenderMs = await page.evaluate(() => (window as ViewWin).vpscopeView!.firstDrawMs);
  const parsedMs = await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).domInteractive);
  await frames(page);
  await idle(cdp);
  const heap = await heapMB(cdp);
  await idle(cdp);
  const box = (await page.locator('#timeline-canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + Math.min(60, box.height / 2));
  // Each zoom/pan step is measured alone (TaskDuration before/after), interleaved with a step that
  // does the same harness work without the wheel; the medians are compared (robust to load spikes).
  const taskMs = async (fn: () => Promise<void>) => {
    const a = await metrics(cdp);
    await fn();
    const b = await metrics(cdp);
    return { task: (b.TaskDuration - a.TaskDuration) * 1000, script: (b.ScriptDuration - a.ScriptDuration) * 1000, layout: (b.LayoutDuration - a.LayoutDuration + b.RecalcStyleDuration - a.RecalcStyleDuration) * 1000 };
  };
  const base: number[] = [];
  const step: { task: number; script: number; layout: number }[] = [];
  const draws: number[] = [];
  let unchanged = 0;
  const r0 = await page.evaluate(() => (window as ViewWin).vpscopeView!.redraws);
  for (let i = 0; i < STEPS; i++) {
    const b = await taskMs(async () => {
      await page.evaluate(() => (window as ViewWin).vpscopeView!.viewRange());
      await frames(page);
      await page.evaluate(() => ({ r: (window as ViewWin).vpscopeView!.viewRange(), d: (window as ViewWin).vpscopeView!.lastDrawMs }));
    });
    base.push(b.task);
    let before: [number, number] = [0, 0];
    let after: { r: [number, number]; d: number } = { r: [0, 0], d: 0 };
    step.push(
      await taskMs(async () => {
        before = await page.evaluate(() => (window as ViewWin).vpscopeView!.viewRange());
        const phase = i % 4;
        if (phase === 0 || phase === 1) await page.mouse.wheel(0, -240); // zoom in around the cursor
        else if (phase === 2) await page.mouse.wheel(240, 0); // pan
        else await page.mouse.wheel(0, 200); // zoom out a little
        await frames(page);
        after = await page.evaluate(() => ({ r: (window as ViewWin).vpscopeView!.viewRange(), d: (window as ViewWin).vpscopeView!.lastDrawMs }));
      }),
    );
    if (after.r[0] === before[0] && after.r[1] === before[1]) unchanged++;
    draws.push(after.d);
  }
  const r1 = await page.evaluate(() => (window as ViewWin).vpscopeView!.redraws);
  await ctx.close();
  const baselineMs = median(base);
  const redrawTaskMs = median(step.map((x) => x.task)) - baselineMs;
  const redrawTaskMeanMs = step.reduce((a, x) => a + x.task, 0) / STEPS - base.reduce((a, x) => a + x, 0) / STEPS;
  const scriptMs = median(step.map((x) => x.script));
  const layoutMs = median(step.map((x) => x.layout));
  const notes = [];
  if (unchanged) notes.push(`${unchanged}/${STEPS} steps left the range unchanged`);
  notes.push(`page parsed at ${parsedMs.toFixed(0)} ms; ${r1 - r0} redraws; mean ${redrawTaskMeanMs.toFixed(2)} ms/step; harness ${baselineMs.toFixed(2)} ms/step subtracted; script ${scriptMs.toFixed(2)}, style+layout ${layoutMs.toFixed(2)} ms/step (medians)`);
  if (errors.length) notes.push(`errors: ${errors.slice(0, 2).join('; ')}`);
  return {
    way: 'view',
    size: inp.size,
    intervals: inp.intervals,
    htmlBytes: inp.htmlBytes,
    bytesPerInterval: inp.htmlBytes / inp.intervals,
    dataBytesPerInterval: inp.dataBytes / inp.intervals,
    buildMs: inp.buildMs,
    firstRenderMs,
    redrawTaskMs,
    drawMeanMs: draws.reduce((a, b) => a + b, 0) / draws.length,
    drawMaxMs: Math.max(...draws),
    heapMB: heap.js,
    buffersMB: heap.buffers,
    note: notes.join('; '),
  };
}

// --- the naive way: one chart.js floating bar per interval --------------------------------------

let naiveBundle: string | undefined;
async function naiveJs(): Promise<string> {
  if (naiveBundle) return naiveBundle;
  const r = await esbuild.build({
    stdin: {
      resolveDir: root,
      loader: 'ts',
      contents: `
import { Chart, BarController, BarElement, LinearScale, CategoryScale } from 'chart.js';
Chart.register(BarController, BarElement, LinearScale, CategoryScale);
const d = JSON.parse(document.getElementById('data')!.textContent!);
const palette = ['#3b82f6', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#6b7280', '#ec4899', '#14b8a6', '#a3a3a3', '#eab308'];
const datasets = d.states.map((s: string, i: number) => ({ label: s, data: [] as { x: [number, number]; y: string }[], backgroundColor: palette[i % palette.length], grouped: false, barPercentage: 0.9, categoryPercentage: 1 }));
for (const l of d.lanes) for (let i = 0; i < l.iv.length; i += 3) datasets[l.iv[i + 2]].data.push({ x: [l.iv[i], l.iv[i + 1]], y: l.label });
const canvas = document.getElementById('c') as HTMLCanvasElement;
const chart = new Chart(canvas, {
  type: 'bar',
  data: { labels: d.lanes.map((l: { label: string }) => l.label), datasets },
  options: { indexAxis: 'y', animation: false, responsive: false, events: [], plugins: {}, scales: { x: { type: 'linear', min: d.startNs, max: d.endNs }, y: { type: 'category', stacked: true } } },
});
const w = window as unknown as { naive: unknown };
const range = [d.startNs, d.endNs];
w.naive = {
  firstDrawMs: performance.now(),
  ready: true,
  step(kind: number) {
    const span = range[1] - range[0];
    if (kind === 0 || kind === 1) { range[0] += span * 0.1; range[1] -= span * 0.1; }
    else if (kind === 2) { range[0] += span * 0.1; range[1] += span * 0.1; }
    else { range[0] -= span * 0.08; range[1] += span * 0.08; }
    chart.options.scales!.x!.min = range[0];
    chart.options.scales!.x!.max = range[1];
    chart.update('none');
  },
};
`,
    },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    logLevel: 'silent',
  });
  naiveBundle = r.outputFiles[0].text;
  return naiveBundle;
}

async function naivePage(inp: Input): Promise<string> {
  const tl = inp.doc.timelines[0];
  const cols = decodeTimeline(gunzipSync(Buffer.from(tl.data, 'base64')), tl.startNs, tl.lanes.map((l) => l.count));
  const lanes = tl.lanes.map((l, i) => {
    const c = cols[i];
    const iv: number[] = [];
    for (let k = 0; k < c.starts.length; k++) iv.push(c.starts[k], c.ends[k], c.states[k]);
    return { label: l.id, iv };
  });
  const data = JSON.stringify({ startNs: tl.startNs, endNs: tl.endNs, states: tl.states, lanes }).replace(/</g, '\\u003c');
  const file = join(dir, `naive-${inp.size}.html`);
  const js = (await naiveJs()).replace(/<\/(script)/gi, '<\\/$1');
  writeFileSync(
    file,
    `<!DOCTYPE html><html><head><meta charset="utf-8"><title>naive</title></head><body style="margin:0"><canvas id="c" width="${VIEWPORT.width}" height="${VIEWPORT.height}"></canvas><script type="application/json" id="data">${data}</script><script>${js}</script></body></html>`,
  );
  return file;
}

type NaiveWin = Window & { naive?: { ready: boolean; firstDrawMs: number; step(k: number): void } };

async function benchNaive(browser: Browser, inp: Input): Promise<Row> {
  const file = await naivePage(inp);
  const htmlBytes = readFileSync(file).length;
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable');
  const base: Row = { way: 'naive chart.js', size: inp.size, intervals: inp.intervals, htmlBytes, bytesPerInterval: htmlBytes / inp.intervals };
  try {
    await page.goto(pathToFileURL(file).href, { timeout: NAIVE_TIMEOUT, waitUntil: 'load' });
    await page.waitForFunction(() => (window as NaiveWin).naive?.ready === true, undefined, { timeout: NAIVE_TIMEOUT, polling: 100 });
    const firstRenderMs = await page.evaluate(() => (window as NaiveWin).naive!.firstDrawMs);
    await idle(cdp);
    const heap = await heapMB(cdp);
    await idle(cdp);
    const steps = Math.min(STEPS, 12);
    const b0 = await metrics(cdp);
    for (let i = 0; i < steps; i++) {
      await page.evaluate(() => (window as NaiveWin).naive!.ready);
      await frames(page);
    }
    const baselineMs = ((((await metrics(cdp)).TaskDuration - b0.TaskDuration) * 1000) / steps);
    const t0 = Date.now();
    const m0 = await metrics(cdp);
    let done = 0;
    for (; done < steps && Date.now() - t0 < NAIVE_TIMEOUT; done++) {
      await page.evaluate((k) => (window as NaiveWin).naive!.step(k), done % 4);
      await frames(page);
    }
    const m1 = await metrics(cdp);
    return { ...base, firstRenderMs, redrawTaskMs: ((m1.TaskDuration - m0.TaskDuration) * 1000) / Math.max(1, done) - baselineMs, heapMB: heap.js, buffersMB: heap.buffers, note: `${done} steps; harness ${baselineMs.toFixed(2)} ms/step subtracted` };
  } catch (e) {
    return { ...base, note: `gave up after ${NAIVE_TIMEOUT / 1000} s (${(e as Error).message.split('\n')[0]})` };
  } finally {
    await ctx.close().catch(() => {});
  }
}

// --- run -----------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const load = () => execSync('uptime').toString().trim().replace(/^.*load average:/, 'load average:');
  const loadBefore = load();
  const inputs = sizes.map(makeInput);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const rows: Row[] = [];
  const chromeVersion = browser.version();
  try {
    for (const inp of inputs) {
      rows.push(await benchView(browser, inp));
      if (naiveSizes.has(inp.size)) rows.push(await benchNaive(browser, inp));
    }
  } finally {
    await browser.close();
  }
  const loadAfter = load();

  if (argv.includes('--json')) {
    console.log(JSON.stringify({ chrome: chromeVersion, steps: STEPS, loadBefore, loadAfter, rows }, null, 1));
  } else {
    const f = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));
    console.log(`Chromium ${chromeVersion}, viewport ${VIEWPORT.width}x${VIEWPORT.height}, ${STEPS} zoom/pan steps; input: test/bench/storage-64vp.vps (${inputs[0]?.lanes ?? 0} lanes) simulated for ${inputs.map((i) => i.duration).join(' / ')}`);
    console.log(`machine: ${loadBefore} (before), ${loadAfter} (after)\n`);
    console.log('| way | intervals | HTML bytes | bytes/interval (page) | bytes/interval (data) | build ms (Node) | first render ms | redraw task ms/step | app draw ms mean / max | JS heap MB | array buffers MB | note |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const r of rows) {
      console.log(
        `| ${r.way} | ${r.intervals.toLocaleString('en-US')} | ${r.htmlBytes?.toLocaleString('en-US') ?? '-'} | ${f(r.bytesPerInterval, 2)} | ${f(r.dataBytesPerInterval, 2)} | ${f(r.buildMs, 0)} | ${f(r.firstRenderMs, 0)} | ${f(r.redrawTaskMs, 2)} | ${r.drawMeanMs === undefined ? '-' : `${f(r.drawMeanMs, 2)} / ${f(r.drawMaxMs, 2)}`} | ${f(r.heapMB, 1)} | ${f(r.buffersMB, 1)} | ${r.note ?? ''} |`,
      );
    }
    const raw = inputs.map((i) => `${i.intervals.toLocaleString('en-US')}: ${(i.rawBytes / i.intervals).toFixed(2)} B raw vpt1, ${((i.dataBytes * 3) / 4 / i.intervals).toFixed(2)} B gzip`).join('; ');
    console.log(`\nvpt1 bytes per interval before base64 — ${raw}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
