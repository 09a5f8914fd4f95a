import { defineScenario, indexCompressionDriver, type SearchHit, type VectorIndex } from 'memopt';

/**
 * Your own part against memopt's: a VectorIndex of yours (here a plain exact-cosine index to replace with yours)
 * against memopt's FlatIndex, on the same vectors and held-out queries, interleaved. The variant gives a `factory`
 * instead of `params`; memopt measures what it returns exactly as it measures its own parts: bytes (memoryBytes()),
 * recall@10 against exact search, query times. Your index may live in its own file (import it from here: a
 * scenario is a module) and its methods may return promises (an index in a database fits).
 *
 *   npx memopt run scenarios/own-index.ts --quick
 */
class MyIndex implements VectorIndex {
  private readonly rows = new Map<string, Float32Array>();

  constructor(readonly dimensions: number) {}

  get size(): number {
    return this.rows.size;
  }

  add(id: string, vector: ArrayLike<number>): void {
    if (vector.length !== this.dimensions) throw new RangeError(`MyIndex.add('${id}'): expected ${this.dimensions} dimensions, found ${vector.length}`);
    this.rows.set(id, unit(vector));
  }

  remove(id: string): boolean {
    return this.rows.delete(id);
  }

  search(vector: ArrayLike<number>, k: number): SearchHit[] {
    const query = unit(vector);
    const hits: SearchHit[] = [];
    for (const [id, row] of this.rows) {
      let dot = 0;
      for (let i = 0; i < row.length; i++) dot += row[i] * query[i];
      hits.push({ id, score: dot });
    }
    hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return hits.slice(0, k);
  }

  memoryBytes(): number {
    return this.rows.size * this.dimensions * Float32Array.BYTES_PER_ELEMENT;
  }
}

/** The vector scaled to length 1 (cosine similarity is then a dot product). */
function unit(vector: ArrayLike<number>): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i] * vector[i];
  const inverse = norm === 0 ? 0 : 1 / Math.sqrt(norm);
  return Float32Array.from({ length: vector.length }, (_, i) => vector[i] * inverse);
}

export default defineScenario({
  name: 'own-index',
  description: "my VectorIndex against memopt's FlatIndex (exact float32 search), mock embeddings, held-out queries",
  driver: indexCompressionDriver,
  workload: { size: 2_000, queryCount: 100, sweepWidths: [] },
  quick: { size: 300, queryCount: 30 },
  repetitions: { full: 3, quick: 1 },
  baseline: { label: 'flat', params: { index: 'flat' } },
  optimized: { label: 'mine', version: '0.1.0', factory: ({ dimensions }) => new MyIndex(dimensions) },
  targets: [
    { metric: 'recall_at_10', kind: 'min', min: 0.95, note: 'recall@10 against exact cosine' },
    { metric: 'index_bytes', kind: 'not-worse', pct: 10, gate: 'advisory', note: "no more than 10% above FlatIndex's bytes" },
  ],
});
