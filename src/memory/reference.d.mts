/** Types of reference.mjs (plain JavaScript so worker threads load it without a TypeScript loader). */

/** Euclidean norm of `values[offset .. offset + dims)` (defaults: the whole array), summed in coordinate order. */
export declare function norm(values: ArrayLike<number>, offset?: number, dims?: number): number;

/** Dot product of a stored vector with a query, over the stored vector's length, in coordinate order. */
export declare function dot(stored: ArrayLike<number>, query: ArrayLike<number>): number;

/** `dotProduct / (storedNorm * queryNorm)`, or 0 when that product is 0. */
export declare function scoreFromDot(dotProduct: number, storedNorm: number, queryNorm: number): number;

/** Exact cosine similarity, as NaiveIndex scores it. */
export declare function cosine(query: ArrayLike<number>, stored: ArrayLike<number>): number;

/** Best score first; equal scores by id ascending. */
export declare function compareHits(a: { readonly id: string; readonly score: number }, b: { readonly id: string; readonly score: number }): number;

/** Every filter field equals (===) the metadata's field of the same name. */
export declare function matchesFilter(
  metadata: Readonly<Record<string, unknown>> | undefined,
  filter: Readonly<Record<string, unknown>>,
): boolean;

/** The entry's namespace is the filter's (when it names one) and its metadata matches the filter's (matchesFilter). */
export declare function matchesSearchFilter(
  attributes: { readonly namespace?: string; readonly metadata?: Readonly<Record<string, unknown>> } | undefined,
  filter: { readonly namespace?: string; readonly metadata?: Readonly<Record<string, unknown>> },
): boolean;
