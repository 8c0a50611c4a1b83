import * as vscode from 'vscode';
import { applyProposal } from './rewriteFlow';
import type { CommandDeps, TandemCommand } from './tandemCommand';

/** The proposal a command acts on: its id or URI as argument (tests, title bar), else the active diff. */
function proposalId(deps: CommandDeps, arg: unknown): string | undefined {
  if (typeof arg === 'string') return deps.proposals.find(arg)?.id;
  if (arg instanceof vscode.Uri) return deps.proposals.find(arg)?.id;
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri = input instanceof vscode.TabInputTextDiff ? input.modified : vscode.window.activeTextEditor?.document.uri;
  return deps.proposals.find(uri)?.id;
}

/** Tandem: Apply Proposed Change — from the diff editor's title bar. */
export function applyProposalCommand(deps: CommandDeps): TandemCommand {
  return {
    id: 'tandem.applyProposal',
    run: async (arg?: unknown) => {
      const id = proposalId(deps, arg);
      if (id === undefined) {
        void vscode.window.showInformationMessage('Tandem: there is no proposed change here to apply (it was applied or discarded already).');
        return false;
      }
      return applyProposal(deps, id);
    },
  };
}

/** Tandem: Discard Proposed Change — closes the diff and forgets the proposal. */
export function discardProposalCommand(deps: CommandDeps): TandemCommand {
  return {
    id: 'tandem.discardProposal',
    run: async (arg?: unknown) => {
      const id = proposalId(deps, arg);
      return id === undefined ? false : deps.proposals.discard(id);
    },
  };
}
