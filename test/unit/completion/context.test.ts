import assert from 'node:assert/strict';
import { buildPrompt, defuse, estimateTokensByChars, readCursor, DEFAULT_PROMPT_OPTIONS, type PromptOptions } from '../../../src/core/completion/context';
import type { CompletionDocument, ContextSnippet } from '../../../src/core/completion/ports';
import { FAMILY_TEMPLATES } from '../../../src/core/completion/templates';
import { docWithCursor } from './fakes';

const options = (over: Partial<PromptOptions> = {}): PromptOptions => ({
  ...DEFAULT_PROMPT_OPTIONS,
  estimateTokens: estimateTokensByChars,
  specialTokens: FAMILY_TEMPLATES.qwen.specialTokens,
  isAllowedAsContext: () => true,
  ...over,
});

/** Wraps a document and counts what the code under test reads from it. */
class CountingDocument implements CompletionDocument {
  linesRead = 0;
  charsRead = 0;
  constructor(private readonly inner: CompletionDocument) {}
  get uri() { return this.inner.uri; }
  get relativePath() { return this.inner.relativePath; }
  get languageId() { return this.inner.languageId; }
  get lineCount() { return this.inner.lineCount; }
  get eol() { return this.inner.eol; }
  lineAt(line: number): string {
    this.linesRead++;
    const text = this.inner.lineAt(line);
    this.charsRead += text.length;
    return text;
  }
}

/** A generated document of `lines` lines, never materialized as one string. */
class GeneratedDocument implements CompletionDocument {
  readonly uri = 'file:///w/big.ts';
  readonly relativePath = 'big.ts';
  readonly languageId = 'typescript';
  readonly eol = '\n';
  constructor(readonly lineCount: number, private readonly line: (n: number) => string) {}
  lineAt(n: number): string {
    return this.line(n);
  }
}

function numbered(count: number): string {
  return Array.from({ length: count }, (_, i) => `const value${i} = compute(${i}, "some text here");`).join('\n');
}

describe('completion context', () => {
  describe('readCursor', () => {
    it('splits the cursor line and reads the nearby lines', () => {
      const { document, position } = docWithCursor('a\nb\nfoo(‸);\nc\nd');
      const cursor = readCursor(document, position);
      assert.equal(cursor.linePrefix, 'foo(');
      assert.equal(cursor.lineSuffix, ');');
      assert.equal(cursor.lineAbove, 'b');
      assert.deepEqual(cursor.linesBelow, ['c', 'd']);
      assert.equal(cursor.looksBinary, false);
    });

    it('gives positions on the same line with the same surroundings the same scope', () => {
      const a = docWithCursor('x\nconst v = f‸\ny');
      const b = docWithCursor('x\nconst v = fo‸\ny');
      const c = docWithCursor('z\nconst v = fo‸\ny');
      const scope = (d: ReturnType<typeof docWithCursor>) => readCursor(d.document, d.position).scope;
      assert.equal(scope(a), scope(b));
      assert.notEqual(scope(b), scope(c));
    });

    it('detects the indentation unit and binary content', () => {
      assert.equal(readCursor(...args(docWithCursor('if (a) {\n\tb();\n\t‸'))).indentUnit, '\t');
      assert.equal(readCursor(...args(docWithCursor('if (a) {\n  if (b) {\n    c();\n    ‸'))).indentUnit, '  ');
      assert.equal(readCursor(...args(docWithCursor('\u0000\u0001\u0002ELF‸'))).looksBinary, true);
    });
  });

  describe('buildPrompt', () => {
    it('takes a small file whole, with a path and language header', () => {
      const { document, position } = docWithCursor('import x from "y";\nfunction f() {\n  return ‸;\n}\n');
      const prompt = buildPrompt(document, readCursor(document, position), [], options());
      assert.equal(prompt.prefix, '// Path: src/a.ts (typescript)\nimport x from "y";\nfunction f() {\n  return ');
      assert.equal(prompt.suffix, ';\n}\n');
      assert.deepEqual(prompt.snippetFiles, []);
    });

    it('uses the language\'s comment syntax for the header', () => {
      const { document, position } = docWithCursor('x = ‸', { languageId: 'python', path: 'a.py' });
      assert.equal(buildPrompt(document, readCursor(document, position), [], options()).prefix, '# Path: a.py (python)\nx = ');
    });

    it('fits a large file into the budget, cut at line boundaries, the suffix within its token budget and share', () => {
      const text = numbered(2000);
      const lines = text.split('\n');
      const cursorLine = 1000;
      const { document, position } = docWithCursor(lines.slice(0, cursorLine).join('\n') + '\nconst x = ‸\n' + lines.slice(cursorLine).join('\n'));
      const prompt = buildPrompt(document, readCursor(document, position), [], options());
      assert.ok(prompt.promptTokens <= 1500, `prompt tokens ${prompt.promptTokens}`);
      assert.ok(prompt.promptTokens > 1300, `budget well used: ${prompt.promptTokens}`);
      assert.ok(estimateTokensByChars(prompt.suffix) <= DEFAULT_PROMPT_OPTIONS.suffixTokens);
      assert.ok(estimateTokensByChars(prompt.suffix) > DEFAULT_PROMPT_OPTIONS.suffixTokens - 20, 'the suffix takes its budget');
      const wider = buildPrompt(document, readCursor(document, position), [], { ...options(), suffixTokens: 10_000 });
      assert.ok(estimateTokensByChars(wider.suffix) <= 1500 * 0.25 && estimateTokensByChars(wider.suffix) > 1500 * 0.25 - 20, 'a larger suffix budget stops at a quarter of the prompt');
      const none = buildPrompt(document, readCursor(document, position), [], { ...options(), suffixTokens: 0 });
      assert.equal(none.suffix, '', 'no suffix at all');
      const windowLines = prompt.prefix.split('\n').slice(1);
      assert.ok(lines.includes(windowLines[0]!), 'the prefix window starts with a whole line');
      assert.equal(windowLines.at(-1), 'const x = ');
      const suffixLines = prompt.suffix.split('\n');
      assert.equal(suffixLines[0], '');
      assert.ok(suffixLines.slice(1).every((l) => lines.includes(l)), 'the suffix ends with a whole line');
    });

    it('keeps the start of the prompt and the suffix unchanged while the user types (prompt cache reuse)', () => {
      const base = numbered(600).split('\n');
      const at = (typed: string) => {
        const { document, position } = docWithCursor([...base.slice(0, 300), `const x = ${typed}‸`, ...base.slice(300)].join('\n'));
        return buildPrompt(document, readCursor(document, position), [], options());
      };
      const first = at('');
      const windowStart = first.prefix.split('\n')[1];
      let shifted = 0;
      for (let n = 1; n <= 40; n++) {
        const next = at('abcdefghijklmnopqrstuvwxyz0123456789abcd'.slice(0, n));
        assert.equal(next.suffix, first.suffix, 'the suffix does not depend on the prefix');
        if (next.prefix.split('\n')[1] !== windowStart) shifted++;
      }
      // 40 typed characters are about 11 tokens, less than one quantum of 8 lines.
      assert.ok(shifted <= 1, `window start moved ${shifted} times in 40 keystrokes`);
    });

    it('reads a bounded window of a 10 MB document', () => {
      const line = 'let x = someFunction(argumentOne, argumentTwo); // a comment here';
      const big = new CountingDocument(new GeneratedDocument(160_000, () => line));
      assert.ok(big.lineCount * line.length > 10_000_000);
      const prompt = buildPrompt(big, readCursor(big, { line: 80_000, character: 10 }), [], options());
      assert.ok(prompt.promptTokens <= 1500);
      assert.ok(big.linesRead < 400, `lines read: ${big.linesRead}`);
      assert.ok(big.charsRead < 30_000, `chars read: ${big.charsRead}`);
    });

    it('cuts a very long (minified) cursor line around the cursor', () => {
      const long = 'a=1;'.repeat(250_000);
      const doc = new CountingDocument(new GeneratedDocument(3, (n) => (n === 1 ? long : 'x')));
      const prompt = buildPrompt(doc, readCursor(doc, { line: 1, character: 500_000 }), [], options());
      assert.ok(prompt.promptTokens <= 1500, `tokens ${prompt.promptTokens}`);
      assert.ok(prompt.prefix.endsWith('a=1;a=1;'));
      assert.ok(prompt.suffix.startsWith('a=1;a=1;'));
      assert.ok(!prompt.prefix.includes('\nx\n'), 'no line above the cut cursor line');
    });

    it('follows an injected token estimator', () => {
      const { document, position } = docWithCursor(numbered(200) + '\nfoo‸');
      const perChar = buildPrompt(document, readCursor(document, position), [], options({ estimateTokens: (t) => t.length }));
      assert.ok(perChar.prefix.length + perChar.suffix.length <= 1500);
    });

    it('defuses special tokens written in the file, so they cannot act as FIM markers', () => {
      const { document, position } = docWithCursor('const marker = "<|fim_middle|>";\nconst end = "<|endoftext|>"‸');
      const prompt = buildPrompt(document, readCursor(document, position), [], options());
      for (const token of FAMILY_TEMPLATES.qwen.specialTokens) assert.ok(!prompt.prefix.includes(token), token);
      assert.ok(prompt.prefix.includes('<\u200b|fim_middle|>'));
      assert.equal(defuse('plain <code>', ['<|x|>']), 'plain <code>');
    });

    describe('snippets from other files', () => {
      const snippet = (name: string, changedAt: number, text = `export const ${name} = 1;`): ContextSnippet => ({
        uri: `file:///w/${name}.ts`,
        relativePath: `${name}.ts`,
        languageId: 'typescript',
        text,
        changedAt,
      });

      it('puts the stable (least recently changed) snippet first, as comments, before the header', () => {
        const { document, position } = docWithCursor('foo(‸)');
        const prompt = buildPrompt(document, readCursor(document, position), [snippet('recent', 300), snippet('old', 100), snippet('middle', 200)], options());
        assert.equal(
          prompt.prefix,
          '// Path: old.ts\n// export const old = 1;\n\n// Path: middle.ts\n// export const middle = 1;\n\n// Path: recent.ts\n// export const recent = 1;\n\n// Path: src/a.ts (typescript)\nfoo(',
        );
        assert.deepEqual(prompt.snippetFiles.map((f) => f.relativePath), ['old.ts', 'middle.ts', 'recent.ts']);
      });

      it('never uses a file the policy excludes', () => {
        const { document, position } = docWithCursor('foo(‸)');
        const secret = snippet('secrets', 100, 'API_KEY=sk-live-123');
        const prompt = buildPrompt(document, readCursor(document, position), [secret, snippet('ok', 50)], options({ isAllowedAsContext: (f) => !f.relativePath.startsWith('secrets') }));
        assert.ok(!prompt.prefix.includes('sk-live-123'));
        assert.deepEqual(prompt.snippetFiles.map((f) => f.relativePath), ['ok.ts']);
      });

      it('keeps the newest snippets when the share is spent, and skips the document itself', () => {
        const { document, position } = docWithCursor('foo(‸)');
        const body = Array.from({ length: 60 }, (_, i) => `line ${i} of a helper file with some code in it`).join('\n');
        const self = { ...snippet('a', 999), uri: document.uri };
        const prompt = buildPrompt(document, readCursor(document, position), [snippet('old', 1, body), snippet('new', 2, body), self], options());
        assert.deepEqual(prompt.snippetFiles.map((f) => f.relativePath), ['new.ts']);
        assert.ok(prompt.promptTokens <= 1500);
      });
    });
  });
});

function args(d: ReturnType<typeof docWithCursor>) {
  return [d.document, d.position] as const;
}
