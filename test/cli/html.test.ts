/**
 * `vpscope simulate|analyze --html`: one self-contained page whose CSP allows exactly its inline
 * script and style by hash, whose data is the view document of every simulated variant (or the
 * trace) with the same intervals as the JSON timeline, byte-identical across runs; exit codes.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { main as analyze } from '../../server/src/cli/analyze';
import { decodeTimeline } from '../../server/src/core/timelineCodec';
import { renderHtmlReport } from '../../server/src/io/htmlReport';
import { buildTraceView } from '../../server/src/report/view';
import { isViewDocument, type ViewDocument } from '../../server/src/shared/view';
import { TRACES_DIR } from '../traces';

const root = join(__dirname, '..', '..');
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'server/src/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
const dir = mkdtempSync(join(tmpdir(), 'vpscope-html-'));
const small = join(dir, 'small.vps');
writeFileSync(small, `scenario { duration 30ms; seed 3 }
host { pcpus 2; load hog { threads 2; cpu 5ms; sleep 1ms } }
vm v {
  vcpus 2
  guest { thread t { count 2; every 1ms; cpu 50us } }
}
variant boosted { vm v { boost dynamic } }
`);

interface Page {
  html: string;
  csp: string;
  scripts: string[];
  styles: string[];
  doc: ViewDocument;
}

function parsePage(html: string): Page {
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1] ?? '';
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
  const data = /<script type="application\/json" id="vpscope-view-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  return { html, csp, scripts, styles, doc: JSON.parse(data) };
}

const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

function decoded(doc: ViewDocument, i: number): number[][] {
  const t = doc.timelines[i];
  let bytes: Uint8Array = Buffer.from(t.data, 'base64');
  if (t.compression === 'gzip') bytes = gunzipSync(bytes);
  return decodeTimeline(bytes, t.startNs, t.lanes.map((l) => l.count)).map((c) => {
    const o: number[] = [];
    for (let k = 0; k < c.starts.length; k++) o.push(c.starts[k], c.ends[k], c.states[k], c.causes[k]);
    return o;
  });
}

const bundle = join(root, 'dist', 'webview.js');
before(() => {
  assert.ok(existsSync(bundle), `${bundle} is missing: run 'npm run build' first (npm test does)`);
});

test('the page: CSP hashes match the one inline script and style; data cannot close its element; deterministic', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), fc.string(), (title, js, css) => {
      const doc = buildTraceView({ title, source: title, trace: { schema: 'vpscope.trace/1', note: `</script><script>${title}` } });
      const html = renderHtmlReport(doc, { js, css });
      const p = parsePage(html);
      assert.equal(p.scripts.length, 1);
      assert.equal(p.styles.length, 1);
      assert.match(p.csp, /^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-[A-Za-z0-9+/=]+'; img-src data: blob:$/);
      assert.ok(p.csp.includes(`script-src ${hash(p.scripts[0])}`));
      assert.ok(p.csp.includes(`style-src ${hash(p.styles[0])}`));
      assert.deepEqual(p.doc, JSON.parse(JSON.stringify(doc)));
      assert.equal(renderHtmlReport(doc, { js, css }), html);
    }),
    { numRuns: 200 },
  );
});

test('simulate --html: every simulated variant with the intervals of --json --timeline; same bytes twice', () => {
  const out = join(dir, 'r.html');
  const r = cli('simulate', small, '--all-variants', '--html', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /== base/, 'the text summary is still printed');
  const p = parsePage(readFileSync(out, 'utf8'));
  assert.ok(isViewDocument(p.doc));
  assert.equal(p.doc.kind, 'simulation');
  assert.deepEqual(p.doc.run!.variants.map((v) => v.name), ['base', 'boosted']);
  assert.ok(p.doc.run!.variants.every((v) => !('timeline' in v)));
  const j = JSON.parse(cli('simulate', small, '--all-variants', '--json', '--timeline').stdout);
  j.variants.forEach((v: { timeline: { lanes: { id: string; intervals: number[] }[] } }, i: number) => {
    assert.deepEqual(p.doc.timelines[i].lanes.map((l) => l.id), v.timeline.lanes.map((l) => l.id));
    assert.deepEqual(decoded(p.doc, i), v.timeline.lanes.map((l) => l.intervals));
  });
  // Stalls and latency histograms travel with the run.
  const t = (p.doc.run!.variants[0] as unknown as { tasks: { latency: { hist?: unknown } }[] }).tasks;
  assert.ok(t.some((x) => x.latency.hist));
  const again = join(dir, 'r2.html');
  assert.equal(cli('simulate', small, '--all-variants', '--html', again).status, 0);
  assert.ok(readFileSync(out).equals(readFileSync(again)), 'byte-identical');
});

test('simulate --html: unwritable path exits 2; a scenario with errors exits 1 and writes nothing', () => {
  const r = cli('simulate', small, '--html', join(dir, 'no', 'such', 'dir', 'r.html'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot write/);
  const bad = join(dir, 'bad.vps');
  writeFileSync(bad, 'host { pcpus 2 }\nvm v { vcpus 0-1-2 }\n');
  const out = join(dir, 'bad.html');
  assert.equal(cli('simulate', bad, '--html', out).status, 1);
  assert.ok(!existsSync(out));
  assert.equal(cli('simulate', small, '--html').status, 2, '--html needs a file');
  assert.match(cli('simulate', '--help').stdout, /--html F\.html/);
  // The first help a user reads names the report, seeds and sweeps, and what analyze reads.
  const top = cli('--help').stdout;
  for (const flag of ['--html F.html', '--seeds N', '--sweep', '--no-simulate', '[GUEST_TRACE]', "'-' = stdin"]) assert.ok(top.includes(flag), `vpscope --help names ${flag}:\n${top}`);
  // Its examples run as written (the first on a bundled example).
  const example = /^\s+vpscope (simulate examples\/\S+\.vps .*)$/m.exec(top)![1].split(' ').map((a) => (a === 'report.html' ? join(dir, 'top-help.html') : a));
  assert.equal(cli(...example).status, 0);
  assert.ok(statSync(join(dir, 'top-help.html')).size > 0);
});

test('analyze --html: the real trace as one timeline with its findings, compact', async () => {
  const trace = join(TRACES_DIR, 'r2_2x_n4', 'r2_2x_n4.report.txt.gz');
  if (!existsSync(trace)) return; // the shared traces are outside the repository
  const out = join(dir, 't.html');
  let err = '';
  const code = await analyze([trace, '--html', out], { stdout: { write: () => true }, stderr: { write: (c: string) => (err += c) } });
  assert.equal(code, 0, err);
  const p = parsePage(readFileSync(out, 'utf8'));
  assert.ok(isViewDocument(p.doc));
  assert.equal(p.doc.kind, 'trace');
  assert.equal(p.doc.timelines.length, 1);
  const tl = p.doc.timelines[0];
  assert.ok(tl.intervals > 10_000, `${tl.intervals} intervals`);
  assert.ok(tl.lanes.some((l) => l.kind === 'pcpu') && tl.lanes.some((l) => l.kind === 'vcpu'));
  assert.ok(Array.isArray((p.doc.trace as { findings?: unknown[] }).findings));
  assert.ok(!('timeline' in p.doc.trace!));
  // The data (not the app bundle) is well under 12 bytes per interval.
  assert.ok(tl.data.length / tl.intervals < 12, `${(tl.data.length / tl.intervals).toFixed(2)} bytes/interval`);
  assert.ok(statSync(out).size > 0);
  assert.equal(await analyze([trace, '--html', join(dir, 'nodir', 'x.html')], { stdout: { write: () => true }, stderr: { write: () => true } }), 2);
});

test('--no-derived-tracks: the page carries its initial state as data (the toggle starts off); without it, no state element', () => {
  const out = join(dir, 'nd.html');
  const r = cli('simulate', small, '--html', out, '--no-derived-tracks');
  assert.equal(r.status, 0, r.stderr);
  const html = readFileSync(out, 'utf8');
  const st = /<script type="application\/json" id="vpscope-view-state">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(st, 'the state element');
  assert.deepEqual(JSON.parse(st[1]), { derivedTracks: false });
  assert.equal(parsePage(html).scripts.length, 1, 'data, not a script the CSP must allow');
  const plain = join(dir, 'plain.html');
  assert.equal(cli('simulate', small, '--html', plain).status, 0);
  assert.ok(!readFileSync(plain, 'utf8').includes('<script type="application/json" id="vpscope-view-state">'));
  // A state cannot close its element either (a filter typed by the user lands here from the editor).
  fc.assert(
    fc.property(fc.string(), (filter) => {
      const doc = buildTraceView({ title: 't', source: 't', trace: { schema: 'vpscope.trace/1' } });
      const page = renderHtmlReport(doc, { js: '', css: '' }, { filter: `</script><script>${filter}` });
      const m = /<script type="application\/json" id="vpscope-view-state">([\s\S]*?)<\/script>/.exec(page)!;
      assert.equal(JSON.parse(m[1]).filter, `</script><script>${filter}`);
    }),
    { numRuns: 100 },
  );
});
