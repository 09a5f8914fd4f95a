import { compareHits, dot, norm, scoreFromDot } from '../../memory/reference.mjs';
import type { EntryAttributes, PartDescription, SearchFilter, SearchHit, VectorIndex } from '../../memory/types.ts';
import { AttributeLists } from './attribute-lists.ts';

export { compareHits } from '../../memory/reference.mjs';

/**
 * The baseline index: what a first memory system keeps. One `number[]` per vector in a Map, and an exact cosine
 * scan over every vector with a full sort per query. Correct, simple, and the reference for every other index.
 * A filtered search scores only the entries the filter's inverted lists name (AttributeLists).
 */
export class NaiveIndex implements VectorIndex {
  readonly filtering = 'native';
  private readonly vectors = new Map<string, number[]>();
  private readonly attributes = new AttributeLists();
  private dims: number | undefined;

  get dimensions(): number | undefined {
    return this.dims;
  }

  get size(): number {
    return this.vectors.size;
  }

  add(id: string, vector: ArrayLike<number>, attributes?: EntryAttributes): void {
    if (this.dims === undefined) this.dims = vector.length;
    else if (vector.length !== this.dims) {
      throw new RangeError(`NaiveIndex.add('${id}'): expected a vector of ${this.dims} dimensions, found ${vector.length}`);
    }
    this.vectors.set(id, Array.from(vector));
    this.attributes.set(id, attributes);
  }

  /** The stored vector (a copy), for verification. */
  get(id: string): number[] | undefined {
    const stored = this.vectors.get(id);
    return stored ? [...stored] : undefined;
  }

  remove(id: string): boolean {
    this.attributes.delete(id);
    return this.vectors.delete(id);
  }

  search(vector: ArrayLike<number>, k: number, filter?: SearchFilter): SearchHit[] {
    if (this.dims !== undefined && vector.length !== this.dims) {
      throw new RangeError(`NaiveIndex.search: expected a query of ${this.dims} dimensions, found ${vector.length}`);
    }
    const queryNorm = norm(vector);
    const hits: SearchHit[] = [];
    const matching = this.attributes.matching(filter);
    const score = (id: string, stored: number[]) => hits.push({ id, score: scoreFromDot(dot(stored, vector), norm(stored), queryNorm) });
    if (matching) for (const id of matching) score(id, this.vectors.get(id)!);
    else for (const [id, stored] of this.vectors) score(id, stored);
    hits.sort(compareHits);
    return hits.slice(0, Math.max(0, k));
  }

  /** Payload bytes: 8 per stored double (a packed `number[]` of doubles), not counting array and Map headers. */
  describe(): PartDescription {
    return { kind: 'naive', setting: 'float64 exact scan', settings: { precision: 'float64', exact: true, bytesSource: 'arrays held' } };
  }

  memoryBytes(): number {
    let bytes = 0;
    for (const stored of this.vectors.values()) bytes += stored.length * 8;
    return bytes;
  }
}
