import { ROUTE_REASONS, type UsageCell } from './cell';
import { backendModel, backendRoute, type PeriodTotals } from './ledger';
import { findPrice, tokenCostUsd, type PriceTable } from './pricing';

/** One CSV field: quoted when it holds a comma, quote or line break (RFC 4180), quotes doubled. */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  // A leading = + - @ makes spreadsheets run the text as a formula; a leading quote keeps it text.
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const COLUMNS: readonly [string, (cell: UsageCell) => number | undefined][] = [
  ['requests', (c) => c.counters.requests],
  ['cancelled', (c) => c.counters.cancelled],
  ['errors', (c) => c.counters.errors],
  ['prompt_tokens', (c) => c.counters.promptTokens],
  ['completion_tokens', (c) => c.counters.completionTokens],
  ['estimated_prompt_tokens', (c) => c.counters.estimatedPromptTokens],
  ['estimated_completion_tokens', (c) => c.counters.estimatedCompletionTokens],
  ['shown', (c) => c.counters.shown],
  ['accepted', (c) => c.counters.accepted],
  ['accepted_chars', (c) => c.counters.acceptedChars],
  ['retain_checked_chars', (c) => c.counters.retainCheckedChars],
  ['retained_chars', (c) => c.counters.retainedChars],
  ...ROUTE_REASONS.flatMap((reason): [string, (cell: UsageCell) => number][] => [
    [`chat_${reason}`, (c) => c.counters.chat[reason]],
    [`refactor_${reason}`, (c) => c.counters.refactor[reason]],
  ]),
  ['ttft_p50_ms', (c) => roundMs(c.ttft.quantile(0.5))],
  ['ttft_p95_ms', (c) => roundMs(c.ttft.quantile(0.95))],
  ['total_p50_ms', (c) => roundMs(c.total.quantile(0.5))],
  ['total_p95_ms', (c) => roundMs(c.total.quantile(0.95))],
];

function roundMs(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.round(ms);
}

/**
 * Usage as CSV, one row per period (day `YYYY-MM-DD` or month `YYYY-MM`) and backend, CRLF line
 * ends. `cost_usd` is filled for cloud rows whose model has a price in `prices`.
 */
export function usageCsv(periods: readonly PeriodTotals[], prices?: PriceTable): string {
  const lines = [['period', 'route', 'model', ...COLUMNS.map(([name]) => name), 'cost_usd'].join(',')];
  for (const { period, byBackend } of periods) {
    for (const [backend, cell] of [...byBackend].sort(([a], [b]) => a.localeCompare(b))) {
      const route = backendRoute(backend);
      const lookup = prices && route === 'cloud' ? findPrice(prices, backendModel(backend)) : undefined;
      const cost = lookup?.found ? Number(tokenCostUsd(lookup.price, cell.counters.promptTokens, cell.counters.completionTokens).toFixed(6)) : undefined;
      lines.push([period, route, backendModel(backend), ...COLUMNS.map(([, value]) => value(cell)), cost].map(csvField).join(','));
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
