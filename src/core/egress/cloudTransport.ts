/**
 * The port through which content reaches a cloud model. Implemented once, in src/backends/openai.ts,
 * and handed to the EgressGate at construction; nothing else holds it.
 */
export interface CloudChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export interface CloudChatOptions {
  /** The endpoint the gate checked (scheme, host allow list); the transport must send to exactly this URL. */
  readonly baseUrl: string;
  readonly model: string;
  readonly signal?: AbortSignal;
}

/** One streamed event: a piece of the answer, or the token usage reported at the end. */
export type CloudStreamEvent =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'usage'; readonly promptTokens: number; readonly completionTokens: number };

export interface CloudTransport {
  /** Streams a chat completion; aborting `signal` must end the stream promptly. */
  streamChat(messages: readonly CloudChatMessage[], options: CloudChatOptions): AsyncIterable<CloudStreamEvent>;
}
