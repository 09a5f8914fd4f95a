import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, ExitCode } from '../../src/errors.ts';
import { encodeNpy, readVectorFile, validateVectorFile } from '../../src/datasets/vector-files.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memopt-vector-errors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, bytes: Uint8Array | string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, bytes);
  return file;
}

/** The message of the DatasetError (exit 2) that reading `file` fails with. */
async function failure(file: string, options?: Parameters<typeof readVectorFile>[1]): Promise<string> {
  const error = await validateVectorFile(file, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatasetError);
  expect((error as DatasetError).exitCode).toBe(ExitCode.badInput);
  return (error as DatasetError).message;
}

function npyWithHeader(dict: string, body: Uint8Array): Uint8Array {
  const pad = (64 - ((10 + dict.length + 1) % 64)) % 64;
  const header = Buffer.from(dict + ' '.repeat(pad) + '\n', 'latin1');
  const length = Buffer.alloc(2);
  length.writeUInt16LE(header.length);
  return Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]), length, header, body]);
}

describe('.npy files that are not 2-D little-endian float32/float16 in C order', () => {
  it.each([
    ["{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", 16, /dtype '>f4' is not supported.*big-endian/],
    ["{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 32, /dtype '<f8' is not supported.*float64/],
    ["{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }", 16, /dtype '<i4' is not supported/],
    ["{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16, /Fortran \(column-major\) order/],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 16, /shape \(4,\) is not 2-D/],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }", 16, /shape \(1, 2, 2\) is not 2-D/],
    ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 12, /body holds 12 bytes.*needs 16 \(truncated/],
  ])('%s with a %d-byte body is refused', async (dict, bodyBytes, expected) => {
    const body = new Uint8Array(bodyBytes).fill(0x3f);
    const file = await write(`bad-${Math.random().toString(36).slice(2)}.npy`, npyWithHeader(dict, body));
    const message = await failure(file);
    expect(message.startsWith(file)).toBe(true);
    expect(message).toMatch(expected);
  });

  it('refuses a file without the NumPy magic', async () => {
    expect(await failure(await write('text.npy', 'id,vector\n'))).toMatch(/not a NumPy \.npy file/);
  });
});

describe('rows that cannot be searched by cosine', () => {
  it('names the row and column of a NaN or an Infinity', async () => {
    const nan = await write('nan.npy', encodeNpy([1, 0, 0, 1, 0.5, Number.NaN], 3, 2, 'float32'));
    expect(await failure(nan)).toBe(`${nan}: row 2, column 1: NaN is not a finite number`);
    const inf = await write('inf.npy', encodeNpy([1, Number.POSITIVE_INFINITY, 0, 1], 2, 2, 'float16'));
    expect(await failure(inf)).toBe(`${inf}: row 0, column 1: Infinity is not a finite number`);
  });

  it('names a zero-norm row', async () => {
    const file = await write('zero.npy', encodeNpy([1, 0, 0, 0, 0, 1], 3, 2, 'float32'));
    expect(await failure(file)).toBe(`${file}: row 1: zero vector (norm 0 has no direction for cosine)`);
  });

  it('names the line of a bad JSONL row, and of a row of another width', async () => {
    const zero = await write('zero.jsonl', '{"embedding":[1,2]}\n\n{"embedding":[0,0]}\n');
    expect(await failure(zero)).toBe(`${zero}:3: row 1: zero vector (norm 0 has no direction for cosine)`);
    const huge = await write('huge.jsonl', '{"embedding":[1,1e39]}\n');
    expect(await failure(huge)).toMatch(/:1: row 0, column 1: Infinity is not a finite number/);
    const width = await write('width.jsonl', '{"embedding":[1,2]}\n{"embedding":[1,2,3]}\n');
    expect(await failure(width)).toBe(`${width}:2, field 'embedding': row 1 has 3 dimensions, expected 2 (the width of the first row)`);
    const missing = await write('missing.jsonl', '{"vector":[1,2]}\n');
    expect(await failure(missing)).toMatch(/missing\.jsonl:1, field 'embedding'/);
  });

  it('names an .fvecs row whose width differs from row 0, and a truncated last row', async () => {
    const row = (width: number, values: number[]) => {
      const b = Buffer.alloc(4 + 4 * values.length);
      b.writeInt32LE(width);
      values.forEach((v, i) => b.writeFloatLE(v, 4 + 4 * i));
      return b;
    };
    const odd = await write('odd.fvecs', Buffer.concat([row(2, [1, 2]), row(3, [1, 2])]));
    expect(await failure(odd)).toBe(`${odd}: row 1: width 3, expected 2 (the width of row 0)`);
    const cut = await write('cut.fvecs', Buffer.concat([row(2, [1, 2]), row(2, [1])]));
    expect(await failure(cut)).toMatch(/row 1 is truncated/);
  });

  it('refuses a file of another width than required', async () => {
    const file = await write('narrow.npy', encodeNpy([1, 0, 0, 1], 2, 2, 'float32'));
    expect(await failure(file, { dim: 512 })).toBe(`${file}: rows have 2 dimensions, expected 512`);
  });
});

describe('raw float32 and its sidecar', () => {
  it('needs the sidecar, a valid one, and a body of n x dim floats', async () => {
    const lonely = await write('lonely.f32', new Uint8Array(16));
    expect(await failure(lonely)).toMatch(/needs a JSON sidecar .*lonely\.f32\.json with \{"n": rows, "dim": width\}/);
    const wrong = await write('wrong.f32', new Uint8Array(16).fill(0x3f));
    await write('wrong.f32.json', '{"n": 3, "dim": 2}');
    expect(await failure(wrong)).toBe(`${wrong}: holds 16 bytes, but its sidecar says 3 x 2 float32 = 24 bytes`);
    const typo = await write('typo.f32', new Uint8Array(16).fill(0x3f));
    await write('typo.f32.json', '{"rows": 2, "dim": 2}');
    expect(await failure(typo)).toMatch(/typo\.f32\.json: expected \{"n": rows/);
  });
});

describe('files that are not there', () => {
  it('names a missing file and a directory', async () => {
    expect(await failure(join(dir, 'absent.npy'))).toMatch(/absent\.npy: cannot read: ENOENT/);
    await mkdir(join(dir, 'folder.npy'));
    expect(await failure(join(dir, 'folder.npy'))).toMatch(/folder\.npy: is a directory/);
  });
});
