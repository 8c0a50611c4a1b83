import { contentPiece, selectionTarget } from './editorContent';
import type { CommandDeps, TandemCommand } from './tandemCommand';

/** Tandem: Explain Selection — asks the chat at once to explain the selected code. */
export function explainSelectionCommand(deps: CommandDeps): TandemCommand {
  return {
    id: 'tandem.explainSelection',
    run: () => {
      const target = selectionTarget('explain');
      if (!target) return;
      const { document } = target.editor;
      deps.panel.show({
        request: { command: 'explain', messages: [{ role: 'user', content: 'Explain this code.' }], content: [contentPiece(document, 'selection', document.getText(target.range))] },
        autoSend: true,
      });
    },
  };
}
