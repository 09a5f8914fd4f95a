import { describe, expect, it } from 'vitest';
import { CallOrder, inOrderPart } from '../../src/measure/call-order.ts';
import { InOrderEmbedder } from '../../src/measure/in-order-embedder.ts';
import { runClosedLoop } from '../../src/measure/closed-loop.ts';
import { MemorySystem } from '../../src/memory/memory-system.ts';
import type { Embedder, EmbedderStats, Embedding, VectorIndex } from '../../src/memory/types.ts';
import { cacheParamsSchema, createCache, createIndex } from '../../src/parts/registry.ts';
import { createRng, type Rng } from '../../src/util/rng.ts';
import { letterVector } from '../support/fake-embedder.ts';

/** Resolves after `n` event-loop turns: a seeded stand-in for an answer's time in flight, with no real time. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((done) => setImmediate(done));
}

/** letterVector answers, each after 0-6 turns drawn from `rng`: they come back in an order the seed decides. */
class SlowEmbedder implements Embedder {
  readonly model = 'slow';
  readonly dimensions = 26;
  calls = 0;
  constructor(private readonly rng: Rng) {}
  async embed(text: string): Promise<Embedding> {
    this.calls++;
    await turns(this.rng.int(0, 6));
    if (text === 'boom') throw new Error(`no vector for ${text}`);
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

/**
 * An in-process flat index whose add, remove and search answer asynchronously after 0-6 seeded turns, as a
 * database on one connection does: each call runs when it is made (in call order, as pgvector's statements run on
 * PGlite's one connection), and only its answer takes a varying time to come back.
 */
function slowIndex(inner: VectorIndex, rng: Rng): VectorIndex {
  const slow = new Set<PropertyKey>(['add', 'remove', 'search']);
  return new Proxy(inner, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (!slow.has(property) || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const answer = (value as (...a: unknown[]) => unknown).apply(target, args);
        await turns(rng.int(0, 6));
        return answer;
      };
    },
  });
}

const QUERIES = ['cat', 'dog', 'bird', 'fish', 'cow', 'horse', 'goat', 'sheep'];

/**
 * 4 clients replay 120 operations (searches of 8 queries, an add every 7th, one failing query) through SearchCache
 * (5 entries, a 15-step TTL on the replay clock) over the slow index; `seed` decides the answers' times in flight.
 */
async function replay(seed: number, ordered: boolean) {
  const rng = createRng(seed);
  const order = new CallOrder();
  const rawEmbedder = new SlowEmbedder(rng);
  const rawIndex = slowIndex(await createIndex({ index: 'flat' }), rng);
  const embedder = ordered ? new InOrderEmbedder(rawEmbedder, order) : rawEmbedder;
  const index = ordered ? inOrderPart(rawIndex, order) : rawIndex;
  let clock = 0;
  let memory: MemorySystem | undefined;
  const built = await createCache(cacheParamsSchema.parse({ cache: 'search-cache', maxEntries: 4, ttlMs: 40, invalidation: 'targeted' }), {
    embedder,
    index,
    record: (id) => memory?.get(id),
    now: () => clock,
  });
  memory = new MemorySystem({ embedder, queryEmbedder: built.queryEmbedder, index, cache: built.cache, now: () => clock });
  for (const text of ['a cat sat', 'a dog ran', 'fish swim']) await memory.add(text);
  const pick = createRng(7); // the operations themselves are the same in every run
  const ops = Array.from({ length: 120 }, (_, i) => (i === 60 ? 'boom' : i % 7 === 6 ? `+note ${QUERIES[pick.int(0, 7)]} ${i}` : QUERIES[pick.int(0, 7)]));
  const finished: number[] = [];
  const answers: Array<string[] | string> = [];
  await runClosedLoop(ops.length, 4, async (i) => {
    clock = i;
    const op = ops[i];
    try {
      if (op.startsWith('+')) await memory!.add(op.slice(1));
      else answers[i] = (await memory!.search(op, { topK: 2 })).map((r) => r.text);
    } catch (error) {
      answers[i] = `error: ${(error as Error).message}`;
    }
    finished.push(i);
  });
  return { finished, answers, stats: built.cache?.stats?.() };
}

describe('CallOrder: asynchronous answers of the embedder and the index delivered in one call order', () => {
  it('gives identical cache counters, answers and completion order whatever the answers\' times in flight', async () => {
    const first = await replay(1, true);
    const second = await replay(2, true);
    const third = await replay(3, true);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    // The workload exercised what the counters count: hits, evictions, expirations and invalidations all happened.
    expect(first.stats).toMatchObject({ hits: expect.any(Number) });
    const stats = first.stats as Record<string, number>;
    for (const name of ['hits', 'evictions', 'expirations', 'invalidations']) expect(stats[name], name).toBeGreaterThan(0);
    // Each caller got its own answer or its own error.
    expect(first.answers[60]).toBe('error: no vector for boom');
    expect(first.answers.filter((a) => typeof a === 'string')).toHaveLength(1);
  });

  it('without it the same replay interleaves differently from seed to seed (the check above can fail)', async () => {
    const first = await replay(1, false);
    const second = await replay(2, false);
    expect(second.finished).not.toEqual(first.finished);
    expect(second.stats).not.toEqual(first.stats);
  });

  it('passes synchronous answers, properties and getters straight through', async () => {
    const order = new CallOrder();
    const inner = await createIndex({ index: 'flat' });
    const index = inOrderPart(inner, order);
    index.add('a', letterVector('cat'));
    const hits = index.search(letterVector('cat'), 1);
    expect(Array.isArray(hits)).toBe(true); // not a promise: an in-process search stays synchronous
    expect(hits).toEqual(inner.search(letterVector('cat'), 1));
    expect(index.size).toBe(inner.size);
    expect(index.stats?.()).toEqual(inner.stats?.());
  });
});
