import { describe, expect, it } from 'vitest';
import { cosine } from '../../src/memory/reference.mjs';
import { createCachedMemory } from '../../src/parts/search-cache/cached-memory.ts';
import { FlatIndex } from '../../src/parts/vector-index/flat-index.ts';
import { FakeEmbedder, letterVector } from '../support/fake-embedder.ts';

describe('targeted invalidation over an index that scores in float32 (FlatIndex)', () => {
  it('drops a result that a new memory tying its last item (by the index) changes, though the reference cosine is lower', async () => {
    const index = new FlatIndex();
    const { memory, cache } = createCachedMemory({ embedder: new FakeEmbedder(), index, cache: { invalidation: 'targeted' } });
    await memory.add('xyz', undefined, { namespace: 'alice' }); // m0
    await memory.add('aabbc', undefined, { namespace: 'alice' }); // m1
    const before = await memory.search('ab', { namespace: 'alice', topK: 1 });
    expect(before.map((r) => r.id)).toEqual(['m1']);
    // The premise: FlatIndex's float32 score of 'aabbc' for 'ab' is above the reference cosine of its stored vector
    // by more than the default margin (1e-9), so the cosine alone would say m0's new version does not reach m1.
    expect(before[0].score - cosine(letterVector('ab'), index.get('m1')!)).toBeGreaterThan(1e-9);

    // m0 becomes m1's twin: the same score, and the smaller id wins the tie.
    await memory.update('m0', 'aabbc');
    const uncached = await memory.searchUncached('ab', { namespace: 'alice', topK: 1 });
    expect(uncached.map((r) => r.id)).toEqual(['m0']);
    expect(cache.peek('ab', { namespace: 'alice', topK: 1 })).toBeUndefined();
    expect((await memory.search('ab', { namespace: 'alice', topK: 1 })).map((r) => r.id)).toEqual(['m0']);
  });
});
