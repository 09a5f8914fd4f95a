import type { Embedder, EmbedderStats, Embedding } from '../../src/memory/types.ts';

/** A deterministic bag-of-letters vector: texts sharing letters are close. Enough to test ranking logic. */
export function letterVector(text: string): Embedding {
  const v = new Array(26).fill(0);
  for (const ch of text.toLowerCase()) {
    const i = ch.charCodeAt(0) - 97;
    if (i >= 0 && i < 26) v[i] += 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

/**
 * An in-process embedder whose answers arrive after a per-text delay the test chooses, so tests can make
 * embeddings resolve out of call order.
 */
export class FakeEmbedder implements Embedder {
  readonly model = 'fake';
  readonly dimensions = 26;
  calls = 0;
  constructor(private readonly delayMs: (text: string) => number = () => 0) {}
  async embed(text: string): Promise<Embedding> {
    this.calls++;
    const delay = this.delayMs(text);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    return letterVector(text);
  }
  embedMany(texts: readonly string[]): Promise<Embedding[]> {
    return Promise.all(texts.map((t) => this.embed(t)));
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  stats(): EmbedderStats {
    return { textsRequested: this.calls, requestsSent: this.calls, retries: 0, failedRequests: 0, inputsSent: this.calls, peakQueueLength: 0 };
  }
}
