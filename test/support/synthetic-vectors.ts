import { createRng } from '../../src/util/rng.ts';
import { orthonormalizeRows } from '../../src/parts/vector-index/linalg.ts';

export interface SyntheticOptions {
  count: number;
  dims: number;
  seed: number;
  /** Coordinate i of the noise has variance ∝ (i + 1)^-exponent. Default 1 (a decaying spectrum). */
  spectrumExponent?: number;
  /** Vectors are drawn around this many cluster centres. Default 16. */
  clusters?: number;
  /** Weight of the shared mean direction (anisotropy: unrelated vectors have positive cosine). Default 0.5. */
  meanWeight?: number;
  /** Rotate everything by a seeded random orthonormal basis so axes are not the coordinates. Default false. */
  rotate?: boolean;
}

/**
 * Seeded synthetic embeddings for tests and benches when the mock's text embeddings are not wanted: clustered,
 * anisotropic (a shared mean direction), with a decaying spectrum; unit length. Rows of one Float32Array.
 */
export function syntheticEmbeddings(options: SyntheticOptions): Float32Array[] {
  const { count, dims, seed } = options;
  const exponent = options.spectrumExponent ?? 1;
  const clusters = options.clusters ?? 16;
  const meanWeight = options.meanWeight ?? 0.5;
  const rng = createRng(seed).fork('synthetic-embeddings');
  const sigma = Float64Array.from({ length: dims }, (_, i) => (i + 1) ** (-exponent / 2));
  const draw = (scale: number) => Float64Array.from(sigma, (s) => s * scale * rng.normal());
  const mean = draw(1);
  const centres = Array.from({ length: clusters }, () => draw(1));
  let basis: Float64Array | undefined;
  if (options.rotate) {
    basis = Float64Array.from({ length: dims * dims }, () => rng.normal());
    orthonormalizeRows(basis, dims, dims, () => rng.normal());
  }
  const out: Float32Array[] = [];
  const x = new Float64Array(dims);
  for (let r = 0; r < count; r++) {
    const centre = centres[rng.int(0, clusters - 1)];
    for (let i = 0; i < dims; i++) x[i] = meanWeight * mean[i] + centre[i] + 0.7 * sigma[i] * rng.normal();
    const y = basis ? rotate(basis, x, dims) : x;
    let n = 0;
    for (let i = 0; i < dims; i++) n += y[i] * y[i];
    n = Math.sqrt(n);
    out.push(Float32Array.from(y, (v) => v / n));
  }
  return out;
}

function rotate(basis: Float64Array, x: Float64Array, dims: number): Float64Array {
  const y = new Float64Array(dims);
  for (let i = 0; i < dims; i++) {
    let s = 0;
    for (let j = 0; j < dims; j++) s += basis[i * dims + j] * x[j];
    y[i] = s;
  }
  return y;
}
