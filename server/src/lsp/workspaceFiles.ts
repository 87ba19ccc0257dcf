/**
 * The `.vps` files of the workspace folders that are not open in the editor, for workspace
 * symbols. The only place in the server that reads files: URIs become paths here and nowhere
 * else.
 *
 * Files are analysed lazily and cached by modification time and size, so a repeated query costs
 * one `stat` per file. The walk skips dependency and output folders and stops at limits that
 * keep a huge checkout from stalling the server.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CancellationToken } from 'vscode-languageserver';
import type { IdeDocument } from '../ide/document';
import type { DocumentAnalysis } from '../model/analysisTypes';

const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'dist', 'out', '.vscode-test', '.e2e']);
const MAX_FILES = 5000;
const MAX_DEPTH = 12;
const MAX_FILE_BYTES = 4 * 1024 * 1024;

export interface WorkspaceFile {
  uri: string;
  doc: IdeDocument;
}

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

export class WorkspaceFiles {
  private folders: string[] = [];
  private readonly cache = new Map<string, { mtimeMs: number; size: number; doc: IdeDocument }>();

  constructor(private readonly analyze: (text: string) => DocumentAnalysis) {}

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

  /** Analysed `.vps` files of the workspace, except the URIs in `skip` (open documents). */
  async files(skip: ReadonlySet<string>, token?: CancellationToken): Promise<WorkspaceFile[]> {
    const paths: string[] = [];
    for (const f of this.folders) await this.walk(f, 0, paths, token);
    const out: WorkspaceFile[] = [];
    for (const path of paths) {
      if (token?.isCancellationRequested) break;
      const uri = pathToUri(path);
      if (skip.has(uri)) continue;
      const doc = await this.load(path);
      if (doc) out.push({ uri, doc });
    }
    return out;
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

  private async load(path: string): Promise<IdeDocument | undefined> {
    try {
      const st = await stat(path);
      if (st.size > MAX_FILE_BYTES) return undefined;
      const hit = this.cache.get(path);
      if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.doc;
      const text = await readFile(path, 'utf8');
      const doc: IdeDocument = { text, analysis: this.analyze(text) };
      this.cache.set(path, { mtimeMs: st.mtimeMs, size: st.size, doc });
      return doc;
    } catch {
      this.cache.delete(path);
      return undefined;
    }
  }
}
