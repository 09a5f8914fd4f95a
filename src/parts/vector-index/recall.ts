import type { SearchHit } from '../../memory/types.ts';
import { writeNormalized } from './kernels.ts';
import { crossDots } from './linalg.ts';
import { selectTopK } from './top-k.ts';

/** A ranked result list: hits (best first) or just their ids. */
export type Ranking = readonly SearchHit[] | readonly string[];

function idsOf(ranking: Ranking, k: number): string[] {
  return ranking.slice(0, k).map((entry) => (typeof entry === 'string' ? entry : entry.id));
}

/**
 * Recall@k of one query: |approx top-k ∩ exact top-k| / |exact top-k|. The exact list may hold fewer than k ids
 * (a collection smaller than k); then the denominator is its length. An empty exact list counts as recall 1.
 */
export function queryRecall(approx: Ranking, exact: Ranking, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`recall: expected k to be an integer >= 1, found ${k}`);
  const truth = idsOf(exact, k);
  if (truth.length === 0) return 1;
  const wanted = new Set(truth);
  let found = 0;
  for (const id of new Set(idsOf(approx, k))) if (wanted.has(id)) found++;
  return found / truth.length;
}

/** Mean recall@k over queries; `approx[i]` and `exact[i]` answer the same query. */
export function recallAtK(approx: readonly Ranking[], exact: readonly Ranking[], k: number): number {
  if (approx.length !== exact.length) {
    throw new RangeError(`recall: expected as many approximate as exact result lists, found ${approx.length} and ${exact.length}`);
  }
  if (approx.length === 0) throw new RangeError('recall: expected at least one query, found 0');
  let sum = 0;
  for (let i = 0; i < approx.length; i++) sum += queryRecall(approx[i], exact[i], k);
  return sum / approx.length;
}

/**
 * The exact top-k ids by cosine for each query, over the original full vectors in float64: the reference every
 * index is measured against. Ranks like every index (score, then id). Blocked: 64 queries at a time against the
 * whole collection, with the Gram kernel (about 2 G multiply-adds/s here).
 */
export function exactTopK(
  collection: readonly ArrayLike<number>[],
  ids: readonly string[],
  queries: readonly ArrayLike<number>[],
  k: number,
): string[][] {
  if (collection.length !== ids.length) {
    throw new RangeError(`exactTopK: expected one id per vector, found ${ids.length} ids for ${collection.length} vectors`);
  }
  if (collection.length === 0) return queries.map(() => []);
  const dims = collection[0].length;
  const rows = new Float64Array(collection.length * dims);
  collection.forEach((vector, r) => {
    if (vector.length !== dims) throw new RangeError(`exactTopK: vector ${r}: expected ${dims} dimensions, found ${vector.length}`);
    writeNormalized(vector, rows, r * dims);
  });
  const block = 64;
  const n = collection.length;
  const queryRows = new Float64Array(block * dims);
  const scores = new Float64Array(block * n);
  const row = new Float64Array(n);
  const result: string[][] = [];
  for (let start = 0; start < queries.length; start += block) {
    const count = Math.min(block, queries.length - start);
    for (let q = 0; q < count; q++) {
      const query = queries[start + q];
      if (query.length !== dims) throw new RangeError(`exactTopK: query ${start + q}: expected ${dims} dimensions, found ${query.length}`);
      writeNormalized(query, queryRows, q * dims);
    }
    crossDots(queryRows, count, rows, n, dims, scores);
    for (let q = 0; q < count; q++) {
      row.set(scores.subarray(q * n, (q + 1) * n));
      result.push(selectTopK(row, n, ids, k).map((r) => ids[r]));
    }
  }
  return result;
}
