/**
 * The language server under hostile input (issue 13): malformed frames, the lifecycle around
 * `initialize` / `shutdown` / `exit`, a trace "file" that is a FIFO, and workspace symbols over a
 * workspace holding one large file. Each test failed before its fix: the server went deaf, buffered
 * without bound, answered outside the lifecycle, hung after `exit`, or blocked every request for
 * seconds.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import type { Hover, SymbolInformation } from 'vscode-languageserver-protocol';
import { MAX_FRAME_BYTES } from '../../server/src/lsp/transport';
import { genScenario } from '../bench/genScenario';
import { pushCapabilities, startClient } from './harness';
import { startRaw, type RawClient } from './raw';
import { TRACES_DIR } from '../traces';

const DOC = 'file:///hostile/a.vps';
const TEXT = 'host { pcpus 2 }\nvm web { vcpus 2 }\n';

/** A request that needs the server's attention: answered means the reader is in sync. */
async function alive(c: RawClient, timeoutMs = 3000): Promise<void> {
  const r = await c.request('textDocument/documentSymbol', { textDocument: { uri: DOC } }, timeoutMs);
  assert.ok(Array.isArray(r.result), `documentSymbol answered ${JSON.stringify(r)}`);
  assert.ok((r.result as { name: string }[]).some((s) => s.name === 'web'));
  assert.equal(c.child.exitCode, null);
}

const body = (o: object) => JSON.stringify(o);
const req = (id: number) => body({ jsonrpc: '2.0', id, method: 'textDocument/hover', params: { textDocument: { uri: DOC }, position: { line: 0, character: 0 } } });

/** Malformed frames: the bytes, and the error the server answers with (id null). */
const MALFORMED: [string, string | Buffer, number][] = [
  ['no Content-Length', `Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n${req(900)}`, -32700],
  ['non-numeric Content-Length', `Content-Length: abc\r\n\r\n${req(901)}`, -32700],
  ['negative Content-Length', `Content-Length: -5\r\n\r\n${req(902)}`, -32700],
  ['fractional Content-Length', `Content-Length: 1.5e2\r\n\r\n${req(903)}`, -32700],
  ['Content-Length shorter than the body', `Content-Length: 20\r\n\r\n${req(904)}`, -32700],
  ['Content-Length longer than the body', `Content-Length: 5000\r\n\r\n${req(905)}`, -32700],
  ['Content-Length over the frame cap', `Content-Length: ${MAX_FRAME_BYTES + 1}\r\n\r\n${req(906)}`, -32700],
  ['Content-Length of a terabyte', `Content-Length: 1099511627776\r\n\r\n${req(907)}`, -32700],
  ['empty body', 'Content-Length: 0\r\n\r\n', -32700],
  ['body is not JSON', 'Content-Length: 7\r\n\r\nnot{js}', -32700],
  ['body is a JSON array', 'Content-Length: 2\r\n\r\n[]', -32600],
  ['body is JSON null', 'Content-Length: 4\r\n\r\nnull', -32600],
  ['junk between frames', 'garbage garbage\r\n\r\n', -32700],
  ['binary junk', Buffer.from([0, 255, 13, 10, 13, 10, 7, 0x1b, 0x5b]), -32700],
  ['a header line without a colon', `Content-Length: 10\r\nbogus\r\n\r\n${req(908)}`, -32700],
  ['two different Content-Length headers', `Content-Length: 10\r\nContent-Length: 11\r\n\r\n${req(909)}`, -32700],
];

describe('malformed frames are rejected and the server keeps reading', () => {
  let c: RawClient;
  before(async () => {
    c = await startRaw();
    await c.initialize();
    c.notify('textDocument/didOpen', { textDocument: { uri: DOC, languageId: 'vpscope', version: 1, text: TEXT } });
    await alive(c);
  });
  after(() => c.kill());

  for (const [name, bytes, code] of MALFORMED) {
    test(name, async () => {
      const before = c.nullErrors.length;
      c.raw(bytes);
      await alive(c);
      const errors = c.nullErrors.slice(before);
      assert.ok(errors.length >= 1, `no error for the malformed frame; stderr: ${c.stderr().slice(-500)}`);
      assert.equal(errors[0].code, code, JSON.stringify(errors));
      // The frame's request (ids 900+) was not answered: only the valid requests were.
    });
  }

  test('a frame split into single bytes, then a header split across writes', async () => {
    for (const b of c.frame({ jsonrpc: '2.0', id: 7777, method: 'textDocument/hover', params: { textDocument: { uri: DOC }, position: { line: 0, character: 1 } } })) c.raw(Buffer.from([b]));
    await alive(c);
  });

  test('a huge declared length followed by 80 MB of junk: the server skips it without buffering it', async () => {
    const before = c.nullErrors.length;
    c.raw('Content-Length: 99999999999\r\n\r\n');
    const mb = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 80; i++) {
      if (!c.child.stdin!.write(mb)) await new Promise((r) => c.child.stdin!.once('drain', r));
    }
    await alive(c, 20_000);
    assert.ok(c.nullErrors.length > before);
    const peak = c.peakRssKb();
    // Node and the server take ~60-100 MB; buffering the junk would add 80 MB (and more: copies).
    if (peak !== undefined) assert.ok(peak < 170 * 1024, `peak RSS ${Math.round(peak / 1024)} MB`);
  });

  // Found by attack11: vscode-jsonrpc reads a cancel's `params.id` inside the reader's callback;
  // without params (or with an id it cannot key) it threw there, the frame reader took that for
  // its own error and dropped every frame buffered behind the cancel: the request written with it
  // was never answered, and the client got a ParseError for a well-formed frame.
  for (const params of [undefined, null, 5, 'x', {}, { id: null }, { id: { x: 1 } }, { id: [1] }, { id: true }]) {
    test(`a $/cancelRequest with params ${JSON.stringify(params)} in one write with a request: the request is answered`, async () => {
      const before = c.nullErrors.length;
      const cancel = c.frame({ jsonrpc: '2.0', method: '$/cancelRequest', ...(params !== undefined ? { params } : {}) });
      c.raw(cancel);
      // Written in the same tick as the cancel: one read of the server's stdin holds both.
      const r = await c.request('textDocument/documentSymbol', { textDocument: { uri: DOC } }, 5000);
      assert.ok(Array.isArray(r.result), JSON.stringify(r));
      await alive(c);
      assert.deepEqual(c.nullErrors.slice(before), [], 'a well-formed frame is not a parse error');
    });
  }

  // Found by attack11, fixed by attack12: the gate dropped those cancels without a word (its
  // onRefused hook was not connected in server.ts); the first are now logged on stderr, bounded.
  test('the dropped cancels are logged on stderr, and a flood of them writes a bounded log', async () => {
    assert.match(c.stderr(), /dropped a \$\/cancelRequest notification: its params have no request id/);
    const bad = c.frame({ jsonrpc: '2.0', method: '$/cancelRequest', params: {} });
    const before = c.stderr().split('\n').length;
    c.raw(Buffer.concat(new Array(5000).fill(bad)));
    await alive(c);
    const lines = c.stderr().split('\n').length - before;
    assert.ok(lines <= 20, `${lines} lines for 5,000 dropped cancels`);
    assert.match(c.stderr(), /notifications dropped by the lifecycle gate so far/);
  });
});

describe('lifecycle: before initialize, after shutdown, exit', () => {
  test('requests before initialize get ServerNotInitialized; notifications are dropped', async () => {
    const c = await startRaw();
    try {
      const early = await c.request('textDocument/hover', { textDocument: { uri: DOC }, position: { line: 0, character: 0 } });
      assert.equal(early.error?.code, -32002, JSON.stringify(early));
      const early2 = await c.request('workspace/symbol', { query: '' });
      assert.equal(early2.error?.code, -32002);
      c.notify('textDocument/didOpen', { textDocument: { uri: DOC, languageId: 'vpscope', version: 1, text: TEXT } });
      const init = await c.initialize();
      assert.ok((init.result as { capabilities: object }).capabilities);
      // The didOpen before initialize was dropped: the document is not open.
      const sym = await c.request('textDocument/documentSymbol', { textDocument: { uri: DOC } });
      assert.equal(sym.result, null);
      const again = await c.request('initialize', { processId: null, rootUri: null, capabilities: {} });
      assert.equal(again.error?.code, -32600, 'a second initialize is an invalid request');
    } finally {
      c.kill();
    }
  });

  test('requests after shutdown get InvalidRequest; exit then ends the process with 0', async () => {
    const c = await startRaw();
    await c.initialize();
    c.notify('textDocument/didOpen', { textDocument: { uri: DOC, languageId: 'vpscope', version: 1, text: TEXT } });
    await alive(c);
    const s = await c.request('shutdown');
    assert.equal(s.error, undefined);
    assert.equal(s.result, null);
    const late = await c.request('textDocument/documentSymbol', { textDocument: { uri: DOC } });
    assert.equal(late.error?.code, -32600, JSON.stringify(late));
    const late2 = await c.request('shutdown');
    assert.equal(late2.error?.code, -32600);
    c.notify('exit');
    assert.equal(await c.exited, 0);
  });

  test('analyzeTrace of a FIFO is refused at once, and exit still ends the process promptly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-fifo-'));
    const fifo = join(dir, 'trace.fifo');
    execFileSync('mkfifo', [fifo]);
    const c = await startRaw();
    await c.initialize();
    const t0 = performance.now();
    const r = await c.request('vpscope/analyzeTrace', { path: fifo }, 5000);
    assert.equal(r.error?.code, -32602, JSON.stringify(r));
    assert.match(r.error!.message, /not a regular file/);
    assert.ok(performance.now() - t0 < 2000);
    await c.request('shutdown');
    const t1 = performance.now();
    c.notify('exit');
    const timer = setTimeout(() => c.kill(), 5000);
    const code = await c.exited;
    clearTimeout(timer);
    assert.equal(code, 0, 'exited by itself with 0');
    assert.ok(performance.now() - t1 < 2000, `exit took ${Math.round(performance.now() - t1)} ms`);
  });

  test('exit during a long simulation terminates the worker and the process at once', async () => {
    const c = await startRaw();
    await c.initialize();
    const uri = 'file:///hostile/long.vps';
    const text = readFileSync(join(__dirname, '../../examples/openhcl-blocking-syscall.vps'), 'utf8').replace(/duration 300ms/, 'duration 1000s\n  wall_limit 600s');
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'vpscope', version: 1, text } });
    const run = c.request('vpscope/simulate', { textDocument: { uri } }, 30_000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 700));
    await c.request('shutdown');
    const t1 = performance.now();
    c.notify('exit');
    const timer = setTimeout(() => c.kill(), 5000);
    const code = await c.exited;
    clearTimeout(timer);
    void run;
    assert.equal(code, 0);
    assert.ok(performance.now() - t1 < 2000, `exit took ${Math.round(performance.now() - t1)} ms`);
  });
});

describe('workspace symbols with one large file in the workspace', () => {
  test('other requests answer meanwhile, the query answers within its budget, cancellation is honoured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-bigws-'));
    // ~2.2 MB, 100k lines: its analysis takes seconds.
    writeFileSync(join(dir, 'big.vps'), genScenario({ lines: 100_000 }));
    writeFileSync(join(dir, 'small.vps'), 'host { pcpus 2 }\nvm database { vcpus 2 }\n');
    const ws = await startClient({ capabilities: pushCapabilities, workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'ws' }] });
    try {
      ws.open(DOC, TEXT, 1);
      // A first query starts indexing; a hover sent right after it must not wait for the index.
      const t0 = performance.now();
      const first = ws.request<SymbolInformation[]>('workspace/symbol', { query: '' });
      await new Promise((r) => setTimeout(r, 20));
      const th = performance.now();
      const hover = await ws.request<Hover | null>('textDocument/hover', { textDocument: { uri: DOC }, position: { line: 0, character: 8 } });
      const hoverMs = performance.now() - th;
      assert.ok(hover, 'hover answered');
      assert.ok(hoverMs < 1000, `hover took ${Math.round(hoverMs)} ms while the workspace was indexed`);
      const symbols = await first;
      const firstMs = performance.now() - t0;
      assert.ok(firstMs < 2500, `workspace/symbol took ${Math.round(firstMs)} ms`);
      assert.ok(symbols.some((s) => s.name === 'web'), 'open documents are always in the answer');
      console.log(`workspace/symbol with a 2.2 MB file being indexed: ${Math.round(firstMs)} ms; a hover meanwhile: ${Math.round(hoverMs)} ms`);
      // Later queries see the large file once it is indexed.
      let big: SymbolInformation[] = [];
      for (let i = 0; i < 120 && !big.some((s) => s.location.uri.endsWith('/big.vps')); i++) {
        big = await ws.request<SymbolInformation[]>('workspace/symbol', { query: '' });
        if (!big.some((s) => s.location.uri.endsWith('/big.vps'))) await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(big.some((s) => s.location.uri.endsWith('/big.vps')), 'the large file was indexed');
      const db = await ws.request<SymbolInformation[]>('workspace/symbol', { query: 'database' });
      assert.ok(db.some((s) => s.name === 'database' && s.location.uri.endsWith('/small.vps')), 'the small file is indexed too');
      // A changed large file is indexed again; a query cancelled while it waits answers RequestCancelled at once.
      writeFileSync(join(dir, 'big.vps'), genScenario({ lines: 100_000, seed: 2 }));
      const cts = new CancellationTokenSource();
      const t2 = performance.now();
      const cancelled = ws.connection.sendRequest('workspace/symbol', { query: 'x' }, cts.token);
      setTimeout(() => cts.cancel(), 50);
      await assert.rejects(cancelled, (e: { code?: number }) => e.code === -32800);
      assert.ok(performance.now() - t2 < 400, `cancellation took ${Math.round(performance.now() - t2)} ms`);
    } finally {
      assert.equal(await ws.shutdown(), 0);
    }
  });
});

describe('attack documents over stdio: the server keeps answering', () => {
  test('1,000,000 statements, a 1 MB line, 100,000 nested blocks: bounded diagnostics and answers, the server alive', async () => {
    const c = await startClient({ capabilities: pushCapabilities });
    try {
      c.open(DOC, TEXT, 1);
      const ping = async () => {
        const t = performance.now();
        assert.ok(await c.request<Hover | null>('textDocument/hover', { textDocument: { uri: DOC }, position: { line: 0, character: 8 } }));
        return performance.now() - t;
      };
      // Before: more than 20 s without an answer and 1.4 GB (measured here); now one VPS146.
      const million = 'file:///hostile/million.vps';
      c.open(million, 'host { pcpus 2 }\n' + 'x\n'.repeat(1_000_000));
      const d = await c.diagnostics(million, (ds) => ds.length > 0, 60_000);
      // 1,000,002 statements: the checker's bound (VPS146) and, at the last two, the parser's (VPS014).
      assert.deepEqual(d.map((x) => x.code), ['VPS146', 'VPS014']);
      assert.deepEqual(await c.request('textDocument/inlayHint', { textDocument: { uri: million }, range: { start: { line: 0, character: 0 }, end: { line: 1_000_001, character: 0 } } }), []);
      c.close(million);
      const line = 'file:///hostile/line.vps';
      c.open(line, 'host { pcpus 2 } ' + 'vm a { vcpus 2 } '.repeat(60_000));
      await c.diagnostics(line, (ds) => ds.length > 0, 60_000);
      assert.ok((await ping()) < 10_000);
      c.close(line);
      const nest = 'file:///hostile/nest.vps';
      c.open(nest, 'vm a ' + '{ '.repeat(100_000) + '}'.repeat(100_000) + '\n');
      const nd = await c.diagnostics(nest, (ds) => ds.length > 0, 60_000);
      assert.ok(nd.length > 0 && nd.length <= 1001, `${nd.length} diagnostics`);
      const edits = await c.request<unknown[]>('textDocument/formatting', { textDocument: { uri: nest }, options: { tabSize: 2, insertSpaces: true } });
      assert.ok(JSON.stringify(edits).length < 1_000_000, `${JSON.stringify(edits).length} bytes of edits (5 MB before)`);
      assert.ok((await ping()) < 10_000);
      assert.equal(c.process.exitCode, null);
    } finally {
      assert.equal(await c.shutdown(), 0);
    }
  });
});

describe('names of 1,000,000 characters are clipped wherever the server echoes them', () => {
  test('hover, document and workspace symbols, completion labels, inlay hints, code lens titles: bounded', async () => {
    const L = 1_000_000;
    const [N, T, V, S] = ['n', 't', 'v', 's'].map((ch) => ch.repeat(L));
    const text =
      `scenario "${'x'.repeat(L)}" { duration 1ms }\nhost { pcpus 4 }\n` +
      `vm ${N} { vcpus 2\n guest { thread ${T} { every 1ms; cpu 100us } }\n openhcl { storvsp ${S} { disk d { latency 1ms } } } }\n` +
      `variant ${V} { vm ${N} { vcpus 3 } }\nvariant w { based_on  }\n`;
    const uri = 'file:///hostile/longnames.vps';
    // 6 MB: above the live-analysis bound (4 MB by default, VPS148), raised for this test.
    const c = await startClient({ capabilities: pushCapabilities, initializationOptions: { inlayHints: { enabled: true }, diagnostics: { maxDocumentMB: 16 } } });
    try {
      c.open(uri, text, 1);
      await c.diagnostics(uri, () => true, 60_000);
      const doc = { textDocument: { uri } };
      // Every answer below quoted a whole name before: 2 MB per hover, 7 MB of outline, 10 MB of
      // workspace symbols, 3 MB of code lenses (measured here).
      const bounded = (what: string, x: unknown, max = 20_000) => {
        const n = JSON.stringify(x).length;
        assert.ok(n < max, `${what}: ${n} bytes`);
      };
      for (const line of [2, 3, 4, 5]) {
        const h = await c.request<Hover | null>('textDocument/hover', { ...doc, position: { line, character: 12 } });
        bounded(`hover on line ${line}`, h);
      }
      const vh = await c.request<Hover | null>('textDocument/hover', { ...doc, position: { line: 5, character: L + 21 } });
      assert.ok(vh, 'hover on the variant vcpus');
      bounded('hover on a variant value', vh);
      assert.match(JSON.stringify(vh), /vvvv\.\.\. \(1,000,000 characters\)/);
      bounded('document symbols', await c.request('textDocument/documentSymbol', doc));
      bounded('workspace symbols', await c.request('workspace/symbol', { query: '' }));
      bounded('inlay hints', await c.request('textDocument/inlayHint', { ...doc, range: { start: { line: 0, character: 0 }, end: { line: 7, character: 0 } } }));
      bounded('code lenses (titles)', ((await c.request<{ command: { title: string } }[]>('textDocument/codeLens', doc)) ?? []).map((l) => l.command.title));
      const items = await c.request<{ items: { label: string; detail?: string; documentation?: unknown }[] }>('textDocument/completion', { ...doc, position: { line: 6, character: 21 } });
      const v = items.items.find((i) => i.label.startsWith('vvvv'));
      assert.ok(v, JSON.stringify(items.items.map((i) => i.label.slice(0, 20))));
      // The label, detail and documentation are clipped; the inserted text stays the name itself.
      bounded('completion labels, details and documentation', items.items.map((i) => [i.label, i.detail, i.documentation]));
    } finally {
      assert.equal(await c.shutdown(), 0);
    }
  });
});

describe('requests echoing 10 MB of client text answer bounded errors', () => {
  // Before: a 10 MB path was answered with a 20 MB error (the worker's "cannot read PATH: ...
  // open 'PATH'"), a 10 MB URI with a 10 MB one, and a document whose name has 10 M characters
  // failed its outline and hover with "Maximum call stack size exceeded" (core/text clipRuns).
  test('analyzeTrace and simulate quote paths, URIs and names clipped; outline and hover of a 10 M name answer', async () => {
    const L = 10_000_000;
    const big = 'n'.repeat(L);
    const c = await startRaw();
    try {
      await c.initialize();
      const uri = 'file:///hostile/huge-name.vps';
      c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'vpscope', version: 1, text: `host { pcpus 2 }\nvm ${big} { vcpus 2 }\n` } });
      const bounded = (what: string, r: { error?: { message: string }; result?: unknown }, max = 3000) => {
        const n = JSON.stringify(r).length;
        assert.ok(n < max, `${what}: ${n} bytes`);
      };
      const sym = await c.request('textDocument/documentSymbol', { textDocument: { uri } }, 60_000);
      assert.equal(sym.error, undefined, JSON.stringify(sym.error));
      bounded('document symbols', sym);
      const hover = await c.request('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 5 } }, 60_000);
      assert.equal(hover.error, undefined, JSON.stringify(hover.error));
      bounded('hover', hover);
      const trace = join(TRACES_DIR, 'r1_1x_n2', 'r1_1x_n2.tracefs_trace.txt.gz');
      for (const [params, code, re] of [
        [{ path: `/${big}` }, -32803, /^cannot read \/n+\.\.\. \(10,000,00\d characters\)/],
        [{ uri: `http://${big}` }, -32602, /^http:\/\/n+\.\.\. \(10,000,007 characters\) is not a file URI$/],
        [{ path: trace, guestPath: `/${big}` }, undefined, /n\.\.\. \(10,000,00\d characters\)/],
        [{ path: `/${big}`, workDoneToken: 'tok' }, -32803, /^cannot read/],
      ] as const) {
        const r = await c.request('vpscope/analyzeTrace', params, 60_000);
        assert.ok(r.error, JSON.stringify(r).slice(0, 300));
        if (code !== undefined) assert.equal(r.error.code, code);
        assert.match(r.error.message, re);
        bounded('analyzeTrace error', r);
      }
      const sim = await c.request('vpscope/simulate', { textDocument: { uri: `file:///${big}` } }, 60_000);
      assert.equal(sim.error?.code, -32602);
      assert.match(sim.error!.message, /\(10,000,008 characters\) is not an open document/);
      bounded('simulate error', sim);
      const variant = await c.request('vpscope/simulate', { textDocument: { uri }, variant: big }, 60_000);
      assert.equal(variant.error?.code, -32602);
      bounded('simulate unknown variant', variant);
      // Typed parameters of the wrong type are refused as such, the server keeps answering.
      for (const p of [null, [], { path: 5 }, { path: '/x', hostClock: 5 }, { path: '/x', guestPath: '/y', guestOffsetNs: '5' }, { path: '/x', guestPath: '/y', guestOffsetNs: 1e30 }, { path: '/x', thresholdUs: '5' }, { path: '/x', view: 'yes' }, { path: '/x', hostClock: '__proto__' }]) {
        const r = await c.request('vpscope/analyzeTrace', p, 10_000);
        assert.equal(r.error?.code, -32602, `${JSON.stringify(p)}: ${JSON.stringify(r)}`);
      }
      assert.equal(c.child.exitCode, null);
      await c.request('shutdown');
      c.notify('exit');
      assert.equal(await c.exited, 0);
    } finally {
      c.kill();
    }
  });
});

describe('hostile positions and ranges on every request that takes one', () => {
  test('negative, past EOF, 2^31, inside a surrogate pair, reversed, not numbers: a result or InvalidParams, and the server keeps serving', async () => {
    const c = await startRaw();
    try {
      await c.request('initialize', {
        processId: null,
        rootUri: null,
        capabilities: {
          textDocument: {
            synchronization: {},
            completion: { completionItem: { snippetSupport: true } },
            codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } },
            rename: { prepareSupport: true },
            semanticTokens: { requests: { full: { delta: true }, range: true }, tokenTypes: ['keyword', 'number', 'variable', 'type', 'property', 'string', 'comment'], tokenModifiers: ['declaration'], formats: ['relative'] },
            inlayHint: {},
            documentSymbol: { hierarchicalDocumentSymbolSupport: true },
          },
        },
      });
      c.notify('initialized', {});
      const uri = 'file:///hostile/positions.vps';
      // A surrogate pair on line 0, CR LF and a lone CR as line ends.
      const text = '# \ud834\udd1e\ud834\udd1e \u202e x\r\nscenario { duration 10ms }\rhost { pcpus 2; load hog { threads 1; cpu 1ms; sleep 1ms } }\nvm web {\n  vcpus 2\n  guest { thread t { every 1ms; cpu 10us } }\n}\nvariant v { vm web { vcpus 1 } }\n';
      c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'vpscope', version: 1, text } });
      const td = { uri };
      const positions: unknown[] = [
        { line: -1, character: -1 },
        { line: 2 ** 31, character: 0 },
        { line: 0, character: 2 ** 31 },
        { line: 0, character: 3 }, // between the two halves of U+1D11E
        { line: 1e308, character: 1e308 },
        { line: 0.5, character: -0 },
        { line: 2, character: -(2 ** 53) },
        { line: '1', character: 0 },
        { line: NaN, character: 0 }, // sent as null
        null,
        {},
        [1, 2],
      ];
      const far = { line: 99_999, character: 7 };
      const requests: [string, (p: unknown) => unknown][] = [
        ['textDocument/completion', (p) => ({ textDocument: td, position: p })],
        ['textDocument/hover', (p) => ({ textDocument: td, position: p })],
        ['textDocument/signatureHelp', (p) => ({ textDocument: td, position: p })],
        ['textDocument/definition', (p) => ({ textDocument: td, position: p })],
        ['textDocument/references', (p) => ({ textDocument: td, position: p, context: { includeDeclaration: true } })],
        ['textDocument/documentHighlight', (p) => ({ textDocument: td, position: p })],
        ['textDocument/prepareRename', (p) => ({ textDocument: td, position: p })],
        ['textDocument/rename', (p) => ({ textDocument: td, position: p, newName: 'w2' })],
        ['textDocument/onTypeFormatting', (p) => ({ textDocument: td, position: p, ch: '}', options: { tabSize: 2, insertSpaces: true } })],
        ['textDocument/selectionRange', (p) => ({ textDocument: td, positions: [p, far] })],
        ['textDocument/codeAction', (p) => ({ textDocument: td, range: { start: far, end: p }, context: { diagnostics: Array.from({ length: 2000 }, () => ({ range: { start: p, end: far }, message: 'forged', code: 'VPS228', data: { p } })) } })],
        ['textDocument/inlayHint', (p) => ({ textDocument: td, range: { start: far, end: p } })],
        ['textDocument/semanticTokens/range', (p) => ({ textDocument: td, range: { start: far, end: p } })],
        ['textDocument/rangeFormatting', (p) => ({ textDocument: td, range: { start: far, end: p }, options: { tabSize: -1, insertSpaces: true } })],
      ];
      for (const [method, params] of requests) {
        for (const p of positions) {
          const r = await c.request(method, params(p), 60_000);
          const what = `${method} at ${JSON.stringify(p)}: ${JSON.stringify(r.error ?? r.result).slice(0, 300)}`;
          if (r.error) assert.ok([-32602, -32600].includes(r.error.code), what);
        }
      }
      for (const previousResultId of ['stale', 7, null]) {
        const r = await c.request('textDocument/semanticTokens/full/delta', { textDocument: td, previousResultId }, 60_000);
        assert.ok(r.result && Array.isArray((r.result as { data?: unknown[] }).data), JSON.stringify(r).slice(0, 200));
      }
      // Incremental changes out of range, reversed, overlapping, malformed; versions out of order.
      let version = 2;
      for (const contentChanges of [
        [{ range: { start: { line: 5, character: 3 }, end: { line: 2, character: 0 } }, text: 'X' }],
        [{ range: { start: { line: 1e9, character: 0 }, end: { line: 1e9, character: 5 } }, text: '\n# end\n' }],
        [{ range: { start: { line: -5, character: -5 }, end: { line: 0, character: 3 } }, text: '#' }],
        [{ range: { start: { line: 0, character: 0 }, end: { line: 3, character: 0 } }, text: 'a' }, { range: { start: { line: 0, character: 0 }, end: { line: 3, character: 0 } }, text: 'b' }],
        [{ range: null, text: 'x' }],
        [{ text: 5 }],
        null,
      ]) {
        c.notify('textDocument/didChange', { textDocument: { uri, version: version++ }, contentChanges });
        const r = await c.request('textDocument/documentSymbol', { textDocument: td }, 60_000);
        assert.ok(r.result === null || Array.isArray(r.result) || r.error?.code === -32602, JSON.stringify(r).slice(0, 200));
      }
      c.notify('textDocument/didChange', { textDocument: { uri, version: 1 }, contentChanges: [{ text: 'host { pcpus 2 }\nvm web { vcpus 2 }\n' }] });
      const r = await c.request('textDocument/documentSymbol', { textDocument: td }, 60_000);
      assert.deepEqual((r.result as { name: string }[]).map((s) => s.name), ['host', 'web']);
      assert.equal(c.child.exitCode, null);
      await c.request('shutdown');
      c.notify('exit');
      assert.equal(await c.exited, 0);
    } finally {
      c.kill();
    }
  });
});
