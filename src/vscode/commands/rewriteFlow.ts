import * as vscode from 'vscode';
import type { ChatRequest } from '../../core/chat/types';
import { routeName, streamWithProgress, type StreamedAnswer } from './answerStream';
import { fileName } from './editorContent';
import type { Proposal } from './proposals';
import { extractCode, fitIndentation } from './proposedCode';
import type { CommandDeps } from './tandemCommand';

/** A rewrite of one range, as Refactor Selection and Fix This ask for it. */
export interface RewriteTask {
  document: vscode.TextDocument;
  /** The document as it was when the user asked; Apply refuses if it changed since. */
  version: number;
  originalText: string;
  range: vscode.Range;
  request: ChatRequest;
  /** "refactoring", "fixing": shown while the answer streams. */
  activity: string;
  /** "refactor", "fix": names the proposal. */
  label: string;
}

/** Snapshot of the document a rewrite starts from. */
export function rewriteTask(document: vscode.TextDocument, range: vscode.Range, request: ChatRequest, activity: string, label: string): RewriteTask {
  return { document, version: document.version, originalText: document.getText(), range, request, activity, label };
}

/**
 * Streams the rewrite, extracts the code, shows original against proposed in a diff and offers
 * Apply / Discard (and "Re-ask in the Cloud" after a local answer, when policy allows). Resolves
 * once the diff is shown, with the proposal; the choice is handled when the user makes it.
 */
export async function proposeRewrite(deps: CommandDeps, task: RewriteTask): Promise<Proposal | undefined> {
  const answer = await streamWithProgress(deps.chat, task.request, task.activity);
  if (!answer) return undefined;
  const code = extractCode(answer.text);
  if (code === undefined) {
    void vscode.window.showWarningMessage(`Tandem: ${routeName(answer.route)} answered without any code, so there is nothing to apply.`);
    return undefined;
  }
  const original = task.originalText.slice(task.document.offsetAt(task.range.start), task.document.offsetAt(task.range.end));
  const proposal = await deps.proposals.show(
    {
      documentUri: task.document.uri,
      version: task.version,
      originalText: task.originalText,
      range: task.range,
      replacement: fitIndentation(code, original),
      route: answer.route,
    },
    `${task.label} proposal`,
  );
  void offerChoice(deps, task, proposal, answer).catch((error: unknown) => deps.log.error(`[Commands] ${task.label}: ${String(error)}`));
  return proposal;
}

const APPLY = 'Apply';
const DISCARD = 'Discard';
const REASK = 'Re-ask in the Cloud';

async function offerChoice(deps: CommandDeps, task: RewriteTask, proposal: Proposal, answer: StreamedAnswer): Promise<void> {
  const reask = answer.route.where === 'local' && (await deps.chat.cloudReaskAllowed(task.request));
  const fellBack = answer.route.why.startsWith('fallback') ? ` (${answer.route.why})` : '';
  const choice = await vscode.window.showInformationMessage(
    `Tandem: the ${task.label} proposed by ${routeName(answer.route)}${fellBack} is shown as a diff. Apply it to ${fileName(task.document.uri)}?`,
    APPLY,
    DISCARD,
    ...(reask ? [REASK] : []),
  );
  // Already decided from the diff editor's title bar.
  if (!deps.proposals.find(proposal.id)) return;
  if (choice === APPLY) await applyProposal(deps, proposal.id);
  else if (choice === DISCARD) await deps.proposals.discard(proposal.id);
  else if (choice === REASK) {
    await deps.proposals.discard(proposal.id);
    await proposeRewrite(deps, { ...task, request: { ...task.request, preferCloud: true } });
  }
}

/** Applies a proposal and confirms it; refusals (document changed meanwhile) are reported by the store. */
export async function applyProposal(deps: CommandDeps, id: string): Promise<boolean> {
  const outcome = await deps.proposals.apply(id);
  if (outcome === 'applied') vscode.window.setStatusBarMessage('Tandem: change applied (one undo reverts it)', 5000);
  return outcome === 'applied';
}
