import assert from 'node:assert/strict';
import {
  EndpointUnreachableError,
  FirstByteTimeoutError,
  HttpStatusError,
  KeyRejectedError,
  MissingApiKeyError,
  ModelNotFoundError,
  RateLimitedError,
  RequestCancelledError,
  ServerError,
  StreamResetError,
  StreamStalledError,
} from '../../../src/core/net/errors';
import { systemClock } from '../../../src/core/net/clock';
import { backoffDelayMs, CHAT_RETRY, decideRetry, isRetryable, sleep, type RetryOptions } from '../../../src/core/net/retry';
import { ManualClock } from './manualClock';

const OPTIONS: RetryOptions = { maxRetries: 3, initialDelayMs: 500, maxDelayMs: 8000, jitter: 0.25, maxServerWaitMs: 60_000 };

describe('retry backoff', () => {
  it('doubles from the initial delay up to the cap, without jitter at random()=0', () => {
    const delays = [0, 1, 2, 3, 4, 5, 10].map((n) => backoffDelayMs(n, OPTIONS, () => 0));
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('keeps jitter within (1 - jitter) x base .. base for any random value', () => {
    for (let n = 0; n < 6; n++) {
      const base = Math.min(500 * 2 ** n, 8000);
      for (const r of [0, 0.1, 0.5, 0.999999]) {
        const d = backoffDelayMs(n, OPTIONS, () => r);
        assert.ok(d <= base && d > base * 0.75 - 1e-9, `retry ${n}, random ${r}: ${d}`);
      }
    }
    assert.equal(backoffDelayMs(2, OPTIONS, () => 0.5), 2000 * (1 - 0.125));
  });

  it('spreads delays when random varies', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelayMs(1, OPTIONS, random)));
    assert.ok(delays.size > 15);
  });
});

describe('retry decisions', () => {
  const ep = 'api.example.com';

  it('retries connection errors, timeouts, broken streams, 408, 409, 429 and 5xx', () => {
    for (const e of [
      new EndpointUnreachableError(ep, 'ECONNREFUSED'),
      new FirstByteTimeoutError(ep, 1000),
      new StreamStalledError(ep, 1000, 0),
      new StreamResetError(ep, 'terminated'),
      new HttpStatusError(ep, 408, ''),
      new HttpStatusError(ep, 409, ''),
      new RateLimitedError(ep, '', undefined, undefined),
      new ServerError(ep, 500, ''),
      new ServerError(ep, 503, ''),
    ])
      assert.equal(isRetryable(e), true, e.message);
  });

  it('does not retry what another attempt cannot fix', () => {
    for (const e of [
      new MissingApiKeyError(ep),
      new KeyRejectedError(ep, 401, ''),
      new ModelNotFoundError(ep, 'm', ''),
      new HttpStatusError(ep, 400, ''),
      new HttpStatusError(ep, 422, ''),
      new RequestCancelledError(),
      new Error('bug'),
    ])
      assert.deepEqual(decideRetry(e, 0, OPTIONS, () => 0), { retry: false, why: 'not-retryable' }, e.message);
  });

  it('honours the server hint exactly, without jitter', () => {
    assert.deepEqual(decideRetry(new RateLimitedError(ep, '', 7000, 7000), 0, OPTIONS, () => 0.9), { retry: true, delayMs: 7000, serverAsked: true });
    assert.deepEqual(decideRetry(new ServerError(ep, 503, '', 0), 1, OPTIONS, () => 0.9), { retry: true, delayMs: 0, serverAsked: true });
  });

  it('uses backoff when the server gives no hint', () => {
    assert.deepEqual(decideRetry(new ServerError(ep, 500, ''), 1, OPTIONS, () => 0), { retry: true, delayMs: 1000, serverAsked: false });
  });

  it('gives up at once when the server asks for more than the cap (a hostile Retry-After cannot stall us)', () => {
    assert.deepEqual(decideRetry(new RateLimitedError(ep, '', 60_001, 60_001), 0, OPTIONS, () => 0), { retry: false, why: 'server-wait-too-long' });
    assert.deepEqual(decideRetry(new RateLimitedError(ep, '', 60_000, 60_000), 0, OPTIONS, () => 0), { retry: true, delayMs: 60_000, serverAsked: true });
  });

  it('stops after maxRetries', () => {
    const e = new ServerError(ep, 502, '');
    assert.equal(decideRetry(e, 2, OPTIONS, () => 0).retry, true);
    assert.deepEqual(decideRetry(e, 3, OPTIONS, () => 0), { retry: false, why: 'retries-exhausted' });
    assert.deepEqual(decideRetry(e, CHAT_RETRY.maxRetries, CHAT_RETRY, () => 0), { retry: false, why: 'retries-exhausted' });
  });
});

describe('abortable sleep', () => {
  it('resolves after the delay on the injected clock', async () => {
    const clock = new ManualClock();
    let resolved = false;
    const slept = sleep(5000, new AbortController().signal, clock).then(() => (resolved = true));
    clock.advance(4999);
    await Promise.resolve();
    assert.equal(resolved, false);
    clock.advance(1);
    await slept;
    assert.equal(resolved, true);
  });

  it('rejects at once on abort and cancels its timer', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const slept = sleep(60_000, controller.signal, clock);
    assert.equal(clock.pendingTimers, 1);
    controller.abort();
    await assert.rejects(slept, RequestCancelledError);
    assert.equal(clock.pendingTimers, 0);
  });

  it('rejects when already aborted', async () => {
    await assert.rejects(sleep(10, AbortSignal.abort(), systemClock), RequestCancelledError);
  });

  it('returns within milliseconds of a cancel during a real multi-second sleep', async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(sleep(5000, controller.signal, systemClock), RequestCancelledError);
    assert.ok(performance.now() - started < 500);
  });
});
