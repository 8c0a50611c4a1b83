// The e2e speed benchmark's figures, computed from what was observed in one mode of one extension:
// key presses and ghost-text changes (browser probe), and model requests (engine log joined with the
// recording proxy's copy of each answer). Every time here is in the benchmark process's clock.
// Pure, so each definition below is testable.

/** A key press seen by the page (keydown, capture phase). */
export interface KeyRecord {
  readonly at: number;
  readonly key: string;
}

/** The ghost text in the editor changed to `text` ('' when none is shown). */
export interface GhostRecord {
  readonly at: number;
  readonly text: string;
}

/** One typed file: its typing window (first key to the end of the pause after the last Enter). */
export interface SegmentObservation {
  readonly startAt: number;
  readonly endAt: number;
  readonly keys: readonly KeyRecord[];
}

/** A request the engine received, with the answer text the client was sent. */
export interface ObservedRequest {
  readonly id: number;
  readonly path: string;
  readonly arrivedAt: number;
  readonly generatedTokens: number;
  /** Prompt size, and how much of it the engine's cache already held (engine log). */
  readonly promptTokens: number;
  readonly reusedTokens: number;
  readonly aborted: boolean;
  /** When the model stopped working on it (engine log); undefined for requests that use no model. */
  readonly stoppedAt?: number;
  /** When the first answer text reached the client; undefined when none did. */
  readonly firstTextAt?: number;
  /** Answer text the client received (all of it, or up to where it hung up). */
  readonly answer: string;
}

export interface PauseResult {
  readonly enterAt: number;
  readonly durationMs: number;
  /** Last key → first ghost text in the pause; null when none appeared. */
  readonly latencyMs: number | null;
  readonly ghostAt?: number;
  readonly ghostText?: string;
  /** The request whose answer that ghost text was (see attributeGhostText). */
  readonly sourceRequestId?: number;
  /** Where the latency went, when the answer came from a request sent after the Enter. */
  readonly breakdown?: LatencyBreakdown;
}

export interface LatencyBreakdown {
  /** Enter → the request reached the engine: VS Code's and the extension's debounce, extension-host work, HTTP. */
  readonly enterToRequestMs: number;
  /** Request → first answer text left the engine: queueing, prompt evaluation, first token. */
  readonly requestToFirstTextMs: number;
  /** First answer text → ghost text on screen: the rest of the answer, post-processing, rendering. */
  readonly firstTextToScreenMs: number;
}

export interface ModeMetrics {
  readonly typedKeystrokes: number;
  readonly typingMs: number;
  /** Rhythm as the page saw it: mean gap between keys (pauses excluded) and mean pause. */
  readonly meanKeyGapMs: number;
  readonly meanPauseMs: number;
  readonly completionRequests: number;
  readonly completionRequestsPer100Chars: number;
  /** Other engine requests in the typing windows, by path (e.g. /api/show, /api/tags). */
  readonly otherRequests: Record<string, number>;
  readonly abortedRequests: number;
  readonly pauses: number;
  readonly pausesWithGhostText: number;
  readonly latencyP50Ms: number | null;
  readonly latencyP95Ms: number | null;
  readonly tokensGenerated: number;
  readonly tokensNeverShown: number;
  readonly tokensNeverShownFraction: number | null;
  readonly engineBusyMs: number;
  readonly engineBusyFraction: number;
  /** p50 over completion requests of prompt tokens, and of those the engine had to evaluate (not in its cache). */
  readonly promptTokensP50: number | null;
  readonly evaluatedPromptTokensP50: number | null;
  /** Ghost-text appearances, and how many of them no request's answer explains. */
  readonly ghostAppearances: number;
  readonly unattributedGhostAppearances: number;
  /** p50 of each part, over the pauses whose ghost text answered a request sent after their Enter. */
  readonly latencyBreakdownP50: LatencyBreakdown | null;
  /** Pauses whose ghost text came from an answer requested before their Enter (cache, typing through). */
  readonly pausesServedFromEarlierAnswers: number;
  readonly pauseDetails: readonly PauseResult[];
  readonly shownRequestIds: readonly number[];
}

export const COMPLETION_PATH = '/api/generate';
/** Slack for matching a ghost change to an answer: the page's and the process's clocks are aligned to a few ms. */
export const CLOCK_TOLERANCE_MS = 20;

/** Whitespace-insensitive form: the editor renders spaces as U+00A0 and lays out indentation its own way. */
export function squeezed(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ').trim();
}

/** Nearest-rank percentile; null for no samples. */
export function percentile(samples: readonly number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function inWindow(at: number, segments: readonly SegmentObservation[]): boolean {
  return segments.some((s) => at >= s.startAt && at <= s.endAt);
}

/**
 * Pauses are the quiet spans after each Enter, up to the next key or the end of the window. A pause
 * "has ghost text" when the ghost text changes to something visible (not only whitespace) inside it;
 * its latency is from the Enter's keydown to that change.
 */
export function pauseResults(segment: SegmentObservation, ghosts: readonly GhostRecord[]): PauseResult[] {
  const keys = [...segment.keys].sort((a, b) => a.at - b.at);
  const results: PauseResult[] = [];
  keys.forEach((key, i) => {
    if (key.key !== 'Enter') return;
    const end = i + 1 < keys.length ? keys[i + 1].at : segment.endAt;
    const shown = ghosts.find((g) => g.at > key.at && g.at < end && squeezed(g.text) !== '');
    results.push({ enterAt: key.at, durationMs: end - key.at, latencyMs: shown ? shown.at - key.at : null, ...(shown ? { ghostAt: shown.at, ghostText: shown.text } : {}) });
  });
  return results;
}

/**
 * Which requests' answers became visible ghost text. Each visible ghost change is credited to the
 * latest completion request whose answer had started to arrive by then and contains the shown text
 * (shown text may be cut to a line, or shortened by typing through it, never changed otherwise).
 */
export function attributeGhostText(
  ghosts: readonly GhostRecord[],
  requests: readonly ObservedRequest[],
): { shown: Set<number>; sourceByGhostAt: Map<number, number>; unattributed: number; appearances: number } {
  const shown = new Set<number>();
  const sourceByGhostAt = new Map<number, number>();
  let unattributed = 0;
  let appearances = 0;
  const answers = requests
    .filter((r) => r.path === COMPLETION_PATH && r.firstTextAt !== undefined)
    .map((r) => ({ id: r.id, firstTextAt: r.firstTextAt as number, text: squeezed(r.answer) }))
    .sort((a, b) => b.firstTextAt - a.firstTextAt);
  for (const ghost of ghosts) {
    const text = squeezed(ghost.text);
    if (text === '') continue;
    appearances++;
    const source = answers.find((a) => a.firstTextAt <= ghost.at + CLOCK_TOLERANCE_MS && a.text.includes(text));
    if (source) {
      shown.add(source.id);
      sourceByGhostAt.set(ghost.at, source.id);
    } else unattributed++;
  }
  return { shown, sourceByGhostAt, unattributed, appearances };
}

/**
 * Time the model worked inside the windows. The engine runs one request at a time in arrival
 * order, so a request holds the model from its arrival or the previous request's end, whichever
 * is later, until it stopped; those spans are clipped to the windows.
 */
export function engineBusyInWindows(segments: readonly SegmentObservation[], requests: readonly ObservedRequest[]): number {
  const spans = requests.filter((r) => r.stoppedAt !== undefined).sort((a, b) => (a.stoppedAt as number) - (b.stoppedAt as number));
  let previousStop = -Infinity;
  let busy = 0;
  for (const r of spans) {
    const stop = r.stoppedAt as number;
    const start = Math.min(stop, Math.max(r.arrivedAt, previousStop));
    previousStop = stop;
    for (const s of segments) busy += Math.max(0, Math.min(stop, s.endAt) - Math.max(start, s.startAt));
  }
  return busy;
}

function withSource(pause: PauseResult, source: ObservedRequest | undefined): PauseResult {
  if (!source || pause.ghostAt === undefined) return pause;
  if (source.arrivedAt < pause.enterAt || source.firstTextAt === undefined) return { ...pause, sourceRequestId: source.id };
  return {
    ...pause,
    sourceRequestId: source.id,
    breakdown: { enterToRequestMs: source.arrivedAt - pause.enterAt, requestToFirstTextMs: source.firstTextAt - source.arrivedAt, firstTextToScreenMs: pause.ghostAt - source.firstTextAt },
  };
}

export function modeMetrics(segments: readonly SegmentObservation[], ghosts: readonly GhostRecord[], requests: readonly ObservedRequest[]): ModeMetrics {
  const windowRequests = requests.filter((r) => inWindow(r.arrivedAt, segments));
  const completions = windowRequests.filter((r) => r.path === COMPLETION_PATH);
  const otherRequests: Record<string, number> = {};
  for (const r of windowRequests) if (r.path !== COMPLETION_PATH) otherRequests[r.path] = (otherRequests[r.path] ?? 0) + 1;

  const windowGhosts = ghosts.filter((g) => inWindow(g.at, segments));
  // Answers to requests from before a window may still be shown in it (cache), so all requests are candidates.
  const { shown, sourceByGhostAt, unattributed, appearances } = attributeGhostText(windowGhosts, requests);
  const tokensGenerated = completions.reduce((sum, r) => sum + r.generatedTokens, 0);
  const tokensNeverShown = completions.filter((r) => !shown.has(r.id)).reduce((sum, r) => sum + r.generatedTokens, 0);

  const requestById = new Map(requests.map((r) => [r.id, r]));
  const pauseDetails = segments.flatMap((s) => pauseResults(s, ghosts)).map((pause) => withSource(pause, pause.ghostAt === undefined ? undefined : requestById.get(sourceByGhostAt.get(pause.ghostAt) ?? -1)));
  const breakdowns = pauseDetails.flatMap((p) => (p.breakdown ? [p.breakdown] : []));
  const p50 = (part: keyof LatencyBreakdown): number => percentile(breakdowns.map((b) => b[part]), 50) as number;
  const latencies = pauseDetails.flatMap((p) => (p.latencyMs === null ? [] : [p.latencyMs]));
  const keyGaps = segments.flatMap((s) => s.keys.slice(1).flatMap((key, i) => (s.keys[i].key === 'Enter' ? [] : [key.at - s.keys[i].at])));
  const typedKeystrokes = segments.reduce((sum, s) => sum + s.keys.length, 0);
  const typingMs = segments.reduce((sum, s) => sum + (s.endAt - s.startAt), 0);
  const engineBusyMs = engineBusyInWindows(segments, requests);
  return {
    typedKeystrokes,
    typingMs,
    meanKeyGapMs: mean(keyGaps),
    meanPauseMs: mean(pauseDetails.map((p) => p.durationMs)),
    completionRequests: completions.length,
    completionRequestsPer100Chars: typedKeystrokes === 0 ? 0 : (100 * completions.length) / typedKeystrokes,
    otherRequests,
    abortedRequests: completions.filter((r) => r.aborted).length,
    promptTokensP50: percentile(completions.map((r) => r.promptTokens), 50),
    evaluatedPromptTokensP50: percentile(completions.map((r) => r.promptTokens - r.reusedTokens), 50),
    pauses: pauseDetails.length,
    pausesWithGhostText: latencies.length,
    latencyP50Ms: percentile(latencies, 50),
    latencyP95Ms: percentile(latencies, 95),
    tokensGenerated,
    tokensNeverShown,
    tokensNeverShownFraction: tokensGenerated === 0 ? null : tokensNeverShown / tokensGenerated,
    engineBusyMs,
    engineBusyFraction: typingMs === 0 ? 0 : engineBusyMs / typingMs,
    ghostAppearances: appearances,
    unattributedGhostAppearances: unattributed,
    latencyBreakdownP50: breakdowns.length === 0 ? null : { enterToRequestMs: p50('enterToRequestMs'), requestToFirstTextMs: p50('requestToFirstTextMs'), firstTextToScreenMs: p50('firstTextToScreenMs') },
    pausesServedFromEarlierAnswers: pauseDetails.filter((p) => p.sourceRequestId !== undefined && p.breakdown === undefined).length,
    pauseDetails,
    shownRequestIds: [...shown].sort((a, b) => a - b),
  };
}
