/** A listener registration; dispose() removes it. */
export interface Subscription {
  dispose(): void;
}

/** Synchronous typed event fan-out; a throwing listener does not stop the others. */
export class EventFanout<T> {
  private readonly listeners = new Set<(event: T) => void>();

  on(listener: (event: T) => void): Subscription {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  emit(event: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A broken listener (status bar, ledger) must not break completions.
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
