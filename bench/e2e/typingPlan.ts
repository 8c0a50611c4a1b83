export { seededRandom } from '../../test/support/seededRandom';
// What the e2e speed benchmark types, and when: lines taken from real source files, turned into a
// keystroke sequence with a seeded human rhythm. Pure, so the plan is reproducible and testable.

/** Rhythm of the simulated person, in milliseconds. */
export interface Rhythm {
  readonly keyGapMs: readonly [min: number, max: number];
  readonly pauseAfterEnterMs: readonly [min: number, max: number];
}

export const DEFAULT_RHYTHM: Rhythm = { keyGapMs: [60, 120], pauseAfterEnterMs: [600, 1200] };

/** One key press: a printable character, 'Enter' or 'Backspace', after `delayMs` of quiet. */
export interface Keystroke {
  readonly key: string;
  readonly delayMs: number;
}

export interface TypingPlan {
  readonly keystrokes: readonly Keystroke[];
  /** The pause after the last keystroke (always an Enter), which ends the typing window. */
  readonly trailingPauseMs: number;
  /** The lines as they end up in the editor, each followed by the Enter that ended it. */
  readonly lines: readonly string[];
}

/** A part of a source file: the lines to type, and what follows them in the file. */
export interface SourceSegment {
  readonly lines: readonly string[];
  /** The file's text after the typed lines, whole lines, at least `suffixBytes` long when the file has that much. */
  readonly rest: string;
}


/**
 * Source text as the benchmark types it: LF line ends, tabs as two spaces, no trailing blanks, and
 * ASCII only (Playwright types other characters with insertText, which sends no key events).
 */
export function normaliseSource(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/\t/g, '  ').replace(/[^\x20-\x7e]/g, '?').trimEnd());
}

/** Keystrokes needed for `line` when the editor already indented the new line by `keptIndent` spaces. */
function keystrokesFor(line: string, keptIndent: number): number {
  if (line === '') return 1;
  return Math.abs(indentOf(line) - keptIndent) + line.trimStart().length + 1;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/**
 * The first lines of a file worth at most `budget` keystrokes (whole lines, at least one), and the
 * text after them up to the first line end past `suffixBytes`.
 */
export function takeSegment(source: string, budget: number, suffixBytes: number): SourceSegment {
  const all = normaliseSource(source);
  const lines: string[] = [];
  let keystrokes = 0;
  let keptIndent = 0;
  while (lines.length < all.length) {
    const line = all[lines.length];
    keystrokes += keystrokesFor(line, keptIndent);
    if (lines.length > 0 && keystrokes > budget) break;
    if (line !== '') keptIndent = indentOf(line);
    lines.push(line);
  }
  const restLines: string[] = [];
  let restBytes = 0;
  for (let i = lines.length; i < all.length && restBytes < suffixBytes; i++) {
    restLines.push(all[i]);
    restBytes += all[i].length + 1;
  }
  return { lines, rest: restLines.map((line) => `${line}\n`).join('') };
}

function between(random: () => number, [min, max]: readonly [number, number]): number {
  return Math.round(min + random() * (max - min));
}

/**
 * Keystrokes that type `lines`, each ended by Enter, in an editor that keeps the previous line's
 * indentation on Enter (`editor.autoIndent: keep`, no tab stops): the difference is typed as
 * spaces or Backspaces, as a person would. Blank lines are a bare Enter (VS Code trims the
 * auto-inserted whitespace, and the next line keeps the same indentation).
 */
export function planTyping(lines: readonly string[], rhythm: Rhythm, random: () => number): TypingPlan {
  const keystrokes: Keystroke[] = [];
  let afterEnter = false;
  const press = (key: string): void => {
    keystrokes.push({ key, delayMs: keystrokes.length === 0 ? 0 : between(random, afterEnter ? rhythm.pauseAfterEnterMs : rhythm.keyGapMs) });
    afterEnter = key === 'Enter';
  };
  let keptIndent = 0;
  for (const line of lines) {
    if (line !== '') {
      const indent = indentOf(line);
      for (let i = keptIndent; i < indent; i++) press(' ');
      for (let i = indent; i < keptIndent; i++) press('Backspace');
      keptIndent = indent;
      for (const char of line.trimStart()) press(char);
    }
    press('Enter');
  }
  return { keystrokes, trailingPauseMs: between(random, rhythm.pauseAfterEnterMs), lines };
}
