/**
 * Typed failures of a model endpoint (cloud or local). Backends translate their client's errors into
 * these; retry, breaker, routing fallback and the user-facing message all decide by class, never by
 * message text. `endpoint` is a human label such as "api.openai.com" or "local Ollama at 127.0.0.1:11434".
 */

/** No API key is stored for a cloud endpoint; nothing was sent. */
export class MissingApiKeyError extends Error {
  constructor(readonly endpoint: string) {
    super(`No API key is set for ${endpoint}.`);
    this.name = 'MissingApiKeyError';
  }
}

/** The endpoint answered with an HTTP error status. */
export class HttpStatusError extends Error {
  constructor(
    readonly endpoint: string,
    readonly status: number,
    readonly detail: string,
    /** The server's own retry hint (Retry-After / retry-after-ms), uncapped. */
    readonly retryAfterMs?: number,
  ) {
    super(`${endpoint} answered ${status}${detail ? `: ${detail}` : ''}`);
    this.name = 'HttpStatusError';
  }
}

/** 401/403: the key was refused. */
export class KeyRejectedError extends HttpStatusError {
  constructor(endpoint: string, status: number, detail: string) {
    super(endpoint, status, detail);
    this.name = 'KeyRejectedError';
  }
}

/** 404: the model (or the API path) does not exist on that endpoint. */
export class ModelNotFoundError extends HttpStatusError {
  constructor(endpoint: string, readonly model: string, detail: string) {
    super(endpoint, 404, detail);
    this.name = 'ModelNotFoundError';
  }
}

/** 429: rate limited or out of quota. */
export class RateLimitedError extends HttpStatusError {
  constructor(
    endpoint: string,
    detail: string,
    retryAfterMs: number | undefined,
    /** When the limit resets, from Retry-After or the x-ratelimit-reset-* headers, if the server said. */
    readonly resetsInMs: number | undefined,
  ) {
    super(endpoint, 429, detail, retryAfterMs);
    this.name = 'RateLimitedError';
  }
}

/** 5xx: the server failed. */
export class ServerError extends HttpStatusError {
  constructor(endpoint: string, status: number, detail: string, retryAfterMs?: number) {
    super(endpoint, status, detail, retryAfterMs);
    this.name = 'ServerError';
  }
}

/** No connection could be made (refused, DNS, offline, TLS) or it dropped before any response. */
export class EndpointUnreachableError extends Error {
  constructor(readonly endpoint: string, readonly causeText: string) {
    super(`${endpoint} does not answer (${causeText}).`);
    this.name = 'EndpointUnreachableError';
  }
}

/** No response headers or first chunk within the first-byte limit. */
export class FirstByteTimeoutError extends Error {
  constructor(readonly endpoint: string, readonly limitMs: number) {
    super(`${endpoint} sent nothing within ${formatSeconds(limitMs)}.`);
    this.name = 'FirstByteTimeoutError';
  }
}

/** A stream went silent: no chunk for `limitMs` after `chunks` chunks. */
export class StreamStalledError extends Error {
  constructor(readonly endpoint: string, readonly limitMs: number, readonly chunks: number) {
    super(`${endpoint} stopped sending for ${formatSeconds(limitMs)} after ${chunks} chunks.`);
    this.name = 'StreamStalledError';
  }
}

/** The connection broke while a response was streaming. */
export class StreamResetError extends Error {
  constructor(readonly endpoint: string, readonly causeText: string) {
    super(`The connection to ${endpoint} broke mid-answer (${causeText}).`);
    this.name = 'StreamResetError';
  }
}

/** The caller cancelled. */
export class RequestCancelledError extends Error {
  constructor() {
    super('Cancelled.');
    this.name = 'RequestCancelledError';
  }
}

/** The error thrown when `signal` is aborted, whatever its reason. */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new RequestCancelledError();
}

/** "1.5 s", "40 s", "3 min": short, for messages. */
export function formatSeconds(ms: number): string {
  if (ms >= 120_000) return `${Math.round(ms / 60_000)} min`;
  const s = ms / 1000;
  return `${s < 10 ? Math.round(s * 10) / 10 : Math.round(s)} s`;
}

/**
 * Short text of an unknown thrown value: a system error code (ECONNREFUSED) anywhere in its cause
 * chain, else the innermost message (a client's own "Connection error." says the least).
 */
export function causeText(e: unknown): string {
  let innermost = e;
  for (let cause: unknown = e, depth = 0; cause instanceof Error && depth < 5; cause = (cause as Error & { cause?: unknown }).cause, depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    if (cause.message) innermost = cause;
  }
  return innermost instanceof Error ? innermost.message : String(innermost);
}
