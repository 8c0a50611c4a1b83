import assert from 'node:assert/strict';
import {
  customTemplate,
  detectFamily,
  FAMILY_TEMPLATES,
  familyFromName,
  InvalidFimTemplateError,
  renderFimPrompt,
  resolveFimFormat,
  UnsupportedFimLayoutError,
  UnsupportedFimModelError,
} from '../../../src/core/completion/templates';

const parts = { prefix: 'def f(x):\n    return ', suffix: '\n\nprint(f(1))' };
const P = parts.prefix;
const S = parts.suffix;

describe('FIM templates', () => {
  describe('exact prompt strings per family', () => {
    it('Qwen2.5-Coder', () => {
      assert.equal(FAMILY_TEMPLATES.qwen.render(parts, 'psm'), `<|fim_prefix|>${P}<|fim_suffix|>${S}<|fim_middle|>`);
    });

    it('DeepSeek-Coder uses full-width bars (U+FF5C) and U+2581', () => {
      const prompt = FAMILY_TEMPLATES.deepseek.render(parts, 'psm');
      assert.equal(prompt, `<\uFF5Cfim\u2581begin\uFF5C>${P}<\uFF5Cfim\u2581hole\uFF5C>${S}<\uFF5Cfim\u2581end\uFF5C>`);
      assert.ok(!prompt.startsWith('<|'), 'ASCII bars would never match the tokenizer');
      assert.deepEqual(FAMILY_TEMPLATES.deepseek.stops[0], '<\uFF5Cend\u2581of\u2581sentence\uFF5C>');
    });

    it('CodeLlama, both layouts', () => {
      assert.equal(FAMILY_TEMPLATES.codellama.render(parts, 'psm'), `<PRE> ${P} <SUF>${S} <MID>`);
      assert.equal(FAMILY_TEMPLATES.codellama.render(parts, 'spm'), `<PRE> <SUF>${S} <MID> ${P}`);
    });

    it('StarCoder2 / stable-code, both layouts', () => {
      assert.equal(FAMILY_TEMPLATES.starcoder.render(parts, 'psm'), `<fim_prefix>${P}<fim_suffix>${S}<fim_middle>`);
      assert.equal(FAMILY_TEMPLATES.starcoder.render(parts, 'spm'), `<fim_prefix><fim_suffix>${S}<fim_middle>${P}`);
    });

    it('Codestral puts the suffix first', () => {
      assert.equal(FAMILY_TEMPLATES.codestral.render(parts, 'spm'), `[SUFFIX]${S}[PREFIX]${P}`);
      assert.throws(() => FAMILY_TEMPLATES.codestral.render(parts, 'psm'), UnsupportedFimLayoutError);
    });

    it('CodeGemma', () => {
      assert.equal(FAMILY_TEMPLATES.codegemma.render(parts, 'psm'), `<|fim_prefix|>${P}<|fim_suffix|>${S}<|fim_middle|>`);
      assert.ok(FAMILY_TEMPLATES.codegemma.stops.includes('<|file_separator|>'));
    });

    it('Granite', () => {
      assert.equal(FAMILY_TEMPLATES.granite.render(parts, 'psm'), `<fim_prefix>${P}<fim_suffix>${S}<fim_middle>`);
    });
  });

  it('exposes which layouts each family supports, native first', () => {
    const layouts = Object.fromEntries(Object.entries(FAMILY_TEMPLATES).map(([name, t]) => [name, t.layouts]));
    assert.deepEqual(layouts, {
      qwen: ['psm'],
      deepseek: ['psm'],
      codellama: ['psm', 'spm'],
      starcoder: ['psm', 'spm'],
      codestral: ['spm'],
      codegemma: ['psm'],
      granite: ['psm'],
    });
  });

  it('stops are special tokens only, never code-like strings', () => {
    const codeLike = ['//', '/src/', '```', 't.', '\n', '</s>', '<PRE>', '#'];
    for (const template of Object.values(FAMILY_TEMPLATES)) {
      assert.ok(template.stops.length > 0, template.family);
      for (const stop of template.stops) {
        assert.ok(template.specialTokens.includes(stop), `${template.family}: ${stop} is not one of its special tokens`);
        assert.match(stop, /^(<[^<>\s]+>|\[[A-Z]+\])$/, `${template.family}: ${stop}`);
        for (const bad of codeLike) assert.notEqual(stop, bad);
        assert.ok(!stop.includes('//') && !stop.includes('```') && !stop.includes('t.'), `${template.family}: ${stop}`);
      }
    }
  });

  describe('custom template', () => {
    it('fills {prefix} and {suffix}, keeps its own stops and reports its layout', () => {
      const psm = customTemplate({ template: '<PRE> {prefix} <SUF>{suffix} <MID>', stops: ['<EOT>'] });
      assert.equal(psm.render(parts, 'psm'), `<PRE> ${P} <SUF>${S} <MID>`);
      assert.deepEqual(psm.layouts, ['psm']);
      assert.deepEqual(psm.stops, ['<EOT>']);
      assert.deepEqual([...psm.specialTokens].sort(), ['<EOT>', '<MID>', '<PRE>', '<SUF>']);
      const spm = customTemplate({ template: '<s>[SUFFIX]{suffix}[PREFIX]{prefix}', stops: [] });
      assert.deepEqual(spm.layouts, ['spm']);
      assert.equal(spm.render(parts, 'spm'), `<s>[SUFFIX]${S}[PREFIX]${P}`);
    });

    it('does not expand placeholders that appear inside the code', () => {
      const t = customTemplate({ template: 'A{prefix}B{suffix}C', stops: [] });
      assert.equal(t.render({ prefix: 'x = "{suffix}"', suffix: '{prefix}' }, 'psm'), 'Ax = "{suffix}"B{prefix}C');
    });

    it('rejects a template without exactly one of each placeholder', () => {
      assert.throws(() => customTemplate({ template: '<a>{prefix}<b>', stops: [] }), InvalidFimTemplateError);
      assert.throws(() => customTemplate({ template: '{prefix}{suffix}{prefix}', stops: [] }), InvalidFimTemplateError);
    });
  });

  describe('family detection', () => {
    it('from model names', () => {
      const cases: [string, string | undefined][] = [
        ['qwen2.5-coder:1.5b-base', 'qwen'],
        ['qwen3-coder:30b', 'qwen'],
        ['deepseek-coder:6.7b-base', 'deepseek'],
        ['deepseek-coder-v2:16b', 'deepseek'],
        ['codellama:7b-code', 'codellama'],
        ['starcoder2:3b', 'starcoder'],
        ['stable-code:3b-code', 'starcoder'],
        ['codestral:22b', 'codestral'],
        ['codegemma:2b-code', 'codegemma'],
        ['granite-code:3b', 'granite'],
        ['llama3.1:8b', undefined],
        ['qwen2.5:7b', undefined],
      ];
      for (const [name, family] of cases) assert.equal(familyFromName(name), family, name);
    });

    it('from /api/show: the template markers win over a misleading name', () => {
      const show = { template: '{{- if .Suffix }}<｜fim▁begin｜>{{ .Prompt }}<｜fim▁hole｜>{{ .Suffix }}<｜fim▁end｜>{{- end }}' };
      assert.equal(detectFamily('my-finetune:latest', show), 'deepseek');
      assert.equal(detectFamily('my-model', { template: '[SUFFIX]{{ .Suffix }}[PREFIX] {{ .Prompt }}' }), 'codestral');
      assert.equal(detectFamily('m', { template: '<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>' }), 'codellama');
    });

    it('tells families sharing markers apart by architecture', () => {
      const barred = { template: '<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>' };
      assert.equal(detectFamily('m', { ...barred, details: { family: 'qwen2' } }), 'qwen');
      assert.equal(detectFamily('m', { ...barred, details: { family: 'gemma' } }), 'codegemma');
      const plain = { template: '<fim_prefix>{{ .Prompt }}<fim_suffix>{{ .Suffix }}<fim_middle>' };
      assert.equal(detectFamily('m', { ...plain, model_info: { 'general.architecture': 'granite' } }), 'granite');
      assert.equal(detectFamily('m', { ...plain, details: { family: 'starcoder2' } }), 'starcoder');
    });
  });

  describe('resolveFimFormat', () => {
    const qwenShow = { template: '{{- if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>{{- end }}', capabilities: ['completion', 'insert'] };

    it('prefers Ollama\'s suffix parameter when the model declares insert', () => {
      const format = resolveFimFormat({ modelName: 'qwen2.5-coder:1.5b-base', show: qwenShow });
      assert.equal(format.mode, 'suffix');
      assert.equal(format.family, 'qwen');
      assert.deepEqual(format.stops, FAMILY_TEMPLATES.qwen.stops);
      assert.deepEqual(renderFimPrompt(format, parts), { prompt: P, suffix: S, raw: false });
    });

    it('uses raw with the family template when the model does not declare insert', () => {
      const format = resolveFimFormat({ modelName: 'deepseek-coder:1.3b-base', show: { template: '{{ .Prompt }}', capabilities: ['completion'] } });
      assert.equal(format.mode, 'raw');
      assert.deepEqual(renderFimPrompt(format, parts), { prompt: FAMILY_TEMPLATES.deepseek.render(parts, 'psm'), suffix: undefined, raw: true });
    });

    it('treats a template using .Suffix as insert support when capabilities are absent', () => {
      assert.equal(resolveFimFormat({ modelName: 'starcoder2:3b', show: { template: '<fim_prefix>{{ .Prompt }}<fim_suffix>{{ .Suffix }}<fim_middle>' } }).mode, 'suffix');
    });

    it('renders suffix-first raw when that layout is chosen and supported, else falls back', () => {
      const spm = resolveFimFormat({ modelName: 'starcoder2:3b', show: { capabilities: ['insert'] }, layout: 'spm' });
      assert.equal(spm.mode, 'raw');
      assert.equal(spm.layout, 'spm');
      assert.equal(renderFimPrompt(spm, parts).prompt, `<fim_prefix><fim_suffix>${S}<fim_middle>${P}`);
      const qwen = resolveFimFormat({ modelName: 'qwen2.5-coder:7b', show: qwenShow, layout: 'spm' });
      assert.equal(qwen.mode, 'suffix');
      const codestral = resolveFimFormat({ modelName: 'codestral:22b', layout: 'psm' });
      assert.deepEqual([codestral.mode, codestral.layout], ['raw', 'spm']);
    });

    it('a custom template always wins and is sent raw', () => {
      const format = resolveFimFormat({ modelName: 'qwen2.5-coder:7b', show: qwenShow, custom: { template: '<A>{prefix}<B>{suffix}<C>', stops: ['<END>'] } });
      assert.deepEqual([format.mode, format.family, format.stops], ['raw', 'custom', ['<END>']]);
      assert.equal(renderFimPrompt(format, parts).prompt, `<A>${P}<B>${S}<C>`);
    });

    it('an unknown model without insert support is a typed error', () => {
      assert.throws(() => resolveFimFormat({ modelName: 'llama3.1:8b', show: { capabilities: ['completion'] } }), UnsupportedFimModelError);
    });

    it('an unknown model with insert goes through Ollama, cutting only unmistakable markers', () => {
      const format = resolveFimFormat({ modelName: 'mystery:1b', show: { capabilities: ['completion', 'insert'] } });
      assert.equal(format.mode, 'suffix');
      assert.deepEqual(format.stops, []);
      assert.ok(format.specialTokens.includes('<|fim_middle|>'));
      assert.ok(format.specialTokens.includes('<｜fim▁end｜>'));
      for (const ambiguous of ['<PRE>', '<eos>', '[SUFFIX]', '<file_sep>']) assert.ok(!format.specialTokens.includes(ambiguous), ambiguous);
    });
  });
});
