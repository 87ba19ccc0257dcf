/**
 * The CLI as users install it: `npm pack` of this package, then `npm install -g` of the tarball
 * into a temporary prefix, offline, with an empty npm cache. That only works when nothing is a
 * runtime dependency (everything is bundled into dist/). The installed `vpscope` then reports
 * package.json's version, checks a scenario, and simulates one into an HTML report (which needs
 * dist/simWorker.js and the webview bundle beside dist/cli.js).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string; dependencies?: object };
const built = ['cli.js', 'cli-scenario.js', 'cli-analyze.js', 'simWorker.js', 'webview.js', 'webview.css'].every((f) => existsSync(join(root, 'dist', f)));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('npm pack -> npm install -g (offline, temp prefix) -> vpscope runs', {
  skip: built ? false : 'dist/ is not built (npm run build)',
  timeout: 180_000,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpscope-pack-'));
  try {
    // An empty cache of our own: an install that needed any download would fail offline.
    const env = { ...process.env, NODE_OPTIONS: '', npm_config_cache: join(dir, 'cache'), npm_config_update_notifier: 'false' };
    assert.equal(pkg.dependencies, undefined, 'runtime dependencies would be downloaded at install time');

    const packed = spawnSync(npm, ['pack', '--json', '--pack-destination', dir], { cwd: root, env, encoding: 'utf8' });
    assert.equal(packed.status, 0, packed.stderr);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    assert.deepEqual(info.files.map((f) => f.path).sort(), [
      'LICENSE', 'README.md', 'dist/cli-analyze.js', 'dist/cli-scenario.js', 'dist/cli.js', 'dist/simWorker.js', 'dist/webview.css', 'dist/webview.js', 'docs/codes.md', 'package.json',
      'schemas/vpscope.check-1.schema.json', 'schemas/vpscope.run-1.schema.json', 'schemas/vpscope.seeds-1.schema.json', 'schemas/vpscope.trace-1.schema.json',
    ]);

    const prefix = join(dir, 'prefix');
    const inst = spawnSync(npm, ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(dir, info.filename)], {
      cwd: dir, env, encoding: 'utf8',
    });
    assert.equal(inst.status, 0, inst.stdout + inst.stderr);
    const installed = join(prefix, 'lib', 'node_modules', pkg.name);
    assert.ok(!existsSync(join(installed, 'node_modules')), 'the installed package pulled in dependencies');
    const bin = join(prefix, 'bin', 'vpscope');
    const vpscope = (args: string[]) => spawnSync(bin, args, { cwd: dir, env, encoding: 'utf8' });

    const v = vpscope(['--version']);
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout, `${pkg.version}\n`);

    mkdirSync(join(dir, 'work'));
    writeFileSync(join(dir, 'work', 'good.vps'), 'host { pcpus 4 }\nvm web { vcpus 2 }\n');
    writeFileSync(join(dir, 'work', 'bad.vps'), 'host { pcpus 4 }\nvm web { vcpus 2; cpus 0-9 }\n');
    const ok = vpscope(['check', join(dir, 'work', 'good.vps'), join(root, 'examples', 'storvsp-head-of-line.vps')]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    const bad = vpscope(['check', join(dir, 'work', 'bad.vps')]);
    assert.equal(bad.status, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /bad\.vps:2:\d+: error/);
    // SARIF rules link the installed package's docs/codes.md; the outputs' schemas ship with it.
    const sarif = vpscope(['check', '--format', 'sarif', '--no-simulate', join(dir, 'work', 'bad.vps')]);
    const rules = JSON.parse(sarif.stdout).runs[0].tool.driver.rules as { helpUri?: string }[];
    assert.ok(rules.length > 0 && rules.every((r) => r.helpUri && existsSync(fileURLToPath(r.helpUri.replace(/#.*/, '')))), sarif.stdout);
    for (const f of ['check', 'run', 'trace']) assert.ok(existsSync(join(installed, 'schemas', `vpscope.${f}-1.schema.json`)), f);

    const html = join(dir, 'work', 'run.html');
    const sim = vpscope(['simulate', join(root, 'examples', 'storvsp-head-of-line.vps'), '--html', html]);
    assert.equal(sim.status, 0, sim.stdout + sim.stderr);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /vpscope-view-data/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
