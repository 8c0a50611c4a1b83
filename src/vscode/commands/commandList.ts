import type * as vscode from 'vscode';
import { askAboutSelectionCommand } from './askAboutSelection';
import { clearCloudApiKeyCommand } from './clearCloudApiKey';
import { explainSelectionCommand } from './explainSelection';
import { fixThisCommand } from './fixThis';
import { openChatCommand } from './openChat';
import { applyProposalCommand, discardProposalCommand } from './proposalDecision';
import { refactorSelectionCommand } from './refactorSelection';
import { selectModelsCommand } from './selectModels';
import { setCloudApiKeyCommand } from './setCloudApiKey';
import { registerCommands, type CommandDeps } from './tandemCommand';
import { writeTestsCommand } from './writeTests';

/** The chat, refactor, model and key commands, one factory per file, registered in one place. */
export function registerChatCommands(deps: CommandDeps): vscode.Disposable[] {
  return registerCommands(
    [
      openChatCommand(deps),
      askAboutSelectionCommand(deps),
      explainSelectionCommand(deps),
      refactorSelectionCommand(deps),
      fixThisCommand(deps),
      writeTestsCommand(deps),
      applyProposalCommand(deps),
      discardProposalCommand(deps),
      selectModelsCommand(deps),
      setCloudApiKeyCommand(deps),
      clearCloudApiKeyCommand(deps),
    ],
    deps.log,
  );
}
