// Byte-level BPE training compatible with llama.cpp's `tokenizer.ggml.model = gpt2` and
// `tokenizer.ggml.pre = qwen2`: the same byte-to-character map and the same pre-split regex,
// so the merges learned here are applied identically when llama.cpp tokenizes.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** GPT-2's bytes_to_unicode: every byte becomes one printable character; ids 0..255 follow byte order. */
export function byteCharacters(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const chars: string[] = [];
  let shifted = 0;
  for (let b = 0; b < 256; b++) chars.push(String.fromCodePoint(printable(b) ? b : 256 + shifted++));
  return chars;
}

/** llama.cpp's pre-tokenizer regex for `qwen2`. */
const QWEN2_PRE_SPLIT = /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

export interface CorpusSource {
  /** Directory whose files (not subdirectories) ending in `extension` are read, sorted by name. */
  dir: string;
  extension: string;
}

/** Concatenates files in name order until `maxBytes`; the same inputs always give the same text. */
export function readCorpus(source: CorpusSource, maxBytes: number): string {
  const files = fs
    .readdirSync(source.dir)
    .filter((f) => f.endsWith(source.extension))
    .sort();
  let text = '';
  for (const f of files) {
    if (text.length >= maxBytes) break;
    text += fs.readFileSync(path.join(source.dir, f), 'utf8').slice(0, maxBytes - text.length) + '\n';
  }
  return text;
}

export interface BpeVocabulary {
  /** Ids 0..255 are the byte tokens, then one token per merge. */
  tokens: string[];
  /** "left right" in byte-character form, in priority order. */
  merges: string[];
}

/**
 * Learns up to `mergeCount` merges; ties go to the smaller pair key so training is deterministic.
 * Words with non-ASCII characters are skipped: TypeScript source is nearly all ASCII and this keeps
 * every merged token valid UTF-8 on its own.
 */
export function trainBpe(text: string, mergeCount: number): BpeVocabulary {
  const tokens = byteCharacters();
  const idOf = new Map(tokens.map((t, i) => [t, i]));
  const merges: string[] = [];
  const frequency = new Map<string, number>();
  for (const m of text.matchAll(QWEN2_PRE_SPLIT)) {
    if (/[^\x00-\x7f]/.test(m[0])) continue;
    frequency.set(m[0], (frequency.get(m[0]) ?? 0) + 1);
  }
  const words: { symbols: number[]; count: number }[] = [];
  for (const [word, count] of frequency) if (word.length >= 2) words.push({ symbols: Array.from(Buffer.from(word, 'utf8')), count });

  const KEY_BASE = 1 << 20;
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (wordIndex: number) => {
    const { symbols, count } = words[wordIndex];
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = symbols[i] * KEY_BASE + symbols[i + 1];
      pairCount.set(key, (pairCount.get(key) ?? 0) + count);
      let set = pairWords.get(key);
      if (!set) pairWords.set(key, (set = new Set()));
      set.add(wordIndex);
    }
  };
  const removePairs = (wordIndex: number) => {
    const { symbols, count } = words[wordIndex];
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = symbols[i] * KEY_BASE + symbols[i + 1];
      const left = (pairCount.get(key) ?? 0) - count;
      if (left > 0) pairCount.set(key, left);
      else pairCount.delete(key);
    }
  };
  words.forEach((_, i) => addPairs(i));

  while (merges.length < mergeCount) {
    let best = -1;
    let bestCount = 1; // a pair seen once is not worth a token
    for (const [key, count] of pairCount) {
      if (count > bestCount || (count === bestCount && best !== -1 && key < best)) {
        best = key;
        bestCount = count;
      }
    }
    if (best === -1) break;
    const left = Math.floor(best / KEY_BASE);
    const right = best % KEY_BASE;
    // Two merge paths can spell the same string ("ab"+"c", "a"+"bc"): one token, two merges.
    const spelled = tokens[left] + tokens[right];
    const merged = idOf.get(spelled) ?? tokens.push(spelled) - 1;
    idOf.set(spelled, merged);
    merges.push(`${tokens[left]} ${tokens[right]}`);
    const affected = pairWords.get(best) ?? new Set<number>();
    pairWords.delete(best);
    for (const wordIndex of affected) {
      const word = words[wordIndex];
      removePairs(wordIndex);
      const next: number[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (i + 1 < word.symbols.length && word.symbols[i] === left && word.symbols[i + 1] === right) {
          next.push(merged);
          i++;
        } else next.push(word.symbols[i]);
      }
      word.symbols = next;
      addPairs(wordIndex);
    }
    pairCount.delete(best);
  }
  return { tokens, merges };
}
