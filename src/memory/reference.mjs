// @ts-check
/**
 * The reference semantics of a memopt search, in one place: the exact cosine (and the norm it divides by), the order
 * of hits (tie order), and metadata filter matching. NaiveIndex scores with these, the search cache's targeted
 * invalidation re-scores with them, the worker kernel (parallel/kernel.mjs) divides by them and the race checker
 * replays with them; so each of those agrees with NaiveIndex bit for bit, which the cache's invalidation depends on
 * (it compares a fresh score with a cached one using >=).
 *
 * Plain JavaScript on purpose: worker threads do not inherit the tsx loader, and the kernel they run imports this
 * module. Types: reference.d.mts.
 *
 * The arithmetic, exactly: a dot product accumulated in doubles, in coordinate order, by one accumulator
 * (`dot += stored[i] * query[i]`); a norm summed the same way (`sum += x * x`, then Math.sqrt); the score
 * `dot / (norm(stored) * norm(query))`, or 0 when that product is 0. An optimized scan may visit pairs in another
 * order or several queries at once, but must keep this per-pair arithmetic.
 */

/**
 * Euclidean norm of `values[offset .. offset + dims)`, summed in coordinate order in doubles.
 * @param {ArrayLike<number>} values
 * @param {number} [offset]
 * @param {number} [dims]
 */
export function norm(values, offset = 0, dims = values.length - offset) {
  let sum = 0;
  for (let i = 0; i < dims; i++) {
    const x = values[offset + i];
    sum += x * x;
  }
  return Math.sqrt(sum);
}

/**
 * Dot product of a stored vector with a query, over the stored vector's length, in coordinate order.
 * @param {ArrayLike<number>} stored
 * @param {ArrayLike<number>} query
 */
export function dot(stored, query) {
  let sum = 0;
  for (let i = 0; i < stored.length; i++) sum += stored[i] * query[i];
  return sum;
}

/**
 * The cosine from a dot product and both norms: 0 when either norm is 0 (a zero vector matches nothing).
 * @param {number} dotProduct
 * @param {number} storedNorm
 * @param {number} queryNorm
 */
export function scoreFromDot(dotProduct, storedNorm, queryNorm) {
  const denominator = storedNorm * queryNorm;
  return denominator === 0 ? 0 : dotProduct / denominator;
}

/**
 * Exact cosine similarity of a query and a stored vector, as NaiveIndex scores it.
 * @param {ArrayLike<number>} query
 * @param {ArrayLike<number>} stored
 */
export function cosine(query, stored) {
  return scoreFromDot(dot(stored, query), norm(stored), norm(query));
}

/**
 * Hit order: best score first; equal scores by id ascending (code-unit order), so every index ranks ties the same way.
 * @param {{ id: string, score: number }} a
 * @param {{ id: string, score: number }} b
 */
export function compareHits(a, b) {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Whether a memory's metadata matches a search filter: every filter field equals (===) the metadata's field of the
 * same name. Missing metadata matches only an empty filter.
 * @param {Readonly<Record<string, unknown>> | undefined} metadata
 * @param {Readonly<Record<string, unknown>>} filter
 */
export function matchesFilter(metadata, filter) {
  const fields = metadata ?? {};
  for (const name of Object.keys(filter)) if (fields[name] !== filter[name]) return false;
  return true;
}

/**
 * Whether an entry's attributes match a search filter: the namespace, when the filter names one, is
 * the entry's own (an entry without a namespace matches no namespace), and the metadata matches as matchesFilter
 * says. An empty filter matches everything.
 * @param {{ readonly namespace?: string, readonly metadata?: Readonly<Record<string, unknown>> } | undefined} attributes
 * @param {{ readonly namespace?: string, readonly metadata?: Readonly<Record<string, unknown>> }} filter
 */
export function matchesSearchFilter(attributes, filter) {
  if (filter.namespace !== undefined && attributes?.namespace !== filter.namespace) return false;
  return filter.metadata === undefined || matchesFilter(attributes?.metadata, filter.metadata);
}
