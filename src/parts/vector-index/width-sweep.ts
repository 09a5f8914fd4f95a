/**
 * The PCA width sweep: recall against memory for every width and storage variant of a CompressedIndex, fitted once
 * at the widest width (the narrower models by truncation: principal axes nest), plus the point without PCA (int8
 * scalar quantization of every dimension, the plain baseline PCA has to beat). Part of this folder because it
 * shares one fitted model across indexes, which the VectorIndex contract does not expose.
 */
import type { DetailTable } from '../../harness/types.ts';
import { CompressedIndex } from './compressed-index.ts';
import type { CompressedIndexParams } from './params.ts';
import { fitPca, type PcaModel } from './pca.ts';
import { recallAtK } from './recall.ts';
import { ScalarQuantizedIndex } from './scalar-quantized-index.ts';

export const WIDTH_SWEEP_COLUMNS = [
  'components', 'precision', 'rerank', 'explained_variance', 'bytes_per_vector', 'index_bytes', 'reduction_vs_naive_pct',
  'reduction_vs_flat_pct', 'recall_at_1', 'recall_at_10', 'query_mean_ms',
];

export interface WidthSweepInput {
  ids: readonly string[];
  vectors: readonly Float32Array[];
  queries: readonly Float32Array[];
  exact: readonly string[][];
  k: number;
  /** The optimized side's params: fit method and sample size, and the options every point shares. */
  params: CompressedIndexParams;
  widths: readonly number[];
  variants: ReadonlyArray<Pick<CompressedIndexParams, 'precision' | 'rerank'>>;
  /** FlatIndex's bytes for the same vectors (the reduction column's reference). */
  flatBytes: number;
  log: (message: string) => void;
}

/** The sweep's rows (WIDTH_SWEEP_COLUMNS), widths ascending, the int8-without-PCA point last. */
export function pcaWidthSweep(input: WidthSweepInput): DetailTable['rows'] {
  const { ids, vectors, queries, exact, k, params, flatBytes, log } = input;
  const dims = vectors[0].length;
  const widths = [...new Set(input.widths.filter((w) => w <= dims))].sort((a, b) => a - b);
  const widest = widths[widths.length - 1];
  const sampleRows = Math.min(vectors.length, params.fitSampleSize);
  const sample = new Float64Array(sampleRows * dims);
  for (let r = 0; r < sampleRows; r++) {
    const v = vectors[Math.floor((r * vectors.length) / sampleRows)];
    let norm = 0;
    for (let j = 0; j < dims; j++) norm += v[j] * v[j];
    const inverse = norm === 0 ? 0 : 1 / Math.sqrt(norm);
    for (let j = 0; j < dims; j++) sample[r * dims + j] = v[j] * inverse;
  }
  const started = performance.now();
  const model: PcaModel = fitPca(sample, dims, sampleRows, { components: Math.min(widest, sampleRows - 1), method: params.fitMethod }).model;
  log(`sweep: fitted ${model.components} components on ${sampleRows} rows in ${(performance.now() - started).toFixed(0)} ms`);
  const naiveBytes = vectors.length * dims * 8;
  const entries = ids.map((id, i) => [id, vectors[i]] as const);
  const rows: DetailTable['rows'] = [];
  // One row of the curve: what the point is (components, precision, rerank, explained variance), then its bytes,
  // recall and mean query time over the held-out queries.
  const point = (index: CompressedIndex | ScalarQuantizedIndex, what: [number, string, string, number | null]): DetailTable['rows'][number] => {
    let totalMs = 0;
    const results = queries.map((q) => {
      const t = performance.now();
      const hits = index.search(q, k);
      totalMs += performance.now() - t;
      return hits;
    });
    const bytes = index.memoryBytes();
    return [
      ...what,
      bytes / vectors.length,
      bytes,
      ((naiveBytes - bytes) / naiveBytes) * 100,
      ((flatBytes - bytes) / flatBytes) * 100,
      recallAtK(results, exact, 1),
      recallAtK(results, exact, k),
      totalMs / Math.max(1, queries.length),
    ];
  };
  const { index: _kind, ...shared } = params;
  for (const width of widths.filter((w) => w <= model.components)) {
    for (const variant of input.variants) {
      const index = new CompressedIndex({ ...shared, initialCapacity: entries.length, components: width, ...variant });
      const report = index.fit(vectors, { model });
      index.addMany(entries);
      const rerank = variant.rerank ? `${variant.rerank.precision} x${variant.rerank.oversample}` : 'none';
      rows.push(point(index, [width, variant.precision, rerank, report.explainedVariance]));
      log(`sweep: width ${width} ${variant.precision}${variant.rerank ? ' + re-rank' : ''}: recall@${k} ${rows[rows.length - 1][9]}`);
    }
  }
  // Its precision reads 'int8 (no PCA)' so the chart shows it apart.
  const sq8 = new ScalarQuantizedIndex({ initialCapacity: entries.length, fitSampleSize: params.fitSampleSize });
  sq8.fit(vectors);
  sq8.addMany(entries);
  rows.push(point(sq8, [dims, 'int8 (no PCA)', 'none', null])); // nothing projected: no variance measured
  log(`sweep: int8 scalar quantization without PCA: recall@${k} ${rows[rows.length - 1][9]}`);
  return rows;
}
