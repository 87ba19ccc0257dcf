/**
 * Rendering diagnostics for the command line: text (`file:line:col: severity CODE: message`,
 * 1-based), JSON (0-based LSP ranges, the `vpscope.check/1` contract) and SARIF 2.1.0. Shared by
 * `vpscope check` and `vpscope simulate` (which prints the diagnostics of its input first).
 */
import type { Diagnostic, Severity } from '../core/diagnostic';
import type { JsonRange } from '../core/findings';
import { LineIndex } from '../core/text';
import { codeHref, describeCode } from '../model/codes';
import { toJsonDiagnostic, type JsonDiagnostic } from '../report/diagnosticJson';

/** One checked file: its display path (relative), its text and its diagnostics. */
export interface CheckedFile {
  /** Path as shown to the user and written in SARIF (relative to the working directory, `/`). */
  path: string;
  text: string;
  diagnostics: Diagnostic[];
  /**
   * Where each diagnostic comes from, when the file was simulated (`vpscope check` without
   * `--no-simulate`): the static analysis (with its reconciliation verdict) or the simulation.
   * Absent: every diagnostic is static and nothing was simulated.
   */
  origins?: ReadonlyMap<Diagnostic, DiagnosticOrigin>;
  /**
   * Where SARIF says the file is (the CLI sets it, `sarifArtifact` in check.ts): a percent-encoded
   * URI relative to `%SRCROOT%` (the working directory) or an absolute `file://` URI. Absent: `path`
   * percent-encoded, relative to `%SRCROOT%`.
   */
  artifact?: SarifArtifactLocation;
}

/**
 * A SARIF `artifactLocation`: `uri` relative to the base `uriBaseId` names, or absolute without one;
 * or, for standard input (no URI can name it), no `uri` and a `description`.
 */
export interface SarifArtifactLocation {
  uri?: string;
  uriBaseId?: string;
  description?: { text: string };
}

/** The SARIF base id of the working directory the CLI ran in. */
export const SRCROOT = '%SRCROOT%';

/** A relative `/`-separated path as a relative URI reference: every segment percent-encoded (spaces, `#`, `%`, non-ASCII...). */
export function relativeUri(path: string): string {
  return path.split('/').map((seg) => encodeURIComponent(seg)).join('/');
}

/** `static`: syntax, semantics, static hazards; `simulation`: measured by a (bounded) run. */
export type DiagnosticOrigin = { source: 'static'; verdict: 'confirmed' | 'contradicted' | 'unchanged' } | { source: 'simulation' };

export type { JsonRange };
export type { JsonDiagnostic, JsonEdit, JsonFix, JsonRelated } from '../report/diagnosticJson';
export { toJsonDiagnostic } from '../report/diagnosticJson';

/** The `$schema` of `vpscope.check/1` documents: the file name of its JSON Schema (schemas/, shipped). */
export const CHECK_SCHEMA_FILE = 'vpscope.check-1.schema.json';

/**
 * The `vpscope.check/1` document that `vpscope check --format json` prints
 * (schemas/vpscope.check-1.schema.json is generated from this type). Fields are only ever added.
 */
export interface CheckDocument {
  /** The JSON Schema of this document (file name in the schemas/ folder of the package). */
  $schema: typeof CHECK_SCHEMA_FILE;
  /** Always `vpscope.check/1`. */
  schema: 'vpscope.check/1';
  /** One entry per file checked, in the order given. */
  files: CheckFileJson[];
  /** Counts over all files. */
  summary: CheckSummary;
}

/** One checked file. */
export interface CheckFileJson {
  /** The path: relative to the working directory when under it (`/` separators), else as given. */
  file: string;
  /** Its diagnostics, by position then severity. */
  diagnostics: JsonDiagnostic[];
}

export interface CheckSummary {
  /** Files checked. */
  files: number;
  /** Diagnostics of severity `error`. */
  errors: number;
  /** Diagnostics of severity `warning`. */
  warnings: number;
  /** Diagnostics of severity `info` or `hint`. */
  notes: number;
}


export function countBySeverity(files: readonly CheckedFile[]): Record<Severity, number> {
  const c: Record<Severity, number> = { error: 0, warning: 0, info: 0, hint: 0 };
  for (const f of files) for (const d of f.diagnostics) c[d.severity]++;
  return c;
}

function plural(n: number, w: string): string {
  return `${n} ${w}${n === 1 ? '' : 's'}`;
}

/** `file:line:col: severity CODE: message` lines (1-based), related information indented. */
export function renderText(files: readonly CheckedFile[], opts: { summary?: boolean } = {}): string {
  const out: string[] = [];
  for (const f of files) {
    const lines = new LineIndex(f.text);
    for (const d of f.diagnostics) {
      const p = lines.positionAt(d.range.start);
      out.push(`${f.path}:${p.line + 1}:${p.character + 1}: ${d.severity} ${d.code}: ${d.message}`);
      for (const r of d.related ?? []) {
        const q = lines.positionAt(r.range.start);
        out.push(`  ${f.path}:${q.line + 1}:${q.character + 1}: note: ${r.message}`);
      }
    }
  }
  if (opts.summary !== false) out.push(summaryLine(files));
  return out.length ? out.join('\n') + '\n' : '';
}

/** "2 errors, 1 warning in 3 files" or "no problems in 1 file". */
export function summaryLine(files: readonly CheckedFile[]): string {
  const c = countBySeverity(files);
  const parts: string[] = [];
  if (c.error) parts.push(plural(c.error, 'error'));
  if (c.warning) parts.push(plural(c.warning, 'warning'));
  if (c.info + c.hint) parts.push(plural(c.info + c.hint, 'note'));
  return `${parts.length ? parts.join(', ') : 'no problems'} in ${plural(files.length, 'file')}`;
}

export function renderJson(files: readonly CheckedFile[]): string {
  const c = countBySeverity(files);
  const doc: CheckDocument = {
    $schema: CHECK_SCHEMA_FILE,
    schema: 'vpscope.check/1',
    files: files.map((f) => {
      const lines = new LineIndex(f.text);
      return {
        file: f.path,
        diagnostics: f.diagnostics.map((d) => {
          const j = toJsonDiagnostic(d, lines);
          const o = f.origins?.get(d);
          if (o) {
            j.source = o.source;
            if (o.source === 'static') j.verdict = o.verdict;
          }
          return j;
        }),
      };
    }),
    summary: { files: files.length, errors: c.error, warnings: c.warning, notes: c.info + c.hint },
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

export interface SarifTool {
  version: string;
  /** The project's web address; left out of the log while there is none. */
  informationUri?: string;
  /** Absolute `file://` URI, ending in `/`, of the working directory: the log's `%SRCROOT%`. */
  srcRoot?: string;
  /**
   * Absolute URI, ending in `/`, of the folder holding docs/codes.md: each rule's `helpUri` is
   * this plus `docs/codes.md#<code>` (`codeHref`), unless there is a web address (then its
   * docs/codes.md, which resolves on every machine). Neither: no `helpUri`.
   */
  docsBase?: string;
}

/** A 1-based SARIF region; an empty range stays an insertion point (endColumn = startColumn). */
function sarifRegion(lines: LineIndex, r: { start: number; end: number }) {
  const s = lines.positionAt(r.start);
  const e = lines.positionAt(r.end);
  return { startLine: s.line + 1, startColumn: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1 };
}

/** SARIF 2.1.0 log with one run; rules are the codes that occur, documented from the catalog. */
export function renderSarif(files: readonly CheckedFile[], tool: SarifTool): string {
  const ruleIds = [...new Set(files.flatMap((f) => f.diagnostics.map((d) => d.code)))].sort();
  const ruleIndex = new Map(ruleIds.map((id, k) => [id, k]));
  const helpBase = tool.informationUri ? `${tool.informationUri}/blob/main/` : tool.docsBase;
  const where = (f: CheckedFile): SarifArtifactLocation => f.artifact ?? { uri: relativeUri(f.path), uriBaseId: SRCROOT };
  const rules = ruleIds.map((id) => {
    const doc = describeCode(id);
    const first = files.flatMap((f) => f.diagnostics).find((d) => d.code === id);
    const title = doc?.title ?? first?.message.split(/[.;]/)[0] ?? id;
    const help = doc?.help ?? first?.message ?? id;
    return {
      id,
      name: title.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : '')).replace(/^./, (c) => c.toUpperCase()),
      shortDescription: { text: title },
      fullDescription: { text: help },
      help: { text: help, markdown: help },
      defaultConfiguration: { level: SARIF_LEVEL[doc?.severity ?? first?.severity ?? 'warning'] },
      ...(helpBase && doc ? { helpUri: helpBase + codeHref(id) } : {}),
    };
  });
  const results = files.flatMap((f) => {
    const lines = new LineIndex(f.text);
    return f.diagnostics.map((d) => {
      const res: Record<string, unknown> = {
        ruleId: d.code,
        ruleIndex: ruleIndex.get(d.code),
        level: SARIF_LEVEL[d.severity],
        message: { text: d.message },
        locations: [{ physicalLocation: { artifactLocation: where(f), region: sarifRegion(lines, d.range) } }],
      };
      const o = f.origins?.get(d);
      if (o) res.properties = o.source === 'static' ? { 'vpscope.source': 'static', 'vpscope.verdict': o.verdict } : { 'vpscope.source': 'simulation' };
      if (d.related?.length) {
        res.relatedLocations = d.related.map((r, k) => ({ id: k, message: { text: r.message }, physicalLocation: { artifactLocation: where(f), region: sarifRegion(lines, r.range) } }));
      }
      if (d.fixes?.length) {
        res.fixes = d.fixes.map((fx) => ({
          description: { text: fx.title },
          artifactChanges: [{ artifactLocation: where(f), replacements: fx.edits.map((e) => ({ deletedRegion: sarifRegion(lines, e.range), insertedContent: { text: e.newText } })) }],
        }));
      }
      return res;
    });
  });
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'vpscope', version: tool.version, semanticVersion: tool.version, ...(tool.informationUri ? { informationUri: tool.informationUri } : {}), rules } },
        ...(tool.srcRoot ? { originalUriBaseIds: { [SRCROOT]: { uri: tool.srcRoot, description: { text: 'The working directory vpscope check ran in.' } } } } : {}),
        // An artifact without a URI (standard input) carries its text: nothing else can show it.
        artifacts: files.map((f) => {
          const location = where(f);
          return { location, mimeType: 'text/x-vpscope', ...(location.uri === undefined ? { contents: { text: f.text } } : {}) };
        }),
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
