import type { Clock } from './clock';

/**
 * closed: calls go through. open: the endpoint failed repeatedly; skip it until the cooldown ends.
 * half-open: cooldown over; the next call is a probe that closes (success) or re-opens (failure) it.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Consecutive failed attempts (each retry counts) that open the breaker. */
  failureThreshold: number;
  cooldownMs: number;
}

/** Chat endpoints: three failed attempts in a row (one request whose two retries failed is enough), then 30 s off. */
export const CHAT_BREAKER: Readonly<BreakerOptions> = { failureThreshold: 3, cooldownMs: 30_000 };

/** Health of one endpoint, so a dead endpoint is skipped instead of retried into a storm. */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedAt: number | undefined;

  constructor(private readonly options: BreakerOptions, private readonly clock: Clock) {}

  get state(): BreakerState {
    if (this.openedAt === undefined) return 'closed';
    return this.clock.now() - this.openedAt >= this.options.cooldownMs ? 'half-open' : 'open';
  }

  /** When an open breaker turns half-open (epoch ms); undefined unless open. */
  get reopensAt(): number | undefined {
    return this.state === 'open' ? this.openedAt! + this.options.cooldownMs : undefined;
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.openedAt = undefined;
  }

  recordFailure(): void {
    this.consecutiveFailures++;
    // A failed probe (or a forced call while open) restarts the cooldown.
    if (this.openedAt !== undefined || this.consecutiveFailures >= this.options.failureThreshold) this.openedAt = this.clock.now();
  }
}
