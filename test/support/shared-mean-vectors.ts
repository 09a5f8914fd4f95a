import { createRng } from '../../src/util/rng.ts';

export interface SharedMeanOptions {
  count: number;
  dims: number;
  seed: number;
  /**
   * Share of each raw vector's expected energy in the shared mean direction (real sentence embeddings: about half).
   * Default 0.5.
   */
  meanShare?: number;
  /** Vectors are drawn around this many cluster centres. Default 24. */
  clusters?: number;
  /** Coordinate i of the centres and the noise has variance ∝ (i + 1)^-exponent. Default 1. */
  spectrumExponent?: number;
}

export interface SharedMeanVectors {
  /** Unit vectors, one Float32Array each. */
  vectors: Float32Array[];
  /** The shared direction (unit length, float64), dense in the coordinates. */
  direction: Float64Array;
}

/**
 * Seeded unit vectors with a strong shared mean direction that is not one of the coordinate axes, like real sentence
 * embeddings: each raw vector is a·u + a clustered part with a decaying spectrum (on the coordinates) + noise, with
 * a drawn per vector around its expected value (so the amount of u in each normalized vector differs), then
 * normalized. The direction u is a random unit vector, so most of it lies in the low-variance coordinates that a
 * narrow PCA drops: the case the CompressedIndex mean term exists for.
 */
export function sharedMeanEmbeddings(options: SharedMeanOptions): SharedMeanVectors {
  const { count, dims, seed } = options;
  const meanShare = options.meanShare ?? 0.5;
  const clusters = options.clusters ?? 24;
  const exponent = options.spectrumExponent ?? 1;
  const rng = createRng(seed).fork('shared-mean-embeddings');
  const sigma = Float64Array.from({ length: dims }, (_, i) => (i + 1) ** (-exponent / 2));
  let energy = 0;
  for (const s of sigma) energy += s * s * (1 + 0.5); // centre + noise variance per coordinate
  const direction = Float64Array.from({ length: dims }, () => rng.normal());
  const norm = Math.hypot(...direction);
  for (let i = 0; i < dims; i++) direction[i] /= norm;
  // a² / (a² + energy) = meanShare
  const a = Math.sqrt((meanShare * energy) / (1 - meanShare));
  const centres = Array.from({ length: clusters }, () => Float64Array.from(sigma, (s) => s * rng.normal()));
  const vectors: Float32Array[] = [];
  const x = new Float64Array(dims);
  for (let r = 0; r < count; r++) {
    const centre = centres[rng.int(0, clusters - 1)];
    const weight = a * (1 + 0.25 * rng.normal());
    for (let i = 0; i < dims; i++) x[i] = weight * direction[i] + centre[i] + Math.SQRT1_2 * sigma[i] * rng.normal();
    let n = 0;
    for (let i = 0; i < dims; i++) n += x[i] * x[i];
    n = Math.sqrt(n);
    vectors.push(Float32Array.from(x, (v) => v / n));
  }
  return { vectors, direction };
}
