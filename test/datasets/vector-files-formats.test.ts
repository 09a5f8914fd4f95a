import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy, readVectorFile, validateVectorFile } from '../../src/datasets/vector-files.ts';
import { fromFloat16Bits, toFloat16Bits } from '../../src/util/float16.ts';

// Every supported format reads back the same 3 x 4 matrix, row-major.
const ROWS = 3;
const DIM = 4;
const VALUES = [1, 0.5, -2, 0.25, 0, 3, 0.125, -1, 4, -0.5, 2, 8];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memopt-vectors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, bytes: Uint8Array | string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, bytes);
  return file;
}

/** A .npy file built byte by byte as the NumPy format spec describes (not by memopt's own writer). */
function handBuiltNpy(descr: string, shape: string, body: Uint8Array, version: 1 | 2 = 1, fortran = 'False'): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
  const prefix = version === 1 ? 10 : 12;
  const pad = (64 - ((prefix + dict.length + 1) % 64)) % 64;
  const header = Buffer.from(dict + ' '.repeat(pad) + '\n', 'latin1');
  const lengthField = Buffer.alloc(version === 1 ? 2 : 4);
  if (version === 1) lengthField.writeUInt16LE(header.length);
  else lengthField.writeUInt32LE(header.length);
  return Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY', 'latin1'), Buffer.from([version, 0]), lengthField, header, body]);
}

function f32Body(values: number[]): Uint8Array {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}

describe('readVectorFile', () => {
  it('reads a hand-built .npy of little-endian float32 (format 1.0 and 2.0 headers)', async () => {
    for (const version of [1, 2] as const) {
      const file = await write(`v${version}.npy`, handBuiltNpy('<f4', `(${ROWS}, ${DIM})`, f32Body(VALUES), version));
      const matrix = await readVectorFile(file);
      expect({ rows: matrix.rows, dim: matrix.dim, storedAs: matrix.storedAs, format: matrix.format }).toEqual({
        rows: ROWS,
        dim: DIM,
        storedAs: 'float32',
        format: 'npy',
      });
      expect([...matrix.data]).toEqual(VALUES);
    }
  });

  it('widens a float16 .npy exactly (values representable in half precision)', async () => {
    const body = Buffer.alloc(VALUES.length * 2);
    VALUES.forEach((v, i) => body.writeUInt16LE(toFloat16Bits(v), i * 2));
    const file = await write('half.npy', handBuiltNpy('<f2', `(${ROWS}, ${DIM})`, body));
    const matrix = await readVectorFile(file);
    expect(matrix.storedAs).toBe('float16');
    expect([...matrix.data]).toEqual(VALUES);
  });

  it("reads back memopt's own .npy writer in both dtypes", async () => {
    const f32 = await write('own32.npy', encodeNpy(VALUES, ROWS, DIM, 'float32'));
    const f16 = await write('own16.npy', encodeNpy(VALUES, ROWS, DIM, 'float16'));
    expect([...(await readVectorFile(f32)).data]).toEqual(VALUES);
    expect([...(await readVectorFile(f16)).data]).toEqual(VALUES);
    // The header is padded so the data starts on a 64-byte boundary, as NumPy writes it.
    const bytes = encodeNpy(VALUES, ROWS, DIM, 'float32');
    expect((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64).toBe(0);
  });

  it('reads .fvecs rows (int32 width, then the floats)', async () => {
    const parts: Buffer[] = [];
    for (let r = 0; r < ROWS; r++) {
      const width = Buffer.alloc(4);
      width.writeInt32LE(DIM);
      parts.push(width, Buffer.from(f32Body(VALUES.slice(r * DIM, (r + 1) * DIM))));
    }
    const matrix = await readVectorFile(await write('base.fvecs', Buffer.concat(parts)));
    expect({ rows: matrix.rows, dim: matrix.dim, format: matrix.format }).toEqual({ rows: ROWS, dim: DIM, format: 'fvecs' });
    expect([...matrix.data]).toEqual(VALUES);
  });

  it('reads raw little-endian float32 with its {n, dim} sidecar', async () => {
    const file = await write('base.f32', f32Body(VALUES));
    await write('base.f32.json', JSON.stringify({ n: ROWS, dim: DIM }));
    const matrix = await readVectorFile(file);
    expect({ rows: matrix.rows, dim: matrix.dim, format: matrix.format }).toEqual({ rows: ROWS, dim: DIM, format: 'raw-f32' });
    expect([...matrix.data]).toEqual(VALUES);
  });

  it('reads JSONL `embedding` fields, ignoring other fields, blank and comment lines', async () => {
    const lines = ['# exported from my store', ''];
    for (let r = 0; r < ROWS; r++) lines.push(JSON.stringify({ id: `m${r}`, text: 'x', embedding: VALUES.slice(r * DIM, (r + 1) * DIM) }));
    const matrix = await readVectorFile(await write('base.jsonl', `${lines.join('\n')}\n`));
    expect({ rows: matrix.rows, dim: matrix.dim, format: matrix.format }).toEqual({ rows: ROWS, dim: DIM, format: 'jsonl' });
    expect([...matrix.data]).toEqual(VALUES);
  });

  it('validateVectorFile returns the shape only', async () => {
    const file = await write('shape.npy', encodeNpy(VALUES, ROWS, DIM, 'float16'));
    expect(await validateVectorFile(file)).toEqual({ file, format: 'npy', rows: ROWS, dim: DIM, storedAs: 'float16' });
  });
});

describe('float16 conversion', () => {
  it('matches known binary16 bit patterns and rounds to nearest even', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(1e6)).toBe(0x7c00); // overflow
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toFloat16Bits(2 ** -26)).toBe(0x0000); // below half of it
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie: to even (down)
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie: to even (up)
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(Number.NaN)))).toBe(true);
    for (const bits of [0x0001, 0x03ff, 0x0400, 0x3555, 0x7bff, 0xbc00, 0x8001]) expect(toFloat16Bits(fromFloat16Bits(bits))).toBe(bits);
  });
});
