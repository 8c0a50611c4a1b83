import * as vscode from 'vscode';
import type { ErrorAction } from '../../core/chat/types';
import type { ChatPanel } from '../chatPanel';
import type { ChatBackend } from '../chat/chatBackend';
import type { CloudApiKeys } from '../secrets';
import type { Settings } from '../settings';
import type { ProposalStore } from './proposals';

/** What the commands work with; built once by the extension. */
export interface CommandDeps {
  chat: ChatBackend;
  panel: Pick<ChatPanel, 'show'>;
  proposals: ProposalStore;
  keys: CloudApiKeys;
  settings: Settings;
  log: vscode.LogOutputChannel;
}

/** One contributed command: its id (as in package.json) and what it does. */
export interface TandemCommand {
  readonly id: string;
  run(...args: unknown[]): unknown;
}

/** Registers each command; a failure that escapes a command is logged and shown, never swallowed. */
export function registerCommands(commands: readonly TandemCommand[], log: vscode.LogOutputChannel): vscode.Disposable[] {
  return commands.map((command) =>
    vscode.commands.registerCommand(command.id, async (...args: unknown[]) => {
      try {
        return await command.run(...args);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log.error(`[Commands] ${command.id} failed: ${message}`);
        void vscode.window.showErrorMessage(`Tandem: ${message}`);
        return undefined;
      }
    }),
  );
}

/** Shows an error with the actions the answer offered (e.g. "Set Cloud API Key") and runs the one chosen. */
export async function showErrorWithActions(message: string, actions: readonly ErrorAction[]): Promise<void> {
  const chosen = await vscode.window.showErrorMessage(`Tandem: ${message}`, ...actions.map((a) => a.title));
  const action = actions.find((a) => a.title === chosen);
  if (action) await vscode.commands.executeCommand(action.command);
}
