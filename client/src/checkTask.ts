/**
 * The `vpscope` task type: `{ "type": "vpscope", "command": "check", "files": [globs], "args": [...] }`
 * runs `vpscope check` (the CLI bundled in the extension, `dist/cli.js`) on the matching `.vps`
 * files with the problem matcher `$vpscope`, which reads the CLI's text lines
 * (`FILE:LINE:COL: SEVERITY CODE: MESSAGE`, `server/src/cli/format.ts`) into the Problems panel.
 *
 * Plain data in and out, no `vscode` import, so it is unit-tested without an editor; the
 * TaskProvider in `tasks.ts` does the VS Code side.
 */

export const TASK_TYPE = 'vpscope';
export const PROBLEM_MATCHER = '$vpscope';
/** Files a task checks when its definition names none. */
export const DEFAULT_GLOBS = ['**/*.vps'];
/** Never searched for scenarios. */
export const EXCLUDE_GLOB = '**/{node_modules,.git}/**';

export interface CheckTaskDefinition {
  type: typeof TASK_TYPE;
  command: 'check';
  files?: string[];
  args?: string[];
}

/** Options of `vpscope check` that would change its output format, which the matcher reads. */
const FORMAT_OPTIONS = new Set(['--format', '-f']);

/** The definition's globs (strings only; the default when none). */
export function taskGlobs(definition: unknown): string[] {
  const files = (definition as { files?: unknown } | undefined)?.files;
  const globs = Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string' && f.trim() !== '') : [];
  return globs.length ? globs : DEFAULT_GLOBS;
}

/**
 * The CLI's argument list: `check`, the definition's extra `args` (strings only; `--format`
 * dropped with its value, since the problem matcher reads the text format), then `--`-safe file
 * paths (a path starting with `-` gets `./` so it is not read as an option).
 */
export function checkArgs(definition: unknown, files: readonly string[]): string[] {
  const raw = (definition as { args?: unknown } | undefined)?.args;
  const extra: string[] = [];
  const args = Array.isArray(raw) ? raw.filter((a): a is string => typeof a === 'string') : [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (FORMAT_OPTIONS.has(a)) {
      i++; // and its value
      continue;
    }
    if (/^(--format|-f)=/.test(a)) continue;
    extra.push(a);
  }
  return ['check', ...extra, ...files.map((f) => (f.startsWith('-') ? `./${f}` : f))];
}

/** A task label: `check` or `check src/**\/*.vps`. */
export function taskLabel(definition: unknown): string {
  const files = (definition as { files?: unknown } | undefined)?.files;
  return Array.isArray(files) && files.length ? `check ${taskGlobs(definition).join(' ')}` : 'check';
}
