/**
 * A byte-level LSP client for hostile-input tests: starts the bundled server
 * (`node server.js --stdio`), writes frames itself (well-formed or not) and reads every message
 * the server sends with vscode-jsonrpc's reader (the server's output is always well-formed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { StreamMessageReader } from 'vscode-jsonrpc/node';
import { serverBundle } from './harness';

export interface RpcError {
  code: number;
  message: string;
}

export interface RawMessage {
  jsonrpc: string;
  id?: number | string | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: RpcError;
}

export interface RawClient {
  child: ChildProcess;
  /** Errors the server sent with `id: null` (rejected frames). */
  nullErrors: RpcError[];
  exited: Promise<number | null>;
  stderr(): string;
  /** Writes bytes as they are. */
  raw(bytes: string | Buffer): void;
  /** One well-formed frame. */
  frame(message: object): Buffer;
  notify(method: string, params?: unknown): void;
  /** Sends a request; resolves with the whole response (result or error). */
  request(method: string, params?: unknown, timeoutMs?: number): Promise<RawMessage>;
  /** `initialize` + `initialized`. */
  initialize(rootUri?: string | null): Promise<RawMessage>;
  /** Peak resident memory of the server process in kB (Linux `VmHWM`), or undefined. */
  peakRssKb(): number | undefined;
  kill(): void;
}

export function frame(message: object): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

export async function startRaw(): Promise<RawClient> {
  const bundle = await serverBundle();
  const child = spawn(process.execPath, [bundle, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + String(d)).slice(-20_000)));
  child.stdin!.on('error', () => undefined); // Writes after the server exited.
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const pending = new Map<number, (m: RawMessage) => void>();
  const nullErrors: RpcError[] = [];
  let seq = 0;
  const reader = new StreamMessageReader(child.stdout!);
  reader.listen((m) => {
    const msg = m as RawMessage;
    if (msg.method !== undefined) {
      // A request of the server (registerCapability, progress...): answer null.
      if (msg.id !== undefined && msg.id !== null) child.stdin!.write(frame({ jsonrpc: '2.0', id: msg.id, result: null }));
      return;
    }
    if (msg.id === null && msg.error) nullErrors.push(msg.error);
    else if (typeof msg.id === 'number') pending.get(msg.id)?.(msg), pending.delete(msg.id);
  });
  const client: RawClient = {
    child,
    nullErrors,
    exited,
    stderr: () => err,
    raw: (bytes) => void child.stdin!.write(bytes),
    frame,
    notify: (method, params) => void child.stdin!.write(frame({ jsonrpc: '2.0', method, ...(params !== undefined ? { params } : {}) })),
    request(method, params, timeoutMs = 10_000) {
      const id = ++seq;
      return new Promise<RawMessage>((res, rej) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          rej(new Error(`no answer to ${method} (#${id}) within ${timeoutMs} ms\n${err.slice(-2000)}`));
        }, timeoutMs);
        pending.set(id, (m) => (clearTimeout(timer), res(m)));
        child.stdin!.write(frame({ jsonrpc: '2.0', id, method, ...(params !== undefined ? { params } : {}) }));
      });
    },
    async initialize(rootUri = null) {
      const r = await client.request('initialize', { processId: null, rootUri, capabilities: { textDocument: { synchronization: {} } } });
      client.notify('initialized', {});
      return r;
    },
    peakRssKb() {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return m ? Number(m[1]) : undefined;
      } catch {
        return undefined;
      }
    },
    kill: () => void child.kill('SIGKILL'),
  };
  return client;
}
