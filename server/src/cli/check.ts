/**
 * `vpscope check FILE... [--format text|json|sarif]`: the editor's diagnostics (syntax, semantic
 * and static hazards), headless, for CI. Exit codes: 0 no errors (warnings allowed), 1 at least
 * one error, 2 bad usage or an unreadable file.
 */
import { readFile } from 'node:fs/promises';
import { analyzeDocument } from '../model/analyze';
import { checkerCodes } from '../model/codes';
import { renderJson, renderSarif, renderText, type CheckedFile } from './format';
import { displayPath, ioReason, parseCommand, terminalSafe, usageError } from './common';
import pkg from '../../../package.json';

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `Usage: vpscope check FILE... [--format text|json|sarif]

Checks scenario files (.vps) like the editor does: syntax errors (VPS0xx), semantic errors and
warnings (VPS1xx) and static stall hazards (VPS2xx).

Options:
  --format text    'file:line:col: severity CODE: message' lines and a summary (default)
  --format json    {"schema": "vpscope.check/1", "files": [...]} with 0-based LSP ranges
  --format sarif   SARIF 2.1.0 (GitHub code scanning and other CI viewers)
  --codes          list the checker's codes and exit
  -h, --help       show this help

Exit status: 0 no errors, 1 errors found, 2 bad usage or unreadable file.`;

export async function main(args: string[]): Promise<number> {
  const parsed = parseCommand('check', USAGE, args, { format: { type: 'string', short: 'f' }, codes: { type: 'boolean' } });
  if (typeof parsed === 'number') return parsed;
  const { values: v, positionals } = parsed;
  if (v.codes) {
    for (const c of checkerCodes) process.stdout.write(`${c.code}  ${c.severity.padEnd(7)}  ${c.title}\n`);
    return 0;
  }
  const format = (v.format ?? 'text') as Format;
  if (!FORMATS.includes(format)) return usageError('check', USAGE, `--format must be one of ${FORMATS.join(', ')}, got '${v.format}'`);
  if (positionals.length === 0) return usageError('check', USAGE, 'no FILE given');

  const files: CheckedFile[] = [];
  for (const p of positionals) {
    let text: string;
    try {
      text = await readFile(p, 'utf8');
    } catch (e) {
      process.stderr.write(terminalSafe(`vpscope check: cannot read '${p}': ${ioReason(e)}\n`));
      return 2;
    }
    const path = displayPath(p);
    const analysis = analyzeDocument(text, { uri: path });
    files.push({ path, text, diagnostics: analysis.diagnostics });
  }

  if (format === 'json') process.stdout.write(renderJson(files));
  else if (format === 'sarif') process.stdout.write(renderSarif(files, { version: pkg.version, informationUri: repoUrl() }));
  else process.stdout.write(terminalSafe(renderText(files)));
  return files.some((f) => f.diagnostics.some((d) => d.severity === 'error')) ? 1 : 0;
}

function repoUrl(): string {
  const r = (pkg as { repository?: { url?: string } | string }).repository;
  const url = typeof r === 'string' ? r : r?.url;
  return (url ?? 'https://example.invalid/vpscope').replace(/\.git$/, '');
}
