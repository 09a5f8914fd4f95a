import { describe, expect, it } from 'vitest';
import { OptionError, RunError } from '../../src/errors.ts';
import { CompressedIndex } from '../../src/parts/vector-index/compressed-index.ts';
import { FlatIndex } from '../../src/parts/vector-index/flat-index.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';

const DIMS = 32;
const vectors = syntheticEmbeddings({ count: 300, dims: DIMS, seed: 3 });

describe('CompressedIndex lifecycle', () => {
  it('refuses to add or search before fit, with a message that says what to do', () => {
    const index = new CompressedIndex({ components: 8 });
    expect(() => index.search(vectors[0], 5)).toThrow(RunError);
    expect(() => index.search(vectors[0], 5)).toThrow(/not fitted; call fit\(sample\) before search/);
    expect(() => index.add('a', vectors[0])).toThrow(/not fitted; call fit\(sample\) before add/);
    expect(index.dimensions).toBeUndefined();
    expect(index.memoryBytes()).toBe(0);
  });

  it('projects vectors added after fitting with the fitted model (the sample need not be stored)', () => {
    const index = new CompressedIndex({ components: DIMS });
    index.fit(vectors.slice(0, 200));
    expect(index.size).toBe(0);
    const flat = new FlatIndex();
    vectors.slice(200).forEach((v, i) => {
      index.add(`late${i}`, v);
      flat.add(`late${i}`, v);
    });
    for (const query of vectors.slice(0, 5)) {
      expect(index.search(query, 5).map((h) => h.id)).toEqual(flat.search(query, 5).map((h) => h.id));
    }
  });

  it('stores the same codes through addMany as through add, and checks every vector before storing any', () => {
    for (const options of [{}, { precision: 'int8' as const, rerank: { precision: 'int8' as const } }]) {
      const one = new CompressedIndex({ components: 8, ...options });
      const many = new CompressedIndex({ components: 8, ...options });
      one.fit(vectors);
      many.fit(vectors);
      const entries = vectors.slice(0, 150).map((v, i) => [`v${i % 140}`, v] as const); // ten ids repeat: last wins
      for (const [id, v] of entries) one.add(id, v);
      many.addMany(entries);
      expect(many.size).toBe(140);
      for (const query of vectors.slice(200, 205)) {
        const expected = one.search(query, 10);
        const found = many.search(query, 10);
        expect(found.map((h) => h.id)).toEqual(expected.map((h) => h.id));
        found.forEach((hit, i) => expect(hit.score).toBeCloseTo(expected[i].score, 5));
      }
      expect(() => many.addMany([['ok', vectors[0]], ['bad', vectors[1].slice(3)]])).toThrow(/addMany\('bad'\): expected a vector of 32/);
      expect(many.has('ok')).toBe(false);
    }
  });

  it('thins a large sample to fitSampleSize rows', () => {
    const index = new CompressedIndex({ components: 4, fitSampleSize: 50 });
    const report = index.fit(vectors);
    expect(report.sampleRows).toBe(50);
    expect(report.components).toBe(4);
    expect(report.explainedVariance).toBeGreaterThan(0);
    expect(report.explainedVariance).toBeLessThanOrEqual(1);
  });

  it('removes, replaces and keeps the remaining vectors findable', () => {
    const index = new CompressedIndex({ components: DIMS, initialCapacity: 2 });
    index.fit(vectors);
    vectors.slice(0, 10).forEach((v, i) => index.add(`v${i}`, v));
    expect(index.size).toBe(10);
    expect(index.remove('v3')).toBe(true);
    expect(index.remove('v3')).toBe(false);
    expect(index.size).toBe(9);
    expect(index.search(vectors[3], 10).map((h) => h.id)).not.toContain('v3');
    // The last row moved into v3's place and still answers for itself.
    expect(index.search(vectors[9], 1)[0].id).toBe('v9');
    index.add('v0', vectors[5]); // replace: same id, new vector
    expect(index.size).toBe(9);
    expect(index.search(vectors[5], 2).map((h) => h.id).sort()).toEqual(['v0', 'v5']);
  });

  it('rejects vectors and queries of the wrong width', () => {
    const index = new CompressedIndex({ components: 4 });
    expect(() => index.fit([vectors[0], vectors[1].slice(1), vectors[2]])).toThrow(
      /sample\[1\]: expected a vector of 32 dimensions, found 31/,
    );
    index.fit(vectors);
    expect(() => index.add('a', vectors[0].slice(2))).toThrow(/CompressedIndex.add\('a'\): expected a vector of 32 dimensions, found 30/);
    expect(() => index.search(vectors[0].slice(0, 8), 3)).toThrow(/CompressedIndex.search: expected a query of 32 dimensions, found 8/);
  });

  it('rejects bad options at construction and a second fit', () => {
    expect(() => new CompressedIndex({ components: 0 })).toThrow(OptionError);
    expect(() => new CompressedIndex({ precision: 'int4' as never })).toThrow(/option 'precision'/);
    expect(() => new CompressedIndex({ rerank: { oversample: 0 } })).toThrow(/option 'rerank.oversample'/);
    expect(() => new CompressedIndex({ fitMethod: 'magic' as never })).toThrow(/option 'fitMethod'/);
    expect(() => new CompressedIndex({ components: 64 }).fit(vectors)).toThrow(/at most the input width 32/);
    expect(() => new CompressedIndex({ components: 8 }).fit(vectors.slice(0, 5))).toThrow(/at least 9 vectors, found 5/);
    const index = new CompressedIndex({ components: 4 });
    index.fit(vectors);
    expect(() => index.fit(vectors)).toThrow(/already fitted/);
  });

  it('counts codes, mean terms, re-rank vectors, model and quantizer ranges in memoryBytes()', () => {
    const n = 100;
    const k = 8;
    const pages = (bytes: number) => Math.ceil(bytes / 65536) * 65536;
    // Codes and axes live in WebAssembly memories: rows, then query and score scratch, in 64 KiB pages.
    const codePages = (bytesPerCode: number) => pages(Math.ceil((n * k * bytesPerCode) / 4) * 4 + k * 4 + n * 4);
    const model = DIMS * 8 + k * 8 + pages(k * DIMS * 4 + DIMS * 4 + k * 4); // mean, eigenvalues, axes
    // The re-rank scratch (default oversample 4 x 10 rows of DIMS) exists only where the SIMD kernel takes the row
    // width: 32 float32 = 128 bytes does, 32 int8 = 32 bytes (not a multiple of 64) does not.
    const scratchRows = 4 * 10;
    const cases = [
      { options: {}, perVector: k * 4, codes: codePages(4), full: 0, extra: 0 },
      { options: { precision: 'int8' as const }, perVector: k, codes: codePages(1), full: 0, extra: 2 * k * 4 },
      { options: { rerank: { precision: 'int8' as const } }, perVector: k * 4 + DIMS, codes: codePages(4), full: n * DIMS, extra: 2 * DIMS * 4 },
      {
        options: { precision: 'int8' as const, rerank: { precision: 'float32' as const } },
        perVector: k + DIMS * 4,
        codes: codePages(1),
        full: n * DIMS * 4,
        extra: 2 * k * 4 + pages(scratchRows * DIMS * 4 + DIMS * 4 + scratchRows * 4),
      },
    ];
    for (const { options, perVector, codes, full, extra } of cases) {
      // The mean term (on by default) is one float32 per row held.
      for (const meanTerm of [false, true]) {
        const index = new CompressedIndex({ components: k, initialCapacity: n, meanTerm, ...options });
        index.fit(vectors);
        vectors.slice(0, n).forEach((v, i) => index.add(`v${i}`, v));
        expect(index.bytesPerVector()).toBe(perVector + (meanTerm ? 4 : 0));
        expect(index.memoryBytes()).toBe(codes + full + model + extra + (meanTerm ? n * 4 : 0));
      }
    }
  });

  it('prefilters on a prefix of the projection and keeps the best candidates', () => {
    const full = new CompressedIndex({ components: DIMS });
    const prefiltered = new CompressedIndex({ components: DIMS, prefilter: { components: 8, candidates: 60 } });
    for (const index of [full, prefiltered]) {
      index.fit(vectors);
      vectors.slice(0, 250).forEach((v, i) => index.add(`v${i}`, v));
    }
    let same = 0;
    for (const query of vectors.slice(250)) {
      const a = prefiltered.search(query, 5);
      const b = full.search(query, 5);
      // Whatever the prefilter keeps is scored exactly as without it.
      for (const hit of a) {
        const other = full.search(query, 250).find((h) => h.id === hit.id)!;
        expect(hit.score).toBeCloseTo(other.score, 5);
      }
      if (a.map((h) => h.id).join() === b.map((h) => h.id).join()) same++;
    }
    expect(same).toBeGreaterThan(40);
    expect(() => new CompressedIndex({ components: 8, prefilter: { components: 8, candidates: 10 } })).toThrow(/prefilter.components/);
  });
});
