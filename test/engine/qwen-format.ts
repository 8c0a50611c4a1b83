// The Qwen2.5-Coder prompt format the generated models carry: special tokens, ChatML and FIM layouts.
// Shared by the GGUF generator (vocabulary, chat template) and the server (prompt building).

export const SPECIAL_TOKENS = {
  endOfText: '<|endoftext|>',
  imStart: '<|im_start|>',
  imEnd: '<|im_end|>',
  fimPrefix: '<|fim_prefix|>',
  fimMiddle: '<|fim_middle|>',
  fimSuffix: '<|fim_suffix|>',
  fimPad: '<|fim_pad|>',
  repoName: '<|repo_name|>',
  fileSep: '<|file_sep|>',
} as const;

const T = SPECIAL_TOKENS;

/** Jinja chat template stored in the GGUF (`tokenizer.chat_template`). */
export const CHATML_JINJA =
  `{%- for message in messages %}{{- '${T.imStart}' + message.role + '\\n' + message.content + '${T.imEnd}' + '\\n' }}{%- endfor %}` +
  `{%- if add_generation_prompt %}{{- '${T.imStart}assistant\\n' }}{%- endif %}`;

/** Ollama (Go template) form of the same format, as `/api/show` reports it; `.Suffix` selects FIM. */
export const OLLAMA_TEMPLATE =
  `{{- if .Suffix }}${T.fimPrefix}{{ .Prompt }}${T.fimSuffix}{{ .Suffix }}${T.fimMiddle}` +
  `{{- else }}{{- if .System }}${T.imStart}system\n{{ .System }}${T.imEnd}\n{{ end }}` +
  `${T.imStart}user\n{{ .Prompt }}${T.imEnd}\n${T.imStart}assistant\n{{ end }}`;

export const STOP_SEQUENCES = [T.endOfText, T.imEnd, T.fimPrefix, T.fimSuffix, T.fimMiddle, T.fimPad, T.repoName, T.fileSep];

export function fimPrompt(prefix: string, suffix: string): string {
  return `${T.fimPrefix}${prefix}${T.fimSuffix}${suffix}${T.fimMiddle}`;
}

export interface ChatTurn {
  role: string;
  content: string;
}

export function chatPrompt(turns: readonly ChatTurn[]): string {
  return turns.map((t) => `${T.imStart}${t.role}\n${t.content}${T.imEnd}\n`).join('') + `${T.imStart}assistant\n`;
}
