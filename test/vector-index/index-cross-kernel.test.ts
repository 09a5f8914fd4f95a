import { describe, expect, it } from 'vitest';
import { WasmRows } from '../../src/parts/vector-index/wasm-rows.ts';
import { createRng } from '../../src/util/rng.ts';

/** Float64 dot product of rows i and j of a store's view, and Σ|products| (what a float32 sum's error scales with). */
function dot(view: Float32Array, width: number, i: number, j: number): { value: number; magnitude: number } {
  let value = 0;
  let magnitude = 0;
  for (let t = 0; t < width; t++) {
    const p = view[i * width + t] * view[j * width + t];
    value += p;
    magnitude += Math.abs(p);
  }
  return { value, magnitude };
}

/** WasmRows.cross (the 3 x 3 float32 kernel behind PCA's Gram matrix and C Q) and scanMany over a run of rows. */
describe('WasmRows.cross', () => {
  // Runs that are and are not multiples of 3 (the kernel's block), overlapping and apart, one spanning several b tiles
  // (256 KiB of 1024-float rows is 63 rows) and several a blocks (96 rows).
  const cases: Array<[number, number, number, number, number, number]> = [
    [16, 9, 0, 9, 0, 9],
    [32, 20, 2, 7, 5, 11],
    [64, 40, 0, 1, 3, 2],
    [1024, 230, 0, 199, 1, 170],
  ];
  for (const [width, rowCount, aFirst, aCount, bFirst, bCount] of cases) {
    it(`equals float64 dot products to float32 rounding: rows ${aFirst}+${aCount} x ${bFirst}+${bCount} of ${width} floats`, () => {
      const rng = createRng(width + aCount);
      const store = new WasmRows('f32', width, rowCount);
      expect(store.simd).toBe(true);
      const fill = store.view as Float32Array;
      for (let i = 0; i < fill.length; i++) fill[i] = rng.normal();
      const out = new Float32Array(aCount * bCount).fill(Number.NaN);
      store.cross(aFirst, aCount, bFirst, bCount, out);
      const view = store.view as Float32Array; // re-derived: the first call adds scratch and may move the memory
      // A float32 sum's error is a few float32 epsilons (6e-8) times Σ|products|, times at most the terms summed per
      // lane; a wrong row or a dropped step is off by the size of a product itself. The worst pair is checked.
      let worst = 0;
      for (let i = 0; i < aCount; i++) {
        for (let j = 0; j < bCount; j++) {
          const { value, magnitude } = dot(view, width, aFirst + i, bFirst + j);
          worst = Math.max(worst, Math.abs(out[i * bCount + j] - value) / magnitude);
        }
      }
      expect(worst).toBeLessThan(1e-5);
    });
  }

  it('gives the same products without SIMD (the one-query JavaScript kernel)', () => {
    const rng = createRng(5);
    const width = 32;
    const simd = new WasmRows('f32', width, 12);
    const plain = new WasmRows('f32', width, 12, { simd: false });
    const values = Float32Array.from({ length: 12 * width }, () => rng.normal());
    simd.view.set(values);
    plain.view.set(values);
    const a = new Float32Array(5 * 7);
    const b = new Float32Array(5 * 7);
    simd.cross(1, 5, 4, 7, a);
    plain.cross(1, 5, 4, 7, b);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-4);
  });

  it('refuses runs outside the store, a short output, and int8 stores', () => {
    const store = new WasmRows('f32', 16, 10);
    expect(() => store.cross(8, 3, 0, 3, new Float32Array(9))).toThrow(/run a \(rows 8 to 10\) is outside the store's 10 rows/);
    expect(() => store.cross(0, 3, 0, 3, new Float32Array(8))).toThrow(/expected room for 3 x 3 products, found 8/);
    expect(() => new WasmRows('i8', 64, 4).cross(0, 1, 0, 1, new Float32Array(1))).toThrow(/float32 stores only/);
  });
});

describe('WasmRows.scanMany from a row', () => {
  it('scores rows from..from+count exactly as a scan of the whole store does', () => {
    const rng = createRng(8);
    const width = 48;
    const store = new WasmRows('f32', width, 30);
    const fill = store.view as Float32Array;
    for (let i = 0; i < fill.length; i++) fill[i] = rng.normal();
    const queries = Float32Array.from({ length: 4 * width }, () => rng.normal());
    const whole = new Float32Array(4 * 30);
    store.scanMany(queries, 4, 30, whole);
    const part = new Float32Array(4 * 13);
    store.scanMany(queries, 4, 13, part, 11);
    for (let q = 0; q < 4; q++) expect(Array.from(part.subarray(q * 13, (q + 1) * 13))).toEqual(Array.from(whole.subarray(q * 30 + 11, q * 30 + 24)));
    expect(() => store.scanMany(queries, 4, 13, part, 20)).toThrow(/rows 20 to 32 are outside the store's 30/);
  });
});
