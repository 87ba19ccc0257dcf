/**
 * What the three commands (`check`, `simulate`, `analyze`) share: argument parsing with the usage
 * text on bad usage, display paths, reading the input, refusing outputs that would destroy the
 * input or each other, writing outputs in chunks (backpressure, one-line errors) and making text
 * safe for a terminal. Exit codes stay the commands' own (2 = bad usage, unreadable input,
 * unwritable output).
 */
import { createWriteStream, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { clipRuns, decodeUtf16Bom, MAX_MESSAGE, showControls } from '../core/text';
import { outputConflict } from '../io/outputs';

export { outputConflict };

/** Where a command writes; tests pass their own. */
export interface CommandIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
}

export const processIO: CommandIO = { stdout: process.stdout, stderr: process.stderr };

/**
 * A usage message that echoes what was typed, safe for a terminal and bounded as diagnostics are
 * (runs over 80 characters shortened, at most 2,000 characters): `--seed` followed by a 128 KB
 * argument printed it whole in `--seed expects a number, got '...'`.
 */
export function usageText(msg: string): string {
  return terminalSafe(clipRuns(msg, MAX_MESSAGE));
}

/** Prints `vpscope CMD: msg` and the usage on stderr; returns exit code 2. */
export function usageError(cmd: string, usage: string, msg: string, io: CommandIO = processIO): number {
  io.stderr.write(`vpscope ${cmd}: ${usageText(msg)}\n\n${usage}\n`);
  return 2;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `parseArgs` (strict, positionals allowed) with the shared handling: a parse error prints the
 * usage and gives 2, `--help` prints the usage and gives 0. Otherwise the parsed values.
 */
export function parseCommand<O extends Options>(cmd: string, usage: string, args: string[], options: O, io: CommandIO = processIO) {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, strict: true, tokens: true, options: { ...options, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    return usageError(cmd, usage, (e as Error).message, io);
  }
  // parseArgs keeps the last of a repeated option: `--out a.json --out b.json` wrote only b.json,
  // without a word. A value option that takes one value is refused when given twice.
  const given = new Map<string, string>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== 'option' || t.value === undefined) continue;
    const o = options[t.name];
    if (!o || o.type !== 'string' || o.multiple) continue;
    const before = given.get(t.name);
    if (before !== undefined) return usageError(cmd, usage, `option '--${t.name}' given twice ('${before}', '${t.value}'): give it once`, io);
    given.set(t.name, t.value);
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.stdout.write(usage + '\n');
    return 0;
  }
  return parsed;
}

/**
 * The most bytes of a scenario file `check` and `simulate` read: the language server's frame bound
 * (`MAX_FRAME_BYTES`, lsp/transport.ts), so no document the editor could open is refused here.
 * Before, `vpscope check /dev/zero` read until V8's string limit and said `cannot read
 * '/dev/zero': Invalid string length` after 9.5 s and 617 MB; a FIFO fed forever never ended.
 */
export const MAX_SCENARIO_BYTES = 64 * 1024 * 1024;

/**
 * A scenario file as UTF-8 text, read in chunks and refused past `maxBytes` (an error whose
 * message says the bound) instead of reading a device or an endless pipe to the end.
 */
export async function readScenarioText(path: string, maxBytes = MAX_SCENARIO_BYTES): Promise<string> {
  if (path === '-') return readStdinText(maxBytes);
  const fh = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(maxBytes);
    }
    return decodeScenario(Buffer.concat(chunks, total));
  } finally {
    await fh.close();
  }
}

function tooLarge(maxBytes: number): Error {
  return new Error(`larger than ${maxBytes / (1024 * 1024)} MiB, vpscope's bound for a scenario file (the language server's for a document); split it`);
}

/**
 * Standard input as UTF-8 text (`vpscope check -`, `cat s.vps | vpscope simulate -`), with the
 * same bound as a file. A closed standard input reads as empty (Node reopens a closed fd 0 on
 * /dev/null), as `analyze -` sees it.
 */
async function readStdinText(maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(c);
    total += c.length;
    if (total > maxBytes) {
      process.stdin.destroy();
      throw tooLarge(maxBytes);
    }
  }
  return decodeScenario(Buffer.concat(chunks, total));
}

/**
 * A scenario file's bytes as text: UTF-8, or UTF-16 when the file starts with its byte-order mark
 * (Windows PowerShell's `>` and `Out-File` wrote UTF-16 LE by default before PowerShell 6; read as
 * UTF-8, every other character was a NUL error). The editor decodes files itself.
 */
export function decodeScenario(b: Buffer): string {
  return decodeUtf16Bom(b) ?? b.toString('utf8');
}

/** What stands for standard input (`-`) in messages and diagnostics. */
export const STDIN_NAME = '<stdin>';

/** Display path: relative to the working directory when inside it, with forward slashes; `-` is standard input. */
export function displayPath(p: string): string {
  if (p === '-') return STDIN_NAME;
  const rel = relative(process.cwd(), p);
  const shown = rel && !rel.startsWith('..') && !/^[A-Za-z]:/.test(rel) ? rel : p;
  return shown.split(sep).join('/');
}

const CODE_TEXT: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EPERM: 'operation not permitted',
};

/** One line for an I/O error: the code's meaning when known, else the message's first line. */
export function ioReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code && CODE_TEXT[err.code]) return CODE_TEXT[err.code];
  return String(err?.message ?? e).split('\n')[0];
}

/**
 * Writes chunks to a file with backpressure; rejects with the first write error. `oneByOne`:
 * each chunk is written completely before the next is taken from `chunks`, so they may all be
 * views of one reused buffer (`documentJsonBytes(..., { reuse: true })`).
 */
export async function writeChunks(path: string, chunks: Iterable<string | Uint8Array>, oneByOne = false): Promise<void> {
  const ws = createWriteStream(path);
  let failed: Error | undefined;
  let resume: (() => void) | undefined;
  const done = new Promise<void>((resolve, reject) => {
    ws.on('error', (e) => {
      failed = e;
      resume?.();
      reject(e);
    });
    ws.on('finish', resolve);
  });
  done.catch(() => {}); // awaited below; this only avoids an unhandled rejection while writing
  for (const c of chunks) {
    if (failed) break;
    if (oneByOne) await new Promise<void>((r) => ws.write(c, () => r()));
    else if (!ws.write(c)) {
      await new Promise<void>((r) => {
        resume = r;
        ws.once('drain', r);
      });
      resume = undefined;
    }
  }
  ws.end();
  await done;
}

/**
 * Whether `out` is a Node stream, which takes bytes as well as strings (the process's stdout);
 * a caller's own `{ write(s: string) }` (tests, the benches) gets strings only.
 */
export function takesBytes(out: CommandIO['stdout']): boolean {
  return out instanceof Writable;
}

/**
 * Writes chunks to a stream (stdout), waiting for 'drain' when the stream asks for it.
 * `oneByOne`: `out` is a Node stream ({@link takesBytes}) and each chunk is written completely
 * before the next is taken (see {@link writeChunks}).
 */
export async function writeOut(out: CommandIO['stdout'], chunks: Iterable<string | Uint8Array>, oneByOne = false): Promise<void> {
  const s = out as { write(c: string | Uint8Array, cb?: () => void): unknown; once?: (event: 'drain', listener: () => void) => unknown };
  for (const c of chunks) {
    if (oneByOne) await new Promise<void>((r) => s.write(c, () => r()));
    else if (s.write(c) === false && typeof s.once === 'function') await new Promise<void>((r) => s.once!('drain', r));
  }
}

/**
 * Text for a terminal: control characters (C0 except newline and tab, DEL, C1) and the
 * bidirectional overrides are shown as `\xHH` / `\u{HHHH}`, so a scenario string or a file name
 * cannot move the cursor, ring the bell, retitle the terminal or reorder what is shown. Every text
 * (not JSON) output of the commands goes through here.
 */
export function terminalSafe(s: string): string {
  return showControls(s);
}

/**
 * The simulation worker's script, for `simulate` and the seeds/sweep pool: next to the bundle
 * (dist/simWorker.js, beside dist/cli.js), or the source through tsx when run from source.
 */
export function simWorkerScript(): { file: string; eval: boolean } | undefined {
  const bundled = join(__dirname, 'simWorker.js');
  if (existsSync(bundled)) return { file: bundled, eval: false };
  const source = join(__dirname, '..', 'sim', 'worker.ts');
  if (existsSync(source)) return { file: `require(${JSON.stringify(createRequire(__filename).resolve('tsx/cjs'))}); require(${JSON.stringify(source)});`, eval: true };
  return undefined;
}
