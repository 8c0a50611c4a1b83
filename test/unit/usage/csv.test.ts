import assert from 'node:assert/strict';
import { csvField, usageCsv } from '../../../src/core/usage/csv';
import { UsageLedger, type BackendId } from '../../../src/core/usage/ledger';
import { DEFAULT_PRICES } from '../../../src/core/usage/pricing';

/** A strict RFC 4180 reader, to check that what we write reads back field for field. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
      else if (ch === '"') (quoted = false), (i += 1);
      else (field += ch), (i += 1);
    } else if (ch === '"' && field === '') (quoted = true), (i += 1);
    else if (ch === ',') row.push(field), (field = ''), (i += 1);
    else if (ch === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), (i += 2);
    else if (ch === '"' || ch === '\n' || ch === '\r') throw new Error(`bare ${JSON.stringify(ch)} at ${i}`);
    else (field += ch), (i += 1);
  }
  assert.equal(field, '', 'ends with CRLF');
  assert.equal(row.length, 0);
  return rows;
}

describe('usage CSV', () => {
  it('quotes commas, quotes and line breaks, and defuses spreadsheet formulas', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('cr\rlf'), '"cr\rlf"');
    assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvField('@cmd'), "'@cmd");
    assert.equal(csvField(12.5), '12.5');
    assert.equal(csvField(undefined), '');
  });

  it('writes one row per period and backend that reads back exactly', () => {
    let ms = new Date(2025, 1, 1, 12).getTime();
    const ledger = new UsageLedger({ clock: { now: () => ms } });
    const odd: BackendId = 'local:my,"odd"\nmodel';
    ledger.recordRequest({ kind: 'completion', workspace: 'ws', backend: odd, tokens: { promptTokens: 7, completionTokens: 3, estimated: true }, ttftMs: 40, totalMs: 90 });
    ledger.recordRequest({ kind: 'chat', reason: 'fallback', workspace: 'ws', backend: 'local:qwen', tokens: { promptTokens: 1, completionTokens: 1, estimated: false } });
    ms += 86_400_000;
    ledger.recordRequest({ kind: 'refactor', reason: 'policy', workspace: 'ws', backend: 'cloud:gpt-4.1', tokens: { promptTokens: 1_000_000, completionTokens: 1_000, estimated: false } });
    ledger.recordRequest({ kind: 'chat', reason: 'user', workspace: 'ws', backend: 'cloud:unknown-model', tokens: { promptTokens: 5, completionTokens: 5, estimated: false } });

    const rows = parseCsv(usageCsv([...ledger.monthlyTotals(), ...ledger.dailyTotals()], DEFAULT_PRICES));
    const [header, ...body] = rows;
    assert.equal(header[0], 'period');
    assert.ok(body.every((row) => row.length === header.length));
    const at = (row: string[], column: string): string => row[header.indexOf(column)];
    assert.deepEqual(
      body.map((row) => [at(row, 'period'), at(row, 'route'), at(row, 'model')]),
      [
        ['2025-02-01', 'local', 'my,"odd"\nmodel'],
        ['2025-02-01', 'local', 'qwen'],
        ['2025-02-02', 'cloud', 'gpt-4.1'],
        ['2025-02-02', 'cloud', 'unknown-model'],
      ],
    );
    assert.deepEqual([at(body[0], 'prompt_tokens'), at(body[0], 'estimated_prompt_tokens'), at(body[0], 'ttft_p50_ms'), at(body[0], 'total_p50_ms')], ['7', '7', '40', '90']);
    assert.equal(at(body[1], 'chat_fallback'), '1');
    assert.equal(at(body[2], 'refactor_policy'), '1');
    assert.equal(at(body[2], 'cost_usd'), '2.008');
    assert.equal(at(body[3], 'cost_usd'), '', 'no price, no number');
    assert.equal(at(body[0], 'cost_usd'), '', 'local rows cost nothing to a cloud');
    assert.equal(at(body[1], 'ttft_p50_ms'), '', 'no samples, no percentile');
  });

  it('writes only the header for an empty ledger', () => {
    assert.equal(parseCsv(usageCsv([])).length, 1);
  });
});
