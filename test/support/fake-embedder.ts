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
 * An in-process embedder answering at once (on the next microtask) with letterVector, counting calls. For answers
 * that arrive when the test decides, use GatedEmbedder (cache-fakes.ts).
 */
export class FakeEmbedder implements Embedder {
  readonly model = 'fake';
  readonly dimensions = 26;
  calls = 0;
  async embed(text: string): Promise<Embedding> {
    this.calls++;
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
