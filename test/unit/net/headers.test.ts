import assert from 'node:assert/strict';
import { parseDuration, rateLimitResetMs, retryAfterMs } from '../../../src/core/net/headers';

const NOW = Date.parse('2025-06-01T12:00:00Z');

describe('Retry-After parsing', () => {
  it('reads delta-seconds, including fractions', () => {
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '5' }), NOW), 5000);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': ' 1.5 ' }), NOW), 1500);
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '0' }), NOW), 0);
  });

  it('prefers retry-after-ms over Retry-After', () => {
    assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), NOW), 250);
  });

  it('falls back to Retry-After when retry-after-ms is garbage', () => {
    assert.equal(retryAfterMs(new Headers({ 'retry-after-ms': 'soon', 'retry-after': '2' }), NOW), 2000);
  });

  it('reads an HTTP-date relative to the injected clock', () => {
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'Sun, 01 Jun 2025 12:00:30 GMT' }), NOW), 30_000);
    // RFC 850 form, still allowed by HTTP/1.1 parsers.
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'Sunday, 01-Jun-25 12:01:00 GMT' }), NOW), 60_000);
  });

  it('treats a date in the past as "now"', () => {
    assert.equal(retryAfterMs(new Headers({ 'retry-after': 'Sun, 01 Jun 2025 11:00:00 GMT' }), NOW), 0);
  });

  it('ignores absent, negative and unparseable values', () => {
    assert.equal(retryAfterMs(undefined, NOW), undefined);
    assert.equal(retryAfterMs(new Headers(), NOW), undefined);
    for (const bad of ['-5', 'soon', '1e3', 'Sun, 99 Foo 2025']) assert.equal(retryAfterMs(new Headers({ 'retry-after': bad }), NOW), undefined, bad);
  });

  it('passes a huge hint through uncapped (the retry policy decides)', () => {
    assert.equal(retryAfterMs(new Headers({ 'retry-after': '86400' }), NOW), 86_400_000);
  });
});

describe('rate-limit reset headers', () => {
  it('parses Go-style durations', () => {
    assert.equal(parseDuration('1s'), 1000);
    assert.equal(parseDuration('6m0s'), 360_000);
    assert.equal(parseDuration('20ms'), 20);
    assert.equal(parseDuration('1h2m3.5s'), 3_723_500);
    assert.equal(parseDuration('abc'), undefined);
    assert.equal(parseDuration('5'), undefined);
  });

  it('takes the later of the requests and tokens resets', () => {
    assert.equal(rateLimitResetMs(new Headers({ 'x-ratelimit-reset-requests': '2s', 'x-ratelimit-reset-tokens': '1m' })), 60_000);
    assert.equal(rateLimitResetMs(new Headers({ 'x-ratelimit-reset-tokens': '750ms' })), 750);
    assert.equal(rateLimitResetMs(new Headers()), undefined);
  });
});
