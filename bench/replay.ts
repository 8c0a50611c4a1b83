// Replays typing sessions through a completion scheduler in real time, with a seeded human rhythm,
// and records what happened per keystroke, per model request and per shown suggestion.
import type { CompletionEngine } from '../src/core/completion/engine';
import { buildPrompt, DEFAULT_PROMPT_OPTIONS, estimateTokensByChars, readCursor } from '../src/core/completion/context';
import type { CursorPosition, FimChunk, FimModelPort, FimModelRequest } from '../src/core/completion/ports';
import { postprocess } from '../src/core/completion/postprocess';
import { wantsMultiline } from '../src/core/completion/scheduler';
import { renderFimPrompt, type FimFormat } from '../src/core/completion/templates';
import { TextCompletionDocument } from '../src/core/completion/textDocument';
import type { OracleTruth } from './oracleEngine';

/** Part of a real file typed from `start` to `end` (whole lines); the text after `end` is already there. */
export interface TypingSession {
  readonly name: string;
  readonly languageId: string;
  /** The whole file, '\n' line ends. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Seeded human rhythm: keys 60–150 ms apart, a 0.5–1.5 s pause after each line end. Half the time
 * a person keeps typing 1–4 characters of a right suggestion before pressing Tab.
 */
export class HumanRhythm {
  constructor(private readonly random: () => number) {}

  gapBefore(previous: string | undefined): number {
    return previous === '\n' ? 500 + 1000 * this.random() : 60 + 90 * this.random();
  }

  charactersTypedBeforeTab(): number {
    return this.random() < 0.5 ? 0 : 1 + Math.floor(4 * this.random());
  }
}

/** Picks `chars` characters of whole lines from a seeded place in the middle of the file. */
export function sessionFrom(name: string, languageId: string, raw: string, chars: number, random: () => number): TypingSession {
  const text = raw.replace(/\r\n?/g, '\n');
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const first = Math.floor(lineStarts.length * (0.3 + 0.4 * random()));
  // Start on a line with code: typing into a blank run of lines tells little.
  let line = first;
  while (line < lineStarts.length - 1 && text.slice(lineStarts[line], lineStarts[line + 1]).trim() === '') line++;
  const start = lineStarts[line]!;
  let end = start;
  while (end < text.length && end - start < chars) {
    const next = text.indexOf('\n', end);
    end = next < 0 ? text.length : next + 1;
  }
  return { name, languageId, text, start, end };
}

/** A suggestion as the simulated user sees it. */
export interface ShownSuggestion {
  readonly id: string;
  readonly text: string;
  readonly source: string;
  readonly requestId: number | undefined;
  /** Resolves true when a longer version can be asked for (`askAgain`), as the engine's suggestions do. */
  readonly update?: Promise<boolean>;
}

/** A scheduler under test: asked on every keystroke (a newer call makes the older one stale). */
export interface ReplayScheduler {
  request(document: TextCompletionDocument, position: CursorPosition, keystroke: number): Promise<ShownSuggestion | undefined>;
  /** Asked again with nothing typed, as VS Code is when a suggestion grew. */
  askAgain?(document: TextCompletionDocument, position: CursorPosition): Promise<ShownSuggestion | undefined>;
  accept(suggestion: ShownSuggestion): void;
}

/** One model request as the client sent it (recorded by `RecordingModel`). */
export interface SentRequest {
  readonly prompt: string;
  readonly suffix: string | undefined;
  readonly sentAt: number;
  readonly keystroke: number;
}

/** Wraps the model port to record every request in the order it was sent. */
export class RecordingModel implements FimModelPort {
  readonly sent: SentRequest[] = [];
  keystroke = 0;

  constructor(private readonly inner: FimModelPort) {}

  stream(request: FimModelRequest): AsyncIterable<FimChunk> {
    this.sent.push({ prompt: request.prompt, suffix: request.suffix, sentAt: Date.now(), keystroke: this.keystroke });
    return this.inner.stream(request);
  }
}

export interface KeystrokeRecord {
  readonly at: number;
  /** The user typed a character that the shown suggestion predicted. */
  readonly typingThrough: boolean;
  /** Tab: the suggestion was accepted instead of typing. */
  readonly accepted: boolean;
}

export interface ShownRecord {
  readonly keystroke: number;
  readonly source: string;
  readonly requestId: number | undefined;
  readonly latencyMs: number;
  readonly accepted: boolean;
}

/** Everything a replay observed; the same shape for every scheduler. */
export interface ReplayLog {
  readonly keystrokes: KeystrokeRecord[];
  readonly shown: ShownRecord[];
  typedChars: number;
  acceptedChars: number;
}

const MAX_STEPS = 20_000;

/**
 * Types `session` through `scheduler` in real time. The simulated user presses Tab when the shown
 * suggestion is exactly what they are about to type (within the typed region), else types on.
 */
export async function replay(session: TypingSession, scheduler: ReplayScheduler, rhythm: HumanRhythm, model: RecordingModel, truth: SessionTruth, log: ReplayLog): Promise<Promise<unknown>[]> {
  const region = session.text.slice(session.start, session.end);
  const after = session.text.slice(session.end);
  const uri = `file:///bench/${session.name}`;
  let typed = 0;
  let current: { keystroke: number; typedAt: number; shown: ShownSuggestion | undefined; at: number } | undefined;
  const calls: Promise<unknown>[] = [];

  const ask = () => {
    const keystroke = log.keystrokes.length - 1;
    const at = typed;
    const text = session.text.slice(0, session.start + at) + after;
    const document = new TextCompletionDocument(text, uri, session.name, session.languageId);
    const startedAt = Date.now();
    model.keystroke = keystroke;
    truth.position = session.start + at;
    const state = { keystroke, typedAt: at, shown: undefined as ShownSuggestion | undefined, at: startedAt };
    current = state;
    const position = document.positionAt(session.start + at);
    const offered = (suggestion: ShownSuggestion | undefined): Promise<void> | undefined => {
      if (!suggestion || current !== state) return undefined;
      if (!state.shown) log.shown.push({ keystroke, source: suggestion.source, requestId: suggestion.requestId, latencyMs: Date.now() - startedAt, accepted: false });
      state.shown = suggestion;
      return suggestion.update?.then((grew) => (grew && current === state ? scheduler.askAgain?.(document, position).then(offered) : undefined));
    };
    calls.push(scheduler.request(document, position, keystroke).then(offered));
  };

  let throughLeft: number | undefined;
  for (let step = 0; step < MAX_STEPS && typed < region.length; step++) {
    await sleep(rhythm.gapBefore(typed > 0 ? region[typed - 1] : undefined));
    const shown = current?.shown;
    const right = shown !== undefined && region.startsWith(shown.text, typed);
    if (!right) throughLeft = undefined;
    else throughLeft ??= Math.min(rhythm.charactersTypedBeforeTab(), shown.text.length - 1);
    if (right && throughLeft === 0) {
      scheduler.accept(shown);
      const record = log.shown.findLast((s) => s.keystroke === current!.keystroke);
      if (record) (record as { accepted: boolean }).accepted = true;
      throughLeft = undefined;
      typed += shown.text.length;
      log.acceptedChars += shown.text.length;
      log.keystrokes.push({ at: Date.now(), typingThrough: false, accepted: true });
      ask();
      continue;
    }
    const typingThrough = shown !== undefined && shown.text.length > 1 && shown.text[0] === region[typed];
    if (right) throughLeft!--;
    typed++;
    log.typedChars++;
    log.keystrokes.push({ at: Date.now(), typingThrough, accepted: false });
    ask();
  }
  current = undefined;
  return calls;
}

/** The oracle's answer: what the user is about to type at the cursor of the latest request. */
export class SessionTruth implements OracleTruth {
  position = 0;
  private session: TypingSession | undefined;

  use(session: TypingSession | undefined): void {
    this.session = session;
  }

  /** Finds the cursor by matching the end of the prompt against the typed text near the latest position. */
  continuationFor(prompt: string): string | undefined {
    const session = this.session;
    if (!session) return undefined;
    for (let cursor = this.position; cursor >= Math.max(session.start, this.position - 400); cursor--) {
      const tail = session.text.slice(Math.max(0, cursor - 80), cursor);
      if (prompt.endsWith(tail)) return session.text.slice(cursor, session.end);
    }
    return undefined;
  }
}

/** The CompletionEngine under test. */
export class TandemScheduler implements ReplayScheduler {
  constructor(private readonly engine: CompletionEngine) {}

  request(document: TextCompletionDocument, position: CursorPosition): Promise<ShownSuggestion | undefined> {
    return this.engine.complete({ document, position, trigger: 'automatic' });
  }

  askAgain(document: TextCompletionDocument, position: CursorPosition): Promise<ShownSuggestion | undefined> {
    return this.engine.complete({ document, position, trigger: 'explicit' });
  }

  accept(suggestion: ShownSuggestion): void {
    this.engine.accept(suggestion.id, suggestion.text.length);
  }
}

/**
 * The baseline: one request per keystroke, sent at once, never aborted, no cache. It builds the
 * same prompt and postprocesses the same way, and stops single-line requests at the first line end
 * with a `\n` stop string (as naive plugins do). An answer is shown only if no key was pressed since.
 */
export class NaiveScheduler implements ReplayScheduler {
  private nextId = 1;
  /** Aborted only when the benchmark gives up waiting for the backlog at the end. */
  readonly giveUp = new AbortController();
  readonly finished: { requestId: number; keystroke: number; finishedAt: number }[] = [];

  constructor(
    private readonly model: FimModelPort,
    private readonly modelName: string,
    private readonly format: FimFormat,
    private readonly maxTokens: number,
    private readonly maxLines: number,
  ) {}

  async request(document: TextCompletionDocument, position: CursorPosition, keystroke: number): Promise<ShownSuggestion | undefined> {
    const requestId = this.nextId++;
    const cursor = readCursor(document, position);
    const multiline = wantsMultiline(cursor, 'auto');
    const prompt = buildPrompt(document, cursor, [], { ...DEFAULT_PROMPT_OPTIONS, estimateTokens: estimateTokensByChars, specialTokens: this.format.specialTokens, isAllowedAsContext: () => true });
    const rendered = renderFimPrompt(this.format, prompt);
    let text = '';
    try {
      for await (const chunk of this.model.stream({ model: this.modelName, ...rendered, stop: multiline ? this.format.stops : [...this.format.stops, '\n'], maxTokens: this.maxTokens, signal: this.giveUp.signal })) text += chunk.text;
    } catch {
      return undefined;
    } finally {
      this.finished.push({ requestId, keystroke, finishedAt: Date.now() });
    }
    const kept = postprocess(text, cursor, { multiline, maxLines: this.maxLines, specialTokens: this.format.specialTokens });
    return kept === undefined || kept.trim() === '' ? undefined : { id: `n${requestId}`, text: kept, source: 'model', requestId };
  }

  accept(): void {}
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
