import { describe, expect, it } from 'vitest';
import { beladyBound, lruHitsForEvents, versionedRequests } from '../../src/analysis/belady.ts';
import { createCachedMemory } from '../../src/parts/search-cache/cached-memory.ts';
import { cacheEventsForTrace, type TraceEventOp } from '../../src/analysis/trace-events.ts';
import { createRng } from '../../src/util/rng.ts';
import { InstantEmbedder } from '../support/cache-fakes.ts';
import { letterVector } from '../support/fake-embedder.ts';

const preloaded = [{ text: 'aaaa' }, { text: 'bbbb' }];

describe('a trace as the cache sees it', () => {
  it('invalidates a key only when an add enters its top-k (targeted)', () => {
    const ops: TraceEventOp[] = [
      { op: 'search', text: 'aaaa', options: { topK: 1 } },
      { op: 'add', text: 'cccc' }, // score 0 against 'aaaa': cannot beat the cached 1.0
      { op: 'search', text: ' AAAA ', options: { topK: 1 } },
      { op: 'add', text: 'aaaa' }, // ties the cached top score: invalidates
      { op: 'search', text: 'aaaa', options: { topK: 1 } },
    ];
    const events = cacheEventsForTrace({ preloaded, ops, vectorOf: letterVector, invalidation: 'targeted', normalization: { caseFold: true } });
    const key = '{"topK":1}\naaaa';
    expect(events).toEqual([
      { kind: 'get', key },
      { kind: 'get', key },
      { kind: 'invalidate', key },
      { kind: 'get', key },
    ]);
    expect(Array.from(versionedRequests(events))).toEqual([0, 0, 1]);
  });

  it('respects filters and short results', () => {
    const ops: TraceEventOp[] = [
      { op: 'search', text: 'aaaa', options: { topK: 5, filter: { user: 'u' } } }, // no match yet: 0 results
      { op: 'add', text: 'zzzz', metadata: { user: 'v' } }, // other user: no change
      { op: 'add', text: 'zzzz', metadata: { user: 'u' } }, // matches and the result was short: invalidates
    ];
    const events = cacheEventsForTrace({ preloaded, ops, vectorOf: letterVector, invalidation: 'targeted' });
    expect(events.map((e) => e.kind)).toEqual(['get', 'invalidate']);
  });

  it('invalidates everything on every add under generation invalidation', () => {
    const ops: TraceEventOp[] = [{ op: 'search', text: 'q' }, { op: 'add', text: 'x' }, { op: 'search', text: 'q' }];
    const events = cacheEventsForTrace({ preloaded, ops, vectorOf: letterVector, invalidation: 'generation' });
    expect(events.map((e) => e.kind)).toEqual(['get', 'invalidate-all', 'get']);
  });

  it("matches SearchCache hit for hit on a sequential replay, and Belady's bound is above it", async () => {
    const rng = createRng(11);
    const words = ['abcd', 'bcde', 'cdef', 'aabb', 'ccdd', 'abab', 'dcba', 'eeff', 'fafa', 'bdbd', 'aaaa', 'ffff'];
    const ops: TraceEventOp[] = Array.from({ length: 600 }, (): TraceEventOp => {
      if (rng.next() < 0.08) return { op: 'add', text: rng.pick(words) + rng.pick(words), metadata: { g: rng.int(0, 1) } };
      const text = words[Math.floor(words.length * rng.next() ** 2)];
      const options = rng.next() < 0.2 ? { filter: { g: 1 }, topK: 2 } : { topK: rng.int(1, 3) };
      return { op: 'search', text: rng.next() < 0.2 ? text.toUpperCase() : text, options };
    });
    const capacity = 6;
    const { memory, cache } = createCachedMemory({
      embedder: new InstantEmbedder(),
      normalization: { caseFold: true },
      cache: { invalidation: 'targeted', maxEntries: capacity },
    });
    for (const m of preloaded) await memory.add(m.text);
    for (const op of ops) {
      if (op.op === 'add') await memory.add(op.text, op.metadata);
      else await memory.search(op.text, op.options);
    }
    const events = cacheEventsForTrace({ preloaded, ops, vectorOf: letterVector, invalidation: 'targeted', normalization: { caseFold: true } });
    const simulated = lruHitsForEvents(events, capacity);
    expect(cache.stats().hits).toBe(simulated.hits);
    expect(cache.stats().invalidations).toBe(events.filter((e) => e.kind === 'invalidate').length - countInvalidationsOfEvicted(events, capacity));
    expect(beladyBound(versionedRequests(events), capacity).hits).toBeGreaterThanOrEqual(simulated.hits);
  });
});

/** Invalidations of keys no longer in an LRU of this capacity (the oracle tracks every key; the cache only its own). */
function countInvalidationsOfEvicted(events: ReturnType<typeof cacheEventsForTrace>, capacity: number): number {
  const order = new Map<string, true>();
  let evicted = 0;
  for (const event of events) {
    if (event.kind === 'get') {
      if (!order.delete(event.key) && order.size >= capacity) order.delete(order.keys().next().value as string);
      order.set(event.key, true);
    } else if (event.kind === 'invalidate') {
      if (!order.delete(event.key)) evicted++;
    } else order.clear();
  }
  return evicted;
}
