import { InvalidUsageDataError } from './errors';
import { parseUsageDocument, UsageLedger, type UsageClock, type UsageDocument, type UsageLimits } from './ledger';

/** File access inside the extension's storage folder; names are plain file names. */
export interface UsageFiles {
  /** The file's text, or undefined when it does not exist. */
  read(name: string): Promise<string | undefined>;
  write(name: string, text: string): Promise<void>;
  /** Replaces `to` if it exists. */
  rename(from: string, to: string): Promise<void>;
  /**
   * Replaces `name` with `text` atomically before returning; false (nothing written) where the
   * storage cannot be written synchronously. For the final write, which nobody waits for.
   */
  replaceNow?(name: string, text: string): boolean;
}

/** Injected timers (the host's setTimeout/clearTimeout in production). */
export interface FlushTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface UsageLog {
  warn(message: string): void;
}

export interface UsageStoreOptions {
  files: UsageFiles;
  clock: UsageClock;
  timers: FlushTimers;
  log: UsageLog;
  /** Delay between the first unsaved change and its write; changes in between share the write. */
  flushDelayMs?: number;
  limits?: Partial<UsageLimits>;
}

export const USAGE_FILE = 'usage.json';
const TEMP_FILE = 'usage.json.tmp';
export const DEFAULT_FLUSH_DELAY_MS = 5_000;

/** The name a damaged ledger file is moved to: `usage.corrupt-<timestamp>.json`. */
export function corruptFileName(epochMs: number): string {
  return `usage.corrupt-${new Date(epochMs).toISOString().replace(/[:.]/g, '-')}.json`;
}

/**
 * Keeps a UsageLedger in `usage.json`: loads it once, then writes at most once per flush delay,
 * atomically (temp file + rename), never from a record call. A damaged or unknown-version file is
 * set aside and a fresh ledger started.
 */
export class UsageStore {
  private readonly flushDelayMs: number;
  private ledger: UsageLedger | undefined;
  private timer: unknown;
  private dirty = false;
  private disposed = false;
  /** The final write went to disk at once: an older write still in flight must not replace it. */
  private finalWritten = false;
  /** Writes run one after another. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: UsageStoreOptions) {
    this.flushDelayMs = options.flushDelayMs ?? DEFAULT_FLUSH_DELAY_MS;
  }

  /** Reads the stored ledger (or starts a fresh one) and returns it, wired to schedule writes. */
  async open(): Promise<UsageLedger> {
    if (this.ledger) return this.ledger;
    const ledger = new UsageLedger(
      { clock: this.options.clock, limits: this.options.limits, onChange: () => this.schedule() },
      await this.readDocument(),
    );
    this.ledger = ledger;
    return ledger;
  }

  /** Writes pending changes now; resolves once they are on disk (or the write failed and was logged). */
  flush(): Promise<void> {
    this.cancelTimer();
    this.writing = this.writing.then(() => this.writeIfDirty());
    return this.writing;
  }

  /**
   * Final write; later changes are no longer saved. VS Code does not wait for an extension's
   * disposables at shutdown, so where the files allow it the write is done before this returns.
   */
  dispose(): Promise<void> {
    this.disposed = true;
    if (!this.dirty || !this.ledger) return this.flush();
    this.cancelTimer();
    try {
      if (!this.options.files.replaceNow?.(USAGE_FILE, JSON.stringify(this.ledger.toDocument()))) return this.flush();
      this.dirty = false;
      this.finalWritten = true;
    } catch (error) {
      this.options.log.warn(`Could not save usage data: ${describe(error)}`);
    }
    return this.writing;
  }

  private schedule(): void {
    this.dirty = true;
    if (this.timer !== undefined || this.disposed) return;
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushDelayMs);
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async writeIfDirty(): Promise<void> {
    if (!this.dirty || !this.ledger) return;
    this.dirty = false;
    const text = JSON.stringify(this.ledger.toDocument());
    try {
      await this.options.files.write(TEMP_FILE, text);
      if (this.finalWritten) return;
      await this.options.files.rename(TEMP_FILE, USAGE_FILE);
    } catch (error) {
      // Keep the changes pending: the next record schedules another attempt (no retry loop here).
      this.dirty = true;
      this.options.log.warn(`Could not save usage data: ${describe(error)}`);
    }
  }

  private async readDocument(): Promise<UsageDocument | undefined> {
    try {
      const text = await this.options.files.read(USAGE_FILE);
      if (text === undefined) return undefined;
      return parseUsageDocument(text);
    } catch (error) {
      const aside = corruptFileName(this.options.clock.now());
      const why = InvalidUsageDataError.is(error) ? `it is damaged (${error.message})` : `it could not be read (${describe(error)})`;
      try {
        await this.options.files.rename(USAGE_FILE, aside);
        this.options.log.warn(`Usage data file ${USAGE_FILE} was set aside as ${aside} because ${why}; started a fresh usage ledger.`);
      } catch (renameError) {
        this.options.log.warn(`Usage data file ${USAGE_FILE} is unusable because ${why}, and could not be set aside (${describe(renameError)}); started a fresh usage ledger.`);
      }
      return undefined;
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
