// Pure (no 'vscode'): turning a model's answer into code that can replace the user's selection.

const FENCE = /^([ \t]*)(`{3,}|~{3,})[^\n`]*\n([\s\S]*?)\n[ \t]*\2[ \t]*$/gm;

/**
 * The code in a model's answer: the longest fenced block (models add short usage examples around
 * the real answer), an unclosed fence's remainder (an answer cut short), or the whole answer when it
 * has no fence. Undefined when nothing but whitespace is left.
 */
export function extractCode(answer: string): string | undefined {
  const text = answer.replace(/\r\n/g, '\n');
  let best: string | undefined;
  for (const match of text.matchAll(FENCE)) {
    const body = match[3]!;
    if (best === undefined || body.length > best.length) best = body;
  }
  if (best === undefined) {
    const open = /^[ \t]*(`{3,}|~{3,})[^\n`]*\n/m.exec(text);
    best = open ? text.slice(open.index + open[0].length) : text;
  }
  const trimmed = best.replace(/^\s*\n/, '').replace(/\s+$/, '');
  return trimmed.trim() === '' ? undefined : trimmed;
}

/**
 * Shifts `code` right so that its least indented line sits where the original's did: models
 * usually return a method body flush left even when the selection was nested inside a class.
 */
export function fitIndentation(code: string, original: string): string {
  const target = commonIndent(original);
  const current = commonIndent(code);
  if (target.length <= current.length) return code;
  const extra = target.slice(0, target.length - current.length);
  return code
    .split('\n')
    .map((line) => (line.trim() === '' ? line : extra + line))
    .join('\n');
}

function commonIndent(text: string): string {
  let common: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const indent = /^[ \t]*/.exec(line)![0];
    if (common === undefined || indent.length < common.length) common = indent;
  }
  return common ?? '';
}
