/**
 * The server's long jobs over stdio: `vpscope/simulate` and `vpscope/analyzeTrace` in worker
 * threads, with work-done progress, cancellation, run diagnostics and code lenses. Answers are
 * compared with the CLI (`vpscope simulate|analyze --json`, the same core), built beside the
 * server bundle by the harness.
 *
 * "No worker left running" is read from outside, like a user would: the number of threads of the
 * server process (/proc/PID/task) goes back to what it was before the job.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import { WorkDoneProgress, type CodeLens, type Diagnostic, type DocumentDiagnosticReport, type Hover, type WorkDoneProgressBegin, type WorkDoneProgressReport } from 'vscode-languageserver-protocol';
import {
  AnalyzeTraceRequest,
  SimulateRequest,
  SimulationProgressNotification,
  type AnalyzeTraceResult,
  type SimulateResult,
  type SimulationProgressParams,
} from '../../server/src/shared/protocol';
import { cliBundle, pushCapabilities, startClient, vscodeCapabilities, type TestClient } from './harness';
import { TRACES_DIR } from '../traces';

const ROOT = resolve(__dirname, '../..');
const EXAMPLES = join(ROOT, 'examples');
const EXAMPLE = 'openhcl-blocking-syscall.vps';
const EXAMPLE_TEXT = readFileSync(join(EXAMPLES, EXAMPLE), 'utf8');
const EXAMPLE_URI = `file:///work/${EXAMPLE}`;
/** The same scenario, long enough to still run when it is cancelled (~minutes of wall time). */
const LONG_TEXT = EXAMPLE_TEXT.replace(/duration 300ms/, 'duration 1000s\n  wall_limit 600s');
const TRACE = join(TRACES_DIR, 'r1_1x_n2', 'r1_1x_n2.report.txt.gz');
const noTrace = existsSync(TRACE) ? false : `no trace at ${TRACE}`;

type Progress = WorkDoneProgressBegin | WorkDoneProgressReport | { kind: 'end' };

function cli(args: string[], cwd = ROOT): Promise<string> {
  return cliBundle().then((bundle) => {
    const r = spawnSync(process.execPath, [bundle, ...args], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    assert.equal(r.status, 0, `vpscope ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  });
}

/** 0-based line of the first line containing `needle` (outside comments). */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.replace(/#.*$/, '').includes(needle));
  assert.ok(i >= 0, `no line with ${needle}`);
  return i;
}

/** A diagnostic's message as text (LSP 3.18 types allow markup). */
function text(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

function threads(client: TestClient): number {
  return readdirSync(`/proc/${client.process.pid}/task`).length;
}

/** The thread count once it has stopped changing (a terminated worker takes a moment to go). */
async function settledThreads(client: TestClient): Promise<number> {
  let last = threads(client);
  for (let same = 0; same < 3; ) {
    await new Promise((r) => setTimeout(r, 50));
    const now = threads(client);
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Collects the work-done progress the server reports on `token`. */
function collectProgress(client: TestClient, token: string): { events: Progress[]; first: Promise<void>; ended: Promise<void> } {
  const events: Progress[] = [];
  let onFirst!: () => void;
  let onEnd!: () => void;
  const first = new Promise<void>((r) => (onFirst = r));
  const ended = new Promise<void>((r) => (onEnd = r));
  client.connection.onProgress(WorkDoneProgress.type, token, (p) => {
    events.push(p as Progress);
    if (p.kind === 'report') onFirst();
    if (p.kind === 'end') onEnd();
  });
  return { events, first, ended };
}

function assertProgress(events: Progress[], title: RegExp, message: RegExp): void {
  assert.equal(events[0]?.kind, 'begin', JSON.stringify(events));
  assert.match((events[0] as WorkDoneProgressBegin).title, title);
  assert.equal((events[0] as WorkDoneProgressBegin).cancellable, true);
  assert.equal(events.at(-1)?.kind, 'end');
  const reports = events.filter((e): e is WorkDoneProgressReport => e.kind === 'report');
  assert.ok(reports.length >= 1, `at least one report: ${JSON.stringify(events)}`);
  let last = 0;
  for (const r of reports) {
    assert.ok(Number.isInteger(r.percentage) && r.percentage! >= last && r.percentage! <= 100, `percentages never go back: ${JSON.stringify(reports)}`);
    last = r.percentage!;
    assert.match(r.message ?? '', message);
  }
}

async function expectError(p: Promise<unknown>, code: number, message?: RegExp): Promise<ResponseError<unknown>> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ResponseError, String(e));
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail('expected an error');
}

describe('vpscope/simulate (push diagnostics client)', () => {
  let client: TestClient;
  before(async () => {
    client = await startClient({ capabilities: pushCapabilities });
  });
  after(async () => {
    if (client.process.exitCode === null) await client.shutdown();
  });

  test('the result is the CLI\'s vpscope.run/1 document and text summary, with progress', async () => {
    client.open(EXAMPLE_URI, EXAMPLE_TEXT);
    const progress = collectProgress(client, 'p-all');
    const notes: SimulationProgressParams[] = [];
    client.connection.onNotification(SimulationProgressNotification.method, (p: SimulationProgressParams) => {
      notes.push(p);
    });
    const r = await client.request<SimulateResult>(SimulateRequest.method, { textDocument: { uri: EXAMPLE_URI }, allVariants: true, runId: 'all-1', workDoneToken: 'p-all' });
    const expected = JSON.parse(await cli(['simulate', EXAMPLE, '--all-variants', '--json'], EXAMPLES));
    assert.equal(r.run.schema, 'vpscope.run/1');
    assert.deepEqual(r.run.variants.map((v) => v.name), ['base', 'dedicated_thread', 'async_io']);
    assert.deepEqual(r.run.variants, expected.variants);
    assert.deepEqual(r.run.diagnostics, expected.diagnostics);
    assert.equal(r.run.seed, expected.seed);
    assert.equal(r.summary, await cli(['simulate', EXAMPLE, '--all-variants'], EXAMPLES));
    assert.equal(r.runId, 'all-1');
    assert.equal(r.stoppedEarly, undefined);

    await progress.ended;
    assertProgress(progress.events, /^Simulating openhcl-blocking-syscall\.vps$/, /^(base|dedicated_thread|async_io): \d+% of 300 ms \([123]\/3\)$/);
    // The custom notification goes with it (the client set a runId), never backwards.
    assert.ok(notes.length >= 1, 'vpscope/simulationProgress notifications');
    for (let i = 0; i < notes.length; i++) {
      assert.equal(notes[i].runId, 'all-1');
      assert.equal(notes[i].totalNs, 300e6);
      if (i) assert.ok(notes[i].fraction >= notes[i - 1].fraction);
    }
  });

  test('a seed and a variant give the CLI\'s run, and the Chrome trace it writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-sim-'));
    try {
      const mine = join(dir, 'server.json');
      const r = await client.request<SimulateResult>(SimulateRequest.method, { textDocument: { uri: EXAMPLE_URI }, variant: 'async_io', seed: 7, exportChromeTrace: mine });
      const theirs = join(dir, 'cli.json');
      const expected = JSON.parse(await cli(['simulate', EXAMPLE, '--variant', 'async_io', '--seed', '7', '--json', '--chrome-trace', theirs], EXAMPLES));
      assert.deepEqual(r.run.variants, expected.variants);
      assert.equal(r.run.seed, 7);
      assert.deepEqual(r.chromeTrace, { path: mine, bytes: readFileSync(mine).length });
      assert.ok(r.chromeTrace!.bytes > 1000);
      assert.equal(readFileSync(mine, 'utf8'), readFileSync(theirs, 'utf8'), 'byte-identical Chrome trace');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('stalls show as diagnostics on the responsible line until the next edit', async () => {
    const uri = 'file:///work/stalls.vps';
    client.open(uri, EXAMPLE_TEXT, 1);
    const staticOnly = await client.diagnostics(uri, (_d, v) => v === 1);
    assert.ok(staticOnly.some((d) => d.code === 'VPS201'), 'the static hazard');
    assert.ok(!staticOnly.some((d) => /^simulated/.test(text(d))));
    const r = await client.request<SimulateResult>(SimulateRequest.method, { textDocument: { uri } });
    assert.ok(r.runDiagnostics >= 1);
    const withRun = await client.diagnostics(uri, (d) => d.some((x) => /^simulated/.test(text(x))));
    const syscallLine = lineOf(EXAMPLE_TEXT, 'syscall 2ms');
    const stall = withRun.find((d: Diagnostic) => d.code === 'VPS301');
    assert.ok(stall, JSON.stringify(withRun));
    assert.equal(stall.range.start.line, syscallLine);
    assert.equal(stall.severity, 2, 'warning: 2 ms stalls every 20 ms (severity follows size, docs/language.md)');
    // The guest of VP 2 (`vtl0`) stalls too when its threads are woken there (docs/lsp.md).
    assert.match(text(stall), /^simulated: nvme on VP 2 stalled up to 2\.\d+ ms, x\d+, [\d.]+ ms in total \(blocking-syscall: VP 2 was blocked in a syscall of task `vmgs`/);
    assert.ok(withRun.some((d) => d.code === 'VPS201'), 'merged with the static diagnostics');
    // The stall count is the run's.
    const base = r.run.variants[0] as unknown as { stallSummary: { byCause: Record<string, { count: number }> } };
    assert.match(text(stall), new RegExp(`x${base.stallSummary.byCause['blocking-syscall'].count},`));

    client.change(uri, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# edited\n' }]);
    const after = await client.diagnostics(uri, (_d, v) => v === 2);
    assert.ok(!after.some((d) => /^simulated/.test(text(d))), JSON.stringify(after));
    assert.ok(after.some((d) => d.code === 'VPS201'));
    client.close(uri);
  });

  test('a cancelled run answers RequestCancelled at once, stops its worker and the server stays responsive', async () => {
    const uri = 'file:///work/long.vps';
    client.open(uri, LONG_TEXT, 1);
    // Threads after a finished run (lazily started helper threads included).
    await client.request(SimulateRequest.method, { textDocument: { uri: EXAMPLE_URI } });
    const idle = await settledThreads(client);
    const progress = collectProgress(client, 'p-long');
    const cts = new CancellationTokenSource();
    const run = client.connection.sendRequest(SimulateRequest.method, { textDocument: { uri }, workDoneToken: 'p-long' }, cts.token);
    await progress.first;
    assert.ok(threads(client) > idle, 'the worker thread runs');
    // The server answers while the simulation runs.
    const t0 = Date.now();
    const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: lineOf(LONG_TEXT, 'pcpus'), character: 3 } });
    assert.ok(hover, 'hover during the run');
    assert.ok(Date.now() - t0 < 2000, `hover took ${Date.now() - t0} ms during the run`);
    const t1 = Date.now();
    cts.cancel();
    await expectError(run, -32800);
    assert.ok(Date.now() - t1 < 1000, `cancelled after ${Date.now() - t1} ms`);
    await progress.ended;
    await until(() => threads(client) <= idle, `the server is back to ${idle} threads (has ${threads(client)})`);
    const h2 = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: lineOf(LONG_TEXT, 'pcpus'), character: 3 } });
    assert.ok(h2);
    client.close(uri);
  });

  test('a new simulation of the document cancels the running one', async () => {
    const uri = 'file:///work/twice.vps';
    client.open(uri, LONG_TEXT, 1);
    const progress = collectProgress(client, 'p-first');
    const first = client.request(SimulateRequest.method, { textDocument: { uri }, workDoneToken: 'p-first' });
    await progress.first;
    const second = client.request<SimulateResult>(SimulateRequest.method, { textDocument: { uri }, variant: 'async_io', seed: 3 });
    await expectError(first, -32800, /superseded/);
    second.catch(() => undefined);
    // The second one runs the long scenario too; cancel it through the document's next run.
    client.change(uri, 2, [{ text: LONG_TEXT.replace(/duration 1000s/, 'duration 10ms') }]);
    const third = await client.request<SimulateResult>(SimulateRequest.method, { textDocument: { uri } });
    await expectError(second, -32800, /superseded/);
    assert.equal(third.version, 2);
    client.close(uri);
  });

  test('refuses a scenario with errors, an unknown variant and a document that is not open', async () => {
    const uri = 'file:///work/broken.vps';
    client.open(uri, 'host {\n  pcpus 4\n}\nvm web {\n  vcpu 4\n}\n', 1);
    await expectError(client.request(SimulateRequest.method, { textDocument: { uri } }), -32803, /^the scenario has \d+ errors?/);
    await expectError(client.request(SimulateRequest.method, { textDocument: { uri: EXAMPLE_URI }, variant: 'nope' }), -32602, /unknown variant 'nope' \(known: base, dedicated_thread, async_io\)/);
    await expectError(client.request(SimulateRequest.method, { textDocument: { uri: 'file:///work/closed.vps' } }), -32602, /not an open document/);
    await expectError(client.request(SimulateRequest.method, { textDocument: { uri: EXAMPLE_URI }, seed: -1 }), -32602);
    client.close(uri);
  });

  test('analyzeTrace gives the CLI\'s document and summary, with progress by bytes', { skip: noTrace }, async () => {
    const progress = collectProgress(client, 'p-trace');
    const r = await client.request<AnalyzeTraceResult>(AnalyzeTraceRequest.method, { path: TRACE, workDoneToken: 'p-trace' });
    const expected = JSON.parse(await cli(['analyze', TRACE, '--json']));
    assert.equal(r.document?.schema, 'vpscope.trace/1');
    type Thread = { vcpu?: number | null; pid: number; comm: string; runningNs: number; runnableNs: number; sleepingNs: number; preemptions: number; migrations: number; exits: Record<string, number> };
    const vcpus = (d: unknown) =>
      ((d as { threads: Thread[] }).threads)
        .filter((t) => typeof t.vcpu === 'number')
        .map(({ pid, comm, vcpu, runningNs, runnableNs, sleepingNs, preemptions, migrations, exits }) => ({ pid, comm, vcpu, runningNs, runnableNs, sleepingNs, preemptions, migrations, exits }));
    assert.equal(vcpus(r.document).length, 2);
    assert.deepEqual(vcpus(r.document), vcpus(expected), 'per-vCPU numbers');
    assert.deepEqual(r.document, expected, 'the whole document');
    assert.equal(r.summary, await cli(['analyze', TRACE]));
    assert.equal(r.documentFile, undefined);
    await progress.ended;
    assertProgress(progress.events, /^Analyzing r1_1x_n2\.report\.txt\.gz$/, /^[\d.]+ [km]?B of [\d.]+ [km]?B$/);
  });

  test('analyzeTrace writes the Chrome trace; an unreadable file is an error', { skip: noTrace }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-trace-'));
    try {
      const mine = join(dir, 'server.json');
      const r = await client.request<AnalyzeTraceResult>(AnalyzeTraceRequest.method, { uri: `file://${TRACE}`, exportChromeTrace: mine });
      const theirs = join(dir, 'cli.json');
      await cli(['analyze', TRACE, '--chrome-trace', theirs]);
      assert.equal(r.chromeTrace?.bytes, readFileSync(mine).length);
      assert.equal(readFileSync(mine, 'utf8'), readFileSync(theirs, 'utf8'));
      await expectError(client.request(AnalyzeTraceRequest.method, { path: join(dir, 'missing.txt') }), -32803, /cannot read/);
      await expectError(client.request(AnalyzeTraceRequest.method, {}), -32602);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a `# vpscope-allow VPS301` comment on the line hides the simulated stall there', async () => {
    const uri = 'file:///work/allowed.vps';
    const allowed = EXAMPLE_TEXT.split('\n').map((l) => (/syscall 2ms/.test(l) ? `${l.replace(/#.*$/, '')}# vpscope-allow VPS301: the "before" case` : l)).join('\n');
    assert.notEqual(allowed, EXAMPLE_TEXT);
    client.open(uri, allowed, 1);
    const r = await client.request<SimulateResult>(SimulateRequest.method, { textDocument: { uri } });
    const base = r.run.variants[0] as unknown as { stallSummary: { byCause: Record<string, { count: number }> } };
    assert.ok(base.stallSummary.byCause['blocking-syscall'].count > 0, 'the run still has the stalls');
    const ds = await client.diagnostics(uri, () => true);
    assert.ok(!ds.some((d) => d.code === 'VPS301'), JSON.stringify(ds));
    client.close(uri);
  });

  test('an export that names its own input (trace or scenario file) is refused, the input untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-overwrite-'));
    try {
      const trace = join(dir, 'in.txt');
      writeFileSync(trace, 'not really a trace\n');
      await expectError(client.request(AnalyzeTraceRequest.method, { path: trace, exportChromeTrace: trace }), -32602, /input file/);
      assert.equal(readFileSync(trace, 'utf8'), 'not really a trace\n');
      const scen = join(dir, 'a.vps');
      writeFileSync(scen, EXAMPLE_TEXT);
      const uri = `file://${scen}`;
      client.open(uri, EXAMPLE_TEXT);
      await expectError(client.request(SimulateRequest.method, { textDocument: { uri }, exportChromeTrace: scen }), -32602, /input file/);
      assert.equal(readFileSync(scen, 'utf8'), EXAMPLE_TEXT);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a cancelled trace analysis stops its worker', { skip: noTrace }, async () => {
    // A large trace: the real one repeated (~100 MB), so the import is still reading when cancelled.
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-bigtrace-'));
    try {
      const one = gunzipSync(readFileSync(TRACE));
      const big = join(dir, 'big.txt');
      writeFileSync(big, Buffer.concat(Array.from({ length: Math.ceil(100e6 / one.length) }, () => one)));
      const idle = await settledThreads(client);
      const progress = collectProgress(client, 'p-big');
      const cts = new CancellationTokenSource();
      const run = client.connection.sendRequest(AnalyzeTraceRequest.method, { path: big, workDoneToken: 'p-big' }, cts.token);
      await progress.first;
      const t1 = Date.now();
      cts.cancel();
      await expectError(run, -32800);
      assert.ok(Date.now() - t1 < 1000, `cancelled after ${Date.now() - t1} ms`);
      await until(() => threads(client) <= idle, `the server is back to ${idle} threads (has ${threads(client)})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('vpscope/simulate with a VS Code-like client', () => {
  let client: TestClient;
  let refreshes = 0;
  const created: string[] = [];
  before(async () => {
    client = await startClient({
      capabilities: { ...vscodeCapabilities, window: { workDoneProgress: true } },
      initializationOptions: { clientCommands: ['vpscope.simulate'] },
    });
    client.connection.onRequest('workspace/diagnostic/refresh', () => {
      refreshes++;
      return null;
    });
  });
  after(async () => {
    if (client.process.exitCode === null) await client.shutdown();
  });

  test('pulled diagnostics include the run\'s after a refresh, and drop them after an edit', async () => {
    const uri = 'file:///work/pull.vps';
    client.open(uri, EXAMPLE_TEXT, 1);
    const pull = () => client.request<DocumentDiagnosticReport & { items: Diagnostic[]; resultId: string }>('textDocument/diagnostic', { textDocument: { uri } });
    const before = await pull();
    assert.ok(!before.items.some((d) => /^simulated/.test(text(d))));
    const r = await client.request<SimulateResult>(SimulateRequest.method, { textDocument: { uri }, workDoneToken: 'p-pull' });
    assert.ok(r.runDiagnostics >= 1);
    await until(() => refreshes > 0, 'the server asks the client to pull again');
    const withRun = await pull();
    assert.notEqual(withRun.resultId, before.resultId);
    const stall = withRun.items.find((d) => d.code === 'VPS301');
    assert.equal(stall?.range.start.line, lineOf(EXAMPLE_TEXT, 'syscall 2ms'));
    client.change(uri, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '\n' }]);
    const edited = await pull();
    assert.ok(!edited.items.some((d) => /^simulated/.test(text(d))));
    client.close(uri);
  });

  test('without a token the server creates the progress, and its cancel stops the run', async () => {
    const uri = 'file:///work/created.vps';
    client.open(uri, LONG_TEXT, 1);
    let token: string | number | undefined;
    let started!: () => void;
    const began = new Promise<void>((r) => (started = r));
    client.connection.onRequest('window/workDoneProgress/create', (p: { token: string | number }) => {
      token = p.token;
      created.push(String(p.token));
      client.connection.onProgress(WorkDoneProgress.type, p.token, (v) => {
        if (v.kind === 'report') started();
      });
      return null;
    });
    const run = client.request(SimulateRequest.method, { textDocument: { uri } });
    await began;
    await client.connection.sendNotification('window/workDoneProgress/cancel', { token });
    await expectError(run, -32800);
    assert.equal(created.length, 1);
    client.close(uri);
  });

  test('code lenses run the client\'s simulate command', async () => {
    assert.deepEqual(client.initializeResult.capabilities.codeLensProvider, { resolveProvider: false });
    const uri = 'file:///work/lens.vps';
    client.open(uri, EXAMPLE_TEXT, 1);
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
    const shown = lenses.map((l) => ({ line: l.range.start.line, title: l.command?.title, command: l.command?.command, args: l.command?.arguments }));
    const scenarioLine = lineOf(EXAMPLE_TEXT, 'scenario "');
    assert.deepEqual(shown, [
      { line: scenarioLine, title: '▶ Simulate', command: 'vpscope.simulate', args: [uri, { variant: 'base' }] },
      { line: scenarioLine, title: 'Simulate all variants', command: 'vpscope.simulate', args: [uri, { allVariants: true }] },
      { line: lineOf(EXAMPLE_TEXT, 'variant dedicated_thread'), title: '▶ Simulate dedicated_thread', command: 'vpscope.simulate', args: [uri, { variant: 'dedicated_thread' }] },
      { line: lineOf(EXAMPLE_TEXT, 'variant async_io'), title: '▶ Simulate async_io', command: 'vpscope.simulate', args: [uri, { variant: 'async_io' }] },
    ]);
    client.close(uri);
  });

  test('no code lenses for a client that did not announce the command', async () => {
    const other = await startClient({ capabilities: pushCapabilities });
    try {
      assert.equal(other.initializeResult.capabilities.codeLensProvider, undefined);
    } finally {
      await other.shutdown();
    }
  });
});
