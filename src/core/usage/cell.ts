import { InvalidUsageDataError } from './errors';
import { LatencySketch, type LatencySketchJson } from './percentiles';

/** Why a chat or refactor request went where it went. */
export type RouteReason = 'policy' | 'fallback' | 'user';
export const ROUTE_REASONS: readonly RouteReason[] = ['policy', 'fallback', 'user'];

/** Chat or refactor requests served by one backend, by the reason it was chosen. */
export type RouteCounts = Record<RouteReason, number>;

/** Plain counters of one workspace × backend × period. */
export interface UsageCounters {
  /** Requests answered (completions, chats, refactors), including cancelled ones. */
  requests: number;
  /** Requests stopped before they finished (superseded completions, user cancels). */
  cancelled: number;
  errors: number;
  /** Token totals; the `estimated*` fields say how much of them are estimates (server gave no count). */
  promptTokens: number;
  completionTokens: number;
  estimatedPromptTokens: number;
  estimatedCompletionTokens: number;
  /** Inline completions shown, accepted, and characters accepted. */
  shown: number;
  accepted: number;
  acceptedChars: number;
  /** Of the accepted characters that were checked 30 s later: how many were checked, how many remained. */
  retainCheckedChars: number;
  retainedChars: number;
  chat: RouteCounts;
  refactor: RouteCounts;
}

const NUMERIC_COUNTERS = [
  'requests',
  'cancelled',
  'errors',
  'promptTokens',
  'completionTokens',
  'estimatedPromptTokens',
  'estimatedCompletionTokens',
  'shown',
  'accepted',
  'acceptedChars',
  'retainCheckedChars',
  'retainedChars',
] as const satisfies readonly (keyof UsageCounters)[];

/** JSON form of a cell's counters and latency sketches. */
export interface UsageCellJson extends UsageCounters {
  ttft: LatencySketchJson;
  total: LatencySketchJson;
}

function emptyRoutes(): RouteCounts {
  return { policy: 0, fallback: 0, user: 0 };
}

/** Counters plus latency sketches (time to first token, total) for one workspace × backend × period. */
export class UsageCell {
  readonly counters: UsageCounters = {
    requests: 0,
    cancelled: 0,
    errors: 0,
    promptTokens: 0,
    completionTokens: 0,
    estimatedPromptTokens: 0,
    estimatedCompletionTokens: 0,
    shown: 0,
    accepted: 0,
    acceptedChars: 0,
    retainCheckedChars: 0,
    retainedChars: 0,
    chat: emptyRoutes(),
    refactor: emptyRoutes(),
  };
  readonly ttft = new LatencySketch();
  readonly total = new LatencySketch();

  /** Prompt plus completion tokens. */
  get tokens(): number {
    return this.counters.promptTokens + this.counters.completionTokens;
  }

  /** Chat and refactor requests, whatever the reason. */
  get routedRequests(): number {
    return ROUTE_REASONS.reduce((sum, reason) => sum + this.counters.chat[reason] + this.counters.refactor[reason], 0);
  }

  /** Chat and refactor requests that another backend's failure sent here. */
  get fallbacks(): number {
    return this.counters.chat.fallback + this.counters.refactor.fallback;
  }

  merge(other: UsageCell): void {
    for (const key of NUMERIC_COUNTERS) this.counters[key] += other.counters[key];
    for (const reason of ROUTE_REASONS) {
      this.counters.chat[reason] += other.counters.chat[reason];
      this.counters.refactor[reason] += other.counters.refactor[reason];
    }
    this.ttft.merge(other.ttft);
    this.total.merge(other.total);
  }

  clone(): UsageCell {
    const copy = new UsageCell();
    copy.merge(this);
    return copy;
  }

  toJSON(): UsageCellJson {
    const c = this.counters;
    return { ...c, chat: { ...c.chat }, refactor: { ...c.refactor }, ttft: this.ttft.toJSON(), total: this.total.toJSON() };
  }

  /**
   * Rebuilds a cell; missing counters count as 0 (older writers), wrong types or negative values
   * throw InvalidUsageDataError.
   */
  static fromJSON(json: unknown): UsageCell {
    if (typeof json !== 'object' || json === null) throw new InvalidUsageDataError('shape', 'cell is not an object');
    const source = json as Record<string, unknown>;
    const cell = new UsageCell();
    for (const key of NUMERIC_COUNTERS) cell.counters[key] = countOf(source[key], key);
    for (const kind of ['chat', 'refactor'] as const) {
      const routes = source[kind] ?? {};
      if (typeof routes !== 'object' || routes === null) throw new InvalidUsageDataError('shape', `${kind} is not an object`);
      for (const reason of ROUTE_REASONS) cell.counters[kind][reason] = countOf((routes as Record<string, unknown>)[reason], `${kind}.${reason}`);
    }
    if (source.ttft !== undefined) cell.ttft.merge(LatencySketch.fromJSON(source.ttft));
    if (source.total !== undefined) cell.total.merge(LatencySketch.fromJSON(source.total));
    return cell;
  }
}

function countOf(value: unknown, name: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new InvalidUsageDataError('shape', `${name} is not a count`);
  return value;
}
