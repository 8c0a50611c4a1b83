import type { CommandDeps, TandemCommand } from './tandemCommand';

/** Tandem: Open Chat — opens or reveals the chat panel. */
export function openChatCommand(deps: CommandDeps): TandemCommand {
  return { id: 'tandem.openChat', run: () => deps.panel.show() };
}
