/**
 * Invariant: everything under server/src/trace/ is pure — no node modules, no file system, no
 * zlib, no clock, no process, no Buffer — so the editor can run it anywhere. Node-only I/O lives
 * in server/src/io/traceFile.ts and server/src/cli/analyze.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './helpers';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const FORBIDDEN: [RegExp, string][] = [
  [/from ['"](node:|fs|zlib|path|os|child_process|worker_threads)/, 'a node module import'],
  [/require\(/, 'require'],
  [/\bprocess\./, 'process'],
  [/\bBuffer\b/, 'Buffer'],
  [/\bDate\.now\b|\bnew Date\(|\bperformance\.now\b/, 'the clock'],
  [/\bsetTimeout\b|\bsetImmediate\b/, 'timers'],
];

describe('layering', () => {
  it('server/src/trace/ is pure', () => {
    const list = files(join(repoRoot, 'server', 'src', 'trace'));
    assert.ok(list.length > 10);
    for (const f of list) {
      // Comments may mention what the layer must not do.
      const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const [re, what] of FORBIDDEN) assert.ok(!re.test(code), `${f} uses ${what}`);
    }
  });
});
