import * as vscode from 'vscode';
import type { AnswerRoute, ChatRequest } from '../../core/chat/types';
import type { ChatBackend } from '../chat/chatBackend';
import { showErrorWithActions } from './tandemCommand';

/** A complete answer, and who gave it. */
export interface StreamedAnswer {
  text: string;
  route: AnswerRoute;
  notices: string[];
}

/** "cloud gpt-4.1" / "local qwen2.5-coder:7b". */
export function routeName(route: AnswerRoute): string {
  return `${route.where} ${route.model}`;
}

/**
 * Streams one answer under a cancellable progress notification that names, before anything is
 * sent, where the request goes and why. Resolves with the answer, or undefined when it was
 * blocked, cancelled, cut short or failed (the user has been told which, with the offered actions).
 */
export async function streamWithProgress(chat: ChatBackend, request: ChatRequest, activity: string): Promise<StreamedAnswer | undefined> {
  let destination: AnswerRoute;
  try {
    destination = await chat.destination(request);
  } catch (error) {
    void vscode.window.showWarningMessage(`Tandem: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Tandem: ${activity} with ${routeName(destination)}`, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort());
      progress.report({ message: `(${destination.why})` });
      let text = '';
      let route = destination;
      const notices: string[] = [];
      try {
        for await (const event of chat.ask(request, controller.signal)) {
          switch (event.kind) {
            case 'route':
              route = event.route;
              if (route.model !== destination.model || route.where !== destination.where) progress.report({ message: `now ${routeName(route)} (${route.why})` });
              break;
            case 'text':
              text += event.text;
              progress.report({ message: `${text.length} characters from ${routeName(route)}…` });
              break;
            case 'notice':
              notices.push(event.text);
              progress.report({ message: event.text });
              break;
            case 'error':
              void showErrorWithActions(event.message, event.actions);
              return undefined;
            case 'done':
              if (controller.signal.aborted) {
                vscode.window.setStatusBarMessage(`Tandem: ${activity} cancelled`, 3000);
                return undefined;
              }
              if (event.interrupted) {
                void vscode.window.showWarningMessage(`Tandem: the answer from ${routeName(route)} is incomplete, so nothing is proposed. ${notices.join(' ')}`.trim());
                return undefined;
              }
              return { text, route, notices };
          }
        }
        // The service always ends with done or error; a stream that just stops is a broken answer.
        void vscode.window.showWarningMessage(`Tandem: the answer from ${routeName(route)} ended unexpectedly.`);
        return undefined;
      } finally {
        cancel.dispose();
      }
    },
  );
}
