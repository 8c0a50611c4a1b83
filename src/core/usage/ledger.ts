import { UsageCell, type RouteReason, type UsageCellJson } from './cell';
import { InvalidUsageDataError } from './errors';

/** Which model served a request and where it runs, e.g. `local:qwen2.5-coder:1.5b` or `cloud:gpt-4.1`. */
export type BackendId = `local:${string}` | `cloud:${string}`;
export type BackendRoute = 'local' | 'cloud';

export function backendRoute(backend: BackendId): BackendRoute {
  return backend.startsWith('local:') ? 'local' : 'cloud';
}

/** The model name of a backend id (everything after the route prefix). */
export function backendModel(backend: BackendId): string {
  return backend.slice(backend.indexOf(':') + 1);
}

/** The cells of one route summed into a fresh cell. */
export function sumRoute(byBackend: ReadonlyMap<BackendId, UsageCell>, route: BackendRoute): UsageCell {
  const total = new UsageCell();
  for (const [backend, cell] of byBackend) if (backendRoute(backend) === route) total.merge(cell);
  return total;
}

/** Where cells beyond the per-period caps are counted. */
export const OTHER_WORKSPACE = '(other)';
function otherBackend(route: BackendRoute): BackendId {
  return `${route}:(other)`;
}

/** Injected time source (epoch milliseconds); days are local calendar days of this clock. */
export interface UsageClock {
  now(): number;
}

export interface UsageLimits {
  /** Days kept as daily rows (today included); older days are folded into monthly rows. */
  retainDays: number;
  /** Distinct workspaces per day or month; further ones are counted under OTHER_WORKSPACE. */
  maxWorkspaces: number;
  /** Distinct backends per workspace and period; further ones are counted under otherBackend(route). */
  maxBackends: number;
  /** Completions remembered between shown, accepted and the retention check; the oldest are forgotten. */
  maxPendingCompletions: number;
}

export const DEFAULT_USAGE_LIMITS: UsageLimits = { retainDays: 90, maxWorkspaces: 32, maxBackends: 16, maxPendingCompletions: 512 };

/** Which workspace and backend a record belongs to. */
export interface UsageOrigin {
  /** A stable, non-identifying workspace id (e.g. a hash of the workspace folder URIs). */
  workspace: string;
  backend: BackendId;
}

/** Token counts of one request; `estimated` when the server reported none and they were counted locally. */
export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
  estimated: boolean;
}

/** One finished (or cancelled) request. Chat and refactor requests say why they went to this backend. */
export type RequestRecord = UsageOrigin & {
  tokens?: TokenCounts;
  /** Time to first token and total time, in milliseconds. */
  ttftMs?: number;
  totalMs?: number;
  cancelled?: boolean;
} & ({ kind: 'completion' } | { kind: 'chat' | 'refactor'; reason: RouteReason });

/** Restricts a query to one workspace; all workspaces when omitted. */
export interface UsageFilter {
  workspace?: string;
}

/** One day (`YYYY-MM-DD`) or month (`YYYY-MM`), summed over workspaces, per backend. */
export interface PeriodTotals {
  period: string;
  byBackend: Map<BackendId, UsageCell>;
}

/** A span of daily rows ending today, summed per backend. */
export interface WindowTotals {
  from: string;
  to: string;
  /** Calendar days from `from` to `to`, both included (at least 1). */
  days: number;
  byBackend: Map<BackendId, UsageCell>;
}

export const USAGE_DOCUMENT_FORMAT = 'tandem-usage';
export const USAGE_DOCUMENT_VERSION = 1;

/** One stored row: a cell of one period, workspace and backend. */
export interface UsageRowJson extends UsageCellJson {
  period: string;
  workspace: string;
  backend: BackendId;
}

/** The persisted ledger. */
export interface UsageDocument {
  format: typeof USAGE_DOCUMENT_FORMAT;
  version: typeof USAGE_DOCUMENT_VERSION;
  rows: UsageRowJson[];
}

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const MONTH_PATTERN = /^\d{4}-\d{2}$/;
const BACKEND_PATTERN = /^(local|cloud):./;

/** Parses a stored ledger; throws InvalidUsageDataError for bad JSON, another format/version, or a damaged row. */
export function parseUsageDocument(text: string): UsageDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidUsageDataError('syntax', error instanceof Error ? error.message : String(error));
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InvalidUsageDataError('shape', 'not an object');
  const { format, version, rows } = json as Record<string, unknown>;
  if (format !== USAGE_DOCUMENT_FORMAT) throw new InvalidUsageDataError('shape', 'not a Tandem usage file');
  if (version !== USAGE_DOCUMENT_VERSION) throw new InvalidUsageDataError('version', `version ${JSON.stringify(version)} is not ${USAGE_DOCUMENT_VERSION}`);
  if (!Array.isArray(rows)) throw new InvalidUsageDataError('shape', 'rows is not an array');
  return {
    format: USAGE_DOCUMENT_FORMAT,
    version: USAGE_DOCUMENT_VERSION,
    rows: rows.map((row: unknown) => {
      if (typeof row !== 'object' || row === null) throw new InvalidUsageDataError('shape', 'row is not an object');
      const { period, workspace, backend } = row as Record<string, unknown>;
      if (typeof period !== 'string' || !(DAY_PATTERN.test(period) || MONTH_PATTERN.test(period))) throw new InvalidUsageDataError('shape', 'bad period');
      if (typeof workspace !== 'string' || workspace === '') throw new InvalidUsageDataError('shape', 'bad workspace');
      if (typeof backend !== 'string' || !BACKEND_PATTERN.test(backend)) throw new InvalidUsageDataError('shape', 'bad backend');
      return { ...UsageCell.fromJSON(row).toJSON(), period, workspace, backend: backend as BackendId };
    }),
  };
}

/** Local calendar date of an epoch-milliseconds instant, `YYYY-MM-DD`. */
export function localDay(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The calendar day `delta` days after `day` (negative: before). */
export function addDays(day: string, delta: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return localDay(new Date(y, m - 1, d + delta, 12).getTime());
}

function daysBetween(from: string, to: string): number {
  const utc = (day: string): number => {
    const [y, m, d] = day.split('-').map(Number);
    return Date.UTC(y, m - 1, d);
  };
  return Math.round((utc(to) - utc(from)) / 86_400_000);
}

function count(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

export interface UsageLedgerOptions {
  clock: UsageClock;
  limits?: Partial<UsageLimits>;
  /** Called after every change (the store schedules a flush; keep it cheap). */
  onChange?: () => void;
}

interface PendingCompletion extends UsageOrigin {
  day: string;
  acceptedChars?: number;
}

type PeriodTable = Map<string, Map<string, Map<BackendId, UsageCell>>>;

/**
 * Usage per day, workspace and backend, in memory. Record calls only update counters (no I/O), so
 * they are safe on the keystroke path; persistence is the store's job (through `onChange`).
 */
export class UsageLedger {
  private readonly limits: UsageLimits;
  private readonly table: PeriodTable = new Map();
  private readonly pending = new Map<string, PendingCompletion>();
  private today = '';
  /** First day still kept as a daily row. */
  private cutoff = '';

  constructor(
    private readonly options: UsageLedgerOptions,
    document?: UsageDocument,
  ) {
    this.limits = { ...DEFAULT_USAGE_LIMITS, ...options.limits };
    this.refreshDay();
    for (const row of document?.rows ?? []) this.cellFor(row.period, row.workspace, row.backend).merge(UsageCell.fromJSON(row));
  }

  recordRequest(record: RequestRecord): void {
    const cell = this.cellFor(this.refreshDay(), record.workspace, record.backend);
    const c = cell.counters;
    c.requests += 1;
    if (record.cancelled) c.cancelled += 1;
    if (record.tokens) {
      const prompt = count(record.tokens.promptTokens);
      const completion = count(record.tokens.completionTokens);
      c.promptTokens += prompt;
      c.completionTokens += completion;
      if (record.tokens.estimated) {
        c.estimatedPromptTokens += prompt;
        c.estimatedCompletionTokens += completion;
      }
    }
    if (record.ttftMs !== undefined) cell.ttft.add(record.ttftMs);
    if (record.totalMs !== undefined) cell.total.add(record.totalMs);
    if (record.kind !== 'completion') c[record.kind][record.reason] += 1;
    this.changed();
  }

  /** A request that failed at this backend (whether or not another backend then answered it). */
  recordError(origin: UsageOrigin): void {
    this.cellFor(this.refreshDay(), origin.workspace, origin.backend).counters.errors += 1;
    this.changed();
  }

  /** An inline completion was shown; `id` links the later accept and retention check. Repeats are ignored. */
  recordShown(id: string, origin: UsageOrigin): void {
    if (this.pending.has(id)) return;
    const day = this.refreshDay();
    this.pending.set(id, { ...origin, day });
    if (this.pending.size > this.limits.maxPendingCompletions) this.pending.delete(this.pending.keys().next().value as string);
    this.cellFor(day, origin.workspace, origin.backend).counters.shown += 1;
    this.changed();
  }

  /** The shown completion `id` was accepted with `chars` characters; false when unknown or already accepted. */
  recordAccepted(id: string, chars: number): boolean {
    const entry = this.pending.get(id);
    if (!entry || entry.acceptedChars !== undefined) return false;
    this.refreshDay();
    entry.acceptedChars = count(chars);
    const c = this.cellFor(entry.day, entry.workspace, entry.backend).counters;
    c.accepted += 1;
    c.acceptedChars += entry.acceptedChars;
    this.changed();
    return true;
  }

  /**
   * The accepted completion `id` was checked later (30 s): `charsStillPresent` of its characters
   * remain (capped at the accepted count). False when unknown, not accepted or already checked.
   */
  recordRetained(id: string, charsStillPresent: number): boolean {
    const entry = this.pending.get(id);
    if (entry?.acceptedChars === undefined) return false;
    this.pending.delete(id);
    this.refreshDay();
    const c = this.cellFor(entry.day, entry.workspace, entry.backend).counters;
    c.retainCheckedChars += entry.acceptedChars;
    c.retainedChars += Math.min(count(charsStillPresent), entry.acceptedChars);
    this.changed();
    return true;
  }

  /** Forgets everything recorded. */
  reset(): void {
    this.table.clear();
    this.pending.clear();
    this.changed();
  }

  /** Today's totals per backend. */
  todayTotals(filter: UsageFilter = {}): PeriodTotals {
    const day = this.refreshDay();
    return { period: day, byBackend: this.sum([day], filter) };
  }

  /** Daily rows (at most `retainDays`), oldest first. */
  dailyTotals(filter: UsageFilter = {}): PeriodTotals[] {
    this.refreshDay();
    return this.periods(DAY_PATTERN).map((period) => ({ period, byBackend: this.sum([period], filter) }));
  }

  /** Monthly rows holding the days older than `retainDays`, oldest first. */
  monthlyTotals(filter: UsageFilter = {}): PeriodTotals[] {
    this.refreshDay();
    return this.periods(MONTH_PATTERN).map((period) => ({ period, byBackend: this.sum([period], filter) }));
  }

  /**
   * The last `days` days up to today (capped at `retainDays`), starting no earlier than the first
   * recorded day, so a new install is not averaged over days before it existed.
   */
  windowTotals(days: number, filter: UsageFilter = {}): WindowTotals {
    const to = this.refreshDay();
    const span = Math.max(1, Math.min(Math.floor(days), this.limits.retainDays));
    const recorded = this.periods(DAY_PATTERN).filter((day) => day <= to);
    const earliest = addDays(to, 1 - span);
    const first = recorded[0] ?? to;
    const from = first > earliest ? first : earliest;
    return { from, to, days: daysBetween(from, to) + 1, byBackend: this.sum(recorded.filter((day) => day >= from), filter) };
  }

  toDocument(): UsageDocument {
    this.refreshDay();
    const rows: UsageRowJson[] = [];
    for (const period of [...this.table.keys()].sort()) {
      for (const [workspace, byBackend] of this.table.get(period) ?? []) {
        for (const [backend, cell] of byBackend) rows.push({ ...cell.toJSON(), period, workspace, backend });
      }
    }
    return { format: USAGE_DOCUMENT_FORMAT, version: USAGE_DOCUMENT_VERSION, rows };
  }

  private changed(): void {
    this.options.onChange?.();
  }

  /** Today's date; when it changed, folds days older than the retention window into monthly rows. */
  private refreshDay(): string {
    const today = localDay(this.options.clock.now());
    if (today === this.today) return today;
    this.today = today;
    this.cutoff = addDays(today, 1 - this.limits.retainDays);
    let folded = false;
    for (const day of this.periods(DAY_PATTERN)) {
      if (day >= this.cutoff) continue;
      const byWorkspace = this.table.get(day) ?? new Map();
      this.table.delete(day);
      for (const [workspace, byBackend] of byWorkspace) {
        for (const [backend, cell] of byBackend) this.cellFor(day.slice(0, 7), workspace, backend).merge(cell);
      }
      folded = true;
    }
    if (folded) this.changed();
    return today;
  }

  /** The cell to count into, applying the per-period caps; days before the cutoff count in their month. */
  private cellFor(period: string, workspace: string, backend: BackendId): UsageCell {
    const key = DAY_PATTERN.test(period) && period < this.cutoff ? period.slice(0, 7) : period;
    let byWorkspace = this.table.get(key);
    if (!byWorkspace) this.table.set(key, (byWorkspace = new Map()));
    const workspaceKey = byWorkspace.has(workspace) || byWorkspace.size < this.limits.maxWorkspaces ? workspace : OTHER_WORKSPACE;
    let byBackend = byWorkspace.get(workspaceKey);
    if (!byBackend) byWorkspace.set(workspaceKey, (byBackend = new Map()));
    const backendKey = byBackend.has(backend) || byBackend.size < this.limits.maxBackends ? backend : otherBackend(backendRoute(backend));
    let cell = byBackend.get(backendKey);
    if (!cell) byBackend.set(backendKey, (cell = new UsageCell()));
    return cell;
  }

  private periods(pattern: RegExp): string[] {
    return [...this.table.keys()].filter((period) => pattern.test(period)).sort();
  }

  private sum(periods: string[], filter: UsageFilter): Map<BackendId, UsageCell> {
    const totals = new Map<BackendId, UsageCell>();
    for (const period of periods) {
      for (const [workspace, byBackend] of this.table.get(period) ?? []) {
        if (filter.workspace !== undefined && filter.workspace !== workspace) continue;
        for (const [backend, cell] of byBackend) {
          const total = totals.get(backend);
          if (total) total.merge(cell);
          else totals.set(backend, cell.clone());
        }
      }
    }
    return totals;
  }
}
