import type { Embedder, EmbedderStats, Embedding } from '../memory/types.ts';

/**
 * An Embedder answering from vectors computed before the run (the endpoint's reference vectors, shipped real
 * vectors), for workloads where the embeddings API is not what is measured: stored texts are embedded in-process,
 * at no request, so the ledger counts only what the measured part sends. Each call gets a plain number[] (as the
 * openai SDK returns), the same array for the same text: do not mutate it.
 */
export class PrecomputedEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number | undefined;
  private readonly byText = new Map<string, Embedding>();
  private calls = 0;

  constructor(vectors: Iterable<readonly [string, ArrayLike<number>]>, options: { model?: string; dimensions?: number } = {}) {
    for (const [text, vector] of vectors) this.byText.set(text, Array.isArray(vector) ? (vector as number[]) : Array.from(vector));
    this.model = options.model ?? 'precomputed';
    this.dimensions = options.dimensions;
  }

  embed(text: string): Promise<Embedding> {
    this.calls++;
    const vector = this.byText.get(text);
    if (!vector) return Promise.reject(new RangeError(`PrecomputedEmbedder: no vector prepared for '${text.slice(0, 40)}'`));
    return Promise.resolve(vector);
  }

  embedMany(texts: readonly string[]): Promise<Embedding[]> {
    return Promise.all(texts.map((t) => this.embed(t)));
  }

  async flush(): Promise<void> {}
  async close(): Promise<void> {}

  /** textsRequested counts calls; nothing is ever sent. */
  stats(): EmbedderStats {
    return { textsRequested: this.calls, requestsSent: 0, retries: 0, failedRequests: 0, inputsSent: 0, peakQueueLength: 0 };
  }
}
