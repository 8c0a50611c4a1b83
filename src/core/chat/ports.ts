import type { CloudCandidate } from '../routing/router';
import type { ChatMessage, ChatRequest } from './types';

/**
 * A piece of a streamed answer as a backend reports it: text as it comes, token usage once at the
 * end. The egress gate's CloudStreamEvent has the same shape, so cloud events pass through as is.
 */
export type ChatChunk = { readonly type: 'text'; readonly text: string } | { readonly type: 'usage'; readonly promptTokens: number; readonly completionTokens: number };

/** The local chat model (Ollama). Throws the typed errors of core/net/errors. */
export interface LocalChat {
  streamChat(model: string, messages: readonly ChatMessage[], signal: AbortSignal): AsyncIterable<ChatChunk>;
}

/**
 * Hands a request for a cloud endpoint to the egress gate (policy, redaction, preview, audit) and
 * resolves with the answer's stream once the gate lets it go; iterating the stream makes the HTTP
 * request, which `signal` aborts. The time until it resolves (e.g. a preview the user reads) is not
 * counted against the first-byte limit. `request` carries the content pieces the gate checks.
 * Rejects or throws with the gate's EgressRefusedError or the typed errors of core/net/errors.
 */
export type CloudSend = (candidate: CloudCandidate, request: ChatRequest, signal: AbortSignal) => Promise<AsyncIterable<ChatChunk>>;
