import * as vscode from 'vscode';
import { retainedChars, TrackedSpan } from '../../core/usage/retention';

/** How long after acceptance a completion's text is checked again. */
export const RETENTION_CHECK_MS = 30_000;
/** Accepted completions followed at once; the oldest are dropped unchecked beyond this. */
const MAX_TRACKED = 64;

interface Tracked {
  document: vscode.TextDocument;
  text: string;
  span: TrackedSpan;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Follows accepted completions through later edits of their document and, after a delay, reports
 * how many of their characters are still there. A closed document is not checked (nothing reported).
 */
export class RetentionTracker implements vscode.Disposable {
  private readonly tracked = new Map<string, Tracked>();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly onChecked: (id: string, charsStillPresent: number) => void,
    private readonly delayMs: number = RETENTION_CHECK_MS,
  ) {
    this.subscription = vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e));
  }

  /** Starts following `text`, which the editor has just inserted at `start` for suggestion `id`. */
  track(id: string, document: vscode.TextDocument, start: vscode.Position, text: string): void {
    if (this.tracked.has(id)) return;
    const offset = document.offsetAt(start);
    const timer = setTimeout(() => this.check(id), this.delayMs);
    this.tracked.set(id, { document, text, span: new TrackedSpan(offset, offset + text.length), timer });
    if (this.tracked.size > MAX_TRACKED) this.forget(this.tracked.keys().next().value as string);
  }

  dispose(): void {
    this.subscription.dispose();
    for (const id of [...this.tracked.keys()]) this.forget(id);
  }

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    if (this.tracked.size === 0) return;
    for (const entry of this.tracked.values()) {
      if (entry.document !== e.document) continue;
      // The extension host applies an event's changes one after another, in this order.
      for (const change of e.contentChanges) entry.span.apply({ offset: change.rangeOffset, length: change.rangeLength, text: change.text });
    }
  }

  private check(id: string): void {
    const entry = this.tracked.get(id);
    this.forget(id);
    if (!entry || entry.document.isClosed) return;
    const { document, span } = entry;
    const current = document.getText(new vscode.Range(document.positionAt(span.start), document.positionAt(span.end)));
    this.onChecked(id, retainedChars(entry.text, current));
  }

  private forget(id: string): void {
    const entry = this.tracked.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.tracked.delete(id);
  }
}
