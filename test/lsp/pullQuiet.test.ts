/**
 * Pull diagnostics (VS Code) while typing: the client pulls after every change; the server answers
 * a pull for a version still being typed only once the user pauses (the diagnostics debounce), so
 * completions between keystrokes never wait behind the hazard checks, and every pull answers for
 * the text as it is at the pause. A pull with nothing being typed is answered at once.
 *
 * The client "types" as fast as the round trips allow: on the shared 2-core machine at load ~10 one
 * completion round trip took longer than the default 150 ms quiet time (which is then a pause, and
 * a pull answered in it is right), so the server is started with a quiet time of
 * {@link QUIET_MS} (`initializationOptions.diagnosticsQuietMs`): the same rule, a pause no round trip
 * here comes near. A second test checks the option itself: with 150 ms, a pull is answered about
 * 150 ms after the last change, not at once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CompletionList, DocumentDiagnosticReport } from 'vscode-languageserver-protocol';
import { startClient, vscodeCapabilities, type TestClient } from './harness';
import { DIAGNOSTICS_DEBOUNCE_MS, DIAGNOSTICS_QUIET_LIMITS, diagnosticsQuietMs } from '../../server/src/lsp/session';

const ROOT = resolve(__dirname, '../..');
const TEXT = readFileSync(join(ROOT, 'examples', 'dual-level-barriers.vps'), 'utf8');
const URI = 'file:///work/pull-quiet.vps';
const QUIET_MS = 1500;

describe('pull diagnostics wait for a pause in typing', () => {
  let client: TestClient;
  before(async () => {
    // Pull diagnostics, as VS Code.
    client = await startClient({ capabilities: vscodeCapabilities, initializationOptions: { diagnosticsQuietMs: QUIET_MS } });
  });
  after(async () => {
    await client.shutdown();
  });

  test('pulls during typing are answered after the last keystroke, for the final text; completions are not held up', async () => {
    client.open(URI, TEXT, 1);
    const first = await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri: URI } });
    assert.equal(first.kind, 'full');
    const lines = TEXT.split('\n');
    const last = lines.length - 1; // TEXT ends with a newline: the last line is empty
    assert.equal(lines[last], '');
    const events: string[] = [];
    const pulls: Promise<DocumentDiagnosticReport>[] = [];
    const word = 'bogus';
    // Type a new top-level word, one character per version, pulling and completing after each.
    for (let k = 0; k < word.length; k++) {
      const version = k + 2;
      client.change(URI, version, [{ range: { start: { line: last, character: k }, end: { line: last, character: k } }, text: word[k] }]);
      pulls.push(
        client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri: URI } }).then((r) => {
          events.push(`pull ${version}`);
          return r;
        }),
      );
      await client.request<CompletionList>('textDocument/completion', { textDocument: { uri: URI }, position: { line: last, character: k + 1 } });
      events.push(`completion ${version}`);
    }
    events.push('typing stopped');
    const reports = await Promise.all(pulls);
    const stop = events.indexOf('typing stopped');
    assert.ok(events.slice(0, stop).every((e) => e.startsWith('completion')), `no pull answered while typing: ${events.join(', ')}`);
    for (const r of reports) {
      assert.equal(r.kind, 'full');
      if (r.kind !== 'full') continue;
      const bogus = r.items.filter((d) => d.range.start.line === last);
      assert.ok(bogus.length > 0, 'each pull reports the typed line');
      assert.ok(bogus.some((d) => /bogus/.test(String(d.message))), `for the final text: ${bogus.map((d) => d.message).join(' | ')}`);
    }
  });
});

describe('the quiet time a client asks for (initializationOptions.diagnosticsQuietMs)', () => {
  test('150 ms: a pull for a version being typed is answered no sooner than 150 ms after the change', async () => {
    const client = await startClient({ capabilities: vscodeCapabilities, initializationOptions: { diagnosticsQuietMs: 150 } });
    try {
      client.open(URI, TEXT, 1);
      await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri: URI } });
      const last = TEXT.split('\n').length - 1;
      const t0 = performance.now();
      client.change(URI, 2, [{ range: { start: { line: last, character: 0 }, end: { line: last, character: 0 } }, text: 'x' }]);
      const r = await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri: URI } });
      const waited = performance.now() - t0;
      assert.equal(r.kind, 'full');
      // Timers fire no sooner than asked (a millisecond of rounding allowed).
      assert.ok(waited >= 149, `answered after ${waited.toFixed(1)} ms`);
    } finally {
      await client.shutdown();
    }
  });
});

test('diagnosticsQuietMs: a whole number of ms within bounds, else the default 150 ms', () => {
  assert.equal(diagnosticsQuietMs(undefined), DIAGNOSTICS_DEBOUNCE_MS);
  assert.equal(diagnosticsQuietMs({}), 150);
  assert.equal(diagnosticsQuietMs({ diagnosticsQuietMs: 300 }), 300);
  assert.equal(diagnosticsQuietMs({ diagnosticsQuietMs: DIAGNOSTICS_QUIET_LIMITS[0] }), 20);
  assert.equal(diagnosticsQuietMs({ diagnosticsQuietMs: DIAGNOSTICS_QUIET_LIMITS[1] }), 10_000);
  for (const bad of [0, 19, 10_001, 1e12, -5, 150.5, Number.NaN, Number.POSITIVE_INFINITY, '300', null, [300], { ms: 300 }]) {
    assert.equal(diagnosticsQuietMs({ diagnosticsQuietMs: bad }), 150, String(bad));
  }
  assert.equal(diagnosticsQuietMs('x'), 150);
});
