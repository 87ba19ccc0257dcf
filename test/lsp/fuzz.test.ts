/**
 * LSP fuzz against the built server over stdio (fast-check): 10^4 incremental edits in total
 * (100 runs x 100 edits; `LSP_FUZZ_RUNS` to change), interleaved with requests at random (also
 * out-of-range) positions and malformed frames written between the frames. After each run the
 * server must answer at once, every request sent must have been answered, no edit may have been
 * lost or applied twice (the server's outline equals the outline of the client's copy of the
 * text, computed here with the same pure functions), and no frame's payload may have been
 * applied when the frame was malformed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { fraction } from '../arb';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { SymbolInformation } from 'vscode-languageserver-protocol';
import { outline } from '../../server/src/ide/outline';
import { toLsp } from '../../server/src/lsp/convert';
import { MAX_FRAME_BYTES } from '../../server/src/lsp/transport';
import { analyzeDocument } from '../../server/src/model/analyze';
import { startRaw, type RawClient, type RawMessage } from './raw';

const RUNS = Number(process.env.LSP_FUZZ_RUNS ?? 100);
const EDITS_PER_RUN = 100;
const SEED_TEXT = readFileSync(join(__dirname, '../../examples/openhcl-blocking-syscall.vps'), 'utf8');

type Edit = { kind: 'edit'; start: number; len: number; text: string };
type Req = { kind: 'request'; method: string; line: number; character: number };
type Bad = { kind: 'bad'; bytes: Buffer };
type Op = Edit | Req | Bad;

const edit: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constant('edit' as const),
  start: fraction(),
  len: fc.nat(12),
  text: fc.oneof(
    fc.constantFrom('', ' ', '\n', '\r\n', '{', '}', '}\n}', 'vm x {', 'vcpus 4', 'host { pcpus 2 }', 'variant v {', '"', '#', '0-3', '10us..20us', '😀', 'é', '\t'),
    fc.constantFrom('Content-Length: 12\r\n\r\n', 'Content-Length: -1', '\u0000', '\u001b[2J', '\ud800'),
    fc.string({ maxLength: 8 }),
  ),
});

const METHODS = [
  'textDocument/hover',
  'textDocument/completion',
  'textDocument/documentSymbol',
  'textDocument/foldingRange',
  'textDocument/formatting',
  'textDocument/definition',
  'textDocument/references',
  'textDocument/documentHighlight',
  'textDocument/selectionRange',
  'textDocument/codeAction',
  'textDocument/prepareRename',
];
const request: fc.Arbitrary<Req> = fc.record({
  kind: fc.constant('request' as const),
  method: fc.constantFrom(...METHODS),
  line: fc.integer({ min: -2, max: 120 }),
  character: fc.integer({ min: -2, max: 90 }),
});

/** Frames whose payload (an edit that must never be applied) is malformed one way or another. */
function badFrames(uri: string): fc.Arbitrary<Bad> {
  const payload = Buffer.from(
    JSON.stringify({
      jsonrpc: '2.0',
      method: 'textDocument/didChange',
      params: { textDocument: { uri, version: 999_999 }, contentChanges: [{ text: 'MALFORMED FRAME APPLIED' }] },
    }),
  );
  const framed = (header: string) => Buffer.concat([Buffer.from(`${header}\r\n\r\n`), payload]);
  return fc
    .oneof(
      fc.constant(Buffer.concat([Buffer.from('Content-Type: application/json\r\n\r\n'), payload])),
      fc.constantFrom('abc', '-5', '1.5', '', '0x20').map((v) => framed(`Content-Length: ${v}`)),
      fc.integer({ min: 0, max: payload.length - 1 }).map((n) => framed(`Content-Length: ${n}`)),
      fc.integer({ min: payload.length + 1, max: payload.length + 4000 }).map((n) => framed(`Content-Length: ${n}`)),
      fc.constantFrom(MAX_FRAME_BYTES + 1, 2 ** 40).map((n) => framed(`Content-Length: ${n}`)),
      fc.uint8Array({ minLength: 1, maxLength: 48 }).map((a) => Buffer.from(a)),
      fc.constant(Buffer.from('Content-Length: 2\r\n\r\n[]')),
    )
    .map((bytes) => ({ kind: 'bad' as const, bytes }));
}

/** The outline as the server sends it to a client without hierarchical symbols. */
function expectedSymbols(doc: TextDocument): SymbolInformation[] {
  const text = doc.getText();
  const analysis = analyzeDocument(text, { uri: doc.uri, hazards: false });
  return toLsp.symbolInformation(doc, doc.uri, outline({ text, analysis }));
}

/** The document every malformed frame tries to change (it must stay at version 1). */
const VICTIM = 'file:///fuzz/victim.vps';

let c: RawClient;
before(async () => {
  c = await startRaw();
  await c.initialize();
  c.notify('textDocument/didOpen', { textDocument: { uri: VICTIM, languageId: 'vpscope', version: 1, text: SEED_TEXT } });
});
after(() => c.kill());

test(`${RUNS * EDITS_PER_RUN} edits with requests and malformed frames: the server stays responsive, in sync and alive`, async () => {
  let run = 0;
  let edits = 0;
  let bad = 0;
  let requests = 0;
  const t0 = performance.now();
  await fc.assert(
    fc.asyncProperty(
      fc.array(edit, { minLength: EDITS_PER_RUN, maxLength: EDITS_PER_RUN }),
      fc.array(fc.tuple(fc.nat(EDITS_PER_RUN - 1), fc.oneof(request, badFrames(VICTIM))), { minLength: 10, maxLength: 40 }),
      async (editOps, extras) => {
        const uri = `file:///fuzz/doc${++run}.vps`;
        let doc = TextDocument.create(uri, 'vpscope', 1, SEED_TEXT);
        c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'vpscope', version: 1, text: SEED_TEXT } });
        const ops: Op[][] = editOps.map((e) => [e]);
        for (const [at, op] of extras) ops[at].push(op);
        const answers: Promise<RawMessage>[] = [];
        for (const group of ops) {
          for (const op of group) {
            if (op.kind === 'edit') {
              const text = doc.getText();
              const start = Math.floor(op.start * text.length);
              const range = { start: doc.positionAt(start), end: doc.positionAt(Math.min(text.length, start + op.len)) };
              const version = doc.version + 1;
              doc = TextDocument.update(doc, [{ range, text: op.text }], version);
              c.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range, text: op.text }] });
              edits++;
            } else if (op.kind === 'request') {
              const position = { line: op.line, character: op.character };
              const params =
                op.method === 'textDocument/selectionRange'
                  ? { textDocument: { uri }, positions: [position] }
                  : op.method === 'textDocument/codeAction'
                    ? { textDocument: { uri }, range: { start: position, end: position }, context: { diagnostics: [] } }
                    : op.method === 'textDocument/references'
                      ? { textDocument: { uri }, position, context: { includeDeclaration: true } }
                      : op.method === 'textDocument/formatting'
                        ? { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } }
                        : { textDocument: { uri }, position };
              answers.push(c.request(op.method, params, 20_000));
              requests++;
            } else {
              c.raw(op.bytes);
              bad++;
            }
          }
        }
        // Every request is answered (a result or an error, never silence).
        for (const a of await Promise.all(answers)) {
          assert.ok('result' in a || a.error, JSON.stringify(a));
          if (a.error) assert.notEqual(a.error.code, -32603, `internal error: ${a.error.message}\n${c.stderr().slice(-2000)}`);
        }
        // The server's copy of the text is the client's: same outline, same version.
        const t = performance.now();
        const got = await c.request('textDocument/documentSymbol', { textDocument: { uri } }, 5000);
        assert.ok(performance.now() - t < 5000);
        assert.deepEqual(got.result, expectedSymbols(doc), `outline differs after run ${run}`);
        const scen = await c.request('vpscope/scenario', { textDocument: { uri } }, 5000);
        assert.equal((scen.result as { version: number }).version, doc.version);
        c.notify('textDocument/didClose', { textDocument: { uri } });
        assert.equal(c.child.exitCode, null, `server exited\n${c.stderr().slice(-2000)}`);
      },
    ),
    { numRuns: RUNS, endOnFailure: true },
  );
  const ms = performance.now() - t0;
  console.log(`lsp fuzz: ${edits} edits, ${requests} requests, ${bad} malformed frames in ${Math.round(ms)} ms; ${c.nullErrors.length} frame errors answered`);
  assert.ok(edits >= RUNS * EDITS_PER_RUN);
  const victim = await c.request('vpscope/scenario', { textDocument: { uri: VICTIM } }, 5000);
  assert.equal((victim.result as { version: number }).version, 1, 'no malformed frame was applied');
  assert.ok(bad === 0 || c.nullErrors.length > 0);
});
