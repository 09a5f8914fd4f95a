import { defineScenario, ingestDriver, type Embedder, type EmbedderFactoryContext, type EmbedderStats, type Embedding } from 'memopt';

/**
 * Example: your own Embedder against memopt's naive baseline (one request per text). Copy this file, replace
 * `TickBatchingEmbedder` with your embedder, and run `memopt run examples/own-embedder.ts`.
 *
 * The variant gives a `factory` instead of `params`: it gets the run's endpoint (an openai client factory, the model
 * and dimensions) and returns any object implementing Embedder. The ingest driver measures it like memopt's own:
 * requests and tokens from the endpoint's ledger, texts lost, stored vectors checked against the endpoint's
 * reference model, latency and heap; its `stats()` fields are written as the detail table part_stats.
 */

/** Sends every text asked for in the same event-loop turn in one request (no queue bound, no retries: an example). */
class TickBatchingEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number | undefined;
  private readonly client: ReturnType<EmbedderFactoryContext['createClient']>;
  private waiting: Array<{ text: string; resolve: (v: Embedding) => void; reject: (e: unknown) => void }> = [];
  private inFlight = new Set<Promise<void>>();
  private counts: EmbedderStats = { textsRequested: 0, requestsSent: 0, retries: 0, failedRequests: 0, inputsSent: 0, peakQueueLength: 0 };

  constructor(context: EmbedderFactoryContext) {
    this.client = context.createClient();
    this.model = context.model;
    this.dimensions = context.dimensions;
  }

  embed(text: string): Promise<Embedding> {
    this.counts.textsRequested++;
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => this.send());
      this.waiting.push({ text, resolve, reject });
      this.counts.peakQueueLength = Math.max(this.counts.peakQueueLength, this.waiting.length);
    });
  }

  embedMany(texts: readonly string[]): Promise<Embedding[]> {
    return Promise.all(texts.map((t) => this.embed(t)));
  }

  private send(): void {
    const batch = this.waiting.splice(0, 2048);
    if (this.waiting.length > 0) setImmediate(() => this.send());
    this.counts.requestsSent++;
    this.counts.inputsSent += batch.length;
    const request = this.client.embeddings
      .create({ model: this.model, input: batch.map((b) => b.text), ...(this.dimensions ? { dimensions: this.dimensions } : {}) })
      .then(
        (response) => {
          // The API answers in input order, each item with its index.
          for (const item of response.data) batch[item.index].resolve(item.embedding);
        },
        (error) => {
          this.counts.failedRequests++;
          for (const b of batch) b.reject(error);
        },
      );
    this.inFlight.add(request);
    void request.finally(() => this.inFlight.delete(request));
  }

  async flush(): Promise<void> {
    while (this.waiting.length > 0 || this.inFlight.size > 0) {
      await new Promise((r) => setImmediate(r));
      await Promise.all(this.inFlight);
    }
  }

  async close(): Promise<void> {
    await this.flush();
  }

  stats(): EmbedderStats {
    return { ...this.counts };
  }
}

export default defineScenario({
  name: 'example-own-embedder',
  description: 'Example: a user-written Embedder (one request per event-loop turn) vs the naive embedder, 1,000 texts by 64 producers',
  driver: ingestDriver,
  seed: 42,
  workload: { size: 1_000, producers: 64, measureBatcherOverhead: false, memoryCheckpoints: 4 },
  quick: { size: 200 },
  // Modelled latency compressed 50x; no rate limit and no faults.
  endpoint: { timeScale: 0.02, rateLimit: false },
  repetitions: { full: 3, quick: 1 },
  baseline: { label: 'naive', params: { embedder: 'naive' } },
  optimized: { label: 'tick-batching', factory: (context) => new TickBatchingEmbedder(context), version: '1.0.0' },
  targets: [
    { metric: 'api_requests', kind: 'reduction', atLeastPct: 50, note: 'fewer requests than one per text' },
    { metric: 'texts_lost', kind: 'max', max: 0 },
    { metric: 'wrong_vectors', kind: 'max', max: 0, note: "each text stored with its own vector (the endpoint's reference)" },
    { metric: 'wall_time_ms', kind: 'speedup', atLeast: 1, gate: 'advisory', note: 'absolute timing: reported, not gated' },
  ],
});
