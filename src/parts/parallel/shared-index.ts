import { IndexCapacityError, OptionError } from '../../errors.ts';
import { compareHits } from '../../memory/reference.mjs';
import type { PartDescription, SearchHit, VectorIndex } from '../../memory/types.ts';
import { scan, vectorNorm, type ScanResult, type ScanStore } from './kernel.mjs';

export interface SharedVectorIndexOptions {
  /** Width of every stored vector and query. Required: the shared buffers are allocated at construction. */
  dimensions: number;
  /**
   * Slots allocated at construction: `capacity x dimensions x 4` bytes of vectors plus 12 bytes per slot (norm and
   * removal generation), all in SharedArrayBuffers. Every add takes a slot, a replacement too (slots are never
   * rewritten, which is what lets workers scan while the main thread writes); removals do not free one. An add
   * beyond it throws IndexCapacityError. Required.
   */
  capacity: number;
}

/** The shared buffers a worker maps; sent once, when a worker starts (SharedArrayBuffers are shared, not copied). */
export interface SharedIndexBuffers {
  vectors: SharedArrayBuffer;
  norms: SharedArrayBuffer;
  died: SharedArrayBuffer;
  dims: number;
}

/**
 * What a search reads, taken synchronously on the main thread when the search starts: slots `[0, slots)` that were
 * not removed at or before `generation`. Whatever is added or removed afterwards is invisible to that search, so
 * a search takes effect at the moment its snapshot is taken, wherever it then runs.
 */
export interface IndexSnapshot {
  slots: number;
  generation: number;
}

/**
 * An exact cosine index over SharedArrayBuffers, so worker threads (WorkerPoolSearcher) read it without copying.
 *
 * Storage is append-only: slot `s` holds one float32 vector at `[s x dims, (s + 1) x dims)`, its norm, and the
 * generation at which it was removed or replaced (0 while visible). `add` appends a slot and, for a known id,
 * marks the old slot removed at the new generation; `remove` only marks. A published slot is never rewritten, so
 * a scan running in a worker while the main thread writes sees exactly the index as of its snapshot: no locks,
 * no torn vectors. The removal marks are the only shared words written after publication; they are written and
 * read with Atomics.
 *
 * Answers are identical to NaiveIndex's (same scores to the bit, same order, ties by id) for float32 vectors such
 * as the API's embeddings; a float64 vector is rounded to float32 when stored (queries are not rounded).
 */
export class SharedVectorIndex implements VectorIndex {
  readonly dimensions: number;
  readonly capacity: number;
  private readonly buffers: SharedIndexBuffers;
  private readonly store: ScanStore;
  private readonly slotOf = new Map<string, number>();
  private readonly idOf: string[] = [];
  private used = 0;
  private writes = 0;

  constructor(options: SharedVectorIndexOptions) {
    const { dimensions, capacity } = options;
    if (!Number.isInteger(dimensions) || dimensions < 1) throw new OptionError('dimensions', 'an integer >= 1', dimensions);
    if (!Number.isInteger(capacity) || capacity < 1) throw new OptionError('capacity', 'an integer >= 1', capacity);
    this.dimensions = dimensions;
    this.capacity = capacity;
    this.buffers = {
      vectors: new SharedArrayBuffer(capacity * dimensions * Float32Array.BYTES_PER_ELEMENT),
      norms: new SharedArrayBuffer(capacity * Float64Array.BYTES_PER_ELEMENT),
      died: new SharedArrayBuffer(capacity * Int32Array.BYTES_PER_ELEMENT),
      dims: dimensions,
    };
    this.store = {
      vectors: new Float32Array(this.buffers.vectors),
      norms: new Float64Array(this.buffers.norms),
      died: new Int32Array(this.buffers.died),
      dims: dimensions,
    };
  }

  /** Number of visible vectors. */
  get size(): number {
    return this.slotOf.size;
  }

  /** Slots taken so far (visible, replaced or removed). */
  get slotsUsed(): number {
    return this.used;
  }

  /** Writes (adds, replacements, removals) so far. */
  get generation(): number {
    return this.writes;
  }

  /** The buffers to hand to worker threads. */
  sharedBuffers(): SharedIndexBuffers {
    return this.buffers;
  }

  /** What a search starting now reads (see IndexSnapshot). */
  snapshot(): IndexSnapshot {
    return { slots: this.used, generation: this.writes };
  }

  /** The id stored in a slot (slots never change owner). */
  idAt(slot: number): string {
    return this.idOf[slot];
  }

  add(id: string, vector: ArrayLike<number>): void {
    const dims = this.dimensions;
    if (vector.length !== dims) {
      throw new RangeError(`SharedVectorIndex.add('${id}'): expected a vector of ${dims} dimensions, found ${vector.length}`);
    }
    if (this.used === this.capacity) throw new IndexCapacityError(this.capacity, id);
    const slot = this.used;
    const offset = slot * dims;
    const { vectors, norms, died } = this.store;
    for (let i = 0; i < dims; i++) {
      const x = vector[i];
      if (!Number.isFinite(x)) throw new RangeError(`SharedVectorIndex.add('${id}'): coordinate ${i} is ${x}, expected a finite number`);
      vectors[offset + i] = x;
    }
    norms[slot] = vectorNorm(vectors, offset, dims);
    Atomics.store(died, slot, 0);
    const generation = ++this.writes;
    const previous = this.slotOf.get(id);
    if (previous !== undefined) Atomics.store(died, previous, generation);
    this.slotOf.set(id, slot);
    this.idOf[slot] = id;
    // Publication: searches snapshot `used`, so the slot becomes visible only now, fully written.
    this.used = slot + 1;
  }

  remove(id: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    Atomics.store(this.store.died, slot, ++this.writes);
    this.slotOf.delete(id);
    return true;
  }

  /** The stored vector (a copy, float32), for verification. */
  get(id: string): Float32Array | undefined {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return undefined;
    return this.store.vectors.slice(slot * this.dimensions, (slot + 1) * this.dimensions);
  }

  search(vector: ArrayLike<number>, k: number): SearchHit[] {
    return this.searchBatch([vector], k)[0];
  }

  /**
   * Several queries in one pass over the vectors (blocks of 8 queries per stored vector, see kernel.mjs), on this
   * thread; each answer equals `search(query, k)`.
   */
  searchBatch(queries: readonly ArrayLike<number>[], k: number): SearchHit[][] {
    const prepared = prepareQueries(queries, this.dimensions, 'SharedVectorIndex.search');
    const snapshot = this.snapshot();
    const limit = clampK(k, snapshot.slots);
    const results = scan(this.store, { ...prepared, k: limit, start: 0, end: snapshot.slots, generation: snapshot.generation });
    return results.map((candidates) => this.toHits([candidates], k));
  }

  /**
   * Merges one query's candidates from one or more scanned ranges into its answer: ids looked up, ordered by
   * compareHits (score, then id), cut to k. Candidates include every tie with each range's k-th score, so the
   * cut by id is exact.
   */
  toHits(candidates: readonly ScanResult[], k: number): SearchHit[] {
    const hits: SearchHit[] = [];
    for (const { slots, scores } of candidates) {
      for (let j = 0; j < slots.length; j++) hits.push({ id: this.idOf[slots[j]], score: scores[j] });
    }
    hits.sort(compareHits);
    return hits.slice(0, Math.max(0, k));
  }

  describe(): PartDescription {
    return { kind: 'shared', setting: 'float32 exact scan, shared memory', settings: { precision: 'float32', exact: true, bytesSource: 'arrays held' } };
  }

  /** Bytes of the shared buffers, allocated at construction (vectors, norms, removal marks). */
  memoryBytes(): number {
    return this.buffers.vectors.byteLength + this.buffers.norms.byteLength + this.buffers.died.byteLength;
  }
}

/** Queries laid out for the kernel: coordinates query after query, and each query's norm. */
export interface PreparedQueries {
  queries: Float64Array;
  queryNorms: Float64Array;
}

/** Copies queries into one Float64Array (no rounding), checking widths; `buffer` places it in shared memory. */
export function prepareQueries(
  queries: readonly ArrayLike<number>[],
  dims: number,
  where: string,
  buffer?: (bytes: number) => ArrayBufferLike,
): PreparedQueries {
  const bytes = queries.length * dims * Float64Array.BYTES_PER_ELEMENT;
  const flat = new Float64Array(buffer ? buffer(bytes) : new ArrayBuffer(bytes));
  const queryNorms = new Float64Array(queries.length);
  queries.forEach((query, q) => {
    if (query.length !== dims) throw new RangeError(`${where}: expected a query of ${dims} dimensions, found ${query.length}`);
    for (let i = 0; i < dims; i++) flat[q * dims + i] = query[i];
    queryNorms[q] = vectorNorm(query, 0, dims);
  });
  return { queries: flat, queryNorms };
}

/** k as the kernel needs it: an integer from 0 to the number of slots (NaiveIndex accepts any k and slices). */
export function clampK(k: number, slots: number): number {
  if (Number.isNaN(k)) return 0;
  return Math.max(0, Math.min(slots, Math.floor(k)));
}
