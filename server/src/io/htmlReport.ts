/**
 * The self-contained HTML report (`vpscope simulate|analyze --html F`): the webview bundle
 * (`dist/webview.js` + `dist/webview.css`) and one {@link ViewDocument} inlined into one file that
 * opens offline, `file://` included.
 *
 * The page: a Content-Security-Policy `<meta>` allowing only the one inline script and the one
 * inline style by their SHA-256 hashes (no nonce: the same input gives the same bytes), the
 * document as `<script type="application/json" id="vpscope-view-data">` (data, never executed;
 * `<` written as `\u003c` so it cannot close the element), and `<div id="app">`. The app boots in
 * its report host when `acquireVsCodeApi` is absent (webview/src/main.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { showControls } from '../core/text';
import type { ViewDocument, ViewState } from '../shared/view';

export interface WebviewAssets {
  js: string;
  css: string;
}

/**
 * Directories searched for the bundle: beside the running CLI (`dist/cli.js` -> `dist/`), then
 * the repository's `dist/` (tests run this file from `server/src/io` through tsx).
 */
function assetDirs(): string[] {
  return [__dirname, resolve(__dirname, '..', '..', '..', 'dist')];
}

/** Reads `webview.js` and `webview.css`; throws with a hint when the bundle was not built. */
export function loadWebviewAssets(dirs: readonly string[] = assetDirs()): WebviewAssets {
  for (const d of dirs) {
    const js = join(d, 'webview.js');
    if (!existsSync(js)) continue;
    const cssPath = join(d, 'webview.css');
    return { js: readFileSync(js, 'utf8'), css: existsSync(cssPath) ? readFileSync(cssPath, 'utf8') : '' };
  }
  throw new Error(`the timeline view bundle (webview.js) was not found in ${dirs.join(' or ')}; run 'npm run build'`);
}

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * The report page. Pure given its inputs: the same document and assets give the same string.
 * The bundle's source-map comment is dropped (the map is not shipped in the page). `initial`: the
 * view state the page opens with while its address has none (`#vpscope-view-state`, data like the
 * document; the extension's export passes the `vpscope.timeline.*` settings).
 */
export function renderHtmlReport(doc: ViewDocument, assets: WebviewAssets, initial?: ViewState): string {
  const js = assets.js
    .replace(/\n\/\/# sourceMappingURL=[^\n]*\s*$/, '\n')
    // Inside an inline <script>, "</script" would end the element; "<\/" means the same in JS strings, regexes and comments.
    .replace(/<\/(script)/gi, '<\\/$1');
  const css = assets.css.replace(/\n\/\*# sourceMappingURL=[^\n]*\s*$/, '\n').replace(/<\/(style)/gi, '<\\/$1');
  const data = JSON.stringify(doc).replace(/</g, '\\u003c');
  const csp = [`default-src 'none'`, `script-src ${sha256(js)}`, `style-src ${sha256(css)}`, `img-src data: blob:`].join('; ');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<meta name="generator" content="vpscope">`,
    `<title>${escapeHtml(showControls(doc.title))} - vpscope</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    '<div id="app"></div>',
    `<script type="application/json" id="vpscope-view-data">${data}</script>`,
    ...(initial ? [`<script type="application/json" id="vpscope-view-state">${JSON.stringify(initial).replace(/</g, '\\u003c')}</script>`] : []),
    `<script>${js}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Writes the report for `doc` to `path` (assets from the built bundle; `initial`: see {@link renderHtmlReport}). */
export async function writeHtmlReport(path: string, doc: ViewDocument, assets: WebviewAssets = loadWebviewAssets(), initial?: ViewState): Promise<number> {
  const html = renderHtmlReport(doc, assets, initial);
  await writeFile(path, html);
  return Buffer.byteLength(html);
}
