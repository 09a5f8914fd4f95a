/**
 * Raw little-endian float32 vector files (N x dim, row-major, no header) with a JSON sidecar `<file>.json` holding
 * `{ "n": N, "dim": dim }`: the format /work/shared/peers/numpy_peer.py reads. Scripts only; the library's readers of
 * users' files (.npy, .fvecs, raw + sidecar, JSONL) live in src/datasets/.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../../src/errors.ts';
import { writeFileAtomic } from '../../src/util/atomic-write.ts';

export interface RawVectors {
  rows: number;
  dim: number;
  /** rows x dim, row-major. */
  data: Float32Array;
}

/** Writes `vectors` and its sidecar, each atomically. */
export async function writeRawVectors(file: string, vectors: RawVectors, extra: Record<string, unknown> = {}): Promise<void> {
  const { rows, dim, data } = vectors;
  if (data.length !== rows * dim) throw new RangeError(`writeRawVectors: ${data.length} floats for ${rows} x ${dim}`);
  await writeFileAtomic(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  await writeFileAtomic(`${file}.json`, `${JSON.stringify({ n: rows, dim, ...extra }, null, 2)}\n`);
}

/** Reads a raw float32 file; the width comes from `dim` or else from the sidecar. */
export async function readRawVectors(file: string, dim?: number): Promise<RawVectors> {
  if (dim === undefined) {
    let sidecar: unknown;
    try {
      sidecar = JSON.parse(await readFile(`${file}.json`, 'utf8'));
    } catch (error) {
      throw new InputError({ file: `${file}.json` }, `no width given and no readable sidecar: ${(error as Error).message}`, { cause: error });
    }
    const width = (sidecar as { dim?: unknown }).dim;
    if (!Number.isInteger(width) || (width as number) < 1) throw new InputError({ file: `${file}.json`, field: 'dim' }, `expected an integer >= 1, found ${JSON.stringify(width)}`);
    dim = width as number;
  }
  const bytes = await readFile(file).catch((error: Error) => {
    throw new InputError({ file }, `cannot read: ${error.message}`, { cause: error });
  });
  if (bytes.byteLength % (4 * dim) !== 0) throw new InputError({ file }, `${bytes.byteLength} bytes is not a whole number of ${dim}-float32 rows`);
  const data = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(data.buffer).set(bytes);
  return { rows: data.length / dim, dim, data };
}

/** Row `r` as a view. */
export function rowOf(vectors: RawVectors, r: number): Float32Array {
  return vectors.data.subarray(r * vectors.dim, (r + 1) * vectors.dim);
}

/** The last `queries` rows as held-out queries, the rest as the collection (views, not copies). */
export function holdOut(vectors: RawVectors, queries: number): { base: Float32Array[]; queries: Float32Array[] } {
  if (queries >= vectors.rows) throw new RangeError(`holdOut: ${queries} queries leave no collection of ${vectors.rows} rows`);
  const all = Array.from({ length: vectors.rows }, (_, r) => rowOf(vectors, r));
  return { base: all.slice(0, vectors.rows - queries), queries: all.slice(vectors.rows - queries) };
}
