import { SECRET_RULES, type SecretRule } from './secretRules';

/** How many times each rule fired; never the secrets themselves. */
export type RedactionCounts = Readonly<Record<string, number>>;

export interface RedactionResult {
  readonly text: string;
  readonly counts: RedactionCounts;
}

/** Values that are templates, references or documentation, never real secrets. */
const PLACEHOLDER_WORDS = [
  'changeme',
  'change_me',
  'change-me',
  'placeholder',
  'example',
  'your_',
  'your-',
  'xxxx',
  '****',
  '....',
  'dummy',
  'redacted',
  'sample',
];
const LITERALS = new Set(['true', 'false', 'null', 'undefined', 'none', 'nil', 'password', 'secret', 'pass', 'pwd']);

/** True when a captured value is a template (`${VAR}`, `{{ x }}`, `<...>`), a placeholder or a literal. */
export function isPlaceholder(value: string): boolean {
  const lower = value.toLowerCase();
  return (
    /^(\$\{|\{\{|%\(|%\{|#\{|<)/.test(value) ||
    /^\$[A-Za-z_][\w:]*$/.test(value) ||
    LITERALS.has(lower) ||
    PLACEHOLDER_WORDS.some((word) => lower.includes(word)) ||
    /^(.)\1*$/.test(value)
  );
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) {
    counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  const length = [...value].length;
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

interface CompiledRule {
  readonly rule: SecretRule;
  readonly regex: RegExp;
}

/** Replaces secrets with `[REDACTED:<rule-id>]`. Rules run in order; earlier (more specific) rules win. */
export class SecretRedactor {
  readonly #rules: readonly CompiledRule[];

  constructor(rules: readonly SecretRule[] = SECRET_RULES) {
    // Compiled per instance: a global regex carries lastIndex, so it must not be shared.
    this.#rules = rules.map((rule) => ({
      rule,
      regex: new RegExp(rule.pattern.source, withFlags(rule.pattern.flags, 'gd')),
    }));
  }

  /** Rule ids in the order they run. */
  get ruleIds(): readonly string[] {
    return this.#rules.map(({ rule }) => rule.id);
  }

  redact(text: string): RedactionResult {
    const counts: Record<string, number> = {};
    let current = text;
    for (const compiled of this.#rules) {
      const lower = current.toLowerCase();
      if (!compiled.rule.keywords.some((keyword) => lower.includes(keyword))) {
        continue;
      }
      const result = redactWithRule(current, compiled);
      if (result.count > 0) {
        counts[compiled.rule.id] = result.count;
        current = result.text;
      }
    }
    return { text: current, counts };
  }
}

function redactWithRule(text: string, { rule, regex }: CompiledRule): { text: string; count: number } {
  let output = '';
  let cursor = 0;
  let count = 0;
  for (const match of text.matchAll(regex)) {
    const span = match.indices?.groups?.secret ?? match.indices?.[0];
    const secret = match.groups?.secret ?? match[0];
    if (span === undefined || !isSecret(rule, secret, Boolean(match.groups?.quote))) {
      continue;
    }
    output += text.slice(cursor, span[0]) + `[REDACTED:${rule.id}]`;
    cursor = span[1];
    count++;
  }
  return { text: output + text.slice(cursor), count };
}

function isSecret(rule: SecretRule, secret: string, quoted: boolean): boolean {
  if (isPlaceholder(secret) || rule.notASecret?.(secret, quoted)) {
    return false;
  }
  return rule.minEntropy === undefined || shannonEntropy(secret) >= rule.minEntropy;
}

function withFlags(flags: string, extra: string): string {
  return [...new Set([...flags, ...extra])].join('');
}
