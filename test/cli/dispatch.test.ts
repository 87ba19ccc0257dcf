/**
 * The built dispatcher (dist/cli.js) and the bundles it loads (dist/cli-analyze.js,
 * dist/cli-scenario.js) the odd ways users run it: through a symlink (npm's bin), from another
 * directory, with standard input closed, with `--` or an option before the command, and with a
 * sibling bundle missing (a broken copy or install): one line saying which file is missing and
 * exit 2, never a stack trace or exit 3 (before: "internal error: Error: Cannot find module
 * './cli-scenario.js'" and its stack, exit 3).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const dist = join(root, 'dist');
const built = ['cli.js', 'cli-scenario.js', 'cli-analyze.js'].every((f) => existsSync(join(dist, f)));
const example = join(root, 'examples', 'openhcl-blocking-syscall.vps');

function vps(cli: string, args: string[], cwd = tmpdir(), stdin: 'ignore' | 'pipe' = 'pipe') {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', stdio: [stdin, 'pipe', 'pipe'], timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const noStack = (s: string) => assert.doesNotMatch(s, /internal error|\n\s+at |Require stack/, s);

describe('the built CLI dispatcher', { skip: built ? false : 'dist/ is not built (npm run build)' }, () => {
  it('a missing sibling bundle: one line naming it, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-dispatch-'));
    try {
      copyFileSync(join(dist, 'cli.js'), join(dir, 'cli.js'));
      copyFileSync(join(dist, 'cli-analyze.js'), join(dir, 'cli-analyze.js'));
      for (const cmd of ['simulate', 'check']) {
        const r = vps(join(dir, 'cli.js'), [cmd, example]);
        assert.equal(r.code, 2, r.err);
        noStack(r.err);
        assert.equal(r.err.trim().split('\n').length, 1, r.err);
        assert.match(r.err, new RegExp(`^vpscope ${cmd}: cannot load the code of this command: .*cli-scenario\\.js is missing; the installation is incomplete, reinstall vpscope\\n$`));
      }
      // The bundle that is there still runs.
      assert.equal(vps(join(dir, 'cli.js'), ['analyze', '--help']).code, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('through a symlink from another directory, stdin closed: the bundles beside the real file load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vpscope-dispatch-'));
    try {
      symlinkSync(join(dist, 'cli.js'), join(dir, 'vpscope'));
      const r = vps(join(dir, 'vpscope'), ['check', example, '--no-simulate'], dir, 'ignore');
      noStack(r.err);
      assert.ok(r.code === 0 || r.code === 1, `${r.code} ${r.err}`);
      const a = vps(join(dir, 'vpscope'), ['analyze', '-'], dir, 'ignore');
      noStack(a.err);
      assert.ok(a.code === 1 || a.code === 2, `${a.code} ${a.err}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('`--`, an option before the command, odd names: unknown command, exit 2', () => {
    for (const args of [['--'], ['--json', 'analyze'], ['constructor'], ['__proto__'], [''], ['ANALYZE'], ['check\u001b[2J']]) {
      const r = vps(join(dist, 'cli.js'), args);
      assert.equal(r.code, 2, `${JSON.stringify(args)}: ${r.err}`);
      noStack(r.err);
      assert.match(r.err, /^vpscope: unknown command '/);
      assert.doesNotMatch(r.err, /\u001b/);
    }
  });
});
