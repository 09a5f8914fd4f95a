import { describe, expect, it } from 'vitest';
import { PARETO_COLUMNS, measurePeers, paretoMembers, peerMethodSchema } from '../../src/drivers/index-pareto.ts';
import { exactTopK } from '../../src/parts/vector-index/recall.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';

describe('Pareto front', () => {
  it('keeps exactly the points no other point beats on both bytes and recall', () => {
    const points = [
      { bytes: 100, recall: 0.5 }, // front: cheapest
      { bytes: 200, recall: 0.4 }, // beaten by the first
      { bytes: 300, recall: 0.9 }, // front
      { bytes: 300, recall: 0.8 }, // beaten at equal bytes
      { bytes: 400, recall: 0.9 }, // beaten at equal recall
      { bytes: 500, recall: 1 }, // front
    ];
    expect(paretoMembers(points)).toEqual([0, 2, 5]);
  });
});

describe('measurePeers', () => {
  const all = syntheticEmbeddings({ count: 660, dims: 64, seed: 61, rotate: true });
  const vectors = all.slice(0, 600);
  const queries = all.slice(600);
  const ids = vectors.map((_, i) => `p${i}`);
  const exact = exactTopK(vectors, ids, queries, 10);

  it('measures every method at every setting on the same vectors, bytes per vector from the bytes held', async () => {
    const methods = [
      peerMethodSchema.parse({ method: 'binary', oversample: [1, 10], rescore: 'float32' }),
      peerMethodSchema.parse({ method: 'matryoshka', dimensions: [16, 64, 128] }), // 128 > 64: skipped
      peerMethodSchema.parse({ method: 'usearch', quantization: ['f32', 'b1'], expansionSearch: [8, 128] }),
    ];
    const table = await measurePeers({ ids, vectors, queries, exact, k: 10, methods });
    expect(table.name).toBe('pareto_peers');
    expect(table.columns).toEqual(PARETO_COLUMNS);
    const col = (row: (typeof table.rows)[number], name: string) => row[PARETO_COLUMNS.indexOf(name)];
    expect(table.rows.map((r) => col(r, 'method'))).toEqual(['binary', 'binary', 'matryoshka', 'matryoshka', 'usearch', 'usearch', 'usearch', 'usearch']);
    for (const row of table.rows) {
      expect(col(row, 'bytes_per_vector')).toBeCloseTo((col(row, 'index_bytes') as number) / 600, 9);
      expect(col(row, 'recall_at_10')).toBeGreaterThanOrEqual(0);
      expect(col(row, 'recall_at_10')).toBeLessThanOrEqual(1);
      expect(String(col(row, 'bytes_how')).length).toBeGreaterThan(0);
    }
    const recall = (i: number) => col(table.rows[i], 'recall_at_10') as number;
    expect(recall(1)).toBeGreaterThanOrEqual(recall(0)); // float32 re-score of a 10x shortlist keeps more than 1x
    expect(recall(3)).toBe(1); // all 64 dimensions: exact
    expect(recall(5)).toBeGreaterThanOrEqual(recall(4)); // wider HNSW search on the same graph
    const front = paretoMembers(table.rows.map((r) => ({ bytes: col(r, 'bytes_per_vector') as number, recall: col(r, 'recall_at_10') as number })));
    table.rows.forEach((row, i) => expect(col(row, 'on_front')).toBe(front.includes(i)));
  });

  it('refuses an unknown method or setting by name', () => {
    expect(peerMethodSchema.safeParse({ method: 'pq' }).success).toBe(false);
    expect(peerMethodSchema.safeParse({ method: 'usearch', quantization: ['f8'] }).success).toBe(false);
  });
});
