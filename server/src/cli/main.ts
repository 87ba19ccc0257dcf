/**
 * `vpscope` command-line entry. Each sub-command lives in its own module and is a thin shell over
 * the same core API the language server uses; this file only dispatches and maps failures to exit
 * codes (0 ok, 1 findings/errors in the input, 2 bad usage, unreadable input or unwritable output,
 * or a command's bundle missing from the installation, 3 internal error, 130 interrupted by
 * Ctrl-C / SIGINT).
 */
import { join } from 'node:path';
import { ioReason, terminalSafe } from './common';

/** package.json's version: put in by scripts/build.mjs (define); read from the file under tsx. */
declare const VPSCOPE_VERSION: string | undefined;
export const VERSION: string =
  typeof VPSCOPE_VERSION === 'string' ? VPSCOPE_VERSION : (require('../../../package.json') as { version: string }).version;

const USAGE = `vpscope ${VERSION} - CPU scheduling of virtual machines: scenarios, simulation, traces

Usage:
  vpscope check FILE... [--format text|json|sarif] [--no-simulate]
      stall hazards of scenarios (.vps), static and measured by a bounded simulation
  vpscope simulate FILE [--variant NAME | --all-variants] [--html F.html] [--json]
                        [--seeds N] [--sweep 'PATH=VALUES'] [--chrome-trace F.json]
      run the deterministic simulation: latencies, shares, stalls with their source line
  vpscope analyze TRACE [GUEST_TRACE] [--html F.html] [--json] [--scenario F.vps]
      a host trace (tracefs, trace-cmd report or .dat, perf script, Chrome JSON; '-' = stdin)
  vpscope --help | --version

Examples:
  vpscope simulate examples/openhcl-blocking-syscall.vps --all-variants --html report.html
  trace-cmd report trace.dat | vpscope analyze - --html trace.html

Run 'vpscope COMMAND --help' for the options of one command.`;

type Command = (args: string[]) => Promise<number>;
/**
 * Each command's module is loaded when it runs: `vpscope analyze` does not load (nor, bundled,
 * compile) the simulator, the scenario model and the analyses that only `check` and `simulate`
 * use. scripts/build.mjs bundles `analyze` and the two scenario commands into their own files
 * beside cli.js (dist/cli-analyze.js, dist/cli-scenario.js).
 */
const commands: Record<string, () => Command> = {
  check: () => (require('./scenarioCommands') as typeof import('./scenarioCommands')).check,
  simulate: () => (require('./scenarioCommands') as typeof import('./scenarioCommands')).simulate,
  analyze: () => (require('./analyze') as typeof import('./analyze')).main,
};

export async function run(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(USAGE + '\n');
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === '--version' || cmd === '-V') {
    process.stdout.write(VERSION + '\n');
    return 0;
  }
  const load = Object.hasOwn(commands, cmd) ? commands[cmd] : undefined;
  if (!load) {
    process.stderr.write(`vpscope: unknown command '${terminalSafe(cmd)}'\n\n${USAGE}\n`);
    return 2;
  }
  let command: Command;
  try {
    command = load();
  } catch (e) {
    // Built, the command is a bundle beside cli.js (dist/cli-analyze.js, dist/cli-scenario.js):
    // one missing or unreadable is a broken installation, said in one line.
    const m = /Cannot find module '([^']+)'/.exec((e as Error)?.message ?? '');
    const what = m ? `${terminalSafe(join(__dirname, m[1]))} is missing` : terminalSafe((e as Error)?.message?.split('\n')[0] ?? String(e));
    process.stderr.write(`vpscope ${cmd}: cannot load the code of this command: ${what}; the installation is incomplete, reinstall vpscope\n`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (e) {
    // Programmer errors only: user input problems are reported as diagnostics by the commands.
    process.stderr.write(`vpscope ${cmd}: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 3;
  }
}

if (require.main === module) {
  // `vpscope check ... | head` closes our stdout early: that is the reader's choice, not an error.
  // Any other write failure (a full disk: ENOSPC) is one line on stderr and exit 2, not a stack.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      if (stream === process.stdout) {
        try {
          process.stderr.write(`vpscope: cannot write standard output: ${ioReason(e)}\n`);
        } catch {
          /* stderr is gone too */
        }
      }
      process.exit(2);
    });
  }
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(String(e) + '\n');
      process.exitCode = 3;
    },
  );
}
