import { CircuitBreaker, type BreakerOptions } from '../net/breaker';
import type { Clock } from '../net/clock';
import { EndpointUnreachableError } from '../net/errors';
import { CompletionCache } from './cache';
import { buildPrompt, DEFAULT_PROMPT_OPTIONS, estimateTokensByChars, readCursor, type CursorContext } from './context';
import { EventFanout, type Subscription } from './events';
import { Generation, type GenerationOutcome } from './generation';
import type { CompletionDocument, ContextFile, CursorPosition, FimModelPort, SnippetSource, TokenEstimator } from './ports';
import { cutAtSpecialToken, postprocess, truncateCompletion, type PostprocessOptions } from './postprocess';
import { AdaptiveDebounce, delay, naturalPauseAt, wantsMultiline, type DebounceSetting, type MultilineSetting } from './scheduler';
import { renderFimPrompt, type FimFormat } from './templates';

/** What the engine is configured with; replaced as a whole by `updateSettings`. */
export interface CompletionSettings {
  /** Ollama model name. */
  readonly model: string;
  /** From `resolveFimFormat` (templates.ts), for this model. */
  readonly format: FimFormat;
  /** Prompt budget in (estimated) tokens. */
  readonly promptTokens: number;
  /** Most of the prompt budget the text after the cursor may take (PromptOptions.suffixTokens). */
  readonly suffixTokens: number;
  /** num_predict for multi-line requests. */
  readonly maxTokens: number;
  /**
   * num_predict for single-line requests, and the most (estimated) tokens one line of a multi-line
   * suggestion may take. A real model ends the line (and the engine stops the stream there) long
   * before; this bounds a model that does not emit a line end.
   */
  readonly singleLineMaxTokens: number;
  readonly multiline: MultilineSetting;
  /** Multi-line suggestions are cut (and their stream stopped) after this many lines. */
  readonly maxLines: number;
  readonly debounce: DebounceSetting;
  /** Per-request limit; a late answer is stale, so there are no retries. */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_COMPLETION_SETTINGS: Omit<CompletionSettings, 'model' | 'format'> = {
  promptTokens: DEFAULT_PROMPT_OPTIONS.promptTokens,
  suffixTokens: DEFAULT_PROMPT_OPTIONS.suffixTokens,
  maxTokens: 128,
  singleLineMaxTokens: 32,
  multiline: 'auto',
  maxLines: 8,
  debounce: 'adaptive',
  requestTimeoutMs: 5000,
};

export interface CompletionEngineDeps {
  readonly model: FimModelPort;
  readonly clock: Clock;
  /** The workspace policy: false means no completion in that file and never context from it. */
  readonly isAllowedAsContext: (file: ContextFile) => boolean;
  readonly snippets?: SnippetSource;
  readonly estimateTokens?: TokenEstimator;
  /** Default: open after 3 consecutive connection failures, probe again after 10 s. */
  readonly breaker?: BreakerOptions;
  /** LRU entries; default 250. */
  readonly cacheSize?: number;
}

export interface CompletionRequest {
  readonly document: CompletionDocument;
  readonly position: CursorPosition;
  /**
   * automatic: the editor asks after a keystroke. explicit: the user asked (no debounce). edit:
   * the keystroke's own edit, seen before the editor asks (it waits ~50 ms first); a request
   * starts only where it would start at once (after Enter), and the editor's request for the
   * same cursor then takes it over.
   */
  readonly trigger: 'automatic' | 'explicit' | 'edit';
}

/** Where a suggestion came from: a new model request, the cache, the shown suggestion, or a running stream. */
export type SuggestionSource = 'model' | 'cache' | 'typing-through' | 'in-flight';

export interface Suggestion {
  /** Pass to `accept()` when the user takes it. */
  readonly id: string;
  /** Text to insert at the cursor, with the document's end-of-line. */
  readonly text: string;
  readonly source: SuggestionSource;
  /** The model request whose output this is (absent for cache hits). */
  readonly requestId: number | undefined;
  /**
   * Set while the model is still writing this suggestion (it is shown as soon as it has whole
   * words): resolves true once a longer version is ready — ask again at the same position to get
   * it — and false when none will come.
   */
  readonly update: Promise<boolean> | undefined;
}

export type CompletionEvent =
  | { readonly type: 'requestStarted'; readonly requestId: number; readonly documentUri: string; readonly promptTokens: number; readonly multiline: boolean; readonly snippetFiles: readonly ContextFile[] }
  | {
      readonly type: 'requestFinished';
      readonly requestId: number;
      readonly documentUri: string;
      readonly outcome: GenerationOutcome;
      /** From the request's start to its end (or abort), measured here. */
      readonly latencyMs: number;
      readonly firstChunkMs: number | undefined;
      /** The engine's count when it reported one, else the streamed chunks. */
      readonly generatedTokens: number;
      readonly promptTokens: number;
      /** The engine's own total time, when it reported one (only for requests it finished). */
      readonly engineMs: number | undefined;
      readonly error: unknown;
    }
  | {
      readonly type: 'suggestionShown';
      readonly suggestionId: string;
      readonly documentUri: string;
      readonly source: SuggestionSource;
      readonly requestId: number | undefined;
      /** From the call (the keystroke) to the answer. */
      readonly latencyMs: number;
      readonly characters: number;
    }
  | { readonly type: 'suggestionAccepted'; readonly suggestionId: string; readonly documentUri: string; readonly source: SuggestionSource; readonly requestId: number | undefined; readonly characters: number }
  /** The breaker opened: the local engine failed to connect repeatedly. `error` is the last failure. */
  | { readonly type: 'engineDown'; readonly error: unknown }
  /** A request succeeded after `engineDown`. */
  | { readonly type: 'engineUp' };

/** The suggestion last returned for a document, anchored where it was shown, '\n' line ends. */
interface ShownSuggestion {
  readonly id: string;
  readonly cursor: CursorContext;
  readonly text: string;
  readonly source: SuggestionSource;
  readonly requestId: number | undefined;
  readonly growing: Growing | undefined;
}

/** The stream a suggestion was shown from before it ended; it keeps running to complete the suggestion. */
interface Growing {
  readonly generation: Generation;
  /** Characters of the stream's output before the suggestion's start (typed since the request began). */
  readonly offset: number;
  readonly options: PostprocessOptions;
  /** Withdraws the suggestion's interest in the stream. */
  readonly release: () => void;
}

/** What a stream offers a call: its suggestion text so far (undefined: nothing worth showing). */
interface Offer {
  readonly text: string | undefined;
}

/** Per-document state: one call and at most one model request at a time. */
interface DocumentSlot {
  call: AbortController | undefined;
  generation: Generation | undefined;
  shown: ShownSuggestion | undefined;
  /** Where the last 'edit' call left the cursor: the editor's request there is the same keystroke. */
  edited: CursorContext | undefined;
}

const DEFAULT_BREAKER: BreakerOptions = { failureThreshold: 3, cooldownMs: 10_000 };
/** Typed characters an in-flight stream may already have covered for its reuse. */
const MAX_REUSE_TYPED = 64;

/**
 * Inline completions from the local model, pure: everything outside (model, clock, policy,
 * snippets) comes through `deps`. Call `complete` on every keystroke; it resolves with a suggestion
 * or undefined, and a newer call for the same document makes the older one resolve undefined and
 * aborts its model request unless the newer one can use that request's output.
 */
export class CompletionEngine {
  private settings: CompletionSettings;
  private readonly slots = new Map<string, DocumentSlot>();
  private readonly cache: CompletionCache;
  private readonly breaker: CircuitBreaker;
  private readonly debounce: AdaptiveDebounce;
  private readonly events = new EventFanout<CompletionEvent>();
  private readonly estimateTokens: TokenEstimator;
  private engineReportedDown = false;
  private nextRequestId = 1;
  private nextSuggestionId = 1;

  constructor(
    private readonly deps: CompletionEngineDeps,
    settings: CompletionSettings,
  ) {
    this.settings = settings;
    this.cache = new CompletionCache(deps.cacheSize ?? 250);
    this.breaker = new CircuitBreaker(deps.breaker ?? DEFAULT_BREAKER, deps.clock);
    this.debounce = new AdaptiveDebounce(settings.debounce);
    this.estimateTokens = deps.estimateTokens ?? estimateTokensByChars;
  }

  onEvent(listener: (event: CompletionEvent) => void): Subscription {
    return this.events.on(listener);
  }

  /** Replaces the settings; a different model or format empties the cache. */
  updateSettings(settings: CompletionSettings): void {
    if (settings.model !== this.settings.model || settings.format !== this.settings.format) this.cache.clear();
    this.settings = settings;
    this.debounce.configure(settings.debounce);
  }

  /** The breaker's view of the local engine. */
  get engineState(): 'up' | 'down' | 'probing' {
    const state = this.breaker.state;
    return state === 'closed' ? 'up' : state === 'open' ? 'down' : 'probing';
  }

  async complete(request: CompletionRequest, signal?: AbortSignal): Promise<Suggestion | undefined> {
    const startedAt = this.deps.clock.now();
    const { document } = request;
    const slot = this.slotFor(document.uri);
    const cursor = this.deps.isAllowedAsContext(document) ? readCursor(document, request.position) : undefined;
    const pause = cursor && !cursor.looksBinary ? naturalPauseAt(cursor) : undefined;
    const sameKeystroke = request.trigger === 'automatic' && slot.edited !== undefined && cursor !== undefined && sameCursor(slot.edited, cursor);
    slot.edited = request.trigger === 'edit' ? cursor : undefined;
    if (request.trigger !== 'explicit' && !sameKeystroke) this.debounce.noteKeystroke(startedAt, pause, request.position.line);
    if (request.trigger === 'edit' && this.debounce.waitMs() > 0) return undefined;
    const call = new AbortController();
    const onCallerAbort = () => call.abort();
    if (signal?.aborted) call.abort();
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    const previous = slot.call;
    slot.call = call;
    try {
      const running = slot.generation?.settled === false ? slot.generation : undefined;
      const typed = running && cursor && !cursor.looksBinary ? typedSinceStart(running, cursor) : undefined;
      // Attach before the previous call lets go, so a stream this call can use survives the hand-over.
      const release = typed !== undefined ? running!.attach() : undefined;
      previous?.abort();
      if (!release) running?.abandon();
      if (!cursor || cursor.looksBinary) return undefined;
      const multiline = wantsMultiline(cursor, this.settings.multiline);
      const options = this.postprocessOptions(multiline);
      try {
        const shown = slot.shown;
        const through = shown && typedThrough(shown, document, cursor);
        // Asked again where nothing changed (e.g. because the suggestion grew): the same suggestion.
        if (shown && through?.typed === '') return this.offer(slot, shown, document);

        if (running && typed !== undefined) {
          const offer = await this.offerFrom(running, typed, cursor, options, call.signal);
          if (call.signal.aborted) return undefined;
          if (offer) {
            running.markServed();
            return this.show(slot, document, cursor, offer.text, 'in-flight', running.spec.id, startedAt, { generation: running, offset: typed.length, options });
          }
          // The stream went another way than the user: stop it and ask afresh.
          running.abandon();
        }
        if (through) return this.show(slot, document, cursor, through.rest, 'typing-through', shown!.requestId, startedAt);
        const cached = this.cache.lookup(cursor.scope, cursor.linePrefix);
        if (cached) return this.show(slot, document, cursor, cached.text, 'cache', undefined, startedAt);
      } finally {
        release?.();
      }

      const wait = request.trigger === 'automatic' ? this.debounce.waitMs() : 0;
      if (!(await delay(this.deps.clock, wait, call.signal))) return undefined;
      if (this.breaker.state === 'open') return undefined;

      const generation = this.startGeneration(document, cursor, multiline);
      slot.generation = generation;
      const releaseOwn = generation.attach();
      try {
        const offer = await this.offerFrom(generation, '', cursor, options, call.signal);
        if (!offer || call.signal.aborted) return undefined;
        return this.show(slot, document, cursor, offer.text, 'model', generation.spec.id, startedAt, { generation, offset: 0, options });
      } finally {
        releaseOwn();
      }
    } finally {
      signal?.removeEventListener('abort', onCallerAbort);
      if (slot.call === call) slot.call = undefined;
    }
  }

  /** The user dismissed the suggestion shown in a document: its stream stops, and it is not offered again. */
  dismiss(uri: string): void {
    const slot = this.slots.get(uri);
    const growing = slot?.shown?.growing;
    if (!slot) return;
    slot.shown = undefined;
    growing?.generation.abandon();
  }

  /**
   * Records that the user accepted a suggestion returned by `complete`, with the `characters` the
   * editor inserted (a suggestion may have grown since that version of it was shown).
   */
  accept(suggestionId: string, characters: number): void {
    for (const [uri, slot] of this.slots) {
      const shown = slot.shown;
      if (shown?.id !== suggestionId) continue;
      this.events.emit({ type: 'suggestionAccepted', suggestionId, documentUri: uri, source: shown.source, requestId: shown.requestId, characters });
      slot.shown = undefined;
      shown.growing?.release();
      return;
    }
  }

  /** Stops work for a closed document and drops its state. */
  forgetDocument(uri: string): void {
    const slot = this.slots.get(uri);
    if (!slot) return;
    slot.call?.abort();
    slot.generation?.abandon();
    this.slots.delete(uri);
  }

  dispose(): void {
    for (const uri of [...this.slots.keys()]) this.forgetDocument(uri);
    this.events.clear();
    this.cache.clear();
  }

  private slotFor(uri: string): DocumentSlot {
    let slot = this.slots.get(uri);
    if (!slot) {
      slot = { call: undefined, generation: undefined, shown: undefined, edited: undefined };
      this.slots.set(uri, slot);
    }
    return slot;
  }

  private postprocessOptions(multiline: boolean): PostprocessOptions {
    return { multiline, maxLines: this.settings.maxLines, specialTokens: this.settings.format.specialTokens };
  }

  /**
   * The stream can stop once postprocessing would cut its complete lines (or a leaked special
   * token): nothing after a cut is ever shown. A line may take no more tokens than a single-line
   * suggestion: a model that does not end a line would otherwise spend the whole multi-line budget on it.
   */
  private isEnough(text: string, cursor: CursorContext, options: PostprocessOptions): boolean {
    if (cutAtSpecialToken(text, options.specialTokens) !== text) return true;
    const lineStart = text.lastIndexOf('\n') + 1;
    if (options.multiline && this.estimateTokens(text.slice(lineStart)) >= this.settings.singleLineMaxTokens) return true;
    const complete = text.slice(0, lineStart).replace(/\r\n?/g, '\n');
    return complete !== '' && truncateCompletion(complete, cursor, options) !== complete;
  }

  private startGeneration(document: CompletionDocument, cursor: CursorContext, multiline: boolean): Generation {
    const settings = this.settings;
    const prompt = buildPrompt(document, cursor, this.deps.snippets?.snippetsFor(document) ?? [], {
      ...DEFAULT_PROMPT_OPTIONS,
      promptTokens: settings.promptTokens,
      suffixTokens: settings.suffixTokens,
      estimateTokens: this.estimateTokens,
      specialTokens: settings.format.specialTokens,
      isAllowedAsContext: this.deps.isAllowedAsContext,
    });
    const rendered = renderFimPrompt(settings.format, prompt);
    const options = this.postprocessOptions(multiline);
    const generation = new Generation(
      {
        id: this.nextRequestId++,
        cursor,
        request: { model: settings.model, ...rendered, stop: settings.format.stops, maxTokens: multiline ? settings.maxTokens : settings.singleLineMaxTokens },
        promptTokens: prompt.promptTokens,
        timeoutMs: settings.requestTimeoutMs,
        isEnough: (text) => this.isEnough(text, cursor, options),
      },
      this.deps.model,
      this.deps.clock,
      (g) => this.generationSettled(g, document.uri, options),
    );
    this.events.emit({ type: 'requestStarted', requestId: generation.spec.id, documentUri: document.uri, promptTokens: prompt.promptTokens, multiline, snippetFiles: prompt.snippetFiles });
    generation.start();
    return generation;
  }

  private generationSettled(generation: Generation, documentUri: string, options: PostprocessOptions): void {
    const { outcome, error } = generation;
    const latencyMs = generation.settledAt! - generation.startedAt;
    if (outcome === 'failed' && error instanceof EndpointUnreachableError) {
      this.breaker.recordFailure();
      if (this.breaker.state === 'open' && !this.engineReportedDown) {
        this.engineReportedDown = true;
        this.events.emit({ type: 'engineDown', error });
      }
    } else if (generation.firstChunkAt !== undefined || outcome === 'completed') {
      this.breaker.recordSuccess();
      if (this.engineReportedDown) {
        this.engineReportedDown = false;
        this.events.emit({ type: 'engineUp' });
      }
    }
    if (outcome === 'completed' || outcome === 'enough') {
      this.debounce.noteEngineLatency(latencyMs);
      const text = this.usableText(generation);
      const cursor = generation.spec.cursor;
      const kept = text === undefined ? undefined : postprocess(text, { ...cursor, eol: '\n' }, options);
      if (kept !== undefined) this.cache.set(cursor.scope, cursor.linePrefix, kept);
    }
    this.events.emit({
      type: 'requestFinished',
      requestId: generation.spec.id,
      documentUri,
      outcome: outcome!,
      latencyMs,
      firstChunkMs: generation.firstChunkAt === undefined ? undefined : generation.firstChunkAt - generation.startedAt,
      generatedTokens: generation.stats?.generatedTokens ?? generation.chunks,
      promptTokens: generation.stats?.promptTokens ?? generation.spec.promptTokens,
      engineMs: generation.stats?.engineMs,
      error,
    });
  }

  /**
   * Output worth postprocessing: all of it when the model ended it; only complete lines when it
   * timed out; only whole words when it was stopped or ran out of tokens, since its last word may
   * be cut (accepting half an identifier is worse than accepting one word fewer).
   */
  private usableText(generation: Generation): string | undefined {
    const { text, outcome, stats } = generation;
    if (outcome === 'timeout') {
      const end = text.lastIndexOf('\n');
      return end < 0 ? undefined : text.slice(0, end);
    }
    const endedByModel = outcome === 'completed' && (stats === undefined || stats.generatedTokens < generation.spec.request.maxTokens);
    return endedByModel ? text : wholeWords(text, this.settings.format.specialTokens);
  }

  /**
   * Waits until `generation`'s output past `typed` holds a suggestion — whole words as soon as
   * there are any, all of it once the stream stops — or until it cannot serve this cursor
   * (undefined: it failed, was stopped, or went another way than the typed text).
   */
  private async offerFrom(generation: Generation, typed: string, cursor: CursorContext, options: PostprocessOptions, signal: AbortSignal): Promise<Offer | undefined> {
    const ready = (text: string) =>
      !consistent(text, typed) ||
      (text.length > typed.length && (this.isEnough(text.slice(typed.length), cursor, options) || this.suggestionText(generation, typed.length, cursor, options) !== undefined));
    await generation.until(ready, signal);
    if (signal.aborted || generation.outcome === 'failed' || generation.outcome === 'superseded') return undefined;
    if (!generation.text.startsWith(typed)) return undefined;
    return { text: this.suggestionText(generation, typed.length, cursor, options) };
  }

  /** The suggestion in `generation`'s output after `offset` characters: so far (whole words), or final. */
  private suggestionText(generation: Generation, offset: number, cursor: CursorContext, options: PostprocessOptions): string | undefined {
    const raw = generation.settled ? this.usableText(generation) : wholeWords(generation.text, options.specialTokens);
    return raw === undefined || raw.length <= offset ? undefined : postprocess(raw.slice(offset), cursor, options);
  }

  private show(
    slot: DocumentSlot,
    document: CompletionDocument,
    cursor: CursorContext,
    text: string | undefined,
    source: SuggestionSource,
    requestId: number | undefined,
    startedAt: number,
    from?: Omit<Growing, 'release'>,
  ): Suggestion | undefined {
    const plain = text?.replace(/\r\n/g, '\n');
    if (plain === undefined || plain.trim() === '') return undefined;
    const id = `s${this.nextSuggestionId++}`;
    const growing = from && !from.generation.settled ? { ...from, release: from.generation.attach() } : undefined;
    slot.shown?.growing?.release();
    slot.shown = { id, cursor, text: plain, source, requestId, growing };
    this.events.emit({ type: 'suggestionShown', suggestionId: id, documentUri: document.uri, source, requestId, latencyMs: this.deps.clock.now() - startedAt, characters: plain.length });
    return this.offer(slot, slot.shown, document);
  }

  private offer(slot: DocumentSlot, shown: ShownSuggestion, document: CompletionDocument): Suggestion {
    const text = document.eol === '\n' ? shown.text : shown.text.replace(/\n/g, document.eol);
    return { id: shown.id, text, source: shown.source, requestId: shown.requestId, update: shown.growing && this.nextGrowth(slot, shown.id) };
  }

  /**
   * Follows the stream behind shown suggestion `id` to its next step (a line completed, or the end)
   * and puts the longer text into `slot.shown`: true when it grew, false when it will not.
   */
  private async nextGrowth(slot: DocumentSlot, id: string): Promise<boolean> {
    for (;;) {
      const growing = slot.shown?.id === id ? slot.shown.growing : undefined;
      if (!growing) return false;
      const { generation } = growing;
      const lineEnds = countLineEnds(generation.text);
      await generation.until((text) => countLineEnds(text) > lineEnds);
      const shown = slot.shown;
      if (shown?.id !== id || shown.growing !== growing) return false;
      const text = generation.outcome === 'superseded' || generation.outcome === 'failed' ? undefined : this.suggestionText(generation, growing.offset, shown.cursor, growing.options);
      if (generation.settled) growing.release();
      slot.shown = { ...shown, text: text ?? shown.text, growing: generation.settled ? undefined : growing };
      if (text !== undefined && text !== shown.text) return true;
      if (generation.settled) return false;
    }
  }
}

function countLineEnds(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/**
 * The part of a running stream's output that can be shown: up to its last complete word, never
 * ending in what may be the start of a special token.
 */
function wholeWords(text: string, specialTokens: readonly string[]): string {
  let end = text.length;
  while (end > 0 && /[\p{L}\p{N}_$]/u.test(text[end - 1]!)) end--;
  let kept = text.slice(0, end);
  for (const token of specialTokens) {
    for (let k = Math.min(token.length - 1, kept.length); k > 0; k--) {
      if (kept.endsWith(token.slice(0, k))) {
        kept = kept.slice(0, kept.length - k);
        break;
      }
    }
  }
  return kept;
}

function sameCursor(a: CursorContext, b: CursorContext): boolean {
  return a.scope === b.scope && a.linePrefix === b.linePrefix && a.position.line === b.position.line && a.position.character === b.position.character;
}

/** True while the stream's output and the typed text agree so far. */
function consistent(text: string, typed: string): boolean {
  return text.startsWith(typed) || typed.startsWith(text);
}

/**
 * Characters typed on the same line since a running generation started, when its output so far
 * agrees with them (so it may still produce the rest); undefined when it cannot serve this cursor.
 */
function typedSinceStart(generation: Generation, cursor: CursorContext): string | undefined {
  const start = generation.spec.cursor;
  if (start.scope !== cursor.scope || start.position.line !== cursor.position.line) return undefined;
  const typedLength = cursor.position.character - start.position.character;
  if (typedLength < 0 || typedLength > MAX_REUSE_TYPED) return undefined;
  const before = cursor.linePrefix.slice(0, cursor.linePrefix.length - typedLength);
  // Equal for ordinary lines; on lines longer than the cursor window, the overlap of both windows.
  if (!start.linePrefix.endsWith(before)) return undefined;
  const typed = cursor.linePrefix.slice(before.length);
  return consistent(generation.text, typed) ? typed : undefined;
}

/**
 * The rest of the shown suggestion when the user has typed its beginning (possibly across lines)
 * and nothing else changed around it.
 */
function typedThrough(shown: ShownSuggestion, document: CompletionDocument, cursor: CursorContext): { typed: string; rest: string } | undefined {
  const { line, character } = cursor.position;
  const anchor = shown.cursor;
  const shownLine = anchor.position.line;
  const shownCharacter = anchor.position.character;
  if (cursor.lineSuffix !== anchor.lineSuffix || line < shownLine) return undefined;
  const newlines = shown.text.split('\n').length - 1;
  if (line - shownLine > newlines) return undefined;
  const anchorLine = document.lineAt(shownLine);
  if (anchorLine.slice(Math.max(0, shownCharacter - anchor.linePrefix.length), shownCharacter) !== anchor.linePrefix) return undefined;
  let typed: string;
  if (line === shownLine) {
    if (character < shownCharacter) return undefined;
    typed = anchorLine.slice(shownCharacter, character);
  } else {
    const middle: string[] = [];
    for (let l = shownLine + 1; l < line; l++) middle.push(document.lineAt(l));
    typed = [anchorLine.slice(shownCharacter), ...middle, cursor.linePrefix].join('\n');
    if (typed.length > shown.text.length) return undefined;
  }
  if (!shown.text.startsWith(typed)) return undefined;
  const rest = shown.text.slice(typed.length);
  return rest.trim() === '' ? undefined : { typed, rest };
}
