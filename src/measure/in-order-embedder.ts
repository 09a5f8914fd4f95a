import type { EmbedCallOptions, Embedder, EmbedderCloseOptions, Embedding } from '../memory/types.ts';

/**
 * An Embedder that hands out answers in the order the calls were made: a call's vector (or error) is delivered
 * only after every earlier call's was, and everything one delivery sets off (a cache fill, the index scan, the
 * client's next operations up to its next API call) runs to completion before the next is delivered.
 *
 * Why: concurrent clients whose API answers come back in whatever order the machine's timing gives interleave
 * differently from run to run, so a cache's hits, joins and evictions would depend on machine load. Delivered in
 * call order, the interleaving (and every counter that follows from it) depends only on the workload and the seed.
 * The cost is head-of-line blocking: an answer that arrives early waits for earlier calls' answers, as responses
 * on one HTTP/1.1 connection would. The requests themselves go out at once, as before; only delivery is ordered.
 */
export class InOrderEmbedder implements Embedder {
  readonly #inner: Embedder;
  readonly #waiting: Array<{ ready: boolean; deliver: () => void }> = [];

  constructor(inner: Embedder) {
    this.#inner = inner;
  }

  get model(): string {
    return this.#inner.model;
  }

  get dimensions(): number | undefined {
    return this.#inner.dimensions;
  }

  embed(text: string, options?: EmbedCallOptions): Promise<Embedding> {
    return this.#inOrder(this.#inner.embed(text, options));
  }

  embedMany(texts: readonly string[], options?: EmbedCallOptions): Promise<Embedding[]> {
    return this.#inOrder(this.#inner.embedMany(texts, options));
  }

  flush(): Promise<void> {
    return this.#inner.flush();
  }

  close(options?: EmbedderCloseOptions): Promise<void> {
    return this.#inner.close(options);
  }

  stats(): ReturnType<Embedder['stats']> {
    return this.#inner.stats();
  }

  #inOrder<T>(answer: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const slot = { ready: false, deliver: () => {} };
      this.#waiting.push(slot);
      answer
        .then(
          (value) => void (slot.deliver = () => resolve(value)),
          (error: unknown) => void (slot.deliver = () => reject(error)),
        )
        .then(() => {
          slot.ready = true;
          this.#queueReady();
        });
    });
  }

  /**
   * Queues, in call order, every answer that is ready with no unanswered call before it: one setImmediate each.
   * Node drains the microtask queue between two setImmediate callbacks, so what one delivery sets off settles
   * before the next, without waiting a whole event-loop turn per answer.
   */
  #queueReady(): void {
    while (this.#waiting.length > 0 && this.#waiting[0].ready) setImmediate(this.#waiting.shift()!.deliver);
  }
}
