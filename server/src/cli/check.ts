/**
 * `vpscope check FILE... [--format text|json|sarif]`: the editor's diagnostics (syntax, semantic
 * and static hazards, and, unless `--no-simulate`, what a bounded simulation of every variant
 * finds, with the static findings reconciled against it), headless, for CI. Exit codes: 0 no
 * errors (warnings allowed), 1 at least one error, 2 bad usage or an unreadable file.
 *
 * The simulation budget is the editor's background simulation's (lsp/session.ts): each variant
 * at most 1000 ms simulated, all of them at most 2000 ms wall (or the scenario's `wall_limit`
 * when smaller). It runs in this process; the wall budget is read here, the core reads no clock.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sortDiagnostics, type Diagnostic } from '../core/diagnostic';
import { analyzeDocument } from '../model/analyze';
import { simulateAllCapped } from '../analysis/run';
import { reconcileWithRun } from '../analysis/reconcile';
import { runDiagnostics } from '../report/runDiagnostics';
import { withStallRelated } from '../report/runRelated';
import { checkerCodes } from '../model/codes';
import { relativeUri, renderJson, renderSarif, renderText, SRCROOT, type CheckedFile, type DiagnosticOrigin, type SarifArtifactLocation } from './format';
import { displayPath, ioReason, parseCommand, readScenarioText, terminalSafe, usageError } from './common';
import pkg from '../../../package.json';

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

/** The editor's background simulation budget (lsp/session.ts BACKGROUND defaults). */
export const DEFAULT_SIM_MS = 1000;
export const DEFAULT_SIM_WALL_MS = 2000;

const USAGE = `Usage: vpscope check FILE... [--format text|json|sarif] [--no-simulate] [--sim-ms N] [--sim-wall-ms N]

Checks scenario files (.vps) like the editor does: syntax errors (VPS0xx), semantic errors and
warnings (VPS1xx), static stall hazards (VPS2xx) and, for files without errors, what a bounded
simulation of every variant finds (VPS3xx), with each static hazard reconciled against it
(confirmed: carries the measured number; not seen in a run that completed: one severity lower).
FILE '-' reads standard input ('cat s.vps | vpscope check -'), shown as <stdin>.

Options:
  --format text    'file:line:col: severity CODE: message' lines and a summary (default)
  --format json    {"schema": "vpscope.check/1", "files": [...]} with 0-based LSP ranges
  --format sarif   SARIF 2.1.0 (GitHub code scanning and other CI viewers)
  --no-simulate    static diagnostics only (no simulation, no reconciliation)
  --sim-ms N       simulated time per variant, ms (default ${DEFAULT_SIM_MS}, as the editor)
  --sim-wall-ms N  wall-clock budget per file for all its variants, ms (default ${DEFAULT_SIM_WALL_MS},
                   or the scenario's wall_limit when smaller; 0: nothing is simulated)
  --codes          list the checker's codes and exit
  -h, --help       show this help

Exit status: 0 no errors, 1 errors found, 2 bad usage or unreadable file.`;

export async function main(args: string[]): Promise<number> {
  const parsed = parseCommand('check', USAGE, args, {
    format: { type: 'string', short: 'f' },
    codes: { type: 'boolean' },
    'no-simulate': { type: 'boolean' },
    'sim-ms': { type: 'string' },
    'sim-wall-ms': { type: 'string' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values: v, positionals } = parsed;
  if (v.codes) {
    for (const c of checkerCodes) process.stdout.write(`${c.code}  ${c.severity.padEnd(7)}  ${c.title}\n`);
    return 0;
  }
  const format = (v.format ?? 'text') as Format;
  if (!FORMATS.includes(format)) return usageError('check', USAGE, `--format must be one of ${FORMATS.join(', ')}, got '${v.format}'`);
  if (positionals.length === 0) return usageError('check', USAGE, 'no FILE given');
  const simMs = positiveNumber(v['sim-ms'], DEFAULT_SIM_MS);
  if (simMs === undefined) return usageError('check', USAGE, `--sim-ms must be a positive number of milliseconds, got '${v['sim-ms']}'`);
  // 0 is allowed, as `simulate --wall-ms 0`: the budget has run out before the first run, so the
  // static diagnostics are printed with the note that nothing was simulated.
  const wallMs = positiveNumber(v['sim-wall-ms'], DEFAULT_SIM_WALL_MS, true);
  if (wallMs === undefined) return usageError('check', USAGE, `--sim-wall-ms must be a number of milliseconds, 0 or more, got '${v['sim-wall-ms']}'`);
  if (positionals.filter((p) => p === '-').length > 1) return usageError('check', USAGE, 'standard input (-) can be given once');
  const simulate = !v['no-simulate'];

  const files: CheckedFile[] = [];
  for (const p of positionals) {
    let text: string;
    try {
      text = await readScenarioText(p);
    } catch (e) {
      process.stderr.write(terminalSafe(`vpscope check: cannot read '${displayPath(p)}': ${ioReason(e)}\n`));
      return 2;
    }
    const path = displayPath(p);
    const artifact = sarifArtifact(p, process.cwd());
    const analysis = analyzeDocument(text, { uri: path });
    const scenario = analysis.scenario;
    if (!simulate || !scenario || analysis.diagnostics.some((d) => d.severity === 'error')) {
      files.push({ path, text, diagnostics: analysis.diagnostics, artifact });
      continue;
    }
    const t0 = performance.now();
    const budget = Math.min(wallMs, scenario.settings.wallLimitMs);
    const total = scenario.variants.length + 1;
    const budgetMessage = (notRun: number): string =>
      terminalSafe(`vpscope check: ${path}: the wall budget (${budget} ms) ran out; ${notRun.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} runs (base and variants) not simulated (raise --sim-wall-ms)\n`);
    if (budget <= 0) {
      // Nothing may run (the engine would only look at the clock after its first batch).
      process.stderr.write(budgetMessage(total));
      files.push({ path, text, diagnostics: analysis.diagnostics, artifact });
      continue;
    }
    let notRun = 0;
    const results = simulateAllCapped(
      scenario,
      { variants: 'all', timeline: false, shouldStop: () => (performance.now() - t0 > budget ? 'wall_limit' : false), onNotRun: (names) => (notRun += names.length) },
      Math.round(simMs * 1e6),
    );
    if (notRun > 0) process.stderr.write(budgetMessage(notRun));
    const measured = withStallRelated(runDiagnostics(results, { suppressions: analysis.suppressions }), results);
    const reconciled = reconcileWithRun(analysis.diagnostics, results, scenario);
    const origins = new Map<Diagnostic, DiagnosticOrigin>();
    for (const r of reconciled) origins.set(r.diagnostic, { source: 'static', verdict: r.verdict });
    for (const d of measured) origins.set(d, { source: 'simulation' });
    const diagnostics = sortDiagnostics([...reconciled.map((r) => r.diagnostic), ...measured]);
    files.push({ path, text, diagnostics, origins, artifact });
  }

  if (format === 'json') process.stdout.write(renderJson(files));
  else if (format === 'sarif') process.stdout.write(renderSarif(files, { version: pkg.version, informationUri: repoUrl(), srcRoot: dirUri(process.cwd()), docsBase: docsBase() }));
  else process.stdout.write(terminalSafe(renderText(files)));
  return files.some((f) => f.diagnostics.some((d) => d.severity === 'error')) ? 1 : 0;
}

/**
 * Where SARIF says a file is: relative to `%SRCROOT%` (= `cwd`) when the file is under it (a
 * percent-encoded relative reference), else its absolute `file://` URI (`pathToFileURL` encodes
 * spaces, `#`, `%` and non-ASCII characters). Standard input has no URI: a location without one,
 * described as standard input (the log then carries the text as the artifact's `contents`).
 */
export function sarifArtifact(p: string, cwd: string): SarifArtifactLocation {
  if (p === '-') return { description: { text: 'standard input' } };
  const abs = resolve(cwd, p);
  const rel = relative(cwd, abs);
  if (rel && !rel.startsWith('..') && !isAbsolute(rel)) return { uri: relativeUri(rel.split(sep).join('/')), uriBaseId: SRCROOT };
  return { uri: pathToFileURL(abs).href };
}

/** A directory as an absolute `file://` URI ending in `/` (SARIF requires the slash for a base). */
export function dirUri(dir: string): string {
  const href = pathToFileURL(resolve(dir)).href;
  return href.endsWith('/') ? href : href + '/';
}

/**
 * The folder holding docs/codes.md shipped beside the CLI (dist/cli.js -> ../docs; the sources ->
 * the repository root), as a `file://` URI ending in `/`; undefined when it is not there.
 */
export function docsBase(): string | undefined {
  for (const root of [join(__dirname, '..'), resolve(__dirname, '..', '..', '..')]) {
    if (existsSync(join(root, 'docs', 'codes.md'))) return dirUri(root);
  }
  return undefined;
}

function positiveNumber(s: string | undefined, dflt: number, zero = false): number | undefined {
  if (s === undefined) return dflt;
  const n = s.trim() === '' ? NaN : Number(s);
  return Number.isFinite(n) && (n > 0 || (zero && n === 0)) ? n : undefined;
}

/** The repository's web address from package.json, or undefined while there is none (no placeholder host). */
function repoUrl(): string | undefined {
  const r = (pkg as { repository?: { url?: string } | string }).repository;
  const url = typeof r === 'string' ? r : r?.url;
  return url ? url.replace(/\.git$/, '') : undefined;
}
