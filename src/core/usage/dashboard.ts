import { addDays, backendModel, backendRoute, sumRoute, type BackendId, type BackendRoute, type UsageFilter, type UsageLedger } from './ledger';
import { assessSavings, type SavingsReport, type VerdictBand } from './pricing';
import { formatDaySummary, type SummaryPricing } from './summary';

/** Days the dashboard charts, today included. */
export const DASHBOARD_DAYS = 30;

/** One day of the dashboard's time charts; days without usage are present with zeros. */
export interface DashboardDay {
  day: string;
  localTokens: number;
  cloudTokens: number;
  shown: number;
  accepted: number;
  /** Accepted of shown, 0–100; null when nothing was shown. */
  acceptancePercent: number | null;
  /** Accepted characters still present 30 s later, 0–100; null when none were checked. */
  retainedPercent: number | null;
  cloudSpendUsd: number;
  /** The day's local tokens priced as the configured cloud model; null when it has no price. */
  avoidedUsd: number | null;
}

/** Latency percentiles of one backend over the dashboard's window, in milliseconds (null: no samples). */
export interface DashboardLatency {
  backend: BackendId;
  route: BackendRoute;
  model: string;
  requests: number;
  ttftP50: number | null;
  ttftP95: number | null;
  totalP50: number | null;
  totalP95: number | null;
}

/** Plain data for the dashboard webview (JSON-serialisable: it is posted to the page). */
export interface UsageDashboardModel {
  from: string;
  to: string;
  daily: DashboardDay[];
  latency: DashboardLatency[];
  savings: Pick<SavingsReport, 'localTokens' | 'cloudTokens' | 'averageDailyTokens' | 'cloudSpendUsd' | 'verdict' | 'details' | 'unpricedCloudModels'> & {
    band: VerdictBand;
    avoidedUsd: number | null;
    /** The cloud model the local tokens are priced as. */
    avoidedModel: string;
  };
  /** Today's one-line summary (the status bar tooltip's). */
  today: string;
  /** Things the reader should know: ignored price entries, estimated token counts. */
  notes: string[];
}

function percent(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((1000 * part) / whole) / 10 : null;
}

/**
 * The dashboard's numbers from a ledger: the last `days` days (zero-filled), latency per backend,
 * spend, cost avoided and the verdict over the same window.
 */
export function buildUsageDashboard(
  ledger: UsageLedger,
  pricing: SummaryPricing & { problems?: readonly string[] },
  days: number = DASHBOARD_DAYS,
  filter: UsageFilter = {},
): UsageDashboardModel {
  const window = ledger.windowTotals(days, filter);
  const recorded = new Map(ledger.dailyTotals(filter).map((row) => [row.period, row.byBackend]));
  const daily: DashboardDay[] = [];
  for (let day = window.from; day <= window.to; day = addDays(day, 1)) {
    const byBackend = recorded.get(day) ?? new Map();
    const local = sumRoute(byBackend, 'local');
    const cloud = sumRoute(byBackend, 'cloud');
    const savings = assessSavings({ from: day, to: day, days: 1, byBackend }, pricing.prices, pricing.cloudModel);
    const shown = local.counters.shown + cloud.counters.shown;
    const accepted = local.counters.accepted + cloud.counters.accepted;
    daily.push({
      day,
      localTokens: local.tokens,
      cloudTokens: cloud.tokens,
      shown,
      accepted,
      acceptancePercent: percent(accepted, shown),
      retainedPercent: percent(local.counters.retainedChars + cloud.counters.retainedChars, local.counters.retainCheckedChars + cloud.counters.retainCheckedChars),
      cloudSpendUsd: savings.cloudSpendUsd,
      avoidedUsd: savings.avoided.priced ? savings.avoided.usd : null,
    });
  }

  const latency: DashboardLatency[] = [...window.byBackend]
    .filter(([, cell]) => cell.counters.requests > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([backend, cell]) => ({
      backend,
      route: backendRoute(backend),
      model: backendModel(backend),
      requests: cell.counters.requests,
      ttftP50: cell.ttft.quantile(0.5) ?? null,
      ttftP95: cell.ttft.quantile(0.95) ?? null,
      totalP50: cell.total.quantile(0.5) ?? null,
      totalP95: cell.total.quantile(0.95) ?? null,
    }));

  const report = assessSavings(window, pricing.prices, pricing.cloudModel);
  const notes = [...(pricing.problems ?? [])];
  if (!report.avoided.priced) notes.push(report.avoided.message);
  let estimated = 0;
  let total = 0;
  for (const cell of window.byBackend.values()) {
    estimated += cell.counters.estimatedPromptTokens + cell.counters.estimatedCompletionTokens;
    total += cell.tokens;
  }
  if (estimated > 0) notes.push(`${percent(estimated, total)}% of the tokens are estimates (about four characters a token): the server reported no count for those requests.`);

  return {
    from: window.from,
    to: window.to,
    daily,
    latency,
    savings: {
      localTokens: report.localTokens,
      cloudTokens: report.cloudTokens,
      averageDailyTokens: report.averageDailyTokens,
      cloudSpendUsd: report.cloudSpendUsd,
      verdict: report.verdict,
      details: report.details,
      unpricedCloudModels: report.unpricedCloudModels,
      band: report.band,
      avoidedUsd: report.avoided.priced ? report.avoided.usd : null,
      avoidedModel: report.avoided.model,
    },
    today: formatDaySummary(ledger.todayTotals(filter), pricing),
    notes,
  };
}

/** Host → dashboard page. */
export type DashboardHostMessage = { type: 'usage'; model: UsageDashboardModel };

/** What the dashboard's buttons ask the host to do. */
export type DashboardCommand = 'export' | 'reset';
const DASHBOARD_COMMANDS: readonly DashboardCommand[] = ['export', 'reset'];

/** Dashboard page → host. */
export type DashboardWebviewMessage = { type: 'ready' } | { type: 'command'; command: DashboardCommand };

/** A message from the page, or undefined when it is not one the host understands (the page is not trusted). */
export function parseDashboardMessage(raw: unknown): DashboardWebviewMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { type, command } = raw as Record<string, unknown>;
  if (type === 'ready') return { type };
  if (type === 'command' && DASHBOARD_COMMANDS.includes(command as DashboardCommand)) return { type, command: command as DashboardCommand };
  return undefined;
}
