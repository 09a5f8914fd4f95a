import { EmbeddingRequestError } from '../../errors.ts';
import type { Embedding } from '../../memory/types.ts';
import type { Timers } from './options.ts';
import { readEmbeddings } from './response.ts';
import { backoffDelayMs, headerOf, isRetryable, serverRetryDelayMs, statusOf } from './retry.ts';
import { exactTokens, tokenUpperBound } from './tokens.ts';

/**
 * How one embeddings request is sent until it succeeds or is given up: attempt timeout, retries with backoff, the
 * server's `retry-after` (capped), the shared rate-limit gate, and the reading of the response. It knows nothing of
 * queues or callers: the BatchEmbedder's batch core hands it a list of inputs, a priority and a signal that aborts
 * when nobody waits for the answer any more. The decisions of which failures to retry live in retry.ts.
 */

/** The request settings, defaults filled in (see BatchEmbedderOptions for each one's meaning). */
export interface RequestPolicySettings {
  readonly maxRetries: number;
  readonly requestTimeoutMs: number;
  readonly maxRetryAfterMs: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

/** The counters a RequestPolicy adds to (the BatchEmbedder passes its own stats object). */
export interface RequestCounters {
  /** Attempts sent, retries included. */
  requestsSent: number;
  retries: number;
  /** Requests given up (their inputs get an error). */
  failedRequests: number;
  /** Inputs of requests that succeeded. */
  inputsSent: number;
  /** 429 answers received. */
  rateLimitedResponses: number;
  /** Attempts given up after `requestTimeoutMs`. */
  timedOutAttempts: number;
}

/**
 * One HTTP attempt for `inputs`: resolves to the raw response or rejects with the client's error. It must stop
 * (or may simply be no longer waited for) when `signal` aborts. `attempt` is 0 for the first try.
 */
export type SendAttempt = (inputs: readonly string[], signal: AbortSignal, attempt: number) => Promise<unknown>;

export interface RequestPolicyOptions extends RequestPolicySettings {
  send: SendAttempt;
  /** Width every response vector must have; undefined accepts any width of at least 1. */
  dimensions: number | undefined;
  /** Jitter source for the backoff, uniform in [0, 1). */
  random: () => number;
  /** Timers for the attempt timeout. */
  timers: Timers;
  /** Waits before a retry; should end early when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Current time in ms, for `retry-after` given as an HTTP date. */
  now: () => number;
  counters: RequestCounters;
}

/** What the caller knows about one request. */
export interface RequestTicket {
  /** Lower goes first through the rate-limit gate (the batch's dispatch order); ties by request order. */
  priority: number;
  /** Aborts when nobody waits for this request: its attempt, retry sleep or gate wait ends at once. */
  signal: AbortSignal;
  /** Asked before each retry: false gives the request up (its callers left). Default: always wanted. */
  wanted?: () => boolean;
}

/** A request's failure: its final error and whether splitting the inputs could help (a 400 about one input). */
export interface RequestFailure {
  error: EmbeddingRequestError;
  split: boolean;
}

/** Returned when the request's signal aborted (or it was no longer wanted): nobody gets an outcome. */
export const ABANDONED = Symbol('abandoned');

/** Vectors in input order, the final failure, or ABANDONED. */
export type RequestOutcome = Embedding[] | RequestFailure | typeof ABANDONED;

/** An attempt that got no answer within requestTimeoutMs (a retryable failure, like a connection error). */
class AttemptTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no answer within requestTimeoutMs (${ms} ms)`);
  }
}

// THE RATE-LIMIT GATE. A 429 means the account's shared budget is spent, so every request would meet it, not just
// the one that did. Without coordination, the requests in flight all wait out their retry-after and race for the
// refill; one wins and the others burn another attempt each time, so under a tight limit a batch can lose every
// race and exhaust its retries. So after a 429 the policy sends one request at a time: the request that met the
// 429 holds the *turn*, waits out its delay and resends; every other request (new ones and retries alike) waits
// for the turn before sending. When the holder's request ends, the turn passes to the waiting request of the
// lowest priority (the oldest batch); when nobody is waiting, the gate opens and full concurrency resumes. Each
// request thus meets about one 429 per rate-limited episode, and the oldest batches finish first. A request that
// will not retry (a wait over maxRetryAfterMs, a request too large for the limit) never takes the turn, and an
// abandoned request leaves the gate's queue.

export class RequestPolicy {
  readonly #o: RequestPolicyOptions;
  /** Closed after a 429 until a request ends with nobody waiting for the turn. */
  #rateLimited = false;
  #turnHolder: number | undefined;
  readonly #gateQueue: { id: number; priority: number; resolve: () => void }[] = [];
  #requestIds = 0;

  constructor(options: RequestPolicyOptions) {
    this.#o = options;
  }

  /** Whether the rate-limit gate is closed (requests go one at a time). */
  get rateLimited(): boolean {
    return this.#rateLimited;
  }

  /**
   * Sends one request for `inputs` with retries. Resolves to the vectors in input order, the final failure, or
   * ABANDONED; never rejects.
   */
  async request(inputs: readonly string[], ticket: RequestTicket): Promise<RequestOutcome> {
    const o = this.#o;
    const counters = o.counters;
    const { signal } = ticket;
    const id = ++this.#requestIds;
    try {
      for (let attempt = 0; ; attempt++) {
        if (signal.aborted || (attempt > 0 && ticket.wanted?.() === false)) return ABANDONED;
        if (this.#rateLimited) {
          await this.#takeTurn(id, ticket);
          if (signal.aborted) return ABANDONED;
        }
        counters.requestsSent++;
        if (attempt > 0) counters.retries++;
        let response: unknown;
        try {
          response = await this.#attempt(inputs, signal, attempt);
        } catch (err) {
          if (err === ABANDONED) return ABANDONED;
          const timedOut = err instanceof AttemptTimeout;
          if (timedOut) counters.timedOutAttempts++;
          const status = timedOut ? undefined : statusOf(err);
          if (status === 429) {
            counters.rateLimitedResponses++;
            const limit = rateLimitExceededBy(err, inputs);
            if (limit !== undefined) {
              // No retry can fix it; split it (the caller does) or fail it. Not a sign the budget is spent.
              this.#releaseTurn(id);
              counters.failedRequests++;
              return failure(
                `embeddings request for ${inputs.length} input(s) is larger than the rate limit itself ` +
                  `(${limit}); no retry can succeed, so it was ${inputs.length > 1 ? 'split' : 'not retried'}: ` +
                  `${(err as Error)?.message ?? String(err)}`,
                status,
                attempt,
                err,
                true,
              );
            }
          }
          const retryable = timedOut || isRetryable(err);
          if (attempt < o.maxRetries && retryable) {
            const serverDelay = timedOut ? undefined : serverRetryDelayMs(err, o.now());
            if (serverDelay !== undefined && serverDelay > o.maxRetryAfterMs) {
              this.#releaseTurn(id); // never hold the rate-limit turn through a wait this long
              counters.failedRequests++;
              return failure(
                `embeddings request for ${inputs.length} input(s) got status ${status} and the server asked to ` +
                  `retry after ${Math.round(serverDelay)} ms, more than maxRetryAfterMs (${o.maxRetryAfterMs} ms); ` +
                  `failed at once rather than wait`,
                status,
                attempt,
                err,
                false,
              );
            }
            if (status === 429) this.#closeGate(id);
            else this.#releaseTurn(id); // do not hold up everyone through a backoff that is not about the rate limit
            const delay = serverDelay ?? backoffDelayMs(attempt + 1, o.initialBackoffMs, o.maxBackoffMs, o.random);
            if (await this.#sleepUnlessAborted(delay, signal)) return ABANDONED;
            continue;
          }
          counters.failedRequests++;
          const what = timedOut
            ? `a timeout (${(err as AttemptTimeout).message})`
            : status === undefined
              ? 'no status (connection or client error)'
              : `status ${status}`;
          return failure(
            `embeddings request for ${inputs.length} input(s) failed with ${what} after ${attempt + 1} ` +
              `attempt(s): ${(err as Error)?.message ?? String(err)}`,
            status,
            attempt,
            err,
            status === 400 && isAboutInputs(err),
          );
        }
        this.#releaseTurn(id);
        const vectors = readEmbeddings(response, inputs.length, o.dimensions);
        if (typeof vectors === 'string') {
          counters.failedRequests++;
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
        counters.inputsSent += inputs.length;
        return vectors;
      }
    } finally {
      this.#releaseTurn(id);
    }
  }

  /**
   * One attempt. Rejects with an AttemptTimeout after requestTimeoutMs, or ABANDONED when `abandon` aborts; either
   * way the attempt's own signal aborts, and a client that ignores it is simply no longer waited for.
   */
  #attempt(inputs: readonly string[], abandon: AbortSignal, attempt: number): Promise<unknown> {
    const { timers, requestTimeoutMs, send } = this.#o;
    const controller = new AbortController();
    return new Promise<unknown>((resolve, reject) => {
      let ended = false;
      // Runs once: by the answer, the timeout or the abandonment, whichever comes first.
      const end = () => {
        if (ended) return false;
        ended = true;
        timers.clearTimeout(timer);
        abandon.removeEventListener('abort', onAbandon);
        return true;
      };
      const stop = (reason: unknown) => {
        if (!end()) return;
        reject(reason);
        controller.abort(reason);
      };
      const onAbandon = () => stop(ABANDONED);
      const timer = timers.setTimeout(() => stop(new AttemptTimeout(requestTimeoutMs)), requestTimeoutMs);
      abandon.addEventListener('abort', onAbandon, { once: true });
      let sent: Promise<unknown>;
      try {
        sent = Promise.resolve(send(inputs, controller.signal, attempt));
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

  /** Waits `ms` before a retry; returns true (early) if `abandon` aborts meanwhile. */
  async #sleepUnlessAborted(ms: number, abandon: AbortSignal): Promise<boolean> {
    const controller = new AbortController();
    const onAbandon = () => controller.abort();
    abandon.addEventListener('abort', onAbandon, { once: true });
    await new Promise<void>((resolve) => {
      controller.signal.addEventListener('abort', () => resolve(), { once: true });
      this.#o.sleep(ms, controller.signal).then(resolve, resolve);
    });
    abandon.removeEventListener('abort', onAbandon);
    return abandon.aborted;
  }

  #closeGate(id: number): void {
    this.#rateLimited = true;
    this.#turnHolder ??= id;
  }

  #takeTurn(id: number, ticket: RequestTicket): Promise<void> | void {
    if (this.#turnHolder === undefined) this.#turnHolder = id;
    if (this.#turnHolder === id) return;
    return new Promise<void>((resolve) => {
      const queue = this.#gateQueue;
      const leave = () => {
        const at = queue.indexOf(entry);
        if (at >= 0) queue.splice(at, 1);
        resolve();
      };
      const entry = {
        id,
        priority: ticket.priority,
        resolve: () => {
          ticket.signal.removeEventListener('abort', leave);
          resolve();
        },
      };
      queue.push(entry);
      ticket.signal.addEventListener('abort', leave, { once: true });
    });
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
      if (a.priority < b.priority || (a.priority === b.priority && a.id < b.id)) next = i;
    }
    const [waiter] = queue.splice(next, 1);
    this.#turnHolder = waiter.id;
    waiter.resolve();
  }
}

function failure(message: string, status: number | undefined, attempt: number, cause: unknown, split: boolean): RequestFailure {
  return { error: new EmbeddingRequestError(message, status, attempt + 1, { cause }), split };
}

/**
 * For a 429: the limit the request is larger than, when it is larger than the rate limit itself (the API says
 * "Request too large", or the request's tokens exceed the x-ratelimit-limit-tokens it reports); else undefined.
 */
function rateLimitExceededBy(err: unknown, inputs: readonly string[]): string | undefined {
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

/**
 * Whether a 400 may be about some of the inputs (so bisecting finds them): not when the API names another
 * parameter (`param: 'dimensions'`, 'model', ...), which no subset of inputs can fix.
 */
function isAboutInputs(err: unknown): boolean {
  const param = (err as { param?: unknown } | null)?.param;
  return typeof param !== 'string' || param.startsWith('input');
}
