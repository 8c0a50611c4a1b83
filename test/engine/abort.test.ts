import assert from 'node:assert/strict';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { startEngine, type Engine } from './server';
import { rejection, typeScriptSample, waitFor } from './test-support';

const MODEL = 'tandem-tiny:20m';
const STOP_WITHIN_MS = 100;

describe('loopback engine: a client abort stops the model (20m model)', () => {
  let engine: Engine;
  let ollama: Ollama;
  const source = typeScriptSample();

  before(async () => {
    engine = await startEngine({ models: { [MODEL]: '20m' } });
    ollama = new Ollama({ host: engine.url });
    await ollama.generate({ model: MODEL, prompt: '' });
  });
  after(() => engine?.stop());
  beforeEach(() => engine.clearLog());

  /** Aborted request's log entry once the model has let go of it. */
  const stoppedEntry = () => waitFor(() => engine.requests().find((e) => e.stoppedAt !== undefined && e.aborted), 5000, 'the aborted request to stop');

  it(`during generation: the server stops within ${STOP_WITHIN_MS} ms of the client's abort`, async () => {
    const stream = await ollama.generate({ model: MODEL, prompt: source.slice(0, 600), suffix: '}', stream: true, options: { num_predict: 2000, temperature: 0 } });
    let chunks = 0;
    let abortedAt = 0;
    const error = await rejection(
      (async () => {
        for await (const _ of stream) {
          if (++chunks === 5) {
            abortedAt = Date.now();
            stream.abort();
          }
        }
      })(),
    );
    assert.equal((error as Error).name, 'AbortError');
    const entry = await stoppedEntry();
    const stopMs = entry.stoppedAt! - abortedAt;
    assert.ok(stopMs <= STOP_WITHIN_MS, `stopped ${stopMs} ms after the abort`);
    assert.ok(entry.generatedTokens! >= 5 && entry.generatedTokens! < 2000, `generated ${entry.generatedTokens}`);
    assert.equal(engine.stats().aborted, 1);
    console.log(`      abort during generation: stopped ${stopMs} ms after the client's abort (noticed after ${entry.abortedAt! - abortedAt} ms), ${entry.generatedTokens} tokens generated`);
  });

  it(`during prompt evaluation: the server stops within ${STOP_WITHIN_MS} ms, before any token`, async () => {
    const stream = await ollama.generate({ model: MODEL, prompt: source.slice(0, 7000), suffix: source.slice(7000, 9000), stream: true, options: { num_predict: 50 } });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const abortedAt = Date.now();
    stream.abort();
    await rejection(
      (async () => {
        for await (const _ of stream);
      })(),
    );
    const entry = await stoppedEntry();
    const stopMs = entry.stoppedAt! - abortedAt;
    assert.equal(entry.firstTokenMs, undefined, 'no token was generated');
    assert.ok(entry.promptTokens! > 1500, `prompt of ${entry.promptTokens} tokens`);
    assert.ok(stopMs <= STOP_WITHIN_MS, `stopped ${stopMs} ms after the abort`);
    console.log(`      abort during prompt evaluation (${entry.promptTokens} tokens): stopped ${stopMs} ms after the client's abort`);
  });

  it('an openai stream aborted by its controller stops the model as well', async () => {
    const openai = new OpenAI({ apiKey: 'unused', baseURL: `${engine.url}/v1`, maxRetries: 0 });
    const stream = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'go' }], max_tokens: 2000, stream: true });
    let chunks = 0;
    let abortedAt = 0;
    try {
      for await (const _ of stream) {
        if (++chunks === 3) {
          abortedAt = Date.now();
          stream.controller.abort();
        }
      }
    } catch (error) {
      assert.ok(error instanceof OpenAI.APIUserAbortError, String(error));
    }
    assert.equal(chunks, 3);
    const entry = await stoppedEntry();
    assert.ok(entry.stoppedAt! - abortedAt <= STOP_WITHIN_MS, `stopped ${entry.stoppedAt! - abortedAt} ms after the abort`);
  });

  it('runs requests one at a time, and a queued request starts as soon as the running one is aborted', async () => {
    const first = await ollama.generate({ model: MODEL, prompt: 'let a = ', stream: true, options: { num_predict: 2000 } });
    const firstParts = first[Symbol.asyncIterator]();
    await firstParts.next();
    const second = ollama.generate({ model: MODEL, prompt: 'let b = ', stream: false, options: { num_predict: 4 } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [running, queued] = engine.requests();
    assert.equal(queued.firstTokenMs, undefined, 'the second request waits for the model');
    const abortedAt = Date.now();
    first.abort();
    firstParts.next().catch(() => undefined);
    const r = await second;
    assert.equal(r.eval_count, 4);
    const after = engine.requests();
    const secondFirstTokenAt = after[1].arrivedAt + after[1].firstTokenMs!;
    assert.ok(after[0].stoppedAt! <= secondFirstTokenAt, 'the second started after the first stopped');
    assert.ok(secondFirstTokenAt - abortedAt < 1000, `second request's first token ${secondFirstTokenAt - abortedAt} ms after the abort`);
    assert.equal(running.path, '/api/generate');
  });
});
