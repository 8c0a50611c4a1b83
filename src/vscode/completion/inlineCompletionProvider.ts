import * as vscode from 'vscode';
import type { CompletionController } from './completionController';
import { EditorCompletionDocument } from './editorDocument';

/** The inline item's command: records that the user took the suggestion. */
export const COMPLETION_ACCEPTED_COMMAND = 'tandem.internal.completionAccepted';
/** Escape while a suggestion shows: hides it and stops it from growing back. */
export const DISMISS_SUGGESTION_COMMAND = 'tandem.internal.dismissSuggestion';

/**
 * How long a cancelled request keeps running. VS Code cancels the previous request on every
 * keystroke before it asks again (about 50 ms later); the engine can serve the new request from
 * the running stream when the user typed what it is producing, so the stream is only stopped if
 * no newer request arrives (a newer one for the same document supersedes it at once anyway).
 */
const CANCEL_GRACE_MS = 150;

/**
 * Inline completions from the completion engine. Thin: it adapts the document and the
 * cancellation token, and never lets an error reach the user (the status bar and log show them).
 */
export class TandemInlineCompletionProvider implements vscode.InlineCompletionItemProvider {
  constructor(
    private readonly controller: CompletionController,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    const explicit = context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke;
    if (!explicit && !this.controller.automaticAllowed(document.languageId)) return undefined;
    const abort = new AbortController();
    let grace: ReturnType<typeof setTimeout> | undefined;
    const cancellation = token.onCancellationRequested(() => {
      grace = setTimeout(() => abort.abort(), CANCEL_GRACE_MS);
    });
    try {
      const engine = await this.controller.engine();
      if (!engine || token.isCancellationRequested) return undefined;
      const suggestion = await engine.complete({ document: new EditorCompletionDocument(document), position, trigger: explicit ? 'explicit' : 'automatic' }, abort.signal);
      if (!suggestion || token.isCancellationRequested) return undefined;
      if (suggestion.update) this.askAgainWhenGrown(suggestion.update, document, position);
      const item = new vscode.InlineCompletionItem(suggestion.text, new vscode.Range(position, position), {
        title: 'Accept suggestion',
        command: COMPLETION_ACCEPTED_COMMAND,
        arguments: [suggestion.id, document, position, suggestion.text],
      });
      return [item];
    } catch (error) {
      this.log.warn(`[Completion] ${document.uri.scheme} document: ${String((error as Error)?.stack ?? error)}`);
      return undefined;
    } finally {
      cancellation.dispose();
      if (grace === undefined) abort.abort();
    }
  }

  /**
   * A suggestion is shown while the model still writes it; once it has grown, VS Code is asked
   * for it again (the engine answers from what it has), unless the user moved on or dismissed it.
   */
  private askAgainWhenGrown(update: Promise<boolean>, document: vscode.TextDocument, position: vscode.Position): void {
    const version = document.version;
    void update.then((grew) => {
      const editor = vscode.window.activeTextEditor;
      const unchanged = editor?.document === document && document.version === version && editor.selection.isEmpty && editor.selection.active.isEqual(position);
      if (grew && unchanged) return vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      return undefined;
    });
  }
}
