// What the engine saw and did, per request, for tests to assert on (privacy, counts, timing).
import type { EngineStats, RequestLogEntry } from './server';

export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private nextId = 1;
  private counts: EngineStats = emptyStats();

  open(method: string, path: string, headers: RequestLogEntry['headers']): RequestLogEntry {
    const entry: RequestLogEntry = { id: this.nextId++, method, path, arrivedAt: Date.now(), body: '', headers: { ...headers } };
    this.entries.push(entry);
    this.counts.requests[path] = (this.counts.requests[path] ?? 0) + 1;
    return entry;
  }

  /** A generation ended: it held the model for `busyMs`. */
  modelReleased(entry: RequestLogEntry, busyMs: number): void {
    if (this.isCurrent(entry)) this.counts.busyMs += busyMs;
  }

  /** The response ended: fully sent, or cut off by the client. */
  closed(entry: RequestLogEntry, finished: boolean, generated: boolean): void {
    entry.serverMs = Date.now() - entry.arrivedAt;
    if (!finished) {
      entry.aborted = true;
      entry.abortedAt = Date.now();
    }
    if (!this.isCurrent(entry)) return;
    if (!finished) this.counts.aborted++;
    else if (generated) this.counts.completed++;
  }

  stats(): EngineStats {
    return structuredClone(this.counts);
  }

  requests(): RequestLogEntry[] {
    return structuredClone(this.entries);
  }

  /** Requests that arrived before the last clear() do not count in the new stats. */
  private isCurrent(entry: RequestLogEntry): boolean {
    return this.entries.includes(entry);
  }

  clear(): void {
    this.entries = [];
    this.counts = emptyStats();
  }
}

function emptyStats(): EngineStats {
  return { requests: {}, completed: 0, aborted: 0, busyMs: 0 };
}
