/**
 * What a command's first argument means. VS Code passes a `Uri` (explorer context menu: `(uri,
 * uris)`; editor title buttons), code lenses pass the document URI as a string, and a user's
 * keybinding or task may pass a file path. Plain data, no `vscode` import (unit-tested).
 */

export type TargetArgument = { kind: 'uri'; uri: { scheme: string; fsPath?: string; toString(): string } } | { kind: 'uriString'; text: string } | { kind: 'path'; path: string };

/** A URI-like object (a `vscode.Uri` or its JSON form): has a string `scheme` and `path`. */
function isUriLike(x: unknown): x is { scheme: string; path: string; fsPath?: string; toString(): string } {
  return !!x && typeof x === 'object' && typeof (x as { scheme?: unknown }).scheme === 'string' && typeof (x as { path?: unknown }).path === 'string';
}

/** `file:///a.vps`, `untitled:Untitled-1` are URIs; `/a.vps`, `C:\\a.vps`, `a.vps` are paths. */
export function isUriString(s: string): boolean {
  return /^[a-z][a-z0-9+.-]+:/i.test(s) && !/^[A-Za-z]:([\\/]|$)/.test(s);
}

/**
 * The target named by a command argument; an array (the explorer's `uris` when the command is
 * called with it alone) gives its first element. Anything else (numbers, empty strings, objects
 * that are not URIs) is no target: the command then asks.
 */
export function targetArgument(arg: unknown): TargetArgument | undefined {
  const a = Array.isArray(arg) ? arg[0] : arg;
  if (isUriLike(a)) return { kind: 'uri', uri: a };
  if (typeof a !== 'string' || a.trim() === '' || a.includes('\0')) return undefined;
  return isUriString(a) ? { kind: 'uriString', text: a } : { kind: 'path', path: a };
}
