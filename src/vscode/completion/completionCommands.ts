import * as vscode from 'vscode';
import { SettingKey } from '../settings';
import type { CompletionController } from './completionController';
import { COMPLETION_ACCEPTED_COMMAND, DISMISS_SUGGESTION_COMMAND } from './inlineCompletionProvider';

const SNOOZE_MINUTES = [5, 15, 60] as const;

/** Registers the completion commands; the caller owns the returned disposables. */
export function registerCompletionCommands(controller: CompletionController): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('tandem.triggerSuggestion', () => vscode.commands.executeCommand('editor.action.inlineSuggest.trigger')),
    // `minutes` lets tests and keybindings skip the quick pick; 0 resumes.
    vscode.commands.registerCommand('tandem.snoozeCompletions', async (minutes?: number) => {
      const chosen = typeof minutes === 'number' ? minutes : await pickSnooze(controller.snoozed);
      if (chosen === undefined) return undefined;
      const until = controller.snooze(chosen);
      void vscode.window.setStatusBarMessage(chosen > 0 ? `Tandem: completions snoozed until ${new Date(until).toLocaleTimeString()}` : 'Tandem: completions resumed', 4000);
      return until;
    }),
    vscode.commands.registerCommand('tandem.toggleCompletionsForLanguage', async (languageId?: string) => {
      const language = languageId ?? vscode.window.activeTextEditor?.document.languageId;
      if (!language) {
        void vscode.window.showInformationMessage('Tandem: open a file to switch completions for its language.');
        return undefined;
      }
      const config = vscode.workspace.getConfiguration('tandem', { languageId: language });
      const enabled = !config.get<boolean>(SettingKey.completionEnabled, true);
      // The user's own settings, as a language override: `"[python]": { "tandem.completion.enabled": false }`.
      await config.update(SettingKey.completionEnabled, enabled, vscode.ConfigurationTarget.Global, true);
      void vscode.window.setStatusBarMessage(`Tandem: completions ${enabled ? 'enabled' : 'disabled'} for ${language}`, 4000);
      return enabled;
    }),
    vscode.commands.registerCommand('tandem.pullCompletionModel', () => controller.pullModel()),
    vscode.commands.registerCommand(COMPLETION_ACCEPTED_COMMAND, (suggestionId: string, document: vscode.TextDocument, start: vscode.Position, text: string) =>
      controller.accepted(suggestionId, document, start, text),
    ),
    vscode.commands.registerCommand(DISMISS_SUGGESTION_COMMAND, () => {
      const document = vscode.window.activeTextEditor?.document;
      if (document) controller.dismissed(document);
      return vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
    }),
  ];
}

async function pickSnooze(snoozed: boolean): Promise<number | undefined> {
  const items = [...SNOOZE_MINUTES.map((minutes) => ({ label: `${minutes} minutes`, minutes })), ...(snoozed ? [{ label: 'Resume now', minutes: 0 }] : [])];
  return (await vscode.window.showQuickPick(items, { title: 'Snooze Tandem completions', placeHolder: 'Pause automatic suggestions for…' }))?.minutes;
}
