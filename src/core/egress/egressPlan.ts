import type { PolicySnapshot } from '../policy/effectivePolicy';
import type { AuditEntry } from './auditLog';
import type { CloudChatMessage } from './cloudTransport';
import { isContentPart, type ContentPart, type EgressRequest } from './egressRequest';
import { hostMatches, isLoopbackHost } from './hosts';
import type { RedactionCounts, SecretRedactor } from './redaction';

/** The user's host rules, from application-scoped settings (a workspace cannot change them). */
export interface CloudHostSettings {
  /** Host patterns that may receive content (`api.openai.com`, `*.openai.azure.com`). Empty allows none. */
  readonly allowedCloudHosts: readonly string[];
  /** Permit `http://` to a loopback host. Only for the tests' recording cloud; off in production. */
  readonly allowInsecureLoopback: boolean;
}

export type EgressRefusalCode =
  | 'local-only'
  | 'invalid-endpoint'
  | 'insecure-endpoint'
  | 'host-not-allowed'
  | 'required-content-blocked'
  | 'nothing-to-send'
  | 'preview-declined'
  | 'policy-changed'
  | 'audit-failed';

/** A request the gate refused; `reason` is a sentence fit for the user. */
export class EgressRefusedError extends Error {
  constructor(
    readonly code: EgressRefusalCode,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'EgressRefusedError';
  }

  static is(value: unknown): value is EgressRefusedError {
    return value instanceof EgressRefusedError;
  }
}

/** Exactly what would leave, and the evidence recorded about it. */
export interface EgressPlan {
  readonly command: string;
  readonly baseUrl: string;
  /** `host[:port]` of the endpoint. */
  readonly host: string;
  readonly model: string;
  /** Redacted messages: the bytes the transport will send. */
  readonly messages: readonly CloudChatMessage[];
  readonly files: AuditEntry['files'];
  readonly dropped: AuditEntry['dropped'];
  readonly instructionBytes: number;
  readonly tokenEstimate: number;
  readonly redactions: RedactionCounts;
}

export type EgressPlanOutcome =
  | { readonly ok: true; readonly plan: EgressPlan }
  | { readonly ok: false; readonly error: EgressRefusedError };

const utf8 = new TextEncoder();

/** Rough token count for the audit log and the preview (about four characters per token). */
export function estimateTokens(messages: readonly CloudChatMessage[]): number {
  return Math.ceil(messages.reduce((sum, message) => sum + message.content.length, 0) / 4);
}

/**
 * Decides what of a request may leave, under one policy snapshot: the workspace must allow cloud,
 * the endpoint must be https (or permitted loopback http) on an allowed host, and every content
 * part must be allowed for that host; disallowed optional parts are dropped, a disallowed
 * required part refuses the whole request. Everything that remains is redacted.
 */
export function planEgress(
  request: EgressRequest,
  policy: PolicySnapshot,
  hostSettings: CloudHostSettings,
  redactor: SecretRedactor,
): EgressPlanOutcome {
  const refuse = (code: EgressRefusalCode, reason: string): EgressPlanOutcome => ({
    ok: false,
    error: new EgressRefusedError(code, reason),
  });
  if (!policy.workspace.allowCloud) {
    return refuse('local-only', policy.workspace.reason);
  }
  const endpoint = checkEndpoint(request.endpoint.baseUrl, hostSettings);
  if (typeof endpoint === 'string') {
    return refuse(endpoint === 'insecure' ? 'insecure-endpoint' : 'invalid-endpoint', describeEndpointProblem(request, endpoint));
  }
  if (!hostMatches(endpoint.hostname, hostSettings.allowedCloudHosts)) {
    return refuse(
      'host-not-allowed',
      `${endpoint.hostname} is not in your allowed cloud hosts (${listOrNone(hostSettings.allowedCloudHosts)}), so nothing was sent.`,
    );
  }

  const files: Array<AuditEntry['files'][number]> = [];
  const dropped: Array<AuditEntry['dropped'][number]> = [];
  const counts: Record<string, number> = {};
  let instructionBytes = 0;
  const messages: CloudChatMessage[] = [];
  for (const message of request.messages) {
    let content = '';
    for (const part of message.parts) {
      if (isContentPart(part)) {
        const blocked = blockedReason(part, endpoint.hostname, policy);
        if (blocked !== undefined) {
          if (part.required === true) {
            return refuse('required-content-blocked', `The ${part.kind} from ${part.file.path} cannot be sent: ${blocked}`);
          }
          dropped.push({ ...fileIdentity(part), reason: blocked });
          continue;
        }
      }
      const redacted = redactor.redact(part.text);
      for (const [ruleId, count] of Object.entries(redacted.counts)) {
        counts[ruleId] = (counts[ruleId] ?? 0) + count;
      }
      const bytes = utf8.encode(redacted.text).length;
      if (isContentPart(part)) {
        files.push({ ...fileIdentity(part), bytes });
      } else {
        instructionBytes += bytes;
      }
      content += redacted.text;
    }
    if (content !== '') {
      messages.push({ role: message.role, content });
    }
  }
  if (messages.length === 0) {
    return refuse('nothing-to-send', 'Nothing is left to send once the content the policy keeps local is removed.');
  }
  return {
    ok: true,
    plan: {
      command: request.command,
      baseUrl: request.endpoint.baseUrl,
      host: endpoint.host,
      model: request.endpoint.model,
      messages,
      files,
      dropped,
      instructionBytes,
      tokenEstimate: estimateTokens(messages),
      redactions: counts,
    },
  };
}

function blockedReason(part: ContentPart, hostname: string, policy: PolicySnapshot): string | undefined {
  const decision = policy.decide(part.file);
  if (!decision.allowCloud) {
    return decision.reason;
  }
  const narrowed = policy.cloudHostsFor(part.file);
  if (narrowed !== undefined && !hostMatches(hostname, narrowed.hosts)) {
    return `${narrowed.source} allows its content to go only to ${listOrNone(narrowed.hosts)}, not ${hostname}.`;
  }
  return undefined;
}

function checkEndpoint(baseUrl: string, settings: CloudHostSettings): URL | 'unparsable' | 'credentials' | 'insecure' {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return 'unparsable';
  }
  if (url.username !== '' || url.password !== '') {
    return 'credentials';
  }
  const secure = url.protocol === 'https:';
  const permittedLoopback = url.protocol === 'http:' && settings.allowInsecureLoopback && isLoopbackHost(url.hostname);
  return secure || permittedLoopback ? url : 'insecure';
}

function describeEndpointProblem(request: EgressRequest, problem: 'unparsable' | 'credentials' | 'insecure'): string {
  switch (problem) {
    case 'unparsable':
      return 'The cloud endpoint in tandem.cloud.baseUrl is not a valid URL, so nothing was sent.';
    case 'credentials':
      return 'The cloud endpoint URL contains a user name or password; put the API key in Tandem: Set Cloud API Key instead. Nothing was sent.';
    case 'insecure':
      return `The cloud endpoint must use https (got ${new URL(request.endpoint.baseUrl).protocol}), so nothing was sent.`;
  }
}

function fileIdentity(part: ContentPart): { folder?: string; path: string; kind: ContentPart['kind'] } {
  return part.file.folder === undefined
    ? { path: part.file.path, kind: part.kind }
    : { folder: part.file.folder, path: part.file.path, kind: part.kind };
}

function listOrNone(hosts: readonly string[]): string {
  return hosts.length === 0 ? 'none' : hosts.join(', ');
}
