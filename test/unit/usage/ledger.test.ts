import assert from 'node:assert/strict';
import { addDays, localDay, OTHER_WORKSPACE, parseUsageDocument, sumRoute, UsageLedger, type BackendId, type UsageClock } from '../../../src/core/usage/ledger';
import { formatDaySummary } from '../../../src/core/usage/summary';
import { DEFAULT_PRICES } from '../../../src/core/usage/pricing';

/** A clock the test moves by hand; `set(y, m, d, h)` uses local time, as the ledger does. */
class HandClock implements UsageClock {
  private ms = new Date(2025, 0, 15, 12).getTime();
  now(): number {
    return this.ms;
  }
  set(year: number, month: number, day: number, hour = 12, minute = 0): void {
    this.ms = new Date(year, month - 1, day, hour, minute).getTime();
  }
  advanceDays(days: number): void {
    const d = new Date(this.ms);
    this.ms = new Date(d.getFullYear(), d.getMonth(), d.getDate() + days, 12).getTime();
  }
}

const LOCAL: BackendId = 'local:qwen2.5-coder:1.5b-base';
const CLOUD: BackendId = 'cloud:gpt-4.1';
const WS = 'ws-a';

function completion(ledger: UsageLedger, tokens = { promptTokens: 100, completionTokens: 20, estimated: false }, workspace = WS, backend: BackendId = LOCAL): void {
  ledger.recordRequest({ kind: 'completion', workspace, backend, tokens, ttftMs: 80, totalMs: 150 });
}

describe('UsageLedger', () => {
  it('counts requests, tokens (estimates flagged) and latency per day and backend', () => {
    const clock = new HandClock();
    const ledger = new UsageLedger({ clock });
    completion(ledger);
    completion(ledger, { promptTokens: 50, completionTokens: 10, estimated: true });
    ledger.recordRequest({ kind: 'chat', reason: 'policy', workspace: WS, backend: CLOUD, tokens: { promptTokens: 1_000, completionTokens: 400, estimated: false }, ttftMs: 400, totalMs: 2_500 });
    ledger.recordRequest({ kind: 'completion', workspace: WS, backend: LOCAL, cancelled: true, totalMs: 30 });

    const today = ledger.todayTotals();
    assert.equal(today.period, '2025-01-15');
    const local = today.byBackend.get(LOCAL)?.counters;
    assert.deepEqual(
      { requests: local?.requests, cancelled: local?.cancelled, prompt: local?.promptTokens, completion: local?.completionTokens, estPrompt: local?.estimatedPromptTokens, estCompletion: local?.estimatedCompletionTokens },
      { requests: 3, cancelled: 1, prompt: 150, completion: 30, estPrompt: 50, estCompletion: 10 },
    );
    assert.equal(today.byBackend.get(LOCAL)?.ttft.count, 2);
    assert.equal(today.byBackend.get(LOCAL)?.total.count, 3);
    const cloud = today.byBackend.get(CLOUD);
    assert.equal(cloud?.tokens, 1_400);
    assert.equal(cloud?.counters.chat.policy, 1);
    assert.ok(Math.abs((cloud?.total.quantile(0.5) ?? 0) - 2_500) <= 2_500 * 0.02);
  });

  it('ignores negative and non-finite token counts instead of corrupting totals', () => {
    const ledger = new UsageLedger({ clock: new HandClock() });
    completion(ledger, { promptTokens: -5, completionTokens: Number.NaN, estimated: false });
    assert.equal(ledger.todayTotals().byBackend.get(LOCAL)?.tokens, 0);
    assert.equal(ledger.todayTotals().byBackend.get(LOCAL)?.counters.requests, 1);
  });

  it('follows a completion from shown to accepted to the retention check', () => {
    const ledger = new UsageLedger({ clock: new HandClock() });
    const origin = { workspace: WS, backend: LOCAL };
    ledger.recordShown('c1', origin);
    ledger.recordShown('c1', origin); // the same suggestion shown again counts once
    ledger.recordShown('c2', origin);
    ledger.recordShown('c3', origin);
    assert.equal(ledger.recordAccepted('c1', 40), true);
    assert.equal(ledger.recordAccepted('c1', 40), false, 'accepted twice');
    assert.equal(ledger.recordAccepted('nope', 10), false, 'never shown');
    assert.equal(ledger.recordRetained('c2', 5), false, 'shown but not accepted');
    assert.equal(ledger.recordAccepted('c2', 10), true);
    assert.equal(ledger.recordRetained('c1', 30), true);
    assert.equal(ledger.recordRetained('c1', 30), false, 'checked twice');
    assert.equal(ledger.recordRetained('c2', 99), true, 'more than accepted is capped');
    const c = ledger.todayTotals().byBackend.get(LOCAL)?.counters;
    assert.deepEqual(
      { shown: c?.shown, accepted: c?.accepted, acceptedChars: c?.acceptedChars, checked: c?.retainCheckedChars, retained: c?.retainedChars },
      { shown: 3, accepted: 2, acceptedChars: 50, checked: 50, retained: 40 },
    );
  });

  it('forgets the oldest pending completions beyond the bound', () => {
    const ledger = new UsageLedger({ clock: new HandClock(), limits: { maxPendingCompletions: 10 } });
    for (let i = 0; i < 11; i++) ledger.recordShown(`c${i}`, { workspace: WS, backend: LOCAL });
    assert.equal(ledger.recordAccepted('c0', 5), false);
    assert.equal(ledger.recordAccepted('c1', 5), true);
    assert.equal(ledger.todayTotals().byBackend.get(LOCAL)?.counters.shown, 11);
  });

  it('counts chat and refactor requests by route and reason, errors and fallbacks', () => {
    const ledger = new UsageLedger({ clock: new HandClock() });
    const chatLocal: BackendId = 'local:qwen2.5-coder:7b';
    ledger.recordError({ workspace: WS, backend: CLOUD });
    ledger.recordRequest({ kind: 'chat', reason: 'fallback', workspace: WS, backend: chatLocal });
    ledger.recordRequest({ kind: 'refactor', reason: 'policy', workspace: WS, backend: chatLocal });
    ledger.recordRequest({ kind: 'refactor', reason: 'user', workspace: WS, backend: CLOUD });
    const today = ledger.todayTotals().byBackend;
    assert.equal(today.get(CLOUD)?.counters.errors, 1);
    assert.equal(today.get(CLOUD)?.counters.refactor.user, 1);
    assert.equal(today.get(chatLocal)?.fallbacks, 1);
    assert.equal(today.get(chatLocal)?.routedRequests, 2);
    assert.equal(sumRoute(today, 'local').routedRequests, 2);
    assert.equal(sumRoute(today, 'cloud').routedRequests, 1);
  });

  it('starts a new row at local midnight', () => {
    const clock = new HandClock();
    const ledger = new UsageLedger({ clock });
    // 9 March 2025 is also a daylight-saving change in some time zones.
    clock.set(2025, 3, 9, 23, 59);
    completion(ledger);
    clock.set(2025, 3, 10, 0, 1);
    completion(ledger);
    completion(ledger);
    assert.deepEqual(
      ledger.dailyTotals().map((d) => [d.period, d.byBackend.get(LOCAL)?.counters.requests]),
      [
        ['2025-03-09', 1],
        ['2025-03-10', 2],
      ],
    );
  });

  it('keeps 90 daily rows and folds older days into monthly rows without losing counts', () => {
    const clock = new HandClock();
    clock.set(2024, 10, 1);
    const ledger = new UsageLedger({ clock });
    for (let day = 0; day < 200; day++) {
      completion(ledger, { promptTokens: 1_000 + day, completionTokens: 1, estimated: false });
      clock.advanceDays(1);
    }
    clock.advanceDays(-1);
    const days = ledger.dailyTotals();
    assert.equal(days.length, 90);
    assert.equal(days[89].period, localDay(clock.now()));
    assert.equal(days[0].period, addDays(localDay(clock.now()), -89));
    const months = ledger.monthlyTotals();
    assert.deepEqual(
      months.map((m) => m.period),
      ['2024-10', '2024-11', '2024-12', '2025-01'],
    );
    const requests = [...days, ...months].reduce((sum, p) => sum + (p.byBackend.get(LOCAL)?.counters.requests ?? 0), 0);
    const prompt = [...days, ...months].reduce((sum, p) => sum + (p.byBackend.get(LOCAL)?.counters.promptTokens ?? 0), 0);
    assert.equal(requests, 200);
    assert.equal(prompt, 200 * 1_000 + (199 * 200) / 2);
    assert.equal(months.find((m) => m.period === '2024-11')?.byBackend.get(LOCAL)?.total.count, 30);
    assert.equal(months.find((m) => m.period === '2025-01')?.byBackend.get(LOCAL)?.counters.requests, 18, 'January up to the cutoff');
    assert.ok(ledger.toDocument().rows.length <= 90 + 5);
  });

  it('caps distinct workspaces and backends per day, counting the rest under "other"', () => {
    const ledger = new UsageLedger({ clock: new HandClock(), limits: { maxWorkspaces: 4, maxBackends: 3 } });
    for (let w = 0; w < 10; w++) completion(ledger, undefined, `ws-${w}`);
    for (let b = 0; b < 6; b++) completion(ledger, undefined, 'ws-0', `cloud:model-${b}`);
    completion(ledger, undefined, 'ws-0', 'local:extra');
    const doc = ledger.toDocument();
    assert.deepEqual([...new Set(doc.rows.map((r) => r.workspace))].sort(), [OTHER_WORKSPACE, 'ws-0', 'ws-1', 'ws-2', 'ws-3']);
    const ws0 = doc.rows.filter((r) => r.workspace === 'ws-0');
    assert.deepEqual(
      ws0.map((r) => [r.backend, r.requests]).sort(),
      [
        ['cloud:(other)', 4],
        ['cloud:model-0', 1],
        ['cloud:model-1', 1],
        ['local:(other)', 1],
        [LOCAL, 1],
      ].sort(),
    );
    assert.equal(doc.rows.find((r) => r.workspace === OTHER_WORKSPACE)?.requests, 6);
    const total = doc.rows.reduce((sum, r) => sum + r.requests, 0);
    assert.equal(total, 17);
  });

  it('filters queries by workspace', () => {
    const ledger = new UsageLedger({ clock: new HandClock() });
    completion(ledger, undefined, 'ws-a');
    completion(ledger, undefined, 'ws-b');
    completion(ledger, undefined, 'ws-b');
    assert.equal(ledger.todayTotals({ workspace: 'ws-b' }).byBackend.get(LOCAL)?.counters.requests, 2);
    assert.equal(ledger.todayTotals().byBackend.get(LOCAL)?.counters.requests, 3);
    assert.equal(ledger.todayTotals({ workspace: 'ws-c' }).byBackend.size, 0);
  });

  it('averages a window only over the days since the first record', () => {
    const clock = new HandClock();
    const ledger = new UsageLedger({ clock });
    assert.equal(ledger.windowTotals(30).days, 1);
    completion(ledger);
    clock.advanceDays(2);
    completion(ledger);
    const window = ledger.windowTotals(30);
    assert.deepEqual([window.from, window.to, window.days], ['2025-01-15', '2025-01-17', 3]);
    assert.equal(window.byBackend.get(LOCAL)?.counters.requests, 2);
    const lastTwo = ledger.windowTotals(2);
    assert.deepEqual([lastTwo.from, lastTwo.days, lastTwo.byBackend.get(LOCAL)?.counters.requests], ['2025-01-16', 2, 1]);
    assert.equal(ledger.windowTotals(10_000).days, 3);
  });

  it('reports every change, resets, and round-trips through its document', () => {
    let changes = 0;
    const clock = new HandClock();
    const ledger = new UsageLedger({ clock, onChange: () => (changes += 1) });
    completion(ledger);
    ledger.recordShown('x', { workspace: WS, backend: LOCAL });
    ledger.recordAccepted('x', 12);
    assert.equal(changes, 3);
    const restored = new UsageLedger({ clock }, parseUsageDocument(JSON.stringify(ledger.toDocument())));
    assert.deepEqual(restored.toDocument(), ledger.toDocument());
    ledger.reset();
    assert.equal(changes, 4);
    assert.equal(ledger.toDocument().rows.length, 0);
    assert.equal(ledger.recordRetained('x', 12), false, 'pending completions are forgotten too');
  });

  it('folds days of a loaded document that fell out of the window into their month', () => {
    const clock = new HandClock();
    const old = new UsageLedger({ clock });
    completion(old);
    clock.advanceDays(100);
    const loaded = new UsageLedger({ clock }, old.toDocument());
    assert.equal(loaded.dailyTotals().length, 0);
    const months = loaded.monthlyTotals();
    assert.deepEqual(months.map((m) => [m.period, m.byBackend.get(LOCAL)?.counters.requests]), [['2025-01', 1]]);
  });

  it('summarizes today in one line for the status bar', () => {
    const ledger = new UsageLedger({ clock: new HandClock() });
    assert.equal(formatDaySummary(ledger.todayTotals()), 'Today: no requests yet');
    for (let i = 0; i < 4; i++) {
      ledger.recordShown(`c${i}`, { workspace: WS, backend: LOCAL });
      completion(ledger, { promptTokens: 10_000, completionTokens: 500, estimated: false });
    }
    ledger.recordAccepted('c0', 10);
    ledger.recordRequest({ kind: 'chat', reason: 'policy', workspace: WS, backend: CLOUD, tokens: { promptTokens: 1_000_000, completionTokens: 0, estimated: false } });
    ledger.recordError({ workspace: WS, backend: CLOUD });
    assert.equal(
      formatDaySummary(ledger.todayTotals(), { prices: DEFAULT_PRICES, cloudModel: 'gpt-4.1' }),
      'Today: 1/4 suggestions accepted (25%) · local 42k tokens, p50 150 ms · cloud 1M tokens, $2.00 · 1 chat/refactor (1 cloud, 0 local) · 1 error · avoided $0.10',
    );
  });
});
