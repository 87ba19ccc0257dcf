// Packages the extension as a .vsix, offline, from the bundled dist/ (run `npm run build` first;
// `npm run package` does both). Usage: node scripts/package.mjs [--out FILE.vsix]
//
// `--no-dependencies`: dist/ is bundled by esbuild, so the .vsix carries no node_modules.
// .vscodeignore keeps the package to dist/ (the CLI included: the task type runs it), the grammar,
// snippets, language configuration, the walkthrough's pages, the example scenarios (templates),
// docs/codes.md (diagnostic code links), README, LICENSE and package.json; this script fails when a file the extension needs is absent
// or something outside that list slipped in.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const args = process.argv.slice(2);
const outIdx = args.indexOf('--out');
const out = resolve(outIdx >= 0 ? args[outIdx + 1] : join(root, `${pkg.name}-${pkg.version}.vsix`));
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');

const required = [
  'package.json',
  'LICENSE',
  'CHANGELOG.md',
  'images/icon.png',
  'dist/extension.js',
  'dist/server.js',
  'dist/simWorker.js',
  'dist/traceWorker.js',
  // The timeline tab loads these two; without them it opens blank.
  'dist/webview.js',
  'dist/webview.css',
  'client/language-configuration.json',
  'client/syntaxes/vpscope.tmLanguage.json',
  'client/snippets/vpscope.json',
  // codeDescription.href of every catalogued diagnostic points into it.
  'docs/codes.md',
  // contributes.jsonValidation points at them.
  'schemas/vpscope.check-1.schema.json',
  'schemas/vpscope.run-1.schema.json',
  'schemas/vpscope.trace-1.schema.json',
  'schemas/vpscope.seeds-1.schema.json',
  // The `vpscope` task type runs `vpscope check` with it (and cli.js loads the command's bundle).
  'dist/cli.js',
  'dist/cli-scenario.js',
  'dist/cli-analyze.js',
  // The first page of the walkthrough and the first template (New Scenario from Template).
  'client/walkthrough/open-example.md',
  'examples/openhcl-blocking-syscall.vps',
];
const allowed = /^(package\.json|README\.md|CHANGELOG\.md|LICENSE|images\/icon\.png|dist\/.+|client\/(syntaxes|snippets)\/[^/]+\.json|client\/language-configuration\.json|client\/walkthrough\/[^/]+\.md|examples\/[^/]+\.vps|docs\/codes\.md|schemas\/[^/]+\.schema\.json)$/;

function fail(msg) {
  console.error(`package: ${msg}`);
  process.exit(1);
}

for (const f of required) if (!existsSync(join(root, f))) fail(`missing ${f} (run \`npm run build\` first)`);

// vsce must never ask a question (CI has no stdin): it asks when README/LICENSE/repository are
// missing, which the checks above and package.json rule out; stdin is closed all the same.
const run = (argv) =>
  spawnSync(process.execPath, [vsce, ...argv], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VPSCOPE_PACKAGE_AS_BUILT: '1' } });

const ls = run(['ls', '--no-dependencies']);
if (ls.status !== 0) fail(`vsce ls failed:\n${ls.stdout}${ls.stderr}`);
const files = ls.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
for (const f of required) if (!files.includes(f)) fail(`${f} would not be in the .vsix (check .vscodeignore)`);
const extra = files.filter((f) => !allowed.test(f));
if (extra.length) fail(`unexpected files would be packaged:\n  ${extra.join('\n  ')}`);

mkdirSync(dirname(out), { recursive: true });
const r = run(['package', '--no-dependencies', '--out', out]);
if (r.status !== 0) fail(`vsce package failed:\n${r.stdout}${r.stderr}`);
const kb = Math.round(statSync(out).size / 1024);
console.log(`packaged ${files.length} files into ${out} (${kb} KiB)`);
