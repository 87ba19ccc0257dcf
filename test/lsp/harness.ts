/**
 * An LSP client for round-trip tests: starts the bundled server as a child process
 * (`node server.js --stdio`) and speaks JSON-RPC to it with vscode-jsonrpc, the same library the
 * VS Code client uses underneath.
 *
 * The server bundle is built once per test process from `server/src/lsp/server.ts` with the
 * options of `scripts/build.mjs` into a temporary directory, next to the worker bundles it starts
 * (`simWorker.js`, `traceWorker.js`), so these tests do not depend on the rest of the build being
 * healthy. Set `VPSCOPE_SERVER=dist/server.js` to test a given bundle (and the workers beside it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type {
  ClientCapabilities,
  Diagnostic,
  InitializeResult,
  PublishDiagnosticsParams,
  SymbolKind,
  TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol';

const ROOT = resolve(__dirname, '../..');
let bundlePromise: Promise<string> | undefined;

/** Path of a server bundle built from the current sources (once per process). */
export function serverBundle(): Promise<string> {
  if (process.env.VPSCOPE_SERVER) return Promise.resolve(resolve(ROOT, process.env.VPSCOPE_SERVER));
  bundlePromise ??= (async () => {
    // Laid out like the installed extension: dist/ beside docs/codes.md (codeDescription links).
    const top = mkdtempSync(join(tmpdir(), 'vpscope-lsp-'));
    const dir = join(top, 'dist');
    mkdirSync(join(top, 'docs'), { recursive: true });
    copyFileSync(join(ROOT, 'docs', 'codes.md'), join(top, 'docs', 'codes.md'));
    const entries: [string, string][] = [
      ['server/src/lsp/server.ts', 'server.js'],
      ['server/src/sim/worker.ts', 'simWorker.js'],
      ['server/src/lsp/traceWorker.ts', 'traceWorker.js'],
      // The CLI, for comparing the server's answers with `vpscope simulate|analyze --json`.
      ['server/src/cli/main.ts', 'cli.js'],
    ];
    await Promise.all(
      entries.map(([entry, out]) =>
        esbuild.build({
          entryPoints: [join(ROOT, entry)],
          outfile: join(dir, out),
          bundle: true,
          platform: 'node',
          target: 'node20',
          format: 'cjs',
          sourcemap: true,
          logLevel: 'error',
        }),
      ),
    );
    return join(dir, 'server.js');
  })();
  return bundlePromise;
}

/** The CLI bundle built beside the server bundle (`dist/cli.js` with `VPSCOPE_SERVER=dist/server.js`). */
export async function cliBundle(): Promise<string> {
  return join(dirname(await serverBundle()), 'cli.js');
}

/** What VS Code 1.9x announces (trimmed to what the server looks at), pull diagnostics included. */
export const vscodeCapabilities: ClientCapabilities = {
  workspace: {
    applyEdit: true,
    workspaceEdit: { documentChanges: true },
    configuration: true,
    workspaceFolders: true,
    symbol: { dynamicRegistration: true },
    diagnostics: { refreshSupport: true },
    semanticTokens: { refreshSupport: true },
  },
  textDocument: {
    synchronization: { dynamicRegistration: true, didSave: true },
    publishDiagnostics: { relatedInformation: true, tagSupport: { valueSet: [1, 2] }, codeDescriptionSupport: true, dataSupport: true, versionSupport: false },
    diagnostic: { dynamicRegistration: true, relatedDocumentSupport: false },
    completion: {
      completionItem: {
        snippetSupport: true,
        commitCharactersSupport: true,
        documentationFormat: ['markdown', 'plaintext'],
        deprecatedSupport: true,
        preselectSupport: true,
        insertReplaceSupport: true,
        labelDetailsSupport: true,
      },
      contextSupport: true,
    },
    hover: { contentFormat: ['markdown', 'plaintext'] },
    definition: { linkSupport: true },
    references: {},
    documentHighlight: {},
    documentSymbol: { hierarchicalDocumentSymbolSupport: true, symbolKind: { valueSet: Array.from({ length: 26 }, (_, i) => (i + 1) as SymbolKind) } },
    codeAction: {
      codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'source'] } },
      isPreferredSupport: true,
      dataSupport: true,
    },
    formatting: {},
    rangeFormatting: {},
    rename: { prepareSupport: true },
    foldingRange: { rangeLimit: 5000, lineFoldingOnly: true },
    selectionRange: {},
    semanticTokens: {
      requests: { full: { delta: true }, range: true },
      tokenTypes: ['keyword', 'property', 'enumMember', 'number', 'variable', 'string', 'comment', 'operator', 'function', 'type'],
      tokenModifiers: ['declaration', 'readonly', 'defaultLibrary'],
      formats: ['relative'],
    },
  },
};

/** A client without pull diagnostics (Neovim/Helix-like): the server must push. */
export const pushCapabilities: ClientCapabilities = (() => {
  const c = structuredClone(vscodeCapabilities);
  delete c.textDocument!.diagnostic;
  delete c.workspace!.diagnostics;
  return c;
})();

/** A minimal client: no snippets, no markdown, no hierarchical symbols, no related information. */
export const minimalCapabilities: ClientCapabilities = { textDocument: { synchronization: {} } };

export interface TestClient {
  connection: MessageConnection;
  process: ChildProcess;
  initializeResult: InitializeResult;
  /** Everything the server wrote to stderr (for failure messages). */
  stderr(): string;
  open(uri: string, text: string, version?: number): void;
  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): void;
  close(uri: string): void;
  request<R>(method: string, params: unknown): Promise<R>;
  /** Resolves with the next diagnostics published for `uri` that satisfy `accept`. */
  diagnostics(uri: string, accept?: (d: Diagnostic[], version?: number) => boolean, timeoutMs?: number): Promise<Diagnostic[]>;
  /** Observes every publishDiagnostics (vscode-jsonrpc allows one handler per method, the harness's). */
  onPublish(listener: (p: PublishDiagnosticsParams) => void): { dispose(): void };
  /** Shutdown + exit; resolves with the process exit code. */
  shutdown(): Promise<number | null>;
}

/**
 * The background simulation (on by default in the server) is off in tests that do not ask for it:
 * it would add run diagnostics, notifications and a worker thread to tests about something else.
 * A test turns it on with `initializationOptions: { backgroundSimulation: { enabled: true, ... } }`.
 */
function withBackgroundDefault(init: unknown): unknown {
  const off = { backgroundSimulation: { enabled: false } };
  if (init === undefined) return off;
  if (init && typeof init === 'object' && !Array.isArray(init) && !('backgroundSimulation' in init)) return { ...off, ...init };
  return init;
}

export async function startClient(
  options: { capabilities?: ClientCapabilities; rootUri?: string | null; workspaceFolders?: { uri: string; name: string }[] | null; initializationOptions?: unknown } = {},
): Promise<TestClient> {
  const bundle = await serverBundle();
  const child = spawn(process.execPath, [bundle, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += String(d)));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));

  const published = new Map<string, { diagnostics: Diagnostic[]; version?: number }[]>();
  const waiters: { uri: string; accept: (d: Diagnostic[], v?: number) => boolean; resolve: (d: Diagnostic[]) => void }[] = [];
  const listeners = new Set<(p: PublishDiagnosticsParams) => void>();
  connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    for (const l of listeners) l(p);
    const list = published.get(p.uri) ?? [];
    list.push({ diagnostics: p.diagnostics, version: p.version });
    published.set(p.uri, list);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w.uri === p.uri && w.accept(p.diagnostics, p.version)) {
        waiters.splice(i, 1);
        w.resolve(p.diagnostics);
      }
    }
  });
  // Requests the server may send: answer like a polite client.
  connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => null));
  connection.onRequest('client/registerCapability', () => null);
  connection.onRequest('window/workDoneProgress/create', () => null);
  connection.onRequest('workspace/semanticTokens/refresh', () => null);
  connection.onRequest('workspace/diagnostic/refresh', () => null);
  connection.onNotification('window/logMessage', () => {});
  connection.listen();

  const initializeResult = await connection.sendRequest<InitializeResult>('initialize', {
    processId: process.pid,
    clientInfo: { name: 'vpscope-test', version: '0' },
    rootUri: options.rootUri ?? null,
    workspaceFolders: options.workspaceFolders ?? null,
    capabilities: options.capabilities ?? pushCapabilities,
    initializationOptions: withBackgroundDefault(options.initializationOptions),
  });
  await connection.sendNotification('initialized', {});

  const client: TestClient = {
    connection,
    process: child,
    initializeResult,
    stderr: () => err,
    open(uri, text, version = 1) {
      void connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'vpscope', version, text } });
    },
    change(uri, version, contentChanges) {
      void connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
    },
    close(uri) {
      void connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    },
    request<R>(method: string, params: unknown) {
      return connection.sendRequest<R>(method, params);
    },
    diagnostics(uri, accept = () => true, timeoutMs = 5000) {
      return new Promise<Diagnostic[]>((res, rej) => {
        const latest = published.get(uri)?.at(-1);
        if (latest && accept(latest.diagnostics, latest.version)) return res(latest.diagnostics);
        const timer = setTimeout(() => rej(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms; got ${JSON.stringify(published.get(uri) ?? [])}\n${err}`)), timeoutMs);
        waiters.push({ uri, accept, resolve: (d) => (clearTimeout(timer), res(d)) });
      });
    },
    onPublish(listener) {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
    async shutdown() {
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(timer);
      connection.dispose();
      return code;
    },
  };
  return client;
}
