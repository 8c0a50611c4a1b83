import * as vscode from 'vscode';
import { parseAuditLog, type AuditEntry, type AuditSink } from '../core/egress/auditLog';
import type { EgressPlan } from '../core/egress/egressPlan';

const SCHEME = 'tandem-egress';
/** The newest entries shown by Show Egress Log; the JSONL file keeps everything. */
const SHOWN_ENTRIES = 500;

/** Appends every audit entry to the JSONL file and a one-line summary (no content) to the log. */
export class LoggedAuditSink implements AuditSink {
  constructor(
    private readonly file: AuditSink,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.file.append(entry);
    const bytes = entry.files.reduce((sum, file) => sum + file.bytes, 0) + entry.instructionBytes;
    const redactions = Object.entries(entry.redactions).map(([rule, count]) => `${rule}×${count}`).join(', ');
    if (entry.outcome === 'sent') {
      this.log.info(
        `[Egress] sent ${entry.command} to ${entry.host} (${entry.model}): ${entry.files.length} content part(s), ${bytes} bytes, ~${entry.tokenEstimate} tokens` +
          `${entry.dropped.length > 0 ? `, ${entry.dropped.length} part(s) kept local` : ''}${redactions ? `, redacted ${redactions}` : ''}`,
      );
    } else {
      this.log.info(`[Egress] refused ${entry.command} to ${entry.host}: ${entry.refusal?.reason ?? 'no reason recorded'}`);
    }
  }
}

/**
 * Read-only markdown documents under the `tandem-egress:` scheme: the egress log ("Tandem: Show
 * Egress Log") and the previews of what a request would send. Read-only, so closing one never
 * asks to save.
 */
export class EgressDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly registrations: vscode.Disposable[];
  private previewCount = 0;
  readonly onDidChange = this.changed.event;

  /** @param auditFile the JSONL file the audit sink writes */
  constructor(private readonly auditFile: vscode.Uri) {
    this.registrations = [
      vscode.workspace.registerTextDocumentContentProvider(SCHEME, this),
      vscode.commands.registerCommand('tandem.showEgressLog', () => this.showLog()),
    ];
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.path) ?? '';
  }

  /** Opens the egress log as a summary, newest first; returns the document. */
  async showLog(): Promise<vscode.TextDocument> {
    let entries: AuditEntry[] = [];
    try {
      entries = parseAuditLog(new TextDecoder().decode(await vscode.workspace.fs.readFile(this.auditFile)));
    } catch (error) {
      if (!(error instanceof vscode.FileSystemError && error.code === 'FileNotFound')) throw error;
    }
    return this.show('/Egress Log.md', renderAuditLog(entries, this.auditFile.fsPath));
  }

  /** Opens a preview of exactly what a request would send; returns the document. */
  showPreview(plan: EgressPlan): Promise<vscode.TextDocument> {
    return this.show(`/Egress Preview ${++this.previewCount}.md`, renderEgressPlan(plan));
  }

  dispose(): void {
    for (const registration of this.registrations) registration.dispose();
    this.changed.dispose();
    this.contents.clear();
  }

  private async show(path: string, markdown: string): Promise<vscode.TextDocument> {
    this.contents.set(path, markdown);
    const uri = vscode.Uri.from({ scheme: SCHEME, path });
    this.changed.fire(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { preview: true });
    return document;
  }
}

/** The egress log as markdown: totals, then one section per entry, newest first. */
export function renderAuditLog(entries: readonly AuditEntry[], file: string): string {
  const sent = entries.filter((entry) => entry.outcome === 'sent');
  const lines = [
    '# Tandem egress log',
    '',
    `Every request Tandem sent to a cloud model, or refused to send. Source: \`${file}\` (one JSON object per line).`,
    '',
    `${entries.length} entries: ${sent.length} sent, ${entries.length - sent.length} refused; ` +
      `${sent.reduce((sum, entry) => sum + entryBytes(entry), 0)} bytes and ~${sent.reduce((sum, entry) => sum + entry.tokenEstimate, 0)} tokens sent in total.`,
    '',
  ];
  if (entries.length > SHOWN_ENTRIES) lines.push(`Showing the newest ${SHOWN_ENTRIES}.`, '');
  for (const entry of entries.slice(-SHOWN_ENTRIES).reverse()) {
    lines.push(`## ${entry.time} — ${entry.outcome === 'sent' ? 'sent' : 'refused'}: ${entry.command} → ${entry.host} (${entry.model})`, '');
    if (entry.refusal !== undefined) lines.push(`Refused (${entry.refusal.code}): ${entry.refusal.reason}`, '');
    if (entry.outcome === 'sent') lines.push(`${entryBytes(entry)} bytes (${entry.instructionBytes} of them instructions), ~${entry.tokenEstimate} tokens.`, '');
    for (const file of entry.files) lines.push(`- sent ${file.kind} of \`${file.path}\`: ${file.bytes} bytes`);
    for (const file of entry.dropped) lines.push(`- kept local: ${file.kind} of \`${file.path}\` — ${file.reason}`);
    const redactions = Object.entries(entry.redactions);
    if (redactions.length > 0) lines.push(`- redacted: ${redactions.map(([rule, count]) => `${rule} ×${count}`).join(', ')}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** What a request would send, for the preview: destination, files, sizes, redactions, then the exact messages. */
export function renderEgressPlan(plan: EgressPlan): string {
  const bytes = plan.files.reduce((sum, file) => sum + file.bytes, 0) + plan.instructionBytes;
  const redactions = Object.entries(plan.redactions);
  const lines = [
    `# What "${plan.command}" would send to ${plan.host}`,
    '',
    `- model: ${plan.model}`,
    `- ${bytes} bytes, ~${plan.tokenEstimate} tokens (${plan.instructionBytes} bytes of instructions and your prompt)`,
    ...plan.files.map((file) => `- ${file.kind} of \`${file.path}\`: ${file.bytes} bytes`),
    ...plan.dropped.map((file) => `- kept local: ${file.kind} of \`${file.path}\` — ${file.reason}`),
    `- redactions: ${redactions.length === 0 ? 'none' : redactions.map(([rule, count]) => `${rule} ×${count}`).join(', ')}`,
    '',
    'The exact messages (after redaction):',
    '',
  ];
  for (const message of plan.messages) {
    const fence = '`'.repeat(Math.max(3, longestBacktickRun(message.content) + 1));
    lines.push(`### ${message.role}`, '', fence, message.content, fence, '');
  }
  return lines.join('\n');
}

function entryBytes(entry: AuditEntry): number {
  return entry.files.reduce((sum, file) => sum + file.bytes, 0) + entry.instructionBytes;
}

function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}
