/**
 * The .vsix ships dist/ without node_modules, so the bundles the extension runs may require only
 * Node's built-in modules (and `vscode`, which VS Code provides to the extension). This catches
 * a dependency left external by mistake without starting VS Code; the end-to-end test proves the
 * same by running the installed .vsix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const builtins = new Set(builtinModules);

const bundles: [file: string, alsoAllowed: string[]][] = [
  ['dist/extension.js', ['vscode']],
  ['dist/server.js', []],
  ['dist/simWorker.js', []],
  ['dist/traceWorker.js', []],
  // The CLI's dispatcher loads each command's bundle from beside itself.
  ['dist/cli.js', ['./cli-scenario.js', './cli-analyze.js']],
  ['dist/cli-scenario.js', []],
  ['dist/cli-analyze.js', []],
];

for (const [file, alsoAllowed] of bundles) {
  const path = join(root, file);
  test(`${file} requires only Node built-ins${alsoAllowed.length ? ' and ' + alsoAllowed.join(', ') : ''}`, {
    skip: existsSync(path) ? false : `${file} is not built (npm run build)`,
  }, () => {
    const text = readFileSync(path, 'utf8');
    const required = [...text.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    const foreign = [...new Set(required)].filter((m) => {
      const bare = m.startsWith('node:') ? m.slice(5) : m;
      return !builtins.has(bare) && !alsoAllowed.includes(m);
    });
    assert.deepEqual(foreign, [], `${file} requires modules that are not in the .vsix`);
  });
}
