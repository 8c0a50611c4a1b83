import type { Memento } from 'vscode';
import { isStoredTurn, type ChatTurn } from '../core/chat/protocol';
import type { ChatMessage, ChatRequest, ContentPiece } from '../core/chat/types';

const HISTORY_KEY = 'tandem.chat.history';

export interface ChatHistoryLimits {
  /** Turns kept in memory and in workspace state. */
  maxTurns: number;
  /** Rough cap on stored characters (questions, answers, content); oldest turns go first. */
  maxStoredChars: number;
  /** Earlier turns sent along with a new question as conversation context. */
  contextTurns: number;
}

export const DEFAULT_CHAT_HISTORY_LIMITS: ChatHistoryLimits = { maxTurns: 50, maxStoredChars: 1_000_000, contextTurns: 8 };

/**
 * The chat transcript of one workspace, kept in `workspaceState` so it survives reloads, and the
 * conversation each new question is sent with. Only the `Memento` type comes from VS Code, so this
 * runs (and is tested) without a host.
 */
export class ChatHistory {
  private turns: ChatTurn[];

  constructor(
    private readonly state: Pick<Memento, 'get' | 'update'>,
    private readonly limits: ChatHistoryLimits = DEFAULT_CHAT_HISTORY_LIMITS,
  ) {
    const stored = state.get<unknown>(HISTORY_KEY);
    // A window reloaded mid-answer left a turn "streaming"; it will never finish now.
    this.turns = (Array.isArray(stored) ? stored.filter(isStoredTurn) : []).map((t) =>
      t.status === 'streaming' ? { ...t, status: 'interrupted' } : t,
    );
  }

  all(): readonly ChatTurn[] {
    return this.turns;
  }

  find(id: string): ChatTurn | undefined {
    return this.turns.find((t) => t.id === id);
  }

  /** Appends a turn (in memory; `save()` persists), dropping the oldest beyond `maxTurns`. */
  add(turn: ChatTurn): void {
    this.turns.push(turn);
    if (this.turns.length > this.limits.maxTurns) this.turns.splice(0, this.turns.length - this.limits.maxTurns);
  }

  /** Persists the newest turns that fit the character budget. */
  async save(): Promise<void> {
    let budget = this.limits.maxStoredChars;
    let first = this.turns.length;
    while (first > 0) {
      budget -= storedSize(this.turns[first - 1]);
      if (budget < 0) break;
      first--;
    }
    await this.state.update(HISTORY_KEY, this.turns.slice(first));
  }

  async clear(): Promise<void> {
    this.turns = [];
    await this.state.update(HISTORY_KEY, undefined);
  }

  /**
   * The request for `turn`, with the answered turns before it as conversation (up to
   * `contextTurns`; failed and stopped turns left out). Their content goes
   * along too: an earlier answer may quote a local-only file, so routing must see that file again.
   * A turn not (yet) in the history counts as following all stored turns.
   */
  requestFor(turn: ChatTurn, options: { preferCloud?: boolean } = {}): ChatRequest {
    const index = this.turns.indexOf(turn);
    const earlier = (index >= 0 ? this.turns.slice(0, index) : this.turns)
      // A stopped answer is one the user cut off; it should not steer the next one.
      .filter((t) => t.answer.length > 0 && (t.status === 'done' || t.status === 'interrupted'))
      .slice(-this.limits.contextTurns);
    const messages: ChatMessage[] = earlier.flatMap((t): ChatMessage[] => [
      { role: 'user', content: t.question },
      { role: 'assistant', content: t.answer },
    ]);
    messages.push({ role: 'user', content: turn.question });
    const preferCloud = options.preferCloud ?? turn.preferCloud;
    return {
      command: turn.command,
      messages,
      content: uniqueContent([...earlier.flatMap((t) => t.content), ...turn.content]),
      ...(preferCloud ? { preferCloud: true } : {}),
    };
  }
}

function storedSize(turn: ChatTurn): number {
  return turn.question.length + turn.answer.length + turn.content.reduce((n, c) => n + c.text.length, 0);
}

function uniqueContent(pieces: ContentPiece[]): ContentPiece[] {
  const seen = new Set<string>();
  return pieces.filter((p) => {
    const key = JSON.stringify([p.kind, p.folder, p.relativePath, p.text]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
