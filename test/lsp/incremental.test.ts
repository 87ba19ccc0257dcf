/**
 * Incremental re-analysis through the protocol: a sequence of incremental `didChange`s (with
 * completions and hovers between them, so the server answers from the `syntax` depth and then
 * builds on it) ends with the same diagnostics, completion and hover answers as a fresh server
 * that opens the final text. Edits break and re-fix braces, rename a VM, add and remove a
 * variant, and edit block headers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompletionList, Diagnostic, Hover } from 'vscode-languageserver-protocol';
import { LineIndex } from '../../server/src/core/text';
import { genScenario } from '../bench/genScenario';
import { startClient } from './harness';

const URI = 'file:///w/incr.vps';

type Change = { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string };

/** An edit of `text` at [from, to) as an LSP change, and the new text. */
function edit(text: string, from: number, to: number, insert: string): { change: Change; text: string } {
  const ix = new LineIndex(text);
  return { change: { range: { start: ix.positionAt(from), end: ix.positionAt(to) }, text: insert }, text: text.slice(0, from) + insert + text.slice(to) };
}

test('incremental didChange sequence: diagnostics, completion and hover equal a fresh open of the final text', async () => {
  let text = genScenario({ lines: 400, seed: 9 });
  const steps: [string, (t: string) => [number, number, string]][] = [
    ['break a block: delete a closing brace', (t) => { const i = t.indexOf('\n  }\n  guest {'); return [i + 3, i + 4, '']; }],
    ['re-fix it', (t) => { const i = t.indexOf('\n  \n  guest {'); return [i + 3, i + 3, '}']; }],
    ['rename vm1 (the variant refers to it)', (t) => { const i = t.indexOf('vm vm1 {'); return [i + 3, i + 6, 'web1']; }],
    ['edit a header', (t) => { const i = t.indexOf('    task t1 {'); return [i + 9, i + 11, 'tx'] ; }],
    ['add a variant', (t) => [t.length, t.length, 'variant extra {\n  based_on bigger\n  vm vm2 { vcpus 2 }\n}\n']],
    ['a typo in a value', (t) => { const i = t.indexOf('vcpus '); return [i + 6, i + 7, 'x']; }],
    ['remove the variant again', (t) => { const i = t.indexOf('variant extra {'); return [i, t.length, '']; }],
    ['a stray brace at the top', (t) => { const i = t.indexOf('vm vm3 {'); return [i, i, '}\n']; }],
  ];
  const client = await startClient();
  const fresh = await startClient();
  try {
    client.open(URI, text, 1);
    await client.diagnostics(URI, (_d, v) => v === 1, 20_000);
    let v = 1;
    for (const [, make] of steps) {
      const [from, to, insert] = make(text);
      assert.ok(from >= 0 && to >= from, 'the step finds its place');
      const r = edit(text, from, to, insert);
      text = r.text;
      client.change(URI, ++v, [r.change]);
      // A request right after the keystroke (answered from the syntax depth).
      const p = new LineIndex(text).positionAt(Math.min(text.length, to + insert.length));
      await client.request<CompletionList>('textDocument/completion', { textDocument: { uri: URI }, position: p });
    }
    const finalV = v;
    const got = await client.diagnostics(URI, (_d, ver) => ver === finalV, 20_000);
    fresh.open(URI, text, 1);
    const want = await fresh.diagnostics(URI, (_d, ver) => ver === 1, 20_000);
    const key = (ds: Diagnostic[]) => JSON.parse(JSON.stringify(ds));
    assert.ok(want.length > 0, 'the final text has diagnostics (a stray brace at least)');
    assert.deepEqual(key(got), key(want));
    // Completion and hover at spread positions agree too.
    const ix = new LineIndex(text);
    for (let k = 1; k < 40; k++) {
      const position = ix.positionAt(Math.floor((k / 40) * text.length));
      const [c1, c2] = await Promise.all([
        client.request<CompletionList>('textDocument/completion', { textDocument: { uri: URI }, position }),
        fresh.request<CompletionList>('textDocument/completion', { textDocument: { uri: URI }, position }),
      ]);
      assert.deepEqual(c1, c2, `completion at ${JSON.stringify(position)}`);
      const [h1, h2] = await Promise.all([
        client.request<Hover | null>('textDocument/hover', { textDocument: { uri: URI }, position }),
        fresh.request<Hover | null>('textDocument/hover', { textDocument: { uri: URI }, position }),
      ]);
      assert.deepEqual(h1, h2, `hover at ${JSON.stringify(position)}`);
    }
  } finally {
    await client.shutdown();
    await fresh.shutdown();
  }
});
