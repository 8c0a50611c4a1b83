import * as vscode from 'vscode';
import type { UsageLedger } from '../../core/usage/ledger';
import type { UsageStore } from '../../core/usage/store';

/** Records kept while the ledger file loads; beyond this the oldest are dropped (a load that slow is broken). */
const MAX_QUEUED_RECORDS = 1_000;
/** Listeners hear about changes at most this often: completions record on every keystroke. */
const CHANGE_NOTICE_MS = 500;

/**
 * The usage ledger, loaded from disk on first use rather than at activation. Records made before
 * it is loaded are queued and applied once it is. `onDidChange` fires (throttled) after records,
 * resets and the load itself, for the status bar and the dashboard.
 */
export class LazyUsageLedger implements vscode.Disposable {
  private ledger: UsageLedger | undefined;
  private opening: Promise<UsageLedger> | undefined;
  private queued: ((ledger: UsageLedger) => void)[] = [];
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly store: UsageStore,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Applies a record now, or once the ledger has loaded. Never waits, never throws. */
  record(write: (ledger: UsageLedger) => void): void {
    if (this.disposed) return;
    if (this.ledger) {
      this.apply(this.ledger, write);
      this.noticeChange();
      return;
    }
    this.queued.push(write);
    if (this.queued.length > MAX_QUEUED_RECORDS) this.queued.shift();
    void this.open();
  }

  /** The loaded ledger, or undefined while it loads (the load starts; `onDidChange` fires when done). */
  peek(): UsageLedger | undefined {
    if (!this.ledger) void this.open();
    return this.ledger;
  }

  /** The ledger, loading it first if needed. */
  open(): Promise<UsageLedger> {
    this.opening ??= this.store.open().then(
      (ledger) => {
        this.ledger = ledger;
        for (const write of this.queued.splice(0)) this.apply(ledger, write);
        this.noticeChange();
        return ledger;
      },
      (error: unknown) => {
        // Let the next use try again rather than keeping a broken ledger forever.
        this.opening = undefined;
        this.log.error(`[Usage] could not load the usage ledger: ${error instanceof Error ? error.message : String(error)}`);
        throw error;
      },
    );
    return this.opening;
  }

  /** Forgets all usage and saves the empty ledger at once. */
  async reset(): Promise<void> {
    (await this.open()).reset();
    await this.store.flush();
    this.noticeChange();
  }

  /** Saves pending changes now. */
  flush(): Promise<void> {
    return this.store.flush();
  }

  /** The final write: done before this returns on a local disk; elsewhere started (and at most the last flush delay of records can be lost). */
  dispose(): void {
    this.disposed = true;
    if (this.noticeTimer !== undefined) clearTimeout(this.noticeTimer);
    this.changed.dispose();
    void this.store.dispose();
  }

  private apply(ledger: UsageLedger, write: (ledger: UsageLedger) => void): void {
    try {
      write(ledger);
    } catch (error) {
      // Usage accounting must never break the feature that reports to it.
      this.log.error(`[Usage] record failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private noticeChange(): void {
    if (this.noticeTimer !== undefined || this.disposed) return;
    this.noticeTimer = setTimeout(() => {
      this.noticeTimer = undefined;
      this.changed.fire();
    }, CHANGE_NOTICE_MS);
  }
}
