/**
 * What *Export Report…* writes besides HTML (`io/htmlReport.ts`) and the Chrome trace (the
 * server's export): the CSV, with the same columns as the timeline's CSV buttons
 * (`webview/src/panels/logic.ts`): every stall of a simulation (all its variants), or every
 * finding of a trace.
 *
 * Plain data in and out, no `vscode` import, so it is unit-tested without an editor.
 */
import { CSV_MAX_ROWS, csvLine, stallsCsv, type CsvResult, type CsvStall } from '../../webview/src/panels/logic';

export type ReportFormat = 'html' | 'chrome' | 'csv';

/** The file name the save dialog proposes, from the scenario's or trace's file name. */
export function reportFileName(source: string, format: ReportFormat, kind: 'simulation' | 'trace'): string {
  const name = source.split(/[\\/]/).pop() ?? '';
  const stem = name.replace(/\.gz$/i, '').replace(/\.[^.]+$/, '') || 'vpscope';
  if (format === 'html') return `${stem}.report.html`;
  if (format === 'chrome') return `${stem}.chrome-trace.json`;
  return `${stem}-${kind === 'simulation' ? 'stalls' : 'findings'}.csv`;
}

/** Every stall of every variant of a `vpscope.run/1` document, one row each. */
export function runStallsCsv(run: unknown, cap = CSV_MAX_ROWS): CsvResult {
  const variants = (run as { variants?: unknown } | undefined)?.variants;
  const stalls: CsvStall[] = [];
  if (Array.isArray(variants)) {
    for (const v of variants) {
      if (!v || typeof v !== 'object') continue;
      const name = typeof (v as { name?: unknown }).name === 'string' ? (v as { name: string }).name : '';
      const list = (v as { stalls?: unknown }).stalls;
      if (Array.isArray(list)) for (const s of list) if (s && typeof s === 'object') stalls.push({ ...(s as CsvStall), variant: name });
    }
  }
  return stallsCsv(stalls, cap);
}

/** Every finding of a `vpscope.trace/1` document: `code,severity,title,lane,start_ns,duration_ns,message`. */
export function traceFindingsCsv(doc: unknown, cap = CSV_MAX_ROWS): CsvResult {
  const findings = (doc as { findings?: unknown } | undefined)?.findings;
  const list = Array.isArray(findings) ? findings.filter((f): f is Record<string, unknown> => !!f && typeof f === 'object') : [];
  const parts = [csvLine(['code', 'severity', 'title', 'lane', 'start_ns', 'duration_ns', 'message'])];
  const n = Math.min(cap, list.length);
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
  for (let i = 0; i < n; i++) {
    const f = list[i];
    parts.push(csvLine([f.code, f.severity, f.title, f.lane, num(f.startNs), num(f.durationNs), f.message]));
  }
  return { text: parts.join(''), rows: n, omitted: list.length - n };
}
