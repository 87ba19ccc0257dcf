/**
 * Code lenses that run the simulation: "▶ Simulate" (the base) and "Simulate all variants" on the
 * `scenario` statement (or, without one, on the first statement), and "▶ Simulate NAME" on each
 * top-level `variant NAME`. The editor decides what running one does (`lsp/` maps them onto the
 * client's command); here they are plain data.
 */
import type { Statement } from '../syntax/tree';
import type { IdeDocument } from './document';
import type { TextRange } from './types';

export interface SimulateLens {
  /** The statement's keyword (where the editor shows the lens, above its line). */
  range: TextRange;
  title: string;
  /** `base` or a variant name; absent with `allVariants`. */
  variant?: string;
  allVariants?: boolean;
}

/** The name a `variant` statement declares ('' when it has none yet). */
export function variantName(s: Statement): string {
  const arg = s.args[0];
  return arg?.type === 'ident' ? arg.name : arg?.type === 'string' ? arg.value : '';
}

export function simulateLenses(doc: IdeDocument): SimulateLens[] {
  const top = doc.analysis.parse.file.statements.filter((s) => !s.keyword.missing);
  if (top.length === 0) return [];
  const variants = top.filter((s) => s.keyword.name === 'variant' && variantName(s) !== '');
  const anchor = top.find((s) => s.keyword.name === 'scenario') ?? top[0];
  const at = (s: Statement): TextRange => ({ start: s.keyword.start, end: s.keyword.end });
  const lenses: SimulateLens[] = [{ range: at(anchor), title: '▶ Simulate', variant: 'base' }];
  if (variants.length) lenses.push({ range: at(anchor), title: 'Simulate all variants', allVariants: true });
  for (const v of variants) lenses.push({ range: at(v), title: `▶ Simulate ${variantName(v)}`, variant: variantName(v) });
  return lenses;
}
