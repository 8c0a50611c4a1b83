import assert from 'node:assert/strict';
import { buildUsageDashboard, DASHBOARD_DAYS, parseDashboardMessage } from '../../../src/core/usage/dashboard';
import { UsageLedger, type BackendId, type UsageClock } from '../../../src/core/usage/ledger';
import { DEFAULT_PRICES, parsePriceTable } from '../../../src/core/usage/pricing';

class HandClock implements UsageClock {
  ms = new Date(2025, 2, 10, 12).getTime();
  now(): number {
    return this.ms;
  }
  nextDay(): void {
    const d = new Date(this.ms);
    this.ms = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1, 12).getTime();
  }
}

const LOCAL: BackendId = 'local:qwen2.5-coder:1.5b-base';
const CLOUD: BackendId = 'cloud:gpt-4.1';
const pricing = { prices: DEFAULT_PRICES, cloudModel: 'gpt-4.1' };

describe('buildUsageDashboard', () => {
  it('charts every day from the first recorded one, with zeros for quiet days', () => {
    const clock = new HandClock();
    const ledger = new UsageLedger({ clock });
    ledger.recordRequest({ kind: 'completion', workspace: 'w', backend: LOCAL, tokens: { promptTokens: 900, completionTokens: 100, estimated: false }, ttftMs: 50, totalMs: 120 });
    clock.nextDay();
    clock.nextDay();
    ledger.recordRequest({ kind: 'chat', reason: 'policy', workspace: 'w', backend: CLOUD, tokens: { promptTokens: 1_000_000, completionTokens: 0, estimated: false }, ttftMs: 400, totalMs: 900 });
    const model = buildUsageDashboard(ledger, pricing);
    assert.deepEqual(model.daily.map((d) => [d.day, d.localTokens, d.cloudTokens]), [
      ['2025-03-10', 1000, 0],
      ['2025-03-11', 0, 0],
      ['2025-03-12', 0, 1_000_000],
    ]);
    // $2 per million input tokens for gpt-4.1; 900 prompt + 100 completion local tokens priced the same way.
    assert.equal(model.daily[2].cloudSpendUsd, 2);
    assert.equal(model.daily[0].avoidedUsd, (900 * 2 + 100 * 8) / 1_000_000);
    assert.equal(model.savings.cloudSpendUsd, 2);
    assert.equal(model.savings.avoidedModel, 'gpt-4.1');
    // (1000 + 1M) tokens over 3 days is in the middle band.
    assert.equal(model.savings.band, 'depends');
    assert.match(model.savings.verdict, /it depends/);
    assert.ok(JSON.parse(JSON.stringify(model)), 'posts as JSON');
  });

  it('gives acceptance and retention per day, null when nothing was shown or checked', () => {
    const clock = new HandClock();
    const ledger = new UsageLedger({ clock });
    for (const id of ['a', 'b', 'c', 'd']) ledger.recordShown(id, { workspace: 'w', backend: LOCAL });
    ledger.recordAccepted('a', 10);
    ledger.recordRetained('a', 7);
    clock.nextDay();
    ledger.recordRequest({ kind: 'completion', workspace: 'w', backend: LOCAL });
    const [first, second] = buildUsageDashboard(ledger, pricing).daily;
    assert.equal(first.acceptancePercent, 25);
    assert.equal(first.retainedPercent, 70);
    assert.equal(second.acceptancePercent, null);
    assert.equal(second.retainedPercent, null);
  });

  it('gives p50/p95 of time to first token and total time per backend over the window', () => {
    const clock = new HandClock();
    const ledger = new UsageLedger({ clock });
    for (let i = 1; i <= 100; i++) ledger.recordRequest({ kind: 'completion', workspace: 'w', backend: LOCAL, ttftMs: i, totalMs: 10 * i });
    ledger.recordRequest({ kind: 'refactor', reason: 'fallback', workspace: 'w', backend: CLOUD });
    const [cloud, local] = buildUsageDashboard(ledger, pricing).latency;
    assert.equal(cloud.backend, CLOUD);
    assert.equal(cloud.ttftP50, null);
    assert.equal(local.requests, 100);
    assert.ok(Math.abs((local.ttftP50 ?? 0) - 50) <= 1, String(local.ttftP50));
    assert.ok(Math.abs((local.totalP95 ?? 0) - 950) <= 950 * 0.02, String(local.totalP95));
  });

  it('keeps at most DASHBOARD_DAYS days and notes estimates, unpriced models and price problems', () => {
    const clock = new HandClock();
    const ledger = new UsageLedger({ clock });
    for (let i = 0; i < DASHBOARD_DAYS + 10; i++) {
      ledger.recordRequest({ kind: 'completion', workspace: 'w', backend: LOCAL, tokens: { promptTokens: 30, completionTokens: 10, estimated: i % 2 === 0 } });
      clock.nextDay();
    }
    const parsed = parsePriceTable({ broken: { inputUsdPerMillion: 'x' } });
    const model = buildUsageDashboard(ledger, { prices: parsed.prices, cloudModel: 'my-own-model', problems: parsed.problems });
    assert.equal(model.daily.length, DASHBOARD_DAYS);
    assert.equal(model.savings.avoidedUsd, null);
    assert.equal(model.notes.length, 3, model.notes.join('\n'));
    assert.match(model.notes[0], /broken/);
    assert.match(model.notes[1], /my-own-model/);
    assert.match(model.notes[2], /estimates/);
  });

  it('filters by workspace', () => {
    const clock = new HandClock();
    const ledger = new UsageLedger({ clock });
    ledger.recordRequest({ kind: 'completion', workspace: 'a', backend: LOCAL, tokens: { promptTokens: 1, completionTokens: 1, estimated: false } });
    ledger.recordRequest({ kind: 'completion', workspace: 'b', backend: LOCAL, tokens: { promptTokens: 5, completionTokens: 5, estimated: false } });
    assert.equal(buildUsageDashboard(ledger, pricing, DASHBOARD_DAYS, { workspace: 'b' }).savings.localTokens, 10);
    assert.equal(buildUsageDashboard(ledger, pricing).savings.localTokens, 12);
  });
});

describe('parseDashboardMessage', () => {
  it('accepts the page messages the host handles and nothing else', () => {
    assert.deepEqual(parseDashboardMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseDashboardMessage({ type: 'command', command: 'export' }), { type: 'command', command: 'export' });
    assert.equal(parseDashboardMessage({ type: 'command', command: 'workbench.action.terminal.new' }), undefined);
    assert.equal(parseDashboardMessage('ready'), undefined);
    assert.equal(parseDashboardMessage(null), undefined);
  });
});
