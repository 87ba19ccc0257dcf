/**
 * Issue 9 over stdio: once the background simulation of a version is published, the static
 * hazards of that version are the reconciled ones (a confirmed one carries the measured number
 * and the run's range as related information); the next version shows them plain again until it
 * is simulated.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { pushCapabilities, startClient, type TestClient } from './harness';

const ROOT = resolve(__dirname, '../..');
const BLOCKING = readFileSync(join(ROOT, 'examples', 'openhcl-blocking-syscall.vps'), 'utf8');
const isRun = (d: Diagnostic) => typeof d.code === 'string' && /^VPS3\d\d$/.test(d.code);
const message = (d: Diagnostic) => (typeof d.message === 'string' ? d.message : (d.message as { value: string }).value);

describe('static diagnostics reconciled with the background simulation', () => {
  let client: TestClient;
  before(async () => {
    client = await startClient({
      capabilities: pushCapabilities,
      initializationOptions: { backgroundSimulation: { enabled: true, debounceMs: 50, maxSimulatedMs: 1000, wallMs: 10_000 } },
    });
  });
  after(async () => {
    await client.shutdown();
  });

  test('confirmed with the measured number for the simulated version only', async () => {
    const uri = 'file:///work/reconcile.vps';
    client.open(uri, BLOCKING, 1);
    const plain = await client.diagnostics(uri, (d, v) => v === 1 && d.some((x) => x.code === 'VPS201'));
    const before = plain.find((d) => d.code === 'VPS201')!;
    const diags = await client.diagnostics(uri, (d, v) => v === 1 && d.some(isRun), 20_000);
    const stat = diags.find((d) => d.code === 'VPS201');
    assert.ok(stat, diags.map((d) => d.code).join(', '));
    assert.equal(stat.severity, before.severity, 'a confirmed finding keeps its severity');
    assert.deepEqual(stat.range, before.range);
    assert.match(message(stat), /Confirmed by the simulation \(base, VPS301\): .*\d ms/);
    const run = diags.find((d) => d.code === 'VPS301')!;
    assert.ok(
      (stat.relatedInformation ?? []).some((r) => r.location.uri === uri && r.location.range.start.line === run.range.start.line && /^simulated \(base\) VPS301: /.test(r.message)),
      JSON.stringify(stat.relatedInformation),
    );
    // The next version (nothing simulated for it: background off) shows the static finding plain.
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { vpscope: { backgroundSimulation: { enabled: false } } } });
    client.change(uri, 2, [{ text: BLOCKING + '\n# edited\n' }]);
    const next = await client.diagnostics(uri, (d, v) => v === 2 && d.some((x) => x.code === 'VPS201'));
    assert.ok(!next.some(isRun));
    assert.ok(!message(next.find((d) => d.code === 'VPS201')!).includes('Confirmed'), 'no measured text on an unsimulated version');
    client.close(uri);
  });
});
