/**
 * Simulated findings while typing, over stdio: after an edit and the debounce, the server
 * simulates the open scenario in its worker and publishes the run diagnostics (VPS3xx) with the
 * static ones; the next edit cancels the run (nothing of the old version is published, the worker
 * stops); the setting turns it off; a run stopped by its budget says so in
 * `vpscope/backgroundSimulation`; the code lenses carry a one-line measured summary.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import type { CodeLens, Diagnostic, DocumentDiagnosticReport, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { measuredTitle } from '../../server/src/ide/codeLens';
import { backgroundSettings } from '../../server/src/lsp/session';
import { BACKGROUND_SIMULATION_DEFAULTS, BackgroundSimulationNotification, type BackgroundSimulationParams } from '../../server/src/shared/protocol';
import { pushCapabilities, startClient, vscodeCapabilities, type TestClient } from './harness';

const ROOT = resolve(__dirname, '../..');
const BLOCKING = readFileSync(join(ROOT, 'examples', 'openhcl-blocking-syscall.vps'), 'utf8');
/** The same scenario with the write made asynchronous: no blocking syscall, no stall on VP 2. */
const CLEAN = BLOCKING.replace('syscall 2ms', 'io 2ms');
/** The blocking scenario, long enough to run for minutes unless something stops it. */
const LONG = BLOCKING.replace(/duration 300ms/, 'duration 1000s\n  wall_limit 600s');
const DEBOUNCE_MS = 100;

function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.replace(/#.*$/, '').includes(needle));
  assert.ok(i >= 0, `no line with ${needle}`);
  return i;
}

const isRun = (d: Diagnostic) => typeof d.code === 'string' && /^VPS3\d\d$/.test(d.code);
const message = (d: Diagnostic) => (typeof d.message === 'string' ? d.message : (d.message as { value: string }).value);

/** Records the background notifications and the publications of a client. */
function record(client: TestClient) {
  const notes: BackgroundSimulationParams[] = [];
  const published: PublishDiagnosticsParams[] = [];
  client.connection.onNotification(BackgroundSimulationNotification.method, (p: BackgroundSimulationParams) => void notes.push(p));
  client.onPublish((p) => published.push(p));
  const next = async (accept: (p: BackgroundSimulationParams) => boolean, ms = 20_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const hit = notes.find(accept);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`no background notification matched; got ${JSON.stringify(notes)}\n${client.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { notes, published, next };
}

function threads(client: TestClient): number {
  return readdirSync(`/proc/${client.process.pid}/task`).length;
}

/** Threads of the server process at nice 19 (field 19 of /proc/PID/task/TID/stat). */
function niceThreads(client: TestClient): number {
  let n = 0;
  for (const tid of readdirSync(`/proc/${client.process.pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${client.process.pid}/task/${tid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16] === '19') n++;
    } catch {
      // The thread ended meanwhile.
    }
  }
  return n;
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
    await new Promise((r) => setTimeout(r, 25));
  }
}

function replaceLine(text: string, needle: string, by: string) {
  const line = lineOf(text, needle);
  const col = text.split('\n')[line].indexOf(needle);
  return { range: { start: { line, character: col }, end: { line, character: col + needle.length } }, text: by };
}

describe('background simulation over stdio', () => {
  let client: TestClient;
  let rec: ReturnType<typeof record>;

  before(async () => {
    client = await startClient({
      capabilities: pushCapabilities,
      initializationOptions: { clientCommands: ['vpscope.simulate'], backgroundSimulation: { enabled: true, debounceMs: DEBOUNCE_MS, maxSimulatedMs: 1000, wallMs: 10_000 } },
    });
    rec = record(client);
  });
  after(async () => {
    await client.shutdown();
  });

  test('an edit introducing a blocking syscall on a VP worker yields a VPS3xx run diagnostic after the debounce', async () => {
    const uri = 'file:///work/bg-edit.vps';
    client.open(uri, CLEAN, 1);
    const first = await rec.next((p) => p.uri === uri && p.version === 1 && p.state === 'done');
    assert.equal(first.findings, 0, 'the clean scenario has no run findings');
    const t0 = Date.now();
    client.change(uri, 2, [replaceLine(CLEAN, 'io 2ms', 'syscall 2ms')]);
    const diags = await client.diagnostics(uri, (d, v) => v === 2 && d.some(isRun), 20_000);
    assert.ok(Date.now() - t0 >= DEBOUNCE_MS, 'not before the debounce');
    const stall = diags.find((d) => d.code === 'VPS301');
    assert.ok(stall, `a VPS301 stall; got ${diags.map((d) => d.code).join(', ')}`);
    assert.equal(stall.range.start.line, lineOf(BLOCKING, 'syscall 2ms'));
    // The measured size is in the message, the cause chain in the related information.
    assert.match(message(stall), /^simulated \(base\): nvme on VP 2 stalled up to 2\.\d+ ms, x\d+/);
    // The effect end of the chain: the stalled task's declaration, with its measured size.
    const related = stall.relatedInformation ?? [];
    assert.ok(
      related.some((r) => r.location.range.start.line === lineOf(BLOCKING, 'task nvme') && /^`nvme` stalled up to 2\.\d+ ms, x\d+ \(blocking-syscall\)$/.test(r.message)),
      `related information points at task nvme: ${JSON.stringify(related)}`,
    );
    // Static first, measured after, in one publication.
    const firstRun = diags.findIndex(isRun);
    assert.ok(diags.slice(firstRun).every(isRun), 'run diagnostics follow the static ones');
    assert.ok(diags.slice(0, firstRun).some((d) => d.code === 'VPS201'), 'the static VPS201 is in the same publication');
    const done = await rec.next((p) => p.uri === uri && p.version === 2 && p.state === 'done');
    assert.equal(done.findings, diags.filter(isRun).length);
    assert.match(done.message, /^simulated: \d+ findings?$/);
    // The code lenses carry the measured summary of the base and of each variant.
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
    const measured = lenses.filter((l) => l.command?.title.startsWith('measured'));
    assert.equal(measured.length, 3, `one per variant: ${JSON.stringify(lenses.map((l) => l.command?.title))}`);
    const base = measured.find((l) => l.range.start.line === lineOf(BLOCKING, 'scenario'))!;
    assert.match(base.command!.title, /^measured: worst p99 [\d.]+ m?s \(\w+\), [1-9]\d* stalls, 300 ms simulated$/);
    const dedicated = measured.find((l) => l.range.start.line === lineOf(BLOCKING, 'variant dedicated_thread'))!;
    assert.match(dedicated.command!.title, /, 0 stalls,/);
    client.close(uri);
  });

  test('a following edit cancels the running simulation: its worker stops, nothing of the old version is published', async () => {
    const uri = 'file:///work/bg-cancel.vps';
    const before = await settledThreads(client);
    client.open(uri, LONG, 1);
    await rec.next((p) => p.uri === uri && p.version === 1 && p.state === 'simulating');
    await until(() => threads(client) > before, 'the worker runs');
    // On Linux the background worker lowers its own thread's priority (the server's main thread wins the CPU).
    if (process.platform === 'linux') await until(() => niceThreads(client) > 0, 'a thread of the server runs at nice 19');
    client.change(uri, 2, [{ text: CLEAN }]);
    const done = await rec.next((p) => p.uri === uri && p.version === 2 && p.state === 'done');
    assert.equal(done.findings, 0);
    await until(() => threads(client) <= before, `the old worker is gone (${threads(client)} threads, ${before} before)`);
    assert.ok(!rec.notes.some((p) => p.uri === uri && p.version === 1 && p.state !== 'simulating'), 'no result of version 1');
    assert.ok(!rec.published.some((p) => p.uri === uri && p.diagnostics.some(isRun)), 'no run diagnostics published');
    client.close(uri);
  });

  test('an explicit run keeps its diagnostics until the next edit, whatever the background run of the same version publishes later', async () => {
    // The race the e2e test met in CI: Simulate (one variant) answered, then the background run of
    // the same version (three variants, started on open) ended and replaced its stalls.
    const uri = 'file:///work/bg-explicit.vps';
    client.open(uri, BLOCKING, 1);
    const r = await client.request<{ runDiagnostics: number }>('vpscope/simulate', { textDocument: { uri }, variant: 'base' });
    assert.ok(r.runDiagnostics > 0);
    await rec.next((p) => p.uri === uri && p.version === 1 && (p.state === 'done' || p.state === 'budget'));
    // The last publication of version 1 is the explicit run's: one variant, no variant names.
    await new Promise((res) => setTimeout(res, 200));
    const last = rec.published.filter((p) => p.uri === uri && p.version === 1).at(-1);
    const runs = (last?.diagnostics ?? []).filter(isRun).map(message);
    assert.ok(runs.some((m) => /^simulated: nvme on VP 2 stalled/.test(m)), `the explicit run's stall is shown: ${JSON.stringify(runs)}`);
    assert.ok(!runs.some((m) => m.startsWith('simulated (')), `no background diagnostics over it: ${JSON.stringify(runs)}`);
    // The next edit: the background run of the new version publishes (all variants).
    client.change(uri, 2, [replaceLine(BLOCKING, 'syscall 2ms', 'syscall 3ms')]);
    const after2 = await client.diagnostics(uri, (d, v) => v === 2 && d.some(isRun), 20_000);
    assert.ok(after2.filter(isRun).some((d) => /^simulated \(base\): nvme on VP 2 stalled/.test(message(d))), JSON.stringify(after2.map(message)));
    client.close(uri);
  });

  test('a run stopped by its budget says so', async () => {
    const uri = 'file:///work/bg-budget.vps';
    await client.connection.sendNotification('workspace/didChangeConfiguration', {
      settings: { vpscope: { backgroundSimulation: { enabled: true, debounceMs: DEBOUNCE_MS, maxSimulatedMs: 50, wallMs: 10_000 } } },
    });
    client.open(uri, BLOCKING, 1);
    const hit = await rec.next((p) => p.uri === uri && p.version === 1 && (p.state === 'budget' || p.state === 'done'));
    assert.equal(hit.state, 'budget');
    assert.equal(hit.budget, 'simulated time');
    assert.match(hit.message, /^budget hit \(simulated time\): \d+ findings? in the part simulated$/);
    const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
    assert.ok(lenses.some((l) => /50 ms simulated, bound hit: simulated time$/.test(l.command?.title ?? '')));
    // The wall budget: the long scenario cannot finish 50 ms of simulated time... in 50 ms of wall.
    await client.connection.sendNotification('workspace/didChangeConfiguration', {
      settings: { vpscope: { backgroundSimulation: { enabled: true, debounceMs: DEBOUNCE_MS, maxSimulatedMs: 600_000, wallMs: 50 } } },
    });
    client.change(uri, 2, [{ text: LONG }]);
    const wall = await rec.next((p) => p.uri === uri && p.version === 2 && (p.state === 'budget' || p.state === 'done'));
    assert.equal(wall.state, 'budget');
    assert.match(wall.budget ?? '', /wall time/);
    client.close(uri);
  });

  test('with the setting off, no background simulation and no run diagnostics', async () => {
    const uri = 'file:///work/bg-off.vps';
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { vpscope: { backgroundSimulation: { enabled: false } } } });
    client.open(uri, CLEAN, 1);
    client.change(uri, 2, [replaceLine(CLEAN, 'io 2ms', 'syscall 2ms')]);
    const statics = await client.diagnostics(uri, (d, v) => v === 2 && d.some((x) => x.code === 'VPS201'));
    assert.ok(!statics.some(isRun));
    await new Promise((r) => setTimeout(r, DEBOUNCE_MS * 5 + 500));
    assert.ok(!rec.notes.some((p) => p.uri === uri), `no background notification: ${JSON.stringify(rec.notes.filter((p) => p.uri === uri))}`);
    assert.ok(!rec.published.some((p) => p.uri === uri && p.diagnostics.some(isRun)));
    // The Simulate command always runs.
    const r = await client.request<{ runDiagnostics: number }>('vpscope/simulate', { textDocument: { uri } });
    assert.ok(r.runDiagnostics > 0);
    client.close(uri);
  });
});

describe('background simulation with a pull-diagnostics client (VS Code)', () => {
  test('the client is asked to pull again and the pull has the run diagnostics of the version simulated', async () => {
    const client = await startClient({ capabilities: vscodeCapabilities, initializationOptions: { backgroundSimulation: { debounceMs: DEBOUNCE_MS, wallMs: 30_000 } } });
    // (The default 2 s wall budget is the setting's; a loaded CI machine may need more for 3 variants.)
    try {
      const rec = record(client);
      let refreshed = 0;
      client.connection.onRequest('workspace/diagnostic/refresh', () => void refreshed++);
      const uri = 'file:///work/bg-pull.vps';
      client.open(uri, BLOCKING, 1);
      const done = await rec.next((p) => p.uri === uri && p.version === 1 && p.state === 'done');
      await until(() => refreshed > 0, 'a diagnostic refresh');
      const report = await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri } });
      assert.equal(report.kind, 'full');
      const run = report.kind === 'full' ? report.items.filter(isRun) : [];
      assert.equal(run.length, done.findings);
      assert.ok(run.some((d) => d.code === 'VPS301' && d.range.start.line === lineOf(BLOCKING, 'syscall 2ms')));
    } finally {
      await client.shutdown();
    }
  });
});

describe('background simulation settings', () => {
  test('any input gives settings within bounds; valid fields are taken, others keep the defaults', () => {
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        const s = backgroundSettings(raw);
        assert.equal(typeof s.enabled, 'boolean');
        assert.ok(s.debounceMs >= 0 && s.debounceMs <= 60_000);
        assert.ok(s.maxSimulatedMs >= 1 && s.maxSimulatedMs <= 3_600_000);
        assert.ok(s.wallMs >= 50 && s.wallMs <= 600_000);
      }),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 0, max: 60_000 }), (enabled, debounceMs) => {
        const s = backgroundSettings({ enabled, debounceMs, wallMs: 'x' });
        assert.deepEqual(s, { ...BACKGROUND_SIMULATION_DEFAULTS, enabled, debounceMs });
      }),
    );
  });

  test('the measured lens title states p99, stalls, simulated time and the bound', () => {
    assert.equal(
      measuredTitle({ variant: 'base', worstP99Ns: 2_050_000, worstTask: 'nvme', stalls: 15, simulatedNs: 300e6 }, false),
      'measured: worst p99 2.05 ms (nvme), 15 stalls, 300 ms simulated',
    );
    assert.equal(
      measuredTitle({ variant: 'x', worstP99Ns: 0, stalls: 1, simulatedNs: 1e9, bound: 'wall time' }, true),
      'measured before the last edit: no latency samples, 1 stall, 1 s simulated, bound hit: wall time',
    );
  });
});
