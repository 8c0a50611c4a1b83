import assert from 'node:assert/strict';
import type { ChatRequest, ContentPiece } from '../../../src/core/chat/types';
import { isContentPart } from '../../../src/core/egress/egressRequest';
import { composeRequest, egressMessages, renderPiece } from '../../../src/core/chat/prompt';

const FOLDER = 'file:///work/api';
const selection: ContentPiece = { kind: 'selection', folder: FOLDER, relativePath: 'src/sum.ts', text: 'export const sum = (a: number, b: number) => a + b;' };
const diagnostics: ContentPiece = { kind: 'diagnostics', folder: FOLDER, relativePath: 'src/sum.ts', text: "Line 1, column 14: error [ts 2304]: Cannot find name 'x'." };

const refactor: ChatRequest = { command: 'refactor', messages: [{ role: 'user', content: 'Rewrite this code: use a function declaration' }], content: [selection] };

describe('composeRequest', () => {
  it('adds the command prompt and quotes the content, with its path, before the instruction', () => {
    const composed = composeRequest(refactor);
    assert.equal(composed.messages.length, 2);
    assert.equal(composed.messages[0]!.role, 'system');
    assert.match(composed.messages[0]!.content, /one fenced Markdown block/);
    const user = composed.messages[1]!.content;
    assert.ok(user.startsWith('src/sum.ts (selection):\n```ts\n'), user);
    assert.ok(user.includes(selection.text));
    assert.ok(user.endsWith('Rewrite this code: use a function declaration'));
    assert.deepEqual(composed.content, refactor.content);
  });

  it('quotes into the last user message only, keeping earlier turns and a given system prompt', () => {
    const chat: ChatRequest = {
      command: 'chat',
      messages: [
        { role: 'system', content: 'custom' },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'answer' },
        { role: 'user', content: 'second' },
      ],
      content: [selection],
    };
    const composed = composeRequest(chat);
    assert.deepEqual(composed.messages.slice(0, 3), chat.messages.slice(0, 3));
    assert.equal(composed.messages[3]!.content, renderPiece(selection) + 'second');
  });

  it('uses a fence longer than any backtick run in the content', () => {
    const tricky: ContentPiece = { kind: 'selection', relativePath: 'README.md', text: 'see ```js\nx\n```' };
    assert.ok(renderPiece(tricky).includes('````md\n'));
  });
});

describe('egressMessages', () => {
  it('marks every quoted piece as content of its file and the rest as instruction, losing no byte', () => {
    const fix: ChatRequest = { command: 'fix', messages: [{ role: 'user', content: 'Fix the problems listed above.' }], content: [selection, diagnostics] };
    const composed = composeRequest(fix);
    const messages = egressMessages(composed);
    assert.equal(messages.length, composed.messages.length);
    messages.forEach((message, i) => assert.equal(message.parts.map((p) => p.text).join(''), composed.messages[i]!.content));

    const content = messages.flatMap((m) => m.parts.filter(isContentPart));
    assert.deepEqual(
      content.map((p) => [p.kind, p.file, p.required]),
      [
        ['selection', { folder: FOLDER, path: 'src/sum.ts' }, true],
        ['diagnostics', { folder: FOLDER, path: 'src/sum.ts' }, true],
      ],
    );
    // No content text hides in instruction parts.
    const instructions = messages.flatMap((m) => m.parts.filter((p) => !isContentPart(p))).map((p) => p.text).join('');
    assert.ok(!instructions.includes(selection.text));
    assert.ok(!instructions.includes(diagnostics.text));
  });

  it('makes content optional in free chat (the gate may drop it) and keeps untitled content judged by name', () => {
    const untitled: ContentPiece = { kind: 'selection', relativePath: 'Untitled-1', text: 'let a = 1;' };
    const chat = composeRequest({ command: 'chat', messages: [{ role: 'user', content: 'what is this?' }], content: [untitled] });
    const [part] = egressMessages(chat).flatMap((m) => m.parts.filter(isContentPart));
    assert.deepEqual([part?.file, part?.required], [{ path: 'Untitled-1' }, undefined]);
  });
});
