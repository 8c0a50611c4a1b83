import { Ollama } from 'ollama';
import type { ChatChunk, LocalChat } from '../core/chat/ports';
import type { ChatMessage } from '../core/chat/types';
import {
  causeText,
  EndpointUnreachableError,
  HttpStatusError,
  ModelNotFoundError,
  RequestCancelledError,
  ServerError,
  StreamResetError,
} from '../core/net/errors';
import { hostLabel } from '../core/net/url';

/**
 * Chat with the local Ollama server (`/api/chat`, streamed). Each call gets its own client bound to
 * the caller's AbortSignal, so aborting one answer closes its connection (Ollama then stops
 * generating) without touching other requests. Failures leave as core/net errors.
 */
export class OllamaChat implements LocalChat {
  /** Human label used in messages, e.g. "local Ollama at 127.0.0.1:11434". */
  readonly label: string;

  constructor(readonly host: string) {
    this.label = `local Ollama at ${hostLabel(host)}`;
  }

  async *streamChat(model: string, messages: readonly ChatMessage[], signal: AbortSignal): AsyncGenerator<ChatChunk> {
    const client = new Ollama({
      host: this.host,
      fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }),
    });
    let streaming = false;
    try {
      const stream = await client.chat({ model, messages: messages.map((m) => ({ role: m.role, content: m.content })), stream: true, keep_alive: '30m' });
      streaming = true;
      for await (const part of stream) {
        if (part.message?.content) yield { type: 'text', text: part.message.content };
        if (part.done) yield { type: 'usage', promptTokens: part.prompt_eval_count ?? 0, completionTokens: part.eval_count ?? 0 };
      }
      // An aborted stream may end without an error; a cut-off answer must not look complete.
      if (signal.aborted) throw new RequestCancelledError();
    } catch (e) {
      if (signal.aborted) throw new RequestCancelledError();
      throw this.toEndpointError(e, model, streaming);
    }
  }

  private toEndpointError(e: unknown, model: string, streaming: boolean): Error {
    // The client's ResponseError is not exported; it carries the HTTP status as `status_code`.
    const status = (e as { status_code?: unknown }).status_code;
    if (typeof status === 'number') {
      const detail = e instanceof Error ? e.message : String(e);
      if (status === 404) return new ModelNotFoundError(this.label, model, detail);
      return status >= 500 ? new ServerError(this.label, status, detail) : new HttpStatusError(this.label, status, detail);
    }
    return streaming ? new StreamResetError(this.label, causeText(e)) : new EndpointUnreachableError(this.label, causeText(e));
  }
}
