/**
 * The status bar item of the background simulation: "vpscope: simulating…", "vpscope: simulated
 * (N findings)" or "vpscope: budget hit (N findings)" for the active scenario, from the server's
 * `vpscope/backgroundSimulation` notifications. The client only displays them.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { BackgroundSimulationNotification, type BackgroundSimulationParams } from '../../server/src/shared/protocol';

export class BackgroundStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly last = new Map<string, BackgroundSimulationParams>();
  private readonly disposables: vscode.Disposable[] = [];
  private subscription: vscode.Disposable | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem('vpscope.backgroundSimulation', vscode.StatusBarAlignment.Left, 0);
    this.item.name = 'vpscope background simulation';
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.show()),
      vscode.workspace.onDidCloseTextDocument((d) => this.last.delete(d.uri.toString())),
    );
  }

  /** Listens to a (new) client's notifications; a restart forgets the old states. */
  attach(client: LanguageClient): void {
    this.subscription?.dispose();
    this.last.clear();
    this.subscription = client.onNotification(BackgroundSimulationNotification.type, (p) => {
      this.last.set(p.uri, p);
      this.show();
    });
    this.show();
  }

  private show(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const p = doc && doc.languageId === 'vpscope' ? this.last.get(doc.uri.toString()) : undefined;
    if (!p || p.state === 'off') {
      this.item.hide();
      return;
    }
    const n = p.findings ?? 0;
    const findings = `${n} finding${n === 1 ? '' : 's'}`;
    const text: Record<BackgroundSimulationParams['state'], string> = {
      simulating: '$(sync~spin) vpscope: simulating…',
      done: `$(pulse) vpscope: simulated (${findings})`,
      budget: `$(watch) vpscope: budget hit (${findings})`,
      skipped: '$(circle-slash) vpscope: not simulated',
      failed: '$(warning) vpscope: simulation failed',
      off: '',
    };
    this.item.text = text[p.state];
    this.item.tooltip = `${p.message} (version ${p.version}). Settings: vpscope.backgroundSimulation.*`;
    this.item.command = p.state === 'done' || p.state === 'budget' ? { title: 'Show Problems', command: 'workbench.actions.view.problems' } : undefined;
    this.item.show();
  }

  dispose(): void {
    this.subscription?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
