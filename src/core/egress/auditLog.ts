import type { ContentKind } from './egressRequest';
import type { RedactionCounts } from './redaction';

/** One line of the egress log: what left (or was refused), where to, and why. Never content, never secrets. */
export interface AuditEntry {
  /** ISO 8601 time from the injected clock. */
  readonly time: string;
  readonly outcome: 'sent' | 'refused';
  readonly command: string;
  readonly host: string;
  readonly model: string;
  /** Workspace content that was (or would have been) sent, with UTF-8 byte counts after redaction. */
  readonly files: ReadonlyArray<{ readonly folder?: string; readonly path: string; readonly kind: ContentKind; readonly bytes: number }>;
  /** Content left out by policy, with the reason. */
  readonly dropped: ReadonlyArray<{ readonly folder?: string; readonly path: string; readonly kind: ContentKind; readonly reason: string }>;
  /** UTF-8 bytes of text that is not workspace content (instructions, the user's prompt). */
  readonly instructionBytes: number;
  readonly tokenEstimate: number;
  readonly redactions: RedactionCounts;
  /** Present when outcome is `refused`. */
  readonly refusal?: { readonly code: string; readonly reason: string };
}

/** Where audit entries go. Appending must complete before the gate lets a request leave. */
export interface AuditSink {
  append(entry: AuditEntry): Promise<void>;
}

/** The file-system calls the JSONL sink needs (a subset of `node:fs/promises`). */
export interface AppendFileSystem {
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  appendFile(path: string, data: string, encoding: 'utf8'): Promise<void>;
}

/** Appends one JSON object per line to a file (the extension's global storage in production). */
export class JsonlAuditSink implements AuditSink {
  readonly #fs: AppendFileSystem;
  readonly #filePath: string;
  #directoryReady: Promise<unknown> | undefined;

  constructor(fs: AppendFileSystem, filePath: string) {
    this.#fs = fs;
    this.#filePath = filePath;
  }

  async append(entry: AuditEntry): Promise<void> {
    const separator = Math.max(this.#filePath.lastIndexOf('/'), this.#filePath.lastIndexOf('\\'));
    if (separator > 0) {
      this.#directoryReady ??= this.#fs.mkdir(this.#filePath.slice(0, separator), { recursive: true }).catch((error) => {
        this.#directoryReady = undefined; // try again on the next entry
        throw error;
      });
      await this.#directoryReady;
    }
    await this.#fs.appendFile(this.#filePath, `${JSON.stringify(entry)}\n`, 'utf8');
  }
}

/** Parses the JSONL log for display; a torn or foreign line is skipped, not fatal. */
export function parseAuditLog(text: string): AuditEntry[] {
  return text.split('\n').flatMap((line) => {
    if (line.trim() === '') {
      return [];
    }
    try {
      const entry = JSON.parse(line) as AuditEntry;
      return typeof entry === 'object' && entry !== null && typeof entry.time === 'string' ? [entry] : [];
    } catch {
      return [];
    }
  });
}
