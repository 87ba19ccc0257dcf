/**
 * The diagnostics prepared during the quiet time after an edit (converted and, over stdio,
 * encoded ahead: lsp/session.ts `lspDiagnostics` / `publication`, transport.ts `PreparedEncoder`)
 * are those of the current version and settings when they are published, whatever comes between
 * the preparation and the publication: more edits, a settings change, a close and a reopen.
 * fast-check sequences of those, timed around the 150 ms quiet time, against the built server
 * over stdio; the last publication must equal what a fresh document with the final text gets
 * under the final settings (another server, the same settings), once both are settled.
 * RACE_BACKGROUND=1 turns the background simulation on in both servers (run diagnostics landing
 * in the quiet time; slow: each case settles for seconds), RACE_RUNS sets the number of cases
 * (default 10), RACE_VERBOSE=1 prints a mismatch. No hole found: 25 cases without and 6 with the
 * background simulation (load 9-11); an earlier oracle that waited a fixed 3 s for the fresh
 * server's run diagnostics was what failed, not the server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { pushCapabilities, startClient, type TestClient } from './harness';

const ROOT = resolve(__dirname, '../..');
const BASE = readFileSync(join(ROOT, 'examples', 'openhcl-blocking-syscall.vps'), 'utf8');
const lines = BASE.split('\n');
const TEXTS = [
  BASE,
  [...lines.slice(0, 3), 'frobnicate 12', ...lines.slice(3)].join('\n'),
  lines.filter((_, i) => i % 5 !== 2).join('\n'),
  BASE.replace(/\d+/, '0'),
  '',
  'vm x {\n  vcpus -1\n',
];
const SETTINGS = [{}, { severity: { VPS201: 'off' } }, { severity: { VPS201: 'error' } }, { stallThresholds: { warnLongestMs: 1 } }];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits for a publication of `version` followed by a quiet time (3 polls without a publication). */
async function settled(seen: PublishDiagnosticsParams[], version: number): Promise<void> {
  const poll = process.env.RACE_BACKGROUND ? 1500 : 400;
  for (let quiet = 0, waited = 0; quiet < 3; waited += poll) {
    assert.ok(waited < 60_000, `no settled publication of version ${version}: ${JSON.stringify(seen.map((p) => p.version))}`);
    const before = seen.length;
    await sleep(poll);
    quiet = seen.length === before && seen.at(-1)?.version === version ? quiet + 1 : 0;
  }
}
const norm = (d: Diagnostic[], uri: string) => JSON.stringify(d).split(JSON.stringify(uri).slice(1, -1)).join('URI');

type Op = { k: 'edit'; t: number; wait: number } | { k: 'settings'; s: number; wait: number } | { k: 'reopen'; t: number; wait: number };

describe('diagnostics prepared in the quiet time are those published at its end', () => {
  let client: TestClient;
  let oracle: TestClient;
  before(async () => {
    const initializationOptions = process.env.RACE_BACKGROUND ? { backgroundSimulation: { enabled: true } } : undefined;
    client = await startClient({ capabilities: pushCapabilities, initializationOptions });
    oracle = await startClient({ capabilities: pushCapabilities, initializationOptions });
  });
  after(async () => {
    await client.shutdown();
    await oracle.shutdown();
  });
  const configure = (c: TestClient, s: number) => c.connection.sendNotification('workspace/didChangeConfiguration', { settings: { vpscope: { diagnostics: SETTINGS[s] } } });

  test('edits, settings changes and reopens around the quiet time', { timeout: 600_000 }, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ k: fc.constant('edit' as const), t: fc.nat(TEXTS.length - 1), wait: fc.constantFrom(0, 5, 60, 75, 90, 140, 150, 160, 300) }),
            fc.record({ k: fc.constant('settings' as const), s: fc.nat(SETTINGS.length - 1), wait: fc.constantFrom(0, 75, 150, 160) }),
            fc.record({ k: fc.constant('reopen' as const), t: fc.nat(TEXTS.length - 1), wait: fc.constantFrom(0, 75, 160) }),
          ),
          { minLength: 1, maxLength: 8 },
        ),
        async (ops: Op[]) => {
          const uri = `file:///work/race${++n}.vps`;
          let version = 1;
          let text = TEXTS[0];
          let settings = 0;
          await configure(client, 0);
          const seen: PublishDiagnosticsParams[] = [];
          const sub = client.onPublish((p) => p.uri === uri && seen.push(p));
          client.open(uri, text, version);
          for (const op of ops) {
            if (op.k === 'edit') {
              text = TEXTS[op.t];
              client.change(uri, ++version, [{ text }]);
            } else if (op.k === 'settings') {
              settings = op.s;
              await configure(client, settings);
            } else {
              client.close(uri);
              text = TEXTS[op.t];
              client.open(uri, text, ++version);
            }
            await sleep(op.wait);
          }
          await settled(seen, version);
          sub.dispose();
          client.close(uri);
          // The oracle: the final text opened once under the final settings, settled the same way.
          const ref = `file:///oracle/race${n}.vps`;
          await configure(oracle, settings);
          const refSeen: PublishDiagnosticsParams[] = [];
          const refSub = oracle.onPublish((p) => p.uri === ref && refSeen.push(p));
          oracle.open(ref, text, 1);
          await settled(refSeen, 1);
          refSub.dispose();
          oracle.close(ref);
          const want = refSeen.at(-1)!.diagnostics;
          const got = seen.at(-1)!;
          if (process.env.RACE_VERBOSE && norm(got.diagnostics, uri) !== norm(want, ref)) console.error('MISMATCH', JSON.stringify(ops), 'got', JSON.stringify(got.diagnostics.map((d) => [d.code, d.range.start.line, d.severity, String(d.message).slice(0, 60)])), 'want', JSON.stringify(want.map((d) => [d.code, d.range.start.line, d.severity, String(d.message).slice(0, 60)])), 'versions', JSON.stringify(seen.map((p) => [p.version, p.diagnostics.length])));
          assert.equal(norm(got.diagnostics, uri), norm(want, ref), `ops ${JSON.stringify(ops)}: the last publication (version ${got.version}) is not that of the final text and settings`);
        },
      ),
      { numRuns: Number(process.env.RACE_RUNS ?? 10), seed: 7, verbose: process.env.RACE_VERBOSE ? 2 : 0 },
    );
  });
});
