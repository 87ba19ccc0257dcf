/**
 * Every JSON output validates against its schema (schemas/, generated from the types): `vpscope
 * check --format json` and `vpscope simulate --json` on every bundled example (the CLI itself,
 * and the golden documents of every example and replay), `vpscope analyze --json` on the shared
 * real traces in each of their formats, and random scenarios (generated and mutated the way
 * typing breaks them) through the same renderers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { main as analyzeMain } from '../../server/src/cli/analyze';
import { renderJson } from '../../server/src/cli/format';
import { toChromeTrace } from '../../server/src/core/chromeTrace';
import { LineIndex } from '../../server/src/core/text';
import { analyzeDocument } from '../../server/src/model/analyze';
import { runJsonChunks, toRunJson } from '../../server/src/report/simulation';
import { simulateAllCapped } from '../../server/src/analysis/run';
import { genScenario } from '../bench/genScenario';
import { TRACES_DIR } from '../traces';
import { assertValid, root } from './validate';

const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.vps')).sort().map((f) => `examples/${f}`);
const tsx = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

function cli(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', tsx, join(root, 'server/src/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, NODE_OPTIONS: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('vpscope check --format json on every example (simulated, reconciled) validates against vpscope.check-1', () => {
  const r = cli(['check', '--format', 'json', ...examples]);
  assert.ok(r.code === 0 || r.code === 1, r.err);
  const doc = JSON.parse(r.out);
  assert.equal(doc.files.length, examples.length);
  assert.ok(doc.files.some((f: { diagnostics: { source?: string }[] }) => f.diagnostics.some((d) => d.source === 'simulation')), 'some measured findings');
  assertValid('vpscope.check-1.schema.json', doc, 'check --format json');
});

test('vpscope simulate --json --timeline on an example validates against vpscope.run-1', () => {
  const r = cli(['simulate', '--json', '--timeline', '--all-variants', 'examples/openhcl-blocking-syscall.vps']);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out);
  assert.ok(doc.variants.length >= 2 && doc.variants.every((v: { timeline?: unknown }) => v.timeline), 'variants with timelines');
  assert.ok(doc.variants.some((v: { stalls: { vm?: string }[] }) => v.stalls.some((s) => typeof s.vm === 'string')), 'stalls name their VM');
  assertValid('vpscope.run-1.schema.json', doc, 'simulate --json --timeline');
});

test('vpscope simulate --json with --seeds and --sweep validates against vpscope.seeds-1', () => {
  const seeds = cli(['simulate', '--json', '--seeds', '3', '--all-variants', '--max-events', '200000', 'examples/openhcl-blocking-syscall.vps']);
  assert.equal(seeds.code, 0, seeds.err);
  const a = JSON.parse(seeds.out);
  assert.equal(a.runs.length, 3 * a.variants.length);
  assert.ok(a.comparisons.length > 0, 'variants compared');
  assertValid('vpscope.seeds-1.schema.json', a, 'simulate --json --seeds 3 --all-variants');
  const sweep = cli(['simulate', '--json', '--seeds', '2', '--sweep', 'host.pcpus=2,4', '--max-events', '200000', 'examples/kvm-pvsched-boost.vps']);
  assert.equal(sweep.code, 0, sweep.err);
  const b = JSON.parse(sweep.out);
  assert.deepEqual(b.sweep.values, ['2', '4']);
  assertValid('vpscope.seeds-1.schema.json', b, 'simulate --json --seeds 2 --sweep');
});

test('the golden run documents of every example and replay (simulate --all-variants --json) validate against vpscope.run-1', () => {
  const dir = join(root, 'test/sim/golden');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= examples.length);
  for (const f of files) assertValid('vpscope.run-1.schema.json', JSON.parse(readFileSync(join(dir, f), 'utf8')).run, `golden ${f}`);
});

const traces = existsSync(TRACES_DIR) ? readdirSync(TRACES_DIR).filter((d) => existsSync(join(TRACES_DIR, d, `${d}.dat`))).sort() : [];

test('vpscope analyze --json on the shared real traces (trace-cmd .dat, report text, tracefs text) validates against vpscope.trace-1', { skip: traces.length ? false : `no shared traces in ${TRACES_DIR}` }, async () => {
  for (const d of traces) {
    for (const name of [`${d}.dat`, `${d}.report.txt.gz`, `${d}.tracefs_trace.txt.gz`]) {
      const file = join(TRACES_DIR, d, name);
      if (!existsSync(file)) continue;
      let out = '';
      let err = '';
      const code = await analyzeMain(['--json', file], { stdout: { write: (c: string) => (out += c) }, stderr: { write: (c: string) => (err += c) } });
      assert.equal(code, 0, err);
      const doc = JSON.parse(out);
      assert.ok(doc.threads.length > 0 && doc.timeline.lanes.length > 0, name);
      assertValid('vpscope.trace-1.schema.json', doc, `analyze --json ${name}`);
    }
  }
});

test('analyze --json of a Chrome trace (an example\'s simulated timeline, exported) validates against vpscope.trace-1', async () => {
  const file = 'examples/kvm-pvsched-boost.vps';
  const text = readFileSync(join(root, file), 'utf8');
  const analysis = analyzeDocument(text, { uri: file });
  const results = simulateAllCapped(analysis.scenario!, { variants: ['base'], timeline: true }, 200_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'vpscope-schemas-'));
  try {
    const chrome = join(dir, 'run.chrome.json');
    writeFileSync(chrome, toChromeTrace(results[0].timeline!));
    let out = '';
    let err = '';
    const code = await analyzeMain(['--json', chrome], { stdout: { write: (c: string) => (out += c) }, stderr: { write: (c: string) => (err += c) } });
    assert.equal(code, 0, err);
    const doc = JSON.parse(out);
    assert.equal(doc.format, 'chrome-json');
    assert.ok(doc.timeline.lanes.length > 0);
    assertValid('vpscope.trace-1.schema.json', doc, 'analyze --json of a Chrome trace');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** What people type and delete (as test/ide/property.test.ts): the checker's error paths. */
const FRAGMENTS = ['{', '}', ';', '\n', ' ', '..', '-', '"', '#', 'vm x {', 'task t {', 'cpu exp ', '10us', 'ms', 'target_vp ', 'lock ', 'variant v {', '0-3,^1', 'é', '😀', '@'];
const edit = fc.record({ at: fc.nat(), del: fc.nat({ max: 30 }), insert: fc.constantFrom(...FRAGMENTS) });
const texts = examples.map((f) => readFileSync(join(root, f), 'utf8'));
const source = fc.oneof(
  fc.nat({ max: texts.length - 1 }).map((i) => texts[i]),
  fc.record({ lines: fc.integer({ min: 20, max: 160 }), seed: fc.integer({ min: 1, max: 1e6 }) }).map((o) => genScenario(o)),
);

test('random scenarios (generated, examples, mutated): check and run documents validate', () => {
  let simulated = 0;
  fc.assert(
    fc.property(source, fc.array(edit, { maxLength: 3 }), fc.boolean(), (base, edits, timeline) => {
      let text = base;
      for (const e of edits) {
        const at = e.at % (text.length + 1);
        text = text.slice(0, at) + e.insert + text.slice(at + e.del);
      }
      const analysis = analyzeDocument(text, { uri: 'random.vps' });
      const check = JSON.parse(renderJson([{ path: 'dir/random scenario #1.vps', text, diagnostics: analysis.diagnostics }]));
      assertValid('vpscope.check-1.schema.json', check, 'check document');
      const sc = analysis.scenario;
      if (!sc || analysis.diagnostics.some((d) => d.severity === 'error')) return;
      simulated++;
      const results = simulateAllCapped(sc, { variants: 'all', timeline }, 2_000_000);
      const doc = toRunJson('random.vps', text, new LineIndex(text), sc.settings.seed, results, analysis.diagnostics, timeline);
      // The CLI writes it in chunks: the text it prints, parsed, is what is validated.
      const printed = JSON.parse([...runJsonChunks(doc)].join(''));
      assertValid('vpscope.run-1.schema.json', printed, 'run document');
    }),
    { numRuns: 30, seed: 12 },
  );
  assert.ok(simulated >= 5, `only ${simulated} random scenarios simulated`);
});
