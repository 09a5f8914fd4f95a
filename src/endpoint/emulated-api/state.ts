/**
 * One mock's mutable state: resolved config, ledger, rate limiter and the seeded random streams. Handlers and
 * behaviours share it; a fresh mock gets a fresh state.
 */
import { createRng, type Rng } from '../../util/rng.ts';
import { createLedger, type Ledger } from './ledger.ts';
import { RetryDrivenClock } from './rate-limit-clock.ts';
import { RateLimiter } from './rate-limiter.ts';
import type { EmulatedApiConfig } from './types.ts';

export interface MockState {
  readonly config: EmulatedApiConfig;
  readonly ledger: Ledger;
  /** Undefined when rate limiting is off. */
  readonly limiter: RateLimiter | undefined;
  /** The limiter's virtual clock (rate-limit-clock.ts); undefined with `clock: 'wall'` or an injected `now`. */
  readonly retryClock: RetryDrivenClock | undefined;
  /** Fault draws: three per admitted request (server error?, which one?, slow?), whatever the rates. */
  readonly faultRng: Rng;
  /** Jitter draws: one per delayed response. */
  readonly latencyRng: Rng;
  /** A deterministic id for the next request (x-request-id). */
  nextRequestId(): string;
}

export function createMockState(config: EmulatedApiConfig): MockState {
  const rng = createRng(config.seed);
  const retryClock = config.now === undefined && config.clock !== 'wall' ? new RetryDrivenClock() : undefined;
  const now = config.now ?? (retryClock ? () => retryClock.now() : () => performance.now());
  let requestCount = 0;
  return {
    config,
    ledger: createLedger(config.pricesUsdPerMillionTokens),
    retryClock,
    limiter: config.rateLimit === false ? undefined : new RateLimiter(config.rateLimit, config.timeScale, now),
    faultRng: rng.fork('faults'),
    latencyRng: rng.fork('latency'),
    nextRequestId: () => `req_mock${(config.seed >>> 0).toString(16)}_${(++requestCount).toString(16).padStart(8, '0')}`,
  };
}
