import { defineScenario, indexCompressionDriver, type SearchHit, type VectorIndex } from 'memopt';

/**
 * Example: your own VectorIndex against memopt's FlatIndex (exact search over float32). Copy this file, replace
 * `BFloat16Index` with your index, and run `memopt run examples/own-index.ts`.
 *
 * The variant gives a `factory` instead of `params`: it gets the vectors' width and count and returns any object
 * implementing VectorIndex (methods may return promises, so an index in a database fits too; `fit` is optional).
 * The index-compression driver fills it with the same vectors, asks it the same held-out queries as a FlatIndex
 * (interleaved), and reports its bytes (memoryBytes()), recall against exact cosine and query times.
 */

/** Unit vectors stored as bfloat16 (the top 16 bits of each float32): half of FlatIndex's bytes, scores to ~3 digits. */
class BFloat16Index implements VectorIndex {
  dimensions: number | undefined;
  private ids: string[] = [];
  private rowOf = new Map<string, number>();
  private rows: Uint16Array;
  private readonly scratch = new Float32Array(1);
  private readonly bits = new Uint32Array(this.scratch.buffer);

  constructor(dimensions: number, capacity: number) {
    this.dimensions = dimensions;
    this.rows = new Uint16Array(dimensions * Math.max(1, capacity));
  }

  get size(): number {
    return this.rowOf.size;
  }

  add(id: string, vector: ArrayLike<number>): void {
    const dims = this.dimensions!;
    if (vector.length !== dims) throw new RangeError(`BFloat16Index.add('${id}'): expected ${dims} dimensions, found ${vector.length}`);
    let row = this.rowOf.get(id);
    if (row === undefined) {
      row = this.ids.length;
      this.ids.push(id);
      this.rowOf.set(id, row);
      if ((row + 1) * dims > this.rows.length) {
        const grown = new Uint16Array(this.rows.length * 2);
        grown.set(this.rows);
        this.rows = grown;
      }
    }
    let norm = 0;
    for (let i = 0; i < dims; i++) norm += vector[i] * vector[i];
    const inverse = norm === 0 ? 0 : 1 / Math.sqrt(norm);
    for (let i = 0; i < dims; i++) {
      this.scratch[0] = vector[i] * inverse;
      this.rows[row * dims + i] = (this.bits[0] + 0x8000) >>> 16; // round to nearest
    }
  }

  remove(id: string): boolean {
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    // Move the last row into the hole.
    const dims = this.dimensions!;
    const last = this.ids.length - 1;
    const lastId = this.ids[last];
    this.rows.copyWithin(row * dims, last * dims, (last + 1) * dims);
    this.ids[row] = lastId;
    this.rowOf.set(lastId, row);
    this.ids.pop();
    this.rowOf.delete(id);
    return true;
  }

  search(vector: ArrayLike<number>, k: number): SearchHit[] {
    const dims = this.dimensions!;
    let norm = 0;
    for (let i = 0; i < dims; i++) norm += vector[i] * vector[i];
    const inverse = norm === 0 ? 0 : 1 / Math.sqrt(norm);
    const query = Float32Array.from({ length: dims }, (_, i) => vector[i] * inverse);
    const decoded = new Float32Array(dims);
    const wide = new Uint32Array(decoded.buffer);
    const hits: SearchHit[] = [];
    for (let r = 0; r < this.ids.length; r++) {
      for (let i = 0; i < dims; i++) wide[i] = this.rows[r * dims + i] << 16;
      let dot = 0;
      for (let i = 0; i < dims; i++) dot += decoded[i] * query[i];
      hits.push({ id: this.ids[r], score: dot });
    }
    hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return hits.slice(0, k);
  }

  memoryBytes(): number {
    return this.rows.byteLength; // every bf16 row held, used or reserved (like FlatIndex; ids not counted, as there)
  }
}

export default defineScenario({
  name: 'example-own-index',
  description: 'Example: a user-written bfloat16 VectorIndex vs FlatIndex, 1,000 mock embeddings (1536-d), 100 held-out queries',
  driver: indexCompressionDriver,
  seed: 42,
  workload: { size: 1_000, queryCount: 100, k: 10, sweepWidths: [] },
  quick: { size: 500, queryCount: 50 },
  repetitions: { full: 3, quick: 1 },
  baseline: { label: 'flat', params: { index: 'flat' } },
  optimized: { label: 'bfloat16', factory: ({ dimensions, capacity }) => new BFloat16Index(dimensions, capacity), version: '1.0.0' },
  targets: [
    { metric: 'index_bytes', kind: 'reduction', atLeastPct: 40, note: 'bfloat16 rows: about half of float32' },
    { metric: 'recall_at_10', kind: 'min', min: 0.95, note: 'recall@10 against exact cosine, held-out queries' },
    { metric: 'query_mean_ms', kind: 'speedup', atLeast: 1, gate: 'advisory', note: "the price: decoding bf16 in JavaScript is slower than FlatIndex's SIMD scan (reported, not gated)" },
  ],
});
