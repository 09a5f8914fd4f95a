import type OpenAI from 'openai';
import { ClosedError, EmbeddingRequestError, OptionError } from '../../errors.ts';
import type { EmbedCallOptions, Embedder, EmbedderCloseOptions, EmbedderStats, Embedding } from '../../memory/types.ts';
import { createRng } from '../../util/rng.ts';
import { abortSignalOf, checkBase, finite, fn, integer, realTimers, type EmbedderBaseOptions, type Timers } from './options.ts';
import { readEmbeddings } from './response.ts';
import { backoffDelayMs, headerOf, isRetryable, serverRetryDelayMs, statusOf } from './retry.ts';
import { exactTokens, tokensWithin, tokenUpperBound } from './tokens.ts';

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
export interface BatchEmbedderSettings {
  readonly maxBatchSize: number;
  readonly maxWaitMs: number;
  readonly maxBatchTokens: number;
  readonly maxInputTokens: number;
  readonly maxQueueSize: number;
  readonly maxConcurrentRequests: number;
  readonly maxRetries: number;
  readonly requestTimeoutMs: number;
  readonly maxRetryAfterMs: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
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

/** One embed() or embedMany() call; settles exactly once, when every text has a vector or an error, or on abort. */
class Call {
  next = 0;
  remaining: number;
  results: Embedding[] | undefined;
  error: Error | undefined;
  errorIndex = -1;
  /** Settled (resolved, rejected or aborted): later outcomes for its texts are dropped. */
  done = false;
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
  constructor(
    readonly texts: readonly string[],
    /** Token bound per text: UTF-8 bytes, or the exact count where `exact` says so. */
    readonly bounds: number[],
    readonly exact: boolean[] | undefined,
    readonly single: boolean,
    readonly epoch: number,
    readonly resolve: (value: never) => void,
    readonly reject: (err: Error) => void,
  ) {
    this.remaining = texts.length;
  }
}

/** Texts queued together; sent as one request. Only the newest batch accepts texts (see the dispatch rule). */
class Batch {
  /** Distinct texts, in send order. */
  inputs: string[] = [];
  bounds: number[] = [];
  exact: boolean[] = [];
  /** Sum of `bounds`. */
  tokenBound = 0;
  /** Text -> its index in `inputs`, for in-batch de-duplication. */
  slotOf = new Map<string, number>();
  /** One entry per queued text (caller position): its call, its index in that call, its input. */
  calls: Call[] = [];
  indexInCall: number[] = [];
  inputOf: number[] = [];
  /** Full: accepts no more texts. Due: send as soon as a request slot is free. */
  full = false;
  due = false;
  /** What made a batch that is not full due (for the stats). */
  dueBy: 'timer' | 'flush' | undefined = undefined;
  timer: unknown = undefined;
  /** Dispatch order, from 0; the older batch goes first through the rate-limit gate. */
  seq = 0;
  // Once sent:
  /** A vector or error per input, filled by the request(s). */
  outcome: (Embedding | Error | undefined)[] = [];
  /** Positions whose call has not settled; 0 means nobody waits and the batch is abandoned. */
  live = 0;
  /** Positions whose call aborted after the batch was sent. */
  aborted = 0;
  /** Set while the batch's request is sent, sleeping or at the rate-limit gate: stops it when abandoned. */
  onAbandon: (() => void) | undefined = undefined;
}

/** A request's result: vectors for the inputs sent, or its final error and whether splitting it could help. */
type Outcome = Embedding[] | { error: EmbeddingRequestError; split: boolean };

/** Thrown inside an attempt when every caller of its batch has gone (aborted). */
const ABANDONED = Symbol('abandoned');

/** An attempt that got no answer within requestTimeoutMs (a retryable failure, like a connection error). */
class AttemptTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no answer within requestTimeoutMs (${ms} ms)`);
  }
}

/**
 * Batches concurrent embed() calls into few embeddings requests (optimization 7.1).
 *
 * WHEN A BATCH IS DISPATCHED
 *
 * Texts join the newest batch in the queue (the "open" batch); an identical text already in it shares its input.
 * A batch becomes *full* when it holds `maxBatchSize` distinct inputs, or when the next text would push its
 * token count over `maxBatchTokens` (that text starts a new batch). A batch becomes *due* when it is full, or
 * `maxWaitMs` after its first text was queued, or when `flush()` (or `close()`) is called while it holds a text
 * of an earlier call, or when the queue is full (no more texts could join it until something is sent). The
 * oldest batch is sent the moment it is due and fewer than `maxConcurrentRequests` requests are in flight;
 * batches are always sent in queue order. A due batch that waits for a request slot keeps accepting texts until
 * it is full. Sending removes the batch's texts from the queue, which admits producers waiting for room, in call
 * order, before the next batch is sent (so a due batch that is not full is topped up first). A request waiting
 * to retry keeps its slot. After a 429, requests go out one at a time, oldest batch first, until one ends with
 * no other waiting (the rate-limit gate, described where it is implemented).
 *
 * So: a lone text waits `maxWaitMs`; producers that outrun the API get full batches; at most
 * `maxConcurrentRequests` requests and `maxQueueSize` queued texts exist at any time, however fast texts arrive.
 *
 * ERRORS are per caller, and every call settles exactly once:
 * - a text over `maxInputTokens` (or empty) is rejected for its caller alone, at once, and never sent;
 * - a 400 on a request of several inputs is bisected: each half is sent on its own and a failing half is bisected
 *   again, down to single inputs, so exactly the callers whose own input the API rejects get its error, whatever
 *   the number and position of bad inputs. Each failing request of more than one input costs two more requests,
 *   and a bad input fails at most one request per level, so b bad inputs in a batch of n cost at most
 *   1 + 2 b ceil(log2 n) requests. A 400 that names a parameter other than the input (`param: 'dimensions'`) is
 *   about the whole request and is not bisected;
 * - a 429 for a request larger than the rate limit itself (no retry can fix it) is split the same way; a single
 *   input larger than the limit is rejected;
 * - a request that finally fails otherwise (after retries, a timeout, a `retry-after` over `maxRetryAfterMs`)
 *   rejects only the callers whose texts were in it; a response that does not have exactly one vector per input,
 *   each index once, rejects them rather than risk handing anyone another text's vector;
 * - a call whose `signal` aborts rejects at once with the signal's reason; its texts not yet sent leave their
 *   batches (an emptied batch is dropped), and the other callers of a sent batch are not affected. A request
 *   nobody waits for any more is abandoned: its HTTP request aborted, no further retry or split.
 *
 * Callers of an identical text each get their own copy of its vector.
 */
export class BatchEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number | undefined;
  /** The options in effect, defaults filled in; frozen. */
  readonly options: BatchEmbedderSettings;

  // The same values as `options`, as fields: read on every text.
  readonly #maxBatchSize: number;
  readonly #maxWaitMs: number;
  readonly #maxBatchTokens: number;
  readonly #maxInputTokens: number;
  readonly #maxQueueSize: number;
  readonly #maxConcurrentRequests: number;
  readonly #maxRetries: number;
  readonly #requestTimeoutMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;

  readonly #client: OpenAI;
  readonly #random: () => number;
  readonly #timers: Timers;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #now: () => number;

  /** Batches not yet sent, oldest first; only the last may be open. */
  readonly #queue: Batch[] = [];
  #open: Batch | undefined;
  /** Texts in #queue (caller positions, duplicates included). */
  #queueLength = 0;
  /** Calls with texts still to enqueue, waiting for room, in call order. */
  readonly #waiting: Call[] = [];
  #waitingHead = 0;
  /** Batches sent and not yet delivered. */
  readonly #sent = new Set<Batch>();
  #inFlight = 0;
  #pumping = false;

  // flush() bookkeeping: calls are stamped with the epoch current when they were made; flush() closes the epoch
  // and waits until no call of a closed epoch <= its own is live.
  #epoch = 0;
  #liveInEpoch = 0;
  readonly #liveByOldEpoch = new Map<number, number>();
  #flushUpTo = -1;
  readonly #flushWaiters: { epoch: number; resolve: () => void }[] = [];
  #closed = false;
  #closing: Promise<void> | undefined;

  // The rate-limit gate (see #closeGate): closed after a 429 until a request ends with nobody waiting.
  #rateLimited = false;
  #turnHolder: number | undefined;
  readonly #gateQueue: { id: number; batch: Batch; resolve: () => void }[] = [];
  #requestIds = 0;

  readonly #stats: BatchEmbedderStats = {
    textsRequested: 0,
    requestsSent: 0,
    retries: 0,
    failedRequests: 0,
    inputsSent: 0,
    peakQueueLength: 0,
    batchesSent: 0,
    fullBatchesSent: 0,
    timerBatchesSent: 0,
    flushedBatchesSent: 0,
    inputsDeduplicated: 0,
    inputsRejected: 0,
    producerWaits: 0,
    queueLength: 0,
    waitingProducers: 0,
    requestsInFlight: 0,
    peakRequestsInFlight: 0,
    rateLimitedResponses: 0,
    abortedCalls: 0,
    timedOutAttempts: 0,
  };

  constructor(options: BatchEmbedderOptions) {
    const { client, model, dimensions } = checkBase(options);
    this.#client = client;
    this.model = model;
    this.dimensions = dimensions;
    this.#maxBatchSize = integer('maxBatchSize', options.maxBatchSize, 256, 1, API_MAX_INPUTS, 'the API limit');
    this.#maxWaitMs = finite('maxWaitMs', options.maxWaitMs, 5, 0, 2 ** 31 - 1);
    this.#maxInputTokens = integer('maxInputTokens', options.maxInputTokens, 8192, 1);
    this.#maxBatchTokens = integer(
      'maxBatchTokens',
      options.maxBatchTokens,
      300_000,
      this.#maxInputTokens,
      Number.MAX_SAFE_INTEGER,
      `>= maxInputTokens, so any accepted text fits a batch`,
    );
    if (options.maxBatchTokens === undefined && this.#maxInputTokens > 300_000) {
      throw new OptionError('maxInputTokens', 'an integer <= maxBatchTokens (default 300000)', this.#maxInputTokens);
    }
    this.#maxQueueSize = integer(
      'maxQueueSize',
      options.maxQueueSize,
      4 * this.#maxBatchSize,
      this.#maxBatchSize,
      Number.MAX_SAFE_INTEGER,
      `>= maxBatchSize (${this.#maxBatchSize}), so a batch can fill`,
    );
    this.#maxConcurrentRequests = integer('maxConcurrentRequests', options.maxConcurrentRequests, 4, 1);
    this.#maxRetries = integer('maxRetries', options.maxRetries, 6, 0);
    this.#requestTimeoutMs = finite('requestTimeoutMs', options.requestTimeoutMs, 60_000, 1, 2 ** 31 - 1);
    this.#maxRetryAfterMs = finite('maxRetryAfterMs', options.maxRetryAfterMs, 60_000, 0);
    this.#initialBackoffMs = finite('initialBackoffMs', options.initialBackoffMs, 500, 0);
    this.#maxBackoffMs = finite(
      'maxBackoffMs',
      options.maxBackoffMs,
      Math.max(8000, this.#initialBackoffMs),
      this.#initialBackoffMs,
      Number.MAX_VALUE,
      '>= initialBackoffMs',
    );
    this.options = Object.freeze({
      maxBatchSize: this.#maxBatchSize,
      maxWaitMs: this.#maxWaitMs,
      maxBatchTokens: this.#maxBatchTokens,
      maxInputTokens: this.#maxInputTokens,
      maxQueueSize: this.#maxQueueSize,
      maxConcurrentRequests: this.#maxConcurrentRequests,
      maxRetries: this.#maxRetries,
      requestTimeoutMs: this.#requestTimeoutMs,
      maxRetryAfterMs: this.#maxRetryAfterMs,
      initialBackoffMs: this.#initialBackoffMs,
      maxBackoffMs: this.#maxBackoffMs,
    });
    this.#random = fn('random', options.random, createRng(DEFAULT_SEED).next);
    const timers = options.timers ?? realTimers;
    if (typeof timers?.setTimeout !== 'function' || typeof timers?.clearTimeout !== 'function') {
      throw new OptionError('timers', 'an object with setTimeout and clearTimeout functions', typeof timers);
    }
    this.#timers = timers;
    this.#sleep = fn('sleep', options.sleep, (ms: number, signal?: AbortSignal) =>
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
    this.#now = fn('now', options.now, Date.now);
  }

  /**
   * Embeds one text, resolving to its own vector. `signal` aborts this call alone: it rejects at once with the
   * signal's reason, its text leaves its batch if not yet sent, and nobody else's call is affected.
   */
  embed(text: string, options?: EmbedCallOptions): Promise<Embedding> {
    this.#stats.textsRequested++;
    if (this.#closed) return Promise.reject(new ClosedError('BatchEmbedder'));
    const signal = abortSignalOf(options);
    if (signal instanceof Error) return Promise.reject(signal);
    if (signal?.aborted) {
      this.#stats.abortedCalls++;
      return Promise.reject(signal.reason);
    }
    const bound = this.#check(text);
    if (typeof bound !== 'number') {
      this.#stats.inputsRejected++;
      return Promise.reject(bound);
    }
    const exact = bound < 0 ? [true] : undefined;
    return new Promise<Embedding>((resolve, reject) => {
      this.#submit(new Call([text], [Math.abs(bound)], exact, true, this.#epoch, resolve, reject), signal);
    });
  }

  /**
   * Embeds `texts`, resolving to their vectors in input order. Texts are enqueued one by one as the queue has
   * room, so a huge list never overfills the queue. If any text is invalid (too long, empty) the call rejects at
   * once and nothing is sent; if a request fails, the call rejects with the error of its first failed text, after
   * all of its texts have settled (so `flush()` after a failed call leaves nothing in flight). `signal` aborts the
   * whole call, as for `embed`.
   */
  embedMany(list: readonly string[], options?: EmbedCallOptions): Promise<Embedding[]> {
    this.#stats.textsRequested += list.length;
    if (this.#closed) return Promise.reject(new ClosedError('BatchEmbedder'));
    const signal = abortSignalOf(options);
    if (signal instanceof Error) return Promise.reject(signal);
    if (signal?.aborted) {
      this.#stats.abortedCalls++;
      return Promise.reject(signal.reason);
    }
    if (list.length === 0) return Promise.resolve([]);
    // Texts are admitted over time; a copy keeps a caller who reuses its array from changing what is embedded.
    const texts = list.slice();
    const bounds = new Array<number>(texts.length);
    let exact: boolean[] | undefined;
    for (let i = 0; i < texts.length; i++) {
      const bound = this.#check(texts[i]);
      if (typeof bound !== 'number') {
        this.#stats.inputsRejected++;
        bound.message = `embedMany: text ${i}: ${bound.message}`;
        return Promise.reject(bound);
      }
      if (bound < 0) (exact ??= new Array<boolean>(texts.length).fill(false))[i] = true;
      bounds[i] = Math.abs(bound);
    }
    return new Promise<Embedding[]>((resolve, reject) => {
      this.#submit(new Call(texts, bounds, exact, false, this.#epoch, resolve, reject), signal);
    });
  }

  /** Sends every queued text now (partial batches included) and resolves when all earlier calls have settled. */
  flush(): Promise<void> {
    if (this.#liveInEpoch === 0 && this.#liveByOldEpoch.size === 0) return Promise.resolve();
    const epoch = this.#epoch;
    if (this.#liveInEpoch > 0) this.#liveByOldEpoch.set(epoch, this.#liveInEpoch);
    this.#liveInEpoch = 0;
    this.#epoch++;
    this.#flushUpTo = epoch;
    for (const batch of this.#queue) this.#makeDue(batch, 'flush');
    const done = new Promise<void>((resolve) => this.#flushWaiters.push({ epoch, resolve }));
    this.#pump();
    return done;
  }

  /**
   * Rejects every call made from now on with ClosedError, flushes the earlier ones and resolves when they have
   * settled. Idempotent (without a signal, returns the same promise). Leaves no timer behind, so the process can
   * exit. `signal` gives up waiting: when it aborts first, every call still pending is aborted with its reason
   * (texts not sent are dropped, requests in flight are aborted) and close rejects with that reason.
   */
  close(options?: EmbedderCloseOptions): Promise<void> {
    const signal = abortSignalOf(options);
    if (signal instanceof Error) return Promise.reject(signal);
    this.#closed = true;
    if (signal?.aborted) this.#abortAll(signal.reason); // before flushing, so nothing more is sent
    this.#closing ??= this.flush().then(() => {
      for (const batch of this.#queue) this.#clearTimer(batch);
    });
    if (signal === undefined) return this.#closing;
    if (signal.aborted) return Promise.reject(signal.reason);
    const closing = this.#closing;
    return new Promise<void>((resolve, reject) => {
      const giveUp = () => {
        this.#abortAll(signal.reason);
        reject(signal.reason);
      };
      signal.addEventListener('abort', giveUp, { once: true });
      void closing.then(() => {
        signal.removeEventListener('abort', giveUp);
        resolve();
      });
    });
  }

  stats(): BatchEmbedderStats {
    const s = this.#stats;
    s.queueLength = this.#queueLength;
    s.waitingProducers = this.#waiting.length - this.#waitingHead;
    s.requestsInFlight = this.#inFlight;
    return { ...s };
  }

  /**
   * The token bound of a valid text (negative when it is an exact count), or the error to reject its caller with.
   * Costs one native byte count unless the text's bytes exceed maxInputTokens.
   */
  #check(text: string): number | Error {
    if (typeof text !== 'string') return new TypeError(`text must be a string, found ${typeof text}`);
    if (text.length === 0) {
      return new EmbeddingRequestError('empty text: the embeddings API rejects empty input; not sent', undefined, 0);
    }
    const bytes = tokenUpperBound(text);
    if (bytes <= this.#maxInputTokens) return bytes;
    const tokens = tokensWithin(text, this.#maxInputTokens);
    if (tokens === false) {
      return new EmbeddingRequestError(
        `text has more than maxInputTokens (${this.#maxInputTokens}) tokens; not sent`,
        undefined,
        0,
      );
    }
    return -tokens;
  }

  #submit(call: Call, signal: AbortSignal | undefined): void {
    this.#liveInEpoch++;
    if (signal !== undefined) {
      call.signal = signal;
      call.onAbort = () => this.#abortCall(call, signal.reason);
      signal.addEventListener('abort', call.onAbort, { once: true });
    }
    if (this.#waiting.length === this.#waitingHead) {
      this.#admit(call);
      if (call.next < call.texts.length) {
        this.#stats.producerWaits++;
        this.#waiting.push(call);
      }
    } else {
      this.#stats.producerWaits++;
      this.#waiting.push(call);
    }
    this.#pump();
  }

  /** Enqueues the call's remaining texts while the queue has room. */
  #admit(call: Call): void {
    const texts = call.texts;
    while (call.next < texts.length && this.#queueLength < this.#maxQueueSize) {
      this.#enqueue(call, call.next++);
    }
  }

  #enqueue(call: Call, index: number): void {
    const text = call.texts[index];
    let batch = this.#open ?? this.#newBatch();
    let slot = batch.slotOf.get(text);
    if (slot === undefined) {
      let bound = call.bounds[index];
      let exact = call.exact?.[index] === true;
      if (batch.inputs.length > 0 && batch.tokenBound + bound > this.#maxBatchTokens) {
        // The byte bound says it might not fit: count real tokens (once per input) before deciding.
        this.#countExactly(batch);
        if (!exact) {
          bound = call.bounds[index] = exactTokens(text);
          exact = true;
        }
        if (batch.tokenBound + bound > this.#maxBatchTokens) {
          this.#makeFull(batch);
          batch = this.#newBatch();
        }
      }
      slot = batch.inputs.length;
      batch.inputs.push(text);
      batch.bounds.push(bound);
      batch.exact.push(exact);
      batch.tokenBound += bound;
      batch.slotOf.set(text, slot);
    } else {
      this.#stats.inputsDeduplicated++;
    }
    batch.calls.push(call);
    batch.indexInCall.push(index);
    batch.inputOf.push(slot);
    if (++this.#queueLength > this.#stats.peakQueueLength) this.#stats.peakQueueLength = this.#queueLength;
    if (batch.inputs.length >= this.#maxBatchSize) this.#makeFull(batch);
    else if (this.#queueLength >= this.#maxQueueSize || call.epoch <= this.#flushUpTo) this.#makeDue(batch, 'flush');
  }

  #countExactly(batch: Batch): void {
    for (let i = 0; i < batch.inputs.length; i++) {
      if (batch.exact[i]) continue;
      const tokens = exactTokens(batch.inputs[i]);
      batch.tokenBound += tokens - batch.bounds[i];
      batch.bounds[i] = tokens;
      batch.exact[i] = true;
    }
  }

  #newBatch(): Batch {
    const batch = new Batch();
    this.#queue.push(batch);
    this.#open = batch;
    batch.timer = this.#timers.setTimeout(() => {
      batch.timer = undefined;
      batch.due = true;
      batch.dueBy ??= 'timer';
      this.#pump();
    }, this.#maxWaitMs);
    return batch;
  }

  #makeFull(batch: Batch): void {
    batch.full = true;
    if (this.#open === batch) this.#open = undefined;
    this.#makeDue(batch);
  }

  #makeDue(batch: Batch, by?: 'flush'): void {
    batch.due = true;
    if (by) batch.dueBy ??= by;
    this.#clearTimer(batch);
  }

  #clearTimer(batch: Batch): void {
    if (batch.timer !== undefined) {
      this.#timers.clearTimeout(batch.timer);
      batch.timer = undefined;
    }
  }

  /** Sends due batches while slots are free and admits waiting producers while there is room; re-entrant safe. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (;;) {
        // Admit waiting producers first, so a due batch that is not full is topped up before it is sent.
        if (this.#waitingHead < this.#waiting.length && this.#queueLength < this.#maxQueueSize) this.#admitWaiting();
        if (this.#inFlight >= this.#maxConcurrentRequests || this.#queue.length === 0 || !this.#queue[0].due) break;
        this.#dispatch(this.#queue.shift()!);
      }
    } finally {
      this.#pumping = false;
    }
  }

  #admitWaiting(): void {
    while (this.#waitingHead < this.#waiting.length && this.#queueLength < this.#maxQueueSize) {
      const call = this.#waiting[this.#waitingHead];
      this.#admit(call);
      if (call.next < call.texts.length) break;
      this.#waiting[this.#waitingHead++] = undefined as never;
    }
    if (this.#waitingHead === this.#waiting.length) {
      this.#waiting.length = 0;
      this.#waitingHead = 0;
    } else if (this.#waitingHead >= 1024 && this.#waitingHead * 2 >= this.#waiting.length) {
      this.#waiting.splice(0, this.#waitingHead); // keep the array from growing under a steady stream of waiters
      this.#waitingHead = 0;
    }
  }

  #dispatch(batch: Batch): void {
    if (this.#open === batch) this.#open = undefined;
    this.#clearTimer(batch);
    this.#queueLength -= batch.calls.length;
    this.#inFlight++;
    if (this.#inFlight > this.#stats.peakRequestsInFlight) this.#stats.peakRequestsInFlight = this.#inFlight;
    batch.seq = this.#stats.batchesSent++;
    if (batch.full) this.#stats.fullBatchesSent++;
    else if (batch.dueBy === 'timer') this.#stats.timerBatchesSent++;
    else this.#stats.flushedBatchesSent++;
    batch.live = batch.calls.length;
    batch.outcome = new Array(batch.inputs.length);
    this.#sent.add(batch);
    void this.#run(batch);
  }

  async #run(batch: Batch): Promise<void> {
    try {
      await this.#embedInputs(batch, null);
      this.#deliver(batch);
    } catch (err) {
      // Only a bug gets here; reject everyone in the batch so nothing hangs.
      const error = err instanceof Error ? err : new Error(String(err));
      for (let p = 0; p < batch.calls.length; p++) this.#fail(batch.calls[p], batch.indexInCall[p], error);
    } finally {
      this.#sent.delete(batch);
      this.#inFlight--;
      this.#pump();
    }
  }

  #deliver(batch: Batch): void {
    const outcome = batch.outcome;
    const handedOut = new Uint8Array(batch.inputs.length);
    for (let p = 0; p < batch.calls.length; p++) {
      const call = batch.calls[p];
      if (call.done) continue;
      const input = batch.inputOf[p];
      const result = outcome[input] ?? new Error(`BatchEmbedder bug: no outcome for input ${input} of batch ${batch.seq}`);
      if (result instanceof Error) {
        this.#fail(call, batch.indexInCall[p], result);
        continue;
      }
      // The first caller of an input gets the response's own array; each duplicate gets a copy.
      const vector = handedOut[input] === 0 ? result : result.slice();
      handedOut[input] = 1;
      this.#succeed(call, batch.indexInCall[p], vector);
    }
  }

  #succeed(call: Call, index: number, vector: Embedding): void {
    if (call.done) return;
    if (call.single) {
      call.remaining = 0;
      call.done = true;
      (call.resolve as (v: Embedding) => void)(vector);
      this.#settled(call);
      return;
    }
    (call.results ??= new Array<Embedding>(call.texts.length))[index] = vector;
    if (--call.remaining === 0) this.#finish(call);
  }

  #fail(call: Call, index: number, error: Error): void {
    if (call.done) return;
    if (call.error === undefined || index < call.errorIndex) {
      call.error = error;
      call.errorIndex = index;
    }
    if (--call.remaining === 0) this.#finish(call);
  }

  #finish(call: Call): void {
    call.done = true;
    if (call.error !== undefined) call.reject(call.error);
    else (call.resolve as (v: Embedding[]) => void)(call.results!);
    call.results = undefined;
    this.#settled(call);
  }

  #settled(call: Call): void {
    if (call.onAbort !== undefined) {
      call.signal!.removeEventListener('abort', call.onAbort);
      call.onAbort = undefined;
      call.signal = undefined;
    }
    if (call.epoch === this.#epoch) {
      this.#liveInEpoch--;
      return;
    }
    const left = this.#liveByOldEpoch.get(call.epoch)! - 1;
    if (left > 0) {
      this.#liveByOldEpoch.set(call.epoch, left);
      return;
    }
    this.#liveByOldEpoch.delete(call.epoch);
    let oldest = Infinity;
    for (const epoch of this.#liveByOldEpoch.keys()) if (epoch < oldest) oldest = epoch;
    // Flush waiters are in epoch order; resolve those whose epochs (and all earlier ones) are done.
    let k = 0;
    while (k < this.#flushWaiters.length && this.#flushWaiters[k].epoch < oldest) this.#flushWaiters[k++].resolve();
    if (k > 0) this.#flushWaiters.splice(0, k);
  }

  // ABORTS. A call's texts are in up to three places: waiting for room (#waiting), queued in batches not yet sent
  // (#queue), and in sent batches (#sent). An abort removes them from the first two, so they are never sent, and
  // stops counting them in the third; a sent batch whose every caller is gone is abandoned (#abandon). Aborts are
  // rare, so they scan the queue rather than cost an index on every text.

  #abortCall(call: Call, reason: unknown): void {
    if (call.done) return;
    call.done = true;
    this.#stats.abortedCalls++;
    if (call.next < call.texts.length) {
      const at = this.#waiting.indexOf(call, this.#waitingHead);
      if (at >= 0) this.#waiting.splice(at, 1);
      call.next = call.texts.length;
    }
    for (let b = 0; b < this.#queue.length; ) {
      const batch = this.#queue[b];
      if (this.#removeFromBatch(batch, call) && batch.calls.length === 0) {
        this.#clearTimer(batch);
        if (this.#open === batch) this.#open = undefined;
        this.#queue.splice(b, 1);
      } else b++;
    }
    for (const batch of this.#sent) {
      let positions = 0;
      for (let p = 0; p < batch.calls.length; p++) if (batch.calls[p] === call) positions++;
      if (positions === 0) continue;
      batch.aborted += positions;
      batch.live -= positions;
      if (batch.live === 0) this.#abandon(batch);
    }
    call.results = undefined;
    call.reject(reason as Error);
    this.#settled(call);
    this.#pump();
  }

  /** Removes a call's texts from a batch not yet sent; drops inputs nobody else asked for. Returns whether any were. */
  #removeFromBatch(batch: Batch, call: Call): boolean {
    const n = batch.calls.length;
    let kept = 0;
    for (let p = 0; p < n; p++) {
      if (batch.calls[p] === call) continue;
      batch.calls[kept] = batch.calls[p];
      batch.indexInCall[kept] = batch.indexInCall[p];
      batch.inputOf[kept] = batch.inputOf[p];
      kept++;
    }
    if (kept === n) return false;
    batch.calls.length = batch.indexInCall.length = batch.inputOf.length = kept;
    this.#queueLength -= n - kept;
    // Rebuild the distinct inputs from the positions left, keeping their order.
    const { inputs, bounds, exact } = batch;
    const renumber = new Map<number, number>();
    batch.inputs = [];
    batch.bounds = [];
    batch.exact = [];
    batch.slotOf = new Map();
    batch.tokenBound = 0;
    for (let p = 0; p < kept; p++) {
      const old = batch.inputOf[p];
      let slot = renumber.get(old);
      if (slot === undefined) {
        slot = batch.inputs.length;
        renumber.set(old, slot);
        batch.inputs.push(inputs[old]);
        batch.bounds.push(bounds[old]);
        batch.exact.push(exact[old]);
        batch.tokenBound += bounds[old];
        batch.slotOf.set(inputs[old], slot);
      }
      batch.inputOf[p] = slot;
    }
    return true;
  }

  /** Every caller of a sent batch is gone: stop its request (HTTP, retry sleep or rate-limit wait) now. */
  #abandon(batch: Batch): void {
    batch.onAbandon?.();
    const gate = this.#gateQueue;
    for (let i = gate.length - 1; i >= 0; i--) {
      if (gate[i].batch === batch) gate.splice(i, 1)[0].resolve();
    }
  }

  /** `close({ signal })` gave up: abort every call still pending, waiting producers first so none is sent. */
  #abortAll(reason: unknown): void {
    const calls = new Set<Call>();
    for (let i = this.#waitingHead; i < this.#waiting.length; i++) calls.add(this.#waiting[i]);
    for (const batch of this.#queue) for (const call of batch.calls) calls.add(call);
    for (const batch of this.#sent) for (const call of batch.calls) calls.add(call);
    const pumping = this.#pumping;
    this.#pumping = true; // nothing is admitted or sent while the calls go
    try {
      for (const call of calls) this.#abortCall(call, reason);
    } finally {
      this.#pumping = pumping;
    }
    for (const batch of this.#queue) this.#clearTimer(batch);
  }

  /** Whether any of these inputs of a sent batch still has a caller waiting (null: all inputs). */
  #anyLive(batch: Batch, indices: number[] | null): boolean {
    const live = this.#liveInputs(batch);
    if (indices === null) return live.includes(1);
    for (const i of indices) if (live[i] === 1) return true;
    return false;
  }

  #liveInputs(batch: Batch): Uint8Array {
    const live = new Uint8Array(batch.inputs.length);
    for (let p = 0; p < batch.calls.length; p++) if (!batch.calls[p].done) live[batch.inputOf[p]] = 1;
    return live;
  }

  /**
   * Fills `batch.outcome` for these inputs (null: all of them) with a vector or an error each; splits a request
   * whose failure may lie with some of its inputs (see ERRORS in the class comment). Never throws.
   */
  async #embedInputs(batch: Batch, indices: number[] | null): Promise<void> {
    if (indices !== null && batch.aborted > 0) {
      // Inputs whose callers have all aborted are not worth a request.
      const live = this.#liveInputs(batch);
      indices = indices.filter((i) => live[i] === 1);
      if (indices.length === 0) return;
    }
    const outcome = await this.#request(batch, indices);
    if (outcome === ABANDONED) return;
    if (Array.isArray(outcome)) {
      if (indices === null) for (let i = 0; i < outcome.length; i++) batch.outcome[i] = outcome[i];
      else for (let k = 0; k < indices.length; k++) batch.outcome[indices[k]] = outcome[k];
      return;
    }
    const list = indices ?? batch.inputs.map((_, i) => i);
    if (outcome.split && list.length > 1) {
      const mid = list.length >>> 1;
      await this.#embedInputs(batch, list.slice(0, mid));
      await this.#embedInputs(batch, list.slice(mid));
      return;
    }
    for (const i of list) batch.outcome[i] = outcome.error;
  }

  /**
   * One request for these inputs of the batch (null: all), with retries. Resolves to the vectors in input order,
   * the final error, or ABANDONED when nobody waits for it any more. The batch's `seq` is its priority at the
   * rate-limit gate.
   */
  async #request(batch: Batch, indices: number[] | null): Promise<Outcome | typeof ABANDONED> {
    const inputs = indices === null ? batch.inputs : indices.map((i) => batch.inputs[i]);
    const body = {
      model: this.model,
      input: inputs,
      ...(this.dimensions !== undefined && { dimensions: this.dimensions }),
    };
    const stats = this.#stats;
    const id = ++this.#requestIds;
    try {
      for (let attempt = 0; ; attempt++) {
        if (batch.live === 0 || (attempt > 0 && batch.aborted > 0 && !this.#anyLive(batch, indices))) return ABANDONED;
        if (this.#rateLimited) {
          await this.#takeTurn(id, batch);
          if (batch.live === 0) return ABANDONED;
        }
        stats.requestsSent++;
        if (attempt > 0) stats.retries++;
        let response: unknown;
        try {
          response = await this.#attempt(batch, body, attempt);
        } catch (err) {
          if (err === ABANDONED) return ABANDONED;
          const timedOut = err instanceof AttemptTimeout;
          if (timedOut) stats.timedOutAttempts++;
          const status = timedOut ? undefined : statusOf(err);
          if (status === 429) {
            stats.rateLimitedResponses++;
            const limit = this.#rateLimitExceededBy(err, inputs);
            if (limit !== undefined) {
              // No retry can fix it; split it (the caller does) or fail it. Not a sign the budget is spent.
              this.#releaseTurn(id);
              stats.failedRequests++;
              return {
                error: new EmbeddingRequestError(
                  `embeddings request for ${inputs.length} input(s) is larger than the rate limit itself ` +
                    `(${limit}); no retry can succeed, so it was ${inputs.length > 1 ? 'split' : 'not retried'}: ` +
                    `${(err as Error)?.message ?? String(err)}`,
                  status,
                  attempt + 1,
                  { cause: err },
                ),
                split: true,
              };
            }
          }
          const retryable = timedOut || isRetryable(err);
          if (attempt < this.#maxRetries && retryable) {
            const serverDelay = timedOut ? undefined : serverRetryDelayMs(err, this.#now());
            if (serverDelay !== undefined && serverDelay > this.#maxRetryAfterMs) {
              this.#releaseTurn(id); // never hold the rate-limit turn through a wait this long
              stats.failedRequests++;
              return {
                error: new EmbeddingRequestError(
                  `embeddings request for ${inputs.length} input(s) got status ${status} and the server asked to ` +
                    `retry after ${Math.round(serverDelay)} ms, more than maxRetryAfterMs (${this.#maxRetryAfterMs} ms); ` +
                    `failed at once rather than wait`,
                  status,
                  attempt + 1,
                  { cause: err },
                ),
                split: false,
              };
            }
            if (status === 429) this.#closeGate(id);
            else this.#releaseTurn(id); // do not hold up everyone through a backoff that is not about the rate limit
            const delay =
              serverDelay ?? backoffDelayMs(attempt + 1, this.#initialBackoffMs, this.#maxBackoffMs, this.#random);
            if (await this.#sleepUnlessAbandoned(batch, delay)) return ABANDONED;
            continue;
          }
          stats.failedRequests++;
          const what = timedOut
            ? `a timeout (${(err as AttemptTimeout).message})`
            : status === undefined
              ? 'no status (connection or client error)'
              : `status ${status}`;
          return {
            error: new EmbeddingRequestError(
              `embeddings request for ${inputs.length} input(s) failed with ${what} after ${attempt + 1} ` +
                `attempt(s): ${(err as Error)?.message ?? String(err)}`,
              status,
              attempt + 1,
              { cause: err },
            ),
            split: status === 400 && isAboutInputs(err),
          };
        }
        this.#releaseTurn(id);
        const vectors = readEmbeddings(response, inputs.length, this.dimensions);
        if (typeof vectors === 'string') {
          stats.failedRequests++;
          return {
            error: new EmbeddingRequestError(
              `malformed embeddings response for ${inputs.length} input(s) (attempt ${attempt + 1}): ${vectors}; ` +
                `its callers are rejected rather than risk a wrong assignment`,
              undefined,
              attempt + 1,
            ),
            split: false,
          };
        }
        stats.inputsSent += inputs.length;
        return vectors;
      }
    } finally {
      this.#releaseTurn(id);
    }
  }

  /**
   * One HTTP attempt. Rejects with an AttemptTimeout after requestTimeoutMs, or ABANDONED when the batch is;
   * either way the SDK's request is aborted through its signal, and a client that ignores the signal is simply no
   * longer waited for.
   */
  #attempt(batch: Batch, body: object, attempt: number): Promise<unknown> {
    const controller = new AbortController();
    const options =
      attempt === 0
        ? { maxRetries: 0, signal: controller.signal }
        : { maxRetries: 0, signal: controller.signal, headers: { 'x-stainless-retry-count': String(attempt) } };
    return new Promise<unknown>((resolve, reject) => {
      const timers = this.#timers;
      let ended = false;
      // Runs once: by the answer, the timeout or the abandonment, whichever comes first.
      const end = () => {
        if (ended) return false;
        ended = true;
        timers.clearTimeout(timer);
        if (batch.onAbandon === onAbandon) batch.onAbandon = undefined;
        return true;
      };
      const stop = (reason: unknown) => {
        if (!end()) return;
        reject(reason);
        controller.abort(reason);
      };
      const onAbandon = () => stop(ABANDONED);
      const timer = timers.setTimeout(() => stop(new AttemptTimeout(this.#requestTimeoutMs)), this.#requestTimeoutMs);
      batch.onAbandon = onAbandon;
      let sent: Promise<unknown>;
      try {
        sent = Promise.resolve(this.#client.embeddings.create(body as never, options));
      } catch (err) {
        sent = Promise.reject(err);
      }
      sent.then(
        (response) => {
          if (end()) resolve(response);
        },
        (err: unknown) => {
          if (end()) reject(err);
        },
      );
    });
  }

  /** Waits `ms` before a retry; returns true (early) if the batch is abandoned meanwhile. */
  async #sleepUnlessAbandoned(batch: Batch, ms: number): Promise<boolean> {
    const controller = new AbortController();
    const onAbandon = () => controller.abort();
    batch.onAbandon = onAbandon;
    await new Promise<void>((resolve) => {
      controller.signal.addEventListener('abort', () => resolve(), { once: true });
      this.#sleep(ms, controller.signal).then(resolve, resolve);
    });
    if (batch.onAbandon === onAbandon) batch.onAbandon = undefined;
    return batch.live === 0;
  }

  /**
   * For a 429: the limit the request is larger than, when it is larger than the rate limit itself (the API says
   * "Request too large", or the request's tokens exceed the x-ratelimit-limit-tokens it reports); else undefined.
   */
  #rateLimitExceededBy(err: unknown, inputs: readonly string[]): string | undefined {
    const message = (err as Error | null)?.message ?? '';
    if (/request too large/i.test(message)) return 'the API says: request too large';
    const limit = Number(headerOf(err, 'x-ratelimit-limit-tokens'));
    if (!(limit > 0)) return undefined;
    let bound = 0;
    for (const text of inputs) bound += tokenUpperBound(text);
    if (bound <= limit) return undefined;
    let tokens = 0;
    for (const text of inputs) tokens += exactTokens(text);
    return tokens > limit ? `${tokens} tokens, limit ${limit} tokens per minute` : undefined;
  }

  // THE RATE-LIMIT GATE. A 429 means the account's shared budget is spent, so every request would meet it, not
  // just the one that did. Without coordination, the requests in flight all wait out their retry-after and race
  // for the refill; one wins and the others burn another attempt each time, so under a tight limit a batch can
  // lose every race and exhaust its retries. So after a 429 the batcher sends one request at a time: the request
  // that met the 429 holds the *turn*, waits out its delay and resends; every other request (new batches and
  // retries alike) waits for the turn before sending. When the holder's request ends, the turn passes to the
  // waiting request of the oldest batch; when nobody is waiting, the gate opens and full concurrency resumes. Each
  // request thus meets about one 429 per rate-limited episode, and the oldest batches finish first. A request
  // that will not retry (a wait over maxRetryAfterMs, a request too large for the limit) never takes the turn,
  // and an abandoned request leaves the gate's queue.

  #closeGate(id: number): void {
    this.#rateLimited = true;
    this.#turnHolder ??= id;
  }

  #takeTurn(id: number, batch: Batch): Promise<void> | void {
    if (this.#turnHolder === undefined) this.#turnHolder = id;
    if (this.#turnHolder === id) return;
    return new Promise<void>((resolve) => this.#gateQueue.push({ id, batch, resolve }));
  }

  #releaseTurn(id: number): void {
    if (this.#turnHolder !== id) return;
    this.#turnHolder = undefined;
    const queue = this.#gateQueue;
    if (queue.length === 0) {
      this.#rateLimited = false;
      return;
    }
    let next = 0;
    for (let i = 1; i < queue.length; i++) {
      const a = queue[i];
      const b = queue[next];
      if (a.batch.seq < b.batch.seq || (a.batch.seq === b.batch.seq && a.id < b.id)) next = i;
    }
    const [waiter] = queue.splice(next, 1);
    this.#turnHolder = waiter.id;
    waiter.resolve();
  }
}

/**
 * Whether a 400 may be about some of the inputs (so bisecting finds them): not when the API names another
 * parameter (`param: 'dimensions'`, 'model', ...), which no subset of inputs can fix.
 */
function isAboutInputs(err: unknown): boolean {
  const param = (err as { param?: unknown } | null)?.param;
  return typeof param !== 'string' || param.startsWith('input');
}
