import type { ChatChunk, LocalChat } from '../core/chat/ports';
import type { ChatMessage } from '../core/chat/types';
import { RequestCancelledError } from '../core/net/errors';
import { hostLabel } from '../core/net/url';
import { ollamaClient, ollamaEndpointError } from './ollama';

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
    const client = ollamaClient(this.host, signal);
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
      throw ollamaEndpointError(this.label, e, model, streaming);
    }
  }
}
