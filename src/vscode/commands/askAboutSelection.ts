import { contentPiece, selectionTarget } from './editorContent';
import type { CommandDeps, TandemCommand } from './tandemCommand';

/** Tandem: Ask About Selection — opens the chat with the selection attached; the user types the question. */
export function askAboutSelectionCommand(deps: CommandDeps): TandemCommand {
  return {
    id: 'tandem.askAboutSelection',
    run: () => {
      const target = selectionTarget('ask about');
      if (!target) return;
      const { document } = target.editor;
      deps.panel.show({ request: { command: 'ask', messages: [{ role: 'user', content: '' }], content: [contentPiece(document, 'selection', document.getText(target.range))] } });
    },
  };
}
