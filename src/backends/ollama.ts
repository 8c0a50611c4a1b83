import { Ollama } from 'ollama';
import type { FimChunk, FimModelPort, FimModelRequest } from '../core/completion/ports';
import type { ModelShowInfo } from '../core/completion/templates';
import { causeText, EndpointUnreachableError, HttpStatusError, ModelNotFoundError, ServerError, StreamResetError } from '../core/net/errors';
import { hostLabel } from '../core/net/url';

const NS_PER_MS = 1e6;
/** How long Ollama keeps the completion model loaded after a request. */
const DEFAULT_KEEP_ALIVE = '30m';
/**
 * Ollama's FIM templates branch on a non-empty `.Suffix`: an empty one would drop the FIM markers
 * and send the prefix as plain text, so "nothing after the cursor" is sent as a lone line end.
 */
const EMPTY_SUFFIX = '\n';

/** Thrown when the local engine cannot be reached at all (connection refused, DNS, reset before answering). */
export class LocalEngineUnreachableError extends EndpointUnreachableError {
  constructor(endpoint: string, cause: unknown) {
    super(endpoint, causeText(cause));
    this.name = 'LocalEngineUnreachableError';
  }

  static is(e: unknown): e is LocalEngineUnreachableError {
    return e instanceof LocalEngineUnreachableError;
  }
}

/** One step of `/api/pull`: a status line and, while a layer downloads, its byte counts. */
export interface PullProgress {
  readonly status: string;
  readonly completed?: number;
  readonly total?: number;
}

/**
 * An `ollama` client whose every request is bound to `signal`: the client has no per-call signal,
 * and aborting must close that request's connection (so Ollama stops generating) and no other.
 */
export function ollamaClient(host: string, signal: AbortSignal): Ollama {
  return new Ollama({
    host,
    fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }),
  });
}

/**
 * Translates a failure of the `ollama` client into a core/net error: an HTTP status (the client's
 * ResponseError is not exported; it carries `status_code`), a connection that broke mid-stream,
 * or no connection at all.
 */
export function ollamaEndpointError(label: string, e: unknown, model: string, streaming: boolean): Error {
  const status = (e as { status_code?: unknown }).status_code;
  if (typeof status === 'number') {
    const detail = e instanceof Error ? e.message : String(e);
    if (status === 404) return new ModelNotFoundError(label, model, detail);
    return status >= 500 ? new ServerError(label, status, detail) : new HttpStatusError(label, status, detail);
  }
  return streaming ? new StreamResetError(label, causeText(e)) : new LocalEngineUnreachableError(label, e);
}

/**
 * The local Ollama server: fill-in-the-middle streaming for the completion engine, plus the model
 * housekeeping around it (show, tags, pull, version, warm-up). Each call gets its own client bound
 * to the caller's AbortSignal, so aborting one request really closes its HTTP connection (which
 * makes Ollama stop generating) without touching other requests.
 */
export class OllamaBackend implements FimModelPort {
  /** Human label used in messages, e.g. "local Ollama at 127.0.0.1:11434". */
  readonly label: string;

  constructor(
    readonly host: string,
    private readonly keepAlive: string = DEFAULT_KEEP_ALIVE,
  ) {
    this.label = `local Ollama at ${hostLabel(host)}`;
  }

  /** FimModelPort: streams the completion; ends quietly when `request.signal` aborts. */
  async *stream(request: FimModelRequest): AsyncGenerator<FimChunk> {
    const { signal } = request;
    if (signal.aborted) return;
    const client = this.client(signal);
    const useSuffix = request.suffix !== undefined && !request.raw;
    let streaming = false;
    try {
      const stream = await client.generate({
        model: request.model,
        prompt: request.prompt,
        ...(useSuffix ? { suffix: request.suffix || EMPTY_SUFFIX } : { raw: true }),
        stream: true,
        keep_alive: this.keepAlive,
        options: { num_predict: request.maxTokens, temperature: 0, stop: [...request.stop] },
      });
      streaming = true;
      for await (const part of stream) {
        if (part.done) {
          yield {
            text: part.response ?? '',
            stats: { promptTokens: part.prompt_eval_count ?? 0, generatedTokens: part.eval_count ?? 0, engineMs: (part.total_duration ?? 0) / NS_PER_MS },
          };
        } else if (part.response) {
          yield { text: part.response };
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      throw ollamaEndpointError(this.label, e, request.model, streaming);
    }
  }

  /** `/api/show`: template, capabilities and architecture, for FIM format detection. */
  async show(model: string, signal: AbortSignal): Promise<ModelShowInfo> {
    const info = await this.call(signal, model, (c) => c.show({ model }));
    // Typed as a Map by the client, but it is the parsed JSON object.
    return { template: info.template, capabilities: info.capabilities, details: info.details, model_info: info.model_info as unknown as Record<string, unknown> };
  }

  /** Names of the models the server has (`/api/tags`). */
  async modelNames(signal: AbortSignal): Promise<string[]> {
    return (await this.call(signal, '', (c) => c.list())).models.map((m) => m.name);
  }

  /** Pulls a model, reporting `/api/pull` progress; aborting `signal` stops the download. */
  async pull(model: string, onProgress: (progress: PullProgress) => void, signal: AbortSignal): Promise<void> {
    let streaming = false;
    try {
      const stream = await this.client(signal).pull({ model, stream: true });
      streaming = true;
      for await (const part of stream) onProgress({ status: part.status, completed: part.completed, total: part.total });
    } catch (e) {
      if (signal.aborted) throw e;
      throw ollamaEndpointError(this.label, e, model, streaming);
    }
  }

  /** Loads the model without generating (an empty prompt) and keeps it loaded for `keepAlive`. */
  async warmUp(model: string, signal: AbortSignal): Promise<void> {
    await this.call(signal, model, (c) => c.generate({ model, prompt: '', keep_alive: this.keepAlive, stream: false }));
  }

  /** The server's version, or an error when it does not answer. */
  async version(signal: AbortSignal): Promise<string> {
    return (await this.call(signal, '', (c) => c.version())).version;
  }

  private client(signal: AbortSignal): Ollama {
    return ollamaClient(this.host, signal);
  }

  private async call<T>(signal: AbortSignal, model: string, fn: (client: Ollama) => Promise<T>): Promise<T> {
    try {
      return await fn(this.client(signal));
    } catch (e) {
      if (signal.aborted) throw e;
      throw ollamaEndpointError(this.label, e, model, false);
    }
  }
}
