/**
 * Architecture invariants, enforced (see ARCHITECTURE.md). Reads the source as text: an import
 * that breaks a layer rule fails here with the file and the line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

interface Hit { file: string; line: number; text: string }

function find(dirs: string[], pattern: RegExp, exclude: (rel: string) => boolean = () => false): Hit[] {
  const hits: Hit[] = [];
  for (const d of dirs) {
    const abs = join(root, d);
    let list: string[] = [];
    try { list = files(abs); } catch { continue; }
    for (const f of list) {
      const rel = relative(root, f);
      if (exclude(rel)) continue;
      readFileSync(f, 'utf8').split('\n').forEach((text, i) => {
        // Comments may name the forbidden things; only code counts.
        const code = /^\s*(\*|\/\*)/.test(text) ? '' : text.replace(/\/\/.*$/, '');
        if (pattern.test(code)) hits.push({ file: rel, line: i + 1, text: text.trim() });
      });
    }
  }
  return hits;
}

const show = (hs: Hit[]) => hs.map((h) => `${h.file}:${h.line}: ${h.text}`).join('\n');

// The pure core: syntax -> model -> sim -> analysis -> trace, plus the IDE feature logic.
const core = ['server/src/core', 'server/src/syntax', 'server/src/model', 'server/src/sim', 'server/src/analysis', 'server/src/trace', 'server/src/ide', 'server/src/report'];
// Thin Node shells that live beside the core they wrap.
const shellFiles = (rel: string) => rel === join('server', 'src', 'sim', 'worker.ts');

test('only server/src/lsp imports the LSP protocol libraries', () => {
  const hits = find(['server/src', 'client/src', 'webview'], /from ['"]vscode-languageserver/, (rel) => rel.startsWith(join('server', 'src', 'lsp')));
  assert.equal(hits.length, 0, show(hits));
});

test('only client/ imports vscode', () => {
  const hits = find(['server/src', 'webview'], /from ['"]vscode['"]/);
  assert.equal(hits.length, 0, show(hits));
});

test('the core does no I/O: no node:fs, child_process, net, zlib, worker_threads', () => {
  const hits = find(core, /from ['"](node:)?(fs|fs\/promises|child_process|net|http|https|zlib|worker_threads|readline)['"]/, shellFiles);
  assert.equal(hits.length, 0, show(hits));
});

test('the core reads no clock and no unseeded randomness', () => {
  const hits = find(core, /\bMath\.random\b|\bDate\.now\b|\bnew Date\(|\bperformance\.now\b|\bprocess\.hrtime\b/, shellFiles);
  assert.equal(hits.length, 0, show(hits));
});

test('the core does not touch the process', () => {
  const hits = find(core, /\bprocess\.(stdout|stderr|exit|argv|env)\b/, shellFiles);
  assert.equal(hits.length, 0, show(hits));
});

test('the simulator does not import the analysis layer above it (the shells add run findings)', () => {
  // sim/worker.ts is a shell: it runs analysis/run's simulateAllWithFindings.
  const hits = find(['server/src/sim'], /from ['"](\.\.\/)+analysis\//, shellFiles);
  assert.equal(hits.length, 0, show(hits));
});

test('the core does not import the shells (cli/, io/, lsp/): shared code lives in the core', () => {
  const hits = find(core, /from ['"](\.\.\/)+(cli|io|lsp)\//, shellFiles);
  assert.equal(hits.length, 0, show(hits));
});
