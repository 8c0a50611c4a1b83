import type { PolicySnapshot } from '../policy/effectivePolicy';
import type { AuditEntry, AuditSink } from './auditLog';
import type { CloudStreamEvent, CloudTransport } from './cloudTransport';
import {
  EgressRefusedError,
  planEgress,
  type CloudHostSettings,
  type EgressPlan,
  type EgressPlanOutcome,
} from './egressPlan';
import { isContentPart, type EgressRequest } from './egressRequest';
import { SecretRedactor } from './redaction';

/** When to show the user exactly what will leave before it does. */
export type PreviewMode = 'never' | 'first-time' | 'always';

export interface EgressPreviewOptions {
  mode(): PreviewMode;
  /** Shows the plan (redacted messages, files, drops) and resolves with the user's decision. */
  confirm(plan: EgressPlan): Promise<boolean>;
  /** Whether the user already approved a preview in this workspace (for `first-time`). */
  wasApproved(): boolean;
  markApproved(): void | PromiseLike<void>;
}

export interface EgressGateOptions {
  /** The only cloud client; the gate keeps it private. */
  readonly transport: CloudTransport;
  readonly policy: { current(): PolicySnapshot };
  readonly hostSettings: () => CloudHostSettings;
  readonly audit: AuditSink;
  readonly now: () => Date;
  readonly preview?: EgressPreviewOptions;
  readonly redactor?: SecretRedactor;
}

export interface EgressResponse {
  /** The cloud model's answer; iterating it starts the transfer. */
  readonly events: AsyncIterable<CloudStreamEvent>;
  /** What was sent, dropped and redacted (for "who answered" notes in the UI). */
  readonly plan: EgressPlan;
}

/**
 * The only path from Tandem to a cloud model. Every request is planned against the current
 * policy, optionally previewed, audited, and only then handed to the transport.
 */
export class EgressGate {
  readonly #transport: CloudTransport;
  readonly #options: Omit<EgressGateOptions, 'transport' | 'redactor'>;
  readonly #redactor: SecretRedactor;
  /** What the user approved in a preview, per request (see EgressRequest.attemptOf). */
  readonly #approvedAttempts = new WeakMap<object, string>();

  constructor(options: EgressGateOptions) {
    const { transport, redactor, ...rest } = options;
    this.#transport = transport;
    this.#redactor = redactor ?? new SecretRedactor();
    this.#options = rest;
  }

  /** What `send` would do now, without sending, previewing or auditing (for routing decisions). */
  preflight(request: EgressRequest): EgressPlanOutcome {
    return planEgress(request, this.#options.policy.current(), this.#options.hostSettings(), this.#redactor);
  }

  /**
   * Sends the allowed, redacted part of a request to the cloud model.
   * @throws EgressRefusedError when policy, endpoint, the user (preview) or the audit log stops it
   */
  async send(request: EgressRequest): Promise<EgressResponse> {
    let plan = await this.#planOrRefuse(request);
    const preview = this.#options.preview;
    const mode = preview?.mode() ?? 'never';
    const approvedBefore = request.attemptOf !== undefined && this.#approvedAttempts.get(request.attemptOf) === approvalKey(plan);
    if (preview !== undefined && !approvedBefore && (mode === 'always' || (mode === 'first-time' && !preview.wasApproved()))) {
      if (!(await preview.confirm(plan))) {
        throw await this.#refuse(request, new EgressRefusedError('preview-declined', 'You declined to send this request to the cloud model.'));
      }
      await preview.markApproved();
      // The policy may have changed while the preview was open: send only what was approved.
      const approved = plan;
      plan = await this.#planOrRefuse(request);
      if (approvalKey(plan) !== approvalKey(approved)) {
        throw await this.#refuse(
          request,
          new EgressRefusedError('policy-changed', 'The policy changed while the preview was open; nothing was sent. Please try again.'),
        );
      }
      if (request.attemptOf !== undefined) this.#approvedAttempts.set(request.attemptOf, approvalKey(plan));
    }
    try {
      await this.#options.audit.append(this.#entry(plan));
    } catch (error) {
      throw new EgressRefusedError(
        'audit-failed',
        `The egress log could not be written (${(error as Error).message}), so nothing was sent.`,
      );
    }
    const events = this.#transport.streamChat(plan.messages, {
      baseUrl: plan.baseUrl,
      model: plan.model,
      signal: request.signal,
    });
    return { events, plan };
  }

  async #planOrRefuse(request: EgressRequest): Promise<EgressPlan> {
    const outcome = this.preflight(request);
    if (!outcome.ok) {
      throw await this.#refuse(request, outcome.error);
    }
    return outcome.plan;
  }

  /** Records a refusal (best effort: the request is stopped either way) and returns the error to throw. */
  async #refuse(request: EgressRequest, error: EgressRefusedError): Promise<EgressRefusedError> {
    const held = request.messages.flatMap((message) => message.parts.filter(isContentPart));
    const entry: AuditEntry = {
      time: this.#options.now().toISOString(),
      outcome: 'refused',
      command: request.command,
      host: hostOf(request.endpoint.baseUrl),
      model: request.endpoint.model,
      files: [],
      dropped: held.map((part) => ({ ...part.file, kind: part.kind, reason: error.reason })),
      instructionBytes: 0,
      tokenEstimate: 0,
      redactions: {},
      refusal: { code: error.code, reason: error.reason },
    };
    await this.#options.audit.append(entry).catch(() => undefined);
    return error;
  }

  #entry(plan: EgressPlan): AuditEntry {
    return {
      time: this.#options.now().toISOString(),
      outcome: 'sent',
      command: plan.command,
      host: plan.host,
      model: plan.model,
      files: plan.files,
      dropped: plan.dropped,
      instructionBytes: plan.instructionBytes,
      tokenEstimate: plan.tokenEstimate,
      redactions: plan.redactions,
    };
  }
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return '(invalid URL)';
  }
}

/** What a preview approval is for: these exact messages to this endpoint and model. */
function approvalKey(plan: EgressPlan): string {
  return JSON.stringify([plan.baseUrl, plan.model, plan.messages]);
}
