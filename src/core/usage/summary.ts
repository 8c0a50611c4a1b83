import { formatMs, formatTokens, formatUsd } from './format';
import { sumRoute, type PeriodTotals } from './ledger';
import { assessSavings, type PriceTable } from './pricing';

/** Prices used to add dollars to a summary. */
export interface SummaryPricing {
  prices: PriceTable;
  cloudModel: string;
}

/**
 * One line for the status bar tooltip, e.g. "Today: 12/40 suggestions accepted (30%) · local 52k
 * tokens, p50 180 ms · cloud 3.1k tokens, $0.02 · 3 chat/refactor (2 cloud, 1 local) · avoided $0.11".
 */
export function formatDaySummary(day: PeriodTotals, pricing?: SummaryPricing): string {
  const local = sumRoute(day.byBackend, 'local');
  const cloud = sumRoute(day.byBackend, 'cloud');
  if (local.counters.requests + cloud.counters.requests + local.counters.shown + local.counters.errors + cloud.counters.errors === 0) {
    return 'Today: no requests yet';
  }
  const savings = pricing && assessSavings({ from: day.period, to: day.period, days: 1, byBackend: day.byBackend }, pricing.prices, pricing.cloudModel);
  const parts: string[] = [];
  const shown = local.counters.shown + cloud.counters.shown;
  if (shown > 0) {
    const accepted = local.counters.accepted + cloud.counters.accepted;
    parts.push(`${accepted}/${shown} suggestions accepted (${Math.round((100 * accepted) / shown)}%)`);
  }
  if (local.counters.requests > 0) {
    const p50 = local.total.quantile(0.5);
    parts.push(`local ${formatTokens(local.tokens)} tokens${p50 === undefined ? '' : `, p50 ${formatMs(p50)}`}`);
  }
  if (cloud.counters.requests > 0) {
    parts.push(`cloud ${formatTokens(cloud.tokens)} tokens${savings ? `, ${formatUsd(savings.cloudSpendUsd)}` : ''}`);
  }
  const cloudRouted = cloud.routedRequests;
  const localRouted = local.routedRequests;
  if (cloudRouted + localRouted > 0) parts.push(`${cloudRouted + localRouted} chat/refactor (${cloudRouted} cloud, ${localRouted} local)`);
  const errors = local.counters.errors + cloud.counters.errors;
  if (errors > 0) parts.push(`${errors} error${errors === 1 ? '' : 's'}`);
  if (savings?.avoided.priced && savings.localTokens > 0) parts.push(`avoided ${formatUsd(savings.avoided.usd)}`);
  return `Today: ${parts.join(' · ')}`;
}
