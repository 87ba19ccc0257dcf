// One build for everything: the language server, the extension entry, the CLI, the simulation
// and trace workers and (when present) the webview bundle. Bundled with esbuild, so dist/ runs
// without node_modules (the .vsix ships dist/ only).
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, chmodSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none' };
const node = { ...common, platform: 'node', target: 'node20', format: 'cjs' };

const builds = [
  { ...node, entryPoints: ['server/src/lsp/server.ts'], outfile: 'dist/server.js' },
  { ...node, entryPoints: ['server/src/sim/worker.ts'], outfile: 'dist/simWorker.js' },
  { ...node, entryPoints: ['server/src/lsp/traceWorker.ts'], outfile: 'dist/traceWorker.js' },
  { ...node, entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: ['webview/src/main.ts'], outfile: 'dist/webview.js' },
].filter((b) => existsSync(b.entryPoints[0]));

mkdirSync('dist', { recursive: true });
if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
}
