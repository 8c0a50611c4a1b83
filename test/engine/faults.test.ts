import assert from 'node:assert/strict';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import type { Engine } from './server';
import { rejection, waitFor, useLoopbackEngine } from './test-support';

const MODEL = 'qwen2.5-coder:1.5b-base';
const chatArgs = { model: MODEL, messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 4 };

describe('loopback engine: faults as the real clients see them', () => {
  let engine: Engine;
  let ollama: Ollama;
  let openai: OpenAI;

  useLoopbackEngine({ models: { [MODEL]: '1m' } }, async (started) => {
    engine = started;
    ollama = new Ollama({ host: engine.url });
    openai = new OpenAI({ apiKey: 'unused', baseURL: `${engine.url}/v1`, maxRetries: 0 });
    await ollama.generate({ model: MODEL, prompt: '' }); // load once, so timings below are not load times
  });

  it('429 with Retry-After: the openai client sees it, and its retry honours the delay', async () => {
    engine.setFaults([{ fault: { kind: 'status', status: 429, retryAfterSeconds: 1 }, path: '/v1/chat', times: 1 }]);
    const error = await rejection(openai.chat.completions.create(chatArgs));
    assert.ok(error instanceof OpenAI.RateLimitError, String(error));
    assert.equal(error.headers?.get('retry-after'), '1');
    assert.equal(error.code, 'rate_limit_exceeded');

    engine.setFaults([{ fault: { kind: 'status', status: 429, retryAfterSeconds: 1 }, path: '/v1/chat', times: 1 }]);
    engine.clearLog();
    const retrying = new OpenAI({ apiKey: 'unused', baseURL: `${engine.url}/v1`, maxRetries: 1 });
    const r = await retrying.chat.completions.create(chatArgs);
    assert.equal(r.usage!.completion_tokens, 4);
    const [first, second] = engine.requests();
    assert.equal(first.fault, 'status');
    assert.equal(first.status, 429);
    assert.equal(second.fault, undefined);
    assert.ok(second.arrivedAt - first.arrivedAt >= 900, `retried after ${second.arrivedAt - first.arrivedAt} ms`);
  });

  it('status faults use each API’s error shape and only hit the matching path, `times` times', async () => {
    engine.setFaults([{ fault: { kind: 'status', status: 500 }, path: '/api/generate', times: 2 }]);
    for (let i = 0; i < 2; i++) {
      const error = await rejection(ollama.generate({ model: MODEL, prompt: 'x', stream: false }));
      assert.equal((error as { status_code?: number }).status_code, 500);
      assert.match((error as Error).message, /Internal Server Error/);
    }
    const chat = await ollama.chat({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: false, options: { num_predict: 2 } });
    assert.equal(chat.eval_count, 2, 'another path is not affected');
    const third = await ollama.generate({ model: MODEL, prompt: 'x', stream: false, options: { num_predict: 2 } });
    assert.equal(third.eval_count, 2, 'the rule is used up');

    const expected = { 401: OpenAI.AuthenticationError, 404: OpenAI.NotFoundError, 503: OpenAI.InternalServerError } as const;
    for (const status of [401, 404, 503] as const) {
      engine.setFaults([{ fault: { kind: 'status', status }, times: 1 }]);
      const error = await rejection(openai.chat.completions.create(chatArgs));
      assert.ok(error instanceof expected[status], `${status}: ${String(error)}`);
      assert.equal((error as InstanceType<typeof OpenAI.APIError>).status, status);
    }
    engine.setFaults([{ fault: { kind: 'status', status: 503, body: { error: 'server busy' } } }]);
    assert.match(((await rejection(ollama.version())) as Error).message, /server busy/);
  });

  it('reset: a stream breaks after the given number of chunks and the server stops generating', async () => {
    engine.setFaults([{ fault: { kind: 'reset', afterChunks: 3 }, path: '/api/generate' }]);
    const stream = await ollama.generate({ model: MODEL, prompt: 'let a = ', stream: true, options: { num_predict: 200 } });
    const seen: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const part of stream) seen.push(part.response ?? '');
      })(),
    );
    assert.equal(seen.length, 3);
    assert.ok(error instanceof Error);
    const entry = await waitFor(() => engine.requests().find((e) => e.stoppedAt !== undefined), 2000, 'generation to stop');
    assert.equal(entry.fault, 'reset');
    assert.equal(entry.aborted, true);
    assert.ok(entry.generatedTokens! < 200);

    engine.setFaults([{ fault: { kind: 'reset', afterChunks: 2 }, path: '/v1/chat' }]);
    const sse = await openai.chat.completions.create({ ...chatArgs, max_tokens: 100, stream: true });
    let chunks = 0;
    await rejection(
      (async () => {
        for await (const _ of sse) chunks++;
      })(),
    );
    assert.equal(chunks, 2);

    engine.setFaults([{ fault: { kind: 'reset', afterChunks: 0 }, path: '/v1/chat' }]);
    assert.ok((await rejection(openai.chat.completions.create(chatArgs))) instanceof OpenAI.APIConnectionError);
  });

  it('slowFirstByte delays the headers, then answers normally', async () => {
    engine.setFaults([{ fault: { kind: 'slowFirstByte', ms: 400 }, path: '/api/generate' }]);
    const started = Date.now();
    const stream = await ollama.generate({ model: MODEL, prompt: 'x', stream: true, options: { num_predict: 3 } });
    assert.ok(Date.now() - started >= 380, `headers after ${Date.now() - started} ms`);
    let done = false;
    for await (const part of stream) done ||= part.done;
    assert.ok(done);
    assert.equal(engine.requests()[0].fault, 'slowFirstByte');
  });

  it('stall: the stream goes silent with the connection open, and the model is free for others', async () => {
    engine.setFaults([{ fault: { kind: 'stall', afterChunks: 2 }, path: '/api/generate', times: 1 }]);
    const stream = await ollama.generate({ model: MODEL, prompt: 'x', stream: true, options: { num_predict: 200 } });
    const parts = stream[Symbol.asyncIterator]();
    await parts.next();
    await parts.next();
    const pending = parts.next();
    pending.catch(() => undefined);
    const silence = await Promise.race([pending.then(() => 'data'), new Promise((r) => setTimeout(() => r('silence'), 400))]);
    assert.equal(silence, 'silence');
    const other = await ollama.generate({ model: MODEL, prompt: 'y', stream: false, options: { num_predict: 3 } });
    assert.equal(other.eval_count, 3);
    const stalled = engine.requests()[0];
    assert.equal(stalled.fault, 'stall');
    assert.equal(stalled.serverMs, undefined, 'the stalled response is still open');
    assert.ok(stalled.stoppedAt !== undefined && stalled.generatedTokens! < 200);
    stream.abort();
    await waitFor(() => engine.requests()[0].aborted, 2000, 'the client to give up');
  });

  it('down: connections are refused until cleared, then the same port answers again', async () => {
    const port = engine.port;
    engine.setFaults([{ fault: { kind: 'down' } }]);
    // Open keep-alive connections are closed too; let the client notice before it asks again.
    await new Promise((resolve) => setImmediate(resolve));
    const refused = await rejection(ollama.version());
    assert.equal(((refused as Error).cause as { code?: string }).code, 'ECONNREFUSED');
    assert.ok((await rejection(openai.models.list())) instanceof OpenAI.APIConnectionError);
    engine.setFaults([]);
    assert.equal(engine.port, port);
    assert.match((await ollama.version()).version, /\d/);
    const r = await ollama.generate({ model: MODEL, prompt: 'x', stream: false, options: { num_predict: 2 } });
    assert.equal(r.eval_count, 2);
  });

  it('down cuts open streams too', async () => {
    const stream = await ollama.generate({ model: MODEL, prompt: 'x', stream: true, options: { num_predict: 2000 } });
    const parts = stream[Symbol.asyncIterator]();
    await parts.next();
    engine.setFaults([{ fault: { kind: 'down' } }]);
    const error = await rejection(
      (async () => {
        for (let i = 0; i < 5000; i++) if ((await parts.next()).done) return;
      })(),
    );
    assert.ok(error instanceof Error);
    engine.setFaults([]);
    const entry = await waitFor(() => engine.requests().find((e) => e.stoppedAt !== undefined), 2000, 'generation to stop');
    assert.equal(entry.aborted, true);
  });
});
