import * as vscode from 'vscode';
import { buildUsageDashboard, parseDashboardMessage, type DashboardHostMessage, type DashboardWebviewMessage } from '../../core/usage/dashboard';
import { usagePage } from '../../webview/usage/page';
import type { LazyUsageLedger } from './lazyLedger';
import type { UsagePricingReader } from './usagePricing';
import { webviewSources } from '../webviewSources';

export interface UsageDashboardPanelDeps {
  extensionUri: vscode.Uri;
  ledger: LazyUsageLedger;
  pricing: UsagePricingReader;
  log: vscode.LogOutputChannel;
}

/** Commands the dashboard's buttons run. */
const BUTTON_COMMANDS: Record<Extract<DashboardWebviewMessage, { type: 'command' }>['command'], string> = {
  export: 'tandem.exportUsage',
  reset: 'tandem.resetUsage',
};

/**
 * The "Tandem: Show Usage" webview: one panel per window, built once; `show()` opens or reveals it.
 * While it is open it is redrawn whenever the ledger or the prices change.
 */
export class UsageDashboardPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private panel: { view: vscode.WebviewPanel; ready: boolean; disposables: vscode.Disposable[] } | undefined;

  constructor(private readonly deps: UsageDashboardPanelDeps) {
    this.disposables.push(
      deps.ledger.onDidChange(() => void this.update()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (deps.pricing.affects(e)) void this.update();
      }),
    );
  }

  show(): void {
    const panel = this.panel ?? this.createPanel();
    panel.view.reveal(undefined, false);
  }

  dispose(): void {
    this.panel?.view.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private createPanel(): NonNullable<UsageDashboardPanel['panel']> {
    const media = vscode.Uri.joinPath(this.deps.extensionUri, 'media');
    const view = vscode.window.createWebviewPanel('tandem.usage', 'Tandem Usage', vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [media] });
    const panel = { view, ready: false, disposables: [] as vscode.Disposable[] };
    view.webview.html = usagePage(webviewSources(view.webview, this.deps.extensionUri, 'usage'));
    panel.disposables.push(
      view.webview.onDidReceiveMessage((raw) => {
        const message = parseDashboardMessage(raw);
        if (!message) {
          this.deps.log.warn('[Usage] ignored a malformed message from the dashboard');
          return;
        }
        if (message.type === 'ready') {
          panel.ready = true;
          void this.update();
        } else {
          void vscode.commands.executeCommand(BUTTON_COMMANDS[message.command]);
        }
      }),
      // A hidden webview's page is unloaded; it says `ready` again when shown.
      view.onDidChangeViewState(() => {
        if (!view.visible) panel.ready = false;
      }),
      view.onDidDispose(() => {
        for (const d of panel.disposables.splice(0)) d.dispose();
        this.panel = undefined;
      }),
    );
    this.panel = panel;
    return panel;
  }

  private async update(): Promise<void> {
    if (!this.panel?.ready) return;
    const { view } = this.panel;
    try {
      const model = buildUsageDashboard(await this.deps.ledger.open(), this.deps.pricing.current());
      const message: DashboardHostMessage = { type: 'usage', model };
      await view.webview.postMessage(message);
    } catch (error) {
      this.deps.log.error(`[Usage] could not update the dashboard: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
