/**
 * Pull diagnostics (VS Code) while typing: the client pulls after every change; the server answers
 * a pull for a version still being typed only once the user pauses (the diagnostics debounce), so
 * completions between keystrokes never wait behind the hazard checks, and every pull answers for
 * the text as it is at the pause. A pull with nothing being typed is answered at once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CompletionList, DocumentDiagnosticReport } from 'vscode-languageserver-protocol';
import { startClient, vscodeCapabilities, type TestClient } from './harness';

const ROOT = resolve(__dirname, '../..');
const TEXT = readFileSync(join(ROOT, 'examples', 'dual-level-barriers.vps'), 'utf8');
const URI = 'file:///work/pull-quiet.vps';

describe('pull diagnostics wait for a pause in typing', () => {
  let client: TestClient;
  before(async () => {
    client = await startClient({ capabilities: vscodeCapabilities }); // pull diagnostics, as VS Code
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
