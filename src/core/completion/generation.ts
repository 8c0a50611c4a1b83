import type { Clock } from '../net/clock';
import type { CursorContext } from './context';
import type { FimEngineStats, FimModelPort, FimModelRequest } from './ports';

/**
 * How a generation ended. completed: the model stopped by itself. enough: the engine stopped it
 * because the text needed was there (first line, line limit, a block closed, a leaked token).
 * superseded: nobody wants it any more (a newer keystroke). timeout: the per-request limit.
 * failed: the model port threw.
 */
export type GenerationOutcome = 'completed' | 'enough' | 'superseded' | 'timeout' | 'failed';

export interface GenerationSpec {
  readonly id: number;
  readonly cursor: CursorContext;
  readonly request: Omit<FimModelRequest, 'signal'>;
  readonly promptTokens: number;
  readonly timeoutMs: number;
  /** True when `text` holds everything the requester can use; the stream is then aborted. */
  readonly isEnough: (text: string) => boolean;
}

/**
 * One streaming model request, shared by every call that can use it: the call that started it and
 * later keystrokes whose typed text the stream is producing. It is aborted as soon as no call is
 * attached, so a superseded request stops the engine at once.
 */
export class Generation {
  text = '';
  outcome: GenerationOutcome | undefined;
  error: unknown;
  stats: FimEngineStats | undefined;
  chunks = 0;
  readonly startedAt: number;
  firstChunkAt: number | undefined;
  settledAt: number | undefined;
  private readonly controller = new AbortController();
  private readonly waiters = new Set<() => void>();
  private attached = 0;
  private served = false;
  private cancelTimeout: (() => void) | undefined;

  constructor(
    readonly spec: GenerationSpec,
    private readonly model: FimModelPort,
    private readonly clock: Clock,
    private readonly onSettled: (generation: Generation) => void,
  ) {
    this.startedAt = clock.now();
  }

  get settled(): boolean {
    return this.outcome !== undefined;
  }

  /** Starts streaming; never rejects (failures end up in `outcome`/`error`). */
  start(): void {
    this.cancelTimeout = this.clock.schedule(() => this.settle('timeout'), this.spec.timeoutMs);
    void this.pump();
  }

  /** Registers interest; the returned function withdraws it, aborting the stream when it was the last. */
  attach(): () => void {
    this.attached++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.attached--;
      if (this.attached === 0) this.settle(this.served ? 'enough' : 'superseded');
    };
  }

  /** A call took its suggestion from this output: stopping it once nobody waits is not a waste. */
  markServed(): void {
    this.served = true;
  }

  /** Aborts the stream because its output can no longer be used. */
  abandon(): void {
    this.settle('superseded');
  }

  /** Resolves once `ready(text)` holds, the generation settles, or `signal` aborts. */
  until(ready: (text: string) => boolean, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!this.settled && !signal?.aborted && !ready(this.text)) return;
        this.waiters.delete(check);
        signal?.removeEventListener('abort', check);
        resolve();
      };
      this.waiters.add(check);
      signal?.addEventListener('abort', check, { once: true });
      check();
    });
  }

  private async pump(): Promise<void> {
    try {
      for await (const chunk of this.model.stream({ ...this.spec.request, signal: this.controller.signal })) {
        if (this.settled) return;
        this.firstChunkAt ??= this.clock.now();
        this.chunks++;
        this.text += chunk.text;
        if (chunk.stats) this.stats = chunk.stats;
        if (this.spec.isEnough(this.text)) this.settle('enough');
        else this.notify();
      }
      this.settle('completed');
    } catch (error) {
      if (this.settled) return;
      this.error = error;
      this.settle('failed');
    }
  }

  private settle(outcome: GenerationOutcome): void {
    if (this.settled) return;
    this.outcome = outcome;
    this.settledAt = this.clock.now();
    this.cancelTimeout?.();
    if (outcome !== 'completed' && outcome !== 'failed') this.controller.abort();
    this.notify();
    this.onSettled(this);
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
