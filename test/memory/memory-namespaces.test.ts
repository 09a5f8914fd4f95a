import { describe, expect, it } from 'vitest';
import { MemorySystem } from '../../src/memory/memory-system.ts';
import { compareHits, cosine, matchesSearchFilter } from '../../src/memory/reference.mjs';
import type { EntryAttributes, SearchFilter, SearchHit, VectorIndex } from '../../src/memory/types.ts';
import { FlatIndex } from '../../src/parts/vector-index/flat-index.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { createRng } from '../../src/util/rng.ts';
import { FakeEmbedder } from '../support/fake-embedder.ts';
import { ScheduledEmbedder, stressVector } from '../support/race-checker.ts';

/** NaiveIndex seen through a wrapper that cannot filter (no `filtering`): MemorySystem must over-fetch. */
class UnfilteredIndex implements VectorIndex {
  readonly inner = new NaiveIndex();
  calls: number[] = [];
  get dimensions() {
    return this.inner.dimensions;
  }
  get size() {
    return this.inner.size;
  }
  add(id: string, vector: ArrayLike<number>) {
    this.inner.add(id, vector);
  }
  remove(id: string) {
    return this.inner.remove(id);
  }
  search(vector: ArrayLike<number>, k: number) {
    this.calls.push(k);
    return this.inner.search(vector, k);
  }
  memoryBytes() {
    return this.inner.memoryBytes();
  }
}

describe('MemorySystem namespaces and metadata', () => {
  it('searches within a namespace, with or without a metadata filter; without one it sees every memory', async () => {
    const memory = new MemorySystem({ embedder: new FakeEmbedder() });
    await memory.add('aaaa', { kind: 'fact' }, { namespace: 'ann' });
    await memory.add('aaab', { kind: 'chat' }, { namespace: 'ann' });
    await memory.add('aaac', { kind: 'fact' }, { namespace: 'bob' });
    await memory.add('aaad'); // old call: no metadata, no namespace
    expect((await memory.search('aaaa', { namespace: 'ann' })).map((r) => r.text)).toEqual(['aaaa', 'aaab']);
    expect((await memory.search('aaaa', { namespace: 'bob' })).map((r) => r.text)).toEqual(['aaac']);
    expect((await memory.search('aaaa', { namespace: 'ann', filter: { kind: 'chat' } })).map((r) => r.text)).toEqual(['aaab']);
    expect((await memory.search('aaaa', { filter: { kind: 'fact' } })).map((r) => r.text)).toEqual(['aaaa', 'aaac']);
    expect(await memory.search('aaaa', { namespace: 'nobody' })).toEqual([]);
    expect(await memory.search('aaaa', { topK: 10 })).toHaveLength(4);
    expect(memory.get('m0')).toEqual({ id: 'm0', text: 'aaaa', namespace: 'ann', metadata: { kind: 'fact' } });
    expect(memory.get('m3')).toEqual({ id: 'm3', text: 'aaad' });
    expect(memory.filteredSearchStats()).toEqual({ nativeFilteredSearches: 5, overFetchedSearches: 0, overFetchCalls: 0, discardedHits: 0 });
  });

  it('addMany takes texts or items, with a default namespace for items that name none', async () => {
    const memory = new MemorySystem({ embedder: new FakeEmbedder() });
    const ids = await memory.addMany(['aaaa', { text: 'aaab', namespace: 'bob', metadata: { pinned: true } }, { text: 'aaac' }], { namespace: 'ann' });
    expect(ids.map((id) => memory.get(id)!.namespace)).toEqual(['ann', 'bob', 'ann']);
    expect((await memory.search('aaaa', { namespace: 'bob', filter: { pinned: true } })).map((r) => r.text)).toEqual(['aaab']);
    await memory.addMany(['zzzz']); // old call
    expect(memory.get('m3')).toEqual({ id: 'm3', text: 'zzzz' });
  });

  it('an update keeps the namespace unless told to move it; a moved or deleted memory leaves its old namespace', async () => {
    const memory = new MemorySystem({ embedder: new FakeEmbedder() });
    const a = await memory.add('aaaa', undefined, { namespace: 'ann' });
    await memory.update(a, 'aaab');
    expect((await memory.search('aaab', { namespace: 'ann' })).map((r) => r.id)).toEqual([a]);
    await memory.update(a, 'aaab', { kind: 'fact' }, { namespace: 'bob' });
    expect(await memory.search('aaab', { namespace: 'ann' })).toEqual([]);
    expect((await memory.search('aaab', { namespace: 'bob', filter: { kind: 'fact' } })).map((r) => r.id)).toEqual([a]);
    await memory.delete(a);
    expect(await memory.search('aaab', { namespace: 'bob' })).toEqual([]);
  });

  it('over an index that cannot filter, over-fetches with growing k, gives the same answers, and counts it', async () => {
    const texts = Array.from({ length: 60 }, (_, i) => `t${i}${'abcdefghij'[i % 10]}${'klmnop'[i % 6]}`);
    const unfiltered = new UnfilteredIndex();
    const slow = new MemorySystem({ embedder: new FakeEmbedder(), index: unfiltered });
    const native = new MemorySystem({ embedder: new FakeEmbedder() });
    for (const [i, text] of texts.entries()) {
      // 'rare' holds 2 memories of 60: the first fetch (4 x topK) cannot find 3 matches, so k grows.
      const namespace = i % 30 === 7 ? 'rare' : `n${i % 3}`;
      await slow.add(text, { even: i % 2 === 0 }, { namespace });
      await native.add(text, { even: i % 2 === 0 }, { namespace });
    }
    for (const options of [{ namespace: 'n1', topK: 3 }, { namespace: 'rare', topK: 3 }, { filter: { even: true }, topK: 4 }]) {
      expect(await slow.search('abk', options)).toEqual(await native.search('abk', options));
    }
    expect(unfiltered.calls).toEqual([12, 12, 48, 60, 16]);
    const stats = slow.filteredSearchStats();
    expect(stats.overFetchedSearches).toBe(3);
    expect(stats.overFetchCalls).toBe(5);
    expect(stats.nativeFilteredSearches).toBe(0);
    expect(stats.discardedHits).toBeGreaterThan(0);
    expect(native.filteredSearchStats().nativeFilteredSearches).toBe(3);
  });
});


/**
 * Forwards to an index and keeps, for each search call, a copy of what was stored at that moment (a synchronous
 * index: the memory stores a record in the same tick its vector goes in), so a caller's answer can be checked
 * against the exact filtered answer at the moment its search took effect.
 */
class SnapshotIndex implements VectorIndex {
  readonly entries = new Map<string, { vector: ArrayLike<number>; attributes?: EntryAttributes }>();
  readonly snapshots = new Map<string, Map<string, { vector: ArrayLike<number>; attributes?: EntryAttributes }>>();
  constructor(
    private readonly inner: NaiveIndex | FlatIndex,
    readonly filtering: 'native' | undefined,
  ) {}
  get dimensions() {
    return this.inner.dimensions;
  }
  get size() {
    return this.inner.size;
  }
  add(id: string, vector: ArrayLike<number>, attributes?: EntryAttributes) {
    this.inner.add(id, vector, attributes);
    this.entries.set(id, { vector: Array.from(vector), attributes });
  }
  remove(id: string) {
    this.entries.delete(id);
    return this.inner.remove(id);
  }
  search(vector: ArrayLike<number>, k: number, filter?: SearchFilter): SearchHit[] {
    this.snapshots.set(Array.from(vector).join(','), new Map(this.entries));
    return this.inner.search(vector, k, this.filtering ? filter : undefined);
  }
  memoryBytes() {
    return this.inner.memoryBytes();
  }
}

describe('MemorySystem filtered search under concurrent interleaved adds and searches in different namespaces', () => {
  const variants = [
    { name: 'NaiveIndex (native)', make: () => new SnapshotIndex(new NaiveIndex(), 'native'), tolerance: 0 },
    { name: 'FlatIndex (native)', make: () => new SnapshotIndex(new FlatIndex({ initialCapacity: 4 }), 'native'), tolerance: 1e-6 },
    { name: 'an index that cannot filter (over-fetch)', make: () => new SnapshotIndex(new NaiveIndex(), undefined), tolerance: 0 },
  ];
  for (const variant of variants) {
    for (const seed of [1, 2, 3]) {
      it(`${variant.name}, seed ${seed}: each caller gets the exact answer of its own namespace at the moment it searched`, async () => {
        const rng = createRng(seed);
        const embedder = new ScheduledEmbedder(16);
        const index = variant.make();
        const memory = new MemorySystem({ embedder, index });
        const users = ['ann', 'bob', 'cy', 'dee'];
        const calls: Array<Promise<void>> = [];
        let searches = 0;
        let checked = 0;
        for (let op = 0; op < 120; op++) {
          const user = users[rng.int(0, users.length - 1)];
          if (rng.next() < 0.6) {
            calls.push(memory.add(`memory ${op} of ${user}`, { turn: op % 3 }, { namespace: user }).then(() => undefined));
          } else {
            const query = `query ${op} by ${user}`;
            const filter = rng.next() < 0.3 ? { turn: 1 } : undefined;
            const topK = rng.int(1, 6);
            searches++;
            calls.push(
              memory.search(query, { namespace: user, filter, topK }).then((results) => {
                const vector = stressVector(query, embedder.dimensions);
                const snapshot = index.snapshots.get(vector.join(','))!;
                const wanted: SearchFilter = { namespace: user, metadata: filter };
                const expected: SearchHit[] = [];
                for (const [id, e] of snapshot) if (matchesSearchFilter(e.attributes, wanted)) expected.push({ id, score: cosine(vector, e.vector) });
                expected.sort(compareHits);
                expect(results.map((r) => r.id)).toEqual(expected.slice(0, topK).map((h) => h.id));
                for (const [i, r] of results.entries()) {
                  expect(r.namespace).toBe(user);
                  expect(Math.abs(r.score - expected[i].score)).toBeLessThanOrEqual(variant.tolerance);
                }
                checked++;
              }),
            );
          }
          // Resolve some pending embeddings, in a drawn order, between issuing operations.
          while (embedder.pending.length > 0 && rng.next() < 0.5) {
            embedder.release(rng.int(0, embedder.pending.length - 1));
            await Promise.resolve();
          }
        }
        while (embedder.pending.length > 0) {
          embedder.release(rng.int(0, embedder.pending.length - 1));
          await Promise.resolve();
        }
        await Promise.all(calls);
        expect(searches).toBeGreaterThan(20);
        expect(checked).toBe(searches);
        expect(memory.size).toBe(index.size);
        const stats = memory.filteredSearchStats();
        expect(variant.make().filtering ? stats.nativeFilteredSearches : stats.overFetchedSearches).toBe(searches);
      });
    }
  }
});
