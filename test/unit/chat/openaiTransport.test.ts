import assert from 'node:assert/strict';
import { OpenAiTransport } from '../../../src/backends/openai';
import type { CloudStreamEvent } from '../../../src/core/egress/cloudTransport';
import {
  EndpointUnreachableError,
  FirstByteTimeoutError,
  KeyRejectedError,
  MissingApiKeyError,
  ModelNotFoundError,
  RateLimitedError,
  RequestCancelledError,
  ServerError,
  StreamResetError,
} from '../../../src/core/net/errors';
import type { Engine } from '../../engine/server';
import { rejection, waitFor, useLoopbackEngine } from '../../engine/test-support';
import { drain } from './engineHelpers';

const MODEL = 'gpt-4.1';
const KEY = 'sk-test-loopback';
const MESSAGES = [{ role: 'user' as const, content: 'Write a TypeScript function that adds two numbers.' }];

describe('OpenAiTransport against the loopback engine', function () {
  this.timeout(30_000);
  let engine: Engine;
  let baseUrl: string;
  const transport = (key: string | undefined, firstByteTimeoutMs = 5000) => new OpenAiTransport({ apiKey: async () => key, firstByteTimeoutMs, now: Date.now });
  const stream = (t: OpenAiTransport, signal?: AbortSignal, model = MODEL) => drain(t.streamChat(MESSAGES, { baseUrl, model, signal }), 15_000);

  useLoopbackEngine({ models: { [MODEL]: '1m' }, apiKey: KEY }, async (started) => {
    engine = started;
    baseUrl = `${engine.url}/v1`;
  });

  it('streams text and the usage the server reports, asking for it with include_usage', async () => {
    const events = await stream(transport(KEY));
    const text = events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
    const usage = events.filter((e): e is Extract<CloudStreamEvent, { type: 'usage' }> => e.type === 'usage');
    assert.ok(text.length > 0);
    assert.equal(usage.length, 1);
    const [entry] = engine.requests();
    assert.equal(usage[0]!.completionTokens, entry!.generatedTokens);
    assert.equal(usage[0]!.promptTokens, entry!.promptTokens);
    assert.deepEqual(JSON.parse(entry!.body).stream_options, { include_usage: true });
    assert.equal(entry!.headers.authorization, `Bearer ${KEY}`);
  });

  it('sends nothing without a key', async () => {
    assert.ok((await rejection(stream(transport(undefined)))) instanceof MissingApiKeyError);
    assert.equal(engine.requests().length, 0);
  });

  it('maps 401 to KeyRejectedError', async () => {
    const error = await rejection(stream(transport('sk-wrong')));
    assert.ok(error instanceof KeyRejectedError, String(error));
    assert.equal(error.status, 401);
  });

  it('maps an unknown model to ModelNotFoundError', async () => {
    const error = await rejection(stream(transport(KEY), undefined, 'gpt-missing'));
    assert.ok(error instanceof ModelNotFoundError, String(error));
    assert.equal(error.model, 'gpt-missing');
  });

  it('maps 429 to RateLimitedError with the Retry-After wait, and does not retry by itself', async () => {
    engine.setFaults([{ fault: { kind: 'status', status: 429, retryAfterSeconds: 7 }, path: '/v1/chat' }]);
    const error = await rejection(stream(transport(KEY)));
    assert.ok(error instanceof RateLimitedError, String(error));
    assert.equal(error.retryAfterMs, 7000);
    assert.equal(error.resetsInMs, 7000);
    assert.equal(engine.requests().length, 1, 'maxRetries: 0 — the core retry layer decides');
  });

  it('maps 500 and 503 to ServerError', async () => {
    for (const status of [500, 503] as const) {
      engine.setFaults([{ fault: { kind: 'status', status }, path: '/v1/chat', times: 1 }]);
      const error = await rejection(stream(transport(KEY)));
      assert.ok(error instanceof ServerError && error.status === status, String(error));
    }
  });

  it('maps a refused connection to EndpointUnreachableError', async () => {
    engine.setFaults([{ fault: { kind: 'down' } }]);
    const error = await rejection(stream(transport(KEY)));
    assert.ok(error instanceof EndpointUnreachableError, String(error));
    assert.notEqual(error.causeText, 'Connection error.', 'names the underlying cause');
  });

  it('maps a reset mid-stream to StreamResetError after yielding the text that came', async () => {
    engine.setFaults([{ fault: { kind: 'reset', afterChunks: 4 }, path: '/v1/chat' }]);
    const seen: string[] = [];
    const error = await rejection(drain(transport(KEY).streamChat(MESSAGES, { baseUrl, model: MODEL }), 15_000, (e) => e.type === 'text' && seen.push(e.text)));
    assert.ok(error instanceof StreamResetError, String(error));
    assert.ok(seen.length >= 2, `got ${seen.length} text chunks before the reset`);
  });

  it('times out a slow first byte with its own per-request timeout', async () => {
    engine.setFaults([{ fault: { kind: 'slowFirstByte', ms: 3000 }, path: '/v1/chat' }]);
    const started = Date.now();
    const error = await rejection(stream(transport(KEY, 300)));
    assert.ok(error instanceof FirstByteTimeoutError, String(error));
    assert.ok(Date.now() - started < 2000);
  });

  it('turns an abort into RequestCancelledError and closes the connection', async () => {
    const controller = new AbortController();
    const error = await rejection(
      drain(transport(KEY).streamChat(MESSAGES, { baseUrl, model: MODEL, signal: controller.signal }), 15_000, (e) => e.type === 'text' && controller.abort()),
    );
    assert.ok(error instanceof RequestCancelledError, String(error));
    await waitFor(() => (engine.requests()[0]?.aborted ? true : undefined), 2000, 'the server to see the connection close');
  });
});
