/**
 * Loads client/syntaxes/vpscope.tmLanguage.json with the same TextMate engine VS Code uses
 * (vscode-textmate + the oniguruma regex engine compiled to wasm), so grammar tests see what the
 * editor shows before the language server answers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';

export const root = join(__dirname, '..', '..');
export const grammarPath = join(root, 'client', 'syntaxes', 'vpscope.tmLanguage.json');

export interface Token {
  line: number;
  text: string;
  /** Outermost first, as VS Code's "Inspect Editor Tokens and Scopes" lists them reversed. */
  scopes: string[];
}

let grammarPromise: Promise<vsctm.IGrammar> | undefined;

export function loadGrammar(): Promise<vsctm.IGrammar> {
  grammarPromise ??= (async () => {
    const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new vsctm.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scopeName: string) => {
        if (scopeName !== 'source.vpscope') return null;
        return vsctm.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath);
      },
    });
    const g = await registry.loadGrammar('source.vpscope');
    if (!g) throw new Error('grammar source.vpscope did not load');
    return g;
  })();
  return grammarPromise;
}

export async function tokenize(text: string): Promise<Token[]> {
  const grammar = await loadGrammar();
  const out: Token[] = [];
  let state = vsctm.INITIAL;
  text.split(/\r?\n/).forEach((lineText, line) => {
    const r = grammar.tokenizeLine(lineText, state);
    for (const t of r.tokens) {
      out.push({ line, text: lineText.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
    state = r.ruleStack;
  });
  return out;
}

/** The innermost scope of the `nth` token whose text is exactly `text` (after trimming). */
export function scopeOf(tokens: Token[], text: string, nth = 0): string {
  const hits = tokens.filter((t) => t.text.trim() === text);
  const t = hits[nth];
  if (!t) {
    const seen = tokens.map((x) => JSON.stringify(x.text)).join(' ');
    throw new Error(`no token ${JSON.stringify(text)} #${nth}; tokens: ${seen}`);
  }
  return t.scopes[t.scopes.length - 1];
}
