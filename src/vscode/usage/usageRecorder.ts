import type * as vscode from 'vscode';
import type { ChatUsageRecord } from '../../core/chat/service';
import type { CompletionEvent } from '../../core/completion/engine';
import type { BackendId, UsageOrigin } from '../../core/usage/ledger';
import { formatDaySummary } from '../../core/usage/summary';
import type { LazyUsageLedger } from './lazyLedger';
import { RetentionTracker } from './retentionTracker';
import type { UsagePricingReader } from './usagePricing';

export interface UsageRecorderDeps {
  ledger: LazyUsageLedger;
  pricing: UsagePricingReader;
  /** The current workspace's usage id (workspaceId.ts). */
  workspaceId: () => string;
  /** The local completion model now configured. */
  completionModel: () => string;
}

/** Chat commands that count as refactors in the ledger: they rewrite code rather than talk about it. */
const REFACTOR_COMMANDS: ReadonlySet<ChatUsageRecord['command']> = new Set(['refactor', 'fix', 'tests']);

/**
 * What the completion and chat code call to account for their requests. Every method returns at
 * once and never throws: the ledger loads from disk in the background and writes are batched.
 */
export class UsageRecorder implements vscode.Disposable {
  private readonly retention: RetentionTracker;
  /** Fires (at most twice a second) when usage changed, e.g. to refresh `todaySummary()` in the status bar. */
  readonly onDidChange: vscode.Event<void>;

  constructor(private readonly deps: UsageRecorderDeps) {
    this.onDidChange = deps.ledger.onDidChange;
    this.retention = new RetentionTracker((id, chars) => deps.ledger.record((l) => l.recordRetained(id, chars)));
  }

  /** Feed every CompletionEngine event here (requests, shown and accepted suggestions; others are ignored). */
  completionEvent(event: CompletionEvent): void {
    switch (event.type) {
      case 'requestFinished': {
        const origin = this.completionOrigin();
        if (event.outcome === 'failed') {
          this.deps.ledger.record((l) => l.recordError(origin));
          return;
        }
        const finished = event.outcome === 'completed' || event.outcome === 'enough';
        this.deps.ledger.record((l) => {
          l.recordRequest({
            kind: 'completion',
            ...origin,
            // Ollama's final chunk carries its counts (and its timing); without it these are local counts.
            tokens: { promptTokens: event.promptTokens, completionTokens: event.generatedTokens, estimated: event.engineMs === undefined },
            ttftMs: event.firstChunkMs,
            // A stopped request's duration says when it was stopped, not how fast the model is.
            totalMs: finished ? event.latencyMs : undefined,
            cancelled: !finished,
          });
          if (event.outcome === 'timeout') l.recordError(origin);
        });
        return;
      }
      case 'suggestionShown': {
        const origin = this.completionOrigin();
        this.deps.ledger.record((l) => l.recordShown(event.suggestionId, origin));
        return;
      }
      case 'suggestionAccepted':
        this.deps.ledger.record((l) => l.recordAccepted(event.suggestionId, event.characters));
        return;
      default:
        return;
    }
  }

  /**
   * Call when the editor has inserted an accepted suggestion (`text` at `start`, e.g. from the
   * inline completion item's command); 30 s later the recorder checks how much of it is left.
   */
  trackRetention(suggestionId: string, document: vscode.TextDocument, start: vscode.Position, text: string): void {
    this.retention.track(suggestionId, document, start, text);
  }

  /** One model call of a chat or refactor request (ChatServiceDeps.onUsage). */
  chatUsage(record: ChatUsageRecord): void {
    const origin: UsageOrigin = { workspace: this.deps.workspaceId(), backend: `${record.route.where}:${record.route.model}` };
    if (record.outcome === 'failed') {
      this.deps.ledger.record((l) => l.recordError(origin));
      return;
    }
    const kind = REFACTOR_COMMANDS.has(record.command) ? 'refactor' : 'chat';
    this.deps.ledger.record((l) => {
      l.recordRequest({
        kind,
        reason: record.reason,
        ...origin,
        tokens: record.usage,
        ttftMs: record.firstTextMs,
        totalMs: record.outcome === 'answered' ? record.latencyMs : undefined,
        cancelled: record.outcome === 'cancelled',
      });
      // Cut off mid-answer: the user got part of it, and the backend failed.
      if (record.outcome === 'interrupted') l.recordError(origin);
    });
  }

  /** Today's one-line summary over all workspaces, for the status bar tooltip; undefined until the ledger has loaded. */
  todaySummary(): string | undefined {
    const ledger = this.deps.ledger.peek();
    return ledger && formatDaySummary(ledger.todayTotals(), this.deps.pricing.current());
  }

  dispose(): void {
    this.retention.dispose();
  }

  private completionOrigin(): UsageOrigin {
    const backend: BackendId = `local:${this.deps.completionModel()}`;
    return { workspace: this.deps.workspaceId(), backend };
  }
}
