import type OpenAI from 'openai';
import { OptionError } from '../../errors.ts';
import type { EmbedderStats } from '../../memory/types.ts';
import { createRng } from '../../util/rng.ts';
import { checkBase, finite, fn, integer, realTimers, type EmbedderBaseOptions, type Timers } from './options.ts';
import type { RequestPolicySettings } from './request-policy.ts';

/**
 * The BatchEmbedder's options, their defaults and checks, and its stats. A bad option throws an OptionError here,
 * at construction.
 */

/** The embeddings API's limit on inputs per request. */
export const API_MAX_INPUTS = 2048;

export interface BatchEmbedderOptions extends EmbedderBaseOptions {
  /**
   * Most distinct inputs in one request. Default 256; must be in [1, 2048] (2048 is the API's limit).
   * Larger batches mean fewer requests (each request costs a round trip and a slot of the rate limit) but a
   * larger response to decode, a longer wait for the slowest text in it, and more callers failed at once when a
   * request finally fails. 256 short memory texts are ~25k tokens, far under `maxBatchTokens`.
   */
  maxBatchSize?: number;
  /**
   * How long, in ms, the first text of a batch waits for companions before the batch is due. Default 5.
   * This is latency added to a lone caller in exchange for batching concurrent ones; 5 ms is small next to an
   * embeddings round trip (typically 100-500 ms). 0 still batches texts queued in the same macrotask.
   */
  maxWaitMs?: number;
  /**
   * Most tokens (summed over distinct inputs) in one request. Default 300,000, the API's per-request limit.
   * Counted cheaply: UTF-8 bytes bound tokens from above, and real tokens are only counted when that bound
   * would overflow the batch (see tokens.ts). Must be >= `maxInputTokens`.
   */
  maxBatchTokens?: number;
  /**
   * Most tokens in one text. Default 8192, the limit of the text-embedding-3 models. A longer text is rejected
   * for its caller alone, at once, and never sent: the API would fail the whole batch it was in.
   */
  maxInputTokens?: number;
  /**
   * Most texts waiting to be sent (queued, not yet in a request), across all batches. Default 4 x
   * `maxBatchSize`; must be >= `maxBatchSize` so a batch can fill. When the queue is full, `embed()` and
   * `embedMany()` wait for room before enqueuing (backpressure), so memory stays bounded when producers outrun
   * the API. Identical texts count once each here even when they share one input.
   */
  maxQueueSize?: number;
  /**
   * Most requests in flight at once. Default 4. A request waiting to retry keeps its slot, so a rate-limited API
   * is not hit harder while it recovers. More slots raise throughput until the API's rate limit is reached.
   */
  maxConcurrentRequests?: number;
  /**
   * Retries of a failed request (429, 408, 409, 5xx, connection errors), after which its callers are rejected.
   * Default 6. The SDK's own retries are turned off per request so the batcher controls and counts every one.
   */
  maxRetries?: number;
  /**
   * Longest wait for one request attempt, in ms. Default 60,000. An attempt with no answer by then is given up
   * (its HTTP request aborted) and counts as a retryable failure, like a connection error: it is retried up to
   * `maxRetries` times with backoff, then its callers are rejected. So a hung request holds its slot, `flush()`
   * and `close()` for at most about (maxRetries + 1) x requestTimeoutMs plus backoff. Must be in [1, 2^31 - 1].
   */
  requestTimeoutMs?: number;
  /**
   * Longest server-requested wait (`retry-after-ms` / `retry-after`) that is slept before a retry, in ms.
   * Default 60,000. A longer wait fails the request's callers at once with an EmbeddingRequestError naming the
   * wait, rather than holding a request slot (and, after a 429, the rate-limit turn every other batch waits for)
   * that long. The openai SDK also refuses to honour waits over 60 s. Must be >= 0.
   */
  maxRetryAfterMs?: number;
  /**
   * Backoff before the first retry when the server gives no `retry-after-ms` / `retry-after`, in ms; doubles
   * each retry up to `maxBackoffMs`, minus up to 25% seeded jitter. Default 500 (the SDK's value).
   */
  initialBackoffMs?: number;
  /** Cap on the computed backoff, in ms. Default 8000 (the SDK's value), or `initialBackoffMs` if larger; must be >= it. */
  maxBackoffMs?: number;
  /** Source of jitter, uniform in [0, 1). Default: a seeded memopt rng, so runs are reproducible. */
  random?: () => number;
  /** Timer functions for `maxWaitMs`. Default: the global setTimeout / clearTimeout. */
  timers?: Timers;
  /**
   * How to wait before a retry. Default: a promise on `timers.setTimeout`, cleared when `signal` aborts (every
   * caller of the request gave up). Tests inject it to record delays; an injected sleep may ignore `signal`.
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Current time in ms, for `retry-after` given as an HTTP date. Default `Date.now`. */
  now?: () => number;
}

/** The options a BatchEmbedder runs with, defaults filled in (see BatchEmbedderOptions for each one's meaning). */
export interface BatchEmbedderSettings extends RequestPolicySettings {
  readonly maxBatchSize: number;
  readonly maxWaitMs: number;
  readonly maxBatchTokens: number;
  readonly maxInputTokens: number;
  readonly maxQueueSize: number;
  readonly maxConcurrentRequests: number;
}

export interface BatchEmbedderStats extends EmbedderStats {
  /** Batches dispatched (a batch's retries and bisection requests are counted in requestsSent, not here). */
  batchesSent: number;
  /**
   * Why each dispatched batch left (they sum to batchesSent): full (`maxBatchSize` inputs, or `maxBatchTokens`
   * reached), on its `maxWaitMs` timer before it was full, or early by `flush()`/`close()` or a full queue.
   * Producers that outrun the API give full batches; a timer batch means texts arrived slower than `maxWaitMs`.
   */
  fullBatchesSent: number;
  timerBatchesSent: number;
  flushedBatchesSent: number;
  /** Texts that shared the input of an identical text in the same batch instead of being sent again. */
  inputsDeduplicated: number;
  /** Texts rejected before sending (over `maxInputTokens`, empty, not a string). */
  inputsRejected: number;
  /** embed / embedMany calls that had to wait for room in the queue. */
  producerWaits: number;
  /** Texts waiting to be sent now. */
  queueLength: number;
  /** Calls waiting for room now. */
  waitingProducers: number;
  /** Requests in flight now (including ones waiting to retry). */
  requestsInFlight: number;
  /** Most requests in flight at once. */
  peakRequestsInFlight: number;
  /** 429 answers received (each retried one closes the rate-limit gate; see the class comment). */
  rateLimitedResponses: number;
  /** Calls rejected because their own AbortSignal aborted (or `close({ signal })` gave up on them). */
  abortedCalls: number;
  /** Request attempts given up after `requestTimeoutMs`. */
  timedOutAttempts: number;
}

const DEFAULT_SEED = 0x6d656d6f; // "memo"

/** Everything a BatchEmbedder is built from: the checked settings and the injected functions, defaults filled in. */
export interface ResolvedBatchOptions {
  client: OpenAI;
  model: string;
  dimensions: number | undefined;
  settings: BatchEmbedderSettings;
  random: () => number;
  timers: Timers;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
}

/** Checks `options` and fills in defaults; throws an OptionError naming the first bad option. */
export function resolveBatchOptions(options: BatchEmbedderOptions): ResolvedBatchOptions {
  const { client, model, dimensions } = checkBase(options);
  const maxBatchSize = integer('maxBatchSize', options.maxBatchSize, 256, 1, API_MAX_INPUTS, 'the API limit');
  const maxWaitMs = finite('maxWaitMs', options.maxWaitMs, 5, 0, 2 ** 31 - 1);
  const maxInputTokens = integer('maxInputTokens', options.maxInputTokens, 8192, 1);
  const maxBatchTokens = integer(
    'maxBatchTokens',
    options.maxBatchTokens,
    300_000,
    maxInputTokens,
    Number.MAX_SAFE_INTEGER,
    `>= maxInputTokens, so any accepted text fits a batch`,
  );
  if (options.maxBatchTokens === undefined && maxInputTokens > 300_000) {
    throw new OptionError('maxInputTokens', 'an integer <= maxBatchTokens (default 300000)', maxInputTokens);
  }
  const maxQueueSize = integer(
    'maxQueueSize',
    options.maxQueueSize,
    4 * maxBatchSize,
    maxBatchSize,
    Number.MAX_SAFE_INTEGER,
    `>= maxBatchSize (${maxBatchSize}), so a batch can fill`,
  );
  const maxConcurrentRequests = integer('maxConcurrentRequests', options.maxConcurrentRequests, 4, 1);
  const maxRetries = integer('maxRetries', options.maxRetries, 6, 0);
  const requestTimeoutMs = finite('requestTimeoutMs', options.requestTimeoutMs, 60_000, 1, 2 ** 31 - 1);
  const maxRetryAfterMs = finite('maxRetryAfterMs', options.maxRetryAfterMs, 60_000, 0);
  const initialBackoffMs = finite('initialBackoffMs', options.initialBackoffMs, 500, 0);
  const maxBackoffMs = finite(
    'maxBackoffMs',
    options.maxBackoffMs,
    Math.max(8000, initialBackoffMs),
    initialBackoffMs,
    Number.MAX_VALUE,
    '>= initialBackoffMs',
  );
  const settings: BatchEmbedderSettings = Object.freeze({
    maxBatchSize,
    maxWaitMs,
    maxBatchTokens,
    maxInputTokens,
    maxQueueSize,
    maxConcurrentRequests,
    maxRetries,
    requestTimeoutMs,
    maxRetryAfterMs,
    initialBackoffMs,
    maxBackoffMs,
  });
  const random = fn('random', options.random, createRng(DEFAULT_SEED).next);
  const timers = options.timers ?? realTimers;
  if (typeof timers?.setTimeout !== 'function' || typeof timers?.clearTimeout !== 'function') {
    throw new OptionError('timers', 'an object with setTimeout and clearTimeout functions', typeof timers);
  }
  const sleep = fn('sleep', options.sleep, (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      const handle = timers.setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      function done() {
        timers.clearTimeout(handle);
        signal?.removeEventListener('abort', done);
        resolve();
      }
    }),
  );
  const now = fn('now', options.now, Date.now);
  return { client, model, dimensions, settings, random, timers, sleep, now };
}
