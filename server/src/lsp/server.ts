/**
 * Entry of the language server bundle (`dist/server.js`). Runs over stdio (`--stdio`), node IPC
 * (`--node-ipc`, how the VS Code client starts it) or a socket/pipe (`--socket=N`, `--pipe=NAME`:
 * `createConnection` picks those from the command line).
 *
 * Over stdio the frames are read by `FrameReader` (strict `Content-Length`, frames capped at
 * `MAX_FRAME_BYTES`); over every transport the lifecycle gate answers requests before `initialize`
 * and after `shutdown` and handles `exit` (see transport.ts), and the end of the connection ends
 * the server.
 */
import {
  createConnection,
  createServerPipeTransport,
  createServerSocketTransport,
  IPCMessageReader,
  IPCMessageWriter,
  ProposedFeatures,
  StreamMessageWriter,
  type Connection,
  type MessageReader,
  type MessageWriter,
} from 'vscode-languageserver/node';
import { format } from 'node:util';
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundledWorkers } from './runs';
import { startSession } from './session';
import { FrameReader, gateLifecycle, PreparedEncoder, refusalLogger } from './transport';

const SERVER_VERSION = '0.1.0';
/** After `exit`, workers get this long to stop before the process kills itself. */
const EXIT_GRACE_MS = 1000;

const argv = process.argv.slice(2);
let transport: { reader: MessageReader; writer: MessageWriter } | undefined;
/** Over stdio: messages encoded ahead of time (the diagnostics of a version, during the quiet time after an edit). */
let encoder: PreparedEncoder | undefined;
if (argv.includes('--stdio')) {
  encoder = new PreparedEncoder();
  const writer: MessageWriter = new StreamMessageWriter(process.stdout, { charset: 'utf-8', contentTypeEncoder: encoder });
  const reader = new FrameReader(process.stdin, (message, code) => {
    process.stderr.write(`${message}\n`);
    void writer.write({ jsonrpc: '2.0', id: null, error: { code, message } } as never).catch(() => undefined);
  });
  transport = { reader, writer };
  // stdout carries the protocol: anything logged goes to stderr (the library does this itself
  // only when it opens stdio).
  for (const k of ['log', 'info', 'debug'] as const) console[k] = (...args: unknown[]) => void process.stderr.write(`${format(...args)}\n`);
} else if (argv.includes('--node-ipc')) {
  transport = { reader: new IPCMessageReader(process), writer: new IPCMessageWriter(process) };
} else {
  // `--socket=PORT` (the client listens on 127.0.0.1:PORT) and `--pipe=NAME`, as the library's
  // createConnection reads them, built here so that they pass the lifecycle gate too.
  const opt = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const port = opt('socket');
  const pipe = opt('pipe');
  if (port !== undefined && /^\d{1,5}$/.test(port)) {
    const [reader, writer] = createServerSocketTransport(Number(port));
    transport = { reader, writer };
  } else if (pipe) {
    const [reader, writer] = createServerPipeTransport(pipe);
    transport = { reader, writer };
  }
}

let exiting = false;
let session: { stop(timeoutMs: number): Promise<boolean> } | undefined;
/** Ends the process with `code` once the workers stopped, or kills it if one does not stop. */
function exitProcess(code: number): void {
  if (exiting) return;
  exiting = true;
  const stopped = session ? session.stop(EXIT_GRACE_MS) : Promise.resolve(true);
  void stopped.then((ok) => {
    // A worker stuck in a system call (a FIFO without a writer...) would make process.exit wait forever.
    if (!ok) process.kill(process.pid, 'SIGKILL');
    process.exit(code);
  });
}

let connection: Connection;
if (transport) {
  // Dropped notifications (a malformed cancel, one before initialize) are logged on stderr, bounded.
  const gated = gateLifecycle(transport.reader, transport.writer, { onExit: exitProcess, onRefused: refusalLogger((line) => void process.stderr.write(`${line}\n`)) });
  // Over stdio the library no longer watches the stream: the end of input ends the server.
  gated.onClose(() => exitProcess(gated.shutdownReceived ? 0 : 1));
  connection = createConnection(ProposedFeatures.all, gated, transport.writer);
} else {
  connection = createConnection(ProposedFeatures.all);
}

session = startSession(connection, {
  version: SERVER_VERSION,
  // The workers are bundled next to this file (dist/simWorker.js, dist/traceWorker.js).
  workers: bundledWorkers(__dirname),
  // The installed extension ships docs/codes.md beside dist/ (this file's folder).
  docsBase: docsBase(join(__dirname, '..')),
  prepareNotification: encoder ? (method, params) => encoder!.prepare(method, params) : undefined,
});

function docsBase(root: string): string | undefined {
  return existsSync(join(root, 'docs', 'codes.md')) ? pathToFileURL(root + sep).href : undefined;
}
