import { describe, expect, it } from 'vitest';
import { FlatIndex } from '../../src/parts/vector-index/flat-index.ts';
import { WasmRows } from '../../src/parts/vector-index/wasm-rows.ts';
import { createRng } from '../../src/util/rng.ts';

/** The multi-query kernel must give every (row, query) pair exactly the score the one-query scan gives. */
describe('WasmRows.scanMany (multi-query kernel)', () => {
  // Widths: one 64-byte step, several, and one large enough that a group and a chunk hold few queries and rows;
  // query counts that leave blocks of 1 and 2 behind the blocks of 3, and row counts that split chunks unevenly.
  const cases: Array<[number, number, number]> = [
    [16, 7, 5],
    [80, 37, 11],
    [1536, 101, 97],
  ];
  for (const [width, rowCount, queryCount] of cases) {
    it(`equals scan() bit for bit: ${rowCount} rows of ${width} floats, ${queryCount} queries`, () => {
      const rng = createRng(width + rowCount);
      const rows = new WasmRows('f32', width, rowCount);
      expect(rows.simd).toBe(true);
      const view = rows.view;
      for (let i = 0; i < view.length; i++) view[i] = rng.normal();
      const queries = Float32Array.from({ length: queryCount * width }, () => rng.normal());
      const many = new Float32Array(queryCount * rowCount);
      rows.scanMany(queries, queryCount, rowCount, many);
      const one = new Float64Array(rowCount);
      for (let q = 0; q < queryCount; q++) {
        rows.scan(queries.subarray(q * width, (q + 1) * width), rowCount, one);
        expect(Array.from(many.subarray(q * rowCount, (q + 1) * rowCount))).toEqual(Array.from(one, (s) => Math.fround(s)));
      }
    });
  }

  it('keeps the rows and its answers across a resize after a batch scan (scratch moves behind the rows)', () => {
    const rng = createRng(3);
    const width = 32;
    const rows = new WasmRows('f32', width, 4);
    for (let i = 0; i < 4 * width; i++) rows.view[i] = rng.normal();
    const queries = Float32Array.from({ length: 4 * width }, () => rng.normal());
    const before = new Float32Array(16);
    rows.scanMany(queries, 4, 4, before);
    rows.resize(50);
    const after = new Float32Array(16);
    rows.scanMany(queries, 4, 4, after);
    expect(Array.from(after)).toEqual(Array.from(before));
  });

  it('without SIMD scores with the JavaScript kernel, as scan() does', () => {
    const rng = createRng(4);
    const width = 24; // not a multiple of 16 floats: no SIMD kernel
    const rows = new WasmRows('f32', width, 9);
    expect(rows.simd).toBe(false);
    for (let i = 0; i < 9 * width; i++) rows.view[i] = rng.normal();
    const queries = Float32Array.from({ length: 5 * width }, () => rng.normal());
    const many = new Float32Array(5 * 9);
    rows.scanMany(queries, 5, 9, many);
    const one = new Float64Array(9);
    for (let q = 0; q < 5; q++) {
      rows.scan(queries.subarray(q * width, (q + 1) * width), 9, one);
      expect(Array.from(many.subarray(q * 9, (q + 1) * 9))).toEqual(Array.from(one, (s) => Math.fround(s)));
    }
  });
});

describe('FlatIndex.searchBatch', () => {
  it('answers each query exactly as search() does (ids, order and scores)', () => {
    const rng = createRng(5);
    const dims = 64;
    const index = new FlatIndex();
    for (let i = 0; i < 300; i++) index.add(`v${i}`, Array.from({ length: dims }, () => rng.normal()));
    // A duplicate vector under two ids: a tie broken by id in both paths.
    index.add('dup-b', index.get('v7')!);
    index.add('dup-a', index.get('v7')!);
    const queries = Array.from({ length: 8 }, () => Array.from({ length: dims }, () => rng.normal()));
    queries.push(Array.from(index.get('v7')!));
    const batch = index.searchBatch(queries, 10);
    expect(batch).toEqual(queries.map((q) => index.search(q, 10)));
  });

  it('rejects a query of the wrong width, naming it', () => {
    const index = new FlatIndex();
    index.add('a', new Array(16).fill(1));
    expect(() => index.searchBatch([new Array(16).fill(1), [1, 2]], 3)).toThrow(/query 1.*16 dimensions, found 2/);
  });
});
