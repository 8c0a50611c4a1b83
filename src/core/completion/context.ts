import type { CompletionDocument, ContextFile, ContextSnippet, CursorPosition, TokenEstimator } from './ports';

/** Default estimator: code averages about 3.5 characters per token in BPE vocabularies. */
export const estimateTokensByChars: TokenEstimator = (text) => Math.ceil(text.length / 3.5);

/** Characters of the cursor line kept on each side of the cursor; a minified 10 MB line costs no more. */
const LINE_WINDOW_CHARS = 8192;
/** Lines read above the cursor for the short-range view (cache scope, repeat checks, indentation). */
const NEARBY_LINES = 3;
const INDENT_SCAN_LINES = 64;

/**
 * What surrounds the cursor, read cheaply on every keystroke: it decides typing-through, cache
 * lookups, single/multi-line and postprocessing. The prompt itself is built later (`buildPrompt`).
 */
export interface CursorContext {
  readonly position: CursorPosition;
  /** Cursor line before the cursor (at most LINE_WINDOW_CHARS). */
  readonly linePrefix: string;
  /** Cursor line after the cursor (at most LINE_WINDOW_CHARS). */
  readonly lineSuffix: string;
  /** The line above the cursor line ('' on the first line). */
  readonly lineAbove: string;
  /** Up to NEARBY_LINES lines below the cursor line. */
  readonly linesBelow: readonly string[];
  /** Document identity + nearby lines + text after the cursor: equal scopes differ only in `linePrefix`. */
  readonly scope: string;
  readonly eol: '\n' | '\r\n';
  /** The document's indentation unit ('\t' or spaces), when the lines above show one. */
  readonly indentUnit: string | undefined;
  /** NUL characters near the cursor: binary content, no completion. */
  readonly looksBinary: boolean;
}

export function readCursor(document: CompletionDocument, position: CursorPosition): CursorContext {
  const line = clampLine(document, position.line);
  const text = document.lineAt(line);
  const character = Math.min(Math.max(0, position.character), text.length);
  const linePrefix = text.slice(Math.max(0, character - LINE_WINDOW_CHARS), character);
  const lineSuffix = text.slice(character, character + LINE_WINDOW_CHARS);
  const above: string[] = [];
  for (let l = line - 1; l >= 0 && above.length < NEARBY_LINES; l--) above.push(capped(document.lineAt(l)));
  const linesBelow: string[] = [];
  for (let l = line + 1; l < document.lineCount && linesBelow.length < NEARBY_LINES; l++) linesBelow.push(capped(document.lineAt(l)));
  const nearby = [linePrefix, lineSuffix, ...above, ...linesBelow];
  return {
    position: { line, character },
    linePrefix,
    lineSuffix,
    lineAbove: above[0] ?? '',
    linesBelow,
    scope: [document.uri, ...above, '\u0000', lineSuffix, ...linesBelow].join('\n'),
    eol: document.eol,
    indentUnit: detectIndentUnit(document, line),
    looksBinary: nearby.some((t) => t.includes('\u0000')),
  };
}

function clampLine(document: CompletionDocument, line: number): number {
  return Math.min(Math.max(0, line), Math.max(0, document.lineCount - 1));
}

function capped(text: string): string {
  return text.length > LINE_WINDOW_CHARS ? text.slice(0, LINE_WINDOW_CHARS) : text;
}

function detectIndentUnit(document: CompletionDocument, line: number): string | undefined {
  let smallest: number | undefined;
  for (let l = line; l >= 0 && l > line - INDENT_SCAN_LINES; l--) {
    const indent = /^[ \t]*/.exec(capped(document.lineAt(l)))![0];
    if (indent.startsWith('\t')) return '\t';
    if (indent.length > 0 && (smallest === undefined || indent.length < smallest)) smallest = indent.length;
  }
  return smallest === undefined ? undefined : ' '.repeat(smallest);
}

export interface PromptOptions {
  /** Budget for everything the model reads (header, snippets, prefix, suffix). */
  readonly promptTokens: number;
  /** Largest share of the budget the suffix may take. */
  readonly suffixShare: number;
  /**
   * Most tokens for the suffix. The suffix follows the prefix in the prompt, so every request
   * evaluates it again (the engine's cache ends where the prefix changed): it costs its size in
   * prompt evaluation on every keystroke that asks.
   */
  readonly suffixTokens: number;
  /** Largest share of the budget snippets from other files may take. */
  readonly snippetShare: number;
  /**
   * The prefix window starts on a multiple of this many lines, so that typing does not shift the
   * start of the prompt on every keystroke (which would defeat the engine's prompt cache).
   */
  readonly windowQuantumLines: number;
  readonly estimateTokens: TokenEstimator;
  /** Strings defused in context text so a file cannot inject a FIM marker. */
  readonly specialTokens: readonly string[];
  readonly isAllowedAsContext: (file: ContextFile) => boolean;
}

export const DEFAULT_PROMPT_OPTIONS: Omit<PromptOptions, 'estimateTokens' | 'specialTokens' | 'isAllowedAsContext'> = {
  promptTokens: 1500,
  suffixShare: 0.25,
  suffixTokens: 128,
  snippetShare: 0.25,
  windowQuantumLines: 8,
};

/** The FIM parts of one request. `prefix` holds, in order: snippets (stable first), file header, prefix window. */
export interface PromptContext {
  readonly prefix: string;
  readonly suffix: string;
  /** Estimated tokens of prefix + suffix. */
  readonly promptTokens: number;
  /** Other files whose text went into the prompt (for the ledger and audit). */
  readonly snippetFiles: readonly ContextFile[];
}

/**
 * Fits the context into the token budget. The suffix is sized first and independently of the
 * prefix, so typing does not change it; the prefix then takes what is left. Every window is cut at
 * line boundaries except the cursor line itself when it alone exceeds the budget; the work is bounded
 * by the budget, never by the document size.
 */
export function buildPrompt(document: CompletionDocument, cursor: CursorContext, snippets: readonly ContextSnippet[], options: PromptOptions): PromptContext {
  const est = options.estimateTokens;
  // Any line longer than this cannot fit: estimators are assumed to give at least one token per 8 chars.
  const maxLineChars = options.promptTokens * 8;
  const header = commentLines(document.languageId, [`Path: ${document.relativePath} (${document.languageId})`]);
  let remaining = options.promptTokens - est(header);

  // Suffix: rest of the cursor line, then whole lines below.
  let suffixBudget = Math.min(Math.floor(options.promptTokens * options.suffixShare), options.suffixTokens);
  const suffixLineText = fitStart(cursor.lineSuffix, suffixBudget, est);
  suffixBudget -= est(suffixLineText);
  const below: string[] = [];
  if (suffixLineText.length === cursor.lineSuffix.length) {
    for (let l = cursor.position.line + 1; l < document.lineCount; l++) {
      const text = document.lineAt(l);
      const cost = text.length > maxLineChars ? Infinity : est(text + '\n');
      if (cost > suffixBudget) break;
      suffixBudget -= cost;
      below.push(text);
    }
  }
  const suffix = [suffixLineText, ...below].join('\n');
  remaining -= est(suffix);

  const picked = pickSnippets(document, snippets, Math.floor(options.promptTokens * options.snippetShare), maxLineChars, options);
  const snippetText = picked.map((p) => p.text).join('');
  remaining -= est(snippetText);

  // Prefix: the cursor line up to the cursor, then whole lines above, window start quantized.
  const cursorText = fitEnd(cursor.linePrefix, Math.max(0, remaining), est);
  remaining -= est(cursorText);
  let start = cursor.position.line;
  if (cursorText.length === cursor.linePrefix.length && cursor.linePrefix.length === cursor.position.character) {
    for (let l = cursor.position.line - 1; l >= 0; l--) {
      const text = document.lineAt(l);
      const cost = text.length > maxLineChars ? Infinity : est(text + '\n');
      if (cost > remaining) break;
      remaining -= cost;
      start = l;
    }
  }
  if (start > 0) start = Math.min(cursor.position.line, Math.ceil(start / options.windowQuantumLines) * options.windowQuantumLines);
  const above: string[] = [];
  for (let l = start; l < cursor.position.line; l++) above.push(document.lineAt(l));
  const prefixWindow = [...above, cursorText].join('\n');

  const prefix = defuse(snippetText + header + prefixWindow, options.specialTokens);
  const defusedSuffix = defuse(suffix, options.specialTokens);
  return {
    prefix,
    suffix: defusedSuffix,
    promptTokens: est(prefix) + est(defusedSuffix),
    snippetFiles: picked.map((p) => ({ uri: p.snippet.uri, relativePath: p.snippet.relativePath })),
  };
}

/**
 * Chooses snippets newest first (most relevant) until the budget is spent, then orders the chosen
 * ones oldest change first: text that has not changed stays at the very start of the prompt, where
 * the engine's prompt cache can keep it from one request to the next.
 */
function pickSnippets(
  document: CompletionDocument,
  snippets: readonly ContextSnippet[],
  budget: number,
  maxChars: number,
  options: PromptOptions,
): { snippet: ContextSnippet; text: string }[] {
  const picked: { snippet: ContextSnippet; text: string }[] = [];
  const newestFirst = [...snippets].sort((a, b) => b.changedAt - a.changedAt || a.uri.localeCompare(b.uri));
  let left = budget;
  for (const snippet of newestFirst) {
    if (snippet.uri === document.uri || !options.isAllowedAsContext(snippet)) continue;
    const head = commentLines(document.languageId, [`Path: ${snippet.relativePath}`]);
    const lines: string[] = [];
    let cost = options.estimateTokens(head);
    for (const line of snippet.text.slice(0, maxChars).split(/\r?\n/)) {
      const lineCost = options.estimateTokens(line + '\n');
      if (cost + lineCost > left) break;
      cost += lineCost;
      lines.push(line);
    }
    if (lines.length === 0) continue;
    left -= cost;
    picked.push({ snippet, text: head + commentLines(document.languageId, lines) + '\n' });
  }
  return picked.sort((a, b) => a.snippet.changedAt - b.snippet.changedAt || a.snippet.uri.localeCompare(b.snippet.uri));
}

/** The longest end of `text` within `budget` tokens. */
function fitEnd(text: string, budget: number, est: TokenEstimator): string {
  let kept = text;
  for (let i = 0; i < 8 && kept.length > 0 && est(kept) > budget; i++) {
    kept = kept.slice(kept.length - Math.floor((kept.length * budget) / est(kept)));
  }
  return est(kept) > budget ? '' : kept;
}

/** The longest start of `text` within `budget` tokens. */
function fitStart(text: string, budget: number, est: TokenEstimator): string {
  let kept = text;
  for (let i = 0; i < 8 && kept.length > 0 && est(kept) > budget; i++) {
    kept = kept.slice(0, Math.floor((kept.length * budget) / est(kept)));
  }
  return est(kept) > budget ? '' : kept;
}

/** Breaks every occurrence of a special token with a zero-width space, so it tokenizes as plain text. */
export function defuse(text: string, specialTokens: readonly string[]): string {
  let out = text;
  for (const token of specialTokens) {
    if (out.includes(token)) out = out.replaceAll(token, `${token[0]}\u200b${token.slice(1)}`);
  }
  return out;
}

const LINE_COMMENT: Readonly<Record<string, string>> = {
  python: '#', ruby: '#', shellscript: '#', perl: '#', r: '#', yaml: '#', toml: '#', dockerfile: '#', makefile: '#',
  powershell: '#', julia: '#', elixir: '#', coffeescript: '#', nim: '#', properties: '#',
  sql: '--', lua: '--', haskell: '--', ada: '--', elm: '--',
  latex: '%', tex: '%', matlab: '%', erlang: '%',
  clojure: ';', lisp: ';', scheme: ';', ini: ';',
  vb: "'", bat: 'REM',
};
const BLOCK_COMMENT: Readonly<Record<string, readonly [string, string]>> = {
  html: ['<!--', '-->'], xml: ['<!--', '-->'], markdown: ['<!--', '-->'], vue: ['<!--', '-->'], svelte: ['<!--', '-->'],
  css: ['/*', '*/'], scss: ['/*', '*/'], less: ['/*', '*/'],
};

/** Lines as comments in the language, each ending with '\n'. */
function commentLines(languageId: string, lines: readonly string[]): string {
  const block = BLOCK_COMMENT[languageId];
  const line = LINE_COMMENT[languageId] ?? '//';
  return lines.map((l) => (block ? `${block[0]} ${l} ${block[1]}\n` : `${line} ${l}\n`)).join('');
}
