/**
 * How far pgvector's exact cosine scores can be from memopt's reference cosine (src/memory/reference.mjs, double
 * precision) of the same vectors: the `scoreMargin` a SearchCache needs for targeted invalidation in front of a
 * PgVectorIndex, which re-scores a new memory with the reference cosine and compares it with pgvector's score of a
 * cached result's last item.
 *
 * A worst-case bound from the arithmetic, not a fit to measurements. pgvector stores `vector` as float32 and
 * `halfvec` as float16, converts the query to the same type, and computes cosine distance from a dot product and
 * two squared norms each summed in float32. With u the unit roundoff of the storage type (2^-24 float32, 2^-11
 * float16) and e = 2^-24 that of the float32 sums over d dimensions:
 * - rounding each stored or query component (relative error <= u) moves each unit direction by at most 2u, so the
 *   cosine by at most 2u per side: 4u;
 * - a float32 sum of d products is off by at most d*e*sum|a_i b_i| <= d*e*|a||b| (Cauchy-Schwarz), and each
 *   squared norm by at most d*e relative, so the cosine quotient by at most about 2*d*e, plus the final roundings.
 * margin(d) = 4u + (2d + 4)e. At 128 dimensions, `vector`: 1.6e-5 (measured in test/vector-store/search-cache-targeted-over-pgvector.test.ts: 4.8e-7);
 * at 1,536: 1.8e-4 (measured: 8.0e-7). `halfvec` adds about 2e-3.
 *
 * A margin only costs extra invalidations (a new memory scoring within it of a result's last item drops that
 * entry), never a kept changed result.
 */
export function pgvectorScoreMargin(dimensions: number, storage: 'vector' | 'halfvec'): number {
  const e = 2 ** -24;
  const u = storage === 'halfvec' ? 2 ** -11 : e;
  return 4 * u + (2 * dimensions + 4) * e;
}
