import type { Embedding } from '../../memory/types.ts';
import type { BatchEmbedderStats } from './batch-options.ts';
import type { Timers } from './options.ts';
import { ABANDONED, type RequestOutcome, type RequestTicket } from './request-policy.ts';
import { exactTokens } from './tokens.ts';

/**
 * The BatchEmbedder's batch core: the queue of texts, when a batch is dispatched, flush epochs, aborts, the
 * bisection of a failed request and the delivery of each caller's own result. It sends through an injected
 * `send(inputs, ticket)` (the request policy, request-policy.ts) and knows nothing of HTTP, retries or rate limits.
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
 * no other waiting (the rate-limit gate, described in request-policy.ts).
 *
 * So: a lone text waits `maxWaitMs`; producers that outrun the API get full batches; at most
 * `maxConcurrentRequests` requests and `maxQueueSize` queued texts exist at any time, however fast texts arrive.
 */

/** Sends one request for `inputs` (with whatever retries the policy makes) and resolves to its outcome; never rejects. */
export type SendBatch = (inputs: readonly string[], ticket: RequestTicket) => Promise<RequestOutcome>;

export interface BatchQueueOptions {
  readonly maxBatchSize: number;
  readonly maxWaitMs: number;
  readonly maxBatchTokens: number;
  readonly maxQueueSize: number;
  readonly maxConcurrentRequests: number;
  timers: Timers;
  /** The embedder's stats object: the queue adds its own counters to it. */
  stats: BatchEmbedderStats;
  send: SendBatch;
}

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
  /** Aborted when the batch is abandoned: stops its request (HTTP, retry sleep or rate-limit wait) at once. */
  readonly abandon = new AbortController();
}

export class BatchQueue {
  readonly #maxBatchSize: number;
  readonly #maxWaitMs: number;
  readonly #maxBatchTokens: number;
  readonly #maxQueueSize: number;
  readonly #maxConcurrentRequests: number;
  readonly #timers: Timers;
  readonly #stats: BatchEmbedderStats;
  readonly #send: SendBatch;

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

  constructor(options: BatchQueueOptions) {
    this.#maxBatchSize = options.maxBatchSize;
    this.#maxWaitMs = options.maxWaitMs;
    this.#maxBatchTokens = options.maxBatchTokens;
    this.#maxQueueSize = options.maxQueueSize;
    this.#maxConcurrentRequests = options.maxConcurrentRequests;
    this.#timers = options.timers;
    this.#stats = options.stats;
    this.#send = options.send;
  }

  /** Texts waiting to be sent now. */
  get queueLength(): number {
    return this.#queueLength;
  }

  /** Calls waiting for room now. */
  get waitingProducers(): number {
    return this.#waiting.length - this.#waitingHead;
  }

  /** Requests in flight now (including ones waiting to retry). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Queues a call's texts (already checked: `bounds` are their token bounds, exact where `exact` says so) and
   * settles with its vector (`single`) or vectors, or its first error; `signal` aborts this call alone.
   */
  submit<T>(
    texts: readonly string[],
    bounds: number[],
    exact: boolean[] | undefined,
    single: boolean,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#submit(new Call(texts, bounds, exact, single, this.#epoch, resolve as (v: never) => void, reject), signal);
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

  /** `close({ signal })` gave up: abort every call still pending, waiting producers first so none is sent. */
  abortAll(reason: unknown): void {
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

  /** Clears the timers of batches not yet sent, so nothing keeps the process alive. */
  clearTimers(): void {
    for (const batch of this.#queue) this.#clearTimer(batch);
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
    batch.abandon.abort();
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
   * whose failure may lie with some of its inputs (see ERRORS in batch-embedder.ts). Never throws.
   */
  async #embedInputs(batch: Batch, indices: number[] | null): Promise<void> {
    if (indices !== null && batch.aborted > 0) {
      // Inputs whose callers have all aborted are not worth a request.
      const live = this.#liveInputs(batch);
      indices = indices.filter((i) => live[i] === 1);
      if (indices.length === 0) return;
    }
    const inputs = indices === null ? batch.inputs : indices.map((i) => batch.inputs[i]);
    const outcome = await this.#send(inputs, {
      priority: batch.seq,
      signal: batch.abandon.signal,
      // Before a retry: still worth it only while some of these inputs has a caller.
      wanted: () => batch.aborted === 0 || this.#anyLive(batch, indices),
    });
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
}
