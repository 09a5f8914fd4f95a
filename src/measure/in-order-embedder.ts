import type { EmbedCallOptions, Embedder, EmbedderCloseOptions, Embedding } from '../memory/types.ts';
import { CallOrder } from './call-order.ts';

/**
 * An Embedder that hands out answers in the order the calls were made (see CallOrder): a call's vector (or error)
 * is delivered only after every earlier call's was, and everything one delivery sets off (a cache fill, the index
 * scan, the client's next operations up to its next API call) runs to completion before the next is delivered.
 *
 * Why: concurrent clients whose API answers come back in whatever order the machine's timing gives interleave
 * differently from run to run, so a cache's hits, joins and evictions would depend on machine load. Delivered in
 * call order, the interleaving (and every counter that follows from it) depends only on the workload and the seed.
 * Give it the CallOrder an asynchronous index shares (inOrderPart) when the index answers over the wire: answers of
 * both are then delivered in one call order.
 */
export class InOrderEmbedder implements Embedder {
  readonly #inner: Embedder;
  readonly #order: CallOrder;

  constructor(inner: Embedder, order: CallOrder = new CallOrder()) {
    this.#inner = inner;
    this.#order = order;
  }

  get model(): string {
    return this.#inner.model;
  }

  get dimensions(): number | undefined {
    return this.#inner.dimensions;
  }

  embed(text: string, options?: EmbedCallOptions): Promise<Embedding> {
    return this.#order.deliver(this.#inner.embed(text, options));
  }

  embedMany(texts: readonly string[], options?: EmbedCallOptions): Promise<Embedding[]> {
    return this.#order.deliver(this.#inner.embedMany(texts, options));
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
}
