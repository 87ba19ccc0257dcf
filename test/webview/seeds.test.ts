/**
 * The seeds/sweep view of the HTML report in headless Chromium (issue 11): `vpscope simulate F
 * --html` with a sweep (3 values x 2 variants x 3 seeds), with crossed sweeps (3 x 2 values: one
 * line per variant and value of the second setting) and with seeds only. The page loads with
 * no console error, no CSP violation and no request other than file:/data:/blob:; the chart is
 * drawn (pixels on the canvas), its datasets are the aggregate's mean and 95% interval per variant
 * and point, the table (the chart's accessible form) carries the same numbers, and picking
 * another metric redraws both. Light and dark. Skipped only when Chromium is not installed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const root = resolve(__dirname, '..', '..');
const CHROMIUM = process.env.VPSCOPE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync', '--disable-dev-shm-usage'];
const artifacts = join(root, 'test-artifacts');
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set VPSCOPE_CHROMIUM)`;

const SCENARIO = `scenario "sweep view" { duration 20ms; seed 5; seeds 3 }
host { pcpus 2; load hog { threads 1; cpu exp 2ms; sleep exp 1ms } }
vm v {
  vcpus 2
  guest { thread t { count 2; every 1ms; cpu exp 100us } }
}
variant boosted { vm v { boost dynamic } }
`;

interface Agg {
  point?: string;
  at?: string[];
  variant: string;
  metrics: Record<string, { mean: number; lo: number; hi: number; n: number; unit: string }>;
}
interface SeedsJson {
  sweep?: { path: string; values: string[] };
  sweeps?: { path: string; values: string[] }[];
  variants: string[];
  aggregate: Agg[];
}

type W = Window & {
  vpscopeView?: { ready: boolean; seedsChart(): { labels: string[]; datasets: { label: string; data: unknown[] }[]; yScale: string } | undefined };
  __csp?: string[];
};

describe('seeds/sweep view in headless Chromium', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpscope-seedsview-'));
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const requests: string[] = [];
  const cases: { name: string; html: string; json: SeedsJson }[] = [];

  before(async () => {
    assert.ok(existsSync(join(root, 'dist', 'webview.js')), "dist/webview.js is missing: run 'npm run build' (npm test does)");
    mkdirSync(artifacts, { recursive: true });
    const make = (name: string, text: string, extra: string[]) => {
      const f = join(dir, `${name}.vps`);
      writeFileSync(f, text);
      const html = join(dir, `${name}.html`);
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'server/src/cli/main.ts'), 'simulate', f, '--all-variants', '--json', '--html', html, ...extra], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
      assert.equal(r.status, 0, r.stderr);
      cases.push({ name, html, json: JSON.parse(r.stdout) });
    };
    make('sweep', SCENARIO + 'sweep { vm v { vcpus 1..3 } }\n', []);
    make('seeds', SCENARIO, []);
    make('crossed', SCENARIO + 'sweep {\n  vm v { vcpus 1..3 }\n  host { load hog { threads 1, 2 } }\n}\n', []);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    await context.addInitScript(() => {
      const w = window as W;
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__csp!.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => {
      if (!/^(file|data|blob):/.test(r.url())) requests.push(r.url());
    });
  });
  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const painted = () =>
    page.evaluate(() => {
      const c = document.getElementById('sd-chart') as HTMLCanvasElement | null;
      if (!c || !c.width || !c.height) return 0;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    });

  /** The table rows: data-* attributes and the cell texts. */
  const tableRows = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('.sd-table tbody tr')].map((tr) => {
        const e = tr as HTMLElement;
        return { point: e.dataset.point, at: e.dataset.at0 === undefined ? undefined : [e.dataset.at0, e.dataset.at1], variant: e.dataset.variant!, mean: Number(e.dataset.mean), lo: Number(e.dataset.lo), hi: Number(e.dataset.hi), n: Number(e.dataset.n), cells: [...tr.querySelectorAll('td')].map((td) => td.textContent) };
      }),
    );

  const checkMetric = async (json: SeedsJson, metric: string) => {
    const chart = await page.evaluate(() => (window as W).vpscopeView!.seedsChart());
    assert.ok(chart, 'a chart');
    const rows = await tableRows();
    assert.equal(rows.length, json.aggregate.length);
    for (const [i, cell] of json.aggregate.entries()) {
      const m = cell.metrics[metric];
      assert.equal(rows[i].variant, cell.variant);
      assert.equal(rows[i].point, cell.point);
      assert.deepEqual(rows[i].at, cell.at);
      assert.deepEqual([rows[i].mean, rows[i].lo, rows[i].hi, rows[i].n], [m.mean, m.lo, m.hi, m.n], `${metric} ${cell.point ?? ''} ${cell.variant}`);
    }
    if (json.sweeps) {
      const [first, second] = json.sweeps;
      assert.deepEqual(chart.labels, first.values);
      // Per (variant, value of the second setting): low edge, high edge, mean line.
      assert.equal(chart.datasets.length, json.variants.length * second.values.length * 3);
      let k = 0;
      for (const v of json.variants) {
        for (const y of second.values) {
          const cells = first.values.map((x) => json.aggregate.find((c) => c.at![0] === x && c.at![1] === y && c.variant === v)!.metrics[metric]);
          assert.equal(chart.datasets[3 * k + 2].label, `${v}, ${second.path}=${y}`);
          assert.deepEqual(chart.datasets[3 * k].data, cells.map((m) => m.lo));
          assert.deepEqual(chart.datasets[3 * k + 1].data, cells.map((m) => m.hi));
          assert.deepEqual(chart.datasets[3 * k + 2].data, cells.map((m) => m.mean));
          k++;
        }
      }
      // The table: a column per swept setting.
      const row = (await tableRows())[0];
      assert.deepEqual(row.cells.slice(0, 3), [json.aggregate[0].at![0], json.aggregate[0].at![1], json.aggregate[0].variant]);
    } else if (json.sweep) {
      assert.deepEqual(chart.labels, json.sweep.values);
      // Per variant: the low edge, the high edge (filled down to it), the mean line.
      assert.equal(chart.datasets.length, json.variants.length * 3);
      json.variants.forEach((v, k) => {
        const cells = json.sweep!.values.map((p) => json.aggregate.find((c) => c.point === p && c.variant === v)!.metrics[metric]);
        assert.equal(chart.datasets[3 * k + 2].label, v);
        assert.deepEqual(chart.datasets[3 * k].data, cells.map((m) => m.lo));
        assert.deepEqual(chart.datasets[3 * k + 1].data, cells.map((m) => m.hi));
        assert.deepEqual(chart.datasets[3 * k + 2].data, cells.map((m) => m.mean));
      });
    } else {
      assert.deepEqual(chart.labels, json.variants);
      assert.deepEqual(chart.datasets[0].data, json.aggregate.map((c) => [c.metrics[metric].lo, c.metrics[metric].hi]));
      assert.deepEqual(chart.datasets[1].data, json.aggregate.map((c) => c.metrics[metric].mean));
    }
    assert.ok((await painted()) > 1000, 'the chart has pixels');
  };

  it('draws the chart and its table from the aggregate, for a sweep and for seeds only, light and dark', async () => {
    assert.equal(cases.length, 3);
    for (const c of cases) {
      for (const scheme of ['light', 'dark'] as const) {
        errors.length = 0;
        requests.length = 0;
        await page.emulateMedia({ colorScheme: scheme });
        await page.goto(pathToFileURL(c.html).href);
        await page.waitForFunction(() => (window as W).vpscopeView?.ready === true, undefined, { timeout: 20_000 });
        await page.waitForTimeout(100);
        assert.deepEqual(await page.evaluate(() => (window as W).__csp ?? []), [], `${c.name}: CSP violations`);
        assert.deepEqual(errors, [], `${c.name}: console errors`);
        assert.deepEqual(requests, [], `${c.name}: requests`);
        // The first metric shown is the first p99.
        const first = Object.keys(c.json.aggregate[0].metrics).find((k) => k.endsWith(' p99'))!;
        await checkMetric(c.json, first);
        await page.screenshot({ path: join(artifacts, `seeds-${c.name}-${scheme}.png`) });
      }
      // Another metric: both the chart and the table follow.
      const other = Object.keys(c.json.aggregate[0].metrics).find((k) => k.endsWith(' steal'))!;
      await page.evaluate((v) => {
        const pick = document.getElementById('sd-metric') as HTMLElement & { value: string };
        pick.value = v;
        pick.dispatchEvent(new Event('change'));
      }, other);
      await page.waitForTimeout(100);
      await checkMetric(c.json, other);
      assert.match((await tableRows())[0].cells.join(' '), /%/, 'steal is shown as a share');
    }
  });

  it('the log scale: ticked, the value axis is logarithmic; the metric and the choice survive a reload', async () => {
    const c = cases.find((x) => x.name === 'crossed')!;
    await page.goto(pathToFileURL(c.html).href);
    await page.waitForFunction(() => (window as W).vpscopeView?.ready === true, undefined, { timeout: 20_000 });
    const metric = Object.keys(c.json.aggregate[0].metrics).find((k) => k.endsWith(' p50'))!;
    await page.evaluate((v) => {
      const pick = document.getElementById('sd-metric') as HTMLElement & { value: string };
      pick.value = v;
      pick.dispatchEvent(new Event('change'));
    }, metric);
    const scale = async () => (await page.evaluate(() => (window as W).vpscopeView!.seedsChart()))!.yScale;
    const before = await scale();
    const toggle = () =>
      page.evaluate(() => {
        const box = document.getElementById('sd-log') as HTMLElement & { checked: boolean };
        box.checked = !box.checked;
        box.dispatchEvent(new Event('change'));
      });
    await toggle();
    await page.waitForTimeout(50);
    const after1 = await scale();
    assert.notEqual(after1, before, 'the checkbox switches the scale');
    assert.ok(['linear', 'logarithmic'].includes(after1));
    if (after1 === 'logarithmic') {
      // Values <= 0 are not drawn (null), every other value is.
      const chart = (await page.evaluate(() => (window as W).vpscopeView!.seedsChart()))!;
      for (const d of chart.datasets) for (const x of d.data) assert.ok(x === null || (typeof x === 'number' && x > 0) || Array.isArray(x), `drawn on a log scale: ${JSON.stringify(x)}`);
    }
    assert.ok((await painted()) > 1000, 'the chart has pixels');
    await page.reload();
    await page.waitForFunction(() => (window as W).vpscopeView?.ready === true, undefined, { timeout: 20_000 });
    assert.equal(await scale(), after1, 'the choice survives a reload');
    assert.equal(await page.evaluate(() => (document.getElementById('sd-metric') as HTMLElement & { value: string }).value), metric, 'so does the metric');
    assert.equal(await page.evaluate(() => document.querySelectorAll('.sd-table tbody tr')[0]?.getAttribute('data-mean')), String(c.json.aggregate[0].metrics[metric].mean));
    await page.screenshot({ path: join(artifacts, `seeds-crossed-log.png`) });
    assert.deepEqual(await page.evaluate(() => (window as W).__csp ?? []), [], 'CSP violations');
    assert.deepEqual(errors.filter((e) => !/favicon/.test(e)), [], 'console errors');
  });

  it('the page carries the aggregate (no timeline) and the report stays offline', () => {
    const html = readFileSync(cases[0].html, 'utf8');
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.doesNotMatch(html, /<script[^>]+src=/);
    const data = JSON.parse(/<script type="application\/json" id="vpscope-view-data">([\s\S]*?)<\/script>/.exec(html)![1]);
    assert.deepEqual(data.timelines, []);
    assert.deepEqual(data.seeds.aggregate, cases[0].json.aggregate);
  });
});
