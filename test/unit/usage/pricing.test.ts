import assert from 'node:assert/strict';
import { UsageLedger, type BackendId, type WindowTotals } from '../../../src/core/usage/ledger';
import { API_CHEAPER_BELOW, assessSavings, DEFAULT_PRICES, findPrice, parsePriceTable, SELF_HOSTING_ABOVE, tokenCostUsd, verdictBand } from '../../../src/core/usage/pricing';

const LOCAL: BackendId = 'local:qwen2.5-coder:7b';

/** A window of `days` days in which the local model served `perDay` tokens a day (prompt : completion = 4 : 1). */
function localWindow(days: number, perDay: number): WindowTotals {
  let ms = new Date(2025, 4, 1, 12).getTime();
  const ledger = new UsageLedger({ clock: { now: () => ms } });
  for (let d = 0; d < days; d++) {
    ledger.recordRequest({ kind: 'completion', workspace: 'ws', backend: LOCAL, tokens: { promptTokens: (perDay * 4) / 5, completionTokens: perDay / 5, estimated: false } });
    ms += 86_400_000;
  }
  ms -= 86_400_000;
  return ledger.windowTotals(30);
}

describe('pricing and savings', () => {
  it('places exact boundaries: 100k a day is "depends", 10M a day is still "depends"', () => {
    assert.equal(API_CHEAPER_BELOW, 100_000);
    assert.equal(SELF_HOSTING_ABOVE, 10_000_000);
    assert.equal(verdictBand(0), 'api-cheaper');
    assert.equal(verdictBand(99_999.99), 'api-cheaper');
    assert.equal(verdictBand(100_000), 'depends');
    assert.equal(verdictBand(10_000_000), 'depends');
    assert.equal(verdictBand(10_000_000.01), 'self-hosting-wins');
  });

  it('reaches the boundary bands from recorded usage averaged over the window', () => {
    const at100k = assessSavings(localWindow(10, 100_000), DEFAULT_PRICES, 'gpt-4.1');
    assert.equal(at100k.days, 10);
    assert.equal(at100k.averageDailyTokens, 100_000);
    assert.equal(at100k.band, 'depends');
    assert.match(at100k.verdict, /^At about 100k tokens a day \(between 100k and 10M\), it depends/);
    const under = assessSavings(localWindow(10, 99_995), DEFAULT_PRICES, 'gpt-4.1');
    assert.equal(under.band, 'api-cheaper');
    assert.match(under.verdict, /^At about 99\.9k tokens a day \(under 100k\), a pay-per-token cloud API costs less/);
    assert.equal(assessSavings(localWindow(3, 10_000_000), DEFAULT_PRICES, 'gpt-4.1').band, 'depends');
    const over = assessSavings(localWindow(3, 10_000_005), DEFAULT_PRICES, 'gpt-4.1');
    assert.equal(over.band, 'self-hosting-wins');
    assert.match(over.verdict, /self-hosting wins/);
  });

  it('prices cloud spend per cloud model and cost avoided as the configured cloud model', () => {
    let ms = new Date(2025, 4, 1, 12).getTime();
    const ledger = new UsageLedger({ clock: { now: () => ms } });
    ledger.recordRequest({ kind: 'completion', workspace: 'ws', backend: LOCAL, tokens: { promptTokens: 1_000_000, completionTokens: 500_000, estimated: false } });
    ms += 86_400_000;
    ledger.recordRequest({ kind: 'chat', reason: 'policy', workspace: 'ws', backend: 'cloud:gpt-4o-mini', tokens: { promptTokens: 2_000_000, completionTokens: 1_000_000, estimated: false } });
    ledger.recordRequest({ kind: 'chat', reason: 'user', workspace: 'ws', backend: 'cloud:my-private-model', tokens: { promptTokens: 10, completionTokens: 10, estimated: false } });
    const report = assessSavings(ledger.windowTotals(30), DEFAULT_PRICES, 'gpt-4.1');
    // gpt-4o-mini: 2M × $0.15 + 1M × $0.60 = $0.90; gpt-4.1 for the local tokens: 1M × $2 + 0.5M × $8 = $6.
    assert.ok(Math.abs(report.cloudSpendUsd - 0.9) < 1e-9, String(report.cloudSpendUsd));
    assert.equal(report.avoided.priced && report.avoided.usd, 6);
    assert.deepEqual(report.unpricedCloudModels, ['my-private-model']);
    assert.equal(report.localTokens, 1_500_000);
    assert.equal(report.cloudTokens, 3_000_020);
    assert.equal(report.days, 2);
    assert.equal(report.averageDailyTokens, 4_500_020 / 2);
    assert.deepEqual(report.details, [
      '2.2M tokens a day on average over 2 days (2025-05-01 to 2025-05-02): 1.5M local, 3M cloud.',
      'Cloud spend: $0.90, not counting my-private-model (no price known).',
      'Cloud cost avoided: $6.00, the local tokens priced as gpt-4.1 ($2.00 in, $8.00 out per million tokens, as of 2025-06-01, verify).',
    ]);
  });

  it('says so in words when the configured cloud model has no price (no NaN anywhere)', () => {
    const report = assessSavings(localWindow(2, 5_000), DEFAULT_PRICES, 'mystery-model');
    assert.equal(report.avoided.priced, false);
    assert.ok(!report.avoided.priced && report.avoided.message.includes('"mystery-model"'));
    assert.match(report.details[2], /^Cloud cost avoided: unknown\. No price is known for model "mystery-model"/);
    assert.equal(report.cloudSpendUsd, 0);
    assert.ok(!JSON.stringify(report).includes('NaN') && !report.details.join(' ').includes('NaN'));
    assert.ok(Number.isFinite(report.averageDailyTokens));
  });

  it('finds prices under the names servers report, without mixing up model sizes', () => {
    const model = (name: string): string | undefined => {
      const lookup = findPrice(DEFAULT_PRICES, name);
      return lookup.found ? lookup.model : undefined;
    };
    assert.equal(model('gpt-4.1'), 'gpt-4.1');
    assert.equal(model('GPT-4.1-2025-04-14'), 'gpt-4.1');
    assert.equal(model('openai/gpt-4.1-mini'), 'gpt-4.1-mini');
    assert.equal(model('claude-3-5-haiku-latest'), 'claude-3.5-haiku');
    assert.equal(model('claude-sonnet-4-20250514'), 'claude-sonnet-4');
    assert.equal(model('gpt-4.1-nano'), undefined);
    assert.equal(model('gpt-4'), undefined);
  });

  it('has dated defaults marked for verification for the common cloud models', () => {
    for (const name of ['gpt-4.1', 'gpt-4.1-mini', 'gpt-4o', 'gpt-4o-mini', 'o3-mini', 'claude-sonnet-4', 'claude-3.5-haiku']) {
      const price = DEFAULT_PRICES[name];
      assert.ok(price, name);
      assert.match(price.asOf, /^\d{4}-\d{2}-\d{2}$/);
      assert.equal(price.verify, true);
      assert.ok(price.outputUsdPerMillion >= price.inputUsdPerMillion && price.inputUsdPerMillion > 0);
    }
    assert.equal(tokenCostUsd(DEFAULT_PRICES['gpt-4o'], 1_000_000, 1_000_000), 12.5);
  });

  it('reads a user price table over the defaults and explains the entries it skips', () => {
    const { prices, problems } = parsePriceTable({
      'GPT-4.1': { inputUsdPerMillion: 1.5, outputUsdPerMillion: 6, asOf: '2026-01-01' },
      'team-model': { inputUsdPerMillion: 0, outputUsdPerMillion: 0, asOf: '2026-01-01' },
      broken: { inputUsdPerMillion: -1, outputUsdPerMillion: 2, asOf: 'x' },
      'no-date': { inputUsdPerMillion: 1, outputUsdPerMillion: 2 },
    });
    const gpt41 = findPrice(prices, 'gpt-4.1');
    assert.ok(gpt41.found);
    assert.deepEqual(gpt41.price, { inputUsdPerMillion: 1.5, outputUsdPerMillion: 6, asOf: '2026-01-01' });
    assert.equal(Object.keys(prices).filter((name) => name.toLowerCase() === 'gpt-4.1').length, 1, 'the default is replaced, not duplicated');
    assert.ok(findPrice(prices, 'team-model').found);
    assert.ok(findPrice(prices, 'gpt-4o').found, 'other defaults stay');
    assert.equal(problems.length, 2);
    assert.match(problems[0], /"broken"/);
    assert.match(problems[1], /"no-date"/);
    assert.deepEqual(parsePriceTable('nonsense').problems, ['The price table must be an object of model name to price.']);
    assert.deepEqual(parsePriceTable(undefined), { prices: DEFAULT_PRICES, problems: [] });
  });
});
