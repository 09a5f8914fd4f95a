import type { Embedder, EmbedderStats, Embedding } from '../../src/memory/types.ts';
import { letterVector } from './fake-embedder.ts';

/** A clock tests move by hand. */
export function manualClock(start = 1_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/**
 * An embedder whose requests stay pending until the test releases them, so tests decide exactly when an
 * embedding (and so a search's scan) happens relative to writes. Vectors are letterVector(text).
 */
export class GatedEmbedder implements Embedder {
  readonly model = 'gated';
  readonly dimensions = 26;
  /** Texts sent, in order. */
  readonly sent: string[] = [];
  private readonly waiting: Array<{ text: string; resolve: (v: Embedding) => void; reject: (e: unknown) => void }> = [];
  /** When true, requests resolve at once (on the next microtask). */
  open = false;

  embed(text: string): Promise<Embedding> {
    this.sent.push(text);
    if (this.open) return Promise.resolve(letterVector(text));
    return new Promise((resolve, reject) => this.waiting.push({ text, resolve, reject }));
  }
  embedMany(texts: readonly string[]): Promise<Embedding[]> {
    return Promise.all(texts.map((t) => this.embed(t)));
  }
  get pending(): number {
    return this.waiting.length;
  }
  /** Texts of the pending requests, oldest first (a seeded test picks which to release). */
  get pendingTexts(): string[] {
    return this.waiting.map((w) => w.text);
  }
  /** Resolves the pending request for `text` (the first, if several), then lets its continuations run. */
  async release(text: string): Promise<void> {
    const at = this.waiting.findIndex((w) => w.text === text);
    if (at < 0) throw new Error(`GatedEmbedder.release: no pending request for '${text}'`);
    const [w] = this.waiting.splice(at, 1);
    w.resolve(letterVector(w.text));
    await settle();
  }
  /** Resolves every pending request, then lets their continuations run. */
  async releaseAll(): Promise<void> {
    for (const w of this.waiting.splice(0)) w.resolve(letterVector(w.text));
    await settle();
  }
  async failAll(error: unknown): Promise<void> {
    for (const w of this.waiting.splice(0)) w.reject(error);
    await settle();
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  stats(): EmbedderStats {
    const n = this.sent.length;
    return { textsRequested: n, requestsSent: n, retries: 0, failedRequests: 0, inputsSent: n, peakQueueLength: 0 };
  }
}

/** Lets every queued microtask (and their follow-ups) run: setImmediate fires only once the queue is empty. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** An embedder answering at once with letterVector, counting calls. */
export { FakeEmbedder as InstantEmbedder } from './fake-embedder.ts';
