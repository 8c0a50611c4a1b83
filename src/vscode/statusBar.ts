import * as vscode from 'vscode';
import { LocalEngineUnreachableError } from '../backends/ollama';

type EngineState = { kind: 'unknown' } | { kind: 'online'; version?: string; lastLatencyMs?: number } | { kind: 'offline'; reason: string };

/** The one status-bar item: where requests go, and whether the local engine answers. */
export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private engine: EngineState = { kind: 'unknown' };
  private localOnly = false;

  constructor(private readonly localHost: () => string) {
    this.item = vscode.window.createStatusBarItem('tandem.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Tandem';
    this.item.command = 'tandem.toggleLocalOnly';
    this.render();
    this.item.show();
  }

  setLocalOnly(localOnly: boolean): void {
    this.localOnly = localOnly;
    this.render();
  }

  engineOnline(version?: string): void {
    this.engine = { kind: 'online', version, lastLatencyMs: this.engine.kind === 'online' ? this.engine.lastLatencyMs : undefined };
    this.render();
  }

  engineAnswered(latencyMs: number): void {
    this.engine = { kind: 'online', version: this.engine.kind === 'online' ? this.engine.version : undefined, lastLatencyMs: latencyMs };
    this.render();
  }

  engineFailed(error: unknown): void {
    const reason = LocalEngineUnreachableError.is(error) ? 'not reachable' : String((error as Error)?.message ?? error);
    this.engine = { kind: 'offline', reason };
    this.render();
  }

  dispose(): void {
    this.item.dispose();
  }

  private render(): void {
    const mode = this.localOnly ? '$(lock) Local' : '$(cloud) Hybrid';
    const offline = this.engine.kind === 'offline';
    this.item.text = offline ? `${mode} $(warning)` : mode;
    this.item.backgroundColor = offline ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**Tandem** — ${this.localOnly ? 'local-only: nothing leaves this machine' : 'hybrid: chat may use the cloud model when policy allows'}\n\n`);
    tooltip.appendMarkdown(`Local engine (${this.localHost()}): ${this.describeEngine()}\n\n`);
    tooltip.appendMarkdown('Click to toggle local-only mode for this workspace.');
    this.item.tooltip = tooltip;
  }

  private describeEngine(): string {
    switch (this.engine.kind) {
      case 'unknown':
        return 'checking…';
      case 'online':
        return `reachable${this.engine.version ? ` (version ${this.engine.version})` : ''}${this.engine.lastLatencyMs !== undefined ? `, last completion ${this.engine.lastLatencyMs} ms` : ''}`;
      case 'offline':
        return `offline (${this.engine.reason}) — start Ollama or check \`tandem.local.host\``;
    }
  }
}
