import * as vscode from 'vscode';
import { OllamaBackend } from '../backends/ollama';
import { Settings } from './settings';
import { StatusBar } from './statusBar';

const MAX_PREFIX_CHARS = 6000;
const MAX_SUFFIX_CHARS = 2000;
const MAX_TOKENS = 48;

/**
 * First, thin completion path: prefix and suffix of the document go to the local model's
 * fill-in-the-middle endpoint and the answer becomes ghost text. Errors never reach the user
 * from here; the status bar shows the engine's state instead.
 */
export class InlineProvider implements vscode.InlineCompletionItemProvider {
  constructor(
    private readonly settings: Settings,
    private readonly status: StatusBar,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    _context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[]> {
    if (!this.settings.completionEnabled(document.languageId)) return [];
    const offset = document.offsetAt(position);
    const text = document.getText();
    const prompt = text.slice(Math.max(0, offset - MAX_PREFIX_CHARS), offset);
    const suffix = text.slice(offset, offset + MAX_SUFFIX_CHARS);
    const { localHost, completionModel } = this.settings.endpoints();
    const abort = new AbortController();
    const cancel = token.onCancellationRequested(() => abort.abort());
    const started = Date.now();
    try {
      let completion = '';
      for await (const piece of new OllamaBackend(localHost).fim({ model: completionModel, prompt, suffix, maxTokens: MAX_TOKENS, signal: abort.signal })) {
        completion += piece;
      }
      this.status.engineAnswered(Date.now() - started);
      if (!completion.trim()) return [];
      return [new vscode.InlineCompletionItem(completion, new vscode.Range(position, position))];
    } catch (e) {
      if (!abort.signal.aborted) {
        this.log.warn(`[Completion] ${String((e as Error)?.message ?? e)}`);
        this.status.engineFailed(e);
      }
      return [];
    } finally {
      cancel.dispose();
    }
  }
}
