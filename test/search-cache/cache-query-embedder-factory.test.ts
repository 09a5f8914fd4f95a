import { describe, expect, it } from 'vitest';
import { MemorySystem } from '../../src/memory/memory-system.ts';
import { cacheParamsSchema, createCache } from '../../src/parts/registry.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { FakeEmbedder } from '../support/fake-embedder.ts';

/** createCache's queryEmbedderFactory: the embedder queries go to, behind normalization and the query cache. */
describe('createCache with a query embedder factory', () => {
  for (const cache of ['search-cache', 'none'] as const) {
    it(`${cache}: sends normalized queries to the factory's embedder, never to the API embedder`, async () => {
      const api = new FakeEmbedder();
      const queries = new FakeEmbedder();
      const seen: string[] = [];
      const wrapped = Object.assign(Object.create(queries) as FakeEmbedder, {
        embed: (text: string) => (seen.push(text), queries.embed(text)),
      });
      const index = new NaiveIndex();
      let memory: MemorySystem | undefined;
      const made = await createCache(cacheParamsSchema.parse({ cache }), {
        embedder: api,
        index,
        record: (id) => memory?.get(id),
        normalization: { caseFold: true },
        queryEmbedderFactory: (given) => {
          expect(given).toBe(api);
          return wrapped;
        },
      });
      const stored = new FakeEmbedder();
      memory = new MemorySystem({ embedder: stored, queryEmbedder: made.queryEmbedder, index, cache: made.cache });
      await memory.add('abc');
      const first = await memory.search('  ABC ');
      await memory.add('xyz'); // changes the result (fewer than 5 before): recomputed, its query vector from the query cache
      const second = await memory.search('abc');
      expect(first[0].text).toBe('abc');
      expect(second.map((r) => r.text)).toEqual(['abc', 'xyz']);
      expect(api.calls).toBe(0);
      // The query cache (search-cache) embeds 'abc' once; without a cache every search does.
      expect(seen).toEqual(cache === 'search-cache' ? ['abc'] : ['abc', 'abc']);
    });
  }
});
