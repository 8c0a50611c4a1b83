import { formatTokens, formatUsd } from './format';
import { backendModel, backendRoute, sumRoute, type WindowTotals } from './ledger';

/** Price of one model in US dollars per million tokens, and when that price was taken. */
export interface ModelPrice {
  inputUsdPerMillion: number;
  outputUsdPerMillion: number;
  /** Date the price was taken, e.g. `2025-06-01`. */
  asOf: string;
  /** True for built-in defaults nobody has confirmed against the provider's current price list. */
  verify?: boolean;
}

/** Model name -> price. Names match loosely: case, provider prefix, `.` vs `-` and date suffixes are ignored. */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

const DEFAULTS_AS_OF = '2025-06-01';

/** Built-in list prices (standard tier, no caching discounts) as known on DEFAULTS_AS_OF; verify before relying on them. */
export const DEFAULT_PRICES: PriceTable = {
  'gpt-4.1': { inputUsdPerMillion: 2, outputUsdPerMillion: 8, asOf: DEFAULTS_AS_OF, verify: true },
  'gpt-4.1-mini': { inputUsdPerMillion: 0.4, outputUsdPerMillion: 1.6, asOf: DEFAULTS_AS_OF, verify: true },
  'gpt-4o': { inputUsdPerMillion: 2.5, outputUsdPerMillion: 10, asOf: DEFAULTS_AS_OF, verify: true },
  'gpt-4o-mini': { inputUsdPerMillion: 0.15, outputUsdPerMillion: 0.6, asOf: DEFAULTS_AS_OF, verify: true },
  'o3-mini': { inputUsdPerMillion: 1.1, outputUsdPerMillion: 4.4, asOf: DEFAULTS_AS_OF, verify: true },
  'claude-sonnet-4': { inputUsdPerMillion: 3, outputUsdPerMillion: 15, asOf: DEFAULTS_AS_OF, verify: true },
  'claude-3.5-haiku': { inputUsdPerMillion: 0.8, outputUsdPerMillion: 4, asOf: DEFAULTS_AS_OF, verify: true },
};

/** Canonical form for matching: `openai/GPT-4.1-2025-04-14` and `gpt-4.1` are the same model. */
function modelKey(model: string): string {
  return model
    .trim()
    .toLowerCase()
    .replace(/^.*\//, '')
    .replace(/-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/, '')
    .replace(/\./g, '-');
}

export type PriceLookup = { found: true; model: string; price: ModelPrice } | { found: false; model: string; message: string };

/** The price of `model`, or a sentence saying it has none (never NaN downstream). */
export function findPrice(prices: PriceTable, model: string): PriceLookup {
  const key = modelKey(model);
  for (const [name, price] of Object.entries(prices)) if (modelKey(name) === key) return { found: true, model: name, price };
  return { found: false, model, message: `No price is known for model "${model}"; add it to the Tandem price table to see costs in dollars.` };
}

/** What the given tokens cost at `price`. */
export function tokenCostUsd(price: ModelPrice, promptTokens: number, completionTokens: number): number {
  return (promptTokens * price.inputUsdPerMillion + completionTokens * price.outputUsdPerMillion) / 1_000_000;
}

/**
 * Reads a user-edited price table (a setting's value) over the defaults; invalid entries are
 * skipped and described in `problems`.
 */
export function parsePriceTable(raw: unknown, defaults: PriceTable = DEFAULT_PRICES): { prices: PriceTable; problems: string[] } {
  const prices: Record<string, ModelPrice> = { ...defaults };
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { prices, problems };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { prices, problems: ['The price table must be an object of model name to price.'] };
  for (const [model, entry] of Object.entries(raw as Record<string, unknown>)) {
    const { inputUsdPerMillion, outputUsdPerMillion, asOf } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const isPrice = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
    if (!isPrice(inputUsdPerMillion) || !isPrice(outputUsdPerMillion) || typeof asOf !== 'string' || asOf.trim() === '') {
      problems.push(`Price for "${model}" ignored: it needs inputUsdPerMillion and outputUsdPerMillion (numbers >= 0) and asOf (a date).`);
      continue;
    }
    // A user entry replaces a default of the same model, whatever spelling either uses.
    for (const name of Object.keys(prices)) if (modelKey(name) === modelKey(model)) delete prices[name];
    prices[model] = { inputUsdPerMillion, outputUsdPerMillion, asOf };
  }
  return { prices, problems };
}

/** Where a workspace sits in the API-vs-self-hosted choice, by average daily tokens. */
export type VerdictBand = 'api-cheaper' | 'depends' | 'self-hosting-wins';
/** Below this many tokens a day, a pay-per-token API is cheaper than owning hardware. */
export const API_CHEAPER_BELOW = 100_000;
/** Above this many tokens a day, self-hosting wins; from API_CHEAPER_BELOW up to it (inclusive), it depends. */
export const SELF_HOSTING_ABOVE = 10_000_000;

export function verdictBand(averageDailyTokens: number): VerdictBand {
  if (averageDailyTokens < API_CHEAPER_BELOW) return 'api-cheaper';
  if (averageDailyTokens <= SELF_HOSTING_ABOVE) return 'depends';
  return 'self-hosting-wins';
}

export type AvoidedCost = { priced: true; usd: number; model: string; price: ModelPrice } | { priced: false; model: string; message: string };

/** Spend, cost avoided and the verdict for a window of usage, with the numbers behind it. */
export interface SavingsReport {
  from: string;
  to: string;
  days: number;
  localTokens: number;
  cloudTokens: number;
  /** Local plus cloud tokens, divided by `days`. */
  averageDailyTokens: number;
  /** Cloud tokens priced at each cloud model's own price. */
  cloudSpendUsd: number;
  /** Cloud models with no price; their tokens are not in cloudSpendUsd. */
  unpricedCloudModels: string[];
  /** The local tokens priced as if the configured cloud model had served them. */
  avoided: AvoidedCost;
  band: VerdictBand;
  /** One plain-language sentence. */
  verdict: string;
  /** The numbers behind the verdict, one sentence each. */
  details: string[];
}

const VERDICTS: Record<VerdictBand, (tokens: string) => string> = {
  'api-cheaper': (t) =>
    `At about ${t} tokens a day (under 100k), a pay-per-token cloud API costs less than owning hardware to serve it; running locally is worth it here for privacy and latency, not money.`,
  depends: (t) =>
    `At about ${t} tokens a day (between 100k and 10M), it depends: on hardware you already own local is nearly free, while buying hardware for it pays off only towards the upper end.`,
  'self-hosting-wins': (t) => `At about ${t} tokens a day (over 10M), self-hosting wins: a cloud bill at this volume outgrows the cost of owning the hardware.`,
};

/** Cloud spend, cloud cost avoided by local tokens (priced as `cloudModel`) and the verdict. */
export function assessSavings(window: WindowTotals, prices: PriceTable, cloudModel: string): SavingsReport {
  const local = sumRoute(window.byBackend, 'local');
  const cloudTokens = sumRoute(window.byBackend, 'cloud').tokens;
  let cloudSpendUsd = 0;
  const unpriced = new Set<string>();
  for (const [backend, cell] of window.byBackend) {
    if (backendRoute(backend) !== 'cloud' || cell.tokens === 0) continue;
    const lookup = findPrice(prices, backendModel(backend));
    if (lookup.found) cloudSpendUsd += tokenCostUsd(lookup.price, cell.counters.promptTokens, cell.counters.completionTokens);
    else unpriced.add(backendModel(backend));
  }
  const lookup = findPrice(prices, cloudModel);
  const avoided: AvoidedCost = lookup.found
    ? { priced: true, usd: tokenCostUsd(lookup.price, local.counters.promptTokens, local.counters.completionTokens), model: lookup.model, price: lookup.price }
    : { priced: false, model: cloudModel, message: lookup.message };
  const averageDailyTokens = (local.tokens + cloudTokens) / window.days;
  const band = verdictBand(averageDailyTokens);
  const unpricedCloudModels = [...unpriced].sort();

  const details = [
    `${formatTokens(averageDailyTokens)} tokens a day on average over ${window.days} day${window.days === 1 ? '' : 's'} (${window.from} to ${window.to}): ${formatTokens(local.tokens)} local, ${formatTokens(cloudTokens)} cloud.`,
    `Cloud spend: ${formatUsd(cloudSpendUsd)}${unpricedCloudModels.length > 0 ? `, not counting ${unpricedCloudModels.join(', ')} (no price known)` : ''}.`,
    avoided.priced
      ? `Cloud cost avoided: ${formatUsd(avoided.usd)}, the local tokens priced as ${avoided.model} (${formatUsd(avoided.price.inputUsdPerMillion)} in, ${formatUsd(avoided.price.outputUsdPerMillion)} out per million tokens, as of ${avoided.price.asOf}${avoided.price.verify ? ', verify' : ''}).`
      : `Cloud cost avoided: unknown. ${avoided.message}`,
  ];
  return {
    from: window.from,
    to: window.to,
    days: window.days,
    localTokens: local.tokens,
    cloudTokens,
    averageDailyTokens,
    cloudSpendUsd,
    unpricedCloudModels,
    avoided,
    band,
    verdict: VERDICTS[band](formatTokens(averageDailyTokens)),
    details,
  };
}
