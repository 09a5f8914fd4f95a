import { describe, expect, it } from 'vitest';
import { dotRowsFloat32, dotRowsInt8 } from '../../src/parts/vector-index/kernels.ts';
import { WasmRows, int16QueryStep, simdAvailable } from '../../src/parts/vector-index/wasm-rows.ts';
import { createRng } from '../../src/util/rng.ts';

/**
 * How far a scan may be from the float64 sum: float32 rows are summed in float32 (~1e-7 relative per term, bounded
 * here by 1e-6 of the sum of |terms|); int8 rows against the int16-rounded query are off by at most half a grid
 * step per coordinate times |code| (the kernel's stated bound), plus float64 rounding.
 */
function tolerance(type: 'f32' | 'i8', view: Float32Array | Int8Array, r: number, width: number, prefix: number, query: Float32Array): number {
  let absTerms = 0;
  let absCodes = 0;
  for (let i = 0; i < prefix; i++) {
    absTerms += Math.abs(view[r * width + i] * query[i]);
    absCodes += Math.abs(view[r * width + i]);
  }
  if (type === 'f32') return 1e-6 * absTerms + 1e-12;
  return (int16QueryStep(query, prefix) / 2) * absCodes + 1e-9 * absTerms;
}

describe('WasmRows', () => {
  it('has WebAssembly SIMD on this runtime (Node 20)', () => {
    expect(simdAvailable()).toBe(true);
  });

  const cases: Array<['f32' | 'i8', number, boolean]> = [
    ['f32', 64, true],
    ['f32', 80, true],
    ['i8', 128, true],
    ['f32', 24, false], // not a multiple of 64 bytes: JavaScript kernel
    ['i8', 48, false],
  ];
  for (const [type, width, simd] of cases) {
    it(`scans ${type} rows of width ${width} like the JavaScript kernel (simd: ${simd})`, () => {
      const rng = createRng(width);
      const count = 37; // not a multiple of 4: the kernels' row tails
      const rows = new WasmRows(type, width, 3);
      rows.resize(count);
      expect(rows.simd).toBe(simd);
      const view = rows.view;
      for (let i = 0; i < view.length; i++) view[i] = type === 'f32' ? rng.normal() : rng.int(-127, 127);
      const query = Float32Array.from({ length: width }, () => rng.normal());
      const found = new Float64Array(count);
      const expected = new Float64Array(count);
      rows.scan(query, count, found);
      if (view instanceof Int8Array) dotRowsInt8(view, width, count, query, expected);
      else dotRowsFloat32(view, width, count, query, expected);
      for (let r = 0; r < count; r++) expect(Math.abs(found[r] - expected[r])).toBeLessThanOrEqual(tolerance(type, view, r, width, width, query));
    });
  }

  it('int8 rows: the query is rounded to int16 with a step that keeps the widest sum inside int32', () => {
    // 1536 codes of -128 against a query of ones: with the 32767 grid the sum would be -6.4e9 and wrap around.
    const width = 1536;
    const rows = new WasmRows('i8', width, 2);
    rows.resize(2);
    expect(rows.simd).toBe(true);
    rows.view.fill(-128, 0, width);
    rows.view.fill(127, width, 2 * width);
    const out = new Float64Array(2);
    rows.scan(new Float32Array(width).fill(1), 2, out);
    expect(out[0]).toBeCloseTo(-128 * width, 6);
    expect(out[1]).toBeCloseTo(127 * width, 6);
    expect(int16QueryStep(new Float32Array(width).fill(1), width)).toBe(1 / Math.floor(0x7fffffff / (128 * width)));
    expect(int16QueryStep(Float32Array.of(0.5, -2, 1), 3)).toBe(2 / 32767);
  });

  for (const [type, width, prefix] of [['f32', 128, 48], ['i8', 192, 64], ['f32', 64, 24]] as const) {
    it(`scans a ${prefix}-wide prefix of ${type} rows of width ${width} like the JavaScript kernel`, () => {
      const rng = createRng(width + prefix);
      const count = 29;
      const rows = new WasmRows(type, width, count);
      rows.resize(count);
      const view = rows.view;
      for (let i = 0; i < view.length; i++) view[i] = type === 'f32' ? rng.normal() : rng.int(-127, 127);
      const query = Float32Array.from({ length: width }, () => rng.normal());
      const found = new Float64Array(count);
      rows.scan(query, count, found, prefix);
      // Reference: the plain sum over each row's first `prefix` coordinates, written out here, not via a kernel.
      for (let r = 0; r < count; r++) {
        let expected = 0;
        for (let i = 0; i < prefix; i++) expected += view[r * width + i] * query[i];
        expect(Math.abs(found[r] - expected)).toBeLessThanOrEqual(tolerance(type, view, r, width, prefix, query));
      }
    });
  }

  it('keeps its rows through growing and shrinking', () => {
    const rows = new WasmRows('f32', 16, 2);
    rows.view.set(Array.from({ length: 32 }, (_, i) => i));
    rows.resize(100_000); // grows the memory: old views are detached, new ones see the same rows
    expect(Array.from(rows.view.subarray(0, 32))).toEqual(Array.from({ length: 32 }, (_, i) => i));
    const big = rows.byteLength();
    rows.resize(2);
    expect(rows.byteLength()).toBeLessThan(big);
    expect(Array.from(rows.view)).toEqual(Array.from({ length: 32 }, (_, i) => i));
    const out = new Float64Array(2);
    rows.scan(new Float32Array(16).fill(1), 2, out);
    expect(Array.from(out)).toEqual([120, 376]);
  });
});
