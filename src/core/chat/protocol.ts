import type { AnswerRoute, ChatEvent, ChatRequest, ContentPiece, ErrorAction, TokenUsage } from './types';

/**
 * The chat panel's shared vocabulary: the turn record both sides keep, the messages the host and
 * the webview exchange, and the one function that folds a streamed event into a turn (so host
 * state and webview rendering cannot drift apart). Pure: imported by the extension and bundled
 * into the browser script.
 */

/** How a turn ended, or that it is still streaming. */
export type TurnStatus = 'streaming' | 'done' | 'interrupted' | 'stopped' | 'failed';

/** What the user asked in one turn and what came back, as shown in the panel. */
export interface TurnView {
  id: string;
  command: ChatRequest['command'];
  question: string;
  /** Short names of the attached content, e.g. "selection · src/app.ts". */
  contextLabels: string[];
  /** The user asked for the cloud explicitly (a "re-ask in the cloud" turn). */
  preferCloud: boolean;
  answer: string;
  route?: AnswerRoute;
  notices: string[];
  error?: { message: string; actions: ErrorAction[] };
  status: TurnStatus;
  usage?: TokenUsage;
}

/** A turn as the host keeps and stores it: the view plus the content sent with it. */
export interface ChatTurn extends TurnView {
  content: ContentPiece[];
}

/** Where the next message will go, as shown under the input; `unknown` when the preview failed. */
export type DestinationHint = { kind: 'route'; route: AnswerRoute } | { kind: 'unknown'; reason: string };

/** Content attached to the next message (from Ask About / Explain Selection), shown above the input. */
export interface PendingContext {
  labels: string[];
}

/** Host → webview. */
export type HostMessage =
  /** Full state: sent when the webview (re)loads and after history is cleared. */
  | {
      type: 'state';
      turns: TurnView[];
      /** Ids of local turns that may be re-asked in the cloud under the current policy. */
      cloudReaskable: string[];
      pending?: PendingContext;
      destination: DestinationHint;
    }
  /** Put a prefilled question into the input (the host sends it itself when asked to auto-send). */
  | { type: 'prefill'; text: string; pending?: PendingContext }
  | { type: 'turnStarted'; turn: TurnView }
  | { type: 'event'; turnId: string; event: ChatEvent }
  /** A turn reached its final status (done, stopped, failed...). */
  | { type: 'turnEnded'; turnId: string; status: TurnStatus; cloudReaskable: boolean }
  | { type: 'destination'; destination: DestinationHint; pending?: PendingContext };

/** Webview → host. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'send'; text: string }
  | { type: 'stop' }
  | { type: 'reaskInCloud'; turnId: string }
  | { type: 'runAction'; turnId: string; command: string }
  | { type: 'copyCode'; code: string }
  | { type: 'insertCode'; code: string }
  | { type: 'dropContext' }
  | { type: 'clearHistory' };

const TURN_COMMANDS: ReadonlySet<string> = new Set<ChatRequest['command']>(['chat', 'explain', 'ask', 'refactor', 'fix', 'tests']);

/**
 * Folds one streamed event into a turn. A `done` or `error` ends the turn; events that arrive after
 * the turn ended (e.g. after Stop) are ignored so a late stream cannot reopen it.
 */
export function applyChatEvent(turn: TurnView, event: ChatEvent): void {
  if (turn.status !== 'streaming') return;
  switch (event.kind) {
    case 'route':
      turn.route = event.route;
      return;
    case 'text':
      turn.answer += event.text;
      return;
    case 'notice':
      turn.notices.push(event.text);
      return;
    case 'done':
      turn.usage = event.usage;
      turn.status = event.interrupted ? 'interrupted' : 'done';
      return;
    case 'error':
      turn.error = { message: event.message, actions: event.actions };
      turn.status = 'failed';
      return;
  }
}

/** The webview-safe projection of a stored turn (content stays on the host side). */
export function turnView(turn: ChatTurn): TurnView {
  const { content: _content, ...view } = turn;
  return view;
}

/** Short, human label for a piece of attached content. */
export function contentLabel(piece: ContentPiece): string {
  return piece.relativePath ? `${piece.kind} · ${piece.relativePath}` : piece.kind;
}

/**
 * Checks a message from the webview before the host acts on it: the webview renders model output,
 * so its messages are treated as untrusted input.
 */
export function parseWebviewMessage(value: unknown): WebviewMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  const str = (key: string): string | undefined => (typeof m[key] === 'string' ? (m[key] as string) : undefined);
  switch (m.type) {
    case 'ready':
    case 'stop':
    case 'dropContext':
    case 'clearHistory':
      return { type: m.type };
    case 'send':
      return str('text') !== undefined ? { type: 'send', text: str('text')! } : undefined;
    case 'reaskInCloud':
      return str('turnId') !== undefined ? { type: 'reaskInCloud', turnId: str('turnId')! } : undefined;
    case 'runAction':
      return str('turnId') !== undefined && str('command') !== undefined ? { type: 'runAction', turnId: str('turnId')!, command: str('command')! } : undefined;
    case 'copyCode':
    case 'insertCode':
      return str('code') !== undefined ? { type: m.type, code: str('code')! } : undefined;
    default:
      return undefined;
  }
}

/** True when a stored value looks like a turn this version can show (history written by older builds may not). */
export function isStoredTurn(value: unknown): value is ChatTurn {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Partial<ChatTurn>;
  return (
    typeof t.id === 'string' &&
    typeof t.question === 'string' &&
    typeof t.answer === 'string' &&
    typeof t.command === 'string' &&
    TURN_COMMANDS.has(t.command) &&
    Array.isArray(t.content) &&
    Array.isArray(t.notices) &&
    Array.isArray(t.contextLabels) &&
    typeof t.status === 'string'
  );
}
