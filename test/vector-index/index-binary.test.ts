import { describe, expect, it } from 'vitest';
import { BinaryIndex, hammingScan, popcount32 } from '../../src/parts/vector-index/binary-index.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { exactTopK, recallAtK } from '../../src/parts/vector-index/recall.ts';
import { createRng } from '../../src/util/rng.ts';
import { sharedMeanEmbeddings } from '../support/shared-mean-vectors.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';

const DIMS = 96; // three 32-bit words per code
const all = syntheticEmbeddings({ count: 640, dims: DIMS, seed: 31, rotate: true });
const stored = all.slice(0, 600);
const queries = all.slice(600);
const ids = stored.map((_, i) => `b${String(i).padStart(3, '0')}`);
const exact = exactTopK(stored, ids, queries, 10);

function build(options: ConstructorParameters<typeof BinaryIndex>[0], fit = false, data = stored): BinaryIndex {
  const index = new BinaryIndex(options);
  if (fit) index.fit(data);
  index.addMany(data.map((v, i) => [ids[i], v] as const));
  return index;
}
const recall = (index: BinaryIndex, asked = queries, truth = exact) => recallAtK(asked.map((q) => index.search(q, 10)), truth, 10);

describe('BinaryIndex', () => {
  it('counts bits and Hamming distances exactly', () => {
    const rng = createRng(3).fork('bits');
    for (let i = 0; i < 200; i++) {
      const x = rng.int(0, 0xffff) * 0x10000 + rng.int(0, 0xffff);
      let expected = 0;
      for (let b = 0; b < 32; b++) expected += Math.floor(x / 2 ** b) % 2;
      expect(popcount32(x >>> 0)).toBe(expected);
    }
    const rows = Uint32Array.from({ length: 4 * 3 }, () => rng.int(0, 0xffff) * 0x10000 + rng.int(0, 0xffff));
    const query = rows.slice(3, 6);
    const out = new Float64Array(4);
    hammingScan(rows, 3, 4, query, out);
    expect(out[1]).toBe(-0);
    for (let r = 0; r < 4; r++) {
      let h = 0;
      for (let w = 0; w < 3; w++) h += popcount32(rows[r * 3 + w] ^ query[w]);
      expect(out[r]).toBe(-h);
    }
  });

  it('returns exact cosines and exact search when float32 re-scoring covers every row', () => {
    const index = build({ rescore: 'float32', oversample: 60 }); // 10 x 60 = every row
    const naive = new NaiveIndex();
    stored.forEach((v, i) => naive.add(ids[i], v));
    for (const query of queries.slice(0, 10)) {
      const hits = index.search(query, 10);
      const truth = naive.search(query, 10);
      expect(hits.map((h) => h.id)).toEqual(truth.map((h) => h.id));
      hits.forEach((hit, i) => expect(hit.score).toBeCloseTo(truth[i].score, 5));
    }
  });

  it('never loses recall as oversampling grows (float32 re-scoring of a growing shortlist)', () => {
    const recalls = [1, 2, 4, 8].map((oversample) => recall(build({ rescore: 'float32', oversample })));
    for (let i = 1; i < recalls.length; i++) expect(recalls[i]).toBeGreaterThanOrEqual(recalls[i - 1]);
    expect(recalls[3]).toBeGreaterThan(recalls[0]);
  });

  it('re-scoring beats the Hamming ranking alone, and int8 re-scoring keeps recall near float32', () => {
    const hammingOnly = recall(build({ rescore: false }));
    const int8 = recall(build({ rescore: 'int8', oversample: 8 }));
    const float32 = recall(build({ rescore: 'float32', oversample: 8 }));
    expect(int8).toBeGreaterThan(hammingOnly);
    expect(Math.abs(float32 - int8)).toBeLessThan(0.03);
  });

  it('thresholds at the sample mean (fit) keep more neighbours on vectors with a strong shared mean', () => {
    const { vectors } = sharedMeanEmbeddings({ count: 640, dims: DIMS, seed: 8, meanShare: 0.6 });
    const base = vectors.slice(0, 600);
    const asked = vectors.slice(600);
    const truth = exactTopK(base, ids, asked, 10);
    const plain = recall(build({ rescore: false }, false, base), asked, truth);
    const centred = recall(build({ rescore: false }, true, base), asked, truth);
    expect(centred).toBeGreaterThan(plain);
  });

  it('counts bits, int8 vectors, scales and thresholds exactly in memoryBytes()', () => {
    const index = build({ initialCapacity: 1000 }, true);
    // The codes live in WebAssembly memory: 1000 rows of 3 words, the query's words and 1000 int32 distances,
    // rounded up to whole 64 KiB pages; that whole memory is held, so it is counted.
    const codeMemory = Math.ceil((1000 * 3 * 4 + 3 * 4 * 4 + 1000 * 4) / 65536) * 65536;
    expect(index.memoryBytes()).toBe(codeMemory + 1000 * (DIMS + 4) + DIMS * 4);
    expect(index.bytesPerVector()).toBe(3 * 4 + DIMS + 4);
    expect(build({ rescore: false, initialCapacity: 1000 }).memoryBytes()).toBe(codeMemory);
  });

  it('keeps the other vectors findable after a remove, and replaces a vector added again under its id', () => {
    const index = build({ rescore: 'float32', oversample: 4 });
    expect(index.remove('b005')).toBe(true);
    expect(index.remove('b005')).toBe(false);
    expect(index.size).toBe(599);
    expect(index.search(stored[5], 10).map((h) => h.id)).not.toContain('b005');
    expect(index.search(stored[599], 1)[0].id).toBe('b599'); // the last row, moved into row 5
    index.add('b010', stored[7]);
    expect(index.size).toBe(599);
    expect(index.search(stored[7], 2).map((h) => h.id).sort()).toEqual(['b007', 'b010']);
  });

  it('refuses bad options and vectors of the wrong width, adding nothing from a bad batch', () => {
    expect(() => new BinaryIndex({ oversample: 0 })).toThrow(/oversample/);
    expect(() => new BinaryIndex({ rescore: 'int4' as never })).toThrow(/rescore/);
    const index = build({});
    expect(() => index.addMany([['ok', stored[0]], ['bad', new Float32Array(5)]])).toThrow(/'bad'.*96 dimensions, found 5/);
    expect(index.has('ok')).toBe(false);
    expect(() => index.search(new Float32Array(5), 3)).toThrow(/96 dimensions, found 5/);
    expect(() => index.add('nan', Float32Array.from(stored[0], (v, j) => (j === 3 ? Number.NaN : v)))).toThrow(/finite/);
  });
});
