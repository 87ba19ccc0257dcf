/**
 * `vpscope check` end to end: a child process on real files; exit codes and the text, JSON and
 * SARIF shapes. Runs `server/src/cli/main.ts check` through tsx (or `dist/cli.js` when
 * VPSCOPE_CLI=dist and it is built).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(__dirname, '..', '..');
const cliDir = join(root, 'server', 'src', 'cli');
const useDist = process.env.VPSCOPE_CLI === 'dist' && existsSync(join(root, 'dist', 'cli.js'));

// The tsx loader by absolute URL: the child runs in a temporary directory, where `--import tsx`
// would not resolve.
const tsx = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

function run(args: string[], cwd: string, input?: string, command = 'check'): { code: number | null; out: string; err: string } {
  const cmd = useDist ? [join(root, 'dist', 'cli.js'), command, ...args] : ['--import', tsx, join(cliDir, 'main.ts'), command, ...args];
  const r = spawnSync(process.execPath, cmd, { cwd, encoding: 'utf8', input: input ?? '', env: { ...process.env, NODE_OPTIONS: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'vpscope-check-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'sub'));
const GOOD = 'host { pcpus 4 }\nvm web { vcpus 2 }\n';
const BAD = 'host {\n  pcpus 4\n}\nvm web {\n  vcpus 2\n  guest { thread t { cpu 10 } }\n  cpus 0-9\n}\n';
const WARN = 'host { pcpus 4 }\nvm web { vcpus 2; cpu_weight 300 }\n';
writeFileSync(join(dir, 'good.vps'), GOOD);
writeFileSync(join(dir, 'sub', 'bad.vps'), BAD);
writeFileSync(join(dir, 'warn.vps'), WARN);
writeFileSync(join(dir, 'crlf.vps'), 'host {\r\n  pcpus 2\r\n}\r\nvm "\u00e9t\u00e9 🚀" { vcpus 1; cpus @ }\r\n');

test('text: clean file, exit 0 and a summary', () => {
  const r = run(['good.vps'], dir);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'no problems in 1 file\n');
});

test('text: errors, exit 1, file:line:col 1-based, summary', () => {
  const r = run(['sub/bad.vps', 'good.vps'], dir);
  assert.equal(r.code, 1, r.err);
  const lines = r.out.trimEnd().split('\n');
  assert.match(lines[0], /^sub\/bad\.vps:6:26: error VPS105: `cpu` takes a duration/);
  assert.match(lines[1], /^sub\/bad\.vps:7:8: error VPS116: pCPU 9 does not exist/);
  assert.equal(lines[lines.length - 1], '2 errors in 2 files');
});

test('text: warnings only, exit 0', () => {
  const r = run(['warn.vps'], dir);
  assert.equal(r.code, 0);
  assert.match(r.out, /^warn\.vps:2:19: warning VPS132: /m);
  assert.match(r.out, /1 warning in 1 file\n$/);
});

test('text: CRLF and non-ASCII text give the right line and column', () => {
  const r = run(['crlf.vps'], dir);
  assert.equal(r.code, 1);
  // The stray `@` is on line 4; columns count UTF-16 units like LSP (the emoji counts 2).
  assert.match(r.out, /^crlf\.vps:4:29: error VPS001: Unexpected character '@'/m);
  assert.equal(r.out.split('\n').filter((l) => /: error /.test(l)).length, 1);
});

test('json: vpscope.check/1 with 0-based LSP ranges, related info and fixes', () => {
  const r = run(['--format', 'json', 'sub/bad.vps', 'good.vps'], dir);
  assert.equal(r.code, 1, r.err);
  const doc = JSON.parse(r.out);
  assert.equal(doc.schema, 'vpscope.check/1');
  assert.deepEqual(doc.files.map((f: { file: string }) => f.file), ['sub/bad.vps', 'good.vps']);
  const [d] = doc.files[0].diagnostics;
  assert.deepEqual(Object.keys(d).sort(), ['code', 'fixes', 'message', 'range', 'severity']);
  assert.equal(d.severity, 'error');
  assert.equal(d.code, 'VPS105');
  assert.deepEqual(d.range, { start: { line: 5, character: 25 }, end: { line: 5, character: 27 } });
  assert.deepEqual(d.fixes[0], { title: "Add 'ms'", preferred: true, edits: [{ range: { start: { line: 5, character: 27 }, end: { line: 5, character: 27 } }, newText: 'ms' }] });
  assert.deepEqual(doc.files[1].diagnostics, []);
  assert.deepEqual(doc.summary, { files: 2, errors: 2, warnings: 0, notes: 0 });
});

test('sarif: 2.1.0 log, rules for every result, 1-based regions, relative URIs', () => {
  const r = run(['--format=sarif', 'sub/bad.vps', 'warn.vps'], dir);
  assert.equal(r.code, 1, r.err);
  const log = JSON.parse(r.out);
  assert.equal(log.version, '2.1.0');
  assert.match(log.$schema, /sarif-2\.1\.0/);
  assert.equal(log.runs.length, 1);
  const run0 = log.runs[0];
  const driver = run0.tool.driver;
  assert.equal(driver.name, 'vpscope');
  assert.match(driver.version, /^\d+\.\d+\.\d+/);
  // package.json names no repository yet: no placeholder address in the log (issue 12).
  assert.equal(driver.informationUri, undefined);
  assert.ok(!JSON.stringify(log).includes('example.invalid'));
  const ruleIds = driver.rules.map((x: { id: string }) => x.id);
  for (const rule of driver.rules) {
    assert.match(rule.id, /^VPS\d{3}$/);
    assert.ok(rule.shortDescription?.text, `${rule.id} shortDescription`);
    assert.ok(rule.help?.text, `${rule.id} help`);
  }
  assert.ok(run0.results.length >= 3);
  for (const res of run0.results) {
    assert.ok(ruleIds.includes(res.ruleId), `rule ${res.ruleId} declared`);
    assert.equal(driver.rules[res.ruleIndex].id, res.ruleId);
    assert.ok(['error', 'warning', 'note'].includes(res.level));
    assert.ok(res.message.text.length > 0);
    const loc = res.locations[0].physicalLocation;
    assert.ok(['sub/bad.vps', 'warn.vps'].includes(loc.artifactLocation.uri));
    const g = loc.region;
    assert.ok(g.startLine >= 1 && g.startColumn >= 1 && g.endLine >= g.startLine, JSON.stringify(g));
    if (g.endLine === g.startLine) assert.ok(g.endColumn >= g.startColumn);
  }
  const first = run0.results.find((x: { ruleId: string }) => x.ruleId === 'VPS105');
  assert.deepEqual(first.locations[0].physicalLocation.region, { startLine: 6, startColumn: 26, endLine: 6, endColumn: 28 });
  assert.deepEqual(first.fixes[0].artifactChanges[0].replacements[0].insertedContent, { text: 'ms' });
});

test('usage errors and unreadable files exit 2 with a message on stderr', () => {
  for (const args of [[], ['--format', 'xml', 'good.vps'], ['--bogus', 'good.vps'], ['missing.vps'], ['sub']]) {
    const r = run(args, dir);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.out}`);
    assert.match(r.err, /vpscope check: /);
    assert.equal(r.out, '');
  }
});

test("'-' reads the scenario from standard input, for check and simulate, shown as <stdin>", () => {
  const bad = run(['-'], dir, BAD);
  assert.equal(bad.code, 1, bad.err);
  assert.match(bad.out, /^<stdin>:6:26: error VPS105: /m);
  const warn = run(['--no-simulate', '--format', 'json', '-'], dir, WARN);
  assert.equal(warn.code, 0, warn.err);
  assert.equal(JSON.parse(warn.out).files[0].file, '<stdin>');
  assert.equal(JSON.parse(warn.out).files[0].diagnostics[0].code, 'VPS132');
  // Empty input (a closed or empty pipe) is an empty scenario: its diagnostics, not an I/O error.
  const empty = run(['-'], dir, '');
  assert.equal(empty.code, 1);
  assert.match(empty.out, /^<stdin>:1:1: error VPS113: /);
  const twice = run(['-', '-'], dir, GOOD);
  assert.equal(twice.code, 2);
  assert.match(twice.err, /standard input \(-\) can be given once/);
  const sim = run(['-'], dir, WARN, 'simulate');
  assert.equal(sim.code, 0, sim.err);
  assert.match(sim.out, /^vpscope simulate <stdin>: /);
  assert.match(sim.out, /run 'vpscope check -'/);
  const missing = run(['missing.vps'], dir, '', 'simulate');
  assert.equal(missing.code, 2);
  assert.equal(missing.err, "vpscope simulate: cannot read 'missing.vps': no such file\n");
});

test('a UTF-16 file with its byte-order mark (PowerShell 5 `>`) is read as text, LE and BE, from a file and from stdin', () => {
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(BAD, 'utf16le')]);
  const be = Buffer.from(le);
  be.swap16();
  writeFileSync(join(dir, 'le.vps'), le);
  writeFileSync(join(dir, 'be.vps'), be);
  const utf8 = run(['sub/bad.vps'], dir).out.replace(/^sub\/bad\.vps/gm, 'X');
  assert.match(utf8, /^X:6:26: error VPS105: /m);
  for (const f of ['le.vps', 'be.vps']) assert.equal(run([f], dir).out.replace(new RegExp(`^${f.replace('.', '\\.')}`, 'gm'), 'X'), utf8, f);
  const r = spawnSync(process.execPath, useDist ? [join(root, 'dist', 'cli.js'), 'check', '-'] : ['--import', tsx, join(cliDir, 'main.ts'), 'check', '-'], { cwd: dir, input: le, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  assert.equal(r.stdout.replace(/^<stdin>/gm, 'X'), utf8);
});

test('--sim-wall-ms 0 is allowed, as simulate --wall-ms 0: static diagnostics, nothing simulated, said on stderr', () => {
  const r = run(['--sim-wall-ms', '0', '--format', 'json', 'warn.vps'], dir);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /the wall budget \(0 ms\) ran out/);
  assert.equal(JSON.parse(r.out).files[0].diagnostics[0].code, 'VPS132');
  for (const bad of ['', ' ', '-0.5', 'NaN']) assert.equal(run(['--sim-wall-ms', bad, 'warn.vps'], dir).code, 2, `'${bad}'`);
});

test('--help prints the usage and exits 0', () => {
  const r = run(['--help'], dir);
  assert.equal(r.code, 0);
  assert.match(r.out, /^Usage: vpscope check FILE\.\.\. \[--format text\|json\|sarif\]/);
});

test('the examples check without errors', () => {
  const ex = join(root, 'examples');
  if (!existsSync(ex)) return;
  const r = run(['--format', 'json', ...require('node:fs').readdirSync(ex).filter((f: string) => f.endsWith('.vps')).map((f: string) => join(ex, f))], root);
  const doc = JSON.parse(r.out);
  const errors = doc.files.flatMap((f: { file: string; diagnostics: { severity: string; code: string; message: string }[] }) => f.diagnostics.filter((d) => d.severity === 'error').map((d) => `${f.file}: ${d.code} ${d.message}`));
  assert.deepEqual(errors, []);
});

// ---- simulated findings (issue 9): check shows what the editor's background simulation shows ----

interface JD { code: string; severity: string; message: string; range: { start: { line: number; character: number } }; source?: string; verdict?: string }
const exampleFiles = () => {
  const ex = join(root, 'examples');
  return existsSync(ex) ? require('node:fs').readdirSync(ex).filter((f: string) => f.endsWith('.vps')).map((f: string) => join(ex, f)) : [];
};
const rank: Record<string, number> = { hint: 0, info: 1, warning: 2, error: 3 };

test('simulated: a static hazard the run shows is confirmed with the measured number, and the run finding is listed', () => {
  const file = join(root, 'examples', 'openhcl-blocking-syscall.vps');
  if (!existsSync(file)) return;
  const r = run(['--format', 'json', file], root);
  assert.equal(r.code, 0, r.err);
  const ds: JD[] = JSON.parse(r.out).files[0].diagnostics;
  const stat = ds.find((d) => d.code === 'VPS201');
  assert.ok(stat, r.out);
  assert.equal(stat.source, 'static');
  assert.equal(stat.verdict, 'confirmed');
  assert.match(stat.message, /Confirmed by the simulation \(base, VPS301\): .*\d+(\.\d+)? ms/);
  const sim = ds.filter((d) => d.source === 'simulation');
  assert.ok(sim.some((d) => d.code === 'VPS301'), r.out);
  assert.ok(sim.every((d) => /^VPS3\d\d$/.test(d.code) || d.code === 'VPS150'));
  // --no-simulate: the static diagnostics only, without origins.
  const s = run(['--format', 'json', '--no-simulate', file], root);
  const ss: JD[] = JSON.parse(s.out).files[0].diagnostics;
  assert.ok(ss.every((d) => d.source === undefined && !/^VPS3/.test(d.code)));
  assert.ok(!ss.find((d) => d.code === 'VPS201')!.message.includes('Confirmed'));
  // Text carries both too.
  const t = run([file], root);
  assert.match(t.out, /warning VPS201: .*Confirmed by the simulation/);
  assert.match(t.out, /warning VPS301: simulated \(base\)/);
});

test('simulated: every static diagnostic survives at its place (same or one step lower severity); exit code unchanged', () => {
  for (const file of exampleFiles()) {
    const a = run(['--format', 'json', '--no-simulate', file], root);
    const b = run(['--format', 'json', file], root);
    assert.equal(b.code, a.code, file);
    const sa: JD[] = JSON.parse(a.out).files[0].diagnostics;
    const sb: JD[] = JSON.parse(b.out).files[0].diagnostics.filter((d: JD) => d.source === 'static');
    assert.equal(sb.length, sa.length, file);
    for (const d of sa) {
      const m = sb.find((x) => x.code === d.code && x.range.start.line === d.range.start.line && x.range.start.character === d.range.start.character && x.message.startsWith(d.message));
      assert.ok(m, `${file}: ${d.code} ${d.message}`);
      if (m.verdict === 'contradicted') assert.ok(rank[m.severity] === rank[d.severity] - 1 || (d.severity === 'hint' && m.severity === 'hint') || d.severity === 'error', `${file}: ${d.code}`);
      else assert.equal(m.severity, d.severity, `${file}: ${d.code}`);
    }
  }
});

test('simulated: SARIF results say static or simulation; budget flags are validated', () => {
  const file = join(root, 'examples', 'openhcl-blocking-syscall.vps');
  if (!existsSync(file)) return;
  const r = run(['--format', 'sarif', '--sim-ms', '500', '--sim-wall-ms', '5000', file], root);
  assert.equal(r.code, 0, r.err);
  const results = JSON.parse(r.out).runs[0].results as { ruleId: string; properties?: Record<string, string> }[];
  assert.ok(results.length > 0);
  for (const x of results) assert.ok(x.properties && ['static', 'simulation'].includes(x.properties['vpscope.source']), JSON.stringify(x));
  assert.equal(results.find((x) => x.ruleId === 'VPS201')?.properties?.['vpscope.verdict'], 'confirmed');
  assert.equal(results.find((x) => x.ruleId === 'VPS301')?.properties?.['vpscope.source'], 'simulation');
  for (const bad of [['--sim-ms', '0'], ['--sim-ms', 'x'], ['--sim-wall-ms', '-1']]) {
    const e = run([...bad, file], root);
    assert.equal(e.code, 2, bad.join(' '));
    assert.match(e.err, /vpscope check: /);
  }
});

test('simulated: a file with errors is not simulated; a tiny wall budget still answers', () => {
  const r = run(['--format', 'json', 'sub/bad.vps'], dir);
  assert.equal(r.code, 1);
  assert.ok(JSON.parse(r.out).files[0].diagnostics.every((d: JD) => d.source === undefined));
  const file = join(root, 'examples', 'xen-cpupool-bs2000.vps');
  if (!existsSync(file)) return;
  const t = run(['--format', 'json', '--sim-wall-ms', '1', file], root);
  assert.equal(t.code, 0, t.err);
  assert.ok(JSON.parse(t.out).files[0].diagnostics.every((d: JD) => d.source === 'static' || d.source === 'simulation'));
});

test('simulated: the wall budget is read between variants, and a budget hit says how many runs were left out', () => {
  // 3,000 variants of a 1 ms scenario: each run is too short to reach the engine's budget poll,
  // so before, every variant ran whatever --sim-wall-ms (10,000 such variants: 16 s with the
  // default 2 s budget), and nothing said when the budget left variants out.
  let t = 'scenario "many" { duration 1ms }\nhost { pcpus 2 }\nvm a { vcpus 1\n guest { thread t { every 100us; cpu 10us } } }\n';
  for (let i = 0; i < 3000; i++) t += `variant x${i} { vm a { vcpus 2 } }\n`;
  writeFileSync(join(dir, 'many.vps'), t);
  const r = run(['--sim-wall-ms', '1', 'many.vps'], dir);
  assert.equal(r.code, 0, r.err);
  const m = /vpscope check: many\.vps: the wall budget \(1 ms\) ran out; ([\d,]+) of 3,001 runs \(base and variants\) not simulated \(raise --sim-wall-ms\)/.exec(r.err);
  assert.ok(m, r.err);
  assert.ok(Number(m[1].replace(/,/g, '')) > 2000, m[1]);
  const full = run(['--no-simulate', 'many.vps'], dir);
  assert.equal(full.err, '');
});
