/**
 * Random edits of a scenario text for property tests of incremental analysis: positions are
 * fractions of the text (so an edit applies to any text), and what is typed is biased towards
 * what breaks and re-fixes syntax (braces, `;`, newlines, `#`, quotes) and towards renames
 * (words that are names elsewhere in the file).
 */
import fc from 'fast-check';
import { fraction } from '../arb';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { genScenario } from '../bench/genScenario';

/** fast-check parameters: `runs` unless VPSCOPE_FUZZ_RUNS says otherwise, VPSCOPE_FUZZ_SEED to replay. */
export function fuzzParams(runs: number): { numRuns: number; seed?: number } {
  const n = process.env.VPSCOPE_FUZZ_RUNS ? Number(process.env.VPSCOPE_FUZZ_RUNS) : runs;
  const seed = process.env.VPSCOPE_FUZZ_SEED ? Number(process.env.VPSCOPE_FUZZ_SEED) : undefined;
  return { numRuns: n, ...(seed !== undefined ? { seed } : {}) };
}

/** Texts to start editing from: every bundled example, then a generated scenario. */
export function seedTexts(generated: { lines: number; seed: number }): string[] {
  const dir = join(__dirname, '..', '..', 'examples');
  return [
    ...readdirSync(dir)
      .filter((f) => f.endsWith('.vps'))
      .sort()
      .map((f) => readFileSync(join(dir, f), 'utf8')),
    genScenario(generated),
  ];
}

export type Edit =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'replace'; at: number; len: number; text: string }
  | { kind: 'deleteLine'; at: number }
  | { kind: 'duplicateLine'; at: number }
  | { kind: 'moveLine'; at: number; to: number }
  | { kind: 'renameWord'; at: number; text: string };

const piece = fc.oneof(
  fc.constantFrom('{', '}', ';', '\n', ' ', '#', '"', '-', ',', '..', '^', '0', '5ms', '  ', '\t', '\r\n'),
  fc.constantFrom('vm', 'vm x {', 'variant v {', '}\n', 'vcpus 4', 'based_on', 'remove', 'host {', 'pool fast', 'task t0', 'guest {', 'thread', 'x', 'vm0', 'vm1', 'fast', 'scsi0'),
  fc.string({ maxLength: 6 }),
);
const typed = fc.array(piece, { minLength: 1, maxLength: 4 }).map((xs) => xs.join(''));
// Spread over the text (fc.double over [0, 1] would hit the first line nearly every time).
const frac = fraction();

export const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: frac, text: typed }),
  fc.record({ kind: fc.constant('delete' as const), at: frac, len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: frac, len: fc.integer({ min: 1, max: 12 }), text: typed }),
  fc.record({ kind: fc.constant('deleteLine' as const), at: frac }),
  fc.record({ kind: fc.constant('duplicateLine' as const), at: frac }),
  fc.record({ kind: fc.constant('moveLine' as const), at: frac, to: frac }),
  fc.record({ kind: fc.constant('renameWord' as const), at: frac, text: fc.constantFrom('vm0', 'vm1', 'fast', 'slow', 'x', 'nocancel', 'bigger', 'scsi0', 'os', 'l', 't0') }),
);

function lineAt(text: string, at: number): { start: number; end: number } {
  const p = Math.min(text.length, Math.floor(at * text.length));
  const start = text.lastIndexOf('\n', p - 1) + 1;
  let end = text.indexOf('\n', p);
  end = end < 0 ? text.length : end + 1;
  return { start, end };
}

export function applyEdit(text: string, e: Edit): string {
  const n = text.length;
  const p = Math.min(n, Math.floor(e.at * n));
  switch (e.kind) {
    case 'insert':
      return text.slice(0, p) + e.text + text.slice(p);
    case 'delete':
      return text.slice(0, p) + text.slice(Math.min(n, p + e.len));
    case 'replace':
      return text.slice(0, p) + e.text + text.slice(Math.min(n, p + e.len));
    case 'deleteLine': {
      const l = lineAt(text, e.at);
      return text.slice(0, l.start) + text.slice(l.end);
    }
    case 'duplicateLine': {
      const l = lineAt(text, e.at);
      return text.slice(0, l.end) + text.slice(l.start, l.end) + text.slice(l.end);
    }
    case 'moveLine': {
      const l = lineAt(text, e.at);
      const line = text.slice(l.start, l.end);
      const rest = text.slice(0, l.start) + text.slice(l.end);
      const q = lineAt(rest, e.to).start;
      return rest.slice(0, q) + line + rest.slice(q);
    }
    case 'renameWord': {
      // The word at the position (a declaration or a reference) becomes another name.
      const re = /[A-Za-z_][A-Za-z0-9_-]*/g;
      re.lastIndex = Math.max(0, p - 20);
      let m: RegExpExecArray | null;
      while ((m = re.exec(text))) {
        if (m.index + m[0].length >= p) return text.slice(0, m.index) + e.text + text.slice(m.index + m[0].length);
      }
      return text;
    }
  }
}
