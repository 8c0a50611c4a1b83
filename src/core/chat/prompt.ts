// Pure (no 'vscode'): how a ChatRequest becomes the messages a model reads, and how those messages
// are handed to the egress gate with every piece of workspace content marked as such.
import type { ChatMessage, ChatRequest, ContentPiece } from './types';
import type { ContentKind, EgressMessage, MessagePart } from '../egress/egressRequest';
import type { FileRef } from '../policy/policyTypes';

const CODE_STYLE = 'Put code in fenced Markdown blocks with a language tag.';

/** What each command asks the model to do; the user's own words follow in the last message. */
const SYSTEM_PROMPTS: Record<ChatRequest['command'], string> = {
  chat: `You are Tandem, a concise coding assistant inside VS Code. ${CODE_STYLE}`,
  ask: `You are Tandem, a concise coding assistant inside VS Code. Answer the question about the code shown. ${CODE_STYLE}`,
  explain: `You are Tandem, a coding assistant inside VS Code. Explain what the code shown does, step by step, and point out anything surprising. ${CODE_STYLE}`,
  refactor:
    'You are Tandem, a code rewriting tool. Rewrite the code shown as instructed. Reply with the complete rewritten code in one fenced Markdown block and nothing else. Keep the behaviour, the language and the indentation style.',
  fix: 'You are Tandem, a code fixing tool. Fix the problems reported for the code shown. Reply with the complete corrected code in one fenced Markdown block and nothing else. Change only what the fix needs.',
  tests:
    'You are Tandem, a test writing tool. Write focused unit tests for the code shown, using the test framework its language usually uses. Reply with one fenced Markdown block containing a complete test file.',
};

/** How the gate knows each kind of piece. */
const EGRESS_KINDS: Record<ContentPiece['kind'], ContentKind> = {
  selection: 'selection',
  file: 'current-file',
  snippet: 'snippet',
  attachment: 'attachment',
  diagnostics: 'diagnostics',
};

/**
 * The request as the model reads it: the command's system prompt first (unless the caller gave
 * one), and every content piece quoted, with its path, at the start of the last user message.
 */
export function composeRequest(request: ChatRequest): ChatRequest {
  const messages: ChatMessage[] = request.messages.some((m) => m.role === 'system')
    ? [...request.messages]
    : [{ role: 'system', content: SYSTEM_PROMPTS[request.command] }, ...request.messages];
  const last = messages.map((m) => m.role).lastIndexOf('user');
  if (last >= 0 && request.content.length > 0) {
    const quoted = request.content.map(renderPiece).join('');
    messages[last] = { role: 'user', content: quoted + messages[last]!.content };
  }
  return { ...request, messages };
}

/**
 * The messages of a composed request as the gate's parts: each quoted piece becomes a content part
 * that carries its file (so policy, host rules and the audit see it), the rest is instruction text.
 * Selections and diagnostics are required outside free chat: a rewrite without its code is useless.
 */
export function egressMessages(request: ChatRequest): EgressMessage[] {
  const blocks = request.content.map((piece) => ({ piece, text: renderPiece(piece) }));
  return request.messages.map((message) => ({ role: message.role, parts: splitParts(message.content, blocks, request.command) }));
}

/** The policy's view of where a piece comes from. */
export function fileRefOf(piece: ContentPiece): FileRef {
  const path = piece.relativePath ?? '(untitled)';
  return piece.folder === undefined ? { path } : { folder: piece.folder, path };
}

/** A piece quoted for the model: its origin, then its text in a fence longer than any inside it. */
export function renderPiece(piece: ContentPiece): string {
  const origin = piece.relativePath ? `${piece.relativePath} (${piece.kind})` : piece.kind;
  const longestRun = Math.max(2, ...[...piece.text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longestRun + 1);
  const language = piece.kind === 'diagnostics' ? 'text' : languageTag(piece.relativePath);
  return `${origin}:\n${fence}${language}\n${piece.text}\n${fence}\n\n`;
}

function splitParts(content: string, blocks: ReadonlyArray<{ piece: ContentPiece; text: string }>, command: ChatRequest['command']): MessagePart[] {
  const parts: MessagePart[] = [];
  let rest = content;
  for (;;) {
    let first: { index: number; block: { piece: ContentPiece; text: string } } | undefined;
    for (const block of blocks) {
      const index = rest.indexOf(block.text);
      if (index >= 0 && (first === undefined || index < first.index)) first = { index, block };
    }
    if (first === undefined) break;
    if (first.index > 0) parts.push({ kind: 'instruction', text: rest.slice(0, first.index) });
    const { piece, text } = first.block;
    const required = command !== 'chat' && (piece.kind === 'selection' || piece.kind === 'diagnostics');
    parts.push({ kind: EGRESS_KINDS[piece.kind], file: fileRefOf(piece), text, ...(required ? { required } : {}) });
    rest = rest.slice(first.index + text.length);
  }
  if (rest !== '' || parts.length === 0) parts.push({ kind: 'instruction', text: rest });
  return parts;
}

function languageTag(path: string | undefined): string {
  const match = path === undefined ? null : /\.([A-Za-z0-9]+)$/.exec(path);
  return match ? match[1]!.toLowerCase() : '';
}
