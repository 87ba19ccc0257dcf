/**
 * Pure parts of the new commands: the templates of *New Scenario from Template…* (every bundled
 * example is offered with its title and summary, and opens as a scenario that checks without
 * errors), what a command's argument names (explorer URI, code-lens string, path), and the CSV of
 * *Export Report…* (one row per stall of the real run, the same columns as the timeline's button).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyzeDocument } from '../../server/src/model/analyze';
import { listTemplates } from '../../client/src/templates';
import { isUriString, targetArgument } from '../../client/src/args';
import { reportFileName, runStallsCsv, traceFindingsCsv } from '../../client/src/reportExport';
import { TIMELINE_PANELS, timelineDefaults } from '../../client/src/timelineDefaults';
import { cliBundle } from '../lsp/harness';

const root = join(__dirname, '..', '..');
const examples = join(root, 'examples');
const files = readdirSync(examples).map((name) => ({ name, text: readFileSync(join(examples, name), 'utf8') }));

test('every bundled example is a template with a title and a summary, and checks without errors', () => {
  const templates = listTemplates(files);
  const vps = files.filter((f) => f.name.endsWith('.vps'));
  assert.equal(templates.length, vps.length);
  assert.ok(templates.length >= 5);
  assert.deepEqual(templates.map((t) => t.label), vps.map((f) => f.name.replace(/\.vps$/, '')).sort());
  for (const t of templates) {
    assert.ok(t.title.length > 3, `${t.label}: title`);
    assert.ok(t.summary.length > 10 && !t.summary.startsWith('#'), `${t.label}: summary ${t.summary}`);
    assert.match(t.text, new RegExp(`^\\s*scenario "${t.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`, 'm'));
    const a = analyzeDocument(t.text, { uri: `untitled:${t.label}` });
    assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code), [], t.label);
  }
  const blocking = templates.find((t) => t.label === 'openhcl-blocking-syscall');
  assert.equal(blocking?.title, 'blocking syscall in a VP worker');
  assert.equal(blocking?.summary, 'OpenHCL: a device worker that makes a blocking syscall on a VP thread.');
});

test('templates: only .vps files, sorted, unique, CRLF and BOM normalised, never throws', () => {
  const t = listTemplates([
    { name: 'b.vps', text: '\uFEFF# Two\r\nscenario "x \\"y\\"" {\r\n}\r\n' },
    { name: 'a.VPS', text: 'host {}' },
    { name: 'notes.txt', text: '# no' },
    { name: '.vps', text: '' },
  ]);
  assert.deepEqual(t.map((x) => [x.label, x.title, x.summary]), [['a', '', ''], ['b', 'x "y"', 'Two']]);
  assert.equal(t[1].text, '# Two\nscenario "x \\"y\\"" {\n}\n');
  fc.assert(
    fc.property(fc.array(fc.record({ name: fc.string(), text: fc.string() })), (fs) => {
      const out = listTemplates(fs);
      assert.equal(new Set(out.map((x) => x.label)).size, out.length);
      for (const x of out) assert.ok(!x.text.includes('\r') && x.summary.length <= 160);
    }),
  );
});

test('command arguments: explorer URIs, URI strings, paths; anything else asks', () => {
  const uri = { scheme: 'file', path: '/w/t.dat', fsPath: '/w/t.dat' };
  assert.deepEqual(targetArgument(uri), { kind: 'uri', uri });
  // The explorer passes (uri, uris): a command called with the array alone takes the first.
  assert.deepEqual(targetArgument([uri, { scheme: 'file', path: '/w/u.dat' }]), { kind: 'uri', uri });
  assert.deepEqual(targetArgument('file:///w/a%20b.vps'), { kind: 'uriString', text: 'file:///w/a%20b.vps' });
  assert.deepEqual(targetArgument('untitled:Untitled-1'), { kind: 'uriString', text: 'untitled:Untitled-1' });
  assert.deepEqual(targetArgument('/w/trace.dat'), { kind: 'path', path: '/w/trace.dat' });
  assert.deepEqual(targetArgument('C:\\w\\trace.dat'), { kind: 'path', path: 'C:\\w\\trace.dat' });
  assert.deepEqual(targetArgument('trace.txt.gz'), { kind: 'path', path: 'trace.txt.gz' });
  for (const x of [undefined, null, 3, '', '  ', {}, { scheme: 1 }, [], 'a\0b']) assert.equal(targetArgument(x), undefined, JSON.stringify(x));
  assert.equal(isUriString('c:/x'), false);
  fc.assert(
    fc.property(fc.anything(), (x) => {
      const t = targetArgument(x);
      if (t?.kind === 'path') assert.ok(typeof t.path === 'string' && t.path.trim() !== '');
    }),
  );
});

test('Export Report CSV: one row per stall of every variant of the real run; trace findings', async () => {
  const r = spawnSync(process.execPath, [await cliBundle(), 'simulate', join(examples, 'openhcl-blocking-syscall.vps'), '--all-variants', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const run = JSON.parse(r.stdout) as { variants: { name: string; stalls: unknown[] }[] };
  const total = run.variants.reduce((s, v) => s + v.stalls.length, 0);
  assert.ok(total > 5, `stalls to export (${total})`);
  const csv = runStallsCsv(run);
  const lines = csv.text.trimEnd().split('\r\n');
  assert.equal(lines[0], 'variant,task,vm,vp,cause,start_ns,duration_ns,end_ns,line,explanation');
  assert.equal(lines.length - 1, total);
  assert.equal(csv.rows, total);
  assert.ok(lines.slice(1).every((l) => /^(base|dedicated_thread|async_io),/.test(l)));
  assert.equal(runStallsCsv(run, 2).omitted, total - 2);
  assert.equal(runStallsCsv({ variants: 'x' }).rows, 0);
  const t = traceFindingsCsv({ findings: [{ code: 'VPS331', severity: 'warning', title: 'steal', lane: 'vcpu:1', startNs: 5, message: 'a, "b"' }, null] });
  assert.equal(t.text, 'code,severity,title,lane,start_ns,duration_ns,message\r\nVPS331,warning,steal,vcpu:1,5,,"a, ""b"""\r\n');
  assert.equal(reportFileName('/w/r1.report.txt.gz', 'html', 'trace'), 'r1.report.report.html');
  assert.equal(reportFileName('a.vps', 'csv', 'simulation'), 'a-stalls.csv');
  assert.equal(reportFileName('a.vps', 'chrome', 'simulation'), 'a.chrome-trace.json');
});

test('timeline defaults: the setting names the app\'s panels; a new tab\'s state from the settings', () => {
  const panelsDir = join(root, 'webview', 'src', 'panels');
  const ids = readdirSync(panelsDir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => [...readFileSync(join(panelsDir, f), 'utf8').matchAll(/return \{ id: '([a-z]+)'/g)].map((m) => m[1]));
  assert.deepEqual([...ids].sort(), [...TIMELINE_PANELS].sort());
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.deepEqual(pkg.contributes.configuration.properties['vpscope.timeline.initialPanel'].enum, ['auto', ...TIMELINE_PANELS]);
  const conf = (v: Record<string, unknown>) => ({ get: <T>(k: string) => v[k] as T | undefined });
  assert.deepEqual(timelineDefaults(conf({ initialPanel: 'shares', logScale: false })), { panel: 'shares', logScale: false });
  assert.deepEqual(timelineDefaults(conf({ initialPanel: 'auto', logScale: true })), { logScale: true });
  assert.equal(timelineDefaults(conf({ initialPanel: 'nope', logScale: 'yes' })), undefined);
  // The derived counter tracks: shown unless the setting says otherwise (a new tab and an exported report).
  const setting = pkg.contributes.configuration.properties['vpscope.timeline.derivedTracks'];
  assert.equal(setting.type, 'boolean');
  assert.equal(setting.default, true);
  assert.deepEqual(timelineDefaults(conf({ derivedTracks: false })), { derivedTracks: false });
  assert.deepEqual(timelineDefaults(conf({ derivedTracks: true, logScale: true })), { logScale: true, derivedTracks: true });
  assert.equal(timelineDefaults(conf({ derivedTracks: 'no' })), undefined);
});
