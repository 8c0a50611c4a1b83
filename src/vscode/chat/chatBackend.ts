// The one place where the chat service meets settings, keys, policy, trust and the egress gate.
// Pure of 'vscode' so that its decisions can be tested without a host; the extension passes in
// functions that read VS Code state.
import type { ChatMessage, ChatRequest, AnswerRoute, ChatEvent } from '../../core/chat/types';
import type { ChatChunk, LocalChat } from '../../core/chat/ports';
import { ChatService, type ChatUsageRecord, type RoutingContext } from '../../core/chat/service';
import type { EgressGate } from '../../core/egress/egressGate';
import { classifyEndpoint } from '../../core/egress/hosts';
import type { Clock } from '../../core/net/clock';
import { hostLabel } from '../../core/net/url';
import type { PolicySnapshot } from '../../core/policy/effectivePolicy';
import type { PolicyDecision } from '../../core/policy/policyTypes';
import type { CloudEndpoint, IncludedFile, RoutePlan } from '../../core/routing/router';
import { composeRequest, egressMessages, fileRefOf } from '../../core/chat/prompt';

/** The endpoint settings the chat needs (user layer only; see Settings). */
export interface ChatEndpoints {
  localHost: string;
  chatLocalModel: string;
  trustedHosts: readonly string[];
  cloudBaseUrl: string;
  cloudModel: string;
  cloudFallbacks: ReadonlyArray<{ baseUrl: string; model: string }>;
}

export interface ChatBackendDeps {
  endpoints(): ChatEndpoints;
  /** Whether an API key is available for an endpoint (SecretStorage or the user's environment). */
  hasKey(baseUrl: string): Promise<boolean>;
  policy: { current(): PolicySnapshot };
  /** Workspace trust, checked here as well as in the policy: untrusted means local only. */
  isTrusted(): boolean;
  gate: Pick<EgressGate, 'send'>;
  /** Local Ollama chat for a host (the host setting may change between requests). */
  localChat(host: string): LocalChat;
  onUsage(record: ChatUsageRecord): void;
  clock: Clock;
  random: () => number;
}

/** The local host setting points at a machine that is neither loopback nor a trusted host. */
export class UntrustedLocalHostError extends Error {
  constructor(readonly host: string) {
    super(
      `tandem.local.host (${host}) is not loopback and not listed in tandem.trustedHosts, so Tandem does not send code there as "local". Add the host to tandem.trustedHosts if it is your own server.`,
    );
    this.name = 'UntrustedLocalHostError';
  }
}

const UNTRUSTED: PolicyDecision = {
  allowAi: true,
  allowCloud: false,
  layer: 'untrusted',
  reason: 'Local-only: this workspace is not trusted, so nothing is sent to a cloud model.',
};

/**
 * Answers chat and refactor requests: composes what the model reads, routes through the chat
 * service, sends cloud requests only through the egress gate, and reports usage.
 */
export class ChatBackend {
  private readonly service: ChatService;

  constructor(private readonly deps: ChatBackendDeps) {
    this.service = new ChatService({
      routingContext: (request) => this.routingContext(request),
      send: async (candidate, request, signal) => {
        const response = await deps.gate.send({
          command: request.command,
          endpoint: { baseUrl: candidate.endpoint.baseUrl, model: candidate.endpoint.model },
          messages: egressMessages(request),
          signal,
          // Retries and re-plans of this request reuse the user's preview approval.
          attemptOf: request,
        });
        return response.events;
      },
      local: { streamChat: (model, messages, signal) => this.streamLocal(model, messages, signal) },
      onUsage: (record) => deps.onUsage(record),
      clock: deps.clock,
      random: deps.random,
    });
  }

  /** Streams the answer; ends with exactly one `done` or `error` event. */
  ask(request: ChatRequest, signal: AbortSignal): AsyncIterable<ChatEvent> {
    return this.service.ask(composeRequest(request), signal);
  }

  /** Where the request would go now, without sending anything. */
  plan(request: ChatRequest): Promise<RoutePlan> {
    return this.service.plan(request);
  }

  /** The route shown before sending. Throws when no model may see the request at all. */
  async destination(request: ChatRequest): Promise<AnswerRoute> {
    const plan = await this.plan(request);
    const first = plan.candidates[0];
    if (!first) throw new Error(`Nothing would be sent: ${plan.blocked ?? 'no model may answer this request'}.`);
    return { model: first.endpoint.model, where: first.where, why: first.why };
  }

  /** Whether a request that the local model answered may be asked again in the cloud now. */
  async cloudReaskAllowed(request: ChatRequest): Promise<boolean> {
    return (await this.plan({ ...request, preferCloud: true })).candidates[0]?.where === 'cloud';
  }

  private async routingContext(request: ChatRequest): Promise<RoutingContext> {
    const { deps } = this;
    const endpoints = deps.endpoints();
    const snapshot = deps.policy.current();
    const trusted = deps.isTrusted();
    const files = new Map<string, IncludedFile>();
    for (const piece of request.content) {
      const ref = fileRefOf(piece);
      const key = JSON.stringify([ref.folder, ref.path]);
      if (!files.has(key)) files.set(key, { path: ref.path, decision: trusted ? snapshot.decide(ref) : { ...snapshot.decide(ref), allowCloud: false } });
    }
    const configured = [{ baseUrl: endpoints.cloudBaseUrl, model: endpoints.cloudModel }, ...endpoints.cloudFallbacks];
    const cloud: CloudEndpoint[] = await Promise.all(
      configured.map(async ({ baseUrl, model }) => ({ id: `${baseUrl}#${model}`, baseUrl, model, label: hostLabel(baseUrl), hasKey: await deps.hasKey(baseUrl) })),
    );
    return {
      workspace: trusted ? snapshot.workspace : UNTRUSTED,
      files: [...files.values()],
      cloud,
      local: { id: `local:${endpoints.localHost}`, model: endpoints.chatLocalModel, label: `local Ollama at ${hostLabel(endpoints.localHost)}` },
    };
  }

  private async *streamLocal(model: string, messages: readonly ChatMessage[], signal: AbortSignal): AsyncGenerator<ChatChunk> {
    const { localHost, trustedHosts } = this.deps.endpoints();
    // "Local" content may only go to loopback or a host the user trusts; anything else is a cloud.
    if (classifyEndpoint(localHost, trustedHosts) !== 'local') throw new UntrustedLocalHostError(localHost);
    yield* this.deps.localChat(localHost).streamChat(model, messages, signal);
  }
}
