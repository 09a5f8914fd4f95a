import { OptionError } from '../../errors.ts';
import type { EntryAttributes, PartDescription, SearchFilter, SearchHit, VectorIndex } from '../../memory/types.ts';
import { FlatIndex, type FlatIndexOptions } from './flat-index.ts';

export interface MatryoshkaIndexOptions extends FlatIndexOptions {
  /** Leading coordinates kept of every vector and query (then re-normalized). Required. */
  dimensions: number;
}

/**
 * Matryoshka truncation: keep the first `dimensions` coordinates of each vector, re-normalize, store as float32
 * (a FlatIndex: exact search in the truncated space). This is how text-embedding-3's `dimensions` parameter
 * shortens its vectors, and it only preserves neighbours for models trained for it (Matryoshka representation
 * learning puts the most information in the leading coordinates). Other models' coordinates carry no such order,
 * and truncating them loses far more.
 *
 * Measured on the mock, it is flattered: the mock's spectrum decays along the coordinates (block-wise since mock model
 * version 2: prefix blocks of 64, 64, 128, 256, 512...), so its leading coordinates carry its largest-variance
 * directions, the best case for truncation.
 */
export class MatryoshkaIndex implements VectorIndex {
  /** FlatIndex's: a filtered search scans only the matching rows. */
  readonly filtering = 'native';
  readonly truncatedDimensions: number;
  private readonly inner: FlatIndex;
  private inputDims: number | undefined;

  constructor(options: MatryoshkaIndexOptions) {
    const { dimensions, ...flat } = options;
    if (!Number.isInteger(dimensions) || dimensions < 1) throw new OptionError('dimensions', 'an integer >= 1', dimensions);
    this.truncatedDimensions = dimensions;
    this.inner = new FlatIndex(flat);
  }

  /** Width of the vectors given (before truncation); undefined until the first add. */
  get dimensions(): number | undefined {
    return this.inputDims;
  }

  get size(): number {
    return this.inner.size;
  }

  add(id: string, vector: ArrayLike<number>, attributes?: EntryAttributes): void {
    this.inner.add(id, this.truncate(vector, `add('${id}')`), attributes);
  }

  addMany(entries: Iterable<readonly [string, ArrayLike<number>, EntryAttributes?]>): void {
    const list = [...entries].map(([id, v, attributes]) => [id, this.truncate(v, `addMany('${id}')`), attributes] as const);
    this.inner.addMany(list);
  }

  remove(id: string): boolean {
    return this.inner.remove(id);
  }

  /** Exact cosine in the truncated space (FlatIndex normalizes the truncated vectors). */
  search(vector: ArrayLike<number>, k: number, filter?: SearchFilter): SearchHit[] {
    if (this.inputDims === undefined) return [];
    return this.inner.search(this.truncate(vector, 'search'), k, filter);
  }

  /** The float32 rows of the truncated vectors, as FlatIndex holds them (capacity included). */
  memoryBytes(): number {
    return this.inner.memoryBytes();
  }

  wasmMemoryBytes(): number {
    return this.inner.wasmMemoryBytes();
  }

  /** The contract's name for wasmMemoryBytes(): memory outside the JS heap. */
  externalBytes(): number {
    return this.wasmMemoryBytes();
  }

  describe(): PartDescription {
    const components = this.truncatedDimensions;
    return { kind: 'matryoshka', setting: `first ${components} dims, float32`, settings: { components, precision: 'float32', exact: false, bytesSource: 'arrays held' } };
  }

  trim(): void {
    this.inner.trim();
  }

  private truncate(vector: ArrayLike<number>, where: string): Float32Array {
    const dims = this.inputDims ?? vector.length;
    if (vector.length !== dims) throw new RangeError(`MatryoshkaIndex.${where}: expected a vector of ${dims} dimensions, found ${vector.length}`);
    if (dims < this.truncatedDimensions) {
      throw new RangeError(`MatryoshkaIndex.${where}: cannot keep ${this.truncatedDimensions} dimensions of a ${dims}-dimensional vector`);
    }
    this.inputDims = dims;
    const out = new Float32Array(this.truncatedDimensions);
    for (let j = 0; j < out.length; j++) out[j] = vector[j];
    return out;
  }
}
