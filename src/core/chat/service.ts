import { CHAT_BREAKER, CircuitBreaker, type BreakerOptions, type BreakerState } from '../net/breaker';
import type { Clock } from '../net/clock';
import { formatSeconds, RequestCancelledError } from '../net/errors';
import { CHAT_RETRY, decideRetry, isRetryable, sleep, type RetryDecision, type RetryOptions } from '../net/retry';
import { guardStream, untilCancelled, type StreamLimits } from '../net/streamGuard';
import { routeChat, type RouteCandidate, type RoutePlan, type RoutingInput } from '../routing/router';
import type { RouteReason } from '../usage/cell';
import { candidateName, combineFailures, describeFailure, describeInterruption, SET_CLOUD_KEY_ACTION, upperFirst, type CandidateFailure } from './failures';
import type { ChatChunk, CloudSend, LocalChat } from './ports';
import type { AnswerRoute, ChatEvent, ChatMessage, ChatRequest, TokenUsage } from './types';

/** What the wiring knows about a request before routing: policy decisions, endpoints, key presence. */
export type RoutingContext = Omit<RoutingInput, 'health' | 'preferCloud'>;

/** One model call, for the usage ledger. Failed calls are reported too (zero tokens). */
export interface ChatUsageRecord {
  command: ChatRequest['command'];
  route: AnswerRoute;
  /** Why this model: the routing policy chose it, an earlier one failed or was skipped, or the user re-asked in the cloud. */
  reason: RouteReason;
  usage: TokenUsage;
  /** From this candidate's first attempt to its end, retry waits included. */
  latencyMs: number;
  /** From this candidate's first attempt to its first text; undefined when no text came. */
  firstTextMs: number | undefined;
  retries: number;
  outcome: 'answered' | 'interrupted' | 'cancelled' | 'failed';
}

export interface ChatServiceDeps {
  routingContext(request: ChatRequest): Promise<RoutingContext>;
  /** Cloud calls; the wiring binds this to the egress gate. */
  send: CloudSend;
  local: LocalChat;
  onUsage(record: ChatUsageRecord): void;
  clock: Clock;
  /** In [0, 1); jitter for retry backoff. */
  random: () => number;
}

export interface ChatServiceOptions {
  /** Retries for cloud candidates; the local engine gets none (it is down or it is not). */
  retry: RetryOptions;
  breaker: BreakerOptions;
  cloudLimits: StreamLimits;
  /** Generous first chunk: loading a 7B model from disk takes a while. */
  localLimits: StreamLimits;
}

export const CHAT_SERVICE_DEFAULTS: Readonly<ChatServiceOptions> = {
  retry: CHAT_RETRY,
  breaker: CHAT_BREAKER,
  cloudLimits: { firstChunkMs: 30_000, idleMs: 20_000 },
  localLimits: { firstChunkMs: 120_000, idleMs: 30_000 },
};

type AttemptResult = { kind: 'finished' } | { kind: 'failed'; failure: CandidateFailure };

/**
 * Answers chat and refactor requests: routes each request, then tries the candidates in order
 * (cloud through `send` with retry, breaker and stream timeouts; then the local model), telling
 * the user who answered and why the first choice did not. Every stream ends with exactly one
 * `done` or `error`. A `route` event comes first (unless the request ends before routing: blocked
 * by policy, routing failed, or cancelled) and again before each fallback; the last one names the
 * model that answered.
 * A cancel ends the stream with `done` (interrupted), also while a retry waits.
 */
export class ChatService {
  /** One breaker per cloud endpoint id, living as long as the service. */
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(private readonly deps: ChatServiceDeps, private readonly options: ChatServiceOptions = CHAT_SERVICE_DEFAULTS) {}

  /** Where a request would go now, without sending it (shown before the user sends). */
  async plan(request: ChatRequest): Promise<RoutePlan> {
    const context = await this.deps.routingContext(request);
    return routeChat({ ...context, health: (id) => this.health(id), preferCloud: request.preferCloud === true });
  }

  /** Breaker state of a cloud endpoint. */
  health(endpointId: string): BreakerState {
    return this.breakers.get(endpointId)?.state ?? 'closed';
  }

  async *ask(request: ChatRequest, signal: AbortSignal): AsyncGenerator<ChatEvent> {
    let plan: RoutePlan;
    try {
      plan = await this.plan(request);
    } catch (e) {
      yield { kind: 'error', message: `Tandem could not decide where to send this request: ${e instanceof Error ? e.message : String(e)}`, actions: [] };
      return;
    }
    if (signal.aborted) {
      yield { kind: 'done', interrupted: true };
      return;
    }
    if (plan.candidates.length === 0) {
      yield { kind: 'error', message: `Nothing was sent: ${plan.blocked ?? 'no model may answer this request'}.`, actions: [] };
      return;
    }
    const failures: CandidateFailure[] = plan.skipped.map((s) => ({ summary: s.why, actions: s.cause === 'no-key' ? [SET_CLOUD_KEY_ACTION] : [] }));
    let lastFailure: string | undefined;
    for (const candidate of plan.candidates) {
      if (lastFailure !== undefined) yield { kind: 'notice', text: `${upperFirst(lastFailure)}; falling back to ${candidateName(candidate)}.` };
      const route: AnswerRoute = {
        model: candidate.endpoint.model,
        where: candidate.where,
        why: lastFailure === undefined ? candidate.why : `fallback: ${lastFailure}`,
      };
      yield { kind: 'route', route };
      const result = yield* this.attempt(candidate, route, lastFailure === undefined ? candidate.reason : 'fallback', request, signal);
      if (result.kind === 'finished') return;
      failures.push(result.failure);
      lastFailure = result.failure.summary;
    }
    yield { kind: 'error', ...combineFailures(failures) };
  }

  /** Streams one candidate's answer with retries; ends the whole answer unless it failed before any text. */
  private async *attempt(candidate: RouteCandidate, route: AnswerRoute, reason: RouteReason, request: ChatRequest, signal: AbortSignal): AsyncGenerator<ChatEvent, AttemptResult> {
    const { clock } = this.deps;
    const cloud = candidate.where === 'cloud';
    const breaker = cloud ? this.breaker(candidate.endpoint.id) : undefined;
    const retry = cloud ? this.options.retry : { ...this.options.retry, maxRetries: 0 };
    const startedAt = clock.now();
    let retries = 0;
    let firstTextAt: number | undefined;
    let text = '';
    let usage: TokenUsage | undefined;
    const report = (outcome: ChatUsageRecord['outcome']) =>
      this.deps.onUsage({
        command: request.command,
        route,
        reason,
        usage: usage ?? estimateUsage(request.messages, text),
        latencyMs: clock.now() - startedAt,
        firstTextMs: firstTextAt === undefined ? undefined : firstTextAt - startedAt,
        retries,
        outcome,
      });

    for (;;) {
      try {
        for await (const chunk of this.open(candidate, request, signal)) {
          if (chunk.type === 'usage') usage = { promptTokens: chunk.promptTokens, completionTokens: chunk.completionTokens, estimated: false };
          else if (chunk.text) {
            firstTextAt ??= clock.now();
            text += chunk.text;
            yield { kind: 'text', text: chunk.text };
          }
        }
        breaker?.recordSuccess();
        report('answered');
        yield { kind: 'done', usage: usage ?? estimateUsage(request.messages, text), interrupted: false };
        return { kind: 'finished' };
      } catch (error) {
        if (error instanceof RequestCancelledError || signal.aborted) {
          report('cancelled');
          yield { kind: 'done', usage: usage ?? estimateUsage(request.messages, text), interrupted: true };
          return { kind: 'finished' };
        }
        if (isRetryable(error)) breaker?.recordFailure();
        if (text) {
          // Retrying now would repeat what the user has already read: keep the partial answer.
          report('interrupted');
          yield { kind: 'notice', text: describeInterruption(candidate, error) };
          yield { kind: 'done', usage: usage ?? estimateUsage(request.messages, text), interrupted: true };
          return { kind: 'finished' };
        }
        const decision: RetryDecision = decideRetry(error, retries, retry, this.deps.random);
        if (!decision.retry || breaker?.state === 'open') {
          report('failed');
          return { kind: 'failed', failure: describeFailure(candidate, error, retries, decision) };
        }
        retries++;
        const cause = describeFailure(candidate, error, 0, decision).summary;
        yield { kind: 'notice', text: `${upperFirst(cause)}; retrying in ${formatSeconds(decision.delayMs)} (${retries}/${retry.maxRetries}).` };
        try {
          await sleep(decision.delayMs, signal, clock);
        } catch {
          report('cancelled');
          yield { kind: 'done', interrupted: true };
          return { kind: 'finished' };
        }
      }
    }
  }

  private async *open(candidate: RouteCandidate, request: ChatRequest, signal: AbortSignal): AsyncGenerator<ChatChunk> {
    const { clock } = this.deps;
    const transfer = new AbortController();
    const label = candidate.endpoint.label;
    if (candidate.where === 'local') {
      yield* guardStream(this.deps.local.streamChat(candidate.endpoint.model, request.messages, transfer.signal), transfer, label, this.options.localLimits, clock, signal);
      return;
    }
    // The gate may wait for the user to approve a preview: that wait is not the endpoint's first
    // byte, so it is outside the limits (but a cancel still ends it at once).
    let events: AsyncIterable<ChatChunk>;
    try {
      events = await untilCancelled(this.deps.send(candidate, request, transfer.signal), signal);
    } catch (e) {
      transfer.abort();
      throw e;
    }
    yield* guardStream(events, transfer, label, this.options.cloudLimits, clock, signal);
  }

  private breaker(endpointId: string): CircuitBreaker {
    let breaker = this.breakers.get(endpointId);
    if (!breaker) this.breakers.set(endpointId, (breaker = new CircuitBreaker(this.options.breaker, this.deps.clock)));
    return breaker;
  }
}

/** Roughly four characters per token, for servers that report no usage (e.g. a stream cut short). */
function estimateUsage(messages: readonly ChatMessage[], answer: string): TokenUsage {
  const promptChars = messages.reduce((n, m) => n + m.content.length, 0);
  return { promptTokens: Math.ceil(promptChars / 4), completionTokens: Math.ceil(answer.length / 4), estimated: true };
}
