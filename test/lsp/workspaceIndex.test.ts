/**
 * The workspace symbol index (lsp/workspaceFiles.ts `indexFiles`) reads files that are not open
 * as `vpscope check` reads them. Found by attack11: a UTF-16 scenario (with its byte-order mark,
 * as Windows PowerShell 5's `>` writes it) was read as UTF-8, a NUL every other character, so
 * none of its names were in the index (workspace symbols missed them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexFiles, type SymbolsMessage } from '../../server/src/lsp/workspaceFiles';
import { analyzeDocument } from '../../server/src/model/analyze';

const TEXT = 'host { pcpus 2 }\nvm "wörker🦀" { vcpus 1; guest { thread t { cpu 1ms } } }\nvariant big { vm "wörker🦀" { vcpus 2 } }\n';

test('a UTF-16 scenario (LE or BE, with its byte-order mark) is indexed with the same symbols as its UTF-8 text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpscope-index-'));
  try {
    const le = Buffer.from('\ufeff' + TEXT, 'utf16le');
    const files: [string, Buffer][] = [
      ['utf8.vps', Buffer.from(TEXT, 'utf8')],
      ['le.vps', le],
      ['be.vps', Buffer.from(le).swap16()],
    ];
    const out: SymbolsMessage[] = [];
    for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
    indexFiles({ type: 'symbols', paths: files.map(([n]) => join(dir, n)) }, (t) => analyzeDocument(t, { uri: '', hazards: false }), (m) => out.push(m));
    const symbols = out.filter((m) => m.type === 'indexed').map((m) => (m.type === 'indexed' ? m.symbols : []));
    assert.equal(symbols.length, 3);
    assert.ok(symbols[0].some((s) => s.name === 'wörker🦀') && symbols[0].some((s) => s.name === 'big'), JSON.stringify(symbols[0]));
    assert.deepEqual(symbols[1], symbols[0]);
    assert.deepEqual(symbols[2], symbols[0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
