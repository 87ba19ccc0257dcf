/**
 * `vpscope.simulation.*` and `vpscope.traceAnalysis.*` over stdio, read live from
 * `workspace/didChangeConfiguration` (as VS Code pushes `vpscope`): the default seed and the event
 * cap change the next simulation, the trace thresholds change the next analysis's findings exactly
 * as `vpscope analyze --threshold-us / --steal-pct` do; a request's own values win. And the two
 * requests the new commands use: `variants` (Compare Variants: two variants, in order, one view)
 * and `skeleton` (Generate Scenario from Trace: the text `vpscope analyze --scenario` writes).
 * The settings parsers are property-tested.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { ResponseError } from 'vscode-jsonrpc/node';
import { analyzeDocument } from '../../server/src/model/analyze';
import { simulationDefaults, traceDefaults } from '../../server/src/lsp/runSettings';
import { AnalyzeTraceRequest, SimulateRequest, type AnalyzeTraceResult, type SimulateResult } from '../../server/src/shared/protocol';
import { isViewDocument } from '../../server/src/shared/view';
import { cliBundle, pushCapabilities, startClient, type TestClient } from './harness';
import { TRACES_DIR } from '../traces';

const ROOT = resolve(__dirname, '../..');
const EXAMPLE = join(ROOT, 'examples', 'openhcl-blocking-syscall.vps');
const TEXT = readFileSync(EXAMPLE, 'utf8');
const URI = 'file:///work/settings/openhcl-blocking-syscall.vps';
const TRACE = join(TRACES_DIR, 'r1_1x_n2', 'r1_1x_n2.report.txt.gz');
const noTrace = existsSync(TRACE) ? false : `no trace at ${TRACE}`;

function codes(doc: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of (doc as { findings: { code: string }[] }).findings) out[f.code] = (out[f.code] ?? 0) + 1;
  return out;
}

async function cli(args: string[]): Promise<string> {
  const r = spawnSync(process.execPath, [await cliBundle(), ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, `vpscope ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describe('run settings and the new requests', () => {
  let client: TestClient;
  const configure = (vpscope: unknown) => client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { vpscope } });
  const simulate = (extra: object = {}) => client.request<SimulateResult>(SimulateRequest.method, { textDocument: { uri: URI }, ...extra });

  before(async () => {
    client = await startClient({ capabilities: pushCapabilities, initializationOptions: { simulation: { seed: 42 } } });
    client.open(URI, TEXT);
  });
  after(async () => {
    if (client.process.exitCode === null) await client.shutdown();
  });

  test('the default seed: from initializationOptions, then live; a request\'s seed wins; null gives the scenario\'s', async () => {
    assert.match(TEXT, /^\s*seed 1$/m);
    assert.equal((await simulate()).run.seed, 42);
    await configure({ simulation: { seed: 7, maxEvents: null } });
    const seven = await simulate();
    assert.equal(seven.run.seed, 7);
    assert.equal((await simulate({ seed: 3 })).run.seed, 3);
    // The setting gives the same run as the request asking for that seed (deterministic).
    assert.deepEqual((await simulate({ seed: 7 })).run.variants, seven.run.variants);
    await configure({ simulation: { seed: null } });
    assert.equal((await simulate()).run.seed, 1);
    // Nonsense is ignored: the scenario's seed stays.
    await configure({ simulation: { seed: -5, maxEvents: 'many' } });
    assert.equal((await simulate()).run.seed, 1);
  });

  test('max events: the run stops there (STOPPED: max_events), live', async () => {
    await configure({ simulation: { maxEvents: 500 } });
    const capped = await simulate();
    assert.equal(capped.stoppedEarly?.reason, 'max_events');
    assert.match(capped.summary, /max_events/);
    await configure({ simulation: { maxEvents: null } });
    assert.equal((await simulate()).stoppedEarly, undefined);
  });

  test('Compare Variants: `variants` simulates those two (in declaration order) into one view', async () => {
    const r = await simulate({ variants: ['async_io', 'base'], view: true });
    assert.deepEqual(r.run.variants.map((v) => v.name), ['base', 'async_io']);
    assert.ok(isViewDocument(r.view));
    assert.equal(r.view!.timelines.length, 2);
    assert.deepEqual(r.view!.origin, { kind: 'simulation', uri: URI, variants: ['base', 'async_io'] });
    // The same two as separate runs: the same results (variants are simulated independently).
    const alone = await simulate({ variant: 'async_io' });
    assert.deepEqual(r.run.variants[1], alone.run.variants[0]);
    for (const bad of [[], ['nope'], [1]]) {
      await assert.rejects(simulate({ variants: bad }), (e: unknown) => e instanceof ResponseError, JSON.stringify(bad));
    }
  });

  test('trace thresholds: live, the same findings as the CLI with the same options; the request wins', { skip: noTrace }, async () => {
    const analyze = async (extra: object = {}) =>
      (await client.request<AnalyzeTraceResult>(AnalyzeTraceRequest.method, { path: TRACE, ...extra })).document;
    const cliCodes = async (args: string[]) => codes(JSON.parse(await cli(['analyze', TRACE, '--json', ...args])));
    const defaults = codes(await analyze());
    assert.deepEqual(defaults, await cliCodes([]));
    await configure({ traceAnalysis: { thresholdUs: 20, stealPct: 1 } });
    const tight = codes(await analyze());
    assert.deepEqual(tight, await cliCodes(['--threshold-us', '20', '--steal-pct', '1']));
    assert.notDeepEqual(tight, defaults, 'the thresholds change what is reported');
    // A request's own thresholds override the settings.
    assert.deepEqual(codes(await analyze({ thresholdUs: 1000, stealPct: 10 })), defaults);
    await configure({ traceAnalysis: { thresholdUs: null, stealPct: null } });
    assert.deepEqual(codes(await analyze()), defaults);
  });

  test('Generate Scenario from Trace: `skeleton` is what `vpscope analyze --scenario` writes, and it checks clean', { skip: noTrace }, async () => {
    const r = await client.request<AnalyzeTraceResult>(AnalyzeTraceRequest.method, { path: TRACE, skeleton: true });
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-skeleton-'));
    try {
      const out = join(dir, 'measured.vps');
      await cli(['analyze', TRACE, '--scenario', out]);
      assert.equal(r.skeleton, readFileSync(out, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const a = analyzeDocument(r.skeleton!, { uri: 'untitled:measured.vps' });
    assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error'), []);
    assert.ok(a.scenario, 'a runnable scenario');
    // Without the flag there is none.
    assert.equal((await client.request<AnalyzeTraceResult>(AnalyzeTraceRequest.method, { path: TRACE })).skeleton, undefined);
  });
});

describe('settings parsers', () => {
  test('simulationDefaults keeps only non-negative safe integer seeds and positive event caps', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (seed, maxEvents) => {
        const d = simulationDefaults({ seed, maxEvents });
        if (d.seed !== undefined) assert.ok(Number.isSafeInteger(d.seed) && d.seed >= 0 && d.seed === seed);
        else assert.ok(!(typeof seed === 'number' && Number.isSafeInteger(seed) && seed >= 0));
        if (d.maxEvents !== undefined) assert.ok(Number.isSafeInteger(d.maxEvents) && d.maxEvents >= 1 && d.maxEvents === maxEvents);
      }),
    );
    assert.deepEqual(simulationDefaults({ seed: 0, maxEvents: 1 }), { seed: 0, maxEvents: 1 });
    assert.deepEqual(simulationDefaults({ seed: null, maxEvents: null }), {});
    assert.deepEqual(simulationDefaults('x'), {});
  });

  test('traceDefaults keeps positive finite thresholds, shares up to 100 %', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.anything()), fc.oneof(fc.double(), fc.anything()), (thresholdUs, stealPct) => {
        const d = traceDefaults({ thresholdUs, stealPct });
        if (d.thresholdUs !== undefined) assert.ok(Number.isFinite(d.thresholdUs) && d.thresholdUs > 0);
        if (d.stealPct !== undefined) assert.ok(d.stealPct > 0 && d.stealPct <= 100);
      }),
    );
    assert.deepEqual(traceDefaults({ thresholdUs: 20, stealPct: 1 }), { thresholdUs: 20, stealPct: 1 });
    assert.deepEqual(traceDefaults({ thresholdUs: 0, stealPct: 101 }), {});
  });
});
