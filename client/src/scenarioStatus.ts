/**
 * A language status item for the active scenario ("{}" beside the language mode): whether the
 * server can run it and which variants it declares, from the server's `vpscope/scenario`
 * request. The client only displays the answer; it never parses the scenario itself.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ScenarioRequest, type ScenarioResult } from '../../server/src/shared/protocol';

/** Typing pauses shorter than this do not ask the server again. */
const REFRESH_DELAY_MS = 400;
const NS_PER_MS = 1_000_000;

export class ScenarioStatus implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pending: vscode.CancellationTokenSource | undefined;

  constructor(private readonly client: () => LanguageClient | undefined) {
    this.item = vscode.languages.createLanguageStatusItem('vpscope.scenario', { language: 'vpscope' });
    this.item.name = 'vpscope scenario';
    this.item.text = 'vpscope';
    this.item.busy = true;
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.schedule(0)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === vscode.window.activeTextEditor?.document) this.schedule(REFRESH_DELAY_MS);
      }),
    );
  }

  /** Asks the server again soon (after a restart, or when the document changed). */
  schedule(delayMs = REFRESH_DELAY_MS): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), delayMs);
  }

  private async refresh(): Promise<void> {
    const doc = vscode.window.activeTextEditor?.document;
    const c = this.client();
    if (!doc || doc.languageId !== 'vpscope' || !c?.isRunning()) return;
    this.pending?.cancel();
    const cts = (this.pending = new vscode.CancellationTokenSource());
    this.item.busy = true;
    try {
      const r = await c.sendRequest(ScenarioRequest.type, { textDocument: { uri: doc.uri.toString() } }, cts.token);
      // An answer for an older version is replaced by the next refresh.
      if (cts.token.isCancellationRequested || (r && r.version < doc.version)) return;
      this.show(r);
    } catch {
      // Cancelled, or the server is restarting: the next refresh answers.
    } finally {
      if (this.pending === cts) {
        this.pending = undefined;
        this.item.busy = false;
      }
      cts.dispose();
    }
  }

  private show(r: ScenarioResult | null): void {
    const item = this.item;
    if (!r) {
      item.text = 'vpscope';
      item.detail = undefined;
      item.severity = vscode.LanguageStatusSeverity.Information;
      item.command = undefined;
      return;
    }
    const variants = r.variants.length === 0 ? 'base scenario only' : `base + ${r.variants.join(', ')}`;
    if (r.errors > 0 || !r.scenario) {
      item.text = `$(error) not runnable: ${plural(r.errors, 'error')}`;
      item.detail = variants;
      item.severity = vscode.LanguageStatusSeverity.Error;
      item.command = { title: 'Show Problems', command: 'workbench.actions.view.problems' };
      return;
    }
    const s = r.scenario;
    item.text = `$(check) ${plural(s.vms.length, 'VM')}, ${plural(r.variants.length, 'variant')}`;
    item.detail = `${variants}; ${formatMs(s.settings.durationNs / NS_PER_MS)} simulated, seed ${s.settings.seed}`;
    item.severity = vscode.LanguageStatusSeverity.Information;
    item.command = undefined;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.pending?.cancel();
    for (const d of this.disposables) d.dispose();
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}
