/**
 * Runs the packaged extension in a real VS Code: code-server (VS Code 1.100 for the browser)
 * driven by headless Chromium through playwright-core. The recipe is the proven one in
 * docs/extension.md ("How the end-to-end tests work").
 *
 * Every run uses fresh temporary directories (user data, extensions, HOME, browser profile) and
 * a fresh code-server on a free loopback port; `dispose()` kills every process it started, by
 * process group, and removes the directories.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const root = join(__dirname, '..', '..');
export const fixtures = join(__dirname, 'fixtures');

/** Where scripts/install-code-server.sh puts code-server (outside the repository). */
export function codeServerDir(): string {
  return process.env.VPSCOPE_CODE_SERVER_DIR ?? join(process.env.VPSCOPE_E2E_CACHE ?? join(homedir(), '.cache', 'vpscope-e2e'), 'code-server');
}

export interface Tools {
  codeServer: string;
  chromium: string;
}

/**
 * The tools the end-to-end tests need, or a sentence saying what is missing and how to install
 * it. Callers skip with that sentence locally and fail with it in CI.
 */
export function findTools(): Tools | string {
  const codeServer = join(codeServerDir(), 'node_modules', '.bin', 'code-server');
  const chromiumPath = process.env.VPSCOPE_CHROMIUM ?? '/usr/bin/chromium';
  const missing: string[] = [];
  if (!existsSync(chromiumPath)) missing.push(`Chromium (${chromiumPath}): apt-get install -y chromium`);
  if (!existsSync(codeServer)) {
    missing.push(
      `code-server (${codeServer}): apt-get install -y libkrb5-dev ripgrep && bash scripts/install-code-server.sh ${codeServerDir()}`,
    );
  }
  if (missing.length) return `end-to-end tests need ${missing.join('; and ')} (see docs/extension.md)`;
  return { codeServer, chromium: chromiumPath };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface Session {
  page: Page;
  /** The workspace folder code-server opened (a fresh copy of the scenario files). */
  workspace: string;
  url: string;
  /** Everything code-server printed, for failure messages. */
  log: () => string;
  /** Pids of the running vpscope language servers of this session (from /proc). */
  serverPids: () => number[];
  dispose(): Promise<void>;
}

export interface SessionOptions {
  tools: Tools;
  /** Files to copy into the workspace folder: name in the workspace -> source path. */
  files: Record<string, string>;
  /** A .vsix to install; built once per test file by the caller. */
  vsix: string;
}

/**
 * Packages the extension from the current dist/ into `dir` (needs `npm run build` first), or
 * returns $VPSCOPE_E2E_VSIX when set (to test a .vsix built elsewhere).
 */
export function packageVsix(dir: string): string {
  if (process.env.VPSCOPE_E2E_VSIX) return process.env.VPSCOPE_E2E_VSIX;
  const out = join(dir, 'vpscope.vsix');
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'package.mjs'), '--out', out], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`packaging the extension failed:\n${r.stdout}${r.stderr}`);
  return out;
}

function killGroup(p: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (!p?.pid || p.exitCode !== null || p.signalCode !== null) return;
  try {
    // Detached, so the pid is also its process group: this reaches the extension host and the
    // language server code-server started, and nothing else.
    process.kill(-p.pid, signal);
  } catch {
    // Already gone.
  }
}

function exited(p: ChildProcess, ms: number): Promise<boolean> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    p.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

export async function startSession(opts: SessionOptions): Promise<Session> {
  const tmp = mkdtempSync(join(tmpdir(), 'vpscope-e2e-'));
  const dirs = {
    userData: join(tmp, 'user-data'),
    extensions: join(tmp, 'extensions'),
    home: join(tmp, 'home'),
    browser: join(tmp, 'browser'),
    workspace: join(tmp, 'workspace'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  cpSync(join(fixtures, 'settings.json'), join(dirs.userData, 'User', 'settings.json'));
  for (const [name, src] of Object.entries(opts.files)) cpSync(src, join(dirs.workspace, name));

  // code-server writes under HOME and the XDG dirs; keep it out of the real ones.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dirs.home,
    XDG_CONFIG_HOME: join(dirs.home, '.config'),
    XDG_DATA_HOME: join(dirs.home, '.local', 'share'),
    XDG_CACHE_HOME: join(dirs.home, '.cache'),
    VSCODE_PROXY_URI: '',
  };
  delete env.PASSWORD;
  delete env.HASHED_PASSWORD;
  const common = ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];

  const install = spawnSync(opts.tools.codeServer, [...common, '--install-extension', opts.vsix], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (install.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`code-server --install-extension failed:\n${install.stdout}${install.stderr}`);
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const server = spawn(
    opts.tools.codeServer,
    [
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      ...common,
    ],
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout?.on('data', (b) => (log += b));
  server.stderr?.on('data', (b) => (log += b));

  let context: BrowserContext | undefined;
  const dispose = async () => {
    await context?.close().catch(() => undefined);
    killGroup(server, 'SIGTERM');
    if (!(await exited(server, 5000))) killGroup(server, 'SIGKILL');
    // Children that outlived their parent (the extension host, the language server) are still
    // in the group.
    killGroup(server, 'SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  };

  try {
    await waitForHealth(url, server, () => log);
    context = await chromium.launchPersistentContext(dirs.browser, {
      executablePath: opts.tools.chromium,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${url}/?folder=${encodeURIComponent(dirs.workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const serverPids = () => processesMatching((cmd) => cmd.includes(dirs.extensions) && /dist\/server\.js/.test(cmd));
    return { page, workspace: dirs.workspace, url, log: () => log, serverPids, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}

async function waitForHealth(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`code-server exited (${server.exitCode}):\n${log()}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer /healthz within 30 s:\n${log()}`);
}

/** Pids of live processes whose command line satisfies `match` (Linux /proc). */
export function processesMatching(match: (cmdline: string) => boolean): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1];
      if (state !== 'Z' && match(cmd)) pids.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}
