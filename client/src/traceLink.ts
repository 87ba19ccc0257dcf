/** Host and guest traces linked from the editor: what the user types (no `vscode` import, for tests). */

/** An offset in ns as typed ("-1500000", "1_500_000", "+42"): a safe integer, else undefined. */
export function parseOffsetNs(text: string): number | undefined {
  const t = text.trim().replace(/_/g, '');
  if (!/^[+-]?\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}
