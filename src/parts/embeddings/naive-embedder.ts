import type OpenAI from 'openai';
import { ClosedError, EmbeddingRequestError } from '../../errors.ts';
import type { Embedder, EmbedderStats, Embedding } from '../../memory/types.ts';
import { checkBase, type EmbedderBaseOptions } from './options.ts';
import { readEmbeddings } from './response.ts';
import { isRetryable, statusOf } from './retry.ts';

export type NaiveEmbedderOptions = EmbedderBaseOptions;

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

  embed(text: string): Promise<Embedding> {
    this.#stats.textsRequested++;
    if (this.#closed) return Promise.reject(new ClosedError('NaiveEmbedder'));
    const promise = this.#request(text);
    const tracked: Promise<unknown> = promise.then(
      () => this.#pending.delete(tracked),
      () => this.#pending.delete(tracked),
    );
    this.#pending.add(tracked);
    return promise;
  }

  embedMany(texts: readonly string[]): Promise<Embedding[]> {
    return Promise.all(texts.map((text) => this.embed(text)));
  }

  /** Resolves when every call made before it has settled (the tracked promises never reject). */
  async flush(): Promise<void> {
    if (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  stats(): EmbedderStats {
    return { ...this.#stats };
  }

  async #request(text: string): Promise<Embedding> {
    if (!this.#countsFetches) this.#stats.requestsSent++;
    let response: unknown;
    try {
      response = await this.#client.embeddings.create({
        model: this.model,
        input: text,
        ...(this.dimensions !== undefined && { dimensions: this.dimensions }),
      });
    } catch (err) {
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
