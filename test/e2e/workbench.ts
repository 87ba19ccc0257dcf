/**
 * What a user does in the VS Code workbench, as Playwright steps, with the selectors measured on
 * VS Code 1.100 (code-server 4.100.3). Each helper waits for what the user would see instead of
 * sleeping; timeouts are generous because a 2-core CI machine runs the language server, the
 * extension host and Chromium at once.
 */
import type { FrameLocator, Locator, Page } from 'playwright-core';

export const UI_TIMEOUT_MS = 30_000;

/**
 * Opens a workspace file from the Explorer and waits for its editor. A double click keeps the
 * editor open (a single click opens a preview that the next file replaces, which closes the
 * document and so drops its diagnostics).
 */
export async function openFile(page: Page, name: string): Promise<Locator> {
  const tab = page.locator(`.tabs-container .tab[data-resource-name="${name}"]`);
  if (await tab.isVisible()) {
    await tab.click();
    return activeEditor(page);
  }
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ timeout: UI_TIMEOUT_MS });
  await row.dblclick();
  await page.locator(`.tabs-container .tab[data-resource-name="${name}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
  const editor = activeEditor(page);
  await editor.locator('.view-lines').waitFor({ timeout: UI_TIMEOUT_MS });
  return editor;
}

/**
 * Puts the keyboard focus in the text of an editor (the active one by default) with a mouse click
 * near the right edge of its visible text area, half way down (right of most lines, and of the
 * code lenses, which a click would run). A locator click on `.view-lines` aims at that
 * element's centre, and the element is as wide as the longest line: for a long line the centre is
 * off screen, and Playwright scrolled Monaco's DOM sideways to reach it, behind Monaco's own
 * scroll state (the text then stayed shifted: seen in an e2e screenshot). A click by coordinates
 * scrolls nothing.
 */
export async function focusEditor(page: Page, editor?: Locator): Promise<void> {
  let area = (editor ?? activeEditor(page)).locator('.editor-scrollable').first();
  if (!editor) {
    // The active group can be a timeline's: a webview that reloads (after a language server
    // restart, or while its derived tracks come in) can take the focus, and with it the active
    // group, right after a text editor was opened (seen in e2e screenshots). The text editors of
    // these tests are in the first group: focus it (Ctrl+1) and look there.
    const visible = await area.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false);
    if (!visible) {
      await page.keyboard.press('Control+1');
      area = activeEditor(page).locator('.editor-scrollable').first();
    }
  }
  await area.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
  const box = await area.boundingBox();
  if (!box) throw new Error('the editor has no visible text area');
  await page.mouse.click(box.x + Math.max(box.width / 2, box.width - 40), box.y + box.height / 2);
}

/** The editor of the active editor group. */
export function activeEditor(page: Page): Locator {
  return page.locator('.editor-group-container.active .monaco-editor').first();
}

/** The language mode in the status bar ("Plain Text" until the language is known). */
export async function waitForLanguageMode(page: Page, expected: RegExp): Promise<string> {
  const item = page.locator('#status\\.editor\\.mode');
  await item.filter({ hasText: expected }).waitFor({ timeout: UI_TIMEOUT_MS });
  return (await item.innerText()).trim();
}

/**
 * Opens the command palette and returns its input. F1 reaches the workbench only when focus is in
 * the workbench document: after a webview (timeline tab, save dialog from it) held focus, the key
 * press can land in the webview's iframe and be lost, so this moves focus back to the workbench
 * and presses again until the palette is visible (CI saw one such lost key press).
 */
export async function openPalette(page: Page): Promise<Locator> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input[type="text"]');
  const deadline = Date.now() + UI_TIMEOUT_MS;
  for (;;) {
    await page.evaluate(() => {
      const a = document.activeElement as HTMLElement | null;
      if (a && a.tagName === 'IFRAME') a.blur();
    });
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      return input;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await page.keyboard.press('Escape');
    }
  }
}

/**
 * Opens the palette, types `>title` and waits until the focused row is that command. Something
 * else taking focus meanwhile (a webview reloading after a server restart) closes the palette:
 * then it starts again, up to three times.
 */
async function paletteWithCommand(page: Page, title: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  for (let attempt = 1; ; attempt++) {
    const input = await openPalette(page);
    // Enter runs the focused row; the list refilters asynchronously, so wait until the focused
    // row is the command (the row's aria-label starts with its title).
    try {
      await input.fill(`>${title}`, { timeout: attempt < 3 ? 10_000 : UI_TIMEOUT_MS });
      await widget.locator('.monaco-list-row', { hasText: title }).first().waitFor({ timeout: attempt < 3 ? 10_000 : UI_TIMEOUT_MS });
      // A command used before, or ranked higher, can be focused first (`Tasks: Restart Running
      // Task` above `Tasks: Run Task`): move down to the command.
      const focused = widget.locator('.monaco-list-row.focused', { hasText: title }).first();
      for (let i = 0; i < 10 && !(await focused.isVisible()); i++) await page.keyboard.press('ArrowDown');
      await focused.waitFor({ timeout: attempt < 3 ? 10_000 : UI_TIMEOUT_MS });
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
      await page.keyboard.press('Escape');
    }
  }
}

/** Runs a command from the palette by its title, e.g. "vpscope: Restart Language Server". */
export async function runCommand(page: Page, title: string): Promise<void> {
  await paletteWithCommand(page, title);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
}

/**
 * Runs a command from the palette that opens a dialog in the same quick input widget (a file
 * dialog): returns once the command ran, without waiting for the widget to close.
 */
export async function startCommand(page: Page, title: string): Promise<void> {
  await paletteWithCommand(page, title);
  await page.keyboard.press('Enter');
}

/**
 * Runs a command from the palette that asks a quick pick next, and picks the item whose label is
 * `label` (typed to filter the list). The palette and the pick share one widget, so this waits
 * for the pick's own row instead of for the palette to close.
 */
export async function runCommandAndPick(page: Page, title: string, label: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input[type="text"]');
  // The pick replaces the palette's rows: wait for an item of it, then filter to the label.
  const item = widget.locator('.monaco-list-row .label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });
  // As for the palette and Go to Line: a focus change (a timeline webview in the active group
  // taking the focus, seen in e2e runs) can close the pick before it is used: then again, up to
  // three times.
  for (let attempt = 1; ; attempt++) {
    await paletteWithCommand(page, title);
    await page.keyboard.press('Enter');
    const shown = await item.first().waitFor({ timeout: attempt < 3 ? 10_000 : UI_TIMEOUT_MS }).then(() => true, (e) => {
      if (attempt >= 3) throw e;
      return false;
    });
    if (shown) break;
    await page.keyboard.press('Escape');
  }
  await input.fill(label);
  await widget.locator('.monaco-list-row.focused .label-name', { hasText: label }).first().waitFor({ timeout: UI_TIMEOUT_MS });
  await page.keyboard.press('Enter');
  await widget.waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
}

/**
 * Moves the cursor to a 1-based line and column with "Go to Line/Column" (Ctrl+G). Like the
 * palette, the widget can be closed by a focus change before the text is in: then again, up to
 * three times.
 */
export async function goTo(page: Page, line: number, column = 1): Promise<void> {
  const input = page.locator('.quick-input-widget input[type="text"]');
  for (let attempt = 1; ; attempt++) {
    await focusEditor(page);
    await page.keyboard.press('Control+g');
    try {
      await input.waitFor({ state: 'visible', timeout: attempt < 3 ? 10_000 : UI_TIMEOUT_MS });
      await input.fill(`:${line}:${column}`, { timeout: attempt < 3 ? 10_000 : UI_TIMEOUT_MS });
      break;
    } catch (e) {
      if (attempt >= 3) throw e;
      await page.keyboard.press('Escape');
    }
  }
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
}

/** The rendered text of the editor's visible lines (Monaco renders spaces as U+00A0). */
export async function editorText(page: Page): Promise<string> {
  const t = await activeEditor(page).locator('.view-lines').innerText();
  return t.replace(/\u00a0/g, ' ');
}

/** The span Monaco rendered for the first visible token whose text is exactly `text`. */
export function token(page: Page, text: string): Locator {
  return activeEditor(page)
    .locator('.view-lines .view-line span span')
    .filter({ hasText: new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) })
    .first();
}

/** Opens the Problems panel and waits for a row containing `text` (the list is virtualised). */
export async function waitForProblem(page: Page, text: string | RegExp): Promise<Locator> {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible())) await page.keyboard.press('Control+Shift+M');
  const row = panel.locator('.monaco-list-row', { hasText: text }).first();
  await row.waitFor({ timeout: UI_TIMEOUT_MS });
  return row;
}

/** Error and warning counts from the status bar's Problems item. */
export async function problemCounts(page: Page): Promise<{ errors: number; warnings: number }> {
  const label = (await page.locator('#status\\.problems').getAttribute('aria-label')) ?? '';
  return {
    errors: Number(/Errors: (\d+)/.exec(label)?.[1] ?? 0),
    warnings: Number(/Warnings: (\d+)/.exec(label)?.[1] ?? 0),
  };
}

/** Polls `cond` until it holds; fails with `what` after `timeoutMs`. */
export async function until(cond: () => Promise<boolean>, what: string, timeoutMs = UI_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
}

/** The tab of a scenario's timeline view ("Timeline: NAME"). */
export function timelineTab(page: Page, scenario: string): Locator {
  return page.locator('.tabs-container .tab', { hasText: `Timeline: ${scenario}` }).first();
}

/**
 * The document inside a scenario's (or trace's) timeline tab, once that tab is the active one of
 * its editor group. VS Code draws webviews in an overlay outside the editor groups: the overlay
 * names the placeholder element of its editor (`data-parent-flow-to-element-id`), and nests the
 * extension's page in an inner `iframe#active-frame`.
 */
export async function timelineFrame(page: Page, name: string): Promise<FrameLocator> {
  let id: string | undefined;
  await until(async () => {
    id = await page.evaluate((title) => {
      for (const g of document.querySelectorAll('.editor-group-container')) {
        const tab = g.querySelector('.tabs-container .tab.active');
        if (!tab?.textContent?.includes(title)) continue;
        const el = g.querySelector('[id^="webview-editor-element-"]');
        if (el) return el.id;
      }
      return undefined;
    }, `Timeline: ${name}`);
    return id !== undefined && (await page.locator(`div[data-parent-flow-to-element-id="${id}"] iframe.webview.ready`).count()) === 1;
  }, `the timeline tab of ${name} shows its webview`);
  return page.locator(`div[data-parent-flow-to-element-id="${id}"] iframe.webview.ready`).contentFrame().frameLocator('iframe#active-frame');
}

/**
 * Right-clicks `row` and runs the context menu item `label`. VS Code's menu ignores a mouse-up
 * that comes right after it opened (so the release of the right click picks nothing); a click
 * as fast as Playwright's can be dropped that way. So the item is hovered (which focuses it) and
 * Enter runs it; the menu closing says it ran.
 */
export async function runContextMenuItem(page: Page, row: Locator, label: string): Promise<void> {
  await row.click({ button: 'right' });
  // The menu is in a shadow DOM, which CSS locators pierce.
  const menu = page.locator('.context-view .monaco-menu').first();
  const item = menu.locator('.action-item', { hasText: label }).first();
  await item.waitFor({ timeout: UI_TIMEOUT_MS });
  await item.hover();
  const focused = await until(async () => item.evaluate((el) => el.classList.contains('focused')), `the menu item ${label} is focused`, 5_000).then(
    () => true,
    () => false,
  );
  if (focused) await page.keyboard.press('Enter');
  // Not focused, or Enter lost: a click, now that the menu has been open for a while.
  if (!focused || !(await menu.waitFor({ state: 'hidden', timeout: 3_000 }).then(() => true, () => false))) await item.click();
  await menu.waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
}

/** One problem as the Problems panel shows it (related-information rows left out). */
export interface ShownProblem {
  /** The file name of the group the problem is in. */
  file: string;
  severity: 'Error' | 'Warning' | 'Info';
  /** The code column, e.g. `VPS201`. */
  code: string;
  /** The problem's row text (message, source, code, position). */
  text: string;
}

/**
 * Shows only the problems of the files matching `glob` (the Problems panel's filter box, e.g.
 * `**\/a.vps`; '' clears it), opening the panel first.
 */
export async function filterProblems(page: Page, glob: string): Promise<void> {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible())) {
    // Ctrl+Shift+M; when the keyboard focus is in a terminal (a task's), the key goes there: the
    // palette's command then.
    await page.keyboard.press('Control+Shift+M');
    if (!(await panel.waitFor({ timeout: 3_000 }).then(() => true, () => false))) await runCommand(page, 'View: Focus Problems');
  }
  await panel.waitFor({ timeout: UI_TIMEOUT_MS });
  const input = page.locator('input[aria-label="Filter Problems"]').first();
  await input.fill(glob);
  // Typed again while it does not hold: a task's terminal taking the panel a moment later can
  // swallow the first fill.
  await until(async () => {
    if ((await input.inputValue()) === glob) return true;
    if (await input.isVisible()) await input.fill(glob).catch(() => undefined);
    return false;
  }, `the Problems filter holds ${glob}`);
  // The panel applies the filter a moment later: for `**/NAME`, wait until no other file shows.
  const name = /^\*\*\/([^/*]+)$/.exec(glob)?.[1];
  if (name) {
    await until(async () => {
      const files = await page.locator('.markers-panel .monaco-list-row').evaluateAll((els) => els.map((e) => /problems? in file (.+?) of folder/.exec(e.getAttribute('aria-label') ?? '')?.[1]).filter((f) => f !== undefined));
      return files.every((f) => f === name);
    }, `the Problems panel shows no file but ${name}`);
  }
}

/**
 * The problems the Problems panel shows now, file by file, in list order: a file's row says
 * "N problems in file NAME"; the rows after it are its problems ("Warning: ..."), each with its
 * related information below it. Only rendered rows count, so filter the panel to a few files.
 */
export async function shownProblems(page: Page): Promise<ShownProblem[]> {
  const rows = await page.locator('.markers-panel .monaco-list-row').evaluateAll((els) =>
    els
      .map((e) => ({ i: Number(e.getAttribute('data-index')), label: e.getAttribute('aria-label') ?? '', text: (e as HTMLElement).innerText }))
      .sort((a, b) => a.i - b.i),
  );
  const out: ShownProblem[] = [];
  let file = '';
  for (const r of rows) {
    const f = /problems? in file (.+?) of folder/.exec(r.label);
    if (f) {
      file = f[1];
      continue;
    }
    const sev = /^(Error|Warning|Info): /.exec(r.label);
    if (!sev) continue;
    const code = r.text.split('\n').map((x) => x.trim()).find((x) => /^VPS\d{3}$/.test(x)) ?? '';
    out.push({ file, severity: sev[1] as ShownProblem['severity'], code, text: r.text.replace(/\n/g, ' | ') });
  }
  return out;
}

/**
 * Closes every editor and editor group (the webviews of earlier steps included), answering
 * "Don't Save" for edited files, so that the next steps work in one editor group of full width.
 */
export async function closeAllEditors(page: Page): Promise<void> {
  // The palette's key must reach the workbench, not a webview: focus the side bar's title first.
  await page.locator('.part.sidebar .title-label').first().click();
  await startCommand(page, 'View: Close All Editor Groups');
  const dontSave = page.locator('.monaco-dialog-box .monaco-button', { hasText: /Don.t Save/ });
  for (let i = 0; i < 10 && (await dontSave.first().isVisible({ timeout: 1000 }).catch(() => false)); i++) await dontSave.first().click();
  await until(async () => (await page.locator('.tabs-container .tab').count()) === 0, 'every editor is closed');
}
