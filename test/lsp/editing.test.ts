/**
 * Round trips over stdio for the editing comforts: signature help (trigger characters, active
 * parameter, label offsets or strings), inlay hints (and their settings, with a refresh),
 * on-type formatting of `}`, semantic tokens by range and as deltas.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientCapabilities, InlayHint, SemanticTokens, SemanticTokensDelta, SignatureHelp, TextEdit } from 'vscode-languageserver-protocol';
import { startClient, vscodeCapabilities, type TestClient } from './harness';

const URI = 'file:///work/editing.vps';

const TEXT = `host { pcpus 8 }
vm db {
  vcpus 4
  openhcl {
    storvsp scsi0 {
      sub_channels 3
      disk os { latency lognormal 1ms 500us }
    }
  }
}
variant one {
  vm db { openhcl { storvsp scsi0 { sub_channels 1 } } }
}
`;

const capabilities: ClientCapabilities = (() => {
  const c = structuredClone(vscodeCapabilities);
  c.textDocument!.signatureHelp = {
    signatureInformation: { documentationFormat: ['markdown', 'plaintext'], parameterInformation: { labelOffsetSupport: true }, activeParameterSupport: true },
    contextSupport: true,
  };
  c.textDocument!.inlayHint = { resolveSupport: { properties: [] } };
  c.textDocument!.onTypeFormatting = {};
  c.workspace!.inlayHint = { refreshSupport: true };
  return c;
})();

function pos(text: string, needle: string, delta = 0): { line: number; character: number } {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `no ${needle}`);
  const before = text.slice(0, i + delta);
  return { line: before.split('\n').length - 1, character: before.length - (before.lastIndexOf('\n') + 1) };
}

function applyLspEdits(text: string, edits: TextEdit[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const off = (p: { line: number; character: number }) => (lineStarts[p.line] ?? text.length) + p.character;
  const sorted = [...edits].sort((a, b) => off(b.range.start) - off(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, off(e.range.start)) + e.newText + out.slice(off(e.range.end));
  return out;
}

describe('editing comforts over stdio (VS Code-like client)', () => {
  let client: TestClient;
  let refreshes = 0;
  before(async () => {
    client = await startClient({ capabilities, initializationOptions: { inlayHints: { defaults: false, variantValues: true } } });
    client.connection.onRequest('workspace/inlayHint/refresh', () => {
      refreshes++;
      return null;
    });
    client.open(URI, TEXT, 1);
  });
  after(async () => {
    if (client.process.exitCode === null) await client.shutdown();
  });

  test('initialize announces signature help (space), inlay hints, on-type `}`, semantic tokens range + delta', () => {
    const caps = client.initializeResult.capabilities;
    assert.deepEqual(caps.signatureHelpProvider, { triggerCharacters: [' '], retriggerCharacters: [','] });
    assert.deepEqual(caps.inlayHintProvider, { resolveProvider: false });
    assert.deepEqual(caps.documentOnTypeFormattingProvider, { firstTriggerCharacter: '}' });
    assert.equal(caps.semanticTokensProvider?.range, true);
    assert.deepEqual(caps.semanticTokensProvider?.full, { delta: true });
  });

  test('signature help: the active parameter of `lognormal MEAN SD`, as label offsets, with markdown', async () => {
    const at = pos(TEXT, 'lognormal 1ms ', 'lognormal 1ms '.length);
    const h = await client.request<SignatureHelp>('textDocument/signatureHelp', { textDocument: { uri: URI }, position: at, context: { triggerKind: 2, triggerCharacter: ' ', isRetrigger: false } });
    const sig = h.signatures[h.activeSignature ?? 0];
    assert.equal(sig.label, 'latency lognormal MEAN SD');
    assert.equal(h.activeParameter, 2);
    const p = sig.parameters![2].label as [number, number];
    assert.equal(sig.label.slice(p[0], p[1]), 'SD');
    assert.equal((sig.parameters![2].documentation as { kind: string }).kind, 'markdown');
    // On a keyword: no help (null).
    assert.equal(await client.request('textDocument/signatureHelp', { textDocument: { uri: URI }, position: pos(TEXT, 'vcpus', 2) }), null);
  });

  test('inlay hints: the channel -> VP map and the value the variant replaces; a setting turns the map off', async () => {
    const range = { start: { line: 0, character: 0 }, end: { line: 14, character: 0 } };
    const hints = await client.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri: URI }, range });
    const labels = hints.map((h) => `${h.position.line}:${h.label}`);
    assert.ok(labels.includes('4:channel→VP 0→0 1→1 2→2 3→3'), labels.join(' | '));
    assert.ok(labels.includes('11:channel→VP 0→0 1→2'), labels.join(' | '));
    assert.ok(labels.some((l) => l.startsWith('11:base: 3')), labels.join(' | '));
    assert.ok(!labels.some((l) => l.includes('defaults:')), 'defaults off by initializationOptions');
    client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { vpscope: { inlayHints: { channelMap: false, defaults: true } } } });
    const deadline = Date.now() + 3000;
    while (refreshes === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(refreshes, 1, 'the client is asked to refresh its hints');
    const again = (await client.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri: URI }, range })).map((h) => String(h.label));
    assert.ok(!again.some((l) => l.startsWith('channel→VP')), again.join(' | '));
    assert.ok(again.some((l) => l.startsWith('defaults:')), again.join(' | '));
  });

  test('on-type formatting: typing `}` re-indents the block it closes', async () => {
    const uri = 'file:///work/ontype.vps';
    const text = 'vm web {\n      vcpus 2\n   openhcl {\n  task a { cpu 1us }\n        }\n}\n';
    client.open(uri, text, 1);
    const edits = await client.request<TextEdit[]>('textDocument/onTypeFormatting', { textDocument: { uri }, position: { line: 4, character: 9 }, ch: '}', options: { tabSize: 4, insertSpaces: true } });
    assert.equal(applyLspEdits(text, edits), 'vm web {\n      vcpus 2\n  openhcl {\n    task a { cpu 1us }\n  }\n}\n');
    client.close(uri);
  });

  test('semantic tokens: a delta after an edit applies to the previous result; a range is a slice', async () => {
    const uri = 'file:///work/tokens.vps';
    client.open(uri, TEXT, 1);
    const full = await client.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri } });
    assert.ok(full.resultId && full.data.length > 0);
    // Type ` # note` at the end of line 2 (`  vcpus 4`) and change `4` to `16`.
    client.change(uri, 2, [{ range: { start: { line: 2, character: 8 }, end: { line: 2, character: 9 } }, text: '16 # note' }]);
    const delta = await client.request<SemanticTokensDelta | SemanticTokens>('textDocument/semanticTokens/full/delta', { textDocument: { uri }, previousResultId: full.resultId });
    assert.ok('edits' in delta, 'a delta, not the full tokens');
    const patched = [...full.data];
    for (const e of [...delta.edits].reverse()) patched.splice(e.start, e.deleteCount, ...(e.data ?? []));
    const now = await client.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri } });
    assert.deepEqual(patched, now.data);
    assert.ok(delta.edits.reduce((n, e) => n + (e.data?.length ?? 0), 0) < now.data.length / 2, 'the delta is smaller than the tokens');
    // An unknown previous result: the full tokens.
    const stale = await client.request<SemanticTokens>('textDocument/semanticTokens/full/delta', { textDocument: { uri }, previousResultId: 'nope' });
    assert.deepEqual((stale as SemanticTokens).data, now.data);
    // Lines 4-6 only: the tokens of those lines (the first at line 4), fewer than all.
    const range = await client.request<SemanticTokens>('textDocument/semanticTokens/range', { textDocument: { uri }, range: { start: { line: 4, character: 0 }, end: { line: 7, character: 0 } } });
    assert.ok(range.data.length > 0 && range.data.length < now.data.length);
    assert.equal(range.data[0], 4, 'the first token is on line 4');
    let line = 0;
    for (let i = 0; i < range.data.length; i += 5) line += range.data[i];
    assert.ok(line <= 6, `last token on line ${line}`);
    client.close(uri);
  });
});

describe('editing comforts for a minimal client', () => {
  let client: TestClient;
  before(async () => {
    const caps: ClientCapabilities = { textDocument: { synchronization: {}, signatureHelp: {} } };
    client = await startClient({ capabilities: caps });
  });
  after(async () => {
    if (client.process.exitCode === null) await client.shutdown();
  });

  test('no inlay hints offered; signature parameters as label strings, plain-text documentation', async () => {
    assert.equal(client.initializeResult.capabilities.inlayHintProvider, undefined);
    const text = 'vm web {\n  vcpus 2\n  guest {\n    ioload x { disk scsi0  }\n  }\n}\n';
    client.open('file:///work/min.vps', text, 1);
    const h = await client.request<SignatureHelp>('textDocument/signatureHelp', { textDocument: { uri: 'file:///work/min.vps' }, position: pos(text, 'scsi0 ', 6) });
    assert.equal(h.signatures[0].label, 'disk CONTROLLER DISK');
    assert.equal(h.activeParameter, 1);
    assert.equal(h.signatures[0].parameters![1].label, 'DISK');
    assert.equal((h.signatures[0].documentation as { kind: string }).kind, 'plaintext');
  });
});

