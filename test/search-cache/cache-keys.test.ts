import { describe, expect, it } from 'vitest';
import { canonicalKey, canonicalOptions, normalizeQuery, parseKey, stableStringify } from '../../src/parts/search-cache/keys.ts';
import { SearchCache } from '../../src/parts/search-cache/search-cache.ts';

describe('canonical cache keys', () => {
  it('makes option key order irrelevant: {topK, filter} and {filter, topK} are one key', () => {
    const a = canonicalKey('trip', { topK: 5, filter: { user: 'x', topic: 'travel' } });
    const b = canonicalKey('trip', { filter: { topic: 'travel', user: 'x' }, topK: 5 });
    expect(a).toBe(b);
  });

  it('applies defaults: {}, undefined, {topK: 5} and an empty filter are one key', () => {
    const keys = new Set([
      canonicalKey('q', {}),
      canonicalKey('q', undefined),
      canonicalKey('q', { topK: 5 }),
      canonicalKey('q', { filter: {} }),
      canonicalKey('q', { topK: 5, filter: {} }),
    ]);
    expect(keys.size).toBe(1);
    expect(canonicalKey('q', { topK: 6 })).not.toBe(canonicalKey('q', {}));
  });

  it('keeps different filters and different filter values apart', () => {
    expect(canonicalKey('q', { filter: { a: 1 } })).not.toBe(canonicalKey('q', { filter: { a: '1' } }));
    expect(canonicalKey('q', { filter: { a: 1 } })).not.toBe(canonicalKey('q', { filter: { b: 1 } }));
    expect(canonicalKey('q', { filter: { a: true } })).not.toBe(canonicalKey('q', {}));
  });

  it('normalizes the query: NFC, trimmed, inner whitespace collapsed', () => {
    expect(normalizeQuery('  paris \t trip\n')).toBe('paris trip');
    expect(normalizeQuery('caf\u0065\u0301')).toBe('caf\u00e9'); // e + combining acute -> é
    expect(normalizeQuery('a\u00a0\u2003b')).toBe('a b'); // Unicode spaces count as whitespace
    expect(normalizeQuery('already clean')).toBe('already clean');
  });

  it('folds case only when asked', () => {
    expect(normalizeQuery('Paris Trip')).toBe('Paris Trip');
    expect(normalizeQuery('  Paris   TRIP ', { caseFold: true })).toBe('paris trip');
    expect(canonicalKey('Paris', {}, { caseFold: true })).toBe(canonicalKey('paris', {}, { caseFold: true }));
    expect(canonicalKey('Paris', {})).not.toBe(canonicalKey('paris', {}));
  });

  it('cannot be confused by line breaks or JSON in the query text', () => {
    const key = canonicalKey('{"topK":5}\nq', {});
    const parsed = parseKey(key);
    expect(parsed.optionsJson).toBe('{"topK":5}');
    expect(parsed.query).toBe('{"topK":5} q');
  });

  it('sorts keys at every depth and handles options it does not know', () => {
    expect(stableStringify({ b: { d: 1, c: [2, { f: 1, e: 0 }] }, a: undefined })).toBe('{"b":{"c":[2,{"e":0,"f":1}],"d":1}}');
    const extra = { topK: 3, rerank: { model: 'x', depth: 2 } } as unknown as Parameters<typeof canonicalOptions>[0];
    const extraReordered = { rerank: { depth: 2, model: 'x' }, topK: 3 } as unknown as Parameters<typeof canonicalOptions>[0];
    expect(canonicalOptions(extra)).toBe(canonicalOptions(extraReordered));
    expect(() => stableStringify({ f: () => 1 })).toThrow(TypeError);
  });

  it('keys the namespace: one query in two namespaces is two keys, no namespace is a third, order is irrelevant', () => {
    const a = canonicalKey('trip', { namespace: 'alice', topK: 5, filter: { t: 1 } });
    const a2 = canonicalKey('trip', { filter: { t: 1 }, topK: 5, namespace: 'alice' });
    const b = canonicalKey('trip', { namespace: 'bob', topK: 5, filter: { t: 1 } });
    const none = canonicalKey('trip', { topK: 5, filter: { t: 1 } });
    expect(a).toBe(a2);
    expect(new Set([a, b, none]).size).toBe(3);
    expect(canonicalOptions({ namespace: 'alice' })).toBe('{"namespace":"alice","topK":5}');
    // An absent namespace is no namespace; the empty string is a namespace.
    expect(canonicalOptions({ namespace: undefined })).toBe(canonicalOptions({}));
    expect(canonicalOptions({ namespace: '' })).not.toBe(canonicalOptions({}));
    // A namespace cannot smuggle a key part: it is JSON-escaped.
    expect(canonicalOptions({ namespace: 'a","topK":9,"x":"' })).toBe('{"namespace":"a\\",\\"topK\\":9,\\"x\\":\\"","topK":5}');
  });

  it('lets the cache serve near-duplicates and reordered options from one entry', async () => {
    const cache = new SearchCache({ normalization: { caseFold: true } });
    let computations = 0;
    const compute = async () => {
      computations++;
      return [{ id: 'm0', text: 'x', score: 1 }];
    };
    await cache.getOrCompute('Paris trip', { topK: 5, filter: { u: 'a' } }, 0, compute);
    await cache.getOrCompute('  paris   TRIP', { filter: { u: 'a' }, topK: 5 }, 0, compute);
    await cache.getOrCompute('paris trip', { filter: { u: 'a' } }, 0, compute);
    expect(computations).toBe(1);
    expect(cache.stats()).toMatchObject({ lookups: 3, hits: 2, misses: 1 });
  });
});
