import type OpenAI from 'openai';
import { ClosedError, EmbeddingRequestError, OptionError } from '../../errors.ts';
import type { Embedder, EmbedderStats, Embedding } from '../../memory/types.ts';
import { createRng } from '../../util/rng.ts';
import { checkBase, finite, fn, integer, realTimers, type EmbedderBaseOptions, type Timers } from './options.ts';
import { readEmbeddings } from './response.ts';
import { backoffDelayMs, isRetryable, serverRetryDelayMs, statusOf } from './retry.ts';
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
  /** How to wait before a retry. Default: a promise on `timers.setTimeout`. Tests inject it to record delays. */
  sleep?: (ms: number) => Promise<void>;
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
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

export interface BatchEmbedderStats extends EmbedderStats {
  /** Batches dispatched (a batch's retries and bisection requests are counted in requestsSent, not here). */
  batchesSent: number;
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
  /** 429 answers received (each one closes the rate-limit gate; see the class comment). */
  rateLimitedResponses: number;
}

const DEFAULT_SEED = 0x6d656d6f; // "memo"

/** One embed() or embedMany() call; settles when every one of its texts has a vector or an error. */
class Call {
  next = 0;
  remaining: number;
  results: Embedding[] | undefined;
  error: Error | undefined;
  errorIndex = -1;
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
  readonly inputs: string[] = [];
  readonly bounds: number[] = [];
  readonly exact: boolean[] = [];
  /** Sum of `bounds`. */
  tokenBound = 0;
  /** Text -> its index in `inputs`, for in-batch de-duplication. */
  readonly slotOf = new Map<string, number>();
  /** One entry per queued text (caller position): its call, its index in that call, its input. */
  readonly calls: Call[] = [];
  readonly indexInCall: number[] = [];
  readonly inputOf: number[] = [];
  /** Full: accepts no more texts. Due: send as soon as a request slot is free. */
  full = false;
  due = false;
  timer: unknown = undefined;
  /** Dispatch order, from 0; the older batch goes first through the rate-limit gate. */
  seq = 0;
}

type Outcome = Embedding[] | { error: EmbeddingRequestError };

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
 * ERRORS are per caller: a text over `maxInputTokens` (or empty) is rejected for its caller alone and never sent;
 * a request that finally fails rejects only the callers whose texts were in it; a response that does not have
 * exactly one vector per input, each index once, rejects that batch's callers rather than risk handing anyone
 * another text's vector. A non-retryable 400 on a batch of several inputs is bisected to isolate the bad input:
 * each half is sent on its own; a failing half is bisected again, unless both halves fail, which points at the
 * request itself (model, dimensions, key) and fails them all. One bad input in a batch of n costs about
 * 1 + 2 log2(n) requests; a request-wide 400 costs 3.
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
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;

  readonly #client: OpenAI;
  readonly #random: () => number;
  readonly #timers: Timers;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;

  /** Batches not yet sent, oldest first; only the last may be open. */
  readonly #queue: Batch[] = [];
  #open: Batch | undefined;
  /** Texts in #queue (caller positions, duplicates included). */
  #queueLength = 0;
  /** Calls with texts still to enqueue, waiting for room, in call order. */
  readonly #waiting: Call[] = [];
  #waitingHead = 0;
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

  // The rate-limit gate (see #onRateLimited): closed after a 429 until a request ends with nobody waiting.
  #rateLimited = false;
  #turnHolder: number | undefined;
  readonly #gateQueue: { id: number; seq: number; resolve: () => void }[] = [];
  #requestIds = 0;

  readonly #stats: BatchEmbedderStats = {
    textsRequested: 0,
    requestsSent: 0,
    retries: 0,
    failedRequests: 0,
    inputsSent: 0,
    peakQueueLength: 0,
    batchesSent: 0,
    inputsDeduplicated: 0,
    inputsRejected: 0,
    producerWaits: 0,
    queueLength: 0,
    waitingProducers: 0,
    requestsInFlight: 0,
    peakRequestsInFlight: 0,
    rateLimitedResponses: 0,
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
      initialBackoffMs: this.#initialBackoffMs,
      maxBackoffMs: this.#maxBackoffMs,
    });
    this.#random = fn('random', options.random, createRng(DEFAULT_SEED).next);
    const timers = options.timers ?? realTimers;
    if (typeof timers?.setTimeout !== 'function' || typeof timers?.clearTimeout !== 'function') {
      throw new OptionError('timers', 'an object with setTimeout and clearTimeout functions', typeof timers);
    }
    this.#timers = timers;
    this.#sleep = fn(
      'sleep',
      options.sleep,
      (ms: number) => new Promise<void>((resolve) => void timers.setTimeout(resolve, ms)),
    );
    this.#now = fn('now', options.now, Date.now);
  }

  embed(text: string): Promise<Embedding> {
    this.#stats.textsRequested++;
    if (this.#closed) return Promise.reject(new ClosedError('BatchEmbedder'));
    const bound = this.#check(text);
    if (typeof bound !== 'number') {
      this.#stats.inputsRejected++;
      return Promise.reject(bound);
    }
    const exact = bound < 0 ? [true] : undefined;
    return new Promise<Embedding>((resolve, reject) => {
      this.#submit(new Call([text], [Math.abs(bound)], exact, true, this.#epoch, resolve, reject));
    });
  }

  /**
   * Embeds `texts`, resolving to their vectors in input order. Texts are enqueued one by one as the queue has
   * room, so a huge list never overfills the queue. If any text is invalid (too long, empty) the call rejects at
   * once and nothing is sent; if a request fails, the call rejects with the error of its first failed text, after
   * all of its texts have settled (so `flush()` after a failed call leaves nothing in flight).
   */
  embedMany(list: readonly string[]): Promise<Embedding[]> {
    this.#stats.textsRequested += list.length;
    if (this.#closed) return Promise.reject(new ClosedError('BatchEmbedder'));
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
      this.#submit(new Call(texts, bounds, exact, false, this.#epoch, resolve, reject));
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
    for (const batch of this.#queue) this.#makeDue(batch);
    const done = new Promise<void>((resolve) => this.#flushWaiters.push({ epoch, resolve }));
    this.#pump();
    return done;
  }

  /**
   * Rejects every call made from now on with ClosedError, flushes the earlier ones and resolves when they have
   * settled. Idempotent (returns the same promise). Leaves no timer behind, so the process can exit.
   */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.flush().then(() => {
      for (const batch of this.#queue) this.#clearTimer(batch);
    });
    return this.#closing;
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

  #submit(call: Call): void {
    this.#liveInEpoch++;
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
    else if (this.#queueLength >= this.#maxQueueSize || call.epoch <= this.#flushUpTo) this.#makeDue(batch);
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
      this.#pump();
    }, this.#maxWaitMs);
    return batch;
  }

  #makeFull(batch: Batch): void {
    batch.full = true;
    if (this.#open === batch) this.#open = undefined;
    this.#makeDue(batch);
  }

  #makeDue(batch: Batch): void {
    batch.due = true;
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
    void this.#run(batch);
  }

  async #run(batch: Batch): Promise<void> {
    try {
      const outcome = await this.#embedInputs(batch.inputs, batch.seq);
      this.#deliver(batch, outcome);
    } catch (err) {
      // Only a bug gets here; reject everyone in the batch so nothing hangs.
      const error = err instanceof Error ? err : new Error(String(err));
      for (let p = 0; p < batch.calls.length; p++) this.#fail(batch.calls[p], batch.indexInCall[p], error);
    } finally {
      this.#inFlight--;
      this.#pump();
    }
  }

  #deliver(batch: Batch, outcome: (Embedding | EmbeddingRequestError)[]): void {
    const handedOut = new Uint8Array(batch.inputs.length);
    for (let p = 0; p < batch.calls.length; p++) {
      const input = batch.inputOf[p];
      const result = outcome[input];
      if (result instanceof Error) {
        this.#fail(batch.calls[p], batch.indexInCall[p], result);
        continue;
      }
      // The first caller of an input gets the response's own array; each duplicate gets a copy.
      const vector = handedOut[input] === 0 ? result : result.slice();
      handedOut[input] = 1;
      this.#succeed(batch.calls[p], batch.indexInCall[p], vector);
    }
  }

  #succeed(call: Call, index: number, vector: Embedding): void {
    if (call.single) {
      call.remaining = 0;
      (call.resolve as (v: Embedding) => void)(vector);
      this.#settled(call);
      return;
    }
    (call.results ??= new Array<Embedding>(call.texts.length))[index] = vector;
    if (--call.remaining === 0) this.#finish(call);
  }

  #fail(call: Call, index: number, error: Error): void {
    if (call.error === undefined || index < call.errorIndex) {
      call.error = error;
      call.errorIndex = index;
    }
    if (--call.remaining === 0) this.#finish(call);
  }

  #finish(call: Call): void {
    if (call.error !== undefined) call.reject(call.error);
    else (call.resolve as (v: Embedding[]) => void)(call.results!);
    call.results = undefined;
    this.#settled(call);
  }

  #settled(call: Call): void {
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

  /** One vector or error per input; bisects a non-retryable 400 (see the class comment). Never throws. */
  async #embedInputs(inputs: string[], seq: number): Promise<(Embedding | EmbeddingRequestError)[]> {
    const outcome = await this.#request(inputs, seq);
    if (!('error' in outcome)) return outcome;
    if (outcome.error.status === 400 && inputs.length > 1) return this.#isolate(inputs, outcome.error, seq);
    return new Array(inputs.length).fill(outcome.error);
  }

  async #isolate(
    inputs: string[],
    error: EmbeddingRequestError,
    seq: number,
  ): Promise<(Embedding | EmbeddingRequestError)[]> {
    if (inputs.length === 1) return [error];
    const mid = inputs.length >>> 1;
    const halves = [inputs.slice(0, mid), inputs.slice(mid)];
    const outcomes: Outcome[] = [];
    for (const half of halves) outcomes.push(await this.#request(half, seq));
    const is400 = (o: Outcome) => 'error' in o && o.error.status === 400;
    if (is400(outcomes[0]) && is400(outcomes[1])) {
      // Both halves fail: most likely the request itself is bad, not one input. Stop here.
      return outcomes.flatMap((o, h) => new Array(halves[h].length).fill((o as { error: EmbeddingRequestError }).error));
    }
    const parts: (Embedding | EmbeddingRequestError)[][] = [];
    for (let h = 0; h < 2; h++) {
      const o = outcomes[h];
      if (!('error' in o)) parts.push(o);
      else if (o.error.status === 400) parts.push(await this.#isolate(halves[h], o.error, seq));
      else parts.push(new Array(halves[h].length).fill(o.error));
    }
    return parts[0].concat(parts[1]);
  }

  /**
   * One request for `inputs`, with retries. Resolves to the vectors in input order or the final error. `seq` is
   * the batch's dispatch order, its priority at the rate-limit gate.
   */
  async #request(inputs: string[], seq: number): Promise<Outcome> {
    const body = {
      model: this.model,
      input: inputs,
      ...(this.dimensions !== undefined && { dimensions: this.dimensions }),
    };
    const stats = this.#stats;
    const id = ++this.#requestIds;
    try {
      for (let attempt = 0; ; attempt++) {
        if (this.#rateLimited) await this.#takeTurn(id, seq);
        stats.requestsSent++;
        if (attempt > 0) stats.retries++;
        let response: unknown;
        try {
          response = await this.#client.embeddings.create(
            body,
            attempt === 0
              ? { maxRetries: 0 }
              : { maxRetries: 0, headers: { 'x-stainless-retry-count': String(attempt) } },
          );
        } catch (err) {
          const status = statusOf(err);
          if (status === 429) this.#onRateLimited(id);
          else this.#releaseTurn(id); // do not hold up everyone through a backoff that is not about the rate limit
          if (attempt < this.#maxRetries && isRetryable(err)) {
            const delay =
              serverRetryDelayMs(err, this.#now()) ??
              backoffDelayMs(attempt + 1, this.#initialBackoffMs, this.#maxBackoffMs, this.#random);
            await this.#sleep(delay);
            continue;
          }
          stats.failedRequests++;
          const what = status === undefined ? 'no status (connection or client error)' : `status ${status}`;
          return {
            error: new EmbeddingRequestError(
              `embeddings request for ${inputs.length} input(s) failed with ${what} after ${attempt + 1} ` +
                `attempt(s): ${(err as Error)?.message ?? String(err)}`,
              status,
              attempt + 1,
              { cause: err },
            ),
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
          };
        }
        stats.inputsSent += inputs.length;
        return vectors;
      }
    } finally {
      this.#releaseTurn(id);
    }
  }

  // THE RATE-LIMIT GATE. A 429 means the account's shared budget is spent, so every request would meet it, not
  // just the one that did. Without coordination, the requests in flight all wait out their retry-after and race
  // for the refill; one wins and the others burn another attempt each time, so under a tight limit a batch can
  // lose every race and exhaust its retries. So after a 429 the batcher sends one request at a time: the request
  // that met the 429 holds the *turn*, waits out its delay and resends; every other request (new batches and
  // retries alike) waits for the turn before sending. When the holder's request ends, the turn passes to the
  // waiting request of the oldest batch; when nobody is waiting, the gate opens and full concurrency resumes. Each
  // request thus meets about one 429 per rate-limited episode, and the oldest batches finish first.

  #onRateLimited(id: number): void {
    this.#stats.rateLimitedResponses++;
    this.#rateLimited = true;
    this.#turnHolder ??= id;
  }

  #takeTurn(id: number, seq: number): Promise<void> | void {
    if (this.#turnHolder === undefined) this.#turnHolder = id;
    if (this.#turnHolder === id) return;
    return new Promise<void>((resolve) => this.#gateQueue.push({ id, seq, resolve }));
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
      if (queue[i].seq < queue[next].seq || (queue[i].seq === queue[next].seq && queue[i].id < queue[next].id)) next = i;
    }
    const [waiter] = queue.splice(next, 1);
    this.#turnHolder = waiter.id;
    waiter.resolve();
  }
}
