import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type { AnswerRoute } from '../../core/chat/types';
import { routeName } from './answerStream';
import { fileName } from './editorContent';

export const PROPOSAL_SCHEME = 'tandem-proposal';

/** A rewrite of one range of a document, waiting for Apply or Discard. */
export interface Proposal {
  readonly id: string;
  readonly documentUri: vscode.Uri;
  /** The document's version and full text when the request was made: Apply needs both unchanged. */
  readonly version: number;
  readonly originalText: string;
  readonly range: vscode.Range;
  readonly replacement: string;
  readonly route: AnswerRoute;
  /** Read-only documents shown side by side in the diff editor. */
  readonly originalUri: vscode.Uri;
  readonly proposedUri: vscode.Uri;
}

export type NewProposal = Pick<Proposal, 'documentUri' | 'version' | 'originalText' | 'range' | 'replacement' | 'route'>;

/** How Apply ended; `stale` means the document changed after the request and was left alone. */
export type ApplyOutcome = 'applied' | 'stale' | 'rejected' | 'unknown';

/**
 * Proposed rewrites and the read-only documents that show them (`tandem-proposal:` URIs, served
 * from memory). Apply replaces the range with one WorkspaceEdit (one undo step) only if the
 * document is exactly as it was when the request was made; it never overwrites newer text.
 */
export class ProposalStore implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly proposals = new Map<string, Proposal & { proposedText: string }>();
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const [id, side] = uri.path.split('/').filter(Boolean);
    const proposal = id === undefined ? undefined : this.proposals.get(id);
    if (!proposal) return '';
    return side === 'original' ? proposal.originalText : proposal.proposedText;
  }

  /** Stores a proposal and opens the diff of the whole document, original against proposed. */
  async show(input: NewProposal, title: string): Promise<Proposal> {
    const id = randomUUID();
    const name = fileName(input.documentUri);
    const uri = (side: string) => vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: `/${id}/${side}/${name}` });
    const start = offsetAt(input.originalText, input.range.start);
    const end = offsetAt(input.originalText, input.range.end);
    const proposedText = input.originalText.slice(0, start) + input.replacement + input.originalText.slice(end);
    const proposal = { ...input, id, originalUri: uri('original'), proposedUri: uri('proposed'), proposedText };
    this.proposals.set(id, proposal);
    await vscode.commands.executeCommand('vscode.diff', proposal.originalUri, proposal.proposedUri, `${name}: ${title} (${routeName(input.route)})`, {
      preview: true,
    });
    return proposal;
  }

  /** The proposal a `tandem-proposal:` URI (or an id) belongs to. */
  find(idOrUri: string | vscode.Uri | undefined): Proposal | undefined {
    if (idOrUri === undefined) return undefined;
    const id = typeof idOrUri === 'string' ? idOrUri : idOrUri.scheme === PROPOSAL_SCHEME ? idOrUri.path.split('/').filter(Boolean)[0] : undefined;
    return id === undefined ? undefined : this.proposals.get(id);
  }

  async apply(id: string): Promise<ApplyOutcome> {
    const proposal = this.proposals.get(id);
    if (!proposal) return 'unknown';
    this.proposals.delete(id);
    await this.closeDiff(proposal);
    const document = await vscode.workspace.openTextDocument(proposal.documentUri);
    if (document.version !== proposal.version || document.getText() !== proposal.originalText) {
      void vscode.window.showWarningMessage(
        `Tandem: ${fileName(document.uri)} changed after the proposal was made, so it was not applied and your newer text is kept. Run the command again on the current code.`,
      );
      return 'stale';
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(proposal.documentUri, proposal.range, proposal.replacement);
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showWarningMessage(`Tandem: VS Code did not accept the edit to ${fileName(document.uri)} (is it read-only?).`);
      return 'rejected';
    }
    const editor = await vscode.window.showTextDocument(document, { preview: false });
    const end = document.positionAt(document.offsetAt(proposal.range.start) + proposal.replacement.length);
    editor.selection = new vscode.Selection(proposal.range.start, end);
    editor.revealRange(editor.selection);
    return 'applied';
  }

  async discard(id: string): Promise<boolean> {
    const proposal = this.proposals.get(id);
    if (!proposal) return false;
    this.proposals.delete(id);
    await this.closeDiff(proposal);
    return true;
  }

  dispose(): void {
    this.proposals.clear();
    this.registration.dispose();
  }

  private async closeDiff(proposal: Proposal): Promise<void> {
    const tabs = vscode.window.tabGroups.all
      .flatMap((group) => group.tabs)
      .filter((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === proposal.proposedUri.toString());
    if (tabs.length) await vscode.window.tabGroups.close(tabs);
  }
}

/** Offset of a position in a text with `\n` or `\r\n` line ends (as the document had them). */
function offsetAt(text: string, position: vscode.Position): number {
  let offset = 0;
  for (let line = 0; line < position.line; line++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return offset + position.character;
}
