// Ollama's REST API (the subset Tandem and the `ollama` npm client use), answered by llama.cpp.
import { DEFAULT_MAX_TOKENS, generateForRequest, type GenerationDeps } from './generation';
import type { CachedModel, ModelCache } from './gguf/model-cache';
import { PRESETS, TRAIN_CONTEXT_LENGTH } from './gguf/tiny-model';
import type { Sampling } from './llama-runtime';
import type { ModelRegistry, ServedModel } from './model-registry';
import { chatPrompt, fimPrompt, OLLAMA_TEMPLATE, STOP_SEQUENCES, type ChatTurn } from './qwen-format';
import type { Reply } from './reply';
import type { RequestLogEntry } from './server';

const OLLAMA_VERSION = '0.12.0';
const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;
const NS_PER_MS = 1e6;

export interface OllamaDeps extends GenerationDeps {
  registry: ModelRegistry;
  cache: ModelCache;
}

interface OllamaOptions {
  num_predict?: number;
  temperature?: number;
  top_k?: number;
  top_p?: number;
  seed?: number;
  stop?: string[];
}

interface GenerateBody {
  model?: string;
  prompt?: string;
  suffix?: string;
  system?: string;
  raw?: boolean;
  stream?: boolean;
  options?: OllamaOptions;
  keep_alive?: string | number;
}

interface ChatBody {
  model?: string;
  messages?: { role: string; content?: string }[];
  stream?: boolean;
  options?: OllamaOptions;
  keep_alive?: string | number;
}

export function ollamaError(reply: Reply, status: number, message: string): void {
  reply.json(status, { error: message });
}

export async function serveOllama(deps: OllamaDeps, method: string, path: string, body: unknown, entry: RequestLogEntry, reply: Reply): Promise<void> {
  const read = method === 'GET' || method === 'HEAD';
  if (read && path === '/') return reply.text(200, 'Ollama is running');
  if (read && path === '/api/version') return reply.json(200, { version: OLLAMA_VERSION });
  if (read && path === '/api/tags') return reply.json(200, { models: deps.registry.list().map(tagOf) });
  if (read && path === '/api/ps') return reply.json(200, { models: runningModels(deps) });
  if (method === 'POST') {
    if (path === '/api/show') return show(deps, body as { model?: string; name?: string }, reply);
    if (path === '/api/generate') return generate(deps, body as GenerateBody, entry, reply);
    if (path === '/api/chat') return chat(deps, body as ChatBody, entry, reply);
    if (path === '/api/pull') return pull(deps, body as { model?: string; name?: string; stream?: boolean }, reply);
  }
  reply.text(404, '404 page not found');
}

function parameterSize(parameters: number): string {
  return parameters >= 1e9 ? `${(parameters / 1e9).toFixed(1)}B` : `${(parameters / 1e6).toFixed(1)}M`;
}

function detailsOf(model: CachedModel) {
  return {
    parent_model: '',
    format: 'gguf',
    family: 'qwen2',
    families: ['qwen2'],
    parameter_size: parameterSize(model.parameters),
    quantization_level: 'Q8_0',
  };
}

function tagOf(served: ServedModel) {
  return {
    name: served.name,
    model: served.name,
    modified_at: served.modifiedAt.toISOString(),
    size: served.model.bytes,
    digest: served.model.sha256,
    details: detailsOf(served.model),
  };
}

function runningModels(deps: OllamaDeps) {
  return deps.registry.list().flatMap((served) => {
    const expiresAt = deps.runtime.expiresAt(served.name);
    if (expiresAt === undefined) return [];
    return [
      {
        ...tagOf(served),
        expires_at: new Date(expiresAt === Infinity ? Date.UTC(2318, 0, 1) : expiresAt).toISOString(),
        size_vram: 0,
      },
    ];
  });
}

function show(deps: OllamaDeps, body: { model?: string; name?: string }, reply: Reply): void {
  const name = body.model ?? body.name;
  const served = deps.registry.find(name);
  if (!served) return ollamaError(reply, 404, `model '${name}' not found`);
  const h = PRESETS[served.model.preset];
  const parameters = STOP_SEQUENCES.map((s) => `stop                           "${s}"`).join('\n');
  reply.json(200, {
    license: '',
    modelfile: `FROM ${served.model.path}\nTEMPLATE """${OLLAMA_TEMPLATE}"""\n${STOP_SEQUENCES.map((s) => `PARAMETER stop ${s}`).join('\n')}\n`,
    parameters,
    template: OLLAMA_TEMPLATE,
    details: detailsOf(served.model),
    model_info: {
      'general.architecture': 'qwen2',
      'general.parameter_count': served.model.parameters,
      'qwen2.context_length': TRAIN_CONTEXT_LENGTH,
      'qwen2.embedding_length': h.dim,
      'qwen2.block_count': h.layers,
      'qwen2.feed_forward_length': h.feedForward,
      'qwen2.attention.head_count': h.heads,
      'qwen2.attention.head_count_kv': h.kvHeads,
      'tokenizer.ggml.model': 'gpt2',
      'tokenizer.ggml.pre': 'qwen2',
    },
    capabilities: ['completion', 'insert'],
    modified_at: served.modifiedAt.toISOString(),
  });
}

/** Ollama's keep_alive: seconds as a number or numeric string, or a Go duration ("5m", "1h30m", "300ms"); negative = forever. */
function keepAliveMs(value: string | number | undefined): number {
  if (value === undefined || value === '') return DEFAULT_KEEP_ALIVE_MS;
  if (typeof value === 'number') return value < 0 ? Infinity : value * 1000;
  if (/^-?\d+(\.\d+)?$/.test(value)) return keepAliveMs(Number(value));
  if (value.startsWith('-')) return Infinity;
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  for (const [, n, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(n) * unitMs[unit];
  return ms;
}

function samplingOf(options: OllamaOptions | undefined): Sampling {
  return {
    maxTokens: options?.num_predict ?? DEFAULT_MAX_TOKENS,
    temperature: options?.temperature ?? 0.8,
    topK: options?.top_k ?? 40,
    topP: options?.top_p ?? 0.9,
    seed: options?.seed,
    stop: options?.stop ?? [],
  };
}

function generatePrompt(body: GenerateBody): string {
  if (body.raw) return body.prompt ?? '';
  if (body.suffix) return fimPrompt(body.prompt ?? '', body.suffix);
  const turns: ChatTurn[] = body.system ? [{ role: 'system', content: body.system }] : [];
  return chatPrompt([...turns, { role: 'user', content: body.prompt ?? '' }]);
}

function generate(deps: OllamaDeps, body: GenerateBody, entry: RequestLogEntry, reply: Reply): Promise<void> {
  const loadOnly = !body.prompt && !body.suffix;
  return respond(deps, 'generate', body, loadOnly ? undefined : generatePrompt(body), entry, reply);
}

function chat(deps: OllamaDeps, body: ChatBody, entry: RequestLogEntry, reply: Reply): Promise<void> {
  const messages = body.messages ?? [];
  const prompt = messages.length ? chatPrompt(messages.map((m) => ({ role: m.role, content: m.content ?? '' }))) : undefined;
  return respond(deps, 'chat', body, prompt, entry, reply);
}

/** Shared by generate and chat; `prompt` undefined means "load (or unload) the model only", like Ollama. */
async function respond(
  deps: OllamaDeps,
  kind: 'generate' | 'chat',
  body: GenerateBody & ChatBody,
  prompt: string | undefined,
  entry: RequestLogEntry,
  reply: Reply,
): Promise<void> {
  if (!body.model) return ollamaError(reply, 400, 'model is required');
  const served = deps.registry.find(body.model);
  if (!served) return ollamaError(reply, 404, `model '${body.model}' not found`);
  const keepAlive = keepAliveMs(body.keep_alive);
  const createdAt = () => new Date().toISOString();
  const payload = (text: string) => (kind === 'generate' ? { response: text } : { message: { role: 'assistant', content: text } });

  if (prompt === undefined) {
    if (keepAlive === 0) {
      await deps.runtime.unload(served.name);
      return reply.json(200, { model: body.model, created_at: createdAt(), ...payload(''), done: true, done_reason: 'unload' });
    }
    const loadMs = await deps.runtime.load(served.name, served.model.path);
    deps.runtime.keepAlive(served.name, keepAlive);
    return reply.json(200, { model: body.model, created_at: createdAt(), ...payload(''), done: true, done_reason: 'load', load_duration: Math.round(loadMs * NS_PER_MS) });
  }

  const stream = body.stream ?? true;
  if (stream) reply.startStream('application/x-ndjson');
  const line = (obj: object) => reply.write(JSON.stringify(obj) + '\n');
  try {
    const result = await generateForRequest(deps, entry, served, prompt, samplingOf(body.options), reply, (text) => {
      if (stream) line({ model: body.model, created_at: createdAt(), ...payload(text), done: false });
    });
    deps.runtime.keepAlive(served.name, keepAlive);
    if (result.stopReason === 'abort') return;
    const final = {
      model: body.model,
      created_at: createdAt(),
      ...payload(stream ? '' : result.text),
      done: true,
      done_reason: result.stopReason,
      ...(kind === 'generate' && !body.raw ? { context: result.tokens.map(Number) } : {}),
      total_duration: Math.round((Date.now() - entry.arrivedAt) * NS_PER_MS),
      load_duration: Math.round(result.loadMs * NS_PER_MS),
      prompt_eval_count: result.promptTokens,
      prompt_eval_duration: Math.round(result.promptEvalMs * NS_PER_MS),
      eval_count: result.generatedTokens,
      eval_duration: Math.round(result.evalMs * NS_PER_MS),
    };
    if (stream) {
      line(final);
      reply.end();
    } else reply.json(200, final);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!stream) return ollamaError(reply, 500, message);
    line({ error: message });
    reply.end();
  }
}

async function pull(deps: OllamaDeps, body: { model?: string; name?: string; stream?: boolean }, reply: Reply): Promise<void> {
  const name = body.model ?? body.name ?? '';
  const stream = body.stream ?? true;
  const progress = (obj: object) => {
    if (stream) reply.write(JSON.stringify(obj) + '\n');
  };
  if (stream) reply.startStream('application/x-ndjson');
  progress({ status: 'pulling manifest' });
  const existing = deps.registry.find(name);
  const preset = existing?.model.preset ?? deps.registry.pullablePreset(name);
  if (!preset) {
    const message = 'pull model manifest: file does not exist';
    if (!stream) return ollamaError(reply, 500, message);
    progress({ error: message });
    return reply.end();
  }
  const digest = `sha256:${deps.cache.contentKey(preset)}`;
  const model = await deps.cache.ensure(preset, (completed, total) => progress({ status: `pulling ${digest.slice(7, 19)}`, digest, total, completed }));
  progress({ status: 'verifying sha256 digest' });
  progress({ status: 'writing manifest' });
  if (!existing) deps.registry.add(name, model);
  if (!stream) return reply.json(200, { status: 'success' });
  progress({ status: 'success' });
  reply.end();
}
