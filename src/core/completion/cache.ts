/** How far back along the cursor line a cached suggestion is looked for (characters typed since it). */
const MAX_WALK_BACK = 64;

/** A cached suggestion the user has typed part of: `text` is what is left to insert. */
export interface CacheHit {
  readonly text: string;
  readonly typed: string;
}

/**
 * Recent suggestions (text with '\n' line ends), least recently used dropped first. Keyed by the
 * cursor's scope (document, nearby lines, text after the cursor) and the line prefix; a lookup also
 * walks back over the last typed characters, so a suggestion stays valid while the user types it.
 * Keys are digests, computed in one pass over the line prefix for all walk-back positions.
 */
export class CompletionCache {
  private readonly entries = new Map<string, string>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  set(scope: string, linePrefix: string, text: string): void {
    const key = keysByLength(scope, linePrefix, linePrefix.length).get(linePrefix.length)!;
    this.entries.delete(key);
    this.entries.set(key, text);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  lookup(scope: string, linePrefix: string): CacheHit | undefined {
    const keys = keysByLength(scope, linePrefix, Math.max(0, linePrefix.length - MAX_WALK_BACK));
    for (let length = linePrefix.length; keys.has(length); length--) {
      const key = keys.get(length)!;
      const text = this.entries.get(key);
      if (text === undefined) continue;
      const typed = linePrefix.slice(length);
      if (text.length > typed.length && text.startsWith(typed) && text.slice(typed.length).trim() !== '') {
        this.entries.delete(key);
        this.entries.set(key, text);
        return { text: text.slice(typed.length), typed };
      }
    }
    return undefined;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Keys for `linePrefix` cut to every length from `fromLength` up to its full length. */
function keysByLength(scope: string, linePrefix: string, fromLength: number): Map<number, string> {
  const scopeDigest = new Digest().add(scope).value();
  const digest = new Digest().add(linePrefix.slice(0, fromLength));
  const keys = new Map<number, string>();
  for (let length = fromLength; ; length++) {
    keys.set(length, `${scopeDigest}:${length}:${digest.value()}`);
    if (length === linePrefix.length) return keys;
    digest.addCode(linePrefix.charCodeAt(length));
  }
}

/** A 64-bit incremental digest (two 32-bit FNV-1a style lanes). */
class Digest {
  private a = 0x811c9dc5;
  private b = 0x9747b28c;

  add(text: string): this {
    for (let i = 0; i < text.length; i++) this.addCode(text.charCodeAt(i));
    return this;
  }

  addCode(code: number): void {
    this.a = Math.imul(this.a ^ code, 0x01000193);
    this.b = Math.imul(this.b ^ code, 0x5bd1e995);
  }

  value(): string {
    return `${(this.a >>> 0).toString(36)}.${(this.b >>> 0).toString(36)}`;
  }
}
