// Runs the generated models in llama.cpp (node-llama-cpp, CPU only, fully offline). One context
// sequence per loaded model and one queue for all of them: like a single Ollama slot, requests run
// one at a time. The prompt is evaluated in chunks with an abort check between them, so a
// cancelled request gives the CPU back within one chunk instead of after the whole prompt.
import {
  getLlama,
  LlamaCompletion,
  LlamaLogLevel,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';

export interface RuntimeOptions {
  threads: number;
  contextSize: number;
}

/**
 * Prompt chunks grow while they take less than about this long, so an abort lands within one
 * chunk. Each call into llama.cpp has a fixed cost that balloons on a busy machine, so chunks
 * never go below 64 tokens (the 20M model evaluates 64 tokens in about 25 ms on one core).
 */
const PROMPT_CHUNK_TARGET_MS = 25;
const PROMPT_CHUNK_MIN = 64;
const PROMPT_CHUNK_MAX = 1024;

export interface Sampling {
  /** Negative: as many as the context allows. */
  maxTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed?: number;
  stop: readonly string[];
}

export interface GenerationResult {
  text: string;
  /** Prompt tokens followed by generated tokens. */
  tokens: Token[];
  promptTokens: number;
  /** Prompt tokens already in the KV cache from the previous request. */
  reusedTokens: number;
  generatedTokens: number;
  stopReason: 'length' | 'stop' | 'abort';
  /** Epoch ms: the request got the model (after waiting in the queue). */
  startedAt: number;
  firstTokenAt?: number;
  /** Epoch ms: the model stopped working on this request. */
  stoppedAt: number;
  loadMs: number;
  promptEvalMs: number;
  evalMs: number;
}

interface LoadedModel {
  model: LlamaModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
}

/** Serializes async jobs: each starts when the previous one has settled. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job, job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export class LlamaRuntime {
  private llama: Promise<Llama> | undefined;
  private readonly loaded = new Map<string, LoadedModel>();
  private readonly expiry = new Map<string, { at: number; timer?: NodeJS.Timeout }>();
  private readonly queue = new SerialQueue();

  constructor(private readonly options: RuntimeOptions) {}

  /** Epoch ms at which `name` will be unloaded; Infinity when kept forever; undefined when not loaded. */
  expiresAt(name: string): number | undefined {
    return this.loaded.has(name) ? (this.expiry.get(name)?.at ?? Infinity) : undefined;
  }

  /** Unloads `name` after `ms` without use (0: now, Infinity: never), like Ollama's keep_alive. */
  keepAlive(name: string, ms: number): void {
    clearTimeout(this.expiry.get(name)?.timer);
    this.expiry.delete(name);
    if (ms <= 0) {
      void this.unload(name);
      return;
    }
    if (ms === Infinity) {
      this.expiry.set(name, { at: Infinity });
      return;
    }
    // A request queued before the timer fired may renew the keep-alive: unload only if it did not.
    const timer: NodeJS.Timeout = setTimeout(() => void this.queue.run(async () => (this.expiry.get(name)?.timer === timer ? this.unloadNow(name) : undefined)), ms);
    timer.unref();
    this.expiry.set(name, { at: Date.now() + ms, timer });
  }

  /** Loads `file` under `name` if needed; returns the time spent loading (0 when already loaded). */
  load(name: string, file: string): Promise<number> {
    return this.queue.run(() => this.loadNow(name, file));
  }

  unload(name: string): Promise<void> {
    return this.queue.run(() => this.unloadNow(name));
  }

  generate(name: string, file: string, prompt: string, sampling: Sampling, signal: AbortSignal, onText: (text: string) => void): Promise<GenerationResult> {
    return this.queue.run(async () => {
      const startedAt = Date.now();
      if (signal.aborted) return abortedBeforeStart(startedAt);
      const loadMs = await this.loadNow(name, file);
      const { model, context, sequence } = this.loaded.get(name)!;
      let tokens = model.tokenize(prompt, true);
      if (tokens.length === 0 && model.tokens.bos !== null) tokens = [model.tokens.bos];
      // Like Ollama: a prompt that does not fit keeps its end and leaves room to generate.
      const promptLimit = context.contextSize - Math.max(1, Math.floor(context.contextSize / 10));
      if (tokens.length > promptLimit) tokens = tokens.slice(-promptLimit);

      const promptStart = performance.now();
      const head = tokens.slice(0, -1);
      await sequence.adaptStateToTokens(head, false);
      const reusedTokens = sequence.nextTokenIndex;
      let chunk = PROMPT_CHUNK_MIN;
      for (let next = reusedTokens; next < head.length && !signal.aborted; ) {
        const slice = head.slice(next, next + chunk);
        const chunkStart = performance.now();
        await sequence.evaluateWithoutGeneratingNewTokens(slice);
        next += slice.length;
        const chunkMs = performance.now() - chunkStart;
        if (chunkMs < PROMPT_CHUNK_TARGET_MS / 2) chunk = Math.min(PROMPT_CHUNK_MAX, chunk * 2);
        else if (chunkMs > PROMPT_CHUNK_TARGET_MS) chunk = Math.max(PROMPT_CHUNK_MIN, Math.floor(chunk / 2));
      }
      const room = context.contextSize - tokens.length - 1;
      const maxTokens = sampling.maxTokens < 0 ? room : Math.min(sampling.maxTokens, room);
      const generated: Token[] = [];
      let firstTokenAt: number | undefined;
      let firstTokenPerf = 0;
      let text = '';
      let stopReason: GenerationResult['stopReason'] = 'abort';
      if (!signal.aborted && maxTokens <= 0) stopReason = 'length';
      else if (!signal.aborted) {
        const completion = new LlamaCompletion({ contextSequence: sequence });
        try {
          const { response, metadata } = await completion.generateCompletionWithMeta(tokens, {
            maxTokens,
            temperature: sampling.temperature,
            topK: sampling.topK,
            topP: sampling.topP,
            seed: sampling.seed,
            customStopTriggers: sampling.stop.length ? sampling.stop : undefined,
            signal,
            stopOnAbortSignal: true,
            onToken: (t) => {
              generated.push(...t);
              if (firstTokenAt === undefined) {
                firstTokenAt = Date.now();
                firstTokenPerf = performance.now();
              }
            },
            onTextChunk: (chunk) => {
              if (chunk) onText(chunk);
            },
          });
          text = response;
          stopReason = metadata.stopReason === 'abort' ? 'abort' : metadata.stopReason === 'maxTokens' ? 'length' : 'stop';
        } finally {
          completion.dispose({ disposeSequence: false });
        }
      }
      const end = performance.now();
      return {
        text,
        tokens: [...tokens, ...generated],
        promptTokens: tokens.length,
        reusedTokens,
        generatedTokens: generated.length,
        stopReason,
        startedAt,
        firstTokenAt,
        stoppedAt: Date.now(),
        loadMs,
        promptEvalMs: (firstTokenAt === undefined ? end : firstTokenPerf) - promptStart,
        evalMs: firstTokenAt === undefined ? 0 : end - firstTokenPerf,
      };
    });
  }

  async dispose(): Promise<void> {
    for (const { timer } of this.expiry.values()) clearTimeout(timer);
    this.expiry.clear();
    await this.queue.run(async () => {
      for (const name of [...this.loaded.keys()]) await this.unloadNow(name);
      if (this.llama) await (await this.llama).dispose();
      this.llama = undefined;
    });
  }

  private async loadNow(name: string, file: string): Promise<number> {
    if (this.loaded.has(name)) return 0;
    const started = performance.now();
    this.llama ??= getLlama({
      gpu: false,
      build: 'never',
      skipDownload: true,
      usePrebuiltBinaries: true,
      progressLogs: false,
      logLevel: LlamaLogLevel.error,
      maxThreads: this.options.threads,
    });
    const model = await (await this.llama).loadModel({ modelPath: file });
    const context = await model.createContext({
      contextSize: Math.min(this.options.contextSize, model.trainContextSize),
      threads: this.options.threads,
      sequences: 1,
    });
    this.loaded.set(name, { model, context, sequence: context.getSequence() });
    return performance.now() - started;
  }

  private async unloadNow(name: string): Promise<void> {
    clearTimeout(this.expiry.get(name)?.timer);
    this.expiry.delete(name);
    const entry = this.loaded.get(name);
    if (!entry) return;
    this.loaded.delete(name);
    await entry.context.dispose();
    await entry.model.dispose();
  }
}

function abortedBeforeStart(at: number): GenerationResult {
  return {
    text: '',
    tokens: [],
    promptTokens: 0,
    reusedTokens: 0,
    generatedTokens: 0,
    stopReason: 'abort',
    startedAt: at,
    stoppedAt: at,
    loadMs: 0,
    promptEvalMs: 0,
    evalMs: 0,
  };
}
