/**
 * The vpscope VS Code extension: a thin shell that starts the vpscope language server and wires
 * commands to it. It knows VS Code and nothing of the scenario language; every answer about a
 * scenario comes from the server (standard LSP, plus the custom messages in
 * `server/src/shared/protocol.ts`).
 *
 * Invariant: no parsing, checking or simulation here. Highlighting before the server answers
 * comes from the TextMate grammar in `client/syntaxes/`, not from code.
 */
import type { ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';
import {
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import type { BackgroundSimulationSettings } from '../../server/src/shared/protocol';
import { CLIENT_COMMANDS, registerCommands } from './commands';
import { BackgroundStatus } from './backgroundStatus';
import { registerTasks } from './tasks';
import { ScenarioStatus } from './scenarioStatus';

/** The client id; vscode-languageclient reads `vpscope.trace.server` under it. */
const CLIENT_ID = 'vpscope';
const CLIENT_NAME = 'vpscope Language Server';
/** `contributes.walkthroughs[].id` in package.json. */
const WALKTHROUGH_ID = 'vpscope.gettingStarted';
/** How long a restart waits for the old server to answer shutdown. */
const STOP_TIMEOUT_MS = 3000;
/** Then how long it waits for the old server process to exit before killing it. */
const EXIT_WAIT_MS = 2000;

let output: vscode.LogOutputChannel | undefined;
let traceOutput: vscode.LogOutputChannel | undefined;
let client: LanguageClient | undefined;
let scenarioStatus: ScenarioStatus | undefined;
let backgroundStatus: BackgroundStatus | undefined;
/** Serializes start/restart/stop so two quick restarts never run two servers. */
let lifecycle: Promise<unknown> = Promise.resolve();

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  // vscode-languageclient 11 requires log channels. The trace channel is separate so that
  // setting its level to Trace shows LSP messages without flooding the server log.
  output = vscode.window.createOutputChannel('vpscope', { log: true });
  traceOutput = vscode.window.createOutputChannel('vpscope (LSP trace)', { log: true });
  context.subscriptions.push(output, traceOutput);

  context.subscriptions.push(
    vscode.commands.registerCommand('vpscope.restartServer', () => restartServer(context)),
    vscode.commands.registerCommand('vpscope.showOutput', () => output?.show(/* preserveFocus */ true)),
    vscode.commands.registerCommand('vpscope.getStarted', () =>
      vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#${WALKTHROUGH_ID}`, false),
    ),
  );
  registerTasks(context);

  scenarioStatus = new ScenarioStatus(() => client);
  context.subscriptions.push(scenarioStatus);
  backgroundStatus = new BackgroundStatus();
  context.subscriptions.push(backgroundStatus);
  registerCommands(context, () => client, () => output);

  await serialize(() => startClient(context));
}

export async function deactivate(): Promise<void> {
  await serialize(stopClient);
}

function serialize<T>(step: () => Promise<T>): Promise<T> {
  const next = lifecycle.then(step, step);
  lifecycle = next.catch(() => undefined);
  return next;
}

function serverOptions(context: vscode.ExtensionContext): ServerOptions {
  // dist/server.js is bundled next to dist/extension.js, so the .vsix needs no node_modules.
  const module = context.asAbsolutePath('dist/server.js');
  return {
    run: { module, transport: TransportKind.ipc },
    debug: {
      module,
      transport: TransportKind.ipc,
      // Attach a debugger to port 6009 when the extension runs in a development host.
      options: { execArgv: ['--nolazy', '--inspect=6009'] },
    },
  };
}

function clientOptions(): LanguageClientOptions {
  return {
    documentSelector: [
      { scheme: 'file', language: 'vpscope' },
      { scheme: 'untitled', language: 'vpscope' },
    ],
    outputChannel: output,
    traceOutputChannel: traceOutput,
    // The server offers code lenses running these client commands; the background simulation
    // starts with the current settings, and later changes of `vpscope.*` are pushed to it.
    initializationOptions: {
      clientCommands: CLIENT_COMMANDS,
      backgroundSimulation: backgroundSettings(),
      diagnostics: diagnosticsSettings(),
      simulation: sectionSettings('vpscope.simulation', ['seed', 'maxEvents', 'seeds']),
      traceAnalysis: sectionSettings('vpscope.traceAnalysis', ['thresholdUs', 'stealPct']),
      inlayHints: sectionSettings('vpscope.inlayHints', ['channelMap', 'variantValues', 'defaults']),
    },
    synchronize: { configurationSection: 'vpscope' },
  };
}

/** `vpscope.backgroundSimulation.*` as the server reads it (it applies defaults and bounds). */
function backgroundSettings(): BackgroundSimulationSettings {
  const c = vscode.workspace.getConfiguration('vpscope.backgroundSimulation');
  return { enabled: c.get('enabled'), debounceMs: c.get('debounceMs'), maxSimulatedMs: c.get('maxSimulatedMs'), wallMs: c.get('wallMs') };
}

/** Some keys of a settings section, as the server reads them (it checks types and bounds). */
function sectionSettings(section: string, keys: readonly string[]): Record<string, unknown> {
  const c = vscode.workspace.getConfiguration(section);
  return Object.fromEntries(keys.map((k) => [k, c.get(k)]));
}

/** `vpscope.diagnostics.*` as the server reads it (it checks codes, levels and numbers). */
function diagnosticsSettings(): { severity: unknown; stallThresholds: unknown; maxDocumentMB: unknown } {
  const c = vscode.workspace.getConfiguration('vpscope.diagnostics');
  return { severity: c.get('severity'), stallThresholds: c.get('stallThresholds'), maxDocumentMB: c.get('maxDocumentMB') };
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const c = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions(context), clientOptions());
  client = c;
  backgroundStatus?.attach(c);
  c.onDidChangeState((e) => {
    output?.info(`language server: ${State[e.oldState]} -> ${State[e.newState]}`);
    if (e.newState === State.Running) scenarioStatus?.schedule(0);
  });
  try {
    await c.start();
  } catch (e) {
    // The client has already logged the details; the user gets one actionable message.
    output?.error(`language server failed to start: ${errorText(e)}`);
    void vscode.window
      .showErrorMessage('vpscope: the language server failed to start.', 'Show Output', 'Restart')
      .then((choice) => {
        if (choice === 'Show Output') output?.show();
        if (choice === 'Restart') void restartServer(context);
      });
  }
}

async function stopClient(): Promise<void> {
  const c = client;
  client = undefined;
  if (!c) return;
  const proc = c.serverProcess;
  try {
    // dispose() stops a running server politely (shutdown + exit) and frees the client's
    // listeners; it throws when the server never got running (e.g. a failed start).
    await c.dispose(STOP_TIMEOUT_MS);
  } catch (e) {
    output?.warn(`stopping the language server: ${errorText(e)}`);
  }
  // The server exits by itself after `exit`; one that hung in initialize or ignored shutdown
  // must not outlive its client. Waiting for the exit means a restart never overlaps two servers.
  if (proc && !(await exited(proc, EXIT_WAIT_MS))) {
    output?.warn(`language server pid ${proc.pid} did not exit; killing it`);
    proc.kill('SIGKILL');
  }
}

function exited(proc: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function restartServer(context: vscode.ExtensionContext): Promise<void> {
  return serialize(async () => {
    output?.info('restarting the language server');
    await stopClient();
    // A new client per start: a client whose start failed cannot always be started again.
    await startClient(context);
  });
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
