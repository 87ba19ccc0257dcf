/**
 * `vpscope.diagnostics.*` over stdio: severity per code (static and run diagnostics) and the stall
 * thresholds, read live from didChangeConfiguration; the parser is property-tested.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { diagnosticsSettings } from '../../server/src/lsp/session';
import { pushCapabilities, startClient, type TestClient } from './harness';

const ROOT = resolve(__dirname, '../..');
const BLOCKING = readFileSync(join(ROOT, 'examples', 'openhcl-blocking-syscall.vps'), 'utf8');
const isRun = (d: Diagnostic) => typeof d.code === 'string' && /^VPS3\d\d$/.test(d.code);
const WARNING = 2;
const INFORMATION = 3;

test('diagnosticsSettings: any input gives known codes, levels and finite non-negative thresholds', () => {
  fc.assert(
    fc.property(fc.anything(), fc.dictionary(fc.oneof(fc.constantFrom('VPS201', 'vps300', ' VPS228 ', 'VPS9', 'x'), fc.string()), fc.oneof(fc.constantFrom('error', 'Information', 'off', 'constructor', 'toString', '__proto__'), fc.anything())), fc.dictionary(fc.constantFrom('warnLongestMs', 'warnSharePercent', 'hintLongestMs', 'hintSharePercent', 'other'), fc.oneof(fc.double(), fc.anything())), (any, severity, stallThresholds) => {
      for (const raw of [any, { severity, stallThresholds }]) {
        const s = diagnosticsSettings(raw);
        for (const [k, v] of Object.entries(s.severities)) {
          assert.match(k, /^VPS\d{3}$/);
          assert.ok(['error', 'warning', 'info', 'hint', 'off'].includes(v));
        }
        for (const [k, v] of Object.entries(s.thresholds)) {
          assert.ok(Number.isFinite(v) && v >= 0, `${k}=${v}`);
          if (k.endsWith('Share')) assert.ok(v <= 1);
        }
        assert.ok(Number.isInteger(s.maxDocumentChars) && s.maxDocumentChars >= 1 && s.maxDocumentChars <= 1024 * 1024 * 1024, `maxDocumentChars=${s.maxDocumentChars}`);
      }
    }),
  );
  // The live-analysis bound: MB of characters, 0.001-1024, else the default 4.
  for (const [mb, chars] of [[undefined, 4 * 1024 * 1024], [1, 1024 * 1024], [0.5, 512 * 1024], [0, 4 * 1024 * 1024], [-3, 4 * 1024 * 1024], [2000, 4 * 1024 * 1024], [Number.NaN, 4 * 1024 * 1024], ['8', 4 * 1024 * 1024], [1024, 1024 * 1024 * 1024]] as const) {
    assert.equal(diagnosticsSettings({ maxDocumentMB: mb }).maxDocumentChars, chars, `maxDocumentMB ${String(mb)}`);
  }
  assert.deepEqual(diagnosticsSettings({ severity: { vps201: 'Information', VPS300: 'off', VPS202: 'loud' }, stallThresholds: { warnLongestMs: 10, warnSharePercent: 50, hintLongestMs: -1 } }), {
    severities: { VPS201: 'info', VPS300: 'off' },
    thresholds: { warnLongestNs: 10_000_000, warnShare: 0.5 },
    maxDocumentChars: 4 * 1024 * 1024,
  });
});

describe('vpscope.diagnostics settings over stdio', () => {
  let client: TestClient;
  before(async () => {
    client = await startClient({
      capabilities: pushCapabilities,
      initializationOptions: { backgroundSimulation: { enabled: true, debounceMs: 50, maxSimulatedMs: 1000, wallMs: 10_000 }, diagnostics: { severity: { VPS201: 'information' } } },
    });
  });
  after(async () => {
    await client.shutdown();
  });

  const configure = (diagnostics: unknown) => client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { vpscope: { diagnostics } } });

  test('severity per code and stall thresholds apply live to static and run diagnostics', async () => {
    const uri = 'file:///work/settings.vps';
    client.open(uri, BLOCKING, 1);
    // From initializationOptions: the static VPS201 is information.
    const first = await client.diagnostics(uri, (d, v) => v === 1 && d.some(isRun), 20_000);
    assert.equal(first.find((d) => d.code === 'VPS201')?.severity, INFORMATION);
    const stall = first.find((d) => d.code === 'VPS301')!;
    assert.equal(stall.severity, WARNING, 'a 2 ms stall taking ~8% of the time is a warning by default');
    // Live: VPS201 off; stalls are warnings only from 10 ms or 50% of the time: the 2 ms one is information.
    await configure({ severity: { VPS201: 'off' }, stallThresholds: { warnLongestMs: 10, warnSharePercent: 50 } });
    const next = await client.diagnostics(uri, (d, v) => v === 1 && !d.some((x) => x.code === 'VPS201') && d.some(isRun));
    assert.equal(next.find((d) => d.code === 'VPS301' && d.range.start.line === stall.range.start.line)?.severity, INFORMATION);
    // A run code turned off disappears as well; back to the defaults restores everything.
    await configure({ severity: { VPS301: 'off' } });
    const off = await client.diagnostics(uri, (d, v) => v === 1 && d.some((x) => x.code === 'VPS201') && !d.some((x) => x.code === 'VPS301'));
    assert.equal(off.find((d) => d.code === 'VPS201')?.severity, WARNING);
    await configure({});
    const back = await client.diagnostics(uri, (d, v) => v === 1 && d.some((x) => x.code === 'VPS301'));
    assert.equal(back.find((d) => d.code === 'VPS301' && d.range.start.line === stall.range.start.line)?.severity, WARNING);
    client.close(uri);
  });

  test('a warning a setting raises to error is shown as one but does not block the simulation', async () => {
    const uri = 'file:///work/raised.vps';
    await configure({ severity: { VPS201: 'error' } });
    client.open(uri, BLOCKING, 1);
    // The background run still happens (run findings arrive) while VPS201 shows as an error.
    const d = await client.diagnostics(uri, (x, v) => v === 1 && x.some(isRun) && x.some((y) => y.code === 'VPS201'), 20_000);
    assert.equal(d.find((x) => x.code === 'VPS201')?.severity, 1);
    // The Simulate command runs too (it refused before: "the scenario has 1 error").
    const r = await client.request<{ runDiagnostics: number }>('vpscope/simulate', { textDocument: { uri } });
    assert.ok(r.runDiagnostics > 0);
    await configure({});
    client.close(uri);
  });
});
