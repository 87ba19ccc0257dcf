/**
 * Simulate with several seeds over LSP (issue 11): `vpscope.simulation.seeds` (from
 * initializationOptions, then live) makes the Simulate request run each variant with N seeds on
 * the server's pool of sim workers and answer with the `vpscope.seeds/1` aggregate, the same as
 * `vpscope simulate --seeds N --json` prints; the scenario's own `seeds N` and `sweep` win over
 * the setting; with `view`, the view document is the chart view (no timeline); 1 seed is the
 * single run, unchanged; cancellation stops the pool.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResponseError } from 'vscode-jsonrpc/node';
import { SimulateRequest, type SimulateResult } from '../../server/src/shared/protocol';
import { isViewDocument } from '../../server/src/shared/view';
import { cliBundle, pushCapabilities, startClient, type TestClient } from './harness';

const TEXT = `scenario { duration 20ms; seed 5 }
host { pcpus 2; load hog { threads 1; cpu exp 2ms; sleep exp 1ms } }
vm v {
  vcpus 2
  guest { thread t { count 2; every 1ms; cpu exp 100us } }
}
variant boosted { vm v { boost dynamic } }
`;
const URI = 'file:///work/seeds/small.vps';
const SWEEP_URI = 'file:///work/seeds/sweep.vps';
const SWEEP_TEXT = TEXT.replace('seed 5 }', 'seed 5; seeds 2 }') + 'sweep { vm v { vcpus 1, 2 } }\n';

describe('Simulate with seeds over LSP', () => {
  let client: TestClient;
  const dir = mkdtempSync(join(tmpdir(), 'vpscope-lsp-seeds-'));
  const configure = (vpscope: unknown) => client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { vpscope } });
  const simulate = (uri: string, extra: object = {}) => client.request<SimulateResult>(SimulateRequest.method, { textDocument: { uri }, ...extra });
  const cliJson = async (text: string, args: string[]) => {
    const f = join(dir, 'small.vps');
    writeFileSync(f, text);
    const r = spawnSync(process.execPath, [await cliBundle(), 'simulate', f, '--json', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };

  before(async () => {
    client = await startClient({ capabilities: pushCapabilities, initializationOptions: { simulation: { seeds: 3 } } });
    client.open(URI, TEXT);
    client.open(SWEEP_URI, SWEEP_TEXT);
  });
  after(async () => {
    if (client.process.exitCode === null) await client.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  test('seeds > 1 from the setting: the aggregate, equal to vpscope simulate --seeds N --json', async () => {
    const r = await simulate(URI, { allVariants: true });
    assert.ok(r.seeds, 'an aggregate');
    assert.deepEqual(r.seeds.seeds, [5, 6, 7]);
    assert.deepEqual(r.seeds.variants, ['base', 'boosted']);
    const cli = await cliJson(TEXT, ['--all-variants', '--seeds', '3']);
    assert.deepEqual(r.seeds.aggregate, cli.aggregate);
    assert.deepEqual(r.seeds.comparisons, cli.comparisons);
    assert.deepEqual(r.seeds.runs, cli.runs);
    assert.match(r.summary, /3 seeds \(5\.\.7\) x 2 variants/);
    // `run` is the first seed's runs: the same as a single run with that seed.
    assert.equal(r.run.seed, 5);
    assert.deepEqual(r.run.variants.map((v) => v.name), ['base', 'boosted']);
  });

  test('with view: the chart view of the aggregate, no timeline; a request seed moves the seeds', async () => {
    const r = await simulate(URI, { view: true, seed: 10 });
    assert.ok(isViewDocument(r.view));
    assert.deepEqual(r.view!.timelines, []);
    assert.deepEqual(r.view!.seeds?.seeds, [10, 11, 12]);
    assert.deepEqual(r.view!.seeds?.aggregate, r.seeds!.aggregate);
    assert.deepEqual(r.view!.origin, { kind: 'simulation', uri: URI, variant: 'base', seed: 10 });
  });

  test('the file\'s seeds and sweep win over the setting', async () => {
    const r = await simulate(SWEEP_URI);
    assert.deepEqual(r.seeds?.seeds, [5, 6]);
    assert.deepEqual(r.seeds?.sweep, { path: 'vm v.vcpus', values: ['1', '2'] });
    assert.equal(r.seeds?.aggregate.length, 2);
    const cli = await cliJson(SWEEP_TEXT, []);
    assert.deepEqual(r.seeds?.aggregate, cli.aggregate);
  });

  test('crossed sweeps in the file (two settings): every combination, equal to the CLI', async () => {
    const text = TEXT.replace('seed 5 }', 'seed 5; seeds 2 }') + 'sweep {\n  vm v { vcpus 1, 2 }\n  host { load hog { threads 1, 2 } }\n}\n';
    const uri = 'file:///work/seeds/crossed.vps';
    client.open(uri, text);
    const r = await simulate(uri, { view: true });
    assert.equal(r.seeds?.sweep, undefined);
    assert.deepEqual(r.seeds?.sweeps, [{ path: 'vm v.vcpus', values: ['1', '2'] }, { path: 'host.load hog.threads', values: ['1', '2'] }]);
    assert.deepEqual(r.seeds?.aggregate.map((c) => c.at), [['1', '1'], ['1', '2'], ['2', '1'], ['2', '2']]);
    const cli = await cliJson(text, []);
    assert.deepEqual(r.seeds?.aggregate, cli.aggregate);
    assert.deepEqual(r.seeds?.runs, cli.runs);
    assert.ok(isViewDocument(r.view));
    assert.deepEqual(r.view!.seeds?.sweeps, r.seeds?.sweeps);
    assert.match(r.summary, /2 values of vm v\.vcpus x 2 values of host\.load hog\.threads/);
  });

  test('seeds 1 (live): the single run, unchanged', async () => {
    await configure({ simulation: { seeds: 1 } });
    const r = await simulate(URI);
    assert.equal(r.seeds, undefined);
    assert.equal(r.run.schema, 'vpscope.run/1');
    const cli = await cliJson(TEXT, []);
    assert.deepEqual(r.run.variants, cli.variants);
  });

  test('a plan beyond 100,000 runs is refused with a message', async () => {
    await configure({ simulation: { seeds: 10000 } });
    const uri = 'file:///work/seeds/huge.vps';
    client.open(uri, TEXT + 'sweep { vm v { vcpus 1..20 } }\n');
    await assert.rejects(simulate(uri, { allVariants: true }), (e: unknown) => e instanceof ResponseError && /400000 runs planned/.test(e.message));
    await configure({ simulation: { seeds: 1 } });
  });

  test('seeds past 2^53 - 1 are refused with a message (they repeated: ..991, ..992, ..992)', async () => {
    const uri = 'file:///work/seeds/bigseed.vps';
    client.open(uri, TEXT.replace('seed 5 }', 'seed 9007199254740990; seeds 3 }'));
    await assert.rejects(simulate(uri), (e: unknown) => e instanceof ResponseError && /3 seeds from seed 9007199254740990 go past 2\^53 - 1/.test(e.message));
  });

  test('cancellation stops the pool with RequestCancelled', async () => {
    await configure({ simulation: { seeds: 200 } });
    const long = TEXT.replace('duration 20ms', 'duration 5s');
    const uri = 'file:///work/seeds/long.vps';
    client.open(uri, long);
    const source = new (await import('vscode-jsonrpc/node')).CancellationTokenSource();
    const p = client.connection.sendRequest(SimulateRequest.method, { textDocument: { uri } }, source.token);
    await new Promise((res) => setTimeout(res, 1500));
    const t = performance.now();
    source.cancel();
    await assert.rejects(p, (e: unknown) => e instanceof ResponseError && e.code === -32800);
    assert.ok(performance.now() - t < 5000, 'answers soon after the cancel');
    await configure({ simulation: { seeds: 1 } });
  });
});

test('vpscope.simulation.seeds is read leniently: a whole number 2..10000, else the single run', async () => {
  const fc = (await import('fast-check')).default;
  const { simulationDefaults } = await import('../../server/src/lsp/runSettings');
  fc.assert(
    fc.property(fc.anything(), (v) => {
      const s = simulationDefaults({ seeds: v }).seeds;
      if (s === undefined) return;
      assert.ok(Number.isInteger(s) && s >= 2 && s <= 10000 && s === v);
    }),
  );
  assert.equal(simulationDefaults({ seeds: 4 }).seeds, 4);
  for (const v of [1, 0, -3, 2.5, 10001, '4', null]) assert.equal(simulationDefaults({ seeds: v }).seeds, undefined, String(v));
});
