import assert from 'node:assert/strict';
import { CircuitBreaker } from '../../../src/core/net/breaker';
import { ManualClock } from './manualClock';

describe('circuit breaker', () => {
  const options = { failureThreshold: 3, cooldownMs: 30_000 };

  it('opens after the threshold of consecutive failures', () => {
    const breaker = new CircuitBreaker(options, new ManualClock());
    breaker.recordFailure();
    breaker.recordFailure();
    assert.equal(breaker.state, 'closed');
    breaker.recordFailure();
    assert.equal(breaker.state, 'open');
  });

  it('a success resets the count', () => {
    const breaker = new CircuitBreaker(options, new ManualClock());
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    breaker.recordFailure();
    assert.equal(breaker.state, 'closed');
  });

  it('turns half-open after the cooldown and says when', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker(options, clock);
    for (let i = 0; i < 3; i++) breaker.recordFailure();
    assert.equal(breaker.reopensAt, clock.now() + 30_000);
    clock.advance(29_999);
    assert.equal(breaker.state, 'open');
    clock.advance(1);
    assert.equal(breaker.state, 'half-open');
    assert.equal(breaker.reopensAt, undefined);
  });

  it('a successful probe closes it', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker(options, clock);
    for (let i = 0; i < 3; i++) breaker.recordFailure();
    clock.advance(30_000);
    breaker.recordSuccess();
    assert.equal(breaker.state, 'closed');
    breaker.recordFailure();
    assert.equal(breaker.state, 'closed', 'count restarted from zero');
  });

  it('a failed probe re-opens it for a full cooldown', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker(options, clock);
    for (let i = 0; i < 3; i++) breaker.recordFailure();
    clock.advance(30_000);
    assert.equal(breaker.state, 'half-open');
    breaker.recordFailure();
    assert.equal(breaker.state, 'open');
    clock.advance(29_000);
    assert.equal(breaker.state, 'open');
    clock.advance(1_000);
    assert.equal(breaker.state, 'half-open');
  });
});
