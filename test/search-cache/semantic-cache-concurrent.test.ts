import { describe, expect, it } from 'vitest';
import { MemorySystem } from '../../src/memory/memory-system.ts';
import type { Embedder, EmbedderStats, Embedding } from '../../src/memory/types.ts';
import { createCache, createIndex } from '../../src/parts/registry.ts';
import { cacheParamsSchema } from '../../src/parts/registry.ts';
import { createRng } from '../../src/util/rng.ts';

// Interleaved callers through the semantic tier: each gets the answer of its own query (or its own error), and
// writes racing the searches leave no stale entry behind. Toy vectors (32-d, seeded) built so that phrasings of one
// question are close (cosine ~0.99) and share their answer, while "room 12" and "room 13" are close too (~0.98) but
// have different answers: the guard must refuse those, the threshold alone would not.
const DIM = 32;
const rng = createRng(7);
const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const randomVector = () => unit(Array.from({ length: DIM }, () => rng.normal()));
const mix = (a: number[], b: number[], w: number) => unit(a.map((x, i) => x + w * b[i]));

const vectors = new Map<string, Embedding>();
const memories: Array<{ text: string; namespace: string }> = [];
const questions: Array<{ text: string; namespace: string }> = [];
for (const namespace of ['alpha', 'beta']) {
  const topic = randomVector();
  for (const person of ['Alice', 'Bob', 'Carol']) {
    const base = mix(topic, randomVector(), 1.5);
    const memory = `${person} lives in a city, remembered for ${namespace}.`;
    vectors.set(memory, mix(base, randomVector(), 0.3));
    memories.push({ text: memory, namespace });
    for (const phrasing of [`Where does ${person} live?`, `Which city does ${person} live in?`, `${person}'s home city?`]) {
      vectors.set(`${phrasing} [${namespace}]`, mix(base, randomVector(), 0.08));
      questions.push({ text: `${phrasing} [${namespace}]`, namespace });
    }
  }
  const room = randomVector();
  for (const n of [12, 13]) {
    const own = randomVector();
    const memory = `Room ${n} holds something for ${namespace}.`;
    vectors.set(memory, mix(room, own, 1));
    memories.push({ text: memory, namespace });
    for (const phrasing of [`What is in room ${n}?`, `What does room ${n} hold?`]) {
      vectors.set(`${phrasing} [${namespace}]`, mix(mix(room, own, 0.15), randomVector(), 0.02));
      questions.push({ text: `${phrasing} [${namespace}]`, namespace });
    }
  }
}
const FAILING = 'This query fails to embed [alpha]';

/** Answers after a seeded number of microtask turns, so concurrent calls resolve out of order. */
class ShuffledEmbedder implements Embedder {
  readonly model = 'toy';
  readonly dimensions = DIM;
  private readonly delays = createRng(11);
  calls = 0;
  async embed(text: string): Promise<Embedding> {
    this.calls++;
    const turns = this.delays.int(0, 30);
    for (let i = 0; i < turns; i++) await Promise.resolve();
    const v = vectors.get(text);
    if (!v) throw new Error(`no vector for ${text}`);
    return v;
  }
  embedMany(texts: readonly string[]) {
    return Promise.all(texts.map((t) => this.embed(t)));
  }
  async flush() {}
  async close() {}
  stats(): EmbedderStats {
    return { textsRequested: this.calls, requestsSent: this.calls, retries: 0, failedRequests: 0, inputsSent: this.calls, peakQueueLength: 0 };
  }
}

async function build(params: Record<string, unknown>) {
  const embedder = new ShuffledEmbedder();
  const index = await createIndex({ index: 'flat' });
  let memory: MemorySystem | undefined;
  const built = await createCache(cacheParamsSchema.parse(params), {
    embedder,
    index,
    record: (id) => memory?.get(id),
    knownNames: () => ['Alice', 'Bob', 'Carol'],
  });
  memory = new MemorySystem({ embedder, queryEmbedder: built.queryEmbedder, index, cache: built.cache });
  const ids = await memory.addMany(memories.map((m) => ({ ...m, vector: vectors.get(m.text)! })));
  const fresh = (text: string, namespace: string) => (index.search(vectors.get(text)!, 1, { namespace }) as Array<{ id: string }>).map((h) => h.id);
  return { memory, ids, fresh, stats: () => (built.cache?.stats?.() ?? {}) as Record<string, number> };
}

describe('semantic cache under interleaved callers', () => {
  it('gives every caller the answer of its own query, or its own error', async () => {
    const { memory, fresh, stats: cacheStats } = await build({ cache: 'semantic', policy: 'fixed', threshold: 0.9, guard: true });
    const order = createRng(3);
    const asks = Array.from({ length: 120 }, () => questions[order.int(0, questions.length - 1)]);
    const calls = asks.map((q, i) => (i === 37 ? { q: { text: FAILING, namespace: 'alpha' }, p: memory.search(FAILING, { namespace: 'alpha', topK: 1 }) } : { q, p: memory.search(q.text, { namespace: q.namespace, topK: 1 }) }));
    const settled = await Promise.allSettled(calls.map((c) => c.p));
    settled.forEach((outcome, i) => {
      const { q } = calls[i];
      if (q.text === FAILING) {
        expect(outcome.status).toBe('rejected');
        return;
      }
      expect(outcome.status).toBe('fulfilled');
      if (outcome.status === 'fulfilled') expect(outcome.value.map((r) => r.id)).toEqual(fresh(q.text, q.namespace));
    });
    const stats = cacheStats();
    expect(stats.semanticHits).toBeGreaterThan(0);
    expect(stats.guardRefusals).toBeGreaterThan(0);
  });

  it('without the guard the near-miss rooms are served each other (the test can fail)', async () => {
    const { memory, fresh } = await build({ cache: 'semantic', policy: 'fixed', threshold: 0.9 });
    const rooms = questions.filter((q) => q.text.includes('room'));
    let wrong = 0;
    for (const q of rooms) {
      const found = await memory.search(q.text, { namespace: q.namespace, topK: 1 });
      if (found[0].id !== fresh(q.text, q.namespace)[0]) wrong++;
    }
    expect(wrong).toBeGreaterThan(0);
  });

  it('leaves no stale entry when writes race the searches', async () => {
    for (const params of [
      { cache: 'semantic', policy: 'fixed', threshold: 0.9, guard: true },
      { cache: 'semantic', policy: 'adaptive', errorBound: 0.05, minObservations: 2, verifyShare: 0.3 },
    ]) {
      const { memory, ids, fresh } = await build(params);
      const order = createRng(5);
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 150; i++) {
        if (i % 10 === 5) {
          // Rewrite a memory: a new id, so every cached answer that held it must go.
          const m = order.int(0, memories.length - 1);
          work.push(memory.delete(ids[m]).then(() => memory.add(memories[m].text, undefined, { namespace: memories[m].namespace }).then((id) => void (ids[m] = id))));
        } else {
          const q = questions[order.int(0, questions.length - 1)];
          work.push(memory.search(q.text, { namespace: q.namespace, topK: 1 }));
        }
      }
      await Promise.all(work);
      // One at a time now: anything a race left stale would be served here.
      for (const q of questions) {
        const found = await memory.search(q.text, { namespace: q.namespace, topK: 1 });
        expect(found.map((r) => r.id)).toEqual(fresh(q.text, q.namespace));
      }
    }
  });
});
