/**
 * What stands between the client's bytes and the handlers: a strict frame reader for stdio, and a
 * lifecycle gate for any transport.
 *
 * `FrameReader` replaces vscode-jsonrpc's stream reader, which trusts `Content-Length`: a missing
 * or non-numeric one left that reader deaf for the rest of the session, and a huge one made it
 * buffer everything that came after. Here a frame whose header is malformed (no
 * `Content-Length`, a value that is not a plain decimal number, a header block over
 * `MAX_HEADER_BYTES`) or whose length is over `MAX_FRAME_BYTES` is rejected: the client gets a
 * JSON-RPC error with `id: null` (`ParseError`, or `InvalidRequest` for JSON that is not an object)
 * and the reader skips to the next `Content-Length:` header, keeping at most a few bytes while it
 * skips. A declared length longer than the body is detected when the next frame's header shows
 * up inside the "body" (`Content-Length: N` + CR LF cannot occur in a JSON text), so
 * the next frame is still read; a declared length shorter than the body gives a JSON parse error
 * and the rest of the body is skipped the same way.
 *
 * `gateLifecycle` answers, in the order the messages arrive, what LSP 3.17 says a server must
 * answer around `initialize` and `shutdown`: requests before `initialize` get
 * `ServerNotInitialized` (-32002), requests after `shutdown` get `InvalidRequest` (-32600),
 * notifications in both states are dropped, and `exit` goes to `onExit` (the caller ends the
 * process after stopping its workers) instead of the library's handler, which could hang in
 * `process.exit` behind a worker blocked in a system call.
 */
import {
  AbstractMessageReader,
  Disposable,
  ErrorCodes,
  type DataCallback,
  type Message,
  type MessageReader,
  type MessageWriter,
} from 'vscode-languageserver/node';
import { clipQuote } from '../core/text';

/** Largest frame body accepted (bytes). A larger `Content-Length` is rejected without reading the body. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Largest header block accepted (bytes, up to and including the blank line). */
export const MAX_HEADER_BYTES = 8 * 1024;

const CRLF2 = Buffer.from('\r\n\r\n');
const MARKERS = [Buffer.from('Content-Length:'), Buffer.from('content-length:'), Buffer.from('CONTENT-LENGTH:')];
const MARKER_LEN = MARKERS[0].length;
/** A `Content-Length` header line as it cannot appear inside a JSON text. */
const NEXT_HEADER = /content-length:[ \t]*[0-9]{1,15}\r\n/gi;
/** Longest such line, so a header split across two chunks is still found. */
const SEAM_BYTES = 40;

/** Reports a rejected frame; `code` is the JSON-RPC error code to answer with. */
export type FrameRejection = (message: string, code: number) => void;

/** First index >= `from` where a `Content-Length:` header could start (any of the usual casings). */
function findMarker(buf: Buffer, from: number): number {
  let best = -1;
  for (const m of MARKERS) {
    const i = buf.indexOf(m, from);
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}

/** Strict `Content-Length` framing over a byte stream (stdio). */
export class FrameReader extends AbstractMessageReader implements MessageReader {
  /** Bytes not consumed yet (header state and skipping: the header bytes; body state: the body so far). */
  private chunks: Buffer[] = [];
  private size = 0;
  /** Body length expected, or -1 while reading a header. */
  private need = -1;
  /** Discarding bytes until the next `Content-Length:` header. */
  private skipping = false;
  private callback: DataCallback | undefined;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(
    private readonly input: NodeJS.ReadableStream,
    private readonly reject: FrameRejection,
  ) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (d: Buffer | string) => this.onData(typeof d === 'string' ? Buffer.from(d) : d);
    const onError = (e: Error) => this.fireError(e);
    const onClose = () => this.fireClose();
    this.input.on('data', onData);
    this.input.on('error', onError);
    this.input.on('end', onClose);
    this.input.on('close', onClose);
    return Disposable.create(() => {
      this.callback = undefined;
      this.input.off('data', onData);
      this.input.off('error', onError);
      this.input.off('end', onClose);
      this.input.off('close', onClose);
    });
  }

  private onData(data: Buffer): void {
    try {
      if (this.need >= 0) this.bodyData(data);
      else this.push(data);
      this.drain();
    } catch (e) {
      // Never reached by design; if it is, drop what is buffered rather than go deaf.
      this.chunks = [];
      this.size = 0;
      this.need = -1;
      this.skipping = true;
      this.reject(`vpscope: frame reader error: ${(e as Error)?.message ?? String(e)}`, ErrorCodes.ParseError);
    }
  }

  private push(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.size += b.length;
  }

  private joined(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** The last `n` bytes buffered (fewer when fewer are), without joining the rest. */
  private tail(n: number): Buffer {
    const parts: Buffer[] = [];
    let got = 0;
    for (let i = this.chunks.length - 1; i >= 0 && got < n; i--) {
      parts.push(this.chunks[i]);
      got += this.chunks[i].length;
    }
    if (parts.length === 0) return Buffer.alloc(0);
    const b = parts.length === 1 ? parts[0] : Buffer.concat(parts.reverse());
    return b.subarray(Math.max(0, b.length - n));
  }

  private setBuffer(b: Buffer): void {
    this.chunks = b.length ? [b] : [];
    this.size = b.length;
  }

  /** Starts skipping to the next header after `from` bytes of the buffer (reported once). */
  private skipFrom(from: number, message: string, code: number = ErrorCodes.ParseError): void {
    this.reject(message, code);
    this.setBuffer(this.joined().subarray(from));
    this.skipping = true;
  }

  /**
   * New bytes while a body is expected. A complete header line (`Content-Length: N` and a raw
   * CR LF) cannot be part of JSON (outside strings it is not a token, inside one a raw line break
   * is not allowed), so finding one means the declared length ran into the next frame.
   */
  private bodyData(data: Buffer): void {
    const before = this.size;
    // The seam with the previous bytes is searched too (a header split across two chunks). Only
    // their last bytes: joining the whole body so far at each chunk copied a 20 MB body ~300
    // times (13 s to read a didOpen of 20 MB, measured here).
    const tail = this.tail(SEAM_BYTES);
    const window = (tail.length ? Buffer.concat([tail, data]) : data).toString('latin1');
    NEXT_HEADER.lastIndex = 0;
    const m = NEXT_HEADER.exec(window);
    const at = m ? before - tail.length + m.index : -1;
    this.push(data);
    if (at >= 0 && at < this.need) {
      const declared = this.need;
      this.need = -1;
      this.setBuffer(this.joined().subarray(at));
      this.reject(`vpscope: frame body shorter than its Content-Length (${declared}): the next frame starts after ${at} bytes; frame dropped`, ErrorCodes.ParseError);
    }
  }

  private drain(): void {
    for (;;) {
      if (this.need >= 0) {
        if (this.size < this.need) return;
        const buf = this.joined();
        const body = buf.subarray(0, this.need);
        const rest = buf.subarray(this.need);
        this.need = -1;
        const back = this.deliver(body);
        // A body that is not JSON and ends in the start of a header: the next frame began there.
        this.setBuffer(back > 0 ? Buffer.concat([body.subarray(body.length - back), rest]) : rest);
        continue;
      }
      if (this.size === 0) return;
      const buf = this.joined();
      if (this.skipping) {
        const i = findMarker(buf, 0);
        if (i < 0) {
          // Keep only what could be the start of a header split across chunks.
          this.setBuffer(Buffer.from(buf.subarray(Math.max(0, buf.length - (MARKER_LEN - 1)))));
          return;
        }
        this.setBuffer(buf.subarray(i));
        this.skipping = false;
        continue;
      }
      const end = buf.indexOf(CRLF2);
      if (end < 0 || end + 4 > MAX_HEADER_BYTES) {
        if (end < 0 && buf.length < MAX_HEADER_BYTES) return; // The header is still coming.
        const i = findMarker(buf, 1);
        if (i > 0 && (end < 0 || i < end)) {
          this.skipFrom(i, `vpscope: ${i} bytes that are not a frame header skipped`);
          continue;
        }
        // Without a blank line yet, the last bytes may be the start of the next header: keep them.
        this.skipFrom(end < 0 ? Math.max(1, buf.length - (MARKER_LEN - 1)) : end + 4, `vpscope: frame header longer than ${MAX_HEADER_BYTES} bytes; skipped`);
        continue;
      }
      const header = this.parseHeader(buf.subarray(0, end).toString('latin1'));
      if (typeof header === 'string') {
        // Junk before a real header (the rest of a body cut short by a small Content-Length)?
        const i = findMarker(buf, 1);
        if (i > 0 && i < end) {
          this.skipFrom(i, `vpscope: ${i} bytes that are not a frame header skipped`);
          continue;
        }
        this.skipFrom(end + 4, `vpscope: malformed frame header (${header}); frame skipped`);
        continue;
      }
      if (header > MAX_FRAME_BYTES) {
        this.skipFrom(end + 4, `vpscope: frame of ${header} bytes is over the limit of ${MAX_FRAME_BYTES} bytes; skipped`);
        continue;
      }
      this.setBuffer(buf.subarray(end + 4));
      this.need = header;
      // The bytes already there may hold the next header (a declared length that is too long).
      const rest = this.joined();
      this.setBuffer(Buffer.alloc(0));
      this.bodyData(rest);
    }
  }

  /** The Content-Length of a header block, or why it is not acceptable. */
  private parseHeader(text: string): number | string {
    let length: number | undefined;
    for (const line of text.split('\r\n')) {
      const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/.exec(line);
      if (!m) return `not a header line: ${JSON.stringify(line.slice(0, 40))}`;
      if (m[1].toLowerCase() !== 'content-length') continue;
      if (!/^[0-9]{1,15}$/.test(m[2])) return `Content-Length is not a non-negative decimal number: ${JSON.stringify(m[2].slice(0, 40))}`;
      const n = Number(m[2]);
      if (length !== undefined && length !== n) return 'two different Content-Length headers';
      length = n;
    }
    return length ?? 'no Content-Length header';
  }

  /**
   * Parses and hands on one body. Returns how many bytes at its end go back to the input: when
   * the body is not JSON and ends in what could be the beginning of the next frame's header (a
   * declared length a few bytes too long, the rest of that header in the next chunk).
   */
  private deliver(body: Buffer): number {
    let message: unknown;
    try {
      message = JSON.parse(this.decoder.decode(body));
    } catch (e) {
      this.reject(`vpscope: frame body is not JSON (${(e as Error).message})`, ErrorCodes.ParseError);
      const tail = body.subarray(Math.max(0, body.length - SEAM_BYTES)).toString('latin1');
      for (let i = 0; i < tail.length; i++) {
        const t = tail.slice(i).toLowerCase();
        if ('content-length:'.startsWith(t) || /^content-length:[ \t]*[0-9]{0,15}\r?$/.test(t)) return tail.length - i;
      }
      return 0;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      this.reject('vpscope: a JSON-RPC message must be an object (batches are not supported)', ErrorCodes.InvalidRequest);
      return 0;
    }
    // The library handles some messages inside this call (a `$/cancelRequest`): a throw there is
    // that message's, not the stream's. Caught in `onData` it dropped every frame buffered behind
    // it (a request written with a malformed cancel was never answered).
    try {
      this.callback?.(message as Message);
    } catch (e) {
      const method = (message as { method?: unknown }).method;
      this.reject(`vpscope: a message${typeof method === 'string' ? ` (${clipQuote(method)})` : ''} could not be handled: ${clipQuote((e as Error)?.message ?? String(e))}`, ErrorCodes.InternalError);
    }
    return 0;
  }
}

/** `$/cancelRequest` params as LSP has them: `{ id: number | string }`. */
function isCancelParams(p: unknown): boolean {
  if (typeof p !== 'object' || p === null) return false;
  const id = (p as { id?: unknown }).id;
  return typeof id === 'number' || typeof id === 'string';
}

export interface LifecycleHooks {
  /** `exit` arrived: `code` is 0 after `shutdown`, else 1. */
  onExit(code: number): void;
  /** A message was dropped or answered by the gate (for the log). */
  onRefused?(method: string, why: string): void;
}

/** Refused messages logged one by one; past them only the count, at each power of two. */
export const REFUSALS_LOGGED = 10;

/**
 * A {@link LifecycleHooks.onRefused} that writes bounded lines to `log`: the first
 * {@link REFUSALS_LOGGED} refusals each (method clipped), then one line saying the rest are
 * counted, then the count at 16, 32, 64... refusals: a client flooding bad cancels writes about
 * 40 lines for 2^32 of them, not one each.
 */
export function refusalLogger(log: (line: string) => void): (method: string, why: string) => void {
  let n = 0;
  let nextCount = 16;
  return (method, why) => {
    n++;
    if (n <= REFUSALS_LOGGED) log(`vpscope: dropped a ${clipQuote(method)} notification: ${why}`);
    else if (n === REFUSALS_LOGGED + 1) log(`vpscope: more notifications dropped by the lifecycle gate; further ones are counted, not logged one by one`);
    else if (n === nextCount) {
      nextCount *= 2;
      log(`vpscope: ${n} notifications dropped by the lifecycle gate so far (the last a ${clipQuote(method)}: ${why})`);
    }
  };
}

/**
 * Wraps `reader` so that messages the lifecycle forbids never reach the handlers; the errors go
 * out on `writer`. See the file comment.
 */
export function gateLifecycle(reader: MessageReader, writer: MessageWriter, hooks: LifecycleHooks): MessageReader & { readonly shutdownReceived: boolean } {
  let state: 'new' | 'running' | 'shutdown' = 'new';
  const answer = (id: number | string, code: number, message: string) => {
    void writer.write({ jsonrpc: '2.0', id, error: { code, message } } as Message).catch(() => undefined);
  };
  const gate = (message: Message, forward: DataCallback) => {
    const m = message as { method?: unknown; id?: unknown };
    if (typeof m.method !== 'string') return forward(message); // A response to a server request.
    const isRequest = typeof m.id === 'number' || typeof m.id === 'string';
    if (!isRequest) {
      if (m.method === 'exit') return hooks.onExit(state === 'shutdown' ? 0 : 1);
      // vscode-jsonrpc reads `params.id` of a cancel at once, inside the reader's callback: without
      // params, or with an id that is not a number or a string, it threw there.
      if (m.method === '$/cancelRequest' && !isCancelParams((m as { params?: unknown }).params)) {
        hooks.onRefused?.(m.method, 'its params have no request id (a number or a string)');
        return;
      }
      if (state === 'running' || (state === 'new' && m.method === 'initialized')) return forward(message);
      hooks.onRefused?.(m.method, state === 'new' ? 'before initialize' : 'after shutdown');
      return;
    }
    const id = m.id as number | string;
    if (state === 'shutdown') return answer(id, ErrorCodes.InvalidRequest, `${m.method}: the server is shutting down (shutdown was received)`);
    if (m.method === 'initialize') {
      if (state !== 'new') return answer(id, ErrorCodes.InvalidRequest, 'initialize was already received');
      state = 'running';
      return forward(message);
    }
    if (state === 'new') return answer(id, ErrorCodes.ServerNotInitialized, `${m.method}: the server is not initialized (send initialize first)`);
    if (m.method === 'shutdown') state = 'shutdown';
    return forward(message);
  };
  return {
    get shutdownReceived() {
      return state === 'shutdown';
    },
    onError: reader.onError,
    onClose: reader.onClose,
    onPartialMessage: reader.onPartialMessage,
    listen: (callback: DataCallback) => reader.listen((msg) => gate(msg, callback)),
    dispose: () => reader.dispose(),
  };
}

/**
 * Notifications encoded ahead of time: their params object -> the bytes of the whole message.
 * `PreparedEncoder` writes those bytes instead of encoding the message again; the server makes them
 * during the quiet time after an edit (the diagnostics of a version, lsp/session.ts), so that only
 * the write is left when the quiet time ends.
 */
export class PreparedEncoder {
  readonly name = 'application/json';
  private readonly prepared = new WeakMap<object, { method: string; bytes: Buffer }>();

  /**
   * Encodes the notification `method` with `params` now. Exactly the bytes the library's encoder
   * would make when it is sent (`JSON.stringify` of `{ jsonrpc, method, params }`, the key order
   * of the library's notification message, in UTF-8), as long as `params` is not changed before.
   * Nothing to do when they are already prepared.
   */
  prepare(method: string, params: object): void {
    if (this.prepared.get(params)?.method === method) return;
    const json = `{"jsonrpc":"2.0","method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}`;
    this.prepared.set(params, { method, bytes: Buffer.from(json, 'utf-8') });
  }

  /** vscode-jsonrpc's `ContentTypeEncoder`: the prepared bytes of a message, or the library's own encoding. */
  encode(msg: Message, options: { charset: BufferEncoding | string }): Promise<Uint8Array> {
    try {
      const m = msg as { jsonrpc?: unknown; method?: unknown; params?: unknown };
      const params = m.params;
      if (params !== null && typeof params === 'object' && (options.charset === 'utf-8' || options.charset === 'utf8')) {
        const p = this.prepared.get(params);
        if (p) {
          this.prepared.delete(params);
          const keys = Object.keys(msg);
          if (p.method === m.method && m.jsonrpc === '2.0' && keys.length === 3 && keys[0] === 'jsonrpc' && keys[1] === 'method' && keys[2] === 'params') return Promise.resolve(p.bytes);
        }
      }
      // What vscode-jsonrpc's own application/json encoder does (lib/node/ril.js).
      return Promise.resolve(Buffer.from(JSON.stringify(msg, undefined, 0), options.charset as BufferEncoding));
    } catch (err) {
      return Promise.reject(err);
    }
  }
}
