import * as vscode from 'vscode';
import type { EgressPreviewOptions, PreviewMode } from '../../core/egress/egressGate';
import type { EgressPlan } from '../../core/egress/egressPlan';
import type { EgressDocuments } from '../egressLog';

/** workspaceState key: the user approved a preview in this workspace (for `first-time`). */
const APPROVED_KEY = 'tandem.egressPreviewApproved';
const SEND = 'Send';

/**
 * The egress gate's preview: opens a read-only document with exactly what would leave, then asks
 * in a modal dialog (files, bytes, token estimate, redactions). Only an explicit "Send" sends.
 */
export class EgressPreviewPrompt implements EgressPreviewOptions {
  constructor(
    private readonly options: {
      readonly previewMode: () => PreviewMode;
      readonly workspaceState: vscode.Memento;
      readonly documents: EgressDocuments;
    },
  ) {}

  mode(): PreviewMode {
    return this.options.previewMode();
  }

  async confirm(plan: EgressPlan): Promise<boolean> {
    await this.options.documents.showPreview(plan);
    const bytes = plan.files.reduce((sum, file) => sum + file.bytes, 0) + plan.instructionBytes;
    const redactions = Object.entries(plan.redactions);
    const detail = [
      `${plan.files.length} content part(s) from ${new Set(plan.files.map((file) => file.path)).size} file(s), ${bytes} bytes, about ${plan.tokenEstimate} tokens, to the model ${plan.model}.`,
      ...plan.files.map((file) => `• ${file.path} (${file.kind}): ${file.bytes} bytes`),
      plan.dropped.length > 0 ? `${plan.dropped.length} part(s) stay local because of the policy.` : '',
      redactions.length > 0 ? `Secrets redacted: ${redactions.map(([rule, count]) => `${rule} ×${count}`).join(', ')}.` : 'No secrets were found to redact.',
      'The opened document shows the exact text.',
    ].filter((line) => line !== '');
    const choice = await vscode.window.showWarningMessage(`Send this ${plan.command} request to ${plan.host}?`, { modal: true, detail: detail.join('\n') }, SEND);
    return choice === SEND;
  }

  wasApproved(): boolean {
    return this.options.workspaceState.get<boolean>(APPROVED_KEY, false);
  }

  async markApproved(): Promise<void> {
    await this.options.workspaceState.update(APPROVED_KEY, true);
  }
}
