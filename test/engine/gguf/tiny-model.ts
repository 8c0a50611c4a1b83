// Generates a small qwen2-architecture GGUF with seeded pseudo-random Q8_0 weights and a BPE
// vocabulary learned from TypeScript declarations. Its output is meaningless text, but it runs in
// real llama.cpp at realistic speeds for its size, which is what wiring and latency tests need.
import { trainBpe, readCorpus, type CorpusSource } from './bpe';
import { writeGgufFile, TensorType, type MetadataValue, type TensorSpec } from './gguf-file';
import { CHATML_JINJA, SPECIAL_TOKENS } from '../qwen-format';

export interface Hyperparameters {
  dim: number;
  layers: number;
  heads: number;
  kvHeads: number;
  feedForward: number;
  merges: number;
}

export const PRESETS = {
  '1m': { dim: 128, layers: 2, heads: 4, kvHeads: 2, feedForward: 384, merges: 1792 },
  '20m': { dim: 512, layers: 6, heads: 8, kvHeads: 2, feedForward: 1536, merges: 3840 },
  '100m': { dim: 768, layers: 12, heads: 12, kvHeads: 4, feedForward: 2560, merges: 3840 },
} as const satisfies Record<string, Hyperparameters>;

export type Preset = keyof typeof PRESETS;

export function isPreset(value: string): value is Preset {
  return Object.hasOwn(PRESETS, value);
}

export const TRAIN_CONTEXT_LENGTH = 32768;
const CORPUS_MAX_BYTES = 2_000_000;
const WEIGHT_SEED = 'tandem-1';
const TOKEN_NORMAL = 1;
const TOKEN_CONTROL = 3;

export interface GeneratedModel {
  parameters: number;
  vocabularySize: number;
  merges: number;
  bytes: number;
}

/** splitmix32 seeded by FNV-1a of the tensor name: each tensor's values depend only on its name. */
function uniformSource(name: string): () => number {
  let state = 0x811c9dc5;
  for (const ch of `${WEIGHT_SEED}:${name}`) state = Math.imul(state ^ ch.charCodeAt(0), 0x01000193);
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/** Uniform values with the given standard deviation. */
function randomValues(name: string, count: number, std: number): Float32Array {
  const next = uniformSource(name);
  const half = std * Math.sqrt(3);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (2 * next() - 1) * half;
  return out;
}

export async function generateTinyModel(
  preset: Preset,
  corpus: CorpusSource,
  outPath: string,
  onProgress: (written: number, total: number) => void,
): Promise<GeneratedModel> {
  const p: Hyperparameters = PRESETS[preset];
  const { tokens: bpeTokens, merges } = trainBpe(readCorpus(corpus, CORPUS_MAX_BYTES), p.merges);
  const tokens = [...bpeTokens];
  const tokenTypes = tokens.map(() => TOKEN_NORMAL);
  for (const s of Object.values(SPECIAL_TOKENS)) {
    tokens.push(s);
    tokenTypes.push(TOKEN_CONTROL);
  }
  // Real vocabularies are padded too; a multiple of 64 keeps the output matrix friendly.
  while (tokens.length % 64) {
    tokens.push(`<|extra_${tokens.length}|>`);
    tokenTypes.push(TOKEN_CONTROL);
  }
  const u32 = (value: number): MetadataValue => ({ type: 'u32', value });
  const id = (special: string) => u32(tokens.indexOf(special));
  const T = SPECIAL_TOKENS;
  const metadata: [string, MetadataValue][] = [
    ['general.architecture', { type: 'string', value: 'qwen2' }],
    ['general.type', { type: 'string', value: 'model' }],
    ['general.name', { type: 'string', value: `tandem-tiny-${preset}` }],
    ['general.size_label', { type: 'string', value: preset.toUpperCase() }],
    ['general.file_type', u32(7)], // LLAMA_FTYPE_MOSTLY_Q8_0
    ['general.quantization_version', u32(2)],
    ['qwen2.context_length', u32(TRAIN_CONTEXT_LENGTH)],
    ['qwen2.embedding_length', u32(p.dim)],
    ['qwen2.block_count', u32(p.layers)],
    ['qwen2.feed_forward_length', u32(p.feedForward)],
    ['qwen2.attention.head_count', u32(p.heads)],
    ['qwen2.attention.head_count_kv', u32(p.kvHeads)],
    ['qwen2.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-6 }],
    ['qwen2.rope.freq_base', { type: 'f32', value: 1_000_000 }],
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'qwen2' }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }],
    ['tokenizer.ggml.token_type', { type: 'i32[]', value: tokenTypes }],
    ['tokenizer.ggml.merges', { type: 'string[]', value: merges }],
    ['tokenizer.ggml.bos_token_id', id(T.endOfText)],
    ['tokenizer.ggml.eos_token_id', id(T.endOfText)],
    ['tokenizer.ggml.eot_token_id', id(T.imEnd)],
    ['tokenizer.ggml.padding_token_id', id(T.endOfText)],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
    ['tokenizer.ggml.fim_pre_token_id', id(T.fimPrefix)],
    ['tokenizer.ggml.fim_suf_token_id', id(T.fimSuffix)],
    ['tokenizer.ggml.fim_mid_token_id', id(T.fimMiddle)],
    ['tokenizer.ggml.fim_pad_token_id', id(T.fimPad)],
    ['tokenizer.ggml.fim_rep_token_id', id(T.repoName)],
    ['tokenizer.ggml.fim_sep_token_id', id(T.fileSep)],
    ['tokenizer.chat_template', { type: 'string', value: CHATML_JINJA }],
  ];

  const vocab = tokens.length;
  const headDim = p.dim / p.heads;
  const kvDim = headDim * p.kvHeads;
  const tensors: TensorSpec[] = [];
  const matrix = (name: string, cols: number, rows: number, std: number) =>
    tensors.push({ name, shape: [cols, rows], type: TensorType.Q8_0, fill: () => randomValues(name, cols * rows, std) });
  const norm = (name: string) => tensors.push({ name, shape: [p.dim], type: TensorType.F32, fill: () => new Float32Array(p.dim).fill(1) });

  matrix('token_embd.weight', p.dim, vocab, 1);
  for (let l = 0; l < p.layers; l++) {
    const b = `blk.${l}.`;
    norm(`${b}attn_norm.weight`);
    matrix(`${b}attn_q.weight`, p.dim, p.dim, 0.5 / Math.sqrt(p.dim));
    matrix(`${b}attn_k.weight`, p.dim, kvDim, 0.5 / Math.sqrt(p.dim));
    matrix(`${b}attn_v.weight`, p.dim, kvDim, 1 / Math.sqrt(p.dim));
    matrix(`${b}attn_output.weight`, p.dim, p.dim, 1 / Math.sqrt(p.dim));
    norm(`${b}ffn_norm.weight`);
    matrix(`${b}ffn_gate.weight`, p.dim, p.feedForward, 1 / Math.sqrt(p.dim));
    matrix(`${b}ffn_up.weight`, p.dim, p.feedForward, 1 / Math.sqrt(p.dim));
    matrix(`${b}ffn_down.weight`, p.feedForward, p.dim, 1 / Math.sqrt(p.feedForward));
  }
  norm('output_norm.weight');
  // Output rows of control tokens and of non-printable bytes are zero (logit exactly 0) while the
  // others spread with std ~3: greedy decoding then emits printable ASCII only and never an end
  // token, so a request runs to num_predict, which is what timing tests want.
  const silenced = tokenTypes.flatMap((type, i) => (type === TOKEN_CONTROL ? [i] : []));
  for (let byte = 0; byte < 256; byte++) if (byte >= 0x7f || (byte < 0x20 && byte !== 0x09 && byte !== 0x0a)) silenced.push(byte);
  tensors.push({
    name: 'output.weight',
    shape: [p.dim, vocab],
    type: TensorType.Q8_0,
    fill: () => {
      const values = randomValues('output.weight', p.dim * vocab, 3 / Math.sqrt(p.dim));
      for (const row of silenced) values.fill(0, row * p.dim, (row + 1) * p.dim);
      return values;
    },
  });

  const bytes = await writeGgufFile(outPath, metadata, tensors, onProgress);
  return {
    parameters: tensors.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0),
    vocabularySize: vocab,
    merges: merges.length,
    bytes,
  };
}
