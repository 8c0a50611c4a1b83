import picomatch from 'picomatch/posix.js';

/** Normalizes a folder-relative path: `/` separators, no leading `./` or `/`. */
export function normalizeRelativePath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/^\/+/, '');
}

/** The path itself followed by each ancestor directory, deepest first: `a/b/c` -> `a/b/c`, `a/b`, `a`. */
export function pathAndAncestors(path: string): string[] {
  const segments = path.split('/');
  return segments.map((_, index) => segments.slice(0, segments.length - index).join('/'));
}

interface GlobEntry {
  readonly pattern: string;
  readonly regex: RegExp;
  /** A glob without a slash is matched against the last path segment. */
  readonly byName: boolean;
}

/**
 * Workspace-relative globs (picomatch, dot files included). A glob that matches a directory covers
 * every file below it, so `secrets/` and `secrets/**` mean the same; a glob without a slash matches
 * the name at any depth (`*.sql` also covers `db/seed.sql`), as in gitignore and Copilot's rules.
 */
export class GlobList {
  readonly #entries: readonly GlobEntry[];
  /** All by-name and all by-path globs as one regex each: the common case (no match) costs two tests per candidate. */
  readonly #anyByName: RegExp | undefined;
  readonly #anyByPath: RegExp | undefined;

  constructor(patterns: readonly string[], options: { readonly nocase: boolean }) {
    this.#entries = patterns.map((pattern) => {
      const glob = normalizeRelativePath(pattern).replace(/\/+$/, '');
      return { pattern, regex: picomatch.makeRe(glob, { dot: true, nocase: options.nocase }), byName: !glob.includes('/') };
    });
    const combine = (entries: readonly GlobEntry[]): RegExp | undefined =>
      entries.length === 0
        ? undefined
        : new RegExp(entries.map((entry) => `(?:${entry.regex.source})`).join('|'), options.nocase ? 'i' : '');
    this.#anyByName = combine(this.#entries.filter((entry) => entry.byName));
    this.#anyByPath = combine(this.#entries.filter((entry) => !entry.byName));
  }

  /** The first pattern that matches the path or one of its ancestor directories. */
  firstMatch(path: string): string | undefined {
    const candidates = pathAndAncestors(normalizeRelativePath(path));
    const hit = candidates.some(
      (candidate) => this.#anyByName?.test(nameOf(candidate)) === true || this.#anyByPath?.test(candidate) === true,
    );
    if (!hit) {
      return undefined;
    }
    return this.#entries.find((entry) =>
      candidates.some((candidate) => entry.regex.test(entry.byName ? nameOf(candidate) : candidate)),
    )?.pattern;
  }
}

function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
