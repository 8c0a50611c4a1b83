import assert from 'node:assert/strict';
import { extractCode, fitIndentation } from '../../../src/vscode/commands/proposedCode';

describe('extractCode', () => {
  it('takes the fenced block out of an answer with prose around it', () => {
    const answer = 'Here is the rewrite:\n\n```ts\nconst x = 1;\nconsole.log(x);\n```\n\nIt logs x.';
    assert.equal(extractCode(answer), 'const x = 1;\nconsole.log(x);');
  });

  it('prefers the longest block when the model adds a short usage example', () => {
    const answer = '```ts\nfunction add(a: number, b: number) {\n  return a + b;\n}\n```\nUse it like this:\n```ts\nadd(1, 2);\n```';
    assert.equal(extractCode(answer), 'function add(a: number, b: number) {\n  return a + b;\n}');
  });

  it('keeps a block that itself contains a shorter fence (longer outer fence)', () => {
    const answer = '````md\nText\n```js\nx()\n```\n````';
    assert.equal(extractCode(answer), 'Text\n```js\nx()\n```');
  });

  it('takes the rest of an unclosed fence (an answer cut short)', () => {
    assert.equal(extractCode('Sure:\n```python\ndef f():\n    return 1\n'), 'def f():\n    return 1');
  });

  it('uses the whole answer when there is no fence, and undefined when nothing is left', () => {
    assert.equal(extractCode('\n\nreturn a + b;\n\n'), 'return a + b;');
    assert.equal(extractCode('```ts\n\n```'), undefined);
    assert.equal(extractCode('   \n'), undefined);
  });

  it('handles CRLF answers', () => {
    assert.equal(extractCode('```js\r\nlet a = 1;\r\n```\r\n'), 'let a = 1;');
  });
});

describe('fitIndentation', () => {
  it('shifts flush-left code to where the original selection was indented', () => {
    const original = '    if (a) {\n      b();\n    }';
    assert.equal(fitIndentation('if (a) {\n  c();\n}', original), '    if (a) {\n      c();\n    }');
  });

  it('leaves code alone that is already indented enough, and blank lines empty', () => {
    assert.equal(fitIndentation('  x();\n\n  y();', '  a();'), '  x();\n\n  y();');
    assert.equal(fitIndentation('x();\n\ny();', '\tz();'), '\tx();\n\n\ty();');
  });
});
