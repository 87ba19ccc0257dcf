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
  for (const c of ['scenario', 'analyze']) assert.ok(files.includes(`dist/cli-${c}.js`), `the CLI loads dist/cli-${c}.js`);
  // The walkthrough's media and every template the quick pick offers.
  for (const step of pkg.contributes.walkthroughs.flatMap((w: { steps: { media: { markdown?: string } }[] }) => w.steps)) {
    if (step.media.markdown) assert.ok(files.includes(step.media.markdown), step.media.markdown);
  }
  assert.ok(files.filter((f) => /^examples\/[^/]+\.vps$/.test(f)).length >= 3, 'the example scenarios (templates)');
  assert.deepEqual(files.filter((f) => f.endsWith('.map')), []);
});

/** A `resourceExtname =~ /.../` when-clause's regular expression. */
function extnameRegex(when: string): RegExp {
  const m = /resourceExtname =~ \/(.+?)\/(\s|$)/.exec(when);
  assert.ok(m, `a resourceExtname clause in ${when}`);
  return new RegExp(m[1]);
}

test('commands: a category and an icon each; every menu entry names a contributed command', () => {
  const commands = pkg.contributes.commands as { command: string; title: string; category: string; icon?: string; enablement?: string }[];
  const ids = new Set(commands.map((c) => c.command));
  for (const c of commands) {
    assert.equal(c.category, 'vpscope', c.command);
    assert.match(c.icon ?? '', /^\$\([a-z-]+\)$/, `${c.command} has a codicon`);
  }
  for (const id of ['vpscope.newFromTemplate', 'vpscope.generateScenario', 'vpscope.compareVariants', 'vpscope.exportReport', 'vpscope.restartServer', 'vpscope.getStarted']) assert.ok(ids.has(id), id);
  for (const [menu, entries] of Object.entries(pkg.contributes.menus as Record<string, { command: string }[]>)) {
    for (const e of entries) assert.ok(ids.has(e.command), `${menu}: ${e.command} is a contributed command`);
  }
  // Export needs a result to export.
  assert.match(commands.find((c) => c.command === 'vpscope.exportReport')!.enablement!, /vpscope\.hasResult/);
});

test('Explorer context menu: Analyze Trace… on .dat, .txt, .gz and .json files only', () => {
  const entries = pkg.contributes.menus['explorer/context'] as { command: string; when: string }[];
  for (const id of ['vpscope.analyzeTrace', 'vpscope.generateScenario']) {
    const e = entries.find((x) => x.command === id);
    assert.ok(e, `${id} is in explorer/context`);
    assert.match(e.when, /!explorerResourceIsFolder/);
    const re = extnameRegex(e.when);
    for (const ext of ['.dat', '.txt', '.gz', '.json']) assert.ok(re.test(ext), `${id} on ${ext}`);
    for (const ext of ['.vps', '.md', '.data', '.gzip', '']) assert.ok(!re.test(ext), `${id} not on '${ext}'`);
  }
});

test('walkthrough: five steps, each with a packaged markdown page and a completion event', () => {
  const [w] = pkg.contributes.walkthroughs as { id: string; steps: { id: string; media: { markdown: string }; completionEvents: string[]; description: string }[] }[];
  assert.equal(w.id, 'vpscope.gettingStarted');
  assert.deepEqual(w.steps.map((s) => s.id), ['openExample', 'seeFinding', 'simulate', 'timeline', 'trace']);
  for (const s of w.steps) {
    assert.ok(existsSync(join(root, s.media.markdown)), s.media.markdown);
    assert.ok(s.completionEvents.length > 0);
    // Each step's button runs a command this extension (or VS Code) has.
    const cmd = /\(command:([\w.]+)\)/.exec(s.description)?.[1];
    assert.ok(cmd, `${s.id} has a command button`);
  }
});

test('settings: the new ones are typed, documented, and have defaults the server accepts', () => {
  const props = pkg.contributes.configuration.properties as Record<string, { type: unknown; default: unknown; markdownDescription: string }>;
  for (const k of ['vpscope.simulation.seed', 'vpscope.simulation.maxEvents', 'vpscope.simulation.seeds', 'vpscope.traceAnalysis.thresholdUs', 'vpscope.traceAnalysis.stealPct', 'vpscope.timeline.initialPanel', 'vpscope.timeline.logScale']) {
    assert.ok(props[k], k);
    assert.ok(props[k].type, `${k} is typed`);
    assert.ok(props[k].markdownDescription.length > 40, `${k} is documented`);
    assert.ok(readFileSync(join(root, 'README.md'), 'utf8').includes(`\`${k}\``), `${k} is in the README`);
    assert.ok(readFileSync(join(root, 'docs', 'extension.md'), 'utf8').includes(`\`${k}\``), `${k} is in docs/extension.md`);
  }
});
