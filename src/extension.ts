import * as vscode from 'vscode';
import { OllamaBackend } from './backends/ollama';
import { InlineProvider } from './vscode/inlineProvider';
import { Settings } from './vscode/settings';
import { StatusBar } from './vscode/statusBar';

const LOCAL_ONLY_KEY = 'tandem.localOnly';
const PROBE_TIMEOUT_MS = 3000;

/** Builds Tandem's objects once and registers everything it creates for disposal. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Tandem', { log: true });
  const settings = new Settings();
  const status = new StatusBar(() => settings.endpoints().localHost);
  context.subscriptions.push(log, status);

  const probeEngine = async (): Promise<boolean> => {
    try {
      status.engineOnline(await new OllamaBackend(settings.endpoints().localHost).version(AbortSignal.timeout(PROBE_TIMEOUT_MS)));
      return true;
    } catch (e) {
      status.engineFailed(e);
      log.warn(`[Engine] ${String((e as Error)?.message ?? e)}`);
      return false;
    }
  };

  status.setLocalOnly(context.workspaceState.get<boolean>(LOCAL_ONLY_KEY, false) || settings.endpoints().mode === 'local-only');
  context.subscriptions.push(
    vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, new InlineProvider(settings, status, log)),
    vscode.commands.registerCommand('tandem.toggleLocalOnly', async () => {
      const next = !context.workspaceState.get<boolean>(LOCAL_ONLY_KEY, false);
      await context.workspaceState.update(LOCAL_ONLY_KEY, next);
      status.setLocalOnly(next || settings.endpoints().mode === 'local-only');
      return next;
    }),
    vscode.commands.registerCommand('tandem.checkLocalEngine', async () => {
      const ok = await probeEngine();
      void vscode.window.showInformationMessage(ok ? 'Tandem: the local engine answers.' : `Tandem: the local engine at ${settings.endpoints().localHost} does not answer. Start Ollama (\`ollama serve\`) or check the tandem.local.host setting.`);
      return ok;
    }),
    vscode.commands.registerCommand('tandem.showLog', () => log.show()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (settings.affects(e)) void probeEngine();
    }),
  );
  void probeEngine();
}

export function deactivate(): void {}
