/**
 * Every public type of the mocked OpenAI embeddings API, in one place (re-exported by index.ts).
 */
import type OpenAI from 'openai';
import type { ClientOptions } from 'openai';

/** Deterministic counters of one mock's traffic; the backbone of every verdict on requests, tokens and cost. */
export interface LedgerSnapshot {
  /** Every POST /embeddings received, rejected ones included. */
  requests: number;
  /** Answered 200. */
  succeeded: number;
  /** Inputs embedded in successful requests. */
  inputs: number;
  /** usage.prompt_tokens summed over successful requests. */
  tokens: number;
  /** Tokens x list price of the model, summed (USD). */
  costUsd: number;
  /** Answered 429. */
  rateLimited: number;
  /** Answered 5xx (injected faults). */
  serverErrors: number;
  /** Answered 4xx other than 429 (validation, unknown model). */
  clientErrors: number;
  /** Requests whose x-stainless-retry-count header is > 0. */
  retriesSeen: number;
  /** Injected slow responses. */
  slowResponses: number;
  /**
   * Inputs a real model read only in part (longer than its maxInputTokens; `usage.inputs_truncated` summed). Their
   * tokens are all in `tokens` (billed), though the vectors ignore the rest. Always 0 for the mock's model.
   */
  inputsTruncated: number;
}

/**
 * Modelled response time: `(baseMs + perTokenMs x prompt tokens) x (1 +- jitter) x timeScale`.
 * Successful and 5xx responses wait it out; 4xx and 429 answers are immediate.
 */
export interface LatencyConfig {
  /** Fixed part of every response, ms. Default 200. */
  baseMs: number;
  /** Added per prompt token of the request, ms. Default 0.005 (8,192 tokens: +41 ms; 300,000 tokens: +1.5 s). */
  perTokenMs: number;
  /** Fraction, e.g. 0.2 = +-20% seeded uniform jitter. Default 0.2. */
  jitter: number;
}

/**
 * Per-minute limits, enforced like the real API: two token buckets (requests, tokens) that refill continuously,
 * each holding at most one minute's allowance. A 429 consumes nothing. The minute is scaled by `timeScale`.
 */
export interface RateLimitConfig {
  /** Default 3,000 (tier 1, text-embedding-3-small). */
  requestsPerMinute: number;
  /** Default 1,000,000 (tier 1, text-embedding-3-small). */
  tokensPerMinute: number;
  /**
   * (The four options below are optional so that a scenario may give only the limits; resolveMockConfig always
   * fills them in.)
   * Fraction of a minute's allowance both buckets hold at start (and after a reset); the rest refills at the
   * limit's rate. Default 1: a full minute's allowance as an instant burst (an assumption: the service does not
   * document the start state of its buckets).
   */
  initialBurst?: number;
  /**
   * Whether a request answered 429 is charged against the buckets (1 request and its tokens; levels may go below 0,
   * and the advertised wait covers the debt). Default false (an assumption that keeps `retry-after-ms` exact;
   * OpenAI's cookbook says failed requests count against the limit).
   */
  rejectedCountAgainstLimit?: boolean;
  /**
   * Which retry headers a 429 carries: 'retry-after' (whole seconds, rounded up) and/or 'retry-after-ms'. Default
   * both. The SDK prefers retry-after-ms, then retry-after, else its own backoff (0.5 s doubling, capped at 8 s).
   */
  retryHeaders?: Array<'retry-after' | 'retry-after-ms'>;
  /** Whether responses carry x-ratelimit-limit/remaining/reset-* headers. Default true (the service sends them). */
  limitHeaders?: boolean;
}

/** Seeded fault injection; drawn once per request admitted by the rate limiter. Defaults: all 0 (no faults). */
export interface FaultConfig {
  /** Fraction of requests answered 500 or 503 (half each). */
  serverErrorRate: number;
  /** Fraction answered slowly. */
  slowRate: number;
  /** Slow = latency x this (>= 1). */
  slowFactor: number;
}

export interface EmulatedApiConfig {
  /** Drives jitter, faults and request ids (never the vectors); default 1. */
  seed: number;
  /** Where the mock answers; default 'https://mock.memopt.invalid/v1'. */
  baseURL: string;
  /** Multiplies every modelled delay AND rate-limit window; 1 = real time (default), 0.05 = 20x faster, 0 = no waiting (and no rate limiting: a zero-length window refills at once). */
  timeScale: number;
  /** Defaults: realistic for text-embedding-3-small, see README.md. */
  latency: LatencyConfig;
  /** Default: a typical paid tier (tier 1: 3,000 RPM, 1,000,000 TPM); false turns limiting off. */
  rateLimit: RateLimitConfig | false;
  /** Default all 0. */
  faults: FaultConfig;
  /** List prices, USD per million tokens; defaults: 3-small 0.02, 3-large 0.13, ada-002 0.10. Entries given replace those models' prices only. */
  pricesUsdPerMillionTokens: Record<string, number>;
  /**
   * The rate limiter's clock. 'virtual' (default): time passes only when a client waits out a 429's
   * retry-after, so rate-limit counters reproduce from the requests alone (rate-limit-clock.ts); 'wall': the
   * buckets refill in real time (performance.now()), as a real endpoint's do.
   */
  clock?: 'virtual' | 'wall';
  /** Clock in ms for rate limiting, overriding `clock`; tests inject one. */
  now?: () => number;
}

/** Any field, at any depth, may be left out and takes its default. (Not exported: the harness has its own.) */
type DeepPartial<T> = { [K in keyof T]?: DeepPartialValue<T[K]> };
type DeepPartialValue<V> = V extends (...args: never[]) => unknown ? V : V extends object ? DeepPartial<V> : V;

/** What startEmulatedApi accepts: a deep-partial EmulatedApiConfig (`rateLimit: false` or any subset of its fields). */
export type EmulatedApiConfigInput = DeepPartial<EmulatedApiConfig>;

export interface EmulatedApi {
  /** The resolved configuration (defaults filled in). */
  readonly config: EmulatedApiConfig;
  readonly baseURL: string;
  readonly ledger: { snapshot(): LedgerSnapshot; reset(): void };
  /**
   * An `openai` client pointed at the mock (apiKey dummy); options pass through, e.g. { maxRetries: 0 }.
   * Create clients after starting the mock: the SDK captures the global fetch that msw patches.
   */
  createClient(options?: ClientOptions): OpenAI;
  /** Stops intercepting; idempotent. */
  close(): void;
}
