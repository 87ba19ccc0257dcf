/**
 * `codeDescription.href` over stdio: with `codeDescriptionSupport`, every diagnostic of a
 * catalogued code links to its section of docs/codes.md shipped beside the server's dist/ (the
 * harness lays the bundle out like the installed extension); without it, no link.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import type { ClientCapabilities } from 'vscode-languageserver-protocol';
import { pushCapabilities, startClient, type TestClient } from './harness';

const ROOT = resolve(__dirname, '../..');
/** The catalogued codes: those with a section in docs/codes.md. */
const catalogued = new Set([...readFileSync(join(ROOT, 'docs', 'codes.md'), 'utf8').matchAll(/^## (VPS\d{3})$/gm)].map((m) => m[1]));
const BLOCKING = readFileSync(join(ROOT, 'examples', 'openhcl-blocking-syscall.vps'), 'utf8');
// Syntax, semantic and hazard codes in one document.
const MIXED = `${BLOCKING}\nvm extra { vcpus 2; cpu_weight 300 }\n`;

describe('codeDescription links', () => {
  const clients: TestClient[] = [];
  after(async () => {
    for (const c of clients) await c.shutdown();
  });

  test('every catalogued diagnostic links to its anchor in the shipped docs/codes.md', async () => {
    const client = await startClient({ capabilities: pushCapabilities, initializationOptions: { backgroundSimulation: { enabled: true, debounceMs: 50 } } });
    clients.push(client);
    const uri = 'file:///work/links.vps';
    client.open(uri, MIXED, 1);
    const diags = await client.diagnostics(uri, (d, v) => v === 1 && d.some((x) => typeof x.code === 'string' && x.code.startsWith('VPS3')), 20_000);
    assert.ok(diags.length >= 3, diags.map((d) => d.code).join(', '));
    for (const d of diags) {
      const code = String(d.code);
      if (!catalogued.has(code)) {
        assert.equal(d.codeDescription, undefined, code);
        continue;
      }
      const href = d.codeDescription?.href;
      assert.ok(href, `${code} has a link`);
      assert.match(href, new RegExp(`^file:///.*/docs/codes\\.md#${code.toLowerCase()}$`));
      const file = fileURLToPath(href.replace(/#.*$/, ''));
      assert.ok(existsSync(file), file);
      assert.match(readFileSync(file, 'utf8'), new RegExp(`^## ${code}$`, 'm'), `${code} has a section`);
    }
    assert.ok(diags.some((d) => d.codeDescription), 'at least one linked');
  });

  test('no codeDescriptionSupport: no link', async () => {
    const caps: ClientCapabilities = structuredClone(pushCapabilities);
    delete caps.textDocument!.publishDiagnostics!.codeDescriptionSupport;
    const client = await startClient({ capabilities: caps });
    clients.push(client);
    const uri = 'file:///work/nolinks.vps';
    client.open(uri, MIXED, 1);
    const diags = await client.diagnostics(uri, (d, v) => v === 1 && d.length > 0);
    assert.ok(diags.every((d) => d.codeDescription === undefined));
  });
});
