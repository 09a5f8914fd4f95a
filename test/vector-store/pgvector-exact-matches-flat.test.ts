import { describe, expect, it } from 'vitest';
import { FlatIndex } from '../../src/parts/vector-index/flat-index.ts';
import { PgVectorIndex } from '../../src/parts/vector-store/pgvector-index.ts';
import type { SearchHit } from '../../src/memory/types.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';
import { expectSameRanking } from '../support/same-ranking.ts';
import { useInProcessPglite } from '../support/pglite.ts';

// pgvector sums cosine in float32; FlatIndex (SIMD) too, in another order: scores agree within this.
const SCORE_TOLERANCE = 1e-5;

const pglite = useInProcessPglite();

async function both(dims: number, count: number, seed: number) {
  const vectors = syntheticEmbeddings({ count, dims, seed });
  const flat = new FlatIndex();
  const pg = await PgVectorIndex.open({ client: pglite().client, dimensions: dims, table: `exact_${dims}`, reset: true });
  const entries = vectors.map((v, i) => [`v${i}`, v] as const);
  flat.addMany(entries);
  await pg.addMany(entries);
  return { flat, pg, queries: syntheticEmbeddings({ count: 12, dims, seed: seed + 1 }) };
}

describe('PgVectorIndex exact search (storage vector, no ANN index)', () => {
  it('returns the same ids as FlatIndex on 2,000 x 64 seeded vectors, scores within 1e-5', async () => {
    const { flat, pg, queries } = await both(64, 2000, 7);
    expect(pg.size).toBe(2000);
    for (const q of queries) expectSameRanking(await pg.search(q, 10), flat.search(q, 10), SCORE_TOLERANCE);
  }, 120_000);

  it('returns the same ids as FlatIndex at 1536 dimensions', async () => {
    const { flat, pg, queries } = await both(1536, 300, 11);
    for (const q of queries.slice(0, 5)) expectSameRanking(await pg.search(q, 10), flat.search(q, 10), SCORE_TOLERANCE);
  }, 120_000);

  it('keeps replacements and removals consistent with FlatIndex, and counts size client-side', async () => {
    const { flat, pg, queries } = await both(64, 200, 21);
    const replacements = syntheticEmbeddings({ count: 30, dims: 64, seed: 99 });
    for (let i = 0; i < 30; i++) {
      flat.add(`v${i * 3}`, replacements[i]);
      await pg.add(`v${i * 3}`, replacements[i]);
    }
    for (let i = 0; i < 20; i++) {
      expect(await pg.remove(`v${i * 7}`)).toBe(flat.remove(`v${i * 7}`));
    }
    expect(await pg.remove('absent')).toBe(false);
    // a repeated id inside one batch keeps its last vector, as sequential adds would
    await pg.addMany([['dup', replacements[0]], ['dup', replacements[1]]]);
    flat.add('dup', replacements[0]);
    flat.add('dup', replacements[1]);
    expect(pg.size).toBe(flat.size);
    for (const q of queries) expectSameRanking(await pg.search(q, 10), flat.search(q, 10), SCORE_TOLERANCE);
  }, 120_000);

  it('answers interleaved callers each with their own ranking', async () => {
    const { flat, pg, queries } = await both(64, 500, 31);
    const answers: SearchHit[][] = await Promise.all(queries.map((q) => pg.search(q, 5)));
    answers.forEach((hits, i) => expectSameRanking(hits, flat.search(queries[i], 5), SCORE_TOLERANCE));
  }, 120_000);
});
