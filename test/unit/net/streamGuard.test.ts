import assert from 'node:assert/strict';
import { FirstByteTimeoutError, RequestCancelledError, StreamStalledError } from '../../../src/core/net/errors';
import { guardStream, untilCancelled } from '../../../src/core/net/streamGuard';
import { ManualClock } from './manualClock';

const LIMITS = { firstChunkMs: 1000, idleMs: 500 };
const flush = () => new Promise((resolve) => setImmediate(resolve));

/** A source that yields `chunks` and then goes silent until its signal aborts, like a stalled HTTP body. */
function stallingSource(chunks: string[], seen: { signal?: AbortSignal }) {
  return async function* (signal: AbortSignal): AsyncGenerator<string> {
    seen.signal = signal;
    for (const c of chunks) yield c;
    await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted by guard')), { once: true }));
  };
}

/** The guard over the stream `open` starts with the transfer signal, as the chat service wires it. */
function guarded(open: (signal: AbortSignal) => AsyncIterable<string>, clock: ManualClock, signal: AbortSignal): AsyncGenerator<string> {
  const transfer = new AbortController();
  return guardStream(open(transfer.signal), transfer, 'ep', LIMITS, clock, signal);
}

async function collect(stream: AsyncIterable<string>, out: string[]): Promise<void> {
  for await (const c of stream) out.push(c);
}

describe('stream guard', () => {
  it('passes a healthy stream through and ends with it', async () => {
    const clock = new ManualClock();
    async function* source() {
      yield 'a';
      yield 'b';
    }
    const out: string[] = [];
    await collect(guarded(source, clock, new AbortController().signal), out);
    assert.deepEqual(out, ['a', 'b']);
    assert.equal(clock.pendingTimers, 0);
  });

  it('times out the first chunk and aborts the request', async () => {
    const clock = new ManualClock();
    const seen: { signal?: AbortSignal } = {};
    const out: string[] = [];
    const done = collect(guarded(stallingSource([], seen), clock, new AbortController().signal), out);
    await flush();
    clock.advance(999);
    await flush();
    assert.equal(seen.signal?.aborted, false);
    clock.advance(1);
    await assert.rejects(done, (e: unknown) => e instanceof FirstByteTimeoutError && e.limitMs === 1000);
    assert.equal(seen.signal?.aborted, true);
  });

  it('raises StreamStalledError after an idle gap mid-stream, keeping what came', async () => {
    const clock = new ManualClock();
    const seen: { signal?: AbortSignal } = {};
    const out: string[] = [];
    const done = collect(guarded(stallingSource(['x', 'y'], seen), clock, new AbortController().signal), out);
    await flush();
    clock.advance(500);
    await assert.rejects(done, (e: unknown) => e instanceof StreamStalledError && e.chunks === 2 && e.limitMs === 500);
    assert.deepEqual(out, ['x', 'y']);
    assert.equal(seen.signal?.aborted, true);
  });

  it('rejects at once when the caller cancels a silent stream', async () => {
    const clock = new ManualClock();
    const seen: { signal?: AbortSignal } = {};
    const controller = new AbortController();
    const done = collect(guarded(stallingSource(['x'], seen), clock, controller.signal), []);
    await flush();
    controller.abort();
    await assert.rejects(done, RequestCancelledError);
    assert.equal(seen.signal?.aborted, true);
    assert.equal(clock.pendingTimers, 0);
  });

  it('aborts the request when the consumer stops early', async () => {
    const clock = new ManualClock();
    const seen: { signal?: AbortSignal } = {};
    for await (const c of guarded(stallingSource(['x', 'y', 'z'], seen), clock, new AbortController().signal)) {
      assert.equal(c, 'x');
      break;
    }
    assert.equal(seen.signal?.aborted, true);
  });

  it('passes source errors through unchanged', async () => {
    class Boom extends Error {}
    async function* source(): AsyncGenerator<string> {
      yield 'a';
      throw new Boom();
    }
    await assert.rejects(collect(guarded(source, new ManualClock(), new AbortController().signal), []), Boom);
  });

  it('untilCancelled: passes the value through, or rejects at once on cancel', async () => {
    assert.equal(await untilCancelled(Promise.resolve(7), new AbortController().signal), 7);
    const controller = new AbortController();
    const waiting = untilCancelled(new Promise(() => undefined), controller.signal);
    controller.abort();
    await assert.rejects(waiting, RequestCancelledError);
    await assert.rejects(untilCancelled(Promise.resolve(1), AbortSignal.abort()), RequestCancelledError);
  });
});
