import type { BreakerState } from '../net/breaker';
import type { PolicyDecision } from '../policy/policyTypes';
import type { RouteReason } from '../usage/cell';

/** An OpenAI-compatible endpoint from the user's (application-scoped) settings. */
export interface CloudEndpoint {
  /** Stable id (e.g. the base URL); keys the endpoint's circuit breaker. */
  id: string;
  baseUrl: string;
  model: string;
  /** Short human name for messages, e.g. "api.openai.com". */
  label: string;
  /** Whether an API key is stored for it (SecretStorage). */
  hasKey: boolean;
}

/** The local chat model. */
export interface LocalEndpoint {
  id: string;
  model: string;
  /** e.g. "local Ollama at 127.0.0.1:11434". */
  label: string;
}

/** The policy's answer for one file whose content the request includes. */
export interface IncludedFile {
  /** Display path, e.g. "api/src/secret/keys.ts". */
  path: string;
  decision: PolicyDecision;
}

export interface RoutingInput {
  /** The workspace-wide decision: user mode, status-bar toggle, trust, a repository forcing local-only. */
  workspace: PolicyDecision;
  files: readonly IncludedFile[];
  /** Primary cloud endpoint first, then the configured fallbacks, in order. */
  cloud: readonly CloudEndpoint[];
  local: LocalEndpoint;
  /** Breaker state of an endpoint, by id. */
  health: (endpointId: string) => BreakerState;
  /** The user asked for the cloud explicitly ("re-ask in the cloud"): honoured only where policy allows. */
  preferCloud: boolean;
}

/** `why` is for people; `reason` the same choice as a category, for the usage ledger. */
export type CloudCandidate = { where: 'cloud'; endpoint: CloudEndpoint; why: string; reason: RouteReason };
export type LocalCandidate = { where: 'local'; endpoint: LocalEndpoint; why: string; reason: RouteReason };
export type RouteCandidate = CloudCandidate | LocalCandidate;

/** A cloud endpoint the policy allows but that cannot be used now. */
export interface SkippedEndpoint {
  endpoint: CloudEndpoint;
  cause: 'no-key' | 'circuit-open';
  why: string;
}

export interface RoutePlan {
  /** Try in this order; the first is the route shown before sending. Empty only when `blocked`. */
  candidates: RouteCandidate[];
  skipped: SkippedEndpoint[];
  /** Why no model at all may see this request (content excluded from AI). */
  blocked?: string;
}

/**
 * Which models may answer a chat or refactor request, best first. Cloud only when the workspace
 * and every included file allow it; then the primary cloud endpoint, the fallbacks, and the local
 * model last. Otherwise the local model alone. Content excluded from AI blocks the request.
 */
export function routeChat(input: RoutingInput): RoutePlan {
  const excluded = input.files.find((f) => !f.decision.allowAi);
  if (excluded) return { candidates: [], skipped: [], blocked: `${excluded.path} is excluded from AI: ${excluded.decision.reason}` };

  const cloudDenial = !input.workspace.allowCloud
    ? input.workspace.reason
    : input.files.filter((f) => !f.decision.allowCloud).map((f) => `${f.path}: ${f.decision.reason}`)[0];
  if (cloudDenial !== undefined) {
    const why = input.preferCloud ? `cloud requested, but policy keeps this request local (${cloudDenial})` : `policy keeps this request local (${cloudDenial})`;
    return { candidates: [{ where: 'local', endpoint: input.local, why, reason: 'policy' }], skipped: [] };
  }

  const skipped: SkippedEndpoint[] = [];
  const cloud: CloudCandidate[] = [];
  for (const endpoint of input.cloud) {
    const name = `cloud ${endpoint.model} (${endpoint.label})`;
    if (!endpoint.hasKey) skipped.push({ endpoint, cause: 'no-key', why: `${name} skipped: no API key is set` });
    else if (input.health(endpoint.id) === 'open' && !input.preferCloud)
      skipped.push({ endpoint, cause: 'circuit-open', why: `${name} skipped: it failed repeatedly and is paused` });
    else if (cloud.length) cloud.push({ where: 'cloud', endpoint, why: 'fallback cloud endpoint', reason: 'fallback' });
    else cloud.push({ where: 'cloud', endpoint, why: cloudReason(input), reason: input.preferCloud ? 'user' : 'policy' });
  }
  const skipNote = skipped.map((s) => s.why).join('; ');
  const local: LocalCandidate = {
    where: 'local',
    endpoint: input.local,
    why: cloud.length ? 'fallback to the local model' : input.cloud.length ? skipNote : 'no cloud endpoint is configured',
    reason: cloud.length ? 'fallback' : 'policy',
  };
  if (cloud[0] && skipNote) cloud[0] = { ...cloud[0], why: `${cloud[0].why}; ${skipNote}` };
  return { candidates: [...cloud, local], skipped };
}

function cloudReason(input: RoutingInput): string {
  if (input.preferCloud) return 're-asked in the cloud';
  const n = input.files.length;
  return n ? `hybrid mode; policy allows the cloud for ${n === 1 ? 'the included file' : `all ${n} included files`}` : 'hybrid mode';
}
