import assert from 'node:assert/strict';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import { LocalEngineUnreachableError, OllamaBackend } from '../../../src/backends/ollama';
import { CompletionEngine, DEFAULT_COMPLETION_SETTINGS, type CompletionEvent, type CompletionSettings } from '../../../src/core/completion/engine';
import { resolveFimFormat, renderFimPrompt, type FimFormat } from '../../../src/core/completion/templates';
import { TextCompletionDocument } from '../../../src/core/completion/textDocument';
import { systemClock } from '../../../src/core/net/clock';
import { ModelNotFoundError } from '../../../src/core/net/errors';
import { defaultModelCache } from '../../engine/gguf/model-cache';
import { SPECIAL_TOKENS } from '../../engine/qwen-format';
import type { Engine } from '../../engine/server';
import { typeScriptSample, waitFor, useLoopbackEngine } from '../../engine/test-support';

const MODEL = 'qwen2.5-coder:1.5b-base';
/** How soon after the superseding keystroke the engine must have stopped the stale request. */
const STALE_STOP_MS = 100;

describe('completion engine against the loopback engine (real ollama client, 20m model)', function () {
  this.timeout(60_000);
  let engine: Engine;
  let backend: OllamaBackend;
  let format: FimFormat;
  const source = typeScriptSample();

  useLoopbackEngine({ models: { [MODEL]: '20m' }, pullable: { 'tandem-pulled:1m': '1m' } }, async (started) => {
    engine = started;
    backend = new OllamaBackend(engine.url);
    format = resolveFimFormat({ modelName: MODEL, show: await backend.show(MODEL, AbortSignal.timeout(5000)) });
    await backend.warmUp(MODEL, AbortSignal.timeout(30_000));
  });

  function newEngine(overrides: Partial<CompletionSettings> = {}, breaker = { failureThreshold: 3, cooldownMs: 300 }) {
    const events: CompletionEvent[] = [];
    const completion = new CompletionEngine(
      { model: backend, clock: systemClock, isAllowedAsContext: () => true, breaker },
      { ...DEFAULT_COMPLETION_SETTINGS, model: MODEL, format, debounce: 0, ...overrides },
    );
    completion.onEvent((e) => events.push(e));
    return { completion, events };
  }

  const generateEntries = () => engine.requests().filter((e) => e.path === '/api/generate');

  it("resolves Ollama's own FIM template from /api/show (the model declares insert) and sends the suffix", async () => {
    assert.equal(format.mode, 'suffix');
    assert.equal(format.family, 'qwen');
    const { completion, events } = newEngine({ multiline: 'never' });
    const text = `${source.slice(0, 2000)}\n`;
    const document = new TextCompletionDocument(`${text}\n}\n`, 'file:///a.ts', 'a.ts', 'typescript');
    const suggestion = await completion.complete({ document, position: document.positionAt(text.length), trigger: 'explicit' });
    await suggestion?.update;
    const [entry] = generateEntries();
    const body = JSON.parse(entry!.body) as { suffix?: string; raw?: boolean; options: { temperature: number; stop: string[]; num_predict: number } };
    assert.equal(body.raw, undefined);
    assert.ok(body.suffix?.includes('}'), 'the text after the cursor went as suffix');
    assert.equal(body.options.temperature, 0);
    assert.deepEqual(body.options.stop, [...format.stops]);
    assert.equal(body.options.num_predict, DEFAULT_COMPLETION_SETTINGS.singleLineMaxTokens);
    const finished = events.find((e) => e.type === 'requestFinished');
    assert.ok(finished?.type === 'requestFinished');
    assert.ok(finished.outcome === 'enough' || finished.outcome === 'completed', finished.outcome);
    completion.dispose();
  });

  it('reports the engine\'s own stats on the last chunk of a finished stream', async () => {
    const chunks = [];
    for await (const chunk of backend.stream({ model: MODEL, prompt: 'export function', suffix: '}\n', raw: false, stop: format.stops, maxTokens: 12, signal: AbortSignal.timeout(20_000) })) chunks.push(chunk);
    const last = chunks.at(-1)!;
    const [entry] = generateEntries();
    assert.ok(last.stats, 'the last chunk carries stats');
    assert.equal(last.stats.generatedTokens, entry!.generatedTokens);
    assert.equal(last.stats.promptTokens, entry!.promptTokens);
    assert.ok(last.stats.engineMs > 0);
    assert.equal(chunks.filter((c) => c.stats).length, 1);
  });

  it(`a superseding keystroke closes the stale request: the engine stops within ${STALE_STOP_MS} ms`, async () => {
    // A long prompt, so the first request is still in the engine (evaluating it) when the user types on.
    const { completion, events } = newEngine({ multiline: 'always', promptTokens: 3000 });
    const text = source.slice(0, 12_000);
    const document = new TextCompletionDocument(text, 'file:///b.ts', 'b.ts', 'typescript');
    const first = completion.complete({ document, position: document.positionAt(text.length), trigger: 'explicit' });
    await waitFor(() => generateEntries()[0], 20_000, 'the first request to arrive');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const edited = new TextCompletionDocument(`${text}\nconst unrelated = 1;\n`, 'file:///b.ts', 'b.ts', 'typescript');
    const supersededAt = Date.now();
    const second = completion.complete({ document: edited, position: edited.positionAt(edited.lineCount), trigger: 'automatic' });
    assert.equal(await first, undefined, 'the superseded call resolves empty');
    const stale = await waitFor(() => {
      const entry = generateEntries()[0];
      return entry?.stoppedAt !== undefined ? entry : undefined;
    }, 5000, 'the stale request to stop');
    assert.equal(stale.aborted, true, 'the client closed the stale request');
    const stopMs = stale.stoppedAt! - supersededAt;
    assert.ok(stopMs <= STALE_STOP_MS, `stopped ${stopMs} ms after the superseding keystroke`);
    assert.ok((stale.generatedTokens ?? 0) < DEFAULT_COMPLETION_SETTINGS.maxTokens, `generated ${stale.generatedTokens} tokens`);
    const finished = events.find((e) => e.type === 'requestFinished' && e.requestId === 1);
    assert.equal(finished?.type === 'requestFinished' && finished.outcome, 'superseded');
    completion.forgetDocument('file:///b.ts');
    await second;
    console.log(`      stale request (${stale.promptTokens} prompt tokens) stopped ${stopMs} ms after the superseding keystroke, ${stale.generatedTokens ?? 0} tokens generated`);
  });

  it('opens the breaker when the engine is down (no request storm) and closes it when it returns', async () => {
    const { completion, events } = newEngine({ multiline: 'never' });
    const document = new TextCompletionDocument('const a = 1;\nconst b = ', 'file:///c.ts', 'c.ts', 'typescript');
    const position = document.positionAt(document.lineAt(0).length + 1 + document.lineAt(1).length);
    engine.setFaults([{ fault: { kind: 'down' } }]);
    for (let i = 0; i < 3; i++) assert.equal(await completion.complete({ document, position, trigger: 'explicit' }), undefined);
    const failures = events.filter((e) => e.type === 'requestFinished' && e.outcome === 'failed');
    assert.equal(failures.length, 3);
    for (const f of failures) assert.ok(f.type === 'requestFinished' && f.error instanceof LocalEngineUnreachableError, String(f.type === 'requestFinished' && f.error));
    assert.equal(events.filter((e) => e.type === 'engineDown').length, 1);
    assert.equal(completion.engineState, 'down');

    // While open, keystrokes do not reach the network at all.
    const started = events.filter((e) => e.type === 'requestStarted').length;
    for (let i = 0; i < 5; i++) await completion.complete({ document, position, trigger: 'explicit' });
    assert.equal(events.filter((e) => e.type === 'requestStarted').length, started);

    engine.setFaults([]);
    await new Promise((resolve) => setTimeout(resolve, 350));
    const suggestion = await completion.complete({ document, position, trigger: 'explicit' });
    await suggestion?.update;
    assert.equal(completion.engineState, 'up');
    assert.equal(events.filter((e) => e.type === 'engineUp').length, 1);
    assert.equal(generateEntries().length, 1, 'one probe request after the cooldown');
    assert.ok(suggestion === undefined || suggestion.source === 'model');
    completion.dispose();
  });

  it('serves typing through a shown suggestion without a new request', async () => {
    const { completion } = newEngine({ multiline: 'never' });
    const prefix = `${source.slice(0, 1500)}\nexport const value = `;
    const document = new TextCompletionDocument(prefix, 'file:///d.ts', 'd.ts', 'typescript');
    const position = document.positionAt(prefix.length);
    const first = await completion.complete({ document, position, trigger: 'explicit' });
    // Shown from its first words; once the stream ends, asking again gives the whole suggestion.
    if (await first?.update) assert.equal((await completion.complete({ document, position, trigger: 'explicit' }))?.id, first?.id);
    const shown = await completion.complete({ document, position, trigger: 'explicit' });
    // The 20m model's text is meaningless, but the engine shows it (typing through it is what counts here).
    assert.ok(shown, 'the model answered with a suggestion');
    assert.equal(shown.update, undefined, 'complete');
    const requests = generateEntries().length;
    const typed = `${prefix}${shown.text.slice(0, 1)}`;
    const next = new TextCompletionDocument(typed, 'file:///d.ts', 'd.ts', 'typescript');
    const rest = await completion.complete({ document: next, position: next.positionAt(typed.length), trigger: 'automatic' });
    assert.equal(rest?.source, 'typing-through');
    assert.equal(rest?.text, shown.text.slice(1));
    assert.equal(generateEntries().length, requests);
    completion.dispose();
  });

  it('maps a missing model to ModelNotFoundError, and pulls a model with progress', async () => {
    await assert.rejects(backend.show('no-such-model:7b', AbortSignal.timeout(5000)), ModelNotFoundError);
    await assert.rejects(backend.warmUp('no-such-model:7b', AbortSignal.timeout(5000)), ModelNotFoundError);
    const steps: string[] = [];
    let sawBytes = false;
    await backend.pull('tandem-pulled:1m', (p) => {
      steps.push(p.status);
      if (p.total && p.completed !== undefined) sawBytes = true;
    }, AbortSignal.timeout(60_000));
    assert.equal(steps.at(-1), 'success');
    assert.ok(sawBytes, `progress with byte counts: ${steps.join(', ')}`);
    assert.ok((await backend.modelNames(AbortSignal.timeout(5000))).includes('tandem-pulled:1m'));
  });

  it('reports an unreachable engine as LocalEngineUnreachableError', async () => {
    engine.setFaults([{ fault: { kind: 'down' } }]);
    await assert.rejects(backend.version(AbortSignal.timeout(5000)), LocalEngineUnreachableError);
  });

  it('tokenizes the Qwen template with the FIM markers as single tokens (the engine\'s model)', async () => {
    const raw = resolveFimFormat({ modelName: MODEL, layout: 'psm' });
    assert.equal(raw.mode, 'raw');
    const { prompt } = renderFimPrompt(raw, { prefix: 'export function add(a: number, b: number) {\n  return ', suffix: ';\n}\n' });
    const llama = await getLlama({ gpu: false, build: 'never', skipDownload: true, usePrebuiltBinaries: true, progressLogs: false, logLevel: LlamaLogLevel.error, maxThreads: 1 });
    const model = await llama.loadModel({ modelPath: (await defaultModelCache().ensure('20m')).path, vocabOnly: true });
    try {
      const tokens = model.tokenize(prompt, true);
      const { prefix, suffix, middle } = model.tokens.infill;
      assert.equal(tokens[0], prefix, `${SPECIAL_TOKENS.fimPrefix} is the first token`);
      assert.equal(tokens.at(-1), middle, `${SPECIAL_TOKENS.fimMiddle} is the last token`);
      assert.equal(tokens.filter((t) => t === suffix).length, 1, `${SPECIAL_TOKENS.fimSuffix} is one token`);
      assert.equal(model.detokenize(tokens, true), prompt);
    } finally {
      await model.dispose();
      await llama.dispose();
    }
  });

  it('sends a raw prompt with the family template when the layout is chosen explicitly', async () => {
    const raw = resolveFimFormat({ modelName: MODEL, layout: 'psm' });
    const { completion } = newEngine({ multiline: 'never' });
    completion.updateSettings({ ...DEFAULT_COMPLETION_SETTINGS, model: MODEL, format: raw, debounce: 0, multiline: 'never' });
    const text = 'export function add(a: number, b: number) {\n  return ';
    const document = new TextCompletionDocument(`${text}\n}\n`, 'file:///e.ts', 'e.ts', 'typescript');
    await completion.complete({ document, position: document.positionAt(text.length), trigger: 'explicit' });
    const body = JSON.parse(generateEntries()[0]!.body) as { raw?: boolean; prompt: string; suffix?: string };
    assert.equal(body.raw, true);
    assert.equal(body.suffix, undefined);
    assert.ok(body.prompt.startsWith(SPECIAL_TOKENS.fimPrefix) && body.prompt.endsWith(SPECIAL_TOKENS.fimMiddle));
    completion.dispose();
  });
});
