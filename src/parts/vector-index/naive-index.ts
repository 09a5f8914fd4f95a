import { compareHits, dot, norm, scoreFromDot } from '../../memory/reference.mjs';
import type { SearchHit, VectorIndex } from '../../memory/types.ts';

export { compareHits } from '../../memory/reference.mjs';

/**
 * The baseline index: what a first memory system keeps. One `number[]` per vector in a Map, and an exact cosine
 * scan over every vector with a full sort per query. Correct, simple, and the reference for every other index.
 */
export class NaiveIndex implements VectorIndex {
  private readonly vectors = new Map<string, number[]>();
  private dims: number | undefined;

  get dimensions(): number | undefined {
    return this.dims;
  }

  get size(): number {
    return this.vectors.size;
  }

  add(id: string, vector: ArrayLike<number>): void {
    if (this.dims === undefined) this.dims = vector.length;
    else if (vector.length !== this.dims) {
      throw new RangeError(`NaiveIndex.add('${id}'): expected a vector of ${this.dims} dimensions, found ${vector.length}`);
    }
    this.vectors.set(id, Array.from(vector));
  }

  /** The stored vector (a copy), for verification. */
  get(id: string): number[] | undefined {
    const stored = this.vectors.get(id);
    return stored ? [...stored] : undefined;
  }

  remove(id: string): boolean {
    return this.vectors.delete(id);
  }

  search(vector: ArrayLike<number>, k: number): SearchHit[] {
    if (this.dims !== undefined && vector.length !== this.dims) {
      throw new RangeError(`NaiveIndex.search: expected a query of ${this.dims} dimensions, found ${vector.length}`);
    }
    const queryNorm = norm(vector);
    const hits: SearchHit[] = [];
    for (const [id, stored] of this.vectors) hits.push({ id, score: scoreFromDot(dot(stored, vector), norm(stored), queryNorm) });
    hits.sort(compareHits);
    return hits.slice(0, Math.max(0, k));
  }

  /** Payload bytes: 8 per stored double (a packed `number[]` of doubles), not counting array and Map headers. */
  memoryBytes(): number {
    let bytes = 0;
    for (const stored of this.vectors.values()) bytes += stored.length * 8;
    return bytes;
  }
}
