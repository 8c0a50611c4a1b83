import type { Clock } from './clock';
import { FirstByteTimeoutError, RequestCancelledError, StreamStalledError, throwIfCancelled } from './errors';

/** Editor-sized limits for a streamed answer (a client's 10-minute default is useless to someone waiting). */
export interface StreamLimits {
  /** From sending the request to the first chunk (connect, headers, prompt evaluation). */
  firstChunkMs: number;
  /** Longest silence between two chunks once streaming. */
  idleMs: number;
}

/**
 * Iterates `source` and bounds every wait: the first chunk within `firstChunkMs` (else
 * FirstByteTimeoutError), each further chunk within `idleMs` (else StreamStalledError). Cancelling
 * `signal` rejects at once with RequestCancelledError, even while the source is silent. `transfer`
 * is the controller whose signal the source's request was given: it is aborted whenever iteration
 * ends early (limit, cancel, consumer stopped), so the HTTP request is always closed and the server
 * stops generating.
 */
export async function* guardStream<T>(
  source: AsyncIterable<T>,
  transfer: AbortController,
  endpoint: string,
  limits: StreamLimits,
  clock: Clock,
  signal: AbortSignal,
): AsyncGenerator<T> {
  const forwardCancel = () => transfer.abort();
  signal.addEventListener('abort', forwardCancel, { once: true });
  let iterator: AsyncIterator<T> | undefined;
  try {
    throwIfCancelled(signal);
    iterator = source[Symbol.asyncIterator]();
    for (let chunks = 0; ; chunks++) {
      const limitMs = chunks === 0 ? limits.firstChunkMs : limits.idleMs;
      const timeoutError = () => (chunks === 0 ? new FirstByteTimeoutError(endpoint, limitMs) : new StreamStalledError(endpoint, limitMs, chunks));
      const next = await within(iterator.next(), limitMs, timeoutError, clock, transfer, signal);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', forwardCancel);
    transfer.abort();
    // Let the source run its own cleanup; not awaited, because a source stuck in next() only
    // settles once the abort above reaches it.
    try {
      void iterator?.return?.()?.catch(() => undefined);
    } catch {
      // A source whose return() throws has nothing left to clean up.
    }
  }
}

/** `pending`, or RequestCancelledError the moment `signal` aborts (for waits with no time limit, e.g. on the user). */
export function untilCancelled<V>(pending: Promise<V>, signal: AbortSignal): Promise<V> {
  return new Promise<V>((resolve, reject) => {
    const onCancel = () => reject(new RequestCancelledError());
    if (signal.aborted) return onCancel();
    signal.addEventListener('abort', onCancel, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onCancel);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onCancel);
        reject(error);
      },
    );
  });
}

/** `pending`, unless `ms` pass first (abort the transfer, reject with the timeout error) or the caller cancels. */
function within<V>(
  pending: Promise<V>,
  ms: number,
  timeoutError: () => Error,
  clock: Clock,
  transfer: AbortController,
  caller: AbortSignal,
): Promise<V> {
  return new Promise<V>((resolve, reject) => {
    const settle = () => {
      cancelTimer();
      caller.removeEventListener('abort', onCancel);
    };
    const onCancel = () => {
      settle();
      reject(new RequestCancelledError());
    };
    const cancelTimer = clock.schedule(() => {
      settle();
      transfer.abort();
      reject(timeoutError());
    }, ms);
    caller.addEventListener('abort', onCancel, { once: true });
    pending.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(caller.aborted ? new RequestCancelledError() : error);
      },
    );
  });
}
