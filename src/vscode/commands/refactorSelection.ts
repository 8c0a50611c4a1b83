import * as vscode from 'vscode';
import type { ChatRequest } from '../../core/chat/types';
import { routeName } from './answerStream';
import { stringArg } from './commandArgs';
import { contentPiece, selectionTarget, wholeLines } from './editorContent';
import { proposeRewrite, rewriteTask } from './rewriteFlow';
import type { CommandDeps, TandemCommand } from './tandemCommand';

/**
 * Tandem: Refactor Selection… — asks for an instruction (saying where the request will go), streams
 * the rewrite and shows it as a diff with Apply / Discard. `{ instruction }` skips the input box.
 */
export function refactorSelectionCommand(deps: CommandDeps): TandemCommand {
  return {
    id: 'tandem.refactorSelection',
    run: async (args?: unknown) => {
      const target = selectionTarget('refactor');
      if (!target) return undefined;
      const { document } = target.editor;
      const range = wholeLines(document, target.range);
      const draft: ChatRequest = { command: 'refactor', messages: [], content: [contentPiece(document, 'selection', document.getText(range))] };
      // The snapshot Apply compares against is the text the model is shown.
      const snapshot = rewriteTask(document, range, draft, 'refactoring', 'refactor');
      let instruction = stringArg(args, 'instruction');
      if (instruction === undefined) {
        let destination: string;
        try {
          const route = await deps.chat.destination(draft);
          destination = `${routeName(route)} (${route.why})`;
        } catch (error) {
          void vscode.window.showWarningMessage(`Tandem: ${error instanceof Error ? error.message : String(error)}`);
          return undefined;
        }
        instruction = await vscode.window.showInputBox({
          title: 'Tandem: Refactor Selection',
          prompt: `How should the selected code change? The request goes to ${destination}.`,
          placeHolder: 'e.g. extract a helper function, use async/await, add types',
          ignoreFocusOut: true,
          validateInput: (value) => (value.trim() ? undefined : 'Describe the change you want.'),
        });
        if (!instruction?.trim()) return undefined;
      }
      const request: ChatRequest = { ...draft, messages: [{ role: 'user', content: `Rewrite this code: ${instruction.trim()}` }] };
      return proposeRewrite(deps, { ...snapshot, request });
    },
  };
}
