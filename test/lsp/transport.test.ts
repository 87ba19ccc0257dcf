/**
 * The frame reader in-process (fast-check): any sequence of well-formed and malformed frames,
 * cut into chunks anywhere, delivers exactly the well-formed messages, in order, and rejects
 * every malformed frame with an error; it never buffers more than the frame cap while skipping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import type { Message } from 'vscode-languageserver/node';
import { FrameReader, MAX_FRAME_BYTES, refusalLogger, REFUSALS_LOGGED } from '../../server/src/lsp/transport';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

const enc = (s: string) => Buffer.from(s, 'utf8');
const frameOf = (body: Buffer, header = `Content-Length: ${body.length}`) => Buffer.concat([enc(`${header}\r\n\r\n`), body]);

/** A valid message with some awkward content (unicode, CR LF and header-like text inside strings). */
const validMessage = fc
  .record({
    id: fc.nat(1_000_000),
    text: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('Content-Length: 12\r\n\r\n', '\r\n\r\n', '😀é\u0000', '}{', 'content-length:')),
  })
  .map(({ id, text }) => ({ jsonrpc: '2.0', id, method: 'test/echo', params: { text } }));

const badBody = enc(JSON.stringify({ jsonrpc: '2.0', id: -1, method: 'must/not/arrive', params: { x: 'y'.repeat(30) } }));

/** Malformed frames: never delivered, each rejected at least once. */
const malformed: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constant(Buffer.concat([enc('Content-Type: application/json\r\n\r\n'), badBody])),
  fc.constantFrom('abc', '-5', '1.5', '', '0x10', '1e3', ' 12 3').map((v) => frameOf(badBody, `Content-Length: ${v}`)),
  fc.integer({ min: 1, max: badBody.length - 1 }).map((n) => frameOf(badBody, `Content-Length: ${n}`)),
  fc.integer({ min: badBody.length + 1, max: badBody.length + 5000 }).map((n) => frameOf(badBody, `Content-Length: ${n}`)),
  fc.constantFrom(MAX_FRAME_BYTES + 1, 2 ** 40, 999_999_999_999_999).map((n) => frameOf(badBody, `Content-Length: ${n}`)),
  fc.constant(frameOf(enc('not json'))),
  fc.constant(frameOf(enc('[1,2]'))),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((a) => Buffer.from(a)),
  fc.constant(enc('x'.repeat(10_000))),
);

type Item = { ok: true; message: object } | { ok: false; bytes: Buffer };
const item: fc.Arbitrary<Item> = fc.oneof(
  { weight: 2, arbitrary: validMessage.map((message) => ({ ok: true as const, message })) },
  { weight: 1, arbitrary: malformed.map((bytes) => ({ ok: false as const, bytes })) },
);

function run(items: Item[], cuts: number[]): { delivered: Message[]; rejected: number } {
  const input = new PassThrough();
  const delivered: Message[] = [];
  let rejected = 0;
  const reader = new FrameReader(input, () => rejected++);
  reader.listen((m) => delivered.push(m));
  const all = Buffer.concat(items.map((i) => (i.ok ? frameOf(enc(JSON.stringify(i.message))) : i.bytes)));
  // Chunk boundaries anywhere: the reader sees the bytes as the pipe may deliver them.
  const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
  let prev = 0;
  for (const p of [...points, all.length]) {
    if (p > prev) input.write(all.subarray(prev, p));
    prev = p;
  }
  return { delivered, rejected };
}

test('well-formed frames get through any mix of malformed frames and chunk boundaries', () => {
  fc.assert(
    fc.property(fc.array(item, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 40 }), (items, cuts) => {
      // Junk at the very end is only rejected once the next frame shows up: end with a valid one.
      items.push({ ok: true, message: { jsonrpc: '2.0', id: 1, method: 'test/end' } });
      const { delivered, rejected } = run(items, cuts);
      const expected = items.filter((i): i is Extract<Item, { ok: true }> => i.ok).map((i) => i.message);
      assert.deepEqual(delivered, expected);
      const bad = items.filter((i) => !i.ok).length;
      if (bad > 0) assert.ok(rejected >= 1, 'malformed frames are reported');
      assert.ok(rejected <= bad * 3 + 1, `${rejected} rejections for ${bad} malformed frames`);
    }),
    { numRuns: RUNS },
  );
});

test('skipping after a huge declared length keeps a bounded buffer', () => {
  const input = new PassThrough();
  const delivered: Message[] = [];
  const reader = new FrameReader(input, () => undefined);
  reader.listen((m) => delivered.push(m));
  input.write('Content-Length: 99999999999\r\n\r\n');
  const mb = Buffer.alloc(1 << 20, 'z');
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 200; i++) input.write(mb);
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 50 * (1 << 20), `buffers grew by ${grown} bytes over 200 MB of input`);
  input.write(frameOf(enc('{"jsonrpc":"2.0","method":"after"}')));
  assert.deepEqual(delivered, [{ jsonrpc: '2.0', method: 'after' }]);
});

// Found by attack11: a throw in the callback (vscode-jsonrpc handles `$/cancelRequest` inside it)
// was caught as the reader's own error, which dropped every frame buffered behind that message.
test('a message whose handler throws is reported; the frames after it in the same chunk are delivered', () => {
  fc.assert(
    fc.property(fc.array(validMessage, { minLength: 1, maxLength: 8 }), fc.nat(), (msgs, k) => {
      const bad = k % msgs.length;
      const input = new PassThrough();
      const delivered: unknown[] = [];
      const rejected: [string, number][] = [];
      const reader = new FrameReader(input, (m, code) => rejected.push([m, code]));
      reader.listen((m) => {
        delivered.push(m);
        if ((m as { id?: unknown }).id === msgs[bad].id) throw new TypeError("Cannot read properties of null (reading 'id')");
      });
      input.write(Buffer.concat(msgs.map((m) => frameOf(enc(JSON.stringify(m))))));
      assert.deepEqual(delivered, msgs, 'every message, those after the throw too');
      assert.equal(rejected.length, msgs.filter((m) => m.id === msgs[bad].id).length);
      assert.match(rejected[0][0], /a message \(test\/echo\) could not be handled: Cannot read properties of null/);
    }),
    { numRuns: RUNS, seed: 11 },
  );
});

test('refusalLogger: the first refusals each, then the count at powers of two (a flood writes a bounded log)', () => {
  const lines: string[] = [];
  const hook = refusalLogger((l) => lines.push(l));
  hook('x'.repeat(1_000_000), 'before initialize');
  assert.ok(lines[0].length < 300, 'the method is clipped');
  for (let i = 1; i < 1_000_000; i++) hook('$/cancelRequest', 'its params have no request id (a number or a string)');
  // 10 one by one, one "further ones are counted", then 16, 32, ... 524,288: 16 counts.
  assert.equal(lines.length, REFUSALS_LOGGED + 1 + 16);
  assert.match(lines[1], /dropped a \$\/cancelRequest notification: its params have no request id/);
  assert.match(lines.at(-1)!, /^vpscope: 524288 notifications dropped/);
});
