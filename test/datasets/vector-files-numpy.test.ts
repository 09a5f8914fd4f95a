import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy, readVectorFile } from '../../src/datasets/vector-files.ts';

// Fixtures written by Debian's python3-numpy 1.24.2 (np.save) from x[r][c] = (4r + c - 5) / 8, x[1][1] = 0.3:
//   numpy-f32.npy: x.astype('<f4'); numpy-f16.npy: x.astype('<f2'); numpy-f64.npy: x (float64);
//   numpy-fortran.npy: np.asfortranarray(x.astype('<f4')).
const FIXTURES = join(import.meta.dirname, '../fixtures/vectors');
const expected = (half: boolean) =>
  Array.from({ length: 12 }, (_, i) => {
    const [r, c] = [Math.floor(i / 4), i % 4];
    if (r === 1 && c === 1) return half ? 0.300048828125 : Math.fround(0.3); // numpy's own roundings of 0.3
    return (4 * r + c - 5) / 8;
  });

describe('.npy files written by NumPy', () => {
  it('reads float32 and float16 arrays saved by np.save', async () => {
    const f32 = await readVectorFile(join(FIXTURES, 'numpy-f32.npy'));
    expect({ rows: f32.rows, dim: f32.dim, storedAs: f32.storedAs }).toEqual({ rows: 3, dim: 4, storedAs: 'float32' });
    expect([...f32.data]).toEqual(expected(false));
    const f16 = await readVectorFile(join(FIXTURES, 'numpy-f16.npy'));
    expect(f16.storedAs).toBe('float16');
    expect([...f16.data]).toEqual(expected(true));
  });

  it('refuses float64 and Fortran-order arrays saved by np.save', async () => {
    await expect(readVectorFile(join(FIXTURES, 'numpy-f64.npy'))).rejects.toThrow(/dtype '<f8' is not supported/);
    await expect(readVectorFile(join(FIXTURES, 'numpy-fortran.npy'))).rejects.toThrow(/Fortran \(column-major\) order/);
  });

  it('writes the bytes np.save writes for the same values (header, padding and float16 rounding)', async () => {
    const values = expected(false).map((v, i) => (i === 5 ? 0.3 : v));
    for (const [dtype, fixture] of [['float16', 'numpy-f16.npy'], ['float32', 'numpy-f32.npy']] as const) {
      expect(Buffer.from(encodeNpy(values, 3, 4, dtype)).equals(await readFile(join(FIXTURES, fixture))), fixture).toBe(true);
    }
  });
});

// When Debian's numpy is installed (not in CI's default image), also check the other direction: NumPy loads what
// memopt writes.
const hasNumpy = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasNumpy)('NumPy reading memopt-written .npy', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'memopt-npy-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('np.load gives the shape, dtype and values written', async () => {
    const values = [0.3, -1.5, 65504, 1e-5, 2, 3];
    for (const dtype of ['float32', 'float16'] as const) {
      const file = join(dir, `${dtype}.npy`);
      await writeFile(file, encodeNpy(values, 2, 3, dtype));
      const out = execFileSync('/usr/bin/python3', ['-c', `import numpy as np, json; a = np.load(${JSON.stringify(file)}); print(json.dumps([str(a.dtype), list(a.shape), a.ravel().tolist(), np.array(${JSON.stringify(values)}, dtype=a.dtype).tolist()]))`]).toString();
      const [npDtype, shape, loaded, numpysOwn] = JSON.parse(out) as [string, number[], number[], number[]];
      expect(npDtype).toBe(dtype);
      expect(shape).toEqual([2, 3]);
      expect(loaded).toEqual(numpysOwn);
    }
  });
});
