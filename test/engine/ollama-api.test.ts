import assert from 'node:assert/strict';
import { Ollama } from 'ollama';
import { startEngine, type Engine } from './server';
import { rejection } from './test-support';

const MODEL = 'qwen2.5-coder:1.5b-base';
const PREFIX = 'export function add(a: number, b: number): number {\n  return ';
const SUFFIX = ';\n}\n';

describe('loopback engine: Ollama API through the ollama client', () => {
  let engine: Engine;
  let ollama: Ollama;

  before(async () => {
    engine = await startEngine({ models: { [MODEL]: '1m' }, pullable: { 'tandem-pulled:1m': '1m' } });
    ollama = new Ollama({ host: engine.url });
  });
  after(() => engine?.stop());
  beforeEach(() => engine.clearLog());

  it('answers version, the root probe, and lists its model with details', async () => {
    assert.match((await ollama.version()).version, /^\d+\.\d+\.\d+$/);
    assert.equal(await (await fetch(engine.url)).text(), 'Ollama is running');
    const { models } = await ollama.list();
    assert.deepEqual(
      models.map((m) => m.name),
      [MODEL],
    );
    assert.equal(models[0].details.family, 'qwen2');
    assert.equal(models[0].details.quantization_level, 'Q8_0');
    assert.match(models[0].digest, /^[0-9a-f]{64}$/);
    assert.ok(models[0].size > 500_000);
  });

  it('shows the insert capability and a FIM template that uses .Suffix', async () => {
    const show = await ollama.show({ model: MODEL });
    assert.ok(show.capabilities.includes('insert'));
    assert.ok(show.capabilities.includes('completion'));
    assert.match(show.template, /\.Suffix/);
    assert.match(show.template, /<\|fim_prefix\|>/);
    assert.equal((show.model_info as unknown as Record<string, unknown>)['general.architecture'], 'qwen2');
    const error = await rejection(ollama.show({ model: 'missing-model' }));
    assert.equal((error as { status_code?: number }).status_code, 404);
  });

  it('generates without streaming, with Ollama timing fields and num_predict honoured', async () => {
    const r = await ollama.generate({ model: MODEL, prompt: 'const x = ', stream: false, options: { num_predict: 12, temperature: 0 } });
    assert.equal(r.done, true);
    assert.equal(r.done_reason, 'length');
    assert.equal(r.eval_count, 12);
    assert.ok(r.response!.length > 0);
    assert.ok(r.prompt_eval_count > 3);
    assert.ok(r.total_duration >= r.prompt_eval_duration + r.eval_duration);
    const [entry] = engine.requests();
    assert.equal(entry.path, '/api/generate');
    assert.equal(entry.model, MODEL);
    assert.equal(entry.generatedTokens, 12);
    assert.equal(entry.status, 200);
    assert.ok(entry.body.includes('const x = '), 'the log keeps the raw body');
  });

  it('streams one chunk per token, then a done object', async () => {
    const stream = await ollama.generate({ model: MODEL, prompt: 'let y = ', stream: true, options: { num_predict: 10, temperature: 0 } });
    const parts = [];
    for await (const part of stream) parts.push(part);
    const last = parts.at(-1)!;
    assert.equal(last.done, true);
    assert.equal(last.eval_count, 10);
    assert.ok(parts.length >= 5, `expected several chunks, got ${parts.length}`);
    assert.ok(parts.slice(0, -1).every((p) => !p.done && p.response!.length > 0));
  });

  it('fills in the middle the same way through suffix and through a raw FIM prompt', async () => {
    const options = { num_predict: 16, temperature: 0 };
    const viaSuffix = await ollama.generate({ model: MODEL, prompt: PREFIX, suffix: SUFFIX, stream: false, options });
    const raw = `<|fim_prefix|>${PREFIX}<|fim_suffix|>${SUFFIX}<|fim_middle|>`;
    const viaRaw = await ollama.generate({ model: MODEL, prompt: raw, raw: true, stream: false, options });
    assert.equal(viaRaw.response, viaSuffix.response);
    assert.equal(viaRaw.prompt_eval_count, viaSuffix.prompt_eval_count);
    const plain = await ollama.generate({ model: MODEL, prompt: PREFIX, raw: true, stream: false, options });
    // Three FIM markers, one token each, plus the suffix's tokens.
    assert.ok(viaSuffix.prompt_eval_count >= plain.prompt_eval_count + 3 + 2);
    const [entry] = engine.requests();
    assert.equal(JSON.parse(entry.body).suffix, SUFFIX);
  });

  it('stops at a stop string, in both stream and non-stream mode', async () => {
    const options = { num_predict: 40, temperature: 0 };
    const full = (await ollama.generate({ model: MODEL, prompt: PREFIX, suffix: SUFFIX, stream: false, options })).response!;
    const stop = full.slice(12, 15);
    const cut = full.slice(0, full.indexOf(stop));
    const r = await ollama.generate({ model: MODEL, prompt: PREFIX, suffix: SUFFIX, stream: false, options: { ...options, stop: [stop] } });
    assert.equal(r.done_reason, 'stop');
    assert.equal(r.response, cut);
    let streamed = '';
    for await (const part of await ollama.generate({ model: MODEL, prompt: PREFIX, suffix: SUFFIX, stream: true, options: { ...options, stop: [stop] } })) {
      streamed += part.response;
    }
    assert.equal(streamed, cut);
  });

  it('reproduces sampled output for the same seed', async () => {
    const run = (seed: number) => ollama.generate({ model: MODEL, prompt: 'class ', stream: false, options: { num_predict: 16, temperature: 0.9, seed } });
    const [a, b] = [await run(7), await run(7)];
    assert.equal(a.response, b.response);
  });

  it('chats with a system message, streaming and not', async () => {
    const messages = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Write a TypeScript interface.' },
    ];
    const r = await ollama.chat({ model: MODEL, messages, stream: false, options: { num_predict: 8, temperature: 0 } });
    assert.equal(r.message.role, 'assistant');
    assert.equal(r.eval_count, 8);
    let text = '';
    for await (const part of await ollama.chat({ model: MODEL, messages, stream: true, options: { num_predict: 8, temperature: 0 } })) text += part.message.content;
    assert.equal(text, r.message.content);
  });

  it('loads and unloads with keep_alive, and reports loaded models in ps', async () => {
    const load = await ollama.generate({ model: MODEL, prompt: '', keep_alive: '10m' });
    assert.equal(load.done_reason, 'load');
    const { models } = await ollama.ps();
    assert.deepEqual(
      models.map((m) => m.name),
      [MODEL],
    );
    const expiresIn = new Date(models[0].expires_at).getTime() - Date.now();
    assert.ok(expiresIn > 9 * 60_000 && expiresIn <= 10 * 60_000, `expires in ${expiresIn} ms`);
    const unload = await ollama.generate({ model: MODEL, prompt: '', keep_alive: 0 });
    assert.equal(unload.done_reason, 'unload');
    assert.deepEqual((await ollama.ps()).models, []);
    const again = await ollama.generate({ model: MODEL, prompt: 'x', stream: false, options: { num_predict: 2 } });
    assert.ok(again.load_duration > 0, 'a request after unloading loads the model again');
  });

  it('answers an unknown model with 404 and Ollama’s error text', async () => {
    const error = await rejection(ollama.generate({ model: 'nope:7b', prompt: 'x', stream: false }));
    assert.equal((error as { status_code?: number }).status_code, 404);
    assert.match((error as Error).message, /model 'nope:7b' not found/);
  });

  it('pulls a pullable model with streamed progress, then lists it', async () => {
    const lines = [];
    for await (const p of await ollama.pull({ model: 'tandem-pulled:1m', stream: true })) lines.push(p);
    assert.equal(lines[0].status, 'pulling manifest');
    const downloads = lines.filter((p) => p.status.startsWith('pulling ') && p.digest);
    assert.ok(downloads.length >= 1);
    assert.match(downloads[0].digest, /^sha256:[0-9a-f]{64}$/);
    const last = downloads.at(-1)!;
    assert.equal(last.completed, last.total);
    assert.ok(last.total > 500_000);
    assert.equal(lines.at(-1)!.status, 'success');
    assert.ok((await ollama.list()).models.some((m) => m.name === 'tandem-pulled:1m'));
    const r = await ollama.generate({ model: 'tandem-pulled:1m', prompt: 'x', stream: false, options: { num_predict: 2 } });
    assert.equal(r.eval_count, 2);
  });

  it('fails a pull of an unknown model the way Ollama does', async () => {
    const streamed = await rejection(
      (async () => {
        for await (const _ of await ollama.pull({ model: 'no-such-model:1b', stream: true }));
      })(),
    );
    assert.match((streamed as Error).message, /file does not exist/);
    const plain = await rejection(ollama.pull({ model: 'no-such-model:1b', stream: false }));
    assert.equal((plain as { status_code?: number }).status_code, 500);
    assert.ok(!(await ollama.list()).models.some((m) => m.name === 'no-such-model:1b'));
  });

  it('serves /__engine/stats without logging itself', async () => {
    await ollama.version();
    const { stats, requests } = (await (await fetch(`${engine.url}/__engine/stats`)).json()) as { stats: { requests: Record<string, number> }; requests: unknown[] };
    assert.deepEqual(stats.requests, { '/api/version': 1 });
    assert.equal(requests.length, 1);
    assert.equal(engine.requests().length, 1);
  });
});
