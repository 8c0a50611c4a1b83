import type { Clock } from './clock';
import {
  EndpointUnreachableError,
  FirstByteTimeoutError,
  HttpStatusError,
  RequestCancelledError,
  StreamResetError,
  StreamStalledError,
} from './errors';

export interface RetryOptions {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Backoff before the first retry; doubles each time up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Up to this fraction is taken off each backoff delay at random (0.25: 75-100 % of it), so clients spread out. */
  jitter: number;
  /**
   * The longest server-requested wait honoured. A longer `Retry-After` (hostile, or a quota that
   * resets in an hour) ends the retries at once, so the caller falls back instead of hanging.
   */
  maxServerWaitMs: number;
}

/** Chat and refactor: a couple of quick retries, then the fallback chain. */
export const CHAT_RETRY: Readonly<RetryOptions> = { maxRetries: 2, initialDelayMs: 500, maxDelayMs: 8000, jitter: 0.25, maxServerWaitMs: 60_000 };

/** Exponential backoff with jitter for retry number `retryIndex` (0 = first retry); `random` in [0, 1). */
export function backoffDelayMs(retryIndex: number, options: RetryOptions, random: () => number): number {
  const base = Math.min(options.initialDelayMs * 2 ** retryIndex, options.maxDelayMs);
  return base * (1 - options.jitter * random());
}

/** Transient failures worth another attempt: no connection, timeouts, broken streams, 408, 409, 429, 5xx. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof HttpStatusError) return [408, 409, 429].includes(error.status) || error.status >= 500;
  return (
    error instanceof EndpointUnreachableError ||
    error instanceof FirstByteTimeoutError ||
    error instanceof StreamStalledError ||
    error instanceof StreamResetError
  );
}

export type RetryDecision =
  | { retry: true; delayMs: number; serverAsked: boolean }
  | { retry: false; why: 'not-retryable' | 'retries-exhausted' | 'server-wait-too-long' };

/** Whether to retry after `error`, having already retried `retriesSoFar` times, and how long to wait. */
export function decideRetry(error: unknown, retriesSoFar: number, options: RetryOptions, random: () => number): RetryDecision {
  if (!isRetryable(error)) return { retry: false, why: 'not-retryable' };
  if (retriesSoFar >= options.maxRetries) return { retry: false, why: 'retries-exhausted' };
  const serverWait = error instanceof HttpStatusError ? error.retryAfterMs : undefined;
  if (serverWait === undefined) return { retry: true, delayMs: backoffDelayMs(retriesSoFar, options, random), serverAsked: false };
  if (serverWait > options.maxServerWaitMs) return { retry: false, why: 'server-wait-too-long' };
  return { retry: true, delayMs: serverWait, serverAsked: true };
}

/** Waits `ms`; rejects with RequestCancelledError the moment `signal` aborts (also while waiting). */
export function sleep(ms: number, signal: AbortSignal, clock: Clock): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new RequestCancelledError());
    const onAbort = () => {
      cancelTimer();
      reject(new RequestCancelledError());
    };
    const cancelTimer = clock.schedule(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
