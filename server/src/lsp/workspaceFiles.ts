/**
 * The `.vps` files of the workspace folders that are not open in the editor, for workspace
 * symbols. The only place in the server that reads scenario files: URIs become paths here and
 * nowhere else.
 *
 * The symbols of those files are an index built off the server's thread: stale files (new, or
 * changed since indexed: modification time and size) are parsed and analysed in a worker
 * (`dist/traceWorker.js`, job `symbols`), which sends each file's symbols back as soon as it has
 * them, so analysing a large file (seconds for a few MB) never holds up another request. A query
 * waits for the index at most `INDEX_BUDGET_MS` (or until it is cancelled), then answers from the
 * files indexed so far; indexing goes on in the background and later queries see the rest.
 * A repeated query costs one `stat` per file. The walk skips dependency and output folders and
 * stops at limits that keep a huge checkout from stalling the server.
 */
import { readFileSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CancellationToken, Range, SymbolInformation } from 'vscode-languageserver';
import { clipLabel, decodeUtf16Bom, LineIndex } from '../core/text';
import { fuzzyMatch, workspaceSymbols } from '../ide/outline';
import type { DocumentAnalysis } from '../model/analysisTypes';
import { toLsp } from './convert';

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'dist', 'out', '.vscode-test', '.e2e']);
export const MAX_FILES = 5000;
const MAX_DEPTH = 12;
export const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** A workspace symbol query waits this long at most for files still being indexed. */
export const INDEX_BUDGET_MS = 500;

/** One file's symbols, positions already in LSP form (UTF-16 line/character). */
export interface IndexedSymbol {
  name: string;
  kind: SymbolInformation['kind'];
  range: Range;
  containerName?: string;
}

/** The `symbols` job of the trace worker, and what it sends back per file. */
export interface SymbolsJob {
  type: 'symbols';
  paths: string[];
}
export type SymbolsMessage = { type: 'indexed'; path: string; mtimeMs: number; size: number; symbols: IndexedSymbol[] } | { type: 'indexed-all' };

/** A file URI as a path, or undefined for other schemes (untitled:, vscode-vfs:, ...). */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

/**
 * The worker side: analyses each file and posts its symbols. Unreadable and over-large files
 * are indexed as having no symbols (so they are not retried until they change).
 */
export function indexFiles(job: SymbolsJob, analyze: (text: string) => DocumentAnalysis, post: (m: SymbolsMessage) => void): void {
  for (const path of job.paths) {
    let mtimeMs = 0;
    let size = 0;
    let symbols: IndexedSymbol[] = [];
    try {
      const st = statSync(path);
      mtimeMs = st.mtimeMs;
      size = st.size;
      if (st.isFile() && st.size <= MAX_FILE_BYTES) {
        // As `vpscope check` reads it: a UTF-16 file (with its byte-order mark) read as UTF-8 was
        // a NUL every other character, so its symbols were missing from the index.
        const bytes = readFileSync(path);
        const text = decodeUtf16Bom(bytes) ?? bytes.toString('utf8');
        const lines = new LineIndex(text);
        symbols = workspaceSymbols({ text, analysis: analyze(text) }, '').map((e) => ({
          name: e.name,
          kind: toLsp.symbolKind(e.kind),
          range: toLsp.range(lines, e.range),
          ...(e.container ? { containerName: e.container } : {}),
        }));
      }
    } catch {
      symbols = [];
    }
    post({ type: 'indexed', path, mtimeMs, size, symbols });
  }
  post({ type: 'indexed-all' });
}

interface Entry {
  mtimeMs: number;
  size: number;
  symbols: IndexedSymbol[];
}

export class WorkspaceFiles {
  private folders: string[] = [];
  private readonly cache = new Map<string, Entry>();
  /** The indexing worker running, the paths it was given, and when it is done. */
  private job: { worker: Worker; paths: Set<string>; done: Promise<void> } | undefined;
  private disposed = false;

  /** `workerFile`: the bundle that runs `indexFiles` (dist/traceWorker.js). */
  constructor(private readonly workerFile: string) {}

  setFolders(uris: readonly string[]): void {
    this.folders = uris.map(uriToPath).filter((p): p is string => !!p);
  }

  addFolder(uri: string): void {
    const p = uriToPath(uri);
    if (p && !this.folders.includes(p)) this.folders.push(p);
  }

  removeFolder(uri: string): void {
    const p = uriToPath(uri);
    this.folders = this.folders.filter((f) => f !== p);
    for (const key of [...this.cache.keys()]) if (p && key.startsWith(p)) this.cache.delete(key);
  }

  /**
   * The symbols matching `query` of the workspace's `.vps` files except the URIs in `skip` (open
   * documents): every indexed file, after waiting at most `budgetMs` for stale ones. Throws
   * `cancelled()` when the token fires first.
   */
  async symbols(
    query: string,
    skip: ReadonlySet<string>,
    limit: number,
    token: CancellationToken | undefined,
    cancelled: () => Error,
    budgetMs = INDEX_BUDGET_MS,
  ): Promise<SymbolInformation[]> {
    const paths: string[] = [];
    for (const f of this.folders) await this.walk(f, 0, paths, token);
    if (token?.isCancellationRequested) throw cancelled();
    const wanted: { path: string; uri: string }[] = [];
    const stale: string[] = [];
    for (const path of paths) {
      if (token?.isCancellationRequested) throw cancelled();
      const uri = pathToUri(path);
      if (skip.has(uri)) continue;
      wanted.push({ path, uri });
      const st = await stat(path).catch(() => undefined);
      if (!st) {
        this.cache.delete(path);
        continue;
      }
      const hit = this.cache.get(path);
      if (!hit || hit.mtimeMs !== st.mtimeMs || hit.size !== st.size) stale.push(path);
    }
    const pending = this.index(stale);
    if (pending) await this.wait(pending, budgetMs, token, cancelled);
    const out: SymbolInformation[] = [];
    for (const { path, uri } of wanted) {
      const e = this.cache.get(path);
      if (!e) continue;
      for (const s of e.symbols) {
        if (out.length >= limit) return out;
        if (!fuzzyMatch(query, s.name)) continue;
        out.push({ name: clipLabel(s.name), kind: s.kind, location: { uri, range: s.range }, ...(s.containerName ? { containerName: clipLabel(s.containerName) } : {}) });
      }
    }
    return out;
  }

  /** Stops the indexing worker (shutdown). */
  dispose(): void {
    this.disposed = true;
    void this.job?.worker.terminate();
    this.job = undefined;
  }

  /** Starts indexing the stale paths not being indexed already; the promise of the running job. */
  private index(stale: string[]): Promise<void> | undefined {
    if (this.disposed) return undefined;
    if (this.job) {
      // One worker at a time: the paths it does not cover wait for the next query.
      return this.job.done;
    }
    if (stale.length === 0) return undefined;
    const worker = new Worker(this.workerFile);
    const paths = new Set(stale);
    const done = new Promise<void>((resolve) => {
      const finish = () => {
        if (this.job?.worker === worker) this.job = undefined;
        void worker.terminate();
        resolve();
      };
      worker.on('message', (m: SymbolsMessage) => {
        if (m.type === 'indexed') this.cache.set(m.path, { mtimeMs: m.mtimeMs, size: m.size, symbols: m.symbols });
        else finish();
      });
      worker.on('error', finish);
      worker.on('exit', finish);
    });
    this.job = { worker, paths, done };
    worker.postMessage({ type: 'symbols', paths: stale } satisfies SymbolsJob);
    return done;
  }

  private async wait(done: Promise<void>, budgetMs: number, token: CancellationToken | undefined, cancelled: () => Error): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let sub: { dispose(): void } | undefined;
    try {
      const outcome = await Promise.race([
        done.then(() => 'done' as const),
        new Promise<'budget'>((r) => (timer = setTimeout(() => r('budget'), budgetMs))),
        new Promise<'cancelled'>((r) => (sub = token?.onCancellationRequested(() => r('cancelled')))),
      ]);
      if (outcome === 'cancelled') throw cancelled();
    } finally {
      clearTimeout(timer);
      sub?.dispose();
    }
  }

  private async walk(dir: string, depth: number, out: string[], token?: CancellationToken): Promise<void> {
    if (depth > MAX_DEPTH || out.length >= MAX_FILES || token?.isCancellationRequested) return;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // Unreadable folders are simply not part of the answer.
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (out.length >= MAX_FILES) return;
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) await this.walk(p, depth + 1, out, token);
      } else if (e.isFile() && e.name.endsWith('.vps')) out.push(p);
    }
  }
}
