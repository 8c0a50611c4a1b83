/** Token counts for people: 950, 42.1k, 3.2M (truncated). */
export function formatTokens(tokens: number): string {
  if (tokens < 1_000) return String(Math.round(tokens));
  if (tokens < 1_000_000) return `${trim(tokens / 1_000)}k`;
  return `${trim(tokens / 1_000_000)}M`;
}

/** US dollars with cents; amounts that round to zero but are not zero show as "<$0.01". */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.005) return '<$0.01';
  return `$${usd.toFixed(2)}`;
}

/** Milliseconds, whole. */
export function formatMs(ms: number): string {
  return `${Math.round(ms)} ms`;
}

// Truncated, not rounded: 99,995 a day reads "99.9k", never "100k", which would cross a verdict band.
function trim(value: number): string {
  return value >= 100 ? String(Math.floor(value)) : String(Math.floor(value * 10) / 10);
}
