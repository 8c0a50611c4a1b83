import type { FileRef } from '../policy/policyTypes';

/** The ways workspace content ends up in a request; each piece is checked against the file's policy. */
export type ContentKind = 'selection' | 'current-file' | 'snippet' | 'attachment' | 'diagnostics' | 'history';

/** Text that is not workspace content: the extension's own template text or the prompt the user typed. */
export interface InstructionPart {
  readonly kind: 'instruction';
  readonly text: string;
}

/** Workspace content with the identity of the file it came from. */
export interface ContentPart {
  readonly kind: ContentKind;
  readonly file: FileRef;
  /** The exact text to include (with any header the caller wants, e.g. the file name and a fence). */
  readonly text: string;
  /** When true the request is refused if this part is not allowed; otherwise the part is dropped. */
  readonly required?: boolean;
}

export type MessagePart = InstructionPart | ContentPart;

/** A chat message assembled by the gate from its parts (concatenated in order, no separator). */
export interface EgressMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly parts: readonly MessagePart[];
}

export interface EgressRequest {
  /** What the user asked for, e.g. `chat` or `refactor`; recorded in the audit log. */
  readonly command: string;
  /** The cloud endpoint from application-scoped settings; checked for https and the host allow list. */
  readonly endpoint: { readonly baseUrl: string; readonly model: string };
  readonly messages: readonly EgressMessage[];
  readonly signal?: AbortSignal;
  /**
   * The same object for every attempt (retry) of one user request: a preview the user approved
   * covers the later attempts that send the same messages to the same endpoint.
   */
  readonly attemptOf?: object;
}

export function isContentPart(part: MessagePart): part is ContentPart {
  return part.kind !== 'instruction';
}
