import assert from 'node:assert/strict';
import { CompletionEngine, DEFAULT_COMPLETION_SETTINGS, type CompletionEngineDeps, type CompletionEvent, type CompletionRequest, type CompletionSettings, type Suggestion } from '../../../src/core/completion/engine';
import type { ContextSnippet } from '../../../src/core/completion/ports';
import { FAMILY_TEMPLATES, resolveFimFormat } from '../../../src/core/completion/templates';
import { EndpointUnreachableError } from '../../../src/core/net/errors';
import { CURSOR, docWithCursor, FakeClock, FakeModel, settle } from './fakes';

const MODEL = 'qwen2.5-coder:1.5b-base';
const insertFormat = resolveFimFormat({ modelName: MODEL, show: { capabilities: ['completion', 'insert'] } });
const rawFormat = resolveFimFormat({ modelName: MODEL, show: { capabilities: ['completion'] } });

function setup(options: { settings?: Partial<CompletionSettings>; deps?: Partial<CompletionEngineDeps> } = {}) {
  const clock = new FakeClock();
  const model = new FakeModel(clock);
  const events: CompletionEvent[] = [];
  const engine = new CompletionEngine(
    { model, clock, isAllowedAsContext: () => true, ...options.deps },
    { ...DEFAULT_COMPLETION_SETTINGS, model: MODEL, format: insertFormat, debounce: 100, ...options.settings },
  );
  engine.onEvent((e) => events.push(e));
  return { clock, model, engine, events };
}

/** An editor buffer with a cursor (‸) that the test types into. */
class Editor {
  constructor(
    public text: string,
    private readonly engine: CompletionEngine,
    private readonly uri = 'file:///w/src/a.ts',
  ) {}

  complete(trigger: CompletionRequest['trigger'] = 'automatic', signal?: AbortSignal): Promise<Suggestion | undefined> {
    const { document, position } = docWithCursor(this.text, { uri: this.uri });
    return this.engine.complete({ document, position, trigger }, signal);
  }

  type(chars: string): Promise<Suggestion | undefined> {
    this.text = this.text.replace(CURSOR, chars + CURSOR);
    return this.complete();
  }

  backspace(count = 1): Promise<Suggestion | undefined> {
    const at = this.text.indexOf(CURSOR);
    this.text = this.text.slice(0, at - count) + this.text.slice(at);
    return this.complete();
  }
}

/** Records when a promise settles, without awaiting it. */
function track<T>(promise: Promise<T>) {
  const state: { done: boolean; value?: T } = { done: false };
  void promise.then((value) => {
    state.done = true;
    state.value = value;
  });
  return state;
}

const finished = (events: CompletionEvent[]) => events.filter((e): e is Extract<CompletionEvent, { type: 'requestFinished' }> => e.type === 'requestFinished');

describe('completion engine', () => {
  describe('debounce and triggers', () => {
    it('waits for the debounce before calling the model', async () => {
      const { clock, model, engine } = setup();
      const editor = new Editor('const total = comp‸', engine);
      const result = track(editor.complete());
      await clock.advance(99);
      assert.equal(model.calls, 0);
      await clock.advance(1);
      assert.equal(model.calls, 1);
      model.last.push('ute', '(1);', '\n');
      await settle();
      assert.equal(result.value?.text, 'ute(1);');
      assert.equal(result.value?.source, 'model');
    });

    it('a keystroke within the debounce restarts it: a burst makes one request', async () => {
      const { clock, model, engine } = setup();
      const editor = new Editor('const total = ‸x', engine);
      for (const ch of 'compute') {
        void editor.type(ch);
        await clock.advance(60);
      }
      assert.equal(model.calls, 0);
      await clock.advance(40);
      assert.equal(model.calls, 1);
    });

    it('calls at once after Enter and on an explicit trigger', async () => {
      const { model, engine } = setup();
      void new Editor('const v = call();\n‸', engine).complete();
      await settle();
      assert.equal(model.calls, 1);
      void new Editor('const v = abc‸', engine, 'file:///w/b.ts').complete('explicit');
      await settle();
      assert.equal(model.calls, 2);
    });

    it("starts from Enter's own edit, and the editor's request for that cursor takes the stream over", async () => {
      const { clock, model, engine, events } = setup();
      const editor = new Editor('  a();\n  ‸', engine);
      const early = track(editor.complete('edit'));
      await settle();
      assert.equal(model.calls, 1, 'started from the edit');
      await clock.advance(50);
      const shown = track(editor.complete('automatic'));
      await settle();
      assert.equal(early.value, undefined, 'the edit call hands over');
      assert.equal(model.last.aborted, false, 'the hand-over keeps the stream');
      model.last.push('b();', '\n');
      await settle();
      assert.equal(shown.value?.text, 'b();');
      assert.equal(model.calls, 1);
      assert.equal(events.filter((e) => e.type === 'suggestionShown').length, 1);
    });

    it("an edit that is not a natural pause starts nothing; the editor's request waits for the debounce", async () => {
      const { clock, model, engine } = setup();
      const editor = new Editor('const v = ab‸', engine);
      assert.equal(await editor.complete('edit'), undefined);
      await clock.advance(50);
      void editor.complete('automatic');
      await clock.advance(99);
      assert.equal(model.calls, 0, 'the debounce runs from the automatic request');
      await clock.advance(1);
      assert.equal(model.calls, 1);
    });

    it('indenting after Enter waits for the debounce', async () => {
      const { clock, model, engine } = setup();
      model.onRequest = (stream) => {
        stream.push('zz');
        stream.end();
      };
      const editor = new Editor('  a();‸', engine);
      void editor.type('\n');
      await settle();
      assert.equal(model.calls, 1, 'at once after Enter');
      await clock.advance(800);
      for (const ch of '  ') {
        void editor.type(ch);
        await clock.advance(70);
      }
      assert.equal(model.calls, 1);
      await clock.advance(30);
      assert.equal(model.calls, 2);
    });

    it('fast typing through `= ( { ,` makes no request until the debounce elapses', async () => {
      const { clock, model, engine } = setup();
      const editor = new Editor('‸', engine);
      for (const ch of 'const v = call(a, { b: 1 }, (x) =') {
        void editor.type(ch);
        await clock.advance(70);
        assert.equal(model.calls, 0, `after ${JSON.stringify(editor.text)}`);
      }
      await clock.advance(30);
      assert.equal(model.calls, 1);
    });

    it('calls at once at an opener for a user who pauses there', async () => {
      const { clock, model, engine } = setup();
      // Answers nobody types: each pause needs a request of its own.
      model.onRequest = (stream) => {
        stream.push('zz');
        stream.end();
      };
      const editor = new Editor('‸', engine);
      for (const part of ['const a =', ' 1;', ' f(', 'x);', ' g(', 'y);', ' h(', 'z);']) {
        for (const ch of part) void editor.type(ch);
        await clock.advance(500);
      }
      const calls = model.calls;
      void editor.type(' k(');
      await settle();
      assert.equal(model.calls, calls + 1);
    });
  });

  describe('one request per document, stale ones aborted', () => {
    it('a new keystroke aborts the stale request at once and resolves the old call empty', async () => {
      const { clock, model, engine, events } = setup();
      const editor = new Editor('const total = c‸', engine);
      const first = track(editor.complete());
      await clock.advance(100);
      model.last.push('omp');
      await settle();
      const stale = model.last;
      const keystrokeAt = clock.now();
      void editor.type('x');
      await settle();
      assert.equal(stale.aborted, true);
      assert.equal(stale.abortedAt, keystrokeAt, 'aborted at the keystroke, not after the next debounce');
      assert.equal(first.done, true);
      assert.equal(first.value, undefined);
      assert.equal(finished(events)[0]?.outcome, 'superseded');
    });

    it('never has two requests open for a document during a burst', async () => {
      const { clock, model, engine } = setup();
      const editor = new Editor('let v = ‸1', engine);
      let maxOpen = 0;
      for (const ch of 'abcdefghij') {
        void editor.type(ch);
        await clock.advance(130);
        model.open.forEach((s) => s.push('zz'));
        maxOpen = Math.max(maxOpen, model.open.length);
      }
      assert.equal(model.calls, 10);
      assert.equal(maxOpen, 1);
      assert.equal(model.streams.slice(0, -1).every((s) => s.aborted), true);
    });

    it('documents are independent', async () => {
      const { clock, model, engine } = setup();
      void new Editor('f(‸', engine, 'file:///a.ts').complete();
      void new Editor('g(‸', engine, 'file:///b.ts').complete();
      await clock.advance(100);
      assert.equal(model.open.length, 2);
    });

    it('the caller\'s cancellation aborts the request', async () => {
      const { clock, model, engine } = setup();
      const cancel = new AbortController();
      const result = track(new Editor('f(‸', engine).complete('automatic', cancel.signal));
      await clock.advance(100);
      cancel.abort();
      await settle();
      assert.equal(model.last.aborted, true);
      assert.equal(result.done, true);
      assert.equal(result.value, undefined);
    });
  });

  describe('reuse without model calls', () => {
    it('typing through a shown suggestion makes no model call', async () => {
      const { clock, model, engine, events } = setup();
      const editor = new Editor('const total = ‸', engine);
      const shown = track(editor.complete());
      await clock.advance(100);
      model.last.push('compute(1, 2);', '\n');
      await settle();
      assert.equal(shown.value?.text, 'compute(1, 2);');
      const rests: (string | undefined)[] = [];
      for (const ch of 'comp') rests.push((await editor.type(ch))?.text);
      assert.deepEqual(rests, ['ompute(1, 2);', 'mpute(1, 2);', 'pute(1, 2);', 'ute(1, 2);']);
      assert.equal(model.calls, 1);
      const sources = events.filter((e) => e.type === 'suggestionShown').map((e) => (e as { source: string }).source);
      assert.deepEqual(sources, ['model', 'typing-through', 'typing-through', 'typing-through', 'typing-through']);
    });

    it('types through a multi-line suggestion across Enter', async () => {
      const { clock, model, engine } = setup();
      const editor = new Editor('function f() {‸', engine);
      const shown = track(editor.complete());
      await clock.advance(100);
      model.last.push('\n  return 1;\n', '}\n', '\nfunction g() {');
      await settle();
      assert.equal(await shown.value?.update, true, 'shown while streaming, then grown');
      assert.equal((await editor.complete())?.text, '\n  return 1;\n}');
      assert.equal((await editor.type('\n  ret'))?.text, 'urn 1;\n}');
      assert.equal(model.calls, 1);
    });

    it('serves an earlier context from the cache', async () => {
      const { clock, model, engine, events } = setup();
      const editor = new Editor('const total = ‸', engine);
      void editor.complete();
      await clock.advance(100);
      model.last.push('compute(1, 2);', '\n');
      await settle();
      const other = track(editor.type('z'));
      await clock.advance(100);
      assert.equal(model.calls, 2);
      model.last.push('ero;', '\n');
      await settle();
      assert.equal(other.value?.text, 'ero;', 'the shown suggestion is now a different one');
      const back = await editor.backspace();
      assert.equal(back?.text, 'compute(1, 2);');
      assert.equal(back?.source, 'cache');
      assert.equal(model.calls, 2);
      assert.ok(events.some((e) => e.type === 'suggestionShown' && e.source === 'cache'));
    });

    it('reuses the in-flight stream when the typed characters match its output', async () => {
      const { clock, model, engine, events } = setup();
      const editor = new Editor('const total = ‸', engine);
      const first = track(editor.complete());
      await clock.advance(100);
      const stream = model.last;
      stream.push('comp');
      await settle();
      const second = track(editor.type('co'));
      await settle();
      assert.equal(first.done, true);
      assert.equal(first.value, undefined, 'the superseded call resolves empty');
      assert.equal(stream.aborted, false, 'the stream the new keystroke can use keeps running');
      stream.push('ute(1);', '\n');
      await settle();
      assert.equal(second.value?.text, 'mpute(1);');
      assert.equal(second.value?.source, 'in-flight');
      assert.equal(model.calls, 1);
      assert.deepEqual(finished(events).map((e) => e.outcome), ['enough'], 'the served stream is not counted as superseded');
    });

    it('abandons the in-flight stream as soon as its output disagrees with the typed text', async () => {
      const { clock, model, engine } = setup();
      const editor = new Editor('const total = ‸', engine);
      void editor.complete();
      await clock.advance(100);
      const stream = model.last;
      const second = track(editor.type('s'));
      await settle();
      assert.equal(stream.aborted, false, 'nothing streamed yet: it may still agree');
      stream.push('comp');
      await settle();
      assert.equal(stream.aborted, true);
      await clock.advance(100);
      assert.equal(model.calls, 2, 'a fresh request for the new text');
      model.last.push('um(1);', '\n');
      await settle();
      assert.equal(second.value?.text, 'um(1);');
    });
  });

  describe('shown while the model writes', () => {
    it('shows the first whole words at once and grows the same suggestion when the line is done', async () => {
      const { clock, model, engine, events } = setup();
      const editor = new Editor('const total = ‸', engine);
      const first = track(editor.complete());
      await clock.advance(100);
      model.last.push('comp');
      await settle();
      assert.equal(first.done, false, 'half a word is not shown');
      model.last.push('ute(');
      await settle();
      assert.equal(first.value?.text, 'compute(');
      assert.equal(model.last.aborted, false, 'the stream goes on for the rest of the suggestion');
      const grew = track(first.value!.update!);
      model.last.push('1, 2);', '\n');
      await settle();
      assert.equal(grew.value, true);
      const again = await editor.complete('explicit');
      assert.equal(again?.text, 'compute(1, 2);');
      assert.equal(again?.id, first.value?.id, 'the same suggestion, grown');
      assert.equal(again?.update, undefined, 'finished');
      assert.equal(model.calls, 1);
      assert.equal(events.filter((e) => e.type === 'suggestionShown').length, 1);
      assert.deepEqual(finished(events).map((e) => e.outcome), ['enough']);
    });

    it('never shows what may be the start of a special token', async () => {
      const { clock, model, engine } = setup();
      const result = track(new Editor('const total = ‸', engine).complete());
      await clock.advance(100);
      model.last.push('sum <|fim');
      await settle();
      assert.equal(result.value?.text, 'sum');
    });

    /** A suggestion shown from the first words of a stream that is still running. */
    async function shownWhileStreaming() {
      const context = setup();
      const editor = new Editor('const total = ‸', context.engine);
      const first = track(editor.complete());
      await context.clock.advance(100);
      const stream = context.model.last;
      stream.push('compute(');
      await settle();
      assert.equal(first.value?.text, 'compute(');
      return { ...context, editor, stream, shown: first.value! };
    }

    it('typing the shown words is served from the same stream, which keeps growing', async () => {
      const { model, editor, stream } = await shownWhileStreaming();
      const typed = await editor.type('co');
      assert.equal(typed?.text, 'mpute(');
      assert.equal(typed?.source, 'in-flight');
      assert.equal(stream.aborted, false);
      stream.push('1);', '\n');
      assert.equal(await typed?.update, true);
      assert.equal((await editor.complete('explicit'))?.text, 'mpute(1);');
      assert.equal(model.calls, 1);
    });

    it('a keystroke that disagrees stops the stream behind a shown suggestion', async () => {
      const { editor, stream, shown } = await shownWhileStreaming();
      const grew = track(shown.update!);
      void editor.type('x');
      await settle();
      assert.equal(stream.aborted, true);
      assert.equal(grew.value, false);
    });

    it('a dismissed suggestion stops its stream and is not offered again', async () => {
      const { model, engine, editor, stream, shown } = await shownWhileStreaming();
      const grew = track(shown.update!);
      engine.dismiss('file:///w/src/a.ts');
      await settle();
      assert.equal(stream.aborted, true);
      assert.equal(grew.value, false);
      void editor.complete('explicit');
      await settle();
      assert.equal(model.calls, 2, 'asked afresh');
    });
  });

  describe('stopping the stream', () => {
    it('asks for the single-line token budget in single-line mode, the larger one for several lines', async () => {
      const { clock, model, engine } = setup({ settings: { maxTokens: 100, singleLineMaxTokens: 20 } });
      void new Editor('const total = comp‸', engine).complete();
      await clock.advance(100);
      assert.equal(model.last.request.maxTokens, 20);
      void new Editor('function f() {\n  ‸\n}', engine, 'file:///w/b.ts').complete();
      await clock.advance(100);
      assert.equal(model.last.request.maxTokens, 100);
    });

    it('single-line mode aborts the request at the end of the first line', async () => {
      const { clock, model, engine, events } = setup();
      const editor = new Editor('const a = x‸', engine);
      const result = track(editor.complete());
      await clock.advance(100);
      model.last.push('yz', '(1);', '\n');
      await settle();
      assert.equal(model.last.aborted, true, 'aborted without waiting for num_predict');
      assert.equal(model.last.ended, false);
      assert.equal(result.value?.text, 'yz(1);');
      assert.equal(finished(events)[0]?.outcome, 'enough');
    });

    it('multi-line mode on an empty line in a block stops where the block closes', async () => {
      const { model, engine } = setup();
      const editor = new Editor('function f() {\n  ‸\n}', engine);
      const result = track(editor.complete());
      await settle();
      model.last.push('const a = 1;\n', '  return a;\n');
      await settle();
      assert.equal(model.last.aborted, false);
      model.last.push('}\n');
      await settle();
      assert.equal(model.last.aborted, true);
      assert.equal(await result.value?.update, true);
      assert.equal((await editor.complete())?.text, 'const a = 1;\n  return a;');
    });

    it('multi-line mode stops a line that runs past the single-line budget, and shows its whole words', async () => {
      // Estimated tokens are characters / 3.5, rounded up: a 10-token line ends at 32 characters.
      const { model, engine, events } = setup({ settings: { maxTokens: 200, singleLineMaxTokens: 10 } });
      const editor = new Editor('function f() {\n  ‸\n}', engine);
      const result = track(editor.complete());
      await settle();
      model.last.push('const a = 1;\n', '  const b = ', 'compute(first');
      await settle();
      assert.equal(model.last.aborted, false, '25 characters on the second line');
      model.last.push(', secondAndLo');
      await settle();
      assert.equal(model.last.aborted, true, '38 characters');
      assert.equal(finished(events)[0]?.outcome, 'enough');
      assert.equal(await result.value?.update, true);
      assert.equal((await editor.complete())?.text, 'const a = 1;\n  const b = compute(first,', 'the cut word is not offered');
    });

    it('a stream that used its whole token budget is shown up to its last whole word; one the model ended, whole', async () => {
      const { clock, model, engine } = setup({ settings: { singleLineMaxTokens: 3 } });
      const cutEditor = new Editor('const a = ‸', engine);
      const cut = track(cutEditor.complete());
      await clock.advance(100);
      model.last.push('compute', '(first', 'Val');
      model.last.end({ promptTokens: 10, generatedTokens: 3, engineMs: 5 });
      await settle();
      await cut.value?.update;
      assert.equal((await cutEditor.complete())?.text, 'compute(');
      const endedEditor = new Editor('const b = ‸', engine, 'file:///w/b.ts');
      void endedEditor.complete();
      await clock.advance(100);
      model.last.push('compute', 'Val');
      model.last.end({ promptTokens: 10, generatedTokens: 2, engineMs: 5 });
      await settle();
      assert.equal((await endedEditor.complete())?.text, 'computeVal');
    });

    it('respects multiline "never"', async () => {
      const { model, engine } = setup({ settings: { multiline: 'never' } });
      const result = track(new Editor('function f() {\n  ‸\n}', engine).complete());
      await settle();
      model.last.push('const a = 1;\n');
      await settle();
      assert.equal(model.last.aborted, true);
      assert.equal(result.value?.text, 'const a = 1;');
    });

    it('stops a request at the time limit, without retrying; what was shown stays as it was', async () => {
      const { clock, model, engine, events } = setup({ settings: { requestTimeoutMs: 1000 } });
      const result = track(new Editor('call(‸', engine).complete());
      await clock.advance(100);
      model.last.push('a, b');
      await clock.advance(999);
      assert.equal(model.last.aborted, false);
      await clock.advance(1);
      assert.equal(model.last.aborted, true);
      assert.equal(result.value?.text, 'a,', 'whole words were shown while it streamed');
      assert.equal(await result.value?.update, false, 'a timed-out line does not grow');
      assert.equal(finished(events)[0]?.outcome, 'timeout');
      await clock.advance(5000);
      assert.equal(model.calls, 1);
    });
  });

  describe('circuit breaker for the local engine', () => {
    it('opens after consecutive connection failures, probes after the cooldown, closes on success', async () => {
      const { clock, model, engine, events } = setup({ deps: { breaker: { failureThreshold: 3, cooldownMs: 10_000 } } });
      let healthy = false;
      model.onRequest = (s) => {
        if (healthy) {
          s.push('ok();');
          s.end();
        }
        else s.fail(new EndpointUnreachableError('local Ollama', 'ECONNREFUSED'));
      };
      const editor = new Editor('run(‸', engine);
      for (let i = 0; i < 3; i++) assert.equal(await editor.complete('explicit'), undefined);
      assert.equal(engine.engineState, 'down');
      assert.deepEqual(events.filter((e) => e.type === 'engineDown').length, 1);
      assert.equal(await editor.complete('explicit'), undefined);
      assert.equal(model.calls, 3, 'no request while open');

      await clock.advance(10_000);
      assert.equal(engine.engineState, 'probing');
      assert.equal(await editor.complete('explicit'), undefined);
      assert.equal(model.calls, 4, 'one probe');
      assert.equal(engine.engineState, 'down', 'a failed probe re-opens at once');
      assert.equal(events.filter((e) => e.type === 'engineDown').length, 1, 'reported once');

      await clock.advance(10_000);
      healthy = true;
      assert.equal((await editor.complete('explicit'))?.text, 'ok();');
      assert.equal(engine.engineState, 'up');
      assert.equal(events.filter((e) => e.type === 'engineUp').length, 1);
    });

    it('other failures do not open it', async () => {
      const { model, engine } = setup({ deps: { breaker: { failureThreshold: 2, cooldownMs: 10_000 } } });
      model.onRequest = (s) => s.fail(new Error('model "x" not found'));
      for (let i = 0; i < 4; i++) await new Editor('run(‸', engine).complete('explicit');
      assert.equal(engine.engineState, 'up');
      assert.equal(model.calls, 4);
    });
  });

  describe('policy and context', () => {
    it('never completes in a file the policy excludes', async () => {
      const { clock, model, engine } = setup({ deps: { isAllowedAsContext: (f) => !f.relativePath.endsWith('.env') } });
      const { document, position } = docWithCursor('API_KEY=‸', { uri: 'file:///w/.env', path: '.env', languageId: 'dotenv' });
      assert.equal(await engine.complete({ document, position, trigger: 'explicit' }), undefined);
      await clock.advance(1000);
      assert.equal(model.calls, 0);
    });

    it('asks for snippets only when a request is sent, and leaves excluded files out', async () => {
      let asked = 0;
      const snippets: ContextSnippet[] = [
        { uri: 'file:///w/secret.ts', relativePath: 'secrets/keys.ts', languageId: 'typescript', text: 'export const KEY = "sk-live";', changedAt: 1 },
        { uri: 'file:///w/util.ts', relativePath: 'util.ts', languageId: 'typescript', text: 'export function helper() {}', changedAt: 2 },
      ];
      const { clock, model, engine, events } = setup({
        deps: {
          isAllowedAsContext: (f) => !f.relativePath.startsWith('secrets/'),
          snippets: { snippetsFor: () => (asked++, snippets) },
        },
      });
      const editor = new Editor('const v = ‸x', engine);
      for (const ch of 'help') {
        void editor.type(ch);
        await clock.advance(50);
      }
      assert.equal(asked, 0, 'not before the debounce');
      await clock.advance(100);
      assert.equal(asked, 1);
      const prompt = model.last.request.prompt;
      assert.ok(prompt.includes('export function helper() {}'));
      assert.ok(!prompt.includes('sk-live'));
      const started = events.find((e) => e.type === 'requestStarted');
      assert.deepEqual(started?.type === 'requestStarted' && started.snippetFiles.map((f) => f.relativePath), ['util.ts']);
    });

    it('sends prefix and suffix through Ollama\'s suffix parameter when the model declares insert', async () => {
      const { model, engine } = setup();
      void new Editor('function f(a) {\n  return g(‸);\n}', engine).complete('explicit');
      await settle();
      const request = model.last.request;
      assert.equal(request.raw, false);
      assert.equal(request.prompt, '// Path: src/a.ts (typescript)\nfunction f(a) {\n  return g(');
      assert.equal(request.suffix, ');\n}');
      assert.deepEqual(request.stop, FAMILY_TEMPLATES.qwen.stops);
      assert.equal(request.model, MODEL);
    });

    it('renders the family template raw otherwise', async () => {
      const { model, engine } = setup({ settings: { format: rawFormat } });
      void new Editor('f(‸)', engine).complete('explicit');
      await settle();
      const request = model.last.request;
      assert.equal(request.raw, true);
      assert.equal(request.suffix, undefined);
      assert.equal(request.prompt, '<|fim_prefix|>// Path: src/a.ts (typescript)\nf(<|fim_suffix|>)<|fim_middle|>');
    });
  });

  describe('edge inputs and settings', () => {
    it('makes no request for binary-looking content', async () => {
      const { clock, model, engine } = setup();
      assert.equal(await new Editor('\u0000\u0001ELF\u0000(‸', engine).complete('explicit'), undefined);
      await clock.advance(1000);
      assert.equal(model.calls, 0);
    });

    it('empties the cache when the model changes', async () => {
      const { clock, model, engine } = setup();
      const editor = new Editor('const total = ‸', engine);
      void editor.complete();
      await clock.advance(100);
      model.last.push('compute();', '\n');
      await settle();
      void editor.type('z');
      await clock.advance(100);
      model.last.push('ero;', '\n');
      await settle();
      assert.equal(model.calls, 2);
      engine.updateSettings({ ...DEFAULT_COMPLETION_SETTINGS, model: 'other-coder', format: insertFormat, debounce: 100 });
      void editor.backspace();
      await clock.advance(100);
      assert.equal(model.calls, 3, 'the old model\'s cached suggestion is not reused');
      assert.equal(model.last.request.model, 'other-coder');
    });
  });

  describe('events and acceptance', () => {
    it('reports request timing, tokens, the shown suggestion and its acceptance', async () => {
      const { clock, model, engine, events } = setup();
      const editor = new Editor('const total = sum‸', engine);
      const result = track(editor.complete());
      await clock.advance(100);
      await clock.advance(30);
      model.last.push('(a, b);');
      await clock.advance(20);
      model.last.push('\n');
      await settle();
      const [started, shown, done] = events;
      assert.equal(started?.type, 'requestStarted');
      assert.ok(started?.type === 'requestStarted' && started.promptTokens > 0);
      assert.ok(done?.type === 'requestFinished');
      assert.equal(done.outcome, 'enough');
      assert.equal(done.latencyMs, 50);
      assert.equal(done.firstChunkMs, 30);
      assert.equal(done.generatedTokens, 2);
      assert.ok(shown?.type === 'suggestionShown');
      assert.equal(shown.latencyMs, 130, 'keystroke to suggestion = debounce + time to the first whole words');
      assert.equal(shown.requestId, done.requestId);
      engine.accept(result.value!.id, result.value!.text.length);
      const accepted = events.at(-1);
      assert.ok(accepted?.type === 'suggestionAccepted');
      assert.equal(accepted.suggestionId, result.value!.id);
      assert.equal(accepted.characters, '(a, b);'.length);
    });

    it('uses the engine\'s own token count and time when it reports them', async () => {
      const { clock, model, engine, events } = setup({ settings: { multiline: 'always' } });
      void new Editor('f(‸', engine).complete();
      await clock.advance(100);
      model.last.push('a)');
      model.last.end({ promptTokens: 321, generatedTokens: 7, engineMs: 42 });
      await settle();
      const done = finished(events)[0]!;
      assert.deepEqual([done.outcome, done.promptTokens, done.generatedTokens, done.engineMs], ['completed', 321, 7, 42]);
    });

    it('returns suggestions with the document\'s CRLF line ends', async () => {
      const { model, engine } = setup();
      const editor = new Editor('function f() {\r\n  ‸\r\n}\r\n', engine);
      const result = track(editor.complete());
      await settle();
      model.last.push('a();\n  b();\n}\n');
      await settle();
      assert.equal(result.value?.text, 'a();\r\n  b();');
    });

    it('dispose aborts what is running', async () => {
      const { clock, model, engine } = setup();
      void new Editor('f(‸', engine).complete();
      await clock.advance(100);
      engine.dispose();
      await settle();
      assert.equal(model.last.aborted, true);
    });
  });
});
