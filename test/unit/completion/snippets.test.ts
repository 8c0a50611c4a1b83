import assert from 'node:assert/strict';
import { buildPrompt, DEFAULT_PROMPT_OPTIONS, estimateTokensByChars, readCursor } from '../../../src/core/completion/context';
import type { CompletionDocument } from '../../../src/core/completion/ports';
import { RecentSnippets } from '../../../src/core/completion/snippets';
import { docWithCursor } from './fakes';

const file = (name: string) => ({ uri: `file:///w/${name}`, relativePath: name });
/** A document named `name` whose line n reads "<prefix> line n". */
const doc = (name: string, lineCount: number, line: (n: number) => string = (n) => `${name[0]} line ${n}`): CompletionDocument => ({
  ...file(name),
  languageId: 'typescript',
  lineCount,
  eol: '\n',
  lineAt: line,
});

describe('recent snippets', () => {
  it('keeps a window around the place of interest, one per file, and never the current document', () => {
    const recent = new RecentSnippets(() => true, { maxFiles: 4, linesAround: 1 });
    recent.note(doc('a.ts', 100), 50, 1);
    recent.note(doc('b.ts', 100), 0, 2);
    assert.deepEqual(recent.snippetsFor(file('b.ts')).map((s) => s.text), ['a line 49\na line 50\na line 51']);
    recent.note(doc('a.ts', 100), 10, 3);
    assert.deepEqual(recent.snippetsFor(file('x.ts')).map((s) => s.text), ['b line 0\nb line 1', 'a line 9\na line 10\na line 11']);
  });

  it('keeps the change time of an unchanged window, so it stays first in the prompt', () => {
    const recent = new RecentSnippets(() => true, { maxFiles: 4, linesAround: 1 });
    recent.note(doc('stable.ts', 10), 5, 100);
    recent.note(doc('busy.ts', 10), 5, 200);
    recent.note(doc('stable.ts', 10), 5, 300);
    const { document, position } = docWithCursor('x = ‸');
    const prompt = buildPrompt(document, readCursor(document, position), recent.snippetsFor(document), {
      ...DEFAULT_PROMPT_OPTIONS,
      estimateTokens: estimateTokensByChars,
      specialTokens: [],
      isAllowedAsContext: () => true,
    });
    assert.deepEqual(prompt.snippetFiles.map((f) => f.relativePath), ['stable.ts', 'busy.ts']);
  });

  it('forgets the least recently changed file beyond the limit', () => {
    const recent = new RecentSnippets(() => true, { maxFiles: 2, linesAround: 0 });
    for (const [i, name] of ['a.ts', 'b.ts', 'c.ts'].entries()) recent.note(doc(name, 1), 0, i);
    assert.deepEqual(recent.snippetsFor(file('z.ts')).map((s) => s.relativePath), ['b.ts', 'c.ts']);
  });

  it('does not keep text of a file the policy excludes, and drops it when a file becomes excluded', () => {
    let excluded = false;
    const recent = new RecentSnippets((f) => !(excluded && f.relativePath === 'a.ts'), { maxFiles: 4, linesAround: 0 });
    recent.note(doc('a.ts', 1, () => 'KEY=1'), 0, 1);
    assert.equal(recent.snippetsFor(file('z.ts')).length, 1);
    excluded = true;
    recent.note(doc('a.ts', 1, () => 'KEY=2'), 0, 2);
    assert.equal(recent.snippetsFor(file('z.ts')).length, 0);
  });
});
