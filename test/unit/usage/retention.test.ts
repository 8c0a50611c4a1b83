import assert from 'node:assert/strict';
import { MAX_RETENTION_COMPARE_CHARS, retainedChars, TrackedSpan, type TextEdit } from '../../../src/core/usage/retention';

/** Applies an edit to a string, as the editor would. */
function edit(text: string, e: TextEdit): string {
  return text.slice(0, e.offset) + e.text + text.slice(e.offset + e.length);
}

describe('TrackedSpan', () => {
  // The document "const x = <accepted>;" with "foo(1)" accepted at offsets 10..16.
  const doc = 'const x = foo(1);';
  const follow = (edits: TextEdit[]): { text: string; span: TrackedSpan } => {
    const span = new TrackedSpan(10, 16);
    let text = doc;
    for (const e of edits) {
      text = edit(text, e);
      span.apply(e);
    }
    return { text, span };
  };

  it('moves with edits before it and ignores edits after it', () => {
    const { text, span } = follow([
      { offset: 0, length: 0, text: '// note\n' },
      { offset: 8, length: 5, text: 'let' },
      // The end of "// note\nlet x = foo(1);".
      { offset: 23, length: 0, text: ' // end' },
    ]);
    assert.equal(text, '// note\nlet x = foo(1); // end');
    assert.equal(text.slice(span.start, span.end), 'foo(1)');
  });

  it('treats an insertion exactly at its start as before it, and at its end as after it', () => {
    const { text, span } = follow([
      { offset: 10, length: 0, text: 'await ' },
      { offset: 22, length: 0, text: '.then()' },
    ]);
    assert.equal(text, 'const x = await foo(1).then();');
    assert.equal(text.slice(span.start, span.end), 'foo(1)');
  });

  it('widens to cover an edit inside it, and to an edit overlapping its edge', () => {
    const { text, span } = follow([{ offset: 14, length: 1, text: '42' }]);
    assert.equal(text.slice(span.start, span.end), 'foo(42)');
    const overlap = follow([{ offset: 8, length: 5, text: '= bar' }]);
    assert.equal(overlap.text.slice(overlap.span.start, overlap.span.end), '= bar(1)');
  });

  it('keeps tracking text typed into a span the user emptied', () => {
    const { text, span } = follow([
      { offset: 10, length: 6, text: '' },
      { offset: 10, length: 0, text: 'bar()' },
    ]);
    assert.equal(text.slice(span.start, span.end), 'bar()');
  });
});

describe('retainedChars', () => {
  it('counts every character when the accepted text is still there, with typing around it', () => {
    assert.equal(retainedChars('foo(1)', 'foo(1)'), 6);
    assert.equal(retainedChars('foo(1)', 'await foo(1).then()'), 6);
  });

  it('counts deleted and replaced characters as lost, inserted ones as harmless', () => {
    assert.equal(retainedChars('foo(1)', 'foo(42)'), 5);
    assert.equal(retainedChars('return a + b;', 'return a;'), 9);
    assert.equal(retainedChars('abc', 'aXbYc'), 3);
    assert.equal(retainedChars('abc', ''), 0);
    assert.equal(retainedChars('abc', 'xyz'), 0);
  });

  it('is symmetric in which text is longer and bounded for huge texts', () => {
    assert.equal(retainedChars('a long accepted completion', 'long'), 4);
    const huge = 'x'.repeat(MAX_RETENTION_COMPARE_CHARS * 3);
    assert.equal(retainedChars(huge, huge.replace(/^x/, 'y')), MAX_RETENTION_COMPARE_CHARS - 1);
  });
});
