/**
 * Huge documents and bursts of edits over stdio (issue 9, robustness):
 * - a document above `vpscope.diagnostics.maxDocumentMB` gets one warning (VPS148) naming the
 *   setting instead of an analysis, and the features answer as for a document not open; raising
 *   the setting analyses it;
 * - a burst of incremental edits is not analysed per change: one publication for the burst's
 *   last version, and the text after the burst is the one the edits make.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic, Hover, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { pushCapabilities, startClient } from './harness';
import { genScenario } from '../bench/genScenario';

test('above maxDocumentMB: one warning naming the setting, no analysis; raising the setting analyses it', async () => {
  const text = genScenario({ lines: 2_000, seed: 5 });
  const mb = 0.01; // ~10,000 characters, below the scenario's length
  assert.ok(text.length > mb * 1024 * 1024);
  const c = await startClient({ capabilities: pushCapabilities, initializationOptions: { diagnostics: { maxDocumentMB: mb } } });
  try {
    const uri = 'file:///huge/big.vps';
    c.open(uri, text, 1);
    const d = await c.diagnostics(uri, (_d, v) => v === 1, 60_000);
    assert.equal(d.length, 1);
    assert.equal(d[0].code, 'VPS148');
    assert.match(String(d[0].message), /vpscope\.diagnostics\.maxDocumentMB/);
    const at = { textDocument: { uri }, position: { line: 2, character: 3 } };
    assert.equal(await c.request<Hover | null>('textDocument/hover', at), null);
    // Every other feature answers as for a document that is not open: no error.
    const doc = { textDocument: { uri } };
    const range = { start: { line: 0, character: 0 }, end: { line: 50, character: 0 } };
    for (const [method, params] of [
      ['textDocument/completion', at],
      ['textDocument/documentSymbol', doc],
      ['textDocument/foldingRange', doc],
      ['textDocument/semanticTokens/full', doc],
      ['textDocument/inlayHint', { ...doc, range }],
      ['textDocument/codeLens', doc],
      ['textDocument/formatting', { ...doc, options: { tabSize: 2, insertSpaces: true } }],
      ['textDocument/definition', at],
      ['textDocument/references', { ...at, context: { includeDeclaration: true } }],
      ['textDocument/signatureHelp', at],
    ] as const) {
      const r = await c.request<unknown>(method, params);
      const empty = r === null || (Array.isArray(r) && r.length === 0) || (typeof r === 'object' && r !== null && Array.isArray((r as { data?: unknown[] }).data) && (r as { data: unknown[] }).data.length === 0) || (typeof r === 'object' && r !== null && Array.isArray((r as { items?: unknown[] }).items) && (r as { items: unknown[] }).items.length === 0);
      assert.ok(empty, `${method}: ${JSON.stringify(r).slice(0, 200)}`);
    }
    // Simulate says why it cannot, not "not an open document".
    await assert.rejects(c.request('vpscope/simulate', { textDocument: { uri } }), (e: Error) => /larger than vpscope\.diagnostics\.maxDocumentMB.*raise the setting/.test(e.message));
    // Raised: analysed (the generated scenario has no errors; no VPS148).
    await c.connection.sendNotification('workspace/didChangeConfiguration', { settings: { vpscope: { diagnostics: { maxDocumentMB: 1 } } } });
    const after = await c.diagnostics(uri, (ds) => !ds.some((x) => x.code === 'VPS148'), 60_000);
    assert.ok(after.every((x) => x.code !== 'VPS148'));
    assert.notEqual(await c.request<Hover | null>('textDocument/hover', at), null);
  } finally {
    assert.equal(await c.shutdown(), 0);
  }
});

test('a burst of 2,000 incremental edits: diagnostics once, for the last version; the text is the edits\' result', async () => {
  const text = genScenario({ lines: 5_000, seed: 6 });
  const lines = text.split('\n');
  // A quiet time of 1.5 s (as the other tests on a loaded machine): the burst is sent at once,
  // but the server may read it with pauses longer than 150 ms when the machine is busy.
  const c = await startClient({ capabilities: pushCapabilities, initializationOptions: { diagnosticsQuietMs: 1_500 } });
  try {
    const uri = 'file:///huge/burst.vps';
    c.open(uri, text, 1);
    await c.diagnostics(uri, (_d, v) => v === 1, 60_000);
    const seen: (number | undefined)[] = [];
    const sub = c.onPublish((p: PublishDiagnosticsParams) => p.uri === uri && seen.push(p.version));
    // Typing at the end of a comment line appended at the top, one character per change.
    c.change(uri, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '#\n' }]);
    const N = 2_000;
    for (let i = 0; i < N; i++) c.change(uri, 3 + i, [{ range: { start: { line: 0, character: 1 + i }, end: { line: 0, character: 1 + i } }, text: 'x' }]);
    const last = 2 + N;
    const d: Diagnostic[] = await c.diagnostics(uri, (_d, v) => v === last, 120_000);
    sub.dispose();
    assert.deepEqual(seen, [last], `published for versions ${JSON.stringify(seen)}`);
    assert.ok(Array.isArray(d));
    // The server's text: an outline answer that depends on every line being where it should.
    const symbols = await c.request<{ name: string; range: { start: { line: number } } }[]>('textDocument/documentSymbol', { textDocument: { uri } });
    const vm = lines.findIndex((l) => /^vm /.test(l));
    assert.ok(symbols.some((s) => s.range.start.line === vm + 1), 'the first vm one line down');
    const hover = await c.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 5 } });
    assert.equal(hover, null); // a comment
  } finally {
    assert.equal(await c.shutdown(), 0);
  }
});
