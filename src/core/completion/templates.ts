/**
 * Fill-in-the-middle prompt formats per model family, correct by construction: the markers are the
 * families' own special tokens (DeepSeek's bars are U+FF5C and its `▁` is U+2581), and stops are
 * special tokens only — never code-like strings such as `//`, `/src/`, triple backticks or `t.`;
 * where a line or block ends is decided by the engine and postprocessing, not by stop strings.
 */

export type FimFamily = 'qwen' | 'deepseek' | 'codellama' | 'starcoder' | 'codestral' | 'codegemma' | 'granite' | 'custom';

/**
 * psm: prefix, suffix, middle (every family). spm: suffix first, then prefix — a keystroke at the
 * end of the prefix then only appends tokens, so the engine's prompt cache keeps the suffix.
 */
export type FimLayout = 'psm' | 'spm';

export interface FimParts {
  readonly prefix: string;
  readonly suffix: string;
}

export interface FimTemplate {
  readonly family: FimFamily;
  /** Layouts the family was trained with; the first is its native one. */
  readonly layouts: readonly FimLayout[];
  /** Stop strings sent to the engine. */
  readonly stops: readonly string[];
  /**
   * Every marker/control token of the family (a superset of `stops`): cut from model output so a
   * FIM token is never inserted, and defused in context text so a file cannot inject one.
   */
  readonly specialTokens: readonly string[];
  render(parts: FimParts, layout: FimLayout): string;
}

/** A template with literal markers around the parts, per layout. */
class MarkerTemplate implements FimTemplate {
  constructor(
    readonly family: FimFamily,
    private readonly shapes: Partial<Record<FimLayout, (p: FimParts) => string>>,
    readonly stops: readonly string[],
    readonly specialTokens: readonly string[],
  ) {}

  get layouts(): readonly FimLayout[] {
    return (Object.keys(this.shapes) as FimLayout[]);
  }

  render(parts: FimParts, layout: FimLayout): string {
    const shape = this.shapes[layout];
    if (!shape) throw new UnsupportedFimLayoutError(this.family, layout);
    return shape(parts);
  }
}

export class UnsupportedFimLayoutError extends Error {
  constructor(readonly family: FimFamily, readonly layout: FimLayout) {
    super(`The ${family} FIM template has no ${layout} layout.`);
    this.name = 'UnsupportedFimLayoutError';
  }
}

const QWEN_TOKENS = ['<|endoftext|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>', '<|im_start|>', '<|im_end|>'];
const DEEPSEEK_TOKENS = ['<｜end▁of▁sentence｜>', '<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<｜begin▁of▁sentence｜>', '<|EOT|>'];
const STARCODER_TOKENS = ['<|endoftext|>', '<file_sep>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<fim_pad>', '<repo_name>'];

/** The built-in families, keyed by family name. */
export const FAMILY_TEMPLATES: Readonly<Record<Exclude<FimFamily, 'custom'>, FimTemplate>> = {
  qwen: new MarkerTemplate(
    'qwen',
    { psm: (p) => `<|fim_prefix|>${p.prefix}<|fim_suffix|>${p.suffix}<|fim_middle|>` },
    QWEN_TOKENS,
    QWEN_TOKENS,
  ),
  deepseek: new MarkerTemplate(
    'deepseek',
    { psm: (p) => `<｜fim▁begin｜>${p.prefix}<｜fim▁hole｜>${p.suffix}<｜fim▁end｜>` },
    DEEPSEEK_TOKENS,
    DEEPSEEK_TOKENS,
  ),
  // Meta's reference code: "<PRE> {pre} <SUF>{suf} <MID>" and, suffix first, "<PRE> <SUF>{suf} <MID> {pre}".
  codellama: new MarkerTemplate(
    'codellama',
    {
      psm: (p) => `<PRE> ${p.prefix} <SUF>${p.suffix} <MID>`,
      spm: (p) => `<PRE> <SUF>${p.suffix} <MID> ${p.prefix}`,
    },
    // `<PRE>` is also an HTML tag, so it is not a stop; it is still cut from output and defused in context.
    ['<EOT>', '<SUF>', '<MID>'],
    ['<EOT>', '<PRE>', '<SUF>', '<MID>'],
  ),
  // StarCoder's SPM variant: "<fim_prefix><fim_suffix>{suf}<fim_middle>{pre}".
  starcoder: new MarkerTemplate(
    'starcoder',
    {
      psm: (p) => `<fim_prefix>${p.prefix}<fim_suffix>${p.suffix}<fim_middle>`,
      spm: (p) => `<fim_prefix><fim_suffix>${p.suffix}<fim_middle>${p.prefix}`,
    },
    STARCODER_TOKENS,
    STARCODER_TOKENS,
  ),
  // Suffix first is Codestral's native (and only) order; `</s>` is its EOS but also an HTML tag, so the
  // engine's own EOS handling ends it instead of a stop string.
  codestral: new MarkerTemplate('codestral', { spm: (p) => `[SUFFIX]${p.suffix}[PREFIX]${p.prefix}` }, ['[PREFIX]', '[SUFFIX]', '[MIDDLE]'], ['[PREFIX]', '[SUFFIX]', '[MIDDLE]']),
  codegemma: new MarkerTemplate(
    'codegemma',
    { psm: (p) => `<|fim_prefix|>${p.prefix}<|fim_suffix|>${p.suffix}<|fim_middle|>` },
    ['<|file_separator|>', '<eos>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<end_of_turn>'],
    ['<|file_separator|>', '<eos>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<end_of_turn>'],
  ),
  granite: new MarkerTemplate(
    'granite',
    { psm: (p) => `<fim_prefix>${p.prefix}<fim_suffix>${p.suffix}<fim_middle>` },
    ['<|endoftext|>', '<|end_of_text|>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<fim_pad>'],
    ['<|endoftext|>', '<|end_of_text|>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<fim_pad>'],
  ),
};

/** A user-written template: `{prefix}` and `{suffix}` placeholders, in either order, and its own stops. */
export interface CustomTemplateSpec {
  readonly template: string;
  readonly stops: readonly string[];
}

export class InvalidFimTemplateError extends Error {
  constructor(readonly template: string, readonly reason: string) {
    super(`The custom FIM template is invalid: ${reason}.`);
    this.name = 'InvalidFimTemplateError';
  }
}

/**
 * Builds a template from a user's spec. Its layout follows the placeholder order; its special
 * tokens are its stops plus the literal markers between the placeholders.
 */
export function customTemplate(spec: CustomTemplateSpec): FimTemplate {
  const count = (name: string) => spec.template.split(name).length - 1;
  if (count('{prefix}') !== 1 || count('{suffix}') !== 1) {
    throw new InvalidFimTemplateError(spec.template, 'it needs exactly one {prefix} and one {suffix}');
  }
  const pieces = spec.template.split(/\{prefix\}|\{suffix\}/);
  const markers = pieces.map((m) => m.trim()).filter((m) => m.length > 0);
  const stops = spec.stops.filter((s) => s.length > 0);
  const layout: FimLayout = spec.template.indexOf('{prefix}') < spec.template.indexOf('{suffix}') ? 'psm' : 'spm';
  const fill = (p: FimParts) => spec.template.replace(/\{prefix\}|\{suffix\}/g, (m) => (m === '{prefix}' ? p.prefix : p.suffix));
  return new MarkerTemplate('custom', { [layout]: fill }, stops, [...new Set([...stops, ...markers])]);
}

/**
 * Markers of every family, for a model whose family is unknown (served through Ollama's own
 * template): only the barred (`<|…|>`, `<｜…｜>`) and `fim_` ones, since bare-word markers such as
 * `<PRE>`, `<eos>` or `[SUFFIX]` in unknown output are more likely HTML or code than a leaked token.
 */
const UNKNOWN_FAMILY_TOKENS = [...new Set(Object.values(FAMILY_TEMPLATES).flatMap((t) => t.specialTokens))].filter((t) => /[|｜]|^<fim_/.test(t));

/** The subset of Ollama's `/api/show` answer used for detection (the `ollama` client's ShowResponse fits). */
export interface ModelShowInfo {
  readonly template?: string;
  readonly capabilities?: readonly string[];
  readonly details?: { readonly family?: string; readonly families?: readonly string[] | null };
  readonly model_info?: Readonly<Record<string, unknown>>;
}

const NAME_PATTERNS: readonly [RegExp, Exclude<FimFamily, 'custom'>][] = [
  [/codestral/i, 'codestral'],
  [/codegemma/i, 'codegemma'],
  [/deepseek[-_.]?coder/i, 'deepseek'],
  [/code[-_.]?llama/i, 'codellama'],
  [/starcoder|stable[-_.]?code/i, 'starcoder'],
  [/granite/i, 'granite'],
  [/qwen[\d.]*[-_.]?coder/i, 'qwen'],
];

/** Family from a model name such as `qwen2.5-coder:1.5b-base` or `hf.co/bartowski/codegemma-2b-GGUF`. */
export function familyFromName(modelName: string): Exclude<FimFamily, 'custom'> | undefined {
  return NAME_PATTERNS.find(([pattern]) => pattern.test(modelName))?.[1];
}

/**
 * Family from `/api/show`: the FIM markers in the model's template decide first, then the
 * architecture (to tell apart families sharing markers), then the name.
 */
export function detectFamily(modelName: string, show: ModelShowInfo | undefined): Exclude<FimFamily, 'custom'> | undefined {
  const byName = familyFromName(modelName);
  const template = show?.template ?? '';
  const arch = [show?.details?.family, ...(show?.details?.families ?? []), show?.model_info?.['general.architecture']]
    .filter((a): a is string => typeof a === 'string')
    .map((a) => a.toLowerCase());
  if (template.includes('<｜fim▁begin｜>')) return 'deepseek';
  if (template.includes('[SUFFIX]')) return 'codestral';
  if (template.includes('<PRE>')) return 'codellama';
  if (template.includes('<|fim_prefix|>')) return arch.some((a) => a.includes('gemma')) || byName === 'codegemma' ? 'codegemma' : 'qwen';
  if (template.includes('<fim_prefix>')) return arch.some((a) => a.includes('granite')) || byName === 'granite' ? 'granite' : 'starcoder';
  return byName;
}

/** Whether Ollama can fill in the middle with the model's own template (the `suffix` parameter). */
export function declaresInsert(show: ModelShowInfo | undefined): boolean {
  if (show?.capabilities) return show.capabilities.includes('insert');
  // Ollama before capabilities were reported: a template that uses .Suffix supports insert.
  return (show?.template ?? '').includes('.Suffix');
}

/** auto: Ollama's `suffix` when the model declares insert, else the family's native layout, raw. */
export type FimLayoutSetting = 'auto' | FimLayout;

export interface FimFormatChoice {
  readonly modelName: string;
  readonly show?: ModelShowInfo;
  readonly custom?: CustomTemplateSpec;
  readonly layout?: FimLayoutSetting;
}

/** How prompts for one model are sent. */
export interface FimFormat {
  /** `suffix`: Ollama applies the model's template; `raw`: the prompt is rendered here. */
  readonly mode: 'suffix' | 'raw';
  readonly family: FimFamily | undefined;
  /** The layout in effect (for `suffix` mode, the family's native layout, informational). */
  readonly layout: FimLayout;
  readonly stops: readonly string[];
  readonly specialTokens: readonly string[];
  /** Present in raw mode. */
  readonly template: FimTemplate | undefined;
}

export class UnsupportedFimModelError extends Error {
  constructor(readonly modelName: string) {
    super(`${modelName} does not declare fill-in-the-middle support and its family is unknown; set a custom FIM template or choose a code model.`);
    this.name = 'UnsupportedFimModelError';
  }
}

/**
 * Decides how to prompt a model. A custom template always wins (raw). An explicitly chosen layout
 * the family supports is rendered raw (Ollama's own template is always prefix first). Otherwise the
 * model's own template through `suffix` when it declares insert, else the family template raw.
 */
export function resolveFimFormat(choice: FimFormatChoice): FimFormat {
  if (choice.custom) {
    const template = customTemplate(choice.custom);
    return raw(template, template.layouts[0]!);
  }
  const family = detectFamily(choice.modelName, choice.show);
  const template = family ? FAMILY_TEMPLATES[family] : undefined;
  const wanted = choice.layout ?? 'auto';
  if (template && wanted !== 'auto' && template.layouts.includes(wanted)) return raw(template, wanted);
  if (declaresInsert(choice.show)) {
    return {
      mode: 'suffix',
      family,
      layout: template?.layouts[0] ?? 'psm',
      stops: template?.stops ?? [],
      specialTokens: template?.specialTokens ?? UNKNOWN_FAMILY_TOKENS,
      template: undefined,
    };
  }
  if (!template) throw new UnsupportedFimModelError(choice.modelName);
  return raw(template, template.layouts[0]!);
}

function raw(template: FimTemplate, layout: FimLayout): FimFormat {
  return { mode: 'raw', family: template.family, layout, stops: template.stops, specialTokens: template.specialTokens, template };
}

/** The request text for a prefix/suffix pair in a format: `prompt` and, in suffix mode, `suffix`. */
export function renderFimPrompt(format: FimFormat, parts: FimParts): { prompt: string; suffix: string | undefined; raw: boolean } {
  if (format.mode === 'suffix' || !format.template) return { prompt: parts.prefix, suffix: parts.suffix, raw: false };
  return { prompt: format.template.render(parts, format.layout), suffix: undefined, raw: true };
}
