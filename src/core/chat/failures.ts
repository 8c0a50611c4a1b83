import {
  EndpointUnreachableError,
  FirstByteTimeoutError,
  formatSeconds,
  HttpStatusError,
  KeyRejectedError,
  MissingApiKeyError,
  ModelNotFoundError,
  RateLimitedError,
  ServerError,
  StreamResetError,
  StreamStalledError,
} from '../net/errors';
import { EgressRefusedError } from '../egress/egressPlan';
import type { RetryDecision } from '../net/retry';
import type { RouteCandidate } from '../routing/router';
import type { ErrorAction } from './types';

export const SET_CLOUD_KEY_ACTION: ErrorAction = { title: 'Set Cloud API Key', command: 'tandem.setCloudApiKey' };
export const CHECK_LOCAL_ENGINE_ACTION: ErrorAction = { title: 'Check Local Engine', command: 'tandem.checkLocalEngine' };

/** Why one candidate could not answer, as a clause for notices and errors, and what the user can do. */
export interface CandidateFailure {
  summary: string;
  actions: ErrorAction[];
}

/** "cloud gpt-4.1" / "local qwen2.5-coder:7b": how messages name a candidate. */
export function candidateName(candidate: RouteCandidate): string {
  return `${candidate.where} ${candidate.endpoint.model}`;
}

/**
 * Describes a failure before any text arrived, e.g. "cloud gpt-4.1 returned 429 (rate limit or
 * quota) after 2 retries; it resets in 40 s".
 */
export function describeFailure(candidate: RouteCandidate, error: unknown, retries: number, stop: RetryDecision): CandidateFailure {
  const name = candidateName(candidate);
  const afterRetries = retries ? ` after ${retries} ${retries === 1 ? 'retry' : 'retries'}` : '';
  const local = candidate.where === 'local';
  if (error instanceof MissingApiKeyError) return { summary: `${name}: no API key is set for ${error.endpoint}`, actions: [SET_CLOUD_KEY_ACTION] };
  if (error instanceof KeyRejectedError)
    return { summary: `${error.endpoint} rejected the API key (${error.status}) for ${name}`, actions: [SET_CLOUD_KEY_ACTION] };
  if (error instanceof ModelNotFoundError)
    return local
      ? { summary: `model ${error.model} is not installed in the local engine; run \`ollama pull ${error.model}\``, actions: [] }
      : { summary: `model ${error.model} was not found at ${error.endpoint} (404); check tandem.cloud.model`, actions: [] };
  if (error instanceof RateLimitedError) {
    const resets = error.resetsInMs !== undefined ? `; the limit resets in ${formatSeconds(error.resetsInMs)}` : '';
    const tooLong = stop.retry === false && stop.why === 'server-wait-too-long' ? ' and asked for a longer wait than Tandem allows' : '';
    return { summary: `${name} returned 429 (rate limit or quota)${afterRetries}${tooLong}${resets}`, actions: [] };
  }
  if (error instanceof ServerError) return { summary: `${name} returned ${error.status} (server error)${afterRetries}`, actions: [] };
  if (error instanceof HttpStatusError) return { summary: `${name} refused the request: ${error.message}`, actions: [] };
  if (error instanceof EndpointUnreachableError)
    return local
      ? { summary: `${error.endpoint} does not answer (${error.causeText}); start Ollama (\`ollama serve\`) or check tandem.local.host`, actions: [CHECK_LOCAL_ENGINE_ACTION] }
      : { summary: `cannot reach ${error.endpoint} for ${name} (${error.causeText}; offline?)${afterRetries}`, actions: [] };
  if (error instanceof EgressRefusedError) return { summary: `the egress gate stopped the request to ${name}: ${error.reason}`, actions: [] };
  if (error instanceof FirstByteTimeoutError || error instanceof StreamStalledError || error instanceof StreamResetError)
    return { summary: `${name}: ${lowerFirst(error.message.replace(/\.$/, ''))}${afterRetries}`, actions: [] };
  return { summary: `${name} failed: ${error instanceof Error ? error.message : String(error)}`, actions: [] };
}

/** The notice when a stream breaks after some text: the partial answer stays, marked incomplete. */
export function describeInterruption(candidate: RouteCandidate, error: unknown): string {
  const cause =
    error instanceof StreamStalledError
      ? `it sent nothing for ${formatSeconds(error.limitMs)}`
      : error instanceof StreamResetError
        ? `the connection broke (${error.causeText})`
        : error instanceof Error
          ? error.message
          : String(error);
  return `The answer from ${candidateName(candidate)} is incomplete: ${cause}.`;
}

/** One error for the UI when no candidate could answer: every reason, and the actions without duplicates. */
export function combineFailures(failures: readonly CandidateFailure[]): { message: string; actions: ErrorAction[] } {
  const message =
    failures.length === 1 ? `${upperFirst(failures[0]!.summary)}.` : `No model could answer: ${failures.map((f) => f.summary).join('; ')}.`;
  const actions = [...new Map(failures.flatMap((f) => f.actions).map((a) => [a.command, a])).values()];
  return { message, actions };
}

/** Capitalises a clause that starts a sentence. */
export function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
