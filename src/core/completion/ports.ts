/**
 * The completion engine's boundaries. Adapters implement these: the VS Code provider wraps a
 * `TextDocument`, a backend streams from Ollama. Nothing here knows about either.
 */

/** Zero-based line and UTF-16 character, like VS Code's Position. */
export interface CursorPosition {
  readonly line: number;
  readonly character: number;
}

/**
 * Read access to a document without copying it: the engine only asks for lines near the cursor,
 * so a 10 MB file costs the same as a small one. `lineAt` returns the line without its end-of-line.
 * (VS Code's extension host keeps a document as an array of line strings, so `lineAt(n).text` is cheap.)
 */
export interface CompletionDocument {
  /** Identity of the document (a URI string); one request in flight per document. */
  readonly uri: string;
  /** Path shown to the model in the header, e.g. relative to the workspace folder. */
  readonly relativePath: string;
  readonly languageId: string;
  readonly lineCount: number;
  /** The document's end-of-line; completions are returned with it. */
  readonly eol: '\n' | '\r\n';
  lineAt(line: number): string;
}

/** A file as the workspace policy sees it. */
export interface ContextFile {
  readonly uri: string;
  readonly relativePath: string;
}

/** Text from another file offered as context (recently edited or visible). */
export interface ContextSnippet extends ContextFile {
  readonly languageId: string;
  readonly text: string;
  /** When this text last changed (clock ms); older snippets go first so the engine's prompt cache survives. */
  readonly changedAt: number;
}

/** Supplies snippets for a request; asked only after the debounce, when a request will really be sent. */
export interface SnippetSource {
  snippetsFor(document: ContextFile): readonly ContextSnippet[];
}

/** Estimates the model tokens in a text; need not be exact, only consistent. */
export type TokenEstimator = (text: string) => number;

/**
 * One fill-in-the-middle request to the local model.
 * - `suffix` set, `raw` false: the server applies the model's own FIM template (Ollama's `suffix`
 *   parameter; the model declares the `insert` capability); `prompt` is the prefix.
 * - `suffix` undefined, `raw` true: `prompt` is the complete FIM prompt built by the family template.
 */
export interface FimModelRequest {
  readonly model: string;
  readonly prompt: string;
  readonly suffix: string | undefined;
  readonly raw: boolean;
  /** The family's special tokens; never code-like strings. */
  readonly stop: readonly string[];
  /** num_predict. */
  readonly maxTokens: number;
  /** Aborting it must close the HTTP request, so the engine stops generating. */
  readonly signal: AbortSignal;
}

/** The engine's own timing of a finished request (Ollama's final chunk), when it reports one. */
export interface FimEngineStats {
  readonly promptTokens: number;
  readonly generatedTokens: number;
  /** Server-side total time for the request. */
  readonly engineMs: number;
}

/** One streamed piece: text (usually one token) and, on the last piece, the engine's stats. */
export interface FimChunk {
  readonly text: string;
  readonly stats?: FimEngineStats;
}

/**
 * The local model. Contract:
 * - streams the completion; ends when the model stops (EOS, a stop string or `maxTokens`);
 * - when `signal` aborts, stops promptly (throwing or ending, either is fine);
 * - a failure to connect at all is thrown as `EndpointUnreachableError` (src/core/net/errors.ts):
 *   only those count towards the circuit breaker.
 */
export interface FimModelPort {
  stream(request: FimModelRequest): AsyncIterable<FimChunk>;
}
