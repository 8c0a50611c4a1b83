import type { Clock } from '../../../src/core/net/clock';
import type { FimChunk, FimEngineStats, FimModelPort, FimModelRequest } from '../../../src/core/completion/ports';
import { TextCompletionDocument } from '../../../src/core/completion/textDocument';

/** Lets every pending promise continuation run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A clock that only moves when the test says so; due timers fire in order, promises settle in between. */
export class FakeClock implements Clock {
  private time = 1_000_000;
  private timers: { at: number; seq: number; callback: () => void }[] = [];
  private seq = 0;

  now(): number {
    return this.time;
  }

  schedule(callback: () => void, ms: number): () => void {
    const timer = { at: this.time + Math.max(0, ms), seq: this.seq++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.callback();
      await settle();
    }
    this.time = end;
    await settle();
  }
}

/** One request seen by the fake model, driven by the test. */
export class FakeStream {
  private readonly queue: (FimChunk | Error | 'end')[] = [];
  private wake: (() => void) | undefined;
  abortedAt: number | undefined;
  ended = false;

  constructor(readonly request: FimModelRequest, clock: Clock) {
    request.signal.addEventListener('abort', () => {
      this.abortedAt = clock.now();
      this.wake?.();
    }, { once: true });
  }

  get aborted(): boolean {
    return this.request.signal.aborted;
  }

  push(...texts: string[]): void {
    for (const text of texts) this.queue.push({ text });
    this.wake?.();
  }

  end(stats?: FimEngineStats): void {
    if (stats) this.queue.push({ text: '', stats });
    this.queue.push('end');
    this.ended = true;
    this.wake?.();
  }

  fail(error: Error): void {
    this.queue.push(error);
    this.ended = true;
    this.wake?.();
  }

  async *chunks(): AsyncGenerator<FimChunk> {
    for (;;) {
      if (this.request.signal.aborted) throw new DOMException('This operation was aborted', 'AbortError');
      const next = this.queue.shift();
      if (next === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      if (next === 'end') return;
      if (next instanceof Error) throw next;
      yield next;
    }
  }
}

/**
 * The model port as the unit boundary: records every request and hands the test a stream to
 * drive. `onRequest` may script answers (push/end/fail) as requests arrive.
 */
export class FakeModel implements FimModelPort {
  readonly streams: FakeStream[] = [];
  onRequest: ((stream: FakeStream) => void) | undefined;

  constructor(private readonly clock: Clock) {}

  stream(request: FimModelRequest): AsyncIterable<FimChunk> {
    const stream = new FakeStream(request, this.clock);
    this.streams.push(stream);
    this.onRequest?.(stream);
    return stream.chunks();
  }

  get calls(): number {
    return this.streams.length;
  }

  get last(): FakeStream {
    const last = this.streams.at(-1);
    if (!last) throw new Error('the model was never called');
    return last;
  }

  /** Streams neither ended by the test nor aborted by the engine. */
  get open(): FakeStream[] {
    return this.streams.filter((s) => !s.aborted && !s.ended);
  }
}

/** The cursor marker in test documents. */
export const CURSOR = '‸';

/** A document from text with one CURSOR marker, and the marker's position. */
export function docWithCursor(textWithCursor: string, options: { uri?: string; path?: string; languageId?: string } = {}) {
  const offset = textWithCursor.indexOf(CURSOR);
  if (offset < 0) throw new Error('no cursor marker');
  const text = textWithCursor.replace(CURSOR, '');
  const document = new TextCompletionDocument(text, options.uri ?? 'file:///w/src/a.ts', options.path ?? 'src/a.ts', options.languageId ?? 'typescript');
  const lfOffset = textWithCursor.slice(0, offset).replace(/\r\n/g, '\n').length;
  return { document, position: document.positionAt(lfOffset), text };
}
