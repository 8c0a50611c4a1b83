import picomatch from 'picomatch/posix.js';
import { normalizeRelativePath } from './globList';

/** The rule of an ignore file that excluded a path. */
export interface IgnoreMatch {
  /** The pattern as written in the file. */
  readonly pattern: string;
  /** 1-based line number in the file. */
  readonly line: number;
}

interface IgnoreRule extends IgnoreMatch {
  readonly negated: boolean;
  readonly directoryOnly: boolean;
  readonly matches: (path: string) => boolean;
}

/**
 * Rules of a gitignore-style file (`.aiexclude`, `.cursorignore`, `.codeiumignore`) at a folder root:
 * comments, blank lines, `!` negation (last matching rule wins), leading `/` anchoring, a slash
 * inside the pattern anchoring too, trailing `/` for directories, and `\#` / `\!` escapes. As in
 * git, a file below an excluded directory cannot be re-included.
 */
export class IgnoreRules {
  readonly #rules: readonly IgnoreRule[];

  constructor(text: string, options: { readonly nocase: boolean }) {
    this.#rules = text
      .split(/\r?\n/)
      .map((raw, index) => parseLine(raw, index + 1, options.nocase))
      .filter((rule): rule is IgnoreRule => rule !== undefined);
  }

  /** The rule that excludes this folder-relative path, or undefined when it is not excluded. */
  match(path: string): IgnoreMatch | undefined {
    const segments = normalizeRelativePath(path).split('/');
    for (let depth = 1; depth <= segments.length; depth++) {
      const isDirectory = depth < segments.length;
      const rule = this.#lastMatching(segments.slice(0, depth).join('/'), isDirectory);
      if (rule !== undefined && !rule.negated && isDirectory) {
        return { pattern: rule.pattern, line: rule.line };
      }
      if (!isDirectory) {
        return rule === undefined || rule.negated ? undefined : { pattern: rule.pattern, line: rule.line };
      }
    }
    return undefined;
  }

  #lastMatching(path: string, isDirectory: boolean): IgnoreRule | undefined {
    for (let index = this.#rules.length - 1; index >= 0; index--) {
      const rule = this.#rules[index];
      if ((isDirectory || !rule.directoryOnly) && rule.matches(path)) {
        return rule;
      }
    }
    return undefined;
  }
}

function parseLine(raw: string, line: number, nocase: boolean): IgnoreRule | undefined {
  // Trailing spaces are ignored unless escaped with a backslash.
  let body = raw.replace(/(?<!\\)\s+$/, '');
  if (body === '' || body.startsWith('#')) {
    return undefined;
  }
  const pattern = body;
  const negated = body.startsWith('!');
  if (negated) {
    body = body.slice(1);
  } else if (body.startsWith('\\#') || body.startsWith('\\!')) {
    body = body.slice(1);
  }
  const directoryOnly = body.endsWith('/');
  body = body.replace(/\/+$/, '');
  // A slash at the start or in the middle anchors the pattern to the folder root.
  const anchored = body.includes('/');
  body = body.replace(/^\/+/, '');
  if (body === '') {
    return undefined;
  }
  const regex = picomatch.makeRe(anchored ? body : `**/${body}`, { dot: true, nocase });
  return { pattern, line, negated, directoryOnly, matches: (path: string) => regex.test(path) };
}
