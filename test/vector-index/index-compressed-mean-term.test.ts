import { describe, expect, it } from 'vitest';
import { CompressedIndex, type CompressedIndexOptions } from '../../src/parts/vector-index/compressed-index.ts';
import { exactTopK, recallAtK } from '../../src/parts/vector-index/recall.ts';
import { sharedMeanEmbeddings } from '../support/shared-mean-vectors.ts';

// Unit vectors with a shared mean direction holding about half their energy, dense in the coordinates.
const DIMS = 64;
const { vectors: all } = sharedMeanEmbeddings({ count: 760, dims: DIMS, seed: 21, meanShare: 0.5 });
const stored = all.slice(0, 700);
const queries = all.slice(700);
const ids = stored.map((_, i) => `v${String(i).padStart(3, '0')}`);

function build(options: CompressedIndexOptions): CompressedIndex {
  const index = new CompressedIndex(options);
  index.fit(stored);
  index.addMany(stored.map((v, i) => [ids[i], v] as const));
  return index;
}

const unit = (v: ArrayLike<number>): number[] => {
  const n = Math.hypot(...Array.from(v));
  return Array.from(v, (x) => x / n);
};
const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
};

/** Everything the score formula needs, written out in float64 from the fitted model. */
function formula(index: CompressedIndex) {
  const model = index.model!;
  const k = model.components;
  const axis = (c: number) => Array.from(model.axes.subarray(c * DIMS, (c + 1) * DIMS));
  const mean = Array.from(model.mean);
  const project = (v: number[]) => Array.from({ length: k }, (_, c) => dot(axis(c), v));
  /** y = P(x̂ - μ) rounded to float32 (as float32 codes store it), and r(x) = (x̂ - μ) - Pᵀy. */
  const stored = (x: ArrayLike<number>) => {
    const centred = unit(x).map((value, j) => value - mean[j]);
    const y = project(centred).map(Math.fround);
    const r = centred.slice();
    for (let c = 0; c < k; c++) axis(c).forEach((a, j) => (r[j] -= y[c] * a));
    return { y, r };
  };
  return { mean, project, stored };
}

describe('CompressedIndex mean term', () => {
  it('scores are q̂·μ + (P q̂)·y + μ·r(x), written out in float64, and miss the cosine by exactly (q̂ - μ)·r(x)', () => {
    const index = build({ components: 12 });
    const { mean, project, stored: encode } = formula(index);
    const byId = new Map(stored.map((v, i) => [ids[i], v]));
    let checked = 0;
    for (const query of queries.slice(0, 15)) {
      const q = unit(query);
      const pq = project(q);
      for (const hit of index.search(query, 25)) {
        const x = byId.get(hit.id)!;
        const { y, r } = encode(x);
        const expected = dot(q, mean) + dot(pq, y) + dot(mean, r);
        expect(Math.abs(hit.score - expected)).toBeLessThan(2e-6);
        const cosine = dot(q, unit(x));
        const centredQuery = q.map((value, j) => value - mean[j]);
        expect(Math.abs(cosine - hit.score - dot(centredQuery, r))).toBeLessThan(2e-6);
        checked++;
      }
    }
    expect(checked).toBe(15 * 25);
  });

  it('without the term, scores are q̂·μ + (P q̂)·y', () => {
    const index = build({ components: 12, meanTerm: false });
    const { mean, project, stored: encode } = formula(index);
    const byId = new Map(stored.map((v, i) => [ids[i], v]));
    for (const query of queries.slice(0, 5)) {
      const q = unit(query);
      for (const hit of index.search(query, 10)) {
        expect(Math.abs(hit.score - (dot(q, mean) + dot(project(q), encode(byId.get(hit.id)!).y)))).toBeLessThan(2e-6);
      }
    }
  });

  it('costs exactly one float32 per row held, in memoryBytes() and bytesPerVector()', () => {
    const withTerm = build({ components: 12, initialCapacity: 1000 });
    const without = build({ components: 12, initialCapacity: 1000, meanTerm: false });
    expect(withTerm.memoryBytes() - without.memoryBytes()).toBe(4 * 1000);
    expect(withTerm.bytesPerVector() - without.bytesPerVector()).toBe(4);
  });

  it('keeps each row its own term when rows move on remove', () => {
    const index = build({ components: 12 });
    const { mean, project, stored: encode } = formula(index);
    for (const id of ['v000', 'v350', 'v699']) index.remove(id);
    const q = unit(queries[0]);
    const byId = new Map(stored.map((v, i) => [ids[i], v]));
    for (const hit of index.search(queries[0], 40)) {
      const { y, r } = encode(byId.get(hit.id)!);
      expect(Math.abs(hit.score - (dot(q, mean) + dot(project(q), y) + dot(mean, r)))).toBeLessThan(2e-6);
    }
  });

  it('recall@10 with the term is at least recall without it at every width, float32 and int8 codes, and higher at narrow widths', () => {
    const exact = exactTopK(stored, ids, queries, 10);
    const recall = (options: CompressedIndexOptions) => {
      const index = build(options);
      return recallAtK(queries.map((q) => index.search(q, 10)), exact, 10);
    };
    for (const precision of ['float32', 'int8'] as const) {
      for (const components of [4, 8, 16, 32, 48]) {
        const withTerm = recall({ components, precision });
        const without = recall({ components, precision, meanTerm: false });
        expect(withTerm, `${precision}, ${components} components`).toBeGreaterThanOrEqual(without);
        if (components <= 8) expect(withTerm - without, `${precision}, ${components} components`).toBeGreaterThan(0.1);
      }
    }
  });

  it('re-rank scores stay the exact cosine with float32 residuals (the term is taken out where q̂·r replaces it)', () => {
    const index = build({ components: 8, rerank: { oversample: 4, precision: 'float32' } });
    const byId = new Map(stored.map((v, i) => [ids[i], v]));
    for (const hit of index.search(queries[1], 10)) expect(hit.score).toBeCloseTo(dot(unit(queries[1]), unit(byId.get(hit.id)!)), 5);
  });

  it('refuses a meanTerm that is not a boolean', () => {
    expect(() => new CompressedIndex({ meanTerm: 'yes' as never })).toThrow(/meanTerm/);
  });
});
