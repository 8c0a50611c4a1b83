import assert from 'node:assert/strict';
import { readCursor } from '../../../src/core/completion/context';
import { postprocess, type PostprocessOptions } from '../../../src/core/completion/postprocess';
import { FAMILY_TEMPLATES, resolveFimFormat } from '../../../src/core/completion/templates';
import { docWithCursor } from './fakes';

const single: PostprocessOptions = { multiline: false, maxLines: 8, specialTokens: FAMILY_TEMPLATES.qwen.specialTokens };
const multi: PostprocessOptions = { ...single, multiline: true };

/** Postprocesses `raw` for the cursor (‸) in `doc`. */
function pp(doc: string, raw: string, options = single, languageId = 'typescript') {
  const { document, position } = docWithCursor(doc, { languageId });
  return postprocess(raw, readCursor(document, position), options);
}

describe('completion postprocessing', () => {
  describe('duplicated suffix', () => {
    it('drops the closing characters that already follow the cursor', () => {
      assert.equal(pp('foo(‸)', 'a, b)'), 'a, b');
      assert.equal(pp('foo(‸);', 'a, b);'), 'a, b');
      assert.equal(pp('foo(‸);', 'a, b)'), 'a, b');
      assert.equal(pp('const s = "‸";', 'hello";'), 'hello');
    });

    it('keeps a word that only looks like the start of the suffix', () => {
      assert.equal(pp('x = dat‸a)', 'data'), 'data');
    });

    it('stops where a multi-line completion reaches the document\'s next line', () => {
      const doc = 'function f() {\n  ‸\n  return total;\n}';
      assert.equal(pp(doc, 'let total = 0;\n  return total;\n}', multi), 'let total = 0;');
    });

    it('stops before a closer the suffix already has (the model re-closing the block)', () => {
      const doc = 'if (ready) {\n‸\n}\nnext();';
      assert.equal(pp(doc, '  start();\n  log("started");\n}\nnext();', multi), '  start();\n  log("started");');
    });

    it('keeps a closer the suffix lacks, then ends: what follows is outside the block', () => {
      const doc = 'if (ready) {\n  ‸';
      assert.equal(pp(doc, 'start();\n}\n\nfunction other() {', multi), 'start();\n}');
    });

    it('balances brackets opened inside the completion', () => {
      assert.equal(pp('const v = ‸', 'call(a, [1, 2], { k: (x) => x })'), 'call(a, [1, 2], { k: (x) => x })');
      assert.equal(pp('const v = ‸', 'f(")") + g(\'(\')'), 'f(")") + g(\'(\')');
    });
  });

  describe('leaked FIM and special tokens', () => {
    it('cuts at a leaked token and never returns one', () => {
      assert.equal(pp('let a = ‸', '1;<|fim_middle|>let b = 2;'), '1;');
      assert.equal(pp('let a = ‸', '1;<|endoftext|>'), '1;');
      assert.equal(pp('function f() {\n  ‸', 'return 1;\n}<|file_sep|>src/other.ts\nexport {}', multi), 'return 1;\n}');
      assert.equal(pp('let a = ‸', '<|fim_suffix|>'), undefined);
    });

    it('uses the format\'s own tokens (DeepSeek\'s full-width ones)', () => {
      const deepseek = { ...single, specialTokens: FAMILY_TEMPLATES.deepseek.specialTokens };
      assert.equal(pp('let a = ‸', '42;<｜end▁of▁sentence｜>', deepseek), '42;');
      assert.equal(pp('let a = ‸', '42;<｜fim▁hole｜>x', deepseek), '42;');
    });

    it('for an unknown family, cuts barred markers but keeps HTML-like text', () => {
      const unknown = { ...multi, specialTokens: resolveFimFormat({ modelName: 'mystery', show: { capabilities: ['insert'] } }).specialTokens };
      assert.equal(pp('<div>\n‸', '<PRE>code</PRE>\n<|im_end|>', unknown, 'html'), '<PRE>code</PRE>');
    });
  });

  describe('CRLF documents', () => {
    const crlf = 'function f() {\r\n  ‸\r\n}\r\n';

    it('returns CRLF line ends without doubled carriage returns or blank lines', () => {
      const out = pp(crlf, 'const a = 1;\r\n  const b = 2;\r\n', multi);
      assert.equal(out, 'const a = 1;\r\n  const b = 2;');
      assert.ok(!out!.includes('\r\r'));
    });

    it('converts model output with LF line ends to CRLF', () => {
      assert.equal(pp(crlf, 'const a = 1;\n  const b = 2;\n}', multi), 'const a = 1;\r\n  const b = 2;');
    });

    it('does not produce extra lines when the model mixes line ends', () => {
      const out = pp(crlf, 'a();\r\n\r\n  b();\n', multi)!;
      assert.equal(out.split('\r\n').length, 3);
      assert.equal(out, 'a();\r\n\r\n  b();');
    });
  });

  describe('no wrong stop at code-like text', () => {
    it('keeps paths, comments, member access and code fences', () => {
      assert.equal(pp('import { x } from ‸', '"../src/x";'), '"../src/x";');
      assert.equal(pp('const a = 1; ‸', '// the answer is 1'), '// the answer is 1');
      assert.equal(pp('const t = ‸', 'document.title;'), 'document.title;');
      assert.equal(pp('const t = ‸', 't.value + t.other;'), 't.value + t.other;');
      assert.equal(pp('const md = ‸', '"```ts\\ncode\\n```";'), '"```ts\\ncode\\n```";');
      assert.equal(pp('const url = ‸', '"http://host/src/" + path;'), '"http://host/src/" + path;');
    });

    it('keeps a multi-line completion with comments and fences', () => {
      const doc = 'function help() {\n  ‸\n}';
      const raw = '// Print usage: see /src/cli.ts\n  console.log("```");\n  return t.x;\n}';
      assert.equal(pp(doc, raw, multi), '// Print usage: see /src/cli.ts\n  console.log("```");\n  return t.x;');
    });
  });

  describe('single and multi-line', () => {
    it('single-line mode keeps the first line only', () => {
      assert.equal(pp('const a = ‸', '1;\nconst b = 2;'), '1;');
    });

    it('a completion that starts on the next line keeps that line break', () => {
      assert.equal(pp('if (a) {‸', '\n  go();\n  stop();'), '\n  go();');
    });

    it('multi-line mode stops at the line limit', () => {
      const raw = Array.from({ length: 20 }, (_, i) => `call${i}();`).join('\n  ');
      assert.equal(pp('{\n  ‸', raw, { ...multi, maxLines: 3 })!.split('\n').length, 3);
    });
  });

  describe('useless results', () => {
    it('drops blank results', () => {
      assert.equal(pp('a‸', '   '), undefined);
      assert.equal(pp('a‸', '\n\n'), undefined);
      assert.equal(pp('a‸', ''), undefined);
    });

    it('drops a result that repeats the line above', () => {
      assert.equal(pp('import { a } from "a";\nimport ‸', '{ a } from "a";'), undefined);
      assert.equal(pp('  }\n  ‸', '}', single), '}');
    });

    it('cuts a run of repeated lines to one', () => {
      const doc = 'function f() {\n  ‸';
      assert.equal(pp(doc, 'x++;\n  x++;\n  x++;\n  x++;', multi), 'x++;');
      assert.equal(pp(doc, 'x++;\n  x++;\n  y++;', multi), 'x++;\n  x++;\n  y++;');
    });
  });

  describe('indentation', () => {
    it('removes indentation the model repeats after the user already indented', () => {
      assert.equal(pp('if (a) {\n    ‸', '    go();'), 'go();');
      assert.equal(pp('  if (a) {\n  ‸', '  go();'), '  go();', 'one level short: the model\'s indent is needed');
    });

    it('does not double a space', () => {
      assert.equal(pp('const x = ‸', ' 5;'), '5;');
      assert.equal(pp('const x =‸', ' 5;'), ' 5;');
    });

    it('converts continuation lines to the document\'s indentation', () => {
      assert.equal(pp('function f() {\n\tif (a) {\n\t\t‸', 'go();\n    }\n    next();', multi), 'go();\n\t}');
      assert.equal(pp('function f() {\n  if (a) {\n    ‸', 'go();\n\t\tstop();', multi), 'go();\n    stop();');
    });
  });
});
