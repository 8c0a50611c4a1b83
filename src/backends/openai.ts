import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, OpenAI } from 'openai';
import type { CloudChatMessage, CloudChatOptions, CloudStreamEvent, CloudTransport } from '../core/egress/cloudTransport';
import {
  causeText,
  EndpointUnreachableError,
  FirstByteTimeoutError,
  HttpStatusError,
  KeyRejectedError,
  MissingApiKeyError,
  ModelNotFoundError,
  RateLimitedError,
  RequestCancelledError,
  ServerError,
  StreamResetError,
} from '../core/net/errors';
import { rateLimitResetMs, retryAfterMs } from '../core/net/headers';
import { hostLabel } from '../core/net/url';

export interface OpenAiTransportOptions {
  /**
   * The API key for an endpoint, from SecretStorage (never from settings); undefined when none is
   * stored, in which case nothing is sent.
   */
  apiKey(baseUrl: string): Promise<string | undefined>;
  /** The client's own per-request timeout, which covers connecting and the response headers. */
  firstByteTimeoutMs: number;
  /** Clock for Retry-After dates. */
  now: () => number;
}

/**
 * The only module that talks to a cloud model (and the only importer of 'openai'). It is handed to
 * the egress gate, which alone calls it. The client's retries are off: core/net decides retries, so
 * that a cancel returns at once and Retry-After is capped. Every failure leaves as a core/net error.
 */
export class OpenAiTransport implements CloudTransport {
  constructor(private readonly options: OpenAiTransportOptions) {}

  async *streamChat(messages: readonly CloudChatMessage[], call: CloudChatOptions): AsyncGenerator<CloudStreamEvent> {
    const endpoint = hostLabel(call.baseUrl);
    const signal = call.signal ?? new AbortController().signal;
    const apiKey = await this.options.apiKey(call.baseUrl);
    if (!apiKey) throw new MissingApiKeyError(endpoint);
    // No organization/project: the client would otherwise read them from the environment.
    const client = new OpenAI({ apiKey, baseURL: call.baseUrl, organization: null, project: null, maxRetries: 0 });
    let streaming = false;
    try {
      const stream = await client.chat.completions.create(
        { model: call.model, messages: messages.map((m) => ({ role: m.role, content: m.content })), stream: true, stream_options: { include_usage: true } },
        { signal, timeout: this.options.firstByteTimeoutMs },
      );
      streaming = true;
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta?.content;
        if (text) yield { type: 'text', text };
        if (chunk.usage) yield { type: 'usage', promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
      }
      // The client's stream ends quietly when aborted; a cut-off answer must not look complete.
      if (signal.aborted) throw new RequestCancelledError();
    } catch (e) {
      if (signal.aborted) throw new RequestCancelledError();
      throw toEndpointError(e, { endpoint, model: call.model, streaming, nowMs: this.options.now(), timeoutMs: this.options.firstByteTimeoutMs });
    }
  }
}

interface ErrorContext {
  endpoint: string;
  model: string;
  /** Whether the response had started streaming when the error came. */
  streaming: boolean;
  nowMs: number;
  timeoutMs: number;
}

function toEndpointError(e: unknown, ctx: ErrorContext): Error {
  if (e instanceof APIUserAbortError) return new RequestCancelledError();
  if (e instanceof APIConnectionTimeoutError) return new FirstByteTimeoutError(ctx.endpoint, ctx.timeoutMs);
  if (e instanceof APIConnectionError)
    return ctx.streaming ? new StreamResetError(ctx.endpoint, causeText(e)) : new EndpointUnreachableError(ctx.endpoint, causeText(e));
  if (e instanceof APIError && e.status !== undefined) {
    const detail = serverMessage(e);
    const retryAfter = retryAfterMs(e.headers, ctx.nowMs);
    if (e.status === 401 || e.status === 403) return new KeyRejectedError(ctx.endpoint, e.status, detail);
    if (e.status === 404) return new ModelNotFoundError(ctx.endpoint, ctx.model, detail);
    if (e.status === 429) return new RateLimitedError(ctx.endpoint, detail, retryAfter, retryAfter ?? rateLimitResetMs(e.headers));
    if (e.status >= 500) return new ServerError(ctx.endpoint, e.status, detail, retryAfter);
    return new HttpStatusError(ctx.endpoint, e.status, detail, retryAfter);
  }
  // The body broke off mid-stream (socket reset: undici's "terminated"), or an error event came in the stream.
  if (ctx.streaming) return new StreamResetError(ctx.endpoint, causeText(e));
  return new EndpointUnreachableError(ctx.endpoint, causeText(e));
}

function serverMessage(e: APIError): string {
  const body = e.error as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? body.message : e.message;
}
