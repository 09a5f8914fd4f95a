import { describe, expect, it } from 'vitest';
import { OptionError } from '../../src/errors.ts';
import { cosine } from '../../src/memory/reference.mjs';
import type { Embedder, EmbedderStats, Embedding } from '../../src/memory/types.ts';
import { createCachedMemory } from '../../src/parts/search-cache/cached-memory.ts';
import { PgVectorIndex } from '../../src/parts/vector-store/pgvector-index.ts';
import { pgvectorScoreMargin } from '../../src/parts/vector-store/score-margin.ts';
import { createRng } from '../../src/util/rng.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';
import { useInProcessPglite } from '../support/pglite.ts';

// One PGlite for the file; each test uses tables of its own.
const pglite = useInProcessPglite();

/** Texts are names of vectors the test chose (so it can add exact copies and near-copies of a result's vector). */
class TableEmbedder implements Embedder {
  readonly model = 'table';
  readonly dimensions: number;
  readonly vectors = new Map<string, number[]>();
  constructor(dimensions: number) {
    this.dimensions = dimensions;
  }
  async embed(text: string): Promise<Embedding> {
    const v = this.vectors.get(text);
    if (!v) throw new Error(`no vector named '${text}'`);
    return v;
  }
  embedMany(texts: readonly string[]): Promise<Embedding[]> {
    return Promise.all(texts.map((t) => this.embed(t)));
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  stats(): EmbedderStats {
    return { textsRequested: 0, requestsSent: 0, retries: 0, failedRequests: 0, inputsSent: 0, peakQueueLength: 0 };
  }
}

describe("targeted invalidation in front of PgVectorIndex (the write event's vector, pgvector's float32 scores)", () => {
  it('states a score margin that bounds |pgvector score - reference cosine| (measured at 128 and 1,536 dimensions)', async () => {
    for (const [dims, count] of [[128, 400], [1536, 120]] as const) {
      const pg = await PgVectorIndex.open({ client: pglite().client, dimensions: dims, table: `margin_${dims}`, reset: true });
      const vectors = syntheticEmbeddings({ count, dims, seed: dims }).map((v) => Array.from(v));
      await pg.addMany(vectors.map((v, i) => [`v${i}`, v] as const));
      let worst = 0;
      for (const q of syntheticEmbeddings({ count: 6, dims, seed: dims + 1 })) {
        for (const hit of await pg.search(q, count)) {
          worst = Math.max(worst, Math.abs(hit.score - cosine(q, vectors[Number(hit.id.slice(1))])));
        }
      }
      expect(pg.scoreTolerance).toBe(pgvectorScoreMargin(dims, 'vector'));
      expect(worst).toBeGreaterThan(0); // pgvector's scores do differ from the reference: a margin of 0 would not do
      expect(worst).toBeLessThanOrEqual(pg.scoreTolerance!);
      await pg.drop();
    }
  }, 240_000);

  /**
   * Adds exact copies of a cached result's last vector (a tie: pgvector breaks it by id, and 'm1x' sorts before
   * 'm2'), near-copies a float32 step away, updates and deletes of result members, and unrelated vectors; after
   * every write each query's cached answer must equal an uncached search of the same table, ids and scores.
   */
  async function adversarialWrites(scoreMargin: number | undefined, seed: number) {
    const dims = 64;
    const embedder = new TableEmbedder(dims);
    const base = syntheticEmbeddings({ count: 80, dims, seed }).map((v) => Array.from(v));
    const queries = syntheticEmbeddings({ count: 6, dims, seed: seed + 1 }).map((v) => Array.from(v));
    base.forEach((v, i) => embedder.vectors.set(`b${i}`, v));
    queries.forEach((v, i) => embedder.vectors.set(`q${i}`, v));
    const index = await PgVectorIndex.open({ client: pglite().client, dimensions: dims, table: `targeted_${seed}`, reset: true });
    const { memory, cache } = createCachedMemory({
      embedder,
      index,
      cache: { invalidation: 'targeted', ...(scoreMargin !== undefined ? { scoreMargin } : {}) },
    });
    for (let i = 0; i < base.length; i++) await memory.add(`b${i}`);
    const rng = createRng(seed);
    let stale = 0;
    let kept = 0;
    let made = 0;
    const check = async () => {
      for (let i = 0; i < queries.length; i++) {
        const cachedBefore = cache.peek(`q${i}`, { topK: 5 });
        const served = await memory.search(`q${i}`, { topK: 5 });
        const fresh = await memory.searchUncached(`q${i}`, { topK: 5 });
        if (cachedBefore === served) kept++;
        const same = served.length === fresh.length && served.every((r, k) => r.id === fresh[k].id && Math.abs(r.score - fresh[k].score) <= 1e-6);
        if (!same) stale++;
      }
    };
    await check();
    for (let step = 0; step < 40; step++) {
      const q = rng.int(0, queries.length - 1);
      const result = await memory.search(`q${q}`, { topK: 5 });
      const last = result[result.length - 1];
      const lastVector = embedder.vectors.get(memory.get(last.id)!.text)!;
      const kind = rng.int(0, 4);
      const name = `w${made++}`;
      if (kind === 0) embedder.vectors.set(name, [...lastVector]);
      else if (kind === 1) {
        // One component moved by about a float32 step: a score a hair above or below the last.
        const v = [...lastVector];
        const j = rng.int(0, dims - 1);
        v[j] += (rng.next() < 0.5 ? -1 : 1) * Math.abs(v[j]) * 2 ** -22;
        embedder.vectors.set(name, v);
      } else embedder.vectors.set(name, Array.from(syntheticEmbeddings({ count: 1, dims, seed: seed * 1000 + step })[0]));
      if (kind === 3) await memory.update(result[rng.int(0, result.length - 1)].id, name);
      else if (kind === 4 && rng.next() < 0.5) await memory.delete(result[0].id);
      else await memory.add(name);
      await check();
    }
    await index.drop();
    return { stale, kept, invalidations: cache.stats().invalidations };
  }

  it('never keeps a changed result under ties and near-ties, and still keeps the entries writes cannot change', async () => {
    for (const seed of [3, 4]) {
      const { stale, kept, invalidations } = await adversarialWrites(undefined, seed);
      expect(stale).toBe(0);
      expect(invalidations).toBeGreaterThan(0);
      expect(kept).toBeGreaterThan(0); // targeted: not every write drops every entry
    }
  }, 240_000);

  it('with a margin of 0 the same writes do serve changed results (the check above can fail)', async () => {
    let stale = 0;
    for (const seed of [3, 4]) stale += (await adversarialWrites(0, seed)).stale;
    expect(stale).toBeGreaterThan(0);
  }, 240_000);

  it("refuses targeted invalidation for an approximate pgvector search (HNSW): use 'generation'", async () => {
    const index = await PgVectorIndex.open({ client: pglite().client, dimensions: 8, table: 'targeted_hnsw', reset: true, index: { kind: 'hnsw' } });
    expect(index.scoreTolerance).toBeUndefined();
    expect(() => createCachedMemory({ embedder: new TableEmbedder(8), index, cache: { invalidation: 'targeted' } })).toThrow(OptionError);
    expect(() => createCachedMemory({ embedder: new TableEmbedder(8), index, cache: { invalidation: 'generation' } })).not.toThrow();
    await index.drop();
  }, 120_000);
});
