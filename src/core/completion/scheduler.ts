import type { Clock } from '../net/clock';
import type { CursorContext } from './context';

/** 'adaptive', or a fixed delay in milliseconds. */
export type DebounceSetting = 'adaptive' | number;

export interface DebounceBounds {
  readonly minMs: number;
  readonly maxMs: number;
  /** Used until enough keystrokes have been seen. */
  readonly initialMs: number;
}

export const DEFAULT_DEBOUNCE_BOUNDS: DebounceBounds = { minMs: 40, maxMs: 400, initialMs: 150 };

/** Gaps longer than this are pauses, not typing rhythm. */
const PAUSE_MS = 1000;
const RHYTHM_SAMPLES = 24;
const MIN_SAMPLES = 4;
/** Weight of the newest latency in the moving average. */
const LATENCY_WEIGHT = 0.3;
/** Recent keystrokes at a line-end opener whose following gap says whether the user paused there. */
const OPENER_SAMPLES = 8;
const MIN_OPENER_SAMPLES = 4;

/**
 * The wait between a keystroke and a request. A request should start when the user pauses, i.e.
 * after a gap longer than most gaps between their keystrokes (the 75th percentile, plus a quarter);
 * a slow engine makes every superseded request cost more, so it asks for a slightly firmer pause
 * (a tenth of its mean latency). Bounded to [minMs, maxMs].
 */
export class AdaptiveDebounce {
  private readonly gaps: number[] = [];
  private lastKeystrokeAt: number | undefined;
  private lastPause: NaturalPause | undefined;
  /** The cursor lines of the last two keystrokes: a fresh line reached from another line is an Enter. */
  private lastLine: number | undefined;
  private lineBeforeLast: number | undefined;
  /** For recent keystrokes at a line-end opener: did the next keystroke come only after the debounce? */
  private readonly pausedAfterOpener: boolean[] = [];
  private latencyMs: number | undefined;

  constructor(
    private setting: DebounceSetting,
    private readonly bounds: DebounceBounds = DEFAULT_DEBOUNCE_BOUNDS,
  ) {}

  configure(setting: DebounceSetting): void {
    this.setting = setting;
  }

  /** `pause`: the kind of natural pause the keystroke left the cursor at, if any; `line`: the cursor's line. */
  noteKeystroke(at: number, pause: NaturalPause | undefined, line: number): void {
    if (this.lastKeystrokeAt !== undefined) {
      const gap = at - this.lastKeystrokeAt;
      if (this.lastPause === 'opener') {
        this.pausedAfterOpener.push(gap >= this.delayMs());
        if (this.pausedAfterOpener.length > OPENER_SAMPLES) this.pausedAfterOpener.shift();
      }
      if (gap > 0 && gap < PAUSE_MS) {
        this.gaps.push(gap);
        if (this.gaps.length > RHYTHM_SAMPLES) this.gaps.shift();
      }
    }
    this.lastKeystrokeAt = at;
    this.lastPause = pause;
    this.lineBeforeLast = this.lastLine;
    this.lastLine = line;
  }

  noteEngineLatency(ms: number): void {
    this.latencyMs = this.latencyMs === undefined ? ms : this.latencyMs + LATENCY_WEIGHT * (ms - this.latencyMs);
  }

  delayMs(): number {
    if (this.setting !== 'adaptive') return Math.max(0, this.setting);
    if (this.gaps.length < MIN_SAMPLES) return this.bounds.initialMs;
    const sorted = [...this.gaps].sort((a, b) => a - b);
    const typicalGap = sorted[Math.floor(0.75 * (sorted.length - 1))]!;
    const wanted = 1.25 * typicalGap + 0.1 * (this.latencyMs ?? 0);
    return Math.round(Math.min(this.bounds.maxMs, Math.max(this.bounds.minMs, wanted)));
  }

  /**
   * The wait before a request after the last noted keystroke. After Enter the user pauses to read
   * or think, so the request starts at once; further keys on that still blank line (indenting) are
   * typing again. A line-end opener skips the debounce only for a user who has recently paused
   * after most of them: while typing through `= ( { ,` the next key comes first and would cancel
   * the request (the e2e benchmark saw a quarter of all tokens wasted that way).
   */
  waitMs(): number {
    const afterEnter = this.lastPause === 'fresh-line' && this.lastLine !== this.lineBeforeLast;
    if (afterEnter || (this.lastPause === 'opener' && this.pausesAfterOpeners())) return 0;
    return this.delayMs();
  }

  private pausesAfterOpeners(): boolean {
    const samples = this.pausedAfterOpener;
    if (samples.length < MIN_OPENER_SAMPLES) return false;
    return 2 * samples.filter(Boolean).length >= samples.length;
  }
}

/** fresh-line: on a blank line (just after Enter, or indenting); opener: the line ends in something that opens or continues (`{ ( , = :`). */
export type NaturalPause = 'fresh-line' | 'opener';

/**
 * Where a user is likely to stop typing: the cursor ends a line whose last character opens or
 * continues something, or sits on a blank line (the first of a file is not a pause: nothing to go on).
 */
export function naturalPauseAt(cursor: CursorContext): NaturalPause | undefined {
  if (cursor.lineSuffix.trim() !== '') return undefined;
  const before = cursor.linePrefix.trimEnd();
  if (before === '') return cursor.position.line > 0 ? 'fresh-line' : undefined;
  return /[{(,=:]$/.test(before) ? 'opener' : undefined;
}

/** auto: several lines when the cursor opens a block or sits on an empty line; otherwise one line. */
export type MultilineSetting = 'auto' | 'always' | 'never';

export function wantsMultiline(cursor: CursorContext, setting: MultilineSetting): boolean {
  if (setting !== 'auto') return setting === 'always';
  const after = cursor.lineSuffix.trim();
  if (after !== '' && !/^[)\]}]+;?$/.test(after)) return false;
  const before = cursor.linePrefix.trimEnd();
  return before === '' || /[{([:]$/.test(before);
}

/** Resolves after `ms`, or early with false when `signal` aborts. */
export function delay(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      cancel();
      resolve(false);
    };
    const cancel = clock.schedule(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
