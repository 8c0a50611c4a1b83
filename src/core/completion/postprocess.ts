import type { CursorContext } from './context';

export interface PostprocessOptions {
  readonly multiline: boolean;
  /** Multi-line results are cut after this many lines. */
  readonly maxLines: number;
  /** The format's special tokens: output is cut at the first one. */
  readonly specialTokens: readonly string[];
}

/** What postprocessing reads from the cursor context. */
export type PostprocessCursor = Pick<CursorContext, 'linePrefix' | 'lineSuffix' | 'lineAbove' | 'linesBelow' | 'eol' | 'indentUnit'>;

/**
 * Turns raw model output into the text to insert at the cursor, or undefined when nothing useful is
 * left. Works on '\n' internally and returns the document's end-of-line.
 */
export function postprocess(raw: string, cursor: PostprocessCursor, options: PostprocessOptions): string | undefined {
  let text = truncateCompletion(raw.replace(/\r\n?/g, '\n'), cursor, options);
  text = removeSuffixOverlap(text.trimEnd(), suffixText(cursor));
  text = fixLeadingWhitespace(text, cursor);
  text = convertIndentation(text, cursor.indentUnit).trimEnd();
  if (text.trim() === '') return undefined;
  if (repeatsLineAbove(text, cursor)) return undefined;
  return cursor.eol === '\n' ? text : text.replace(/\n/g, cursor.eol);
}

/**
 * The cutting half of postprocessing ('\n' line ends in and out): at a leaked special token, after
 * the first line (single-line) or `maxLines`, at a run of repeated lines, where the document's next
 * line is reached, and where the completion closes a block of the code before the cursor. Text
 * after a cut is never used, so a stream can be stopped as soon as its complete lines get cut.
 */
export function truncateCompletion(text: string, cursor: PostprocessCursor, options: PostprocessOptions): string {
  let kept = cutAtSpecialToken(text, options.specialTokens);
  kept = options.multiline ? firstLines(kept, options.maxLines) : kept.slice(0, firstLineEnd(kept) ?? kept.length);
  kept = cutRepeatedRun(kept, cursor.linePrefix);
  kept = cutAtNextDocumentLine(kept, cursor.linesBelow);
  return balanceAgainstSuffix(kept, suffixText(cursor));
}

function suffixText(cursor: PostprocessCursor): string {
  return [cursor.lineSuffix, ...cursor.linesBelow].join('\n');
}

/** Cuts at the first special token: anything after a leaked end/FIM marker is not part of the answer. */
export function cutAtSpecialToken(text: string, specialTokens: readonly string[]): string {
  let end = text.length;
  for (const token of specialTokens) {
    const at = text.indexOf(token);
    if (at >= 0 && at < end) end = at;
  }
  return text.slice(0, end);
}

/**
 * Index of the newline that ends the first line with content, if the text has one. A completion
 * may start with a line break (the suggestion begins on the next line); that line break does not
 * end it.
 */
function firstLineEnd(text: string): number | undefined {
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) {
    if (text.slice(0, at).trim() !== '') return at;
  }
  return undefined;
}

function firstLines(text: string, maxLines: number): string {
  const start = text.length - text.trimStart().length;
  let at = start - 1;
  for (let i = 0; i < maxLines; i++) {
    at = text.indexOf('\n', at + 1);
    if (at < 0) return text;
  }
  return text.slice(0, at);
}

/** A model stuck in a loop: at three identical lines in a row, keep the first. */
function cutRepeatedRun(text: string, linePrefix: string): string {
  const lines = text.split('\n');
  // The first line continues the cursor line, whose indentation is already typed.
  lines[0] = linePrefix + lines[0];
  for (let i = 2; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() !== '' && line === lines[i - 1] && line === lines[i - 2]) return text.slice(0, lengthOfLines(lines, i - 1) - linePrefix.length);
  }
  return text;
}

/** Length of the first `count` lines joined with '\n'. */
function lengthOfLines(lines: readonly string[], count: number): number {
  return lines.slice(0, count).join('\n').length;
}

/** The completion reached the line that already follows the cursor: the rest repeats the document. */
function cutAtNextDocumentLine(text: string, linesBelow: readonly string[]): string {
  const next = linesBelow.find((l) => l.trim() !== '')?.trimEnd();
  if (!next) return text;
  const lines = text.split('\n');
  const at = lines.findIndex((l, i) => i > 0 && l.trimEnd() === next);
  return at > 0 ? lines.slice(0, at).join('\n') : text;
}

const CLOSER_OF: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };
const CLOSERS = new Set(Object.values(CLOSER_OF));

/**
 * Brackets the completion closes but did not open belong to the code before the cursor. If the
 * text after the cursor already closes it, the completion stops before its own closer (or before
 * that closer's line); otherwise it keeps the closer and ends with that line, since what follows
 * is outside the block being completed. Strings and `//` comments are skipped.
 */
function balanceAgainstSuffix(text: string, suffixText: string): string {
  const suffixHead = suffixText.trimStart()[0];
  const stack: string[] = [];
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote || (ch === '\n' && quote !== '`')) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '/' && text[i + 1] === '/') {
      const eol = text.indexOf('\n', i);
      if (eol < 0) break;
      i = eol;
    } else if (CLOSER_OF[ch]) stack.push(CLOSER_OF[ch]!);
    else if (CLOSERS.has(ch)) {
      if (stack.length > 0) {
        stack.pop();
        continue;
      }
      if (ch === suffixHead) {
        const lineStart = text.lastIndexOf('\n', i - 1) + 1;
        return text.slice(0, text.slice(lineStart, i).trim() === '' ? Math.max(0, lineStart - 1) : i);
      }
      const eol = text.indexOf('\n', i);
      return eol < 0 ? text : text.slice(0, eol);
    }
  }
  return text;
}

/**
 * Removes an end of the completion that repeats the start of the text after the cursor (a model
 * that writes `a, b)` into `f(|)`). The overlap must start at a token boundary, so that `data`
 * before `a)` keeps its `a`.
 */
function removeSuffixOverlap(text: string, suffixText: string): string {
  const max = Math.min(text.length, suffixText.length);
  for (let k = max; k >= 1; k--) {
    const head = suffixText.slice(0, k);
    if (head.trim() === '' || !text.endsWith(head)) continue;
    const before = text[text.length - k - 1];
    if (before !== undefined && isWordChar(before) && isWordChar(head[0]!)) continue;
    return text.slice(0, text.length - k);
  }
  return text;
}

function isWordChar(ch: string): boolean {
  return /[\p{L}\p{N}_$]/u.test(ch);
}

/**
 * Indentation the model repeats: when the user already indented the line as deep as it belongs
 * (as the line above, deeper if that line opens a block), a first line starting with the same
 * indentation again doubles it. After a space, a leading space doubles the gap.
 */
function fixLeadingWhitespace(text: string, cursor: PostprocessCursor): string {
  const prefix = cursor.linePrefix;
  if (prefix !== '' && prefix.trim() === '') {
    const aboveIndent = /^[ \t]*/.exec(cursor.lineAbove)![0].length;
    const expected = aboveIndent + (/[{([:]$/.test(cursor.lineAbove.trimEnd()) ? 1 : 0);
    return prefix.length >= expected && text.startsWith(prefix) ? text.slice(prefix.length) : text;
  }
  if (prefix.endsWith(' ') && text.startsWith(' ')) return text.slice(1);
  return text;
}

/** Continuation lines use the document's indentation character (tabs vs spaces). */
function convertIndentation(text: string, unit: string | undefined): string {
  if (!unit || !text.includes('\n')) return text;
  const lines = text.split('\n');
  const rest = lines.slice(1).map((line) => {
    const indent = /^[ \t]*/.exec(line)![0];
    if (unit === '\t' && indent.includes(' ')) {
      const spacesPerTab = smallestSpaceIndent(lines.slice(1)) ?? 4;
      const width = indent.replace(/\t/g, ' '.repeat(spacesPerTab)).length;
      return '\t'.repeat(Math.floor(width / spacesPerTab)) + ' '.repeat(width % spacesPerTab) + line.slice(indent.length);
    }
    if (unit !== '\t' && indent.includes('\t')) return indent.replace(/\t/g, unit) + line.slice(indent.length);
    return line;
  });
  return [lines[0]!, ...rest].join('\n');
}

function smallestSpaceIndent(lines: readonly string[]): number | undefined {
  const widths = lines.map((l) => /^ */.exec(l)![0].length).filter((w) => w > 0);
  return widths.length ? Math.min(...widths) : undefined;
}

/** The finished cursor line would just repeat the line above (a model echoing context). */
function repeatsLineAbove(text: string, cursor: PostprocessCursor): boolean {
  if (text.startsWith('\n')) return false;
  const firstLine = (cursor.linePrefix + text.split('\n')[0]!).trim();
  return /[\p{L}\p{N}]/u.test(firstLine) && firstLine === cursor.lineAbove.trim();
}
