import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startEngine, type Engine } from './server';
import { rejection } from './test-support';

const API_KEY = 'sk-loopback-test';
const CLOUD_MODEL = 'gpt-4o-mini';

describe('loopback engine: OpenAI-compatible API through the openai client', () => {
  let engine: Engine;
  let openai: OpenAI;

  before(async () => {
    engine = await startEngine({ models: { [CLOUD_MODEL]: '1m', 'qwen2.5-coder:1.5b-base': '1m' }, apiKey: API_KEY });
    openai = new OpenAI({ apiKey: API_KEY, baseURL: `${engine.url}/v1`, maxRetries: 0 });
  });
  after(() => engine?.stop());
  beforeEach(() => engine.clearLog());

  it('lists models', async () => {
    const ids = [];
    for await (const m of openai.models.list()) ids.push(m.id);
    assert.deepEqual(ids.sort(), [`${CLOUD_MODEL}:latest`, 'qwen2.5-coder:1.5b-base']);
  });

  it('answers a chat completion with usage counts that match the engine log', async () => {
    const r = await openai.chat.completions.create({
      model: CLOUD_MODEL,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Explain closures.' }] },
      ],
      max_tokens: 9,
      temperature: 0,
    });
    assert.equal(r.object, 'chat.completion');
    assert.equal(r.model, CLOUD_MODEL);
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.ok(r.choices[0].message.content!.length > 0);
    assert.equal(r.choices[0].finish_reason, 'length');
    assert.equal(r.usage!.completion_tokens, 9);
    const [entry] = engine.requests();
    assert.equal(entry.path, '/v1/chat/completions');
    assert.equal(r.usage!.prompt_tokens, entry.promptTokens);
    assert.equal(r.usage!.total_tokens, r.usage!.prompt_tokens + 9);
    assert.equal(entry.headers.authorization, `Bearer ${API_KEY}`);
  });

  it('streams chat chunks, a finish reason, a usage chunk, and ends on [DONE]', async () => {
    const stream = await openai.chat.completions.create({
      model: CLOUD_MODEL,
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 12,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const content = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('');
    const nonStream = await openai.chat.completions.create({ model: CLOUD_MODEL, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 12, temperature: 0 });
    assert.equal(content, nonStream.choices[0].message.content);
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    assert.equal(chunks.at(-2)!.choices[0].finish_reason, 'length');
    const usage = chunks.at(-1)!;
    assert.deepEqual(usage.choices, []);
    assert.equal(usage.usage!.completion_tokens, 12);
    const raw = await fetch(`${engine.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: CLOUD_MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2, stream: true }),
    });
    assert.equal(raw.headers.get('content-type'), 'text/event-stream');
    assert.match(await raw.text(), /data: \[DONE\]\n\n$/);
  });

  it('completes with prompt and suffix as fill-in-the-middle, streaming and not', async () => {
    const args = { model: 'qwen2.5-coder:1.5b-base', prompt: 'function sq(x: number) {\n  return ', suffix: ';\n}\n', max_tokens: 10, temperature: 0 };
    const r = await openai.completions.create(args);
    assert.equal(r.object, 'text_completion');
    assert.equal(r.usage!.completion_tokens, 10);
    assert.equal(r.choices[0].finish_reason, 'length');
    let streamed = '';
    for await (const chunk of await openai.completions.create({ ...args, stream: true })) streamed += chunk.choices[0]?.text ?? '';
    assert.equal(streamed, r.choices[0].text);
    const withoutSuffix = await openai.completions.create({ ...args, suffix: undefined });
    assert.ok(r.usage!.prompt_tokens >= withoutSuffix.usage!.prompt_tokens + 3, 'the suffix and three FIM markers are in the prompt');
  });

  it('defaults to 16 tokens for completions, like OpenAI', async () => {
    const r = await openai.completions.create({ model: CLOUD_MODEL, prompt: 'const a = ' });
    assert.equal(r.usage!.completion_tokens, 16);
  });

  it('rejects a wrong or missing key with 401 and generates nothing', async () => {
    const wrongKey = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${engine.url}/v1`, maxRetries: 0 });
    const error = await rejection(wrongKey.chat.completions.create({ model: CLOUD_MODEL, messages: [{ role: 'user', content: 'x' }] }));
    assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
    assert.equal(error.status, 401);
    assert.equal(error.code, 'invalid_api_key');
    assert.ok((await rejection(wrongKey.models.list())) instanceof OpenAI.AuthenticationError);
    // The client refuses to send without a key, so ask without one directly.
    const noKey = await fetch(`${engine.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: CLOUD_MODEL, messages: [{ role: 'user', content: 'x' }] }),
    });
    assert.equal(noKey.status, 401);
    const body = (await noKey.json()) as { error: { type: string; code: string } };
    assert.equal(body.error.code, 'invalid_api_key');
    assert.equal(engine.requests().length, 3);
    assert.ok(engine.requests().every((e) => e.status === 401 && e.generatedTokens === undefined));
    assert.equal(engine.stats().completed, 0);
  });

  it('answers an unknown model with 404 in OpenAI’s error shape', async () => {
    const error = await rejection(openai.chat.completions.create({ model: 'gpt-nonexistent', messages: [{ role: 'user', content: 'x' }] }));
    assert.ok(error instanceof OpenAI.NotFoundError, String(error));
    assert.equal(error.code, 'model_not_found');
  });
});
