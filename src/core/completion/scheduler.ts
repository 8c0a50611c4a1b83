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

/**
 * The wait between a keystroke and a request. A request should start when the user pauses, i.e.
 * after a gap longer than most gaps between their keystrokes (the 75th percentile, plus a quarter);
 * a slow engine makes every superseded request cost more, so it asks for a slightly firmer pause
 * (a tenth of its mean latency). Bounded to [minMs, maxMs].
 */
export class AdaptiveDebounce {
  private readonly gaps: number[] = [];
  private lastKeystrokeAt: number | undefined;
  private latencyMs: number | undefined;

  constructor(
    private setting: DebounceSetting,
    private readonly bounds: DebounceBounds = DEFAULT_DEBOUNCE_BOUNDS,
  ) {}

  configure(setting: DebounceSetting): void {
    this.setting = setting;
  }

  noteKeystroke(at: number): void {
    if (this.lastKeystrokeAt !== undefined) {
      const gap = at - this.lastKeystrokeAt;
      if (gap > 0 && gap < PAUSE_MS) {
        this.gaps.push(gap);
        if (this.gaps.length > RHYTHM_SAMPLES) this.gaps.shift();
      }
    }
    this.lastKeystrokeAt = at;
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
}

/**
 * A natural pause needs no debounce: the cursor ends a line whose last character opens or
 * continues something (`{ ( , = :`), or sits on a fresh line (just after Enter).
 */
export function isNaturalPause(cursor: CursorContext): boolean {
  if (cursor.lineSuffix.trim() !== '') return false;
  const before = cursor.linePrefix.trimEnd();
  if (before === '') return cursor.position.line > 0 && cursor.lineAbove.trim() !== '';
  return /[{(,=:]$/.test(before);
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
