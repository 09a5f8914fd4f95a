import { describe, expect, it } from 'vitest';
import { MemorySystem } from '../../src/memory/memory-system.ts';
import type { MemoryResult, VectorIndex } from '../../src/memory/types.ts';
import { HybridIndex } from '../../src/parts/text-index/hybrid-index.ts';
import { KeywordIndex } from '../../src/parts/text-index/keyword-index.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { createRng } from '../../src/util/rng.ts';
import { GatedEmbedder } from '../support/cache-fakes.ts';

/**
 * Interleaved users: adds, updates, deletes and searches are all called at once, and their embeddings resolve in a
 * seeded random order, so writes take effect between other callers' searches. Every memory carries a token of its
 * own (tokN), and a search asks for one token, so the one right answer of each search is known from what had taken
 * effect when it was called and when it returned.
 */
async function interleave(makeIndex: () => VectorIndex, seed: number) {
  const rng = createRng(seed);
  const embedder = new GatedEmbedder();
  const index = checkedIndex(makeIndex());
  const memory = new MemorySystem({ embedder, index });
  const users = ['u1', 'u2', 'u3', 'u4'];
  /** Committed memories: id -> { user, token } (the current text's token); deleted ids removed. */
  const live = new Map<string, { user: string; token: string }>();
  const checks: Array<() => void> = [];
  const decided = { found: 0, gone: 0, otherUser: 0 };
  const calls: Promise<unknown>[] = [];
  let nextToken = 0;
  for (let op = 0; op < 120; op++) {
    const user = rng.pick(users);
    const mine = [...live].filter(([, m]) => m.user === user);
    const r = rng.next();
    if (r < 0.45 || mine.length === 0) {
      const token = `tok${nextToken++}`;
      calls.push(memory.add(`${user} remembers ${token} today`, undefined, { namespace: user }).then((id) => void live.set(id, { user, token })));
    } else if (r < 0.6) {
      const [id] = rng.pick(mine);
      const token = `tok${nextToken++}`;
      calls.push(memory.update(id, `${user} now remembers ${token} instead`).then(() => void (live.has(id) && live.set(id, { user, token }))).catch(() => undefined));
    } else if (r < 0.7) {
      const [id] = rng.pick(mine);
      calls.push(memory.delete(id).then(() => void live.delete(id)));
    } else {
      // Ask for one of this user's tokens, or (one time in four) another user's: the other user's must never come back.
      const pool = rng.next() < 0.25 ? [...live].filter(([, m]) => m.user !== user) : mine;
      if (pool.length === 0) continue;
      const [askedId, { token, user: owner }] = rng.pick(pool);
      const atCall = live.get(askedId)?.token === token;
      calls.push(
        memory.search(`where is ${token}`, { namespace: user, topK: 5 }).then((results: MemoryResult[]) => {
          const atReturn = live.get(askedId)?.token === token;
          checks.push(() => {
            expect(results.every((m) => m.namespace === user), `search by ${user} returned another user's memory`).toBe(true);
            const found = results.filter((m) => m.text.split(' ').includes(token));
            if (owner !== user) {
              decided.otherUser++;
              expect(found).toEqual([]);
            } else if (atCall && atReturn) {
              // Present at call and return: found; gone at both (deleted or updated away): never served.
              decided.found++;
              expect(found.map((m) => m.id)).toEqual([askedId]);
            } else if (!atCall && !atReturn) {
              decided.gone++;
              expect(found).toEqual([]);
            }
          });
        }),
      );
    }
    // Let a few pending embeddings through between calls, in a seeded order.
    for (let n = rng.int(0, 2); n > 0 && embedder.pending > 0; n--) await embedder.release(rng.pick(embedder.pendingTexts));
  }
  while (embedder.pending > 0) await embedder.release(rng.pick(embedder.pendingTexts));
  await Promise.all(calls);
  for (const check of checks) check();
  expect(decided.found, JSON.stringify(decided)).toBeGreaterThan(5);
  expect(decided.otherUser + decided.gone, JSON.stringify(decided)).toBeGreaterThan(3);
  // MemorySystem drops hits outside the search's namespace itself; the index must not have sent any.
  expect(index.violations).toEqual([]);
  expect(memory.index.size).toBe(live.size);
  expect(memory.size).toBe(live.size);
  return memory;
}

/**
 * The index as MemorySystem sees it, checking every answer against what it was told: no hit outside the search's
 * namespace, and (keyword ranking) no hit whose current text lacks every query term (a stale posting).
 */
function checkedIndex(inner: VectorIndex): VectorIndex & { violations: string[] } {
  const told = new Map<string, { namespace?: string; text?: string }>();
  const violations: string[] = [];
  const keywordOnly = inner instanceof KeywordIndex;
  return {
    violations,
    filtering: inner.filtering,
    usesText: inner.usesText,
    get dimensions() {
      return inner.dimensions;
    },
    get size() {
      return inner.size;
    },
    add(id, vector, attributes) {
      told.set(id, { namespace: attributes?.namespace, text: attributes?.text });
      return inner.add(id, vector, attributes);
    },
    remove(id) {
      told.delete(id);
      return inner.remove(id);
    },
    search(vector, k, filter, queryText) {
      const hits = inner.search(vector, k, filter, queryText) as ReturnType<KeywordIndex['search']>;
      const terms = (queryText ?? '').toLowerCase().split(' ');
      for (const hit of hits) {
        const entry = told.get(hit.id);
        if (filter?.namespace !== undefined && entry?.namespace !== filter.namespace) violations.push(`${hit.id} of ${entry?.namespace} for ${filter.namespace}`);
        if (keywordOnly && !terms.some((t) => entry?.text?.toLowerCase().split(' ').includes(t))) violations.push(`${hit.id} stale for '${queryText}'`);
      }
      return hits;
    },
    memoryBytes: () => inner.memoryBytes(),
  };
}

describe('text-aware indexes under interleaved users', () => {
  for (const [name, makeIndex] of [
    ['keyword', () => new KeywordIndex()],
    ['hybrid', () => new HybridIndex({ vector: new NaiveIndex() })],
  ] as const) {
    it(`${name}: each search gets its own user's current memories, never another's or a replaced one`, async () => {
      for (const seed of [1, 2, 3]) await interleave(makeIndex, seed);
    });
  }

  it('the checks fail when the index leaks users (a keyword index that ignores the namespace)', async () => {
    class LeakyKeywordIndex extends KeywordIndex {
      override search(vector: ArrayLike<number>, k: number, _filter?: unknown, queryText?: string) {
        return super.search(vector, k, undefined, queryText);
      }
    }
    await expect(interleave(() => new LeakyKeywordIndex(), 1)).rejects.toThrow();
  });
});
