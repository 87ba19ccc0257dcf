/**
 * The TaskProvider of the `vpscope` task type (`checkTask.ts` holds the pure part): one
 * *vpscope: check* task per workspace folder, and any `{ "type": "vpscope", "command": "check" }`
 * of tasks.json, run `vpscope check` — the CLI bundled in the extension (`dist/cli.js`), on the
 * Node.js that runs the extension host (`ELECTRON_RUN_AS_NODE` makes VS Code's Electron binary
 * behave as Node) — with the problem matcher `$vpscope`, so the Problems panel fills.
 */
import * as vscode from 'vscode';
import { checkArgs, EXCLUDE_GLOB, PROBLEM_MATCHER, TASK_TYPE, taskGlobs, taskLabel, type CheckTaskDefinition } from './checkTask';

/** At most this many files on one command line (the rest are left out, and the task says so). */
const MAX_FILES = 2000;

export function registerTasks(context: vscode.ExtensionContext): void {
  const cli = context.asAbsolutePath('dist/cli.js');
  context.subscriptions.push(
    vscode.tasks.registerTaskProvider(TASK_TYPE, {
      async provideTasks() {
        const folders = vscode.workspace.workspaceFolders ?? [];
        const definition: CheckTaskDefinition = { type: TASK_TYPE, command: 'check' };
        return Promise.all(folders.map((f) => checkTask(cli, definition, f)));
      },
      async resolveTask(task) {
        const d = task.definition as Partial<CheckTaskDefinition>;
        if (d.command !== 'check') return undefined;
        const scope = task.scope && typeof task.scope === 'object' ? task.scope : vscode.workspace.workspaceFolders?.[0];
        if (!scope) return undefined;
        return checkTask(cli, task.definition, scope);
      },
    }),
  );
}

async function checkTask(cli: string, definition: vscode.TaskDefinition, folder: vscode.WorkspaceFolder): Promise<vscode.Task> {
  const found = new Map<string, string>();
  for (const glob of taskGlobs(definition)) {
    const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, glob), EXCLUDE_GLOB, MAX_FILES);
    for (const u of uris) if (u.scheme === 'file') found.set(u.fsPath, vscode.workspace.asRelativePath(u, false));
  }
  const files = [...found.values()].sort().slice(0, MAX_FILES);
  const execution = new vscode.ProcessExecution(process.execPath, [cli, ...checkArgs(definition, files)], {
    cwd: folder.uri.fsPath,
    env: { ELECTRON_RUN_AS_NODE: '1' },
  });
  const task = new vscode.Task(definition, folder, taskLabel(definition), 'vpscope', execution, [PROBLEM_MATCHER]);
  task.group = vscode.TaskGroup.Build;
  task.detail = files.length ? `vpscope check on ${files.length} scenario${files.length === 1 ? '' : 's'}` : 'no .vps files found';
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Silent, clear: true };
  return task;
}
