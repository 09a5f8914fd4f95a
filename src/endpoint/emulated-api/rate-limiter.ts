/**
 * The rate limiter, modelled on how the real API behaves: two token buckets, one for requests and one for tokens,
 * each holding at most a minute's allowance and refilling continuously at limit / minute.
 *
 * Evidence that the real limiter replenishes continuously rather than resetting each minute: its headers after one
 * request read `x-ratelimit-limit-requests: 5000`, `x-ratelimit-reset-requests: 12ms` (= 60 s / 5000) and after 24
 * tokens of 160,000 `x-ratelimit-reset-tokens: 9ms` (= 24 x 60 s / 160,000); a 429 reading "Limit 1000000, Used
 * 976163, Requested 70716. Please try again in 2.812s" asks for exactly (976163 + 70716 - 1000000) x 60 s / 1e6.
 * (Sources in README.md.)
 *
 * Choices where the real service is not documented:
 * - a request answered 429 consumes nothing from either bucket, so waiting exactly `retry-after-ms` succeeds if no
 *   other request came in between (OpenAI's cookbook says failed requests count against limits; counting them
 *   would make the advertised wait wrong, and a mock whose retry advice lies would punish correct clients);
 * - a request rejected by validation (4xx) never reaches the limiter; an admitted request that then gets an
 *   injected 5xx has been counted, as its tokens were;
 * - a request with more tokens than the whole per-minute allowance gets the "Request too large" 429 and no
 *   retry-after (it can never succeed);
 * - when both buckets are short, the answer names the one that needs the longer wait, and retry-after covers both.
 *
 * The minute is scaled by timeScale; at timeScale 0 the window is empty, so nothing is ever limited.
 */
import type { RateLimitConfig } from './types.ts';

export const MINUTE_MS = 60_000;

/** A duration the way the API writes it (Go style): '12ms', '1s', '2.812s', '6m0s', '1h0m0s'. */
export function formatDuration(ms: number): string {
  if (!(ms > 0)) return '0s';
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const totalMs = Math.round(ms);
  const hours = Math.floor(totalMs / 3_600_000);
  const minutes = Math.floor((totalMs % 3_600_000) / 60_000);
  const seconds = (totalMs % 60_000) / 1000;
  const secondsText = `${Number(seconds.toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}

class Bucket {
  level: number;
  /** Units per ms; Infinity when the window is empty (timeScale 0). */
  readonly rate: number;

  constructor(
    readonly limit: number,
    windowMs: number,
    initialFraction: number,
  ) {
    this.level = limit * initialFraction;
    this.rate = windowMs > 0 ? limit / windowMs : Infinity;
  }

  refill(elapsedMs: number): void {
    if (this.rate === Infinity) this.level = this.limit;
    else if (elapsedMs > 0) this.level = Math.min(this.limit, this.level + elapsedMs * this.rate);
  }

  /** ms until the bucket holds `amount`. */
  waitFor(amount: number): number {
    return this.level >= amount ? 0 : (amount - this.level) / this.rate;
  }

  /** ms until the bucket is full again: what x-ratelimit-reset-* reports. */
  untilFull(): number {
    return this.level >= this.limit ? 0 : (this.limit - this.level) / this.rate;
  }
}

export type RateLimitDecision =
  | { admitted: true; headers: Record<string, string> }
  | {
      admitted: false;
      headers: Record<string, string>;
      kind: 'requests' | 'tokens';
      limit: number;
      used: number;
      requested: number;
      /** undefined when the request can never be admitted (more tokens than the per-minute limit). */
      retryAfterMs: number | undefined;
    };

export class RateLimiter {
  private readonly requests: Bucket;
  private readonly tokens: Bucket;
  private last: number;
  private readonly sendHeaders: boolean;
  private readonly chargeRejected: boolean;

  constructor(
    config: RateLimitConfig,
    timeScale: number,
    private readonly now: () => number,
  ) {
    const windowMs = MINUTE_MS * timeScale;
    this.requests = new Bucket(config.requestsPerMinute, windowMs, config.initialBurst ?? 1);
    this.tokens = new Bucket(config.tokensPerMinute, windowMs, config.initialBurst ?? 1);
    this.sendHeaders = config.limitHeaders ?? true;
    this.chargeRejected = config.rejectedCountAgainstLimit ?? false;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    const elapsed = t - this.last;
    this.last = t;
    this.requests.refill(elapsed);
    this.tokens.refill(elapsed);
  }

  /** The x-ratelimit-* headers for the buckets' current state. */
  headers(): Record<string, string> {
    this.refill();
    return this.describe();
  }

  private describe(): Record<string, string> {
    if (!this.sendHeaders) return {};
    return {
      'x-ratelimit-limit-requests': String(this.requests.limit),
      'x-ratelimit-limit-tokens': String(this.tokens.limit),
      'x-ratelimit-remaining-requests': String(Math.floor(this.requests.level)),
      'x-ratelimit-remaining-tokens': String(Math.floor(this.tokens.level)),
      'x-ratelimit-reset-requests': formatDuration(this.requests.untilFull()),
      'x-ratelimit-reset-tokens': formatDuration(this.tokens.untilFull()),
    };
  }

  /** Admits (and charges) one request of `tokenCount` tokens, or says why not and how long to wait. */
  admit(tokenCount: number): RateLimitDecision {
    this.refill();
    if (tokenCount > this.tokens.limit) {
      return { admitted: false, headers: this.describe(), kind: 'tokens', limit: this.tokens.limit, used: this.used(this.tokens), requested: tokenCount, retryAfterMs: undefined };
    }
    let requestWait = this.requests.waitFor(1);
    let tokenWait = this.tokens.waitFor(tokenCount);
    if (requestWait === 0 && tokenWait === 0) {
      this.requests.level -= 1;
      this.tokens.level -= tokenCount;
      return { admitted: true, headers: this.describe() };
    }
    if (this.chargeRejected) {
      // The rejected request is charged too; the advertised wait is until the buckets could admit it after that.
      this.requests.level -= 1;
      this.tokens.level -= tokenCount;
      requestWait = this.requests.waitFor(1);
      tokenWait = this.tokens.waitFor(tokenCount);
    }
    const byRequests = requestWait >= tokenWait;
    const bucket = byRequests ? this.requests : this.tokens;
    return {
      admitted: false,
      headers: this.describe(),
      kind: byRequests ? 'requests' : 'tokens',
      limit: bucket.limit,
      used: this.used(bucket),
      requested: byRequests ? 1 : tokenCount,
      retryAfterMs: Math.max(requestWait, tokenWait),
    };
  }

  private used(bucket: Bucket): number {
    return Math.max(0, Math.ceil(bucket.limit - bucket.level));
  }
}
