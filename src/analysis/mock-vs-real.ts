/**
 * The mock's embedding geometry against a real model's, on the same texts: how far memopt's generative model is
 * from real sentence embeddings in the properties that decide what compression, caching and search see.
 *
 * Per model (vectors are L2-normalized first, since every memopt index ranks by cosine):
 * - mean pairwise cosine over all pairs i != j, exactly: (|Σ x̂|² - n) / (n (n - 1));
 * - share of energy in the mean direction: Σ (x̂ · μ̂)² / Σ |x̂|², μ̂ the unit mean (≈ 1/d for isotropic vectors);
 * - variance kept by the top 32/64/128/256 centred principal components (PCA on a seeded sample of rows, as the
 *   compressed index fits it);
 * and between the two: the mean overlap of each sampled text's 10 nearest neighbours (itself excluded, ties by row)
 * under the mock with those under the real model.
 */
import type { DetailTable } from '../harness/types.ts';
import { InputError, OptionError } from '../errors.ts';
import { embeddingFor } from '../endpoint/models/mock-model.ts';
import { DEFAULT_MODEL } from '../endpoint/emulated-api/models.ts';
import { ShippedVectors } from '../endpoint/models/shipped-vectors.ts';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { fitPca } from '../parts/vector-index/pca.ts';
import { takeSample } from '../datasets/load.ts';

/** One model's vectors of the same texts, row r for text r. */
export interface GeometryInput {
  /** Column label, e.g. 'mock text-embedding-3-small' or 'use-lite'. */
  name: string;
  dims: number;
  /** n x dims, row-major. */
  vectors: Float32Array;
}

export interface GeometryOptions {
  /** Widths at which the variance kept is reported. Default [32, 64, 128, 256]. */
  components?: readonly number[];
  /** Rows the PCA is fitted on (seeded sample). Default 4,000. */
  pcaSampleRows?: number;
  /** Texts whose neighbours are compared (seeded sample). Default 500. */
  neighbourQueries?: number;
  /** Neighbours compared per text. Default 10. */
  k?: number;
  /** Seed of both samples. Default 1. */
  seed?: number;
  /**
   * Convergence of the PCA fit (relative change of the captured variance) and its iteration cap, for samples of
   * more than GRAM_ROWS rows. Default 1e-5 and 100 (the figure is the captured variance itself).
   */
  pcaTolerance?: number;
  pcaMaxIterations?: number;
}

export interface Geometry {
  rows: number;
  dims: number;
  meanPairwiseCosine: number;
  meanDirectionEnergy: number;
  /** Components -> share of the centred variance they keep. */
  varianceKept: Map<number, number>;
}

function normalizedRows(input: GeometryInput): Float32Array {
  const { dims, vectors } = input;
  if (vectors.length % dims !== 0) throw new OptionError(`${input.name}.vectors.length`, `a multiple of ${dims}`, vectors.length);
  const out = new Float32Array(vectors.length);
  for (let r = 0; r < vectors.length / dims; r++) {
    let s = 0;
    for (let j = 0; j < dims; j++) s += vectors[r * dims + j] ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < dims; j++) out[r * dims + j] = vectors[r * dims + j] * inv;
  }
  return out;
}

/** `count` distinct row numbers below `rows`, drawn from `seed`, ascending (all rows when count >= rows). */
function sampleRows(rows: number, count: number, seed: number): number[] {
  return takeSample(Array.from({ length: rows }, (_, i) => i), count, seed);
}

/** The per-model figures of the module comment. */
export function embeddingGeometry(input: GeometryInput, options: GeometryOptions = {}): Geometry {
  const { dims } = input;
  const x = normalizedRows(input);
  const n = x.length / dims;
  const sum = new Float64Array(dims);
  for (let r = 0; r < n; r++) for (let j = 0; j < dims; j++) sum[j] += x[r * dims + j];
  let sumNormSquared = 0;
  for (let j = 0; j < dims; j++) sumNormSquared += sum[j] * sum[j];
  const meanPairwiseCosine = (sumNormSquared - n) / (n * (n - 1));
  const sumNorm = Math.sqrt(sumNormSquared);
  let energy = 0;
  for (let r = 0; r < n; r++) {
    let dot = 0;
    for (let j = 0; j < dims; j++) dot += x[r * dims + j] * sum[j];
    energy += (dot / sumNorm) ** 2;
  }
  const widths = options.components ?? [32, 64, 128, 256];
  const sample = sampleRows(n, options.pcaSampleRows ?? 4000, options.seed ?? 1);
  const sampled = new Float32Array(sample.length * dims);
  sample.forEach((row, i) => sampled.set(x.subarray(row * dims, (row + 1) * dims), i * dims));
  const varianceKept = sample.length <= GRAM_ROWS ? gramVarianceKept(sampled, dims, sample.length, widths) : pcaVarianceKept(sampled, dims, sample.length, widths, options);
  return { rows: n, dims, meanPairwiseCosine, meanDirectionEnergy: energy / n, varianceKept };
}

/**
 * Up to this many sampled rows, the variance kept is computed exactly from the eigenvalues of the centred Gram matrix
 * (rows x rows; the same non-zero eigenvalues as the covariance's), which for a few hundred rows is far cheaper than
 * a 256-component PCA fit in 1,536 dimensions. A sample of m rows has rank m - 1, so at widths near m the share kept
 * is higher than on the whole corpus: compare figures on samples of the same size.
 */
const GRAM_ROWS = 1_000;

function gramVarianceKept(x: Float32Array, dims: number, rows: number, widths: readonly number[]): Map<number, number> {
  const mean = new Float64Array(dims);
  for (let r = 0; r < rows; r++) for (let j = 0; j < dims; j++) mean[j] += x[r * dims + j] / rows;
  const centred = Array.from({ length: rows }, (_, r) => Float64Array.from(x.subarray(r * dims, (r + 1) * dims), (v, j) => v - mean[j]));
  const gram = new Matrix(rows, rows);
  for (let a = 0; a < rows; a++) {
    for (let b = a; b < rows; b++) {
      let dot = 0;
      const u = centred[a];
      const v = centred[b];
      for (let j = 0; j < dims; j++) dot += u[j] * v[j];
      gram.set(a, b, dot);
      gram.set(b, a, dot);
    }
  }
  const eigenvalues = new EigenvalueDecomposition(gram, { assumeSymmetric: true }).realEigenvalues.map((e) => Math.max(0, e)).sort((p, q) => q - p);
  const total = eigenvalues.reduce((sum, e) => sum + e, 0);
  const kept = new Map<number, number>();
  for (const width of widths) {
    let sum = 0;
    for (let c = 0; c < Math.min(width, eigenvalues.length); c++) sum += eigenvalues[c];
    kept.set(width, sum / total);
  }
  return kept;
}

function pcaVarianceKept(x: Float32Array, dims: number, rows: number, widths: readonly number[], options: GeometryOptions): Map<number, number> {
  const largest = Math.min(Math.max(...widths), dims, rows - 1);
  // A tight tolerance by default: the figure reported is the captured variance itself.
  const { model } = fitPca(x, dims, rows, {
    components: largest,
    tolerance: options.pcaTolerance ?? 1e-5,
    maxIterations: options.pcaMaxIterations ?? 100,
    seed: options.seed ?? 1,
  });
  const varianceKept = new Map<number, number>();
  for (const width of widths) {
    let kept = 0;
    for (let c = 0; c < Math.min(width, largest); c++) kept += model.eigenvalues[c];
    varianceKept.set(width, kept / model.totalVariance);
  }
  return varianceKept;
}

/** Indices of the k rows most similar to row q (q excluded), best first, ties by row ascending. */
function nearest(x: Float32Array, dims: number, q: number, k: number): number[] {
  const n = x.length / dims;
  const best: Array<[number, number]> = [];
  for (let r = 0; r < n; r++) {
    if (r === q) continue;
    let dot = 0;
    for (let j = 0; j < dims; j++) dot += x[q * dims + j] * x[r * dims + j];
    if (best.length === k && dot <= best[k - 1][0]) continue;
    let at = best.length;
    while (at > 0 && best[at - 1][0] < dot) at--;
    best.splice(at, 0, [dot, r]);
    if (best.length > k) best.pop();
  }
  return best.map(([, r]) => r);
}

/** Mean share of each sampled text's k nearest neighbours that both models agree on (1 = same neighbours). */
export function neighbourAgreement(a: GeometryInput, b: GeometryInput, options: GeometryOptions = {}): number {
  const xa = normalizedRows(a);
  const xb = normalizedRows(b);
  const n = xa.length / a.dims;
  if (xb.length / b.dims !== n) throw new OptionError(`${b.name} rows`, `${n} (as many as ${a.name})`, xb.length / b.dims);
  const k = options.k ?? 10;
  const queries = sampleRows(n, options.neighbourQueries ?? 500, (options.seed ?? 1) + 1);
  let overlap = 0;
  for (const q of queries) {
    const inA = new Set(nearest(xa, a.dims, q, k));
    for (const r of nearest(xb, b.dims, q, k)) if (inA.has(r)) overlap++;
  }
  return overlap / (queries.length * k);
}

/** The mock-vs-real table (DetailTable 'mock-vs-real'): metric | mock | real | between. */
export function mockVsRealTable(mock: GeometryInput, real: GeometryInput, options: GeometryOptions = {}): DetailTable {
  const m = embeddingGeometry(mock, options);
  const r = embeddingGeometry(real, options);
  if (m.rows !== r.rows) throw new OptionError(`${real.name} rows`, `${m.rows} (as many as ${mock.name})`, r.rows);
  const k = options.k ?? 10;
  const rows: DetailTable['rows'] = [
    ['texts', m.rows, r.rows, null],
    ['dimensions', m.dims, r.dims, null],
    ['mean pairwise cosine', m.meanPairwiseCosine, r.meanPairwiseCosine, null],
    ['energy share in mean direction', m.meanDirectionEnergy, r.meanDirectionEnergy, null],
  ];
  for (const [width, kept] of m.varianceKept) rows.push([`variance kept by ${width} centred components`, kept, r.varianceKept.get(width) ?? null, null]);
  rows.push([`top-${k} neighbour overlap, mock vs real`, null, null, neighbourAgreement(mock, real, options)]);
  return { name: 'mock-vs-real', columns: ['metric', mock.name, real.name, 'between'], rows };
}

/**
 * The table for `texts`: the mock's text-embedding-3-small vectors (full width) against the shipped USE-lite
 * vectors of the same texts (no model run). A text without a shipped vector is an InputError naming `field`.
 */
export async function mockVsRealOnTexts(
  texts: readonly string[],
  options: GeometryOptions & { shipped?: ShippedVectors; field?: string } = {},
): Promise<DetailTable> {
  const shipped = options.shipped ?? (await ShippedVectors.load('use-lite'));
  const realDims = shipped.dims;
  const real = new Float32Array(texts.length * realDims);
  texts.forEach((text, i) => {
    const v = shipped.vectorFor(text);
    if (!v) throw new InputError({ field: options.field ?? 'texts' }, `no shipped use-lite vector for the text ${JSON.stringify(text.slice(0, 60))}`);
    real.set(v, i * realDims);
  });
  const mockDims = embeddingFor(texts[0], DEFAULT_MODEL).length;
  const mock = new Float32Array(texts.length * mockDims);
  texts.forEach((text, i) => mock.set(embeddingFor(text, DEFAULT_MODEL), i * mockDims));
  return mockVsRealTable({ name: `mock ${DEFAULT_MODEL}`, dims: mockDims, vectors: mock }, { name: 'use-lite', dims: realDims, vectors: real }, options);
}
