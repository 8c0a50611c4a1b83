/** Reading the servers' hints about when to come back. `Headers` satisfies `HeaderLookup`. */
export interface HeaderLookup {
  get(name: string): string | null;
}

/**
 * The wait the server asks for, in ms, uncapped (the retry policy applies the cap):
 * `retry-after-ms` (OpenAI's), else `Retry-After` as delta-seconds or an HTTP-date.
 * Undefined when absent or unparseable; a date in the past gives 0.
 */
export function retryAfterMs(headers: HeaderLookup | undefined, nowMs: number): number | undefined {
  const ms = headers?.get('retry-after-ms')?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Number(ms);
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  // An HTTP-date names a day or month; this keeps Date.parse from reading "-5" or "1" as a year.
  if (!/[a-z]{3}/i.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * When an OpenAI-style rate limit resets, in ms, from `x-ratelimit-reset-requests` and
 * `x-ratelimit-reset-tokens` (durations such as "1s", "6m0s", "20ms"); the later of the two.
 */
export function rateLimitResetMs(headers: HeaderLookup | undefined): number | undefined {
  const resets = ['x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens']
    .map((name) => parseDuration(headers?.get(name) ?? ''))
    .filter((ms): ms is number => ms !== undefined);
  return resets.length ? Math.max(...resets) : undefined;
}

const DURATION_UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** "1h2m3.5s" -> 3723500; undefined unless the whole text is such a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?(h|ms|m|s))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, , unit] of trimmed.matchAll(/(\d+(\.\d+)?)(h|ms|m|s)/g)) total += Number(amount) * DURATION_UNIT_MS[unit!]!;
  return total;
}
