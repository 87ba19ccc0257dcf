/**
 * Cost of an incremental change, in process: `vscode-languageserver-textdocument`'s TextDocument
 * (what the server used) against lsp/editableDocument.ts, on generated scenarios of 0.1, 2 and
 * 20 MB. Each edit is a space typed at the start of a seeded line or the deletion of the space
 * typed before. The floor, measured in the same run, is one rebuild of the text (a join of its
 * lines into a new string): the figures are per edit, in microseconds and as a share of a
 * rebuild, and for EditableDocument the `getText()` after the burst (its one rebuild).
 *
 * Run: node --expose-gc --import tsx test/bench/editableDocument.bench.ts [EDITS]   (default 10,000; TextDocument gets at most 300 at 2 MB and above)
 */
import { performance } from 'node:perf_hooks';
import { TextDocument, type TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { EditableDocument } from '../../server/src/lsp/editableDocument';
import { genScenario } from './genScenario';

const EDITS = Number(process.argv[2] ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function scenario(mb: number): string {
  const piece = genScenario({ lines: 5_000, seed: 3 });
  const parts: string[] = [];
  let n = 0;
  while (n < mb * 1024 * 1024) {
    parts.push(piece);
    n += piece.length;
  }
  return parts.join('');
}

function edits(lines: number, n: number): TextDocumentContentChangeEvent[][] {
  const out: TextDocumentContentChangeEvent[][] = [];
  let line = -1;
  for (let i = 0; i < n; i++) {
    if (line < 0) {
      line = (i * 7919 + 13) % (lines - 1);
      out.push([{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: ' ' }]);
    } else {
      out.push([{ range: { start: { line, character: 0 }, end: { line, character: 1 } }, text: '' }]);
      line = -1;
    }
  }
  return out;
}

function rebuildMs(text: string): number {
  const lines = text.split('\n');
  let best = Infinity;
  for (let k = 0; k < 5; k++) {
    const t = performance.now();
    const s = lines.join('\n');
    if (s.length !== text.length) throw new Error('rebuild');
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

console.log(`| document | floor: one rebuild of the text (ms, min of 5) | TextDocument: per edit (us) | = rebuilds | EditableDocument: per edit (us) | = rebuilds | its getText() after the burst (ms) |`);
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const mb of [0.1, 2, 20]) {
  const text = scenario(mb);
  const lines = text.split('\n').length;
  gc();
  const floor = rebuildMs(text);
  const row = [`${(text.length / 1024 / 1024).toFixed(1)} MB, ${lines.toLocaleString('en-US')} lines`, floor.toFixed(2)];
  const per: number[] = [];
  let after = 0;
  for (const kind of ['old', 'new'] as const) {
    const n = kind === 'old' && mb >= 2 ? Math.min(EDITS, 300) : EDITS;
    const es = edits(lines, n);
    gc();
    if (kind === 'old') {
      const d = TextDocument.create('file:///b.vps', 'vpscope', 1, text);
      d.lineCount;
      const t = performance.now();
      for (let i = 0; i < n; i++) TextDocument.update(d, es[i], i + 2);
      d.getText().charCodeAt(0);
      per.push(((performance.now() - t) / n) * 1000);
    } else {
      const d = EditableDocument.create('file:///b.vps', 'vpscope', 1, text);
      const t = performance.now();
      for (let i = 0; i < n; i++) EditableDocument.update(d, es[i], i + 2);
      per.push(((performance.now() - t) / n) * 1000);
      const t1 = performance.now();
      const s = d.getText();
      after = performance.now() - t1;
      if (n % 2 === 0 && s !== text) throw new Error('EditableDocument: the text after an even burst differs');
    }
  }
  row.push(per[0].toFixed(0), (per[0] / 1000 / floor).toFixed(2), per[1].toFixed(1), (per[1] / 1000 / floor).toFixed(4), after.toFixed(1));
  console.log(`| ${row.join(' | ')} |`);
}
