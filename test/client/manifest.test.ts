/**
 * The extension's manifest and package as the Marketplace and VS Code read them: an icon of the
 * right size, a changelog for this version, no placeholder hosts, the trust and virtual-workspace
 * capabilities, a README vsce packages without `--no-rewrite-relative-links`, and a .vsix file
 * list without the CLI or source maps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const raw = readFileSync(join(root, 'package.json'), 'utf8');
const pkg = JSON.parse(raw);

test('icon: a 128x128 PNG that exists', () => {
  assert.equal(pkg.icon, 'images/icon.png');
  const png = readFileSync(join(root, pkg.icon));
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
});

test('no placeholder hosts; keywords; CHANGELOG has this version', () => {
  assert.doesNotMatch(raw, /example\.(invalid|com|org)/);
  for (const k of ['repository', 'bugs', 'homepage']) assert.equal(pkg[k], undefined, `${k} without a real host`);
  assert.ok(Array.isArray(pkg.keywords) && pkg.keywords.length >= 3 && pkg.keywords.length <= 30);
  const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
  assert.match(changelog, new RegExp(`^## ${pkg.version.replace(/\./g, '\\.')}$`, 'm'));
});

test('capabilities: Restricted Mode and virtual workspaces declared, restricted settings exist', () => {
  const { untrustedWorkspaces: u, virtualWorkspaces: v } = pkg.capabilities;
  assert.equal(u.supported, 'limited');
  assert.ok(u.description.length > 20);
  const settings = Object.keys(pkg.contributes.configuration.properties);
  for (const s of u.restrictedConfigurations) assert.ok(settings.includes(s), `${s} is not a contributed setting`);
  assert.equal(v.supported, 'limited');
  assert.ok(v.description.length > 20);
  assert.match(readFileSync(join(root, 'README.md'), 'utf8'), /Restricted Mode/);
});

test('vscode:prepublish builds the release bundle', () => {
  assert.match(pkg.scripts['vscode:prepublish'], /scripts\/build\.mjs --release/);
  assert.match(pkg.scripts.package, /scripts\/build\.mjs --release/);
});

test('README and CHANGELOG have no relative links (vsce would need a repository to rewrite them)', () => {
  for (const f of ['README.md', 'CHANGELOG.md']) {
    const text = readFileSync(join(root, f), 'utf8');
    const links = [...text.matchAll(/(!?)\[([^\][]*)\]\(([^)]+)\)/g)].map((m) => m[3]);
    const relative = links.filter((l) => !/^\w+:\/\//.test(l) && !l.startsWith('#') && !/^mailto:/i.test(l));
    assert.deepEqual(relative, [], `${f} links relative paths`);
  }
});

const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
test('.vsix file list: icon, changelog, CLI, walkthrough and templates in, source maps out', {
  skip: existsSync(join(root, 'dist', 'extension.js')) ? false : 'dist/ is not built (npm run build)',
}, () => {
  const r = spawnSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VPSCOPE_PACKAGE_AS_BUILT: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const files = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  for (const f of ['images/icon.png', 'CHANGELOG.md', 'dist/extension.js', 'dist/server.js']) assert.ok(files.includes(f), f);
  // The `vpscope` task type runs `vpscope check` with the bundled CLI.
  assert.ok(files.includes('dist/cli.js'), 'the task type runs the CLI');
  // The walkthrough's media and every template the quick pick offers.
  for (const step of pkg.contributes.walkthroughs.flatMap((w: { steps: { media: { markdown?: string } }[] }) => w.steps)) {
    if (step.media.markdown) assert.ok(files.includes(step.media.markdown), step.media.markdown);
  }
  assert.ok(files.filter((f) => /^examples\/[^/]+\.vps$/.test(f)).length >= 3, 'the example scenarios (templates)');
  assert.deepEqual(files.filter((f) => f.endsWith('.map')), []);
});
