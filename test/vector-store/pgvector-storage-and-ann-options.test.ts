import { describe, expect, it } from 'vitest';
import { FlatIndex } from '../../src/parts/vector-index/flat-index.ts';
import { recallAtK } from '../../src/parts/vector-index/recall.ts';
import { PgVectorIndex, type PgVectorIndexOptions } from '../../src/parts/vector-store/pgvector-index.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';
import { expectSameRanking } from '../support/same-ranking.ts';
import { useInProcessPglite } from '../support/pglite.ts';

const DIMS = 64;
const vectors = syntheticEmbeddings({ count: 2000, dims: DIMS, seed: 51, rotate: true });
const queries = syntheticEmbeddings({ count: 20, dims: DIMS, seed: 52, rotate: true });
const flat = new FlatIndex();
flat.addMany(vectors.map((v, i) => [`v${i}`, v] as const));
const exact = queries.map((q) => flat.search(q, 10));

const pglite = useInProcessPglite();

async function build(table: string, options: Partial<PgVectorIndexOptions>) {
  const index = await PgVectorIndex.open({ client: pglite().client, dimensions: DIMS, table, reset: true, ...options });
  await index.addMany(vectors.map((v, i) => [`v${i}`, v] as const));
  await index.buildIndex();
  const results = [];
  for (const q of queries) results.push(await index.search(q, 10));
  return { index, results, recall: recallAtK(results, exact, 10) };
}

// Recall thresholds are counters on fixed seeds (2,000 x 64, 20 queries), set below what each option measures so
// a regression (a wrong operator class, a missing re-rank, parameters not applied) fails them.
describe('PgVectorIndex storage and ANN options', () => {
  it('halfvec: same top 10 up to half-precision ties, scores within 2e-3, and a smaller table than vector', async () => {
    const full = await build('opt_vector', {});
    const half = await build('opt_halfvec', { storage: 'halfvec' });
    expect(half.recall).toBeGreaterThanOrEqual(0.97);
    half.results.forEach((hits, i) => hits.forEach((h, j) => expect(Math.abs(h.score - exact[i][j].score)).toBeLessThan(2e-3)));
    await full.index.memoryBytes();
    await half.index.memoryBytes();
    expect(half.index.stats().pgTableBytes).toBeLessThan(full.index.stats().pgTableBytes);
  }, 120_000);

  it('binary codes, exact Hamming scan: the same rows as a JavaScript reference, re-ranked to exact scores', async () => {
    const bin = await build('opt_binary', { storage: 'binary', rerankFactor: 10 });
    const bits = (v: ArrayLike<number>): number[] => Array.from(v, (x) => (x > 0 ? 1 : 0));
    const codes = vectors.map(bits);
    queries.forEach((q, i) => {
      const qb = bits(q);
      // binary_quantize: 1 where > 0; candidates by Hamming distance then id; re-ranked by cosine then id
      const candidates = codes
        .map((c, r) => ({ id: `v${r}`, hamming: c.reduce((n, b, j) => n + (b !== qb[j] ? 1 : 0), 0) }))
        .sort((a, b) => a.hamming - b.hamming || (a.id < b.id ? -1 : 1))
        .slice(0, 100);
      const all = new Map(flat.search(q, 2000).map((h) => [h.id, h.score]));
      const reranked = candidates
        .map(({ id }) => ({ id, score: all.get(id)! }))
        .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
        .slice(0, 10);
      expectSameRanking(bin.results[i], reranked, 1e-5);
    });
    const narrow = await build('opt_binary_narrow', { storage: 'binary', rerankFactor: 1 });
    expect(narrow.recall).toBeLessThan(bin.recall);
    const hnswBits = await build('opt_binary_hnsw', { storage: 'binary', index: { kind: 'hnsw' }, search: { efSearch: 200 } });
    expect(hnswBits.results.every((r) => r.length === 10)).toBe(true);
    await hnswBits.index.memoryBytes();
    expect(hnswBits.index.stats().pgAnnIndexBytes).toBeGreaterThan(0);
  }, 180_000);

  it('HNSW: recall rises with ef_search; the index is reported apart from the table', async () => {
    const hnsw = await build('opt_hnsw', { index: { kind: 'hnsw', m: 8, efConstruction: 32 }, search: { efSearch: 10 } });
    hnsw.index.setSearchParams({ efSearch: 200 });
    const wide = [];
    for (const q of queries) wide.push(await hnsw.index.search(q, 10));
    const wideRecall = recallAtK(wide, exact, 10);
    expect(wideRecall).toBeGreaterThanOrEqual(0.95);
    expect(wideRecall).toBeGreaterThanOrEqual(hnsw.recall);
    const total = await hnsw.index.memoryBytes();
    const s = hnsw.index.stats();
    expect(s.pgAnnIndexBytes).toBeGreaterThan(0);
    expect(total).toBeGreaterThanOrEqual(s.pgTableBytes + s.pgAnnIndexBytes);
    expect(s.indexBuildMs).toBeGreaterThan(0);
  }, 180_000);

  it('IVFFlat: recall rises with probes; all lists probed equals exact', async () => {
    const ivf = await build('opt_ivf', { index: { kind: 'ivfflat', lists: 20 }, search: { probes: 1 } });
    ivf.index.setSearchParams({ probes: 20 });
    const all = [];
    for (const q of queries) all.push(await ivf.index.search(q, 10));
    expect(recallAtK(all, exact, 10)).toBe(1);
    expect(ivf.recall).toBeLessThan(1);
  }, 180_000);
});
