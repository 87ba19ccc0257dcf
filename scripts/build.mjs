// One build for everything: the language server, the extension entry, the CLI, the simulation
// and trace workers and (when present) the webview bundle. Bundled with esbuild, so dist/ runs
// without node_modules (the .vsix ships dist/ only).
// `--release` (npm run package, vscode:prepublish): minified, no source maps. The CLI's
// `--version` is package.json's version, put in at build time (VPSCOPE_VERSION).
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, chmodSync, readFileSync, readdirSync, rmSync } from 'node:fs';

// vsce runs `vscode:prepublish` (a release build) before it lists or packages files. The tests
// package the extension while other tests run dist/ (a rebuild then would race them), and
// `npm run package` has just built the release: scripts/package.mjs sets VPSCOPE_PACKAGE_AS_BUILT
// so that vsce packages dist/ as it is.
if (process.argv.includes('--prepublish') && process.env.VPSCOPE_PACKAGE_AS_BUILT === '1') {
  console.log('vscode:prepublish: packaging dist/ as built');
  process.exit(0);
}
const watch = process.argv.includes('--watch');
const release = process.argv.includes('--release');
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const common = {
  bundle: true,
  sourcemap: !release,
  minify: release,
  logLevel: 'warning',
  legalComments: 'none',
  define: { VPSCOPE_VERSION: JSON.stringify(version) },
};
const node = { ...common, platform: 'node', target: 'node20', format: 'cjs' };

// The CLI is a small dispatcher (dist/cli.js) and two bundles beside it, loaded when a command
// runs: dist/cli-analyze.js (`analyze`) and dist/cli-scenario.js (`check`, `simulate`, which share
// the simulator, the scenario model and the analyses). `vpscope analyze` then compiles and
// initialises a third of the code, about 40 ms less start-up per run. main.ts requires them
// lazily; here those requires are pointed at the sibling bundles.
const cliParts = { './analyze': 'server/src/cli/analyze.ts', './scenarioCommands': 'server/src/cli/scenarioCommands.ts' };
const cliOut = { './analyze': './cli-analyze.js', './scenarioCommands': './cli-scenario.js' };
const cliSplit = {
  name: 'cli-split',
  setup(build) {
    build.onResolve({ filter: /^\.\/(analyze|scenarioCommands)$/ }, (a) =>
      a.importer.endsWith('main.ts') ? { path: cliOut[a.path], external: true } : undefined,
    );
  },
};

const builds = [
  { ...node, entryPoints: ['server/src/lsp/server.ts'], outfile: 'dist/server.js' },
  { ...node, entryPoints: ['server/src/sim/worker.ts'], outfile: 'dist/simWorker.js' },
  { ...node, entryPoints: ['server/src/lsp/traceWorker.ts'], outfile: 'dist/traceWorker.js' },
  { ...node, entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, plugins: [cliSplit] },
  ...Object.keys(cliParts).map((k) => ({ ...node, entryPoints: [cliParts[k]], outfile: `dist/${cliOut[k].slice(2)}` })),
  { ...node, entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...common, platform: 'browser', target: 'es2022', format: 'iife', entryPoints: ['webview/src/main.ts'], outfile: 'dist/webview.js' },
].filter((b) => existsSync(b.entryPoints[0]));

mkdirSync('dist', { recursive: true });
// A release build must not leave the previous debug build's maps behind.
if (release) for (const f of readdirSync('dist')) if (f.endsWith('.map')) rmSync(`dist/${f}`);
if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
}
