import { describe, expect, it } from 'vitest';
import { hammingScan } from '../../src/parts/vector-index/binary-index.ts';
import { WasmRows } from '../../src/parts/vector-index/wasm-rows.ts';
import { createRng } from '../../src/util/rng.ts';

/** The WebAssembly i64.popcnt Hamming kernel must give exactly the JavaScript popcount scan's distances. */
describe('WasmRows.hamming (i64.popcnt kernel)', () => {
  // Bytes per row: one i64 (one word per loop step), three, and 192 (1536 bits: four i64 per loop step).
  for (const width of [8, 24, 192]) {
    it(`equals the JavaScript Hamming scan on rows of ${width} bytes`, () => {
      const rng = createRng(width);
      const count = 53;
      const rows = new WasmRows('i8', width, count);
      const words = new Uint32Array(rows.view.buffer, 0, count * (width / 4));
      for (let i = 0; i < words.length; i++) words[i] = rng.int(0, 0xffffffff) >>> 0;
      const query = Uint32Array.from({ length: width / 4 }, () => rng.int(0, 0xffffffff) >>> 0);
      // Row 0 equals the query (distance 0), row 1 is its complement (distance = every bit).
      words.set(query, 0);
      words.set(query.map((w) => ~w >>> 0), width / 4);
      const found = new Float64Array(count);
      expect(rows.hamming(new Uint8Array(query.buffer), count, found)).toBe(true);
      const expected = new Float64Array(count);
      hammingScan(words, width / 4, count, query, expected);
      expect(Array.from(found)).toEqual(Array.from(expected));
      expect(found[0]).toBe(-0);
      expect(found[1]).toBe(-width * 8);
    });
  }

  it('declines rows that are not whole 64-bit words (the caller scans in JavaScript)', () => {
    const rows = new WasmRows('i8', 12, 4);
    expect(rows.hamming(new Uint8Array(12), 4, new Float64Array(4))).toBe(false);
  });
});
