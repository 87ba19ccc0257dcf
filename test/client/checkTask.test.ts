/**
 * The `vpscope` task type: the problem matcher of package.json (`$vpscope`) applied to what the
 * real CLI prints (`vpscope check`, text format) finds exactly the diagnostics `vpscope check
 * --format json` lists (file, line, column, severity, code, message), and nothing from the related
 * `note:` lines or the summary; a property test over the CLI's own line renderer with hostile
 * paths and messages; and the task definition's argument handling.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { renderText, type CheckedFile } from '../../server/src/cli/format';
import type { Diagnostic } from '../../server/src/core/diagnostic';
import { checkArgs, DEFAULT_GLOBS, PROBLEM_MATCHER, TASK_TYPE, taskGlobs, taskLabel } from '../../client/src/checkTask';
import { cliBundle } from '../lsp/harness';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const matcher = pkg.contributes.problemMatchers.find((m: { name: string }) => `$${m.name}` === PROBLEM_MATCHER);
const pattern = matcher.pattern as { regexp: string; file: number; line: number; column: number; severity: number; code: number; message: number };
const regexp = new RegExp(pattern.regexp);

interface Match {
  file: string;
  line: number;
  column: number;
  severity: string;
  code: string;
  message: string;
}

/** What VS Code's line matcher takes from each line of the output. */
function matchAll(output: string): Match[] {
  const out: Match[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = regexp.exec(line);
    if (!m) continue;
    out.push({ file: m[pattern.file], line: +m[pattern.line], column: +m[pattern.column], severity: m[pattern.severity], code: m[pattern.code], message: m[pattern.message] });
  }
  return out;
}

test('package.json: the task type and the matcher it names exist and agree', () => {
  const def = pkg.contributes.taskDefinitions.find((d: { type: string }) => d.type === TASK_TYPE);
  assert.ok(def, 'taskDefinitions has the vpscope type');
  assert.deepEqual(def.required, ['command']);
  assert.deepEqual(def.properties.command.enum, ['check']);
  assert.equal(matcher.owner, 'vpscope');
  assert.deepEqual(matcher.fileLocation, ['autoDetect', '${workspaceFolder}']);
  assert.ok(pkg.activationEvents.includes(`onTaskType:${TASK_TYPE}`));
});

test('the matcher reads every diagnostic of real `vpscope check` output, and nothing else', async () => {
  const cli = await cliBundle();
  // A workspace-like folder: the task runs the CLI there with relative paths, one with a space.
  const dir = mkdtempSync(join(tmpdir(), 'vpscope-task-'));
  try {
    const files = ['broken.vps', 'my scenario.vps'];
    copyFileSync(join(root, 'test', 'e2e', 'fixtures', 'broken.vps'), join(dir, files[0]));
    copyFileSync(join(root, 'examples', 'openhcl-blocking-syscall.vps'), join(dir, files[1]));
    for (const ex of readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.vps'))) {
      copyFileSync(join(root, 'examples', ex), join(dir, ex));
      files.push(ex);
    }
    const run = (format: string[]) => spawnSync(process.execPath, [cli, ...checkArgs({ type: 'vpscope', command: 'check', args: format }, files)], { cwd: dir, encoding: 'utf8' });
    const text = run([]);
    assert.ok(text.status === 0 || text.status === 1, text.stderr);
    const json = spawnSync(process.execPath, [cli, 'check', '--format', 'json', ...files], { cwd: dir, encoding: 'utf8' });
    const doc = JSON.parse(json.stdout) as { files: { file: string; diagnostics: { severity: string; code: string; message: string; range: { start: { line: number; character: number } } }[] }[] };
    const expected: Match[] = doc.files.flatMap((f) =>
      f.diagnostics.map((d) => ({ file: f.file, line: d.range.start.line + 1, column: d.range.start.character + 1, severity: d.severity, code: d.code, message: d.message })),
    );
    const got = matchAll(text.stdout);
    assert.ok(expected.length >= 5, `real diagnostics to match (${expected.length})`);
    assert.ok(expected.some((d) => d.severity === 'error') && expected.some((d) => d.severity === 'warning'), 'errors and warnings');
    assert.ok(/note:/.test(text.stdout), 'the output has related note lines, which must not match');
    assert.deepEqual(got, expected);
    // `--format` in the task's args is dropped: the output stays text.
    assert.deepEqual(matchAll(run(['--format', 'json']).stdout), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('property: any diagnostic the CLI renders is read back whole (paths with spaces, colons, #)', () => {
  const path = fc
    .array(fc.constantFrom(...'abz09 _-./#:é'.split('')), { minLength: 1, maxLength: 30 })
    .map((cs) => `${cs.join('')}.vps`)
    // A path that itself contains `:N:N: severity VPSnnn: ` is ambiguous for any line format.
    .filter((p) => !/^\s/.test(p) && !/:\d+:\d+: /.test(p));
  const message = fc.string({ maxLength: 60 }).map((s) => s.replace(/[\r\n\u2028\u2029\x00-\x1f\x7f-\x9f]/g, ' '));
  fc.assert(
    fc.property(path, fc.constantFrom('error', 'warning', 'info', 'hint'), fc.integer({ min: 0, max: 999 }), message, fc.nat(40), (p, severity, n, msg, col) => {
      const text = `${' '.repeat(col)}x\n`;
      const code = `VPS${String(n).padStart(3, '0')}`;
      const d = { severity, code, message: msg, range: { start: col, end: col + 1 } } as unknown as Diagnostic;
      const files: CheckedFile[] = [{ path: p, text, diagnostics: [d] } as unknown as CheckedFile];
      const got = matchAll(renderText(files));
      assert.deepEqual(got, [{ file: p, line: 1, column: col + 1, severity, code, message: msg }]);
    }),
  );
});

test('task definitions: globs, extra arguments, labels', () => {
  assert.deepEqual(taskGlobs({ type: 'vpscope' }), DEFAULT_GLOBS);
  assert.deepEqual(taskGlobs({ files: ['a/*.vps', 3, '', 'b.vps'] }), ['a/*.vps', 'b.vps']);
  assert.deepEqual(taskGlobs({ files: 'x.vps' }), DEFAULT_GLOBS);
  assert.deepEqual(checkArgs({ args: ['--no-simulate', '-f', 'sarif', '--format=json', 7] }, ['a.vps', '-b.vps']), ['check', '--no-simulate', 'a.vps', './-b.vps']);
  assert.deepEqual(checkArgs(undefined, []), ['check']);
  assert.equal(taskLabel({ type: 'vpscope', command: 'check' }), 'check');
  assert.equal(taskLabel({ files: ['src/*.vps'] }), 'check src/*.vps');
  fc.assert(
    fc.property(fc.anything(), fc.array(fc.string()), (def, files) => {
      const args = checkArgs(def, files);
      assert.equal(args[0], 'check');
      assert.ok(!args.includes('--format') && !args.includes('-f'), 'never a format option');
      // Every file is passed, none as an option.
      assert.deepEqual(args.slice(args.length - files.length), files.map((f) => (f.startsWith('-') ? `./${f}` : f)));
    }),
  );
});
