import { describe, expect, it } from 'vitest';
import { CompressedIndex } from '../../src/parts/vector-index/compressed-index.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { exactTopK, recallAtK } from '../../src/parts/vector-index/recall.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';

const DIMS = 48;
// Strongly anisotropic (large shared mean), rotated so the axes are not the coordinates.
const all = syntheticEmbeddings({ count: 460, dims: DIMS, seed: 11, meanWeight: 2, rotate: true });
const stored = all.slice(0, 400);
const queries = all.slice(400);
const ids = stored.map((_, i) => `v${String(i).padStart(3, '0')}`);

function exactScores(query: ArrayLike<number>): Map<string, number> {
  const naive = new NaiveIndex();
  stored.forEach((v, i) => naive.add(ids[i], v));
  return new Map(naive.search(query, stored.length).map((h) => [h.id, h.score]));
}

function build(options: ConstructorParameters<typeof CompressedIndex>[0]): CompressedIndex {
  const index = new CompressedIndex(options);
  index.fit(stored);
  stored.forEach((v, i) => index.add(ids[i], v));
  return index;
}

describe('CompressedIndex projection', () => {
  it('scores equal the exact cosine when no component is dropped', () => {
    const index = build({ components: DIMS });
    for (const query of queries.slice(0, 10)) {
      const exact = exactScores(query);
      for (const hit of index.search(query, stored.length)) expect(hit.score).toBeCloseTo(exact.get(hit.id)!, 5);
    }
  });

  it('scores approximate the exact cosine: the error is the dot product of the residuals the axes miss', () => {
    // q̂ · x̂ = q̂ · μ + (P q̂) · y + q_res · x_res, so |score - cosine| <= |q_res| |x_res| (Cauchy-Schwarz).
    const index = build({ components: 16 });
    const model = index.model!;
    const residual = (v: ArrayLike<number>, centre: boolean): number => {
      const n = Math.hypot(...Array.from(v));
      const x = Array.from(v, (value, j) => value / n - (centre ? model.mean[j] : 0));
      for (let c = 0; c < model.components; c++) {
        let s = 0;
        for (let j = 0; j < DIMS; j++) s += model.axes[c * DIMS + j] * x[j];
        for (let j = 0; j < DIMS; j++) x[j] -= s * model.axes[c * DIMS + j];
      }
      return Math.hypot(...x);
    };
    const storedResidual = new Map(stored.map((v, i) => [ids[i], residual(v, true)]));
    let sumError = 0;
    let hits = 0;
    for (const query of queries) {
      const exact = exactScores(query);
      const queryResidual = residual(query, false);
      for (const hit of index.search(query, 20)) {
        const error = Math.abs(hit.score - exact.get(hit.id)!);
        expect(error).toBeLessThanOrEqual(queryResidual * storedResidual.get(hit.id)! + 1e-5);
        sumError += error;
        hits++;
      }
    }
    expect(sumError / hits).toBeLessThan(0.05);
  });

  it('projects the query uncentred: a centred query would rank by a different quantity', () => {
    // Ranking by P(q - μ) · y subtracts (P μ) · y, which differs per stored vector; with every component kept,
    // our ranking is the exact one while the centred ranking is not.
    const index = build({ components: DIMS });
    const model = index.model!;
    const project = (v: ArrayLike<number>, centre: boolean): Float64Array => {
      const n = Math.hypot(...Array.from(v));
      const out = new Float64Array(model.components);
      for (let c = 0; c < model.components; c++) {
        let s = 0;
        for (let j = 0; j < DIMS; j++) s += model.axes[c * DIMS + j] * (v[j] / n - (centre ? model.mean[j] : 0));
        out[c] = s;
      }
      return out;
    };
    const storedY = stored.map((v) => project(v, true));
    const exact = exactTopK(stored, ids, queries, 10);
    const centredRankings = queries.map((q) => {
      const pq = project(q, true);
      return storedY
        .map((y, i) => ({ id: ids[i], score: y.reduce((s, value, c) => s + value * pq[c], 0) }))
        .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    });
    const ours = queries.map((q) => index.search(q, 10));
    expect(recallAtK(ours, exact, 10)).toBe(1);
    expect(recallAtK(centredRankings, exact, 10)).toBeLessThan(0.9);
  });

  it('keeps recall with int8 codes, and re-rank restores it after a narrow projection', () => {
    const exact = exactTopK(stored, ids, queries, 10);
    const recall = (index: CompressedIndex) => recallAtK(queries.map((q) => index.search(q, 10)), exact, 10);
    const narrow = recall(build({ components: 8 }));
    const float32 = recall(build({ components: 24 }));
    const int8 = recall(build({ components: 24, precision: 'int8' }));
    const reranked = recall(build({ components: 8, rerank: { oversample: 8, precision: 'float32' } }));
    expect(Math.abs(float32 - int8)).toBeLessThan(0.05);
    expect(reranked).toBeGreaterThan(narrow);
    expect(reranked).toBeGreaterThan(0.95);
  });

  it('returns re-ranked scores that are the exact cosine when re-rank keeps float32 vectors', () => {
    const index = build({ components: 8, rerank: { oversample: 4, precision: 'float32' } });
    const exact = exactScores(queries[0]);
    for (const hit of index.search(queries[0], 5)) expect(hit.score).toBeCloseTo(exact.get(hit.id)!, 5);
  });
});

describe('CompressedIndex re-rank through the SIMD kernel (int8 rows of 128 bytes)', () => {
  const WIDE = 128;
  const data = syntheticEmbeddings({ count: 700, dims: WIDE, seed: 5, meanWeight: 2, rotate: true });
  const rows = data.slice(0, 600);
  const asked = data.slice(600);
  const rowIds = rows.map((_, i) => `w${i}`);
  const index = new CompressedIndex({ components: 16, precision: 'int8', rerank: { oversample: 8, precision: 'int8' } });
  index.fit(rows);
  rows.forEach((v, i) => index.add(rowIds[i], v));
  const naive = new NaiveIndex();
  rows.forEach((v, i) => naive.add(rowIds[i], v));

  it('scores each re-ranked hit within int8 rounding of its exact cosine, for shortlists within and beyond the scratch', () => {
    // k 10 -> 80 candidates (the scratch's size, SIMD); k 60 -> 480 (beyond it: scored in JavaScript).
    for (const k of [10, 60]) {
      for (const query of asked.slice(0, 20)) {
        const exact = new Map(naive.search(query, rows.length).map((h) => [h.id, h.score]));
        const hits = index.search(query, k);
        expect(hits).toHaveLength(k);
        for (const hit of hits) expect(Math.abs(hit.score - exact.get(hit.id)!)).toBeLessThan(0.01);
        for (let i = 1; i < hits.length; i++) expect(hits[i - 1].score).toBeGreaterThanOrEqual(hits[i].score);
      }
    }
  });

  it('keeps recall@10 against exact search', () => {
    const exact = exactTopK(rows, rowIds, asked, 10);
    expect(recallAtK(asked.map((q) => index.search(q, 10)), exact, 10)).toBeGreaterThan(0.95);
  });
});

describe('empty and trimmed stores', () => {
  const WIDE = 128;
  const data = syntheticEmbeddings({ count: 80, dims: WIDE, seed: 9 });
  for (const rerank of [{ precision: 'int8' as const }, { precision: 'float32' as const }]) {
    it(`CompressedIndex with ${rerank.precision} re-rank: trimmed to 0 rows, then added to, finds each vector as its own best match`, () => {
      const index = new CompressedIndex({ components: 16, precision: 'int8', rerank, initialCapacity: 4 });
      index.fit(data);
      index.trim();
      data.slice(0, 5).forEach((v, i) => index.add(`t${i}`, v));
      for (let i = 0; i < 5; i++) {
        const [best] = index.search(data[i], 1);
        expect(best.id).toBe(`t${i}`);
        expect(best.score).toBeGreaterThan(0.98);
      }
    });
  }

  it('keeps memoryBytes() unchanged by a search whose shortlist exceeds the re-rank scratch', () => {
    const many = syntheticEmbeddings({ count: 700, dims: WIDE, seed: 10 });
    const index = new CompressedIndex({ components: 16, precision: 'int8', rerank: { oversample: 4, precision: 'int8' } });
    index.fit(many);
    many.forEach((v, i) => index.add(`t${i}`, v));
    const before = index.memoryBytes();
    // Every row a candidate (as a filtered memory search asks): 700 x 128 bytes would need a second 64 KiB page.
    const hits = index.search(many[3], 700);
    expect(hits).toHaveLength(700);
    expect(hits[0].id).toBe('t3');
    expect(index.memoryBytes()).toBe(before);
  });
});
