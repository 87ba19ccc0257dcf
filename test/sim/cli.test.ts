/** `vpscope simulate`: exit codes, JSON contract (vpscope.run/1, 0-based LSP ranges), Chrome trace. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'server/src/cli/main.ts'), 'simulate', ...args], { cwd: root, encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'vpscope-sim-'));
const small = join(dir, 'small.vps');
writeFileSync(small, `scenario { duration 50ms; seed 3 }
host { pcpus 2; load hog { threads 2; cpu 5ms; sleep 1ms } }
vm v {
  vcpus 2
  guest { thread t { count 2; every 1ms; cpu 50us } }
}
variant boosted { vm v { boost dynamic } }
`);

test('bad usage and unreadable files exit 2; scenario errors exit 1', () => {
  assert.equal(cli().status, 2);
  assert.equal(cli(small, '--bogus').status, 2);
  assert.equal(cli(small, '--variant', 'nope').status, 2);
  assert.equal(cli(join(dir, 'missing.vps')).status, 2);
  const bad = join(dir, 'bad.vps');
  writeFileSync(bad, 'host { pcpus 2 }\nvm v { vcpus 0-1-2 }\n');
  const r = cli(bad);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bad\.vps:\d+:\d+: error VPS/);
});

test('text summary: latency table, comparison between variants', () => {
  const r = cli(small, '--all-variants');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /== base/);
  assert.match(r.stdout, /== boosted/);
  assert.match(r.stdout, /v\/t\s+guest-thread\s+latency\s+100/);
  assert.match(r.stdout, /== comparison \(vs base\)/);
});

test('JSON: vpscope.run/1 with variants, counters.events and LSP ranges; Chrome trace opens as JSON', () => {
  const out = join(dir, 'run.json');
  const trace = join(dir, 'trace.json');
  const r = cli(small, '--all-variants', '--json', '--out', out, '--chrome-trace', trace);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.schema, 'vpscope.run/1');
  assert.deepEqual(j.variants.map((v: { name: string }) => v.name), ['base', 'boosted']);
  assert.ok(j.variants[0].counters.events > 0);
  const t = j.variants[0].tasks.find((x: { name: string }) => x.name === 't');
  assert.deepEqual(t.range.start, { line: 4, character: 10 });
  assert.deepEqual(Object.keys(t.latency).slice(0, 7), ['count', 'p50', 'p90', 'p99', 'max', 'mean', 'unfinished']);
  assert.equal(t.latency.hist.edgesNs.length, t.latency.hist.counts.length + 1);
  assert.equal(JSON.stringify(JSON.parse(readFileSync(out, 'utf8'))), JSON.stringify(j));
  const ct = JSON.parse(readFileSync(trace, 'utf8'));
  assert.ok(ct.traceEvents.some((e: { ph: string; name: string }) => e.ph === 'M' && e.name === 'process_name'));
  assert.ok(ct.traceEvents.some((e: { ph: string }) => e.ph === 'X'));
  // Same input, same bytes.
  assert.equal(cli(small, '--all-variants', '--json').stdout, r.stdout);
});

test('--max-events bounds each run and the JSON says so', () => {
  const r = cli(small, '--json', '--max-events', '100');
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.variants[0].stop.reason, 'max_events');
  assert.equal(j.variants[0].counters.events, 100);
});

test('counts take the k / M / G suffixes the help names: --max-events 0.5k is 500 events', () => {
  assert.match(cli('--help').stdout, /may end in k, M or G/);
  const j = JSON.parse(cli(small, '--json', '--max-events', '0.5k').stdout);
  assert.equal(j.variants[0].stop.reason, 'max_events');
  assert.equal(j.variants[0].counters.events, 500);
});
