/**
 * The scenario templates of *New Scenario from Template…*: the bundled `examples/*.vps` (shipped
 * in the .vsix), each offered with its scenario title and the first line of its header comment.
 *
 * Plain data in and out, no `vscode` import, so it is unit-tested without an editor.
 */

export interface TemplateFile {
  /** File name, e.g. `openhcl-blocking-syscall.vps`. */
  name: string;
  text: string;
}

export interface Template {
  /** The file name without `.vps`: what the quick pick shows and the suggested file name. */
  label: string;
  /** The scenario's title (`scenario "..."`), or '' when it has none. */
  title: string;
  /** The first line of the header comment, without `# `, or ''. */
  summary: string;
  /** The file's text, inserted as is (line endings normalized to `\n`). */
  text: string;
}

/** The title of the first `scenario "..."` statement at the start of a line. */
function scenarioTitle(text: string): string {
  const m = /^[ \t]*scenario[ \t]+"((?:[^"\\\n]|\\.)*)"/m.exec(text);
  return m ? m[1].replace(/\\(.)/g, '$1') : '';
}

/** The first non-empty comment line before the first statement. */
function headerSummary(text: string): string {
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    if (!t.startsWith('#')) return '';
    const body = t.replace(/^#+\s*/, '').trim();
    if (body) return body.length > 160 ? `${body.slice(0, 157)}...` : body;
  }
  return '';
}

/**
 * The templates among `files`: `.vps` files only (case-insensitive), sorted by label, without
 * duplicate labels (the first in name order wins), text with `\n` line endings.
 */
export function listTemplates(files: readonly TemplateFile[]): Template[] {
  const out = new Map<string, Template>();
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (!/\.vps$/i.test(f.name)) continue;
    const label = f.name.replace(/\.vps$/i, '');
    if (label === '' || out.has(label)) continue;
    const text = f.text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
    out.set(label, { label, title: scenarioTitle(text), summary: headerSummary(text), text });
  }
  return [...out.values()];
}
