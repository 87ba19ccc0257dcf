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
      await widget.locator('.monaco-list-row.focused', { hasText: title }).first().waitFor({ timeout: attempt < 3 ? 10_000 : UI_TIMEOUT_MS });
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
  await paletteWithCommand(page, title);
  await page.keyboard.press('Enter');
  // The pick replaces the palette's rows: wait for an item of it, then filter to the label.
  const item = widget.locator('.monaco-list-row .label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });
  await item.first().waitFor({ timeout: UI_TIMEOUT_MS });
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
    await activeEditor(page).locator('.view-lines').click();
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
