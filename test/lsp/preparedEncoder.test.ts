/**
 * Notifications encoded ahead of time (transport.ts `PreparedEncoder`): the bytes written are the
 * ones the library's own encoder gives for the message the connection makes (fast-check over
 * params with unicode, lone surrogates, nested objects), through a real `StreamMessageWriter`;
 * a message that does not match what was prepared is encoded as usual.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { StreamMessageWriter, type Message } from 'vscode-languageserver/node';
import { PreparedEncoder } from '../../server/src/lsp/transport';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);
const METHOD = 'textDocument/publishDiagnostics';

/** The frames a writer writes for `messages`, as one buffer. */
async function written(messages: Message[], encoder?: PreparedEncoder): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const writer = encoder ? new StreamMessageWriter(out, { charset: 'utf-8', contentTypeEncoder: encoder }) : new StreamMessageWriter(out);
  for (const m of messages) await writer.write(m);
  writer.dispose();
  return Buffer.concat(chunks);
}

const params = fc.record({
  uri: fc.string({ maxLength: 30 }).map((s) => `file:///${s}`),
  version: fc.nat(),
  diagnostics: fc.array(
    fc.record({
      range: fc.record({ start: fc.record({ line: fc.nat(), character: fc.nat() }), end: fc.record({ line: fc.nat(), character: fc.nat() }) }),
      message: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('waited 3.9 µs → p99', '😀é\u0000\ud800', '"quoted"\\\n')),
      severity: fc.integer({ min: 1, max: 4 }),
      code: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
    }),
    { maxLength: 6 },
  ),
});

test('a prepared notification is written with the bytes the library would write', async () => {
  await fc.assert(
    fc.asyncProperty(params, async (p) => {
      const want = await written([{ jsonrpc: '2.0', method: METHOD, params: p } as Message]);
      const enc = new PreparedEncoder();
      enc.prepare(METHOD, p);
      // Changed after it was prepared (which the server never does): the bytes written are the
      // prepared ones, which shows that they were used.
      p.version += 1;
      // What the connection's sendNotification makes: { jsonrpc, method, params }.
      const got = await written([{ jsonrpc: '2.0', method: METHOD, params: p } as Message], enc);
      assert.deepEqual(got, want);
    }),
    { numRuns: RUNS },
  );
});

test('a message that is not the prepared one is encoded as usual', async () => {
  const p = { uri: 'file:///a.vps', version: 3, diagnostics: [] };
  const other = { uri: 'file:///a.vps', version: 4, diagnostics: [] };
  const messages = [
    { jsonrpc: '2.0', method: 'window/logMessage', params: p },
    { jsonrpc: '2.0', method: METHOD, params: other },
    { jsonrpc: '2.0', id: 1, result: null },
  ] as unknown as Message[];
  const enc = new PreparedEncoder();
  enc.prepare(METHOD, p);
  enc.prepare(METHOD, { ...other, version: 99 });
  assert.deepEqual(await written(messages, enc), await written(messages));
  // The prepared bytes were dropped by the mismatch: the same params are encoded as usual later.
  p.version = 5;
  assert.deepEqual(await written([{ jsonrpc: '2.0', method: METHOD, params: p } as Message], enc), await written([{ jsonrpc: '2.0', method: METHOD, params: p } as Message]));
});
