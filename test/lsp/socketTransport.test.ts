/**
 * `--socket=PORT` and `--pipe=NAME`: the server connects to the client's socket / pipe and the
 * lifecycle gate holds there as over stdio (requests before `initialize` get ServerNotInitialized,
 * after `shutdown` InvalidRequest, `exit` ends the process with 0, and a dropped connection ends
 * it too).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter, ResponseError, type MessageConnection } from 'vscode-jsonrpc/node';
import { serverBundle } from './harness';

async function listen(server: Server, where: number | string): Promise<string> {
  await new Promise<void>((r) => server.listen(where as never, '127.0.0.1' as never, () => r()));
  const a = server.address();
  return typeof a === 'string' ? a : String(a!.port);
}

async function startOver(kind: 'socket' | 'pipe') {
  const server = createServer();
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  let arg: string;
  if (kind === 'socket') {
    arg = `--socket=${await listen(server, 0)}`;
  } else {
    const name = join(tmpdir(), `vpscope-lsp-${process.pid}-${Date.now()}.sock`);
    await new Promise<void>((r) => server.listen(name, () => r()));
    arg = `--pipe=${name}`;
  }
  const child = spawn(process.execPath, [await serverBundle(), arg], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const sock = await accepted;
  const conn = createMessageConnection(new SocketMessageReader(sock), new SocketMessageWriter(sock));
  conn.onRequest(() => null);
  conn.listen();
  return { child, exited, sock, conn, close: () => (conn.dispose(), sock.destroy(), server.close(), child.kill('SIGKILL')) };
}

const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return 0;
  } catch (e) {
    return e instanceof ResponseError ? e.code : -1;
  }
};

const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`${what}: no answer within ${ms} ms`)), ms))]);

describe('socket and pipe transports pass the lifecycle gate', () => {
  for (const kind of ['socket', 'pipe'] as const) {
    test(`--${kind}: before initialize, after shutdown, exit`, async () => {
      const s = await startOver(kind);
      try {
        const conn: MessageConnection = s.conn;
        assert.equal(await code(conn.sendRequest('workspace/symbol', { query: '' })), -32002);
        const init = await conn.sendRequest<{ capabilities: object }>('initialize', { processId: null, rootUri: null, capabilities: {} });
        assert.ok(init.capabilities);
        await conn.sendNotification('initialized', {});
        assert.equal(await code(conn.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} })), -32600);
        assert.equal(await conn.sendRequest('shutdown'), null);
        assert.equal(await code(conn.sendRequest('workspace/symbol', { query: '' })), -32600);
        await conn.sendNotification('exit');
        assert.equal(await withTimeout(s.exited, 10_000, 'exit'), 0);
      } finally {
        s.close();
      }
    });
  }

  test('--socket: the client going away ends the server (exit code 1: no shutdown)', async () => {
    const s = await startOver('socket');
    try {
      await s.conn.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
      s.conn.dispose();
      s.sock.destroy();
      assert.equal(await withTimeout(s.exited, 10_000, 'close'), 1);
    } finally {
      s.close();
    }
  });
});
