/** One turn of a conversation, as sent to a chat model. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Which model answers, where it runs, and why it was chosen (shown with every answer). */
export interface AnswerRoute {
  model: string;
  where: 'local' | 'cloud';
  /** Human sentence, e.g. "policy: src/secret/** is localOnly" or "cloud returned 429; fell back". */
  why: string;
}

/** Token counts as reported by the server (estimated=true when the server gave none). */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  estimated: boolean;
}

/** An action offered with an error, run as a VS Code command (e.g. "Set Cloud API Key"). */
export interface ErrorAction {
  title: string;
  command: string;
}

/**
 * What a chat or refactor request streams back to its UI. A stream always ends with exactly one
 * `done` or `error` event, so no caller is left with a spinner.
 */
export type ChatEvent =
  | { kind: 'route'; route: AnswerRoute }
  | { kind: 'text'; text: string }
  | { kind: 'notice'; text: string }
  | { kind: 'done'; usage?: TokenUsage; interrupted: boolean }
  | { kind: 'error'; message: string; actions: ErrorAction[] };

/** Where a piece of workspace content included in a request comes from (for policy and audit). */
export interface ContentPiece {
  kind: 'selection' | 'file' | 'snippet' | 'attachment' | 'diagnostics';
  /** Workspace folder URI string and folder-relative path; undefined for untitled or non-file content. */
  folder?: string;
  relativePath?: string;
  text: string;
}

/** A request from a chat or refactor command, before routing. */
export interface ChatRequest {
  command: 'chat' | 'explain' | 'ask' | 'refactor' | 'fix' | 'tests';
  messages: ChatMessage[];
  content: ContentPiece[];
  /** The user asked for the cloud explicitly ("re-ask in the cloud"). */
  preferCloud?: boolean;
}
