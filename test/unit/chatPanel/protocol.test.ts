import assert from 'node:assert/strict';
import { applyChatEvent, isStoredTurn, parseWebviewMessage, turnView, type ChatTurn, type TurnView } from '../../../src/core/chat/protocol';

function streamingTurn(): ChatTurn {
  return {
    id: 't1',
    command: 'chat',
    question: 'why?',
    contextLabels: [],
    preferCloud: false,
    content: [{ kind: 'selection', relativePath: 'src/a.ts', text: 'const a = 1;' }],
    answer: '',
    notices: [],
    status: 'streaming',
  };
}

describe('chat protocol: applyChatEvent', () => {
  it('accumulates route, text and notices, and done ends the turn with its usage', () => {
    const turn: TurnView = streamingTurn();
    applyChatEvent(turn, { kind: 'route', route: { model: 'gpt-4.1', where: 'cloud', why: 'hybrid' } });
    applyChatEvent(turn, { kind: 'text', text: 'Hel' });
    applyChatEvent(turn, { kind: 'notice', text: 'cloud returned 429; falling back' });
    applyChatEvent(turn, { kind: 'route', route: { model: 'qwen', where: 'local', why: 'fallback' } });
    applyChatEvent(turn, { kind: 'text', text: 'lo' });
    applyChatEvent(turn, { kind: 'done', interrupted: false, usage: { promptTokens: 3, completionTokens: 2, estimated: false } });
    assert.equal(turn.answer, 'Hello');
    assert.deepEqual(turn.route, { model: 'qwen', where: 'local', why: 'fallback' });
    assert.deepEqual(turn.notices, ['cloud returned 429; falling back']);
    assert.equal(turn.status, 'done');
    assert.equal(turn.usage?.completionTokens, 2);
  });

  it('marks an interrupted stream and keeps the partial answer', () => {
    const turn = streamingTurn();
    applyChatEvent(turn, { kind: 'text', text: 'partial' });
    applyChatEvent(turn, { kind: 'done', interrupted: true });
    assert.equal(turn.status, 'interrupted');
    assert.equal(turn.answer, 'partial');
  });

  it('an error fails the turn with its actions', () => {
    const turn = streamingTurn();
    applyChatEvent(turn, { kind: 'error', message: 'No key', actions: [{ title: 'Set Cloud API Key', command: 'tandem.setCloudApiKey' }] });
    assert.equal(turn.status, 'failed');
    assert.deepEqual(turn.error, { message: 'No key', actions: [{ title: 'Set Cloud API Key', command: 'tandem.setCloudApiKey' }] });
  });

  it('ignores events after the turn ended (a late stream cannot reopen a stopped turn)', () => {
    const turn = streamingTurn();
    applyChatEvent(turn, { kind: 'text', text: 'a' });
    turn.status = 'stopped';
    applyChatEvent(turn, { kind: 'text', text: 'b' });
    applyChatEvent(turn, { kind: 'done', interrupted: false });
    assert.equal(turn.answer, 'a');
    assert.equal(turn.status, 'stopped');
  });
});

describe('chat protocol: messages from the webview', () => {
  it('accepts well-formed messages', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'send', text: 'hi' }), { type: 'send', text: 'hi' });
    assert.deepEqual(parseWebviewMessage({ type: 'stop', extra: 1 }), { type: 'stop' });
    assert.deepEqual(parseWebviewMessage({ type: 'runAction', turnId: 't', command: 'c' }), { type: 'runAction', turnId: 't', command: 'c' });
    assert.deepEqual(parseWebviewMessage({ type: 'insertCode', code: 'x' }), { type: 'insertCode', code: 'x' });
  });

  it('rejects malformed or unknown messages', () => {
    for (const bad of [null, 'send', 42, {}, { type: 'send' }, { type: 'send', text: 3 }, { type: 'runAction', turnId: 't' }, { type: 'copyCode' }, { type: 'eval', code: 'x' }]) {
      assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe('chat protocol: turn records', () => {
  it('the webview view leaves the content on the host', () => {
    const view = turnView(streamingTurn());
    assert.equal('content' in view, false);
    assert.equal(view.question, 'why?');
  });

  it('recognises stored turns and rejects foreign values', () => {
    assert.equal(isStoredTurn(streamingTurn()), true);
    assert.equal(isStoredTurn({ ...streamingTurn(), command: 'rm -rf' }), false);
    assert.equal(isStoredTurn({ id: 'x', question: 'q' }), false);
    assert.equal(isStoredTurn(null), false);
  });
});
