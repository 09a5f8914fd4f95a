import type OpenAI from 'openai';
import { ClosedError, EmbeddingRequestError } from '../../errors.ts';
import type { EmbedCallOptions, Embedder, EmbedderCloseOptions, EmbedderStats, Embedding } from '../../memory/types.ts';
import { abortSignalOf, checkBase, finite, type EmbedderBaseOptions } from './options.ts';
import { readEmbeddings } from './response.ts';
import { isRetryable, statusOf } from './retry.ts';

export interface NaiveEmbedderOptions extends EmbedderBaseOptions {
  /**
   * Longest wait for one HTTP attempt, in ms, passed to the SDK as its per-request `timeout`. Default 60,000 (the
   * SDK's own default is 10 minutes). The SDK retries a timed-out attempt like a connection error, up to the
   * client's `maxRetries`. Must be in [1, 2^31 - 1]. (The BatchEmbedder's `maxRetryAfterMs` has no counterpart:
   * the SDK decides its own waits, and already ignores a `retry-after` over 60 s in favour of its backoff.)
   */
  requestTimeoutMs?: number;
}

/**
 * The baseline: what a user who calls the SDK directly gets. One `embeddings.create` request per text, with the
 * SDK's own retries (its defaults, or whatever `maxRetries` the client was built with). `embedMany` sends one
 * request per text, all at once, and resolves in input order.
 *
 * Stats are exact: when the client supports `withOptions` (a real OpenAI client), requests go through a copy of
 * it whose `fetch` counts every HTTP attempt, so the SDK's hidden retries are counted too. A hand-made client
 * without `withOptions` is counted one request per call.
 */
export class NaiveEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number | undefined;
  readonly #client: OpenAI;
  readonly #sdkMaxRetries: number;
  readonly #countsFetches: boolean;
  readonly #pending = new Set<Promise<unknown>>();
  readonly #requestTimeoutMs: number;
  /** Aborts of the requests in flight, for `close({ signal })` giving up. */
  readonly #inFlight = new Set<(reason: unknown) => void>();
  #closed = false;
  #stats: EmbedderStats = {
    textsRequested: 0,
    requestsSent: 0,
    retries: 0,
    failedRequests: 0,
    inputsSent: 0,
    peakQueueLength: 0,
  };

  constructor(options: NaiveEmbedderOptions) {
    const { client, model, dimensions } = checkBase(options);
    this.#requestTimeoutMs = finite('requestTimeoutMs', options.requestTimeoutMs, 60_000, 1, 2 ** 31 - 1);
    this.model = model;
    this.dimensions = dimensions;
    this.#sdkMaxRetries = typeof client.maxRetries === 'number' ? client.maxRetries : 2;
    if (typeof client.withOptions === 'function') {
      // The fetch the client would use (a private field of OpenAI; fall back to the global fetch, looked up per call
      // so an interceptor installed later, e.g. msw, still sees the request).
      const own = (client as unknown as { fetch?: unknown }).fetch;
      const inner = typeof own === 'function' ? (own as typeof fetch) : undefined;
      const stats = this.#stats;
      this.#client = client.withOptions({
        fetch: (url: string | URL | Request, init?: RequestInit) => {
          stats.requestsSent++;
          if (retryCountOf(init) > 0) stats.retries++;
          return (inner ?? globalThis.fetch)(url, init);
        },
      });
      this.#countsFetches = true;
    } else {
      this.#client = client;
      this.#countsFetches = false;
    }
  }

  /** Embeds one text. `signal` aborts this call alone (its request is aborted; it rejects with the reason). */
  embed(text: string, options?: EmbedCallOptions): Promise<Embedding> {
    this.#stats.textsRequested++;
    if (this.#closed) return Promise.reject(new ClosedError('NaiveEmbedder'));
    const signal = abortSignalOf(options);
    if (signal instanceof Error) return Promise.reject(signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const promise = this.#request(text, signal);
    const tracked: Promise<unknown> = promise.then(
      () => this.#pending.delete(tracked),
      () => this.#pending.delete(tracked),
    );
    this.#pending.add(tracked);
    return promise;
  }

  embedMany(texts: readonly string[], options?: EmbedCallOptions): Promise<Embedding[]> {
    return Promise.all(texts.map((text) => this.embed(text, options)));
  }

  /** Resolves when every call made before it has settled (the tracked promises never reject). */
  async flush(): Promise<void> {
    if (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /**
   * Refuses further calls and resolves when earlier ones have settled. `signal` gives up waiting: when it aborts
   * first, every pending request is aborted with its reason (so are its callers) and close rejects with it.
   */
  async close(options?: EmbedderCloseOptions): Promise<void> {
    this.#closed = true;
    const signal = abortSignalOf(options);
    if (signal instanceof Error) throw signal;
    if (signal === undefined) return this.flush();
    let giveUp!: () => void;
    const gaveUp = new Promise<never>((_, reject) => {
      giveUp = () => {
        for (const abort of [...this.#inFlight]) abort(signal.reason);
        reject(signal.reason);
      };
    });
    gaveUp.catch(() => {});
    if (signal.aborted) giveUp();
    else signal.addEventListener('abort', giveUp, { once: true });
    try {
      await Promise.race([this.flush(), gaveUp]);
    } finally {
      signal.removeEventListener('abort', giveUp);
    }
  }

  stats(): EmbedderStats {
    return { ...this.#stats };
  }

  async #request(text: string, callerSignal: AbortSignal | undefined): Promise<Embedding> {
    if (!this.#countsFetches) this.#stats.requestsSent++;
    // One controller per request, aborted by the caller's signal or by close() giving up; every listener is
    // removed when the request ends, so long-lived signals collect nothing.
    const controller = new AbortController();
    const signal = controller.signal;
    const abort = (reason: unknown) => controller.abort(reason);
    const onCallerAbort = () => abort(callerSignal!.reason);
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    this.#inFlight.add(abort);
    let rejectAborted!: (reason: unknown) => void;
    const aborted = new Promise<never>((_, reject) => (rejectAborted = reject));
    const onAbort = () => rejectAborted(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let response: unknown;
    try {
      // Raced with the signal too, so a hand-made client that ignores it cannot keep an aborted caller waiting.
      response = await Promise.race([
        this.#client.embeddings.create(
          {
            model: this.model,
            input: text,
            ...(this.dimensions !== undefined && { dimensions: this.dimensions }),
          },
          { signal, timeout: this.#requestTimeoutMs },
        ),
        aborted,
      ]);
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      this.#stats.failedRequests++;
      const status = statusOf(err);
      // The SDK retried retryable failures maxRetries times before giving up.
      const attempts = isRetryable(err) ? this.#sdkMaxRetries + 1 : 1;
      throw new EmbeddingRequestError(
        `embeddings request failed with ${status === undefined ? 'no status (connection error)' : `status ${status}`}` +
          ` after ${attempts} attempt(s): ${(err as Error)?.message ?? String(err)}`,
        status,
        attempts,
        { cause: err },
      );
    } finally {
      callerSignal?.removeEventListener('abort', onCallerAbort);
      signal.removeEventListener('abort', onAbort);
      this.#inFlight.delete(abort);
    }
    const vectors = readEmbeddings(response, 1, this.dimensions);
    if (typeof vectors === 'string') {
      this.#stats.failedRequests++;
      throw new EmbeddingRequestError(`malformed embeddings response: ${vectors}`, undefined, 1);
    }
    this.#stats.inputsSent++;
    return vectors[0];
  }
}

function retryCountOf(init: RequestInit | undefined): number {
  const headers = init?.headers;
  if (headers === undefined) return 0;
  const value = new Headers(headers).get('x-stainless-retry-count');
  return value === null ? 0 : Number(value) || 0;
}
