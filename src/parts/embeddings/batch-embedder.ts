import type OpenAI from 'openai';
import { ClosedError, EmbeddingRequestError } from '../../errors.ts';
import type { EmbedCallOptions, Embedder, EmbedderCloseOptions, Embedding } from '../../memory/types.ts';
import { resolveBatchOptions, type BatchEmbedderOptions, type BatchEmbedderSettings, type BatchEmbedderStats } from './batch-options.ts';
import { BatchQueue } from './batch-queue.ts';
import { abortSignalOf } from './options.ts';
import { RequestPolicy } from './request-policy.ts';
import { tokensWithin, tokenUpperBound } from './tokens.ts';

export {
  API_MAX_INPUTS,
  type BatchEmbedderOptions,
  type BatchEmbedderSettings,
  type BatchEmbedderStats,
} from './batch-options.ts';

/**
 * Batches concurrent embed() calls into few embeddings requests.
 *
 * Built from two parts: the batch core (batch-queue.ts: the queue, WHEN A BATCH IS DISPATCHED, flush, aborts,
 * bisection) sends each batch through the request policy (request-policy.ts: attempt timeout, retries, backoff,
 * the `retry-after` cap and the rate-limit gate), which calls the openai client. This class checks each text,
 * owns the options and the stats, and is the public face.
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

  readonly #maxInputTokens: number;
  readonly #queue: BatchQueue;
  #closed = false;
  #closing: Promise<void> | undefined;

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
    const resolved = resolveBatchOptions(options);
    const { client, model, dimensions, settings } = resolved;
    this.model = model;
    this.dimensions = dimensions;
    this.options = settings;
    this.#maxInputTokens = settings.maxInputTokens;
    const policy = new RequestPolicy({
      ...settings,
      send: sendAttempt(client, model, dimensions),
      dimensions,
      random: resolved.random,
      timers: resolved.timers,
      sleep: resolved.sleep,
      now: resolved.now,
      counters: this.#stats,
    });
    this.#queue = new BatchQueue({
      ...settings,
      timers: resolved.timers,
      stats: this.#stats,
      send: (inputs, ticket) => policy.request(inputs, ticket),
    });
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
    return this.#queue.submit<Embedding>([text], [Math.abs(bound)], exact, true, signal);
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
    return this.#queue.submit<Embedding[]>(texts, bounds, exact, false, signal);
  }

  /** Sends every queued text now (partial batches included) and resolves when all earlier calls have settled. */
  flush(): Promise<void> {
    return this.#queue.flush();
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
    if (signal?.aborted) this.#queue.abortAll(signal.reason); // before flushing, so nothing more is sent
    this.#closing ??= this.flush().then(() => this.#queue.clearTimers());
    if (signal === undefined) return this.#closing;
    if (signal.aborted) return Promise.reject(signal.reason);
    const closing = this.#closing;
    return new Promise<void>((resolve, reject) => {
      const giveUp = () => {
        this.#queue.abortAll(signal.reason);
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
    s.queueLength = this.#queue.queueLength;
    s.waitingProducers = this.#queue.waitingProducers;
    s.requestsInFlight = this.#queue.inFlight;
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
}

/** One HTTP attempt through the openai client, its own retries off so the policy controls and counts each one. */
function sendAttempt(client: OpenAI, model: string, dimensions: number | undefined) {
  return (inputs: readonly string[], signal: AbortSignal, attempt: number): Promise<unknown> => {
    const body = { model, input: inputs as string[], ...(dimensions !== undefined && { dimensions }) };
    const options =
      attempt === 0
        ? { maxRetries: 0, signal }
        : { maxRetries: 0, signal, headers: { 'x-stainless-retry-count': String(attempt) } };
    return Promise.resolve(client.embeddings.create(body as never, options));
  };
}
