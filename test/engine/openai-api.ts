// The OpenAI-compatible API (chat and legacy completions, SSE streaming), answered by llama.cpp.
import { DEFAULT_MAX_TOKENS, generateForRequest, type GenerationDeps } from './generation';
import type { GenerationResult, Sampling } from './llama-runtime';
import type { ModelRegistry } from './model-registry';
import { chatPrompt, fimPrompt } from './qwen-format';
import type { Reply } from './reply';
import type { RequestLogEntry } from './server';

export interface OpenAiDeps extends GenerationDeps {
  registry: ModelRegistry;
  apiKey?: string;
}

type ContentPart = { type: string; text?: string };

interface CommonBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  temperature?: number;
  top_p?: number;
  seed?: number;
  stop?: string | string[] | null;
  max_tokens?: number;
}

interface ChatCompletionBody extends CommonBody {
  messages?: { role: string; content?: string | ContentPart[] | null }[];
  max_completion_tokens?: number;
}

interface CompletionBody extends CommonBody {
  prompt?: string | string[];
  suffix?: string;
}

export function openAiError(reply: Reply, status: number, message: string, type: string, code: string | null, headers: Record<string, string> = {}): void {
  reply.json(status, { error: { message, type, param: null, code } }, headers);
}

export async function serveOpenAi(deps: OpenAiDeps, method: string, path: string, headers: RequestLogEntry['headers'], body: unknown, entry: RequestLogEntry, reply: Reply): Promise<void> {
  if (deps.apiKey !== undefined) {
    const auth = headers.authorization;
    if (auth !== `Bearer ${deps.apiKey}`) {
      const message = auth ? 'Incorrect API key provided.' : "You didn't provide an API key. Provide it in the Authorization header (Bearer auth).";
      return openAiError(reply, 401, message, 'invalid_request_error', 'invalid_api_key');
    }
  }
  if (method === 'GET' && path === '/v1/models') {
    const data = deps.registry.list().map((m) => ({ id: m.name, object: 'model', created: Math.floor(m.modifiedAt.getTime() / 1000), owned_by: 'library' }));
    return reply.json(200, { object: 'list', data });
  }
  if (method === 'POST' && path === '/v1/chat/completions') return chatCompletions(deps, body as ChatCompletionBody, entry, reply);
  if (method === 'POST' && path === '/v1/completions') return completions(deps, body as CompletionBody, entry, reply);
  openAiError(reply, 404, `Unknown request URL: ${method} ${path}.`, 'invalid_request_error', 'unknown_url');
}

function samplingOf(body: CommonBody, maxTokens: number): Sampling {
  return {
    maxTokens,
    temperature: body.temperature ?? 1,
    topK: 40,
    topP: body.top_p ?? 1,
    seed: body.seed,
    stop: body.stop == null ? [] : Array.isArray(body.stop) ? body.stop : [body.stop],
  };
}

function textOf(content: string | ContentPart[] | null | undefined): string {
  if (typeof content === 'string') return content;
  return (content ?? []).map((p) => (p.type === 'text' ? (p.text ?? '') : '')).join('');
}

function usageOf(result: GenerationResult) {
  return { prompt_tokens: result.promptTokens, completion_tokens: result.generatedTokens, total_tokens: result.promptTokens + result.generatedTokens };
}

const finishReason = (result: GenerationResult) => (result.stopReason === 'length' ? 'length' : 'stop');

function chatCompletions(deps: OpenAiDeps, body: ChatCompletionBody, entry: RequestLogEntry, reply: Reply): Promise<void> {
  if (!body.messages?.length) {
    openAiError(reply, 400, "'messages' must contain at least one message.", 'invalid_request_error', null);
    return Promise.resolve();
  }
  const prompt = chatPrompt(body.messages.map((m) => ({ role: m.role, content: textOf(m.content) })));
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS;
  return respond(deps, body, prompt, samplingOf(body, maxTokens), entry, reply, {
    id: `chatcmpl-${entry.id}`,
    object: 'chat.completion',
    chunkObject: 'chat.completion.chunk',
    streamChoice: (text, first) => ({ index: 0, delta: first ? { role: 'assistant', content: text } : { content: text }, finish_reason: null }),
    finalStreamChoice: (result) => ({ index: 0, delta: {}, finish_reason: finishReason(result) }),
    choice: (result) => ({ index: 0, message: { role: 'assistant', content: result.text }, logprobs: null, finish_reason: finishReason(result) }),
  });
}

function completions(deps: OpenAiDeps, body: CompletionBody, entry: RequestLogEntry, reply: Reply): Promise<void> {
  const text = Array.isArray(body.prompt) ? body.prompt.join('') : (body.prompt ?? '');
  const prompt = body.suffix ? fimPrompt(text, body.suffix) : text;
  return respond(deps, body, prompt, samplingOf(body, body.max_tokens ?? 16), entry, reply, {
    id: `cmpl-${entry.id}`,
    object: 'text_completion',
    chunkObject: 'text_completion',
    streamChoice: (chunk) => ({ index: 0, text: chunk, logprobs: null, finish_reason: null }),
    finalStreamChoice: (result) => ({ index: 0, text: '', logprobs: null, finish_reason: finishReason(result) }),
    choice: (result) => ({ index: 0, text: result.text, logprobs: null, finish_reason: finishReason(result) }),
  });
}

interface ResponseShape {
  id: string;
  object: string;
  chunkObject: string;
  streamChoice(text: string, first: boolean): object;
  finalStreamChoice(result: GenerationResult): object;
  choice(result: GenerationResult): object;
}

async function respond(deps: OpenAiDeps, body: CommonBody, prompt: string, sampling: Sampling, entry: RequestLogEntry, reply: Reply, shape: ResponseShape): Promise<void> {
  const served = deps.registry.find(body.model);
  if (!served) return openAiError(reply, 404, `The model \`${body.model}\` does not exist.`, 'invalid_request_error', 'model_not_found');
  const created = Math.floor(Date.now() / 1000);
  const envelope = { id: shape.id, created, model: body.model, system_fingerprint: 'fp_tandem_engine' };
  const stream = body.stream ?? false;
  const event = (data: object | string) => reply.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  if (stream) reply.startStream('text/event-stream');
  let first = true;
  try {
    const result = await generateForRequest(deps, entry, served, prompt, sampling, reply, (text) => {
      if (!stream) return;
      event({ ...envelope, object: shape.chunkObject, choices: [shape.streamChoice(text, first)] });
      first = false;
    });
    if (result.stopReason === 'abort') return;
    if (!stream) return reply.json(200, { ...envelope, object: shape.object, choices: [shape.choice(result)], usage: usageOf(result) });
    event({ ...envelope, object: shape.chunkObject, choices: [shape.finalStreamChoice(result)] });
    if (body.stream_options?.include_usage) event({ ...envelope, object: shape.chunkObject, choices: [], usage: usageOf(result) });
    event('[DONE]');
    reply.end();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!stream) return openAiError(reply, 500, message, 'server_error', null);
    event({ error: { message, type: 'server_error', param: null, code: null } });
    reply.end();
  }
}
