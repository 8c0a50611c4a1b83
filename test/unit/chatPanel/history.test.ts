import assert from 'node:assert/strict';
import type { ChatTurn } from '../../../src/core/chat/protocol';
import type { ContentPiece } from '../../../src/core/chat/types';
import { ChatHistory, DEFAULT_CHAT_HISTORY_LIMITS } from '../../../src/vscode/chatHistory';

/** workspaceState's contract, kept in a Map (values round-trip through JSON as in VS Code). */
class MapMemento {
  readonly values = new Map<string, string>();
  get<T>(key: string): T | undefined {
    const raw = this.values.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }
  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, JSON.stringify(value));
  }
}

let next = 0;
function turn(question: string, answer: string, extra: Partial<ChatTurn> = {}): ChatTurn {
  return {
    id: `t${next++}`,
    command: 'chat',
    question,
    contextLabels: [],
    preferCloud: false,
    content: [],
    answer,
    notices: [],
    status: 'done',
    ...extra,
  };
}

const secretFile: ContentPiece = { kind: 'selection', folder: 'file:///ws', relativePath: 'src/secret/key.ts', text: 'const k = 1;' };

describe('ChatHistory', () => {
  it('survives a reload: a new instance on the same workspace state sees the saved turns', async () => {
    const state = new MapMemento();
    const history = new ChatHistory(state);
    history.add(turn('q1', 'a1'));
    history.add(turn('q2', 'a2', { content: [secretFile] }));
    await history.save();
    const reloaded = new ChatHistory(state);
    assert.deepEqual(reloaded.all().map((t) => t.question), ['q1', 'q2']);
    assert.deepEqual(reloaded.all()[1].content, [secretFile]);
  });

  it('restores a turn saved mid-stream as interrupted, and drops unreadable entries', async () => {
    const state = new MapMemento();
    await state.update('tandem.chat.history', [turn('q', 'half', { status: 'streaming' }), { bogus: true }, 'x']);
    const history = new ChatHistory(state);
    assert.equal(history.all().length, 1);
    assert.equal(history.all()[0].status, 'interrupted');
    assert.equal(new ChatHistory(new MapMemento()).all().length, 0);
    await state.update('tandem.chat.history', { not: 'an array' });
    assert.equal(new ChatHistory(state).all().length, 0);
  });

  it('keeps at most maxTurns, dropping the oldest', () => {
    const history = new ChatHistory(new MapMemento(), { ...DEFAULT_CHAT_HISTORY_LIMITS, maxTurns: 3 });
    for (let i = 0; i < 5; i++) history.add(turn(`q${i}`, `a${i}`));
    assert.deepEqual(history.all().map((t) => t.question), ['q2', 'q3', 'q4']);
  });

  it('stores only the newest turns that fit the character budget', async () => {
    const state = new MapMemento();
    const history = new ChatHistory(state, { ...DEFAULT_CHAT_HISTORY_LIMITS, maxStoredChars: 250 });
    for (let i = 0; i < 4; i++) history.add(turn(`q${i}`, 'x'.repeat(98)));
    await history.save();
    assert.deepEqual(new ChatHistory(state).all().map((t) => t.question), ['q2', 'q3']);
  });

  it('clear empties memory and storage', async () => {
    const state = new MapMemento();
    const history = new ChatHistory(state);
    history.add(turn('q', 'a'));
    await history.save();
    await history.clear();
    assert.equal(history.all().length, 0);
    assert.equal(new ChatHistory(state).all().length, 0);
  });

  describe('requestFor', () => {
    it('sends earlier answered turns as conversation, skipping failed, stopped and empty ones', () => {
      const history = new ChatHistory(new MapMemento());
      history.add(turn('q1', 'a1'));
      history.add(turn('q2', '', { status: 'failed', error: { message: 'x', actions: [] } }));
      history.add(turn('q2b', 'cut off', { status: 'stopped' }));
      history.add(turn('q2c', 'half', { status: 'failed', error: { message: 'x', actions: [] } }));
      history.add(turn('q3', 'a3 partial', { status: 'interrupted' }));
      const request = history.requestFor(turn('q4', '', { status: 'streaming', command: 'explain' }));
      assert.equal(request.command, 'explain');
      assert.deepEqual(request.messages, [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1' },
        { role: 'user', content: 'q3' },
        { role: 'assistant', content: 'a3 partial' },
        { role: 'user', content: 'q4' },
      ]);
      assert.equal(request.preferCloud, undefined);
    });

    it('carries earlier content forward (deduplicated) so routing still sees local-only files', () => {
      const history = new ChatHistory(new MapMemento());
      history.add(turn('about the key', 'it is 1', { content: [secretFile] }));
      const request = history.requestFor(turn('and now?', '', { content: [secretFile, { kind: 'snippet', text: 'x' }] }));
      assert.deepEqual(request.content, [secretFile, { kind: 'snippet', text: 'x' }]);
    });

    it('bounds the conversation to the last contextTurns turns', () => {
      const history = new ChatHistory(new MapMemento(), { ...DEFAULT_CHAT_HISTORY_LIMITS, contextTurns: 2 });
      for (let i = 0; i < 5; i++) history.add(turn(`q${i}`, `a${i}`));
      const request = history.requestFor(turn('last', ''));
      assert.deepEqual(request.messages.filter((m) => m.role === 'user').map((m) => m.content), ['q3', 'q4', 'last']);
    });

    it('rebuilds a stored turn from the turns before it only, with preferCloud for a re-ask', () => {
      const history = new ChatHistory(new MapMemento());
      const first = turn('q1', 'a1');
      const local = turn('q2', 'local answer', { route: { model: 'qwen', where: 'local', why: 'fallback' } });
      history.add(first);
      history.add(local);
      history.add(turn('q3', 'a3'));
      const request = history.requestFor(local, { preferCloud: true });
      assert.deepEqual(request.messages.map((m) => m.content), ['q1', 'a1', 'q2']);
      assert.equal(request.preferCloud, true);
    });
  });
});
