import { Ollama } from 'ollama';

/** A fill-in-the-middle request to the local model. */
export interface FimRequest {
  model: string;
  prompt: string;
  suffix: string;
  maxTokens: number;
  signal: AbortSignal;
}

/** Thrown when the local engine cannot be reached at all (connection refused, DNS, reset). */
export class LocalEngineUnreachableError extends Error {
  constructor(readonly host: string, cause: unknown) {
    super(`The local engine at ${host} does not answer (${String((cause as Error)?.message ?? cause)}). Start Ollama, or check tandem.local.host.`);
    this.name = 'LocalEngineUnreachableError';
  }
  static is(e: unknown): e is LocalEngineUnreachableError {
    return e instanceof LocalEngineUnreachableError;
  }
}

/**
 * The local Ollama server. Each call gets its own client bound to the caller's AbortSignal, so
 * aborting one request really closes its HTTP connection (which makes Ollama stop generating)
 * without touching other requests.
 */
export class OllamaBackend {
  constructor(readonly host: string) {}

  /** Streams the text of a fill-in-the-middle completion. */
  async *fim(req: FimRequest): AsyncGenerator<string> {
    const stream = await this.call(req.signal, (c) =>
      c.generate({
        model: req.model,
        prompt: req.prompt,
        suffix: req.suffix,
        stream: true,
        keep_alive: '30m',
        options: { num_predict: req.maxTokens, temperature: 0 },
      }),
    );
    for await (const part of stream) {
      if (part.response) yield part.response;
    }
  }

  /** The server's version, or an error when it does not answer. */
  async version(signal: AbortSignal): Promise<string> {
    return (await this.call(signal, (c) => c.version())).version;
  }

  private async call<T>(signal: AbortSignal, fn: (client: Ollama) => Promise<T>): Promise<T> {
    const client = new Ollama({
      host: this.host,
      fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal }),
    });
    try {
      return await fn(client);
    } catch (e) {
      if (signal.aborted) throw e;
      if (e instanceof TypeError) throw new LocalEngineUnreachableError(this.host, (e as Error & { cause?: unknown }).cause ?? e);
      throw e;
    }
  }
}
