/**
 * How a collection of embeddings looks, as a detail table: the cosine of random pairs of stored vectors (how alike
 * unrelated texts look: the anisotropy), the norm of the mean vector (for unit vectors, mean pairwise cosine ≈
 * |mean|²), and each query's cosine with its exact nearest and k-th nearest neighbour. Seeded.
 */
import type { DetailTable } from '../harness/types.ts';
import { cosine } from '../memory/reference.mjs';
import { percentiles } from '../measure/latency.ts';
import { createRng } from '../util/rng.ts';

export function embeddingStats(vectors: readonly ArrayLike<number>[], ids: readonly string[], queries: readonly ArrayLike<number>[], exact: readonly (readonly string[])[], seed: number): DetailTable {
  const rng = createRng(seed).fork('embedding-stats');
  const pairs: number[] = [];
  for (let p = 0; p < 5000; p++) {
    const a = rng.int(0, vectors.length - 1);
    let b = rng.int(0, vectors.length - 2);
    if (b >= a) b++;
    pairs.push(cosine(vectors[a], vectors[b]));
  }
  const dims = vectors[0].length;
  const mean = new Float64Array(dims);
  for (const v of vectors) {
    const n = Math.hypot(...Array.from(v));
    for (let j = 0; j < dims; j++) mean[j] += v[j] / n / vectors.length;
  }
  const rowOf = new Map(ids.map((id, i) => [id, i]));
  const top1 = queries.map((q, i) => cosine(q, vectors[rowOf.get(exact[i][0])!]));
  const topK = queries.map((q, i) => cosine(q, vectors[rowOf.get(exact[i][exact[i].length - 1])!]));
  const k = exact[0]?.length ?? 0;
  const ps = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];
  const rows: DetailTable['rows'] = [
    ['pairwise_cosine_mean', pairs.reduce((s, x) => s + x, 0) / pairs.length],
    ...percentiles(pairs, ps).map((v, i) => [`pairwise_cosine_p${ps[i] * 100}`, v] as [string, number]),
    ['mean_vector_norm', Math.hypot(...mean)],
    ['query_top1_cosine_p50', percentiles(top1, [0.5])[0]],
    ['query_top1_cosine_p5', percentiles(top1, [0.05])[0]],
    ['query_top1_cosine_p95', percentiles(top1, [0.95])[0]],
    [`query_top${k}_cosine_p50`, percentiles(topK, [0.5])[0]],
  ];
  return { name: 'embedding_stats', columns: ['statistic', 'value'], rows };
}
