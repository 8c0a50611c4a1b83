import assert from 'node:assert/strict';
import { OllamaChat } from '../../../src/backends/ollamaChat';
import type { ChatChunk } from '../../../src/core/chat/ports';
import { EndpointUnreachableError, ModelNotFoundError, RequestCancelledError, StreamResetError } from '../../../src/core/net/errors';
import type { Engine } from '../../engine/server';
import { rejection, waitFor, useLoopbackEngine } from '../../engine/test-support';
import { closedPort, drain } from './engineHelpers';

const MODEL = 'qwen2.5-coder:7b';
const MESSAGES = [{ role: 'user' as const, content: 'Explain what a closure is in TypeScript.' }];

describe('OllamaChat against the loopback engine', function () {
  this.timeout(30_000);
  let engine: Engine;

  useLoopbackEngine({ models: { [MODEL]: '1m' } }, (started) => {
    engine = started;
  });

  it('streams /api/chat text and reports usage from prompt_eval_count and eval_count', async () => {
    const chunks = await drain(new OllamaChat(engine.url).streamChat(MODEL, MESSAGES, new AbortController().signal), 15_000);
    const text = chunks.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('');
    const usage = chunks.filter((c): c is Extract<ChatChunk, { type: 'usage' }> => c.type === 'usage');
    assert.ok(text.length > 0);
    const [entry] = engine.requests();
    assert.equal(entry!.path, '/api/chat');
    assert.deepEqual(usage, [{ type: 'usage', promptTokens: entry!.promptTokens, completionTokens: entry!.generatedTokens }]);
  });

  it('reports a missing model as ModelNotFoundError', async () => {
    const error = await rejection(drain(new OllamaChat(engine.url).streamChat('nope:1b', MESSAGES, new AbortController().signal), 15_000));
    assert.ok(error instanceof ModelNotFoundError && error.model === 'nope:1b', String(error));
  });

  it('reports an engine that is not running as EndpointUnreachableError', async () => {
    const chat = new OllamaChat(`http://127.0.0.1:${await closedPort()}`);
    const error = await rejection(drain(chat.streamChat(MODEL, MESSAGES, new AbortController().signal), 15_000));
    assert.ok(error instanceof EndpointUnreachableError, String(error));
    assert.equal(error.causeText, 'ECONNREFUSED');
    assert.match(error.endpoint, /^local Ollama at 127\.0\.0\.1:\d+$/);
  });

  it('reports a reset mid-stream as StreamResetError', async () => {
    engine.setFaults([{ fault: { kind: 'reset', afterChunks: 3 }, path: '/api/chat' }]);
    const error = await rejection(drain(new OllamaChat(engine.url).streamChat(MODEL, MESSAGES, new AbortController().signal), 15_000));
    assert.ok(error instanceof StreamResetError, String(error));
  });

  it('aborting one answer closes its connection', async () => {
    const controller = new AbortController();
    const stream = new OllamaChat(engine.url).streamChat(MODEL, MESSAGES, controller.signal);
    const error = await rejection(drain(stream, 15_000, (c) => c.type === 'text' && controller.abort()));
    assert.ok(error instanceof RequestCancelledError, String(error));
    await waitFor(() => (engine.requests()[0]?.aborted ? true : undefined), 2000, 'the server to see the connection close');
  });
});
