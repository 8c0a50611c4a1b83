import * as vscode from 'vscode';
import type { ChatRequest } from '../../core/chat/types';
import { routeName, streamWithProgress } from './answerStream';
import { contentPiece, fileName, selectionTarget, wholeLines } from './editorContent';
import { extractCode } from './proposedCode';
import type { CommandDeps, TandemCommand } from './tandemCommand';

const REASK = 'Re-ask in the Cloud';

/**
 * Tandem: Write Tests for Selection — streams tests for the selected code and opens them in a new
 * untitled editor of the same language. Resolves with that document's URI.
 */
export function writeTestsCommand(deps: CommandDeps): TandemCommand {
  const write = async (request: ChatRequest, languageId: string): Promise<vscode.Uri | undefined> => {
    const answer = await streamWithProgress(deps.chat, request, 'writing tests');
    if (!answer) return undefined;
    const tests = await vscode.workspace.openTextDocument({ language: languageId, content: extractCode(answer.text) ?? answer.text });
    await vscode.window.showTextDocument(tests, { viewColumn: vscode.ViewColumn.Beside, preview: false });
    if (answer.route.where === 'local' && (await deps.chat.cloudReaskAllowed(request))) {
      void vscode.window.showInformationMessage(`Tandem: tests written by ${routeName(answer.route)}.`, REASK).then((choice) => {
        if (choice === REASK) void write({ ...request, preferCloud: true }, languageId);
      });
    }
    return tests.uri;
  };
  return {
    id: 'tandem.writeTests',
    run: async () => {
      const target = selectionTarget('write tests for');
      if (!target) return undefined;
      const { document } = target.editor;
      const range = wholeLines(document, target.range);
      const request: ChatRequest = {
        command: 'tests',
        messages: [{ role: 'user', content: `Write unit tests for this code from ${fileName(document.uri)}.` }],
        content: [contentPiece(document, 'selection', document.getText(range))],
      };
      return write(request, document.languageId);
    },
  };
}
