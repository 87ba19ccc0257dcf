/**
 * LSP round trips against the bundled server, started as `node server.js --stdio` and driven by
 * a real JSON-RPC client: lifecycle, push and pull diagnostics, incremental changes, every
 * feature once, capability gating, malformed requests, clean exit.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import type {
  CodeAction,
  CompletionList,
  Diagnostic,
  DocumentDiagnosticReport,
  DocumentHighlight,
  DocumentSymbol,
  FoldingRange,
  Hover,
  Location,
  MarkupContent,
  SelectionRange,
  SemanticTokens,
  SymbolInformation,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import { ScenarioRequest } from '../../server/src/shared/protocol';
import { minimalCapabilities, pushCapabilities, startClient, vscodeCapabilities, type TestClient } from './harness';

const URI = 'file:///work/scenario.vps';

/** Applies LSP edits to a text (for checking formatting and rename results). */
function applyLspEdits(text: string, edits: TextEdit[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const off = (p: { line: number; character: number }) => (lineStarts[p.line] ?? text.length) + p.character;
  const sorted = [...edits].sort((a, b) => off(b.range.start) - off(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, off(e.range.start)) + e.newText + out.slice(off(e.range.end));
  return out;
}

/** The LSP position of the first occurrence of `needle` in `text`, plus `delta` characters. */
function pos(text: string, needle: string, delta = 0): { line: number; character: number } {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `no ${needle}`);
  const before = text.slice(0, i + delta);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - (before.lastIndexOf('\n') + 1) };
}

const SCENARIO = `host {
  pcpus 4
}

vm web {
  vcpus 4
  openhcl {
    io_uring_cancel off
    task nvme { target_vp 1; run_on_target on; rate 2k/s; cpu 5us; io exp 50us }
  }
  guest {
    lock big { kind spin }
    thread app { vcpus 0-3; count 4; lock big 10us; sleep 100us }
  }
}

variant cancel_on {
  vm web { openhcl { io_uring_cancel on } }
}
`;

describe('LSP over stdio (push diagnostics client)', () => {
  let client: TestClient;
  before(async () => {
    client = await startClient({ capabilities: pushCapabilities });
  });
  after(async () => {
    if (client.process.exitCode === null) await client.shutdown();
  });

  test('initialize announces the features, gated on the client', () => {
    const caps = client.initializeResult.capabilities;
    assert.equal(client.initializeResult.serverInfo?.name, 'vpscope');
    assert.deepEqual(caps.textDocumentSync, { openClose: true, change: 2 });
    assert.ok(caps.completionProvider && caps.hoverProvider && caps.definitionProvider && caps.referencesProvider);
    assert.deepEqual(caps.renameProvider, { prepareProvider: true });
    assert.ok(caps.codeActionProvider, 'code actions with literal support');
    assert.ok(caps.semanticTokensProvider?.legend.tokenTypes.includes('unit'));
    assert.equal(caps.diagnosticProvider, undefined, 'no pull diagnostics for a push-only client');
  });

  test('diagnostics are pushed on open and follow incremental changes', async () => {
    const text = 'host {\n  pcpus 4\n}\nvm web {\n  vcpu 4\n}\n';
    client.open(URI, text, 1);
    const diags = await client.diagnostics(URI, (d) => d.length > 0);
    const simple = diags.map((d: Diagnostic) => ({ code: d.code, severity: d.severity, line: d.range.start.line, source: d.source }));
    assert.deepEqual(simple, [
      { code: 'VPS113', severity: 1, line: 3, source: 'vpscope' },
      { code: 'VPS100', severity: 1, line: 4, source: 'vpscope' },
    ]);
    assert.match(String(diags[1].message), /Unknown keyword `vcpu`/);
    // Fix the typo with an incremental edit: insert "s" after "vcpu".
    client.change(URI, 2, [{ range: { start: { line: 4, character: 6 }, end: { line: 4, character: 6 } }, text: 's' }]);
    const fixed = await client.diagnostics(URI, (_d, v) => v === 2);
    assert.deepEqual(fixed, []);
    client.close(URI);
    assert.deepEqual(await client.diagnostics(URI, (_d, v) => v === undefined), [], 'closing clears the diagnostics');
  });

  test('typing fast publishes once for the last version (debounced)', async () => {
    const uri = 'file:///work/debounce.vps';
    client.open(uri, 'host {\n  pcpus 4\n}\n', 1);
    await client.diagnostics(uri, (_d, v) => v === 1);
    const seen: (number | undefined)[] = [];
    const off = client.onPublish((p) => {
      if (p.uri === uri) seen.push(p.version);
    });
    for (let v = 2; v <= 6; v++) client.change(uri, v, [{ range: { start: { line: 2, character: 1 }, end: { line: 2, character: 1 } }, text: '\n' }]);
    await client.diagnostics(uri, (_d, v) => v === 6);
    off.dispose();
    assert.ok(!seen.includes(3) && !seen.includes(4), `published for intermediate versions: ${seen}`);
    client.close(uri);
  });

  test('every feature answers over the wire', async () => {
    client.open(URI, SCENARIO, 1);
    await client.diagnostics(URI, (_d, v) => v === 1);
    const td = { textDocument: { uri: URI } };

    const completion = await client.request<CompletionList>('textDocument/completion', { ...td, position: pos(SCENARIO, 'target_vp 1', 10) });
    assert.deepEqual(completion.items.map((i) => i.label), ['0', '1', '2', '3']);
    const kw = await client.request<CompletionList>('textDocument/completion', { ...td, position: pos(SCENARIO, '  guest {', 0) });
    const vcpusItem = kw.items.find((i) => i.label === 'pool');
    assert.ok(vcpusItem && !kw.items.some((i) => i.label === 'vcpus'), 'settings already present are not offered');
    assert.equal((vcpusItem!.documentation as MarkupContent).kind, 'markdown');

    const hover = await client.request<Hover>('textDocument/hover', { ...td, position: pos(SCENARIO, 'io_uring_cancel off', 3) });
    const md = (hover.contents as MarkupContent).value;
    assert.match(md, /base: `off`/);
    assert.match(md, /variant `cancel_on`: `on`/);
    assert.deepEqual(hover.range, { start: pos(SCENARIO, 'io_uring_cancel off'), end: pos(SCENARIO, 'io_uring_cancel off', 15) });

    const def = await client.request<Location[]>('textDocument/definition', { ...td, position: pos(SCENARIO, 'lock big 10us', 6) });
    assert.deepEqual(def, [{ uri: URI, range: { start: pos(SCENARIO, 'lock big {', 5), end: pos(SCENARIO, 'lock big {', 8) } }]);

    const refs = await client.request<Location[]>('textDocument/references', { ...td, position: pos(SCENARIO, 'vm web {', 4), context: { includeDeclaration: true } });
    assert.equal(refs.length, 2, 'the base VM and its override in the variant');

    const hl = await client.request<DocumentHighlight[]>('textDocument/documentHighlight', { ...td, position: pos(SCENARIO, 'lock big {', 6) });
    assert.deepEqual(hl.map((h) => h.kind), [3, 2]);

    const prep = await client.request<{ range: unknown; placeholder: string }>('textDocument/prepareRename', { ...td, position: pos(SCENARIO, 'lock big {', 6) });
    assert.equal(prep.placeholder, 'big');
    await assert.rejects(client.request('textDocument/prepareRename', { ...td, position: pos(SCENARIO, 'pcpus', 1) }), /keyword/);
    const rename = await client.request<WorkspaceEdit>('textDocument/rename', { ...td, position: pos(SCENARIO, 'lock big {', 6), newName: 'giant' });
    const renamed = applyLspEdits(SCENARIO, rename.changes![URI]);
    assert.match(renamed, /lock giant \{ kind spin \}/);
    assert.match(renamed, /lock giant 10us/);
    await assert.rejects(client.request('textDocument/rename', { ...td, position: pos(SCENARIO, 'lock big {', 6), newName: '9lives' }), /not a valid name/);

    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', td);
    assert.deepEqual(symbols.map((s) => s.name), ['host', 'web', 'cancel_on']);
    assert.deepEqual(symbols[1].children!.map((s) => s.name), ['openhcl', 'guest']);

    const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', td);
    assert.deepEqual(folds.map((f) => [f.startLine, f.endLine]), [[0, 1], [4, 13], [6, 8], [10, 12], [16, 17]]);

    const sel = await client.request<SelectionRange[]>('textDocument/selectionRange', { ...td, positions: [pos(SCENARIO, '50us', 1)] });
    let depth = 0;
    for (let r: SelectionRange | undefined = sel[0]; r; r = r.parent) depth++;
    assert.ok(depth >= 6, `selection chain depth ${depth}`);

    const tokens = await client.request<SemanticTokens>('textDocument/semanticTokens/full', td);
    assert.equal(tokens.data.length % 5, 0);
    assert.ok(tokens.data.length / 5 > 40);

    const messy = 'host {\npcpus   4  \n}\n\n\n\nvm a {vcpus 2}';
    const uri2 = 'file:///work/messy.vps';
    client.open(uri2, messy, 1);
    const edits = await client.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri: uri2 }, options: { tabSize: 4, insertSpaces: true } });
    assert.equal(applyLspEdits(messy, edits), 'host {\n  pcpus 4\n}\n\nvm a { vcpus 2 }\n');
    const rangeEdits = await client.request<TextEdit[]>('textDocument/rangeFormatting', {
      textDocument: { uri: uri2 },
      range: { start: { line: 1, character: 0 }, end: { line: 1, character: 3 } },
      options: { tabSize: 2, insertSpaces: true },
    });
    assert.equal(applyLspEdits(messy, rangeEdits), 'host {\n  pcpus 4\n}\n\n\n\nvm a {vcpus 2}');
    client.close(uri2);
  });

  test('quick fixes come from the diagnostics, preferred first', async () => {
    const uri = 'file:///work/fix.vps';
    const text = 'host {\n  pcpus 4\n}\nvm web {\n  vcpu 4\n}\n';
    client.open(uri, text, 1);
    const diags = await client.diagnostics(uri, (d) => d.length > 0);
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 4, character: 3 }, end: { line: 4, character: 3 } },
      context: { diagnostics: diags.filter((d) => d.code === 'VPS100') },
    });
    assert.deepEqual(actions.map((a) => [a.title, a.kind, !!a.isPreferred]), [
      ["Change to 'vcpus'", 'quickfix', true],
      ["Change to 'cpus'", 'quickfix', false],
    ]);
    assert.equal(actions[0].diagnostics![0].code, 'VPS100');
    assert.equal(applyLspEdits(text, actions[0].edit!.changes![uri]), text.replace('vcpu 4', 'vcpus 4'));
    const none = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 4, character: 3 }, end: { line: 4, character: 3 } },
      context: { diagnostics: [], only: ['refactor'] },
    });
    assert.deepEqual(none, []);
    client.close(uri);
  });

  test('related information points at the other places of a diagnostic', async () => {
    const uri = 'file:///work/unclosed.vps';
    client.open(uri, 'host {\n  pcpus 4\nvm web {\n  vcpus 2\n}\n', 1);
    const diags = await client.diagnostics(uri, (d) => d.length > 0);
    const unclosed = diags.find((d) => d.code === 'VPS005')!;
    assert.deepEqual(unclosed.range, { start: { line: 0, character: 5 }, end: { line: 0, character: 6 } });
    assert.deepEqual(unclosed.relatedInformation?.map((r) => [r.location.uri, r.location.range.start.line]), [[uri, 2]]);
    client.close(uri);
  });

  test('the custom vpscope/scenario request answers with the lowered scenario (typed by the shared protocol)', async () => {
    client.open(URI, SCENARIO, 3);
    const r = await client.connection.sendRequest(ScenarioRequest.type, { textDocument: { uri: URI } });
    assert.ok(r);
    assert.equal(r.version, 3);
    assert.equal(r.errors, 0);
    assert.deepEqual(r.variants, ['cancel_on']);
    assert.equal(r.scenario?.vms[0].name, 'web');
    assert.equal(r.scenario?.variants[0].scenario.vms[0].openhcl?.ioUringCancel, true);
    assert.equal(await client.connection.sendRequest(ScenarioRequest.type, { textDocument: { uri: 'file:///not/open.vps' } }), null);
    await assert.rejects(client.request(ScenarioRequest.method, {}), /uri/);
    client.close(URI);
  });

  test('malformed requests get errors or clamped answers, and the server survives', async () => {
    client.open(URI, SCENARIO, 1);
    const td = { textDocument: { uri: URI } };
    const far = await client.request<Hover | null>('textDocument/hover', { ...td, position: { line: 10_000, character: 5 } });
    assert.equal(far, null);
    const neg = await client.request<CompletionList>('textDocument/completion', { ...td, position: { line: -3, character: -7 } });
    assert.ok(neg.items.some((i) => i.label === 'vm'), 'a negative position means the start of the document');
    const pastLine = await client.request<Location[]>('textDocument/definition', { ...td, position: { line: 12, character: 999 } });
    assert.ok(Array.isArray(pastLine));
    await assert.rejects(client.request('textDocument/hover', { ...td, position: { line: 'x', character: null } }), /invalid position/);
    await assert.rejects(client.request('textDocument/selectionRange', { ...td, positions: 'nope' }), /positions/);
    assert.equal(await client.request('textDocument/hover', { textDocument: { uri: 'file:///never/opened.vps' }, position: { line: 0, character: 0 } }), null);
    await assert.rejects(client.request('textDocument/formatting', {}), /./);
    const sel = await client.request<SelectionRange[]>('textDocument/selectionRange', { ...td, positions: [{ line: 99, character: 99 }] });
    assert.equal(sel.length, 1);
    // A cancelled request either completes or fails with RequestCancelled; the server goes on.
    const cts = new CancellationTokenSource();
    const p = client.connection.sendRequest('textDocument/hover', { ...td, position: { line: 1, character: 3 } }, cts.token);
    cts.cancel();
    await p.then(
      () => {},
      (e: { code?: number }) => assert.equal(e.code, -32800),
    );
    const ok = await client.request<Hover>('textDocument/hover', { ...td, position: pos(SCENARIO, 'pcpus', 1) });
    assert.match((ok.contents as MarkupContent).value, /physical CPUs/);
    assert.equal(client.process.exitCode, null);
    client.close(URI);
  });

  test('workspace symbols cover open documents and .vps files in the workspace folders', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-ws-'));
    mkdirSync(join(dir, 'sub'));
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'sub', 'other.vps'), 'host { pcpus 2 }\nvm database { vcpus 2 }\n');
    writeFileSync(join(dir, 'node_modules', 'skip.vps'), 'host { pcpus 2 }\nvm dbskipped { vcpus 2 }\n');
    const ws = await startClient({ capabilities: pushCapabilities, workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'ws' }] });
    try {
      ws.open(URI, SCENARIO, 1);
      // A query waits for the background index at most INDEX_BUDGET_MS, then answers with the
      // files indexed so far (workspaceFiles.ts); on a loaded machine the worker may start later
      // than that, so ask again until the index is complete, as a user's next query would.
      let names: string[] = [];
      for (let i = 0; i < 60 && !names.includes('database'); i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 250));
        const all = await ws.request<SymbolInformation[]>('workspace/symbol', { query: '' });
        names = all.map((s) => s.name).sort();
      }
      assert.ok(names.includes('database') && names.includes('web') && names.includes('nvme'), names.join(' '));
      assert.ok(!names.includes('dbskipped'), 'node_modules is skipped');
      const db = await ws.request<SymbolInformation[]>('workspace/symbol', { query: 'dtb' });
      assert.deepEqual(db.map((s) => [s.name, s.location.uri.endsWith('/sub/other.vps'), s.location.range.start.line]), [['database', true, 1]]);
    } finally {
      assert.equal(await ws.shutdown(), 0);
    }
  });

  test('shutdown and exit end the process with code 0', async () => {
    assert.equal(await client.shutdown(), 0);
  });
});

describe('LSP lifecycle edge cases', () => {
  test('exit without shutdown ends the process with code 1; closing stdin ends it too', async () => {
    const a = await startClient();
    const exitedA = new Promise<number | null>((r) => a.process.on('exit', (c) => r(c)));
    await a.connection.sendNotification('exit');
    assert.equal(await exitedA, 1);
    const b = await startClient();
    const exitedB = new Promise<number | null>((r) => b.process.on('exit', (c) => r(c)));
    b.process.stdin!.end();
    assert.notEqual(await exitedB, null);
  });
});

describe('LSP with a VS Code-like client (pull diagnostics)', () => {
  test('answers textDocument/diagnostic and does not push', async () => {
    const client = await startClient({ capabilities: vscodeCapabilities });
    try {
      assert.deepEqual(client.initializeResult.capabilities.diagnosticProvider, { identifier: 'vpscope', interFileDependencies: false, workspaceDiagnostics: false });
      let pushed = 0;
      client.onPublish(() => pushed++);
      client.open(URI, 'host {\n  pcpus 4\n}\nvm web {\n  vcpu 4\n}\n', 1);
      const report = await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri: URI } });
      assert.equal(report.kind, 'full');
      const items = report.kind === 'full' ? report.items : [];
      assert.deepEqual(items.map((d) => d.code), ['VPS113', 'VPS100']);
      const again = await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri: URI }, previousResultId: report.kind === 'full' ? report.resultId : undefined });
      assert.equal(again.kind, 'unchanged');
      client.change(URI, 2, [{ range: { start: { line: 4, character: 6 }, end: { line: 4, character: 6 } }, text: 's' }]);
      const after = await client.request<DocumentDiagnosticReport>('textDocument/diagnostic', { textDocument: { uri: URI }, previousResultId: '1' });
      assert.deepEqual(after.kind === 'full' ? after.items : null, []);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(pushed, 0);
    } finally {
      assert.equal(await client.shutdown(), 0);
    }
  });
});

describe('LSP with a minimal client', () => {
  test('plain text, no snippets, flat symbols, no code actions or semantic tokens', async () => {
    const client = await startClient({ capabilities: minimalCapabilities });
    try {
      const caps = client.initializeResult.capabilities;
      assert.equal(caps.codeActionProvider, undefined);
      assert.equal(caps.semanticTokensProvider, undefined);
      assert.equal(caps.renameProvider, true);
      client.open(URI, SCENARIO, 1);
      const td = { textDocument: { uri: URI } };
      const hover = await client.request<Hover>('textDocument/hover', { ...td, position: pos(SCENARIO, 'pcpus', 1) });
      assert.equal((hover.contents as MarkupContent).kind, 'plaintext');
      assert.ok(!(hover.contents as MarkupContent).value.includes('```'));
      const completion = await client.request<CompletionList>('textDocument/completion', { ...td, position: pos(SCENARIO, '  guest {', 0) });
      assert.ok(completion.items.every((i) => i.insertTextFormat === 1), 'no snippets');
      const symbols = await client.request<SymbolInformation[]>('textDocument/documentSymbol', td);
      assert.ok(symbols.every((s) => 'location' in s));
      assert.ok(symbols.some((s) => s.name === 'nvme' && s.containerName === 'openhcl'));
      const diags = await client.diagnostics(URI, () => true);
      assert.ok(Array.isArray(diags));
    } finally {
      assert.equal(await client.shutdown(), 0);
    }
  });
});
