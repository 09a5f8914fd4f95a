import { describe, expect, it } from 'vitest';
import { MemorySystem } from '../../src/memory/memory-system.ts';
import { createIndex, indexParamsSchema } from '../../src/parts/registry.ts';
import { KeywordIndex } from '../../src/parts/text-index/keyword-index.ts';
import { FakeEmbedder } from '../support/fake-embedder.ts';

const NO_VECTOR = [0];

/** BM25+ of one term in one document, as MiniSearch defines it (k 1.2, b 0.7, δ 0.5). */
function bm25Plus(tf: number, df: number, n: number, length: number, avgLength: number): number {
  const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
  return idf * (0.5 + (tf * 2.2) / (tf + 1.2 * (1 - 0.7 + (0.7 * length) / avgLength)));
}

function keywordMemory() {
  return new MemorySystem({ embedder: new FakeEmbedder(), index: new KeywordIndex() });
}

describe('KeywordIndex (BM25+ over memory texts)', () => {
  it('ranks the memory sharing the query\'s rare keyword first, and returns none that share no term', async () => {
    const memory = keywordMemory();
    await memory.add('The user prefers green tea in the morning', undefined, { namespace: 'u' });
    await memory.add('The user moved to Lisbon last spring', undefined, { namespace: 'u' });
    await memory.add('The user drives to the office on Mondays', undefined, { namespace: 'u' });
    const results = await memory.search('which city is Lisbon', { namespace: 'u', topK: 3 });
    expect(results.map((r) => r.text)).toEqual(['The user moved to Lisbon last spring']);
    expect(await memory.search('xylophone', { namespace: 'u' })).toEqual([]);
  });

  it('scores plain BM25+: the sum over query terms, equal to the formula computed by hand', () => {
    const index = new KeywordIndex();
    index.add('a', NO_VECTOR, { text: 'red apple pie' });
    index.add('b', NO_VECTOR, { text: 'green apple' });
    index.add('c', NO_VECTOR, { text: 'red car' });
    // n 3, average length 7/3; "red" in a and c, "apple" in a and b.
    const avg = 7 / 3;
    const a = bm25Plus(1, 2, 3, 3, avg) + bm25Plus(1, 2, 3, 3, avg);
    const b = bm25Plus(1, 2, 3, 2, avg);
    const c = bm25Plus(1, 2, 3, 2, avg);
    const hits = index.search(NO_VECTOR, 3, undefined, 'red apple');
    expect(hits.map((h) => h.id)).toEqual(['a', 'b', 'c']); // b and c tie: ids ascending
    expect(hits[0].score).toBeCloseTo(a, 12);
    expect(hits[1].score).toBeCloseTo(b, 12);
    expect(hits[2].score).toBeCloseTo(c, 12);
  });

  it('makes deletes and updates visible to the next search, with exact statistics', async () => {
    const memory = keywordMemory();
    const berlin = await memory.add('The user lives in Berlin', undefined, { namespace: 'u' });
    await memory.add('The user likes Berlin techno', undefined, { namespace: 'u' });
    expect((await memory.search('Berlin', { namespace: 'u' })).map((r) => r.id)).toContain(berlin);
    await memory.update(berlin, 'The user lives in Paris');
    const afterUpdate = await memory.search('lives in Berlin', { namespace: 'u' });
    expect(afterUpdate.find((r) => r.id === berlin)?.text).not.toContain('Berlin');
    expect((await memory.search('Paris', { namespace: 'u' })).map((r) => r.id)).toEqual([berlin]);
    await memory.delete(berlin);
    expect((await memory.search('Paris', { namespace: 'u' })).map((r) => r.id)).toEqual([]);
    // After the writes, the scores equal those of an index that only ever saw the surviving text.
    const fresh = new KeywordIndex();
    fresh.add('m1', NO_VECTOR, { namespace: 'u', text: 'The user likes Berlin techno' });
    expect(memory.index.search(NO_VECTOR, 5, { namespace: 'u' }, 'Berlin techno')).toEqual(fresh.search(NO_VECTOR, 5, { namespace: 'u' }, 'Berlin techno'));
    expect(memory.index.size).toBe(1);
  });

  it('never returns another user\'s memory, with or without a metadata filter', async () => {
    const memory = keywordMemory();
    for (const user of ['ann', 'bob', 'cy']) {
      await memory.add(`${user} keeps a dog named Biscuit`, { kind: 'fact' }, { namespace: user });
      await memory.add(`${user} said the dog Biscuit likes walks`, { kind: 'note' }, { namespace: user });
    }
    for (const user of ['ann', 'bob', 'cy']) {
      const all = await memory.search('dog Biscuit', { namespace: user, topK: 10 });
      expect(all).toHaveLength(2);
      expect(all.every((r) => r.namespace === user)).toBe(true);
      const facts = await memory.search('dog Biscuit', { namespace: user, topK: 10, filter: { kind: 'fact' } });
      expect(facts.map((r) => r.text)).toEqual([`${user} keeps a dog named Biscuit`]);
    }
    expect(await memory.search('dog', { namespace: 'nobody' })).toEqual([]);
    expect(memory.filteredSearchStats().overFetchedSearches).toBe(0);
  });

  it('refuses an entry without its text, and a targeted search cache', async () => {
    expect(() => new KeywordIndex().add('x', NO_VECTOR, { namespace: 'u' })).toThrow(/attributes\.text/);
    const { buildMemory } = await import('../../src/parts/pipeline.ts');
    const client = {} as never;
    await expect(buildMemory({ embedder: () => new FakeEmbedder(), cache: { cache: 'search-cache', invalidation: 'targeted' }, index: { index: 'keyword' } }, { client, model: 'm' })).rejects.toThrow(/ranks by text/);
  });

  it('is registered as kind keyword with BM25 params', async () => {
    const params = indexParamsSchema.parse({ index: 'keyword', bm25: { b: 0.75 } });
    expect(params).toEqual({ index: 'keyword', bm25: { k: 1.2, b: 0.75, d: 0.5 } });
    const index = await createIndex(params);
    expect(index.describe?.()).toMatchObject({ kind: 'keyword', settings: { k: 1.2, b: 0.75, d: 0.5 } });
    expect(() => indexParamsSchema.parse({ index: 'keyword', bm25: { b: 2 } })).toThrow();
  });
});
