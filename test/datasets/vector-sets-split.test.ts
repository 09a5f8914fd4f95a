import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, OptionError } from '../../src/errors.ts';
import { encodeNpy, loadVectorSets } from '../../src/datasets/vector-files.ts';

let dir: string;
let base: string;
const ROWS = 50;
const DIM = 3;
// Row r is (r + 1, 1, -1): its first coordinate says which row it was.
const values = Array.from({ length: ROWS }, (_, r) => [r + 1, 1, -1]).flat();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memopt-vector-sets-'));
  base = join(dir, 'base.npy');
  await writeFile(base, encodeNpy(values, ROWS, DIM, 'float32'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const firstColumn = (data: Float32Array) => Array.from({ length: data.length / DIM }, (_, r) => data[r * DIM] - 1);

describe('loadVectorSets', () => {
  it('splits held-out queries from the base by seed: disjoint, complete, and the same for the same seed', async () => {
    const a = await loadVectorSets({ base, holdOut: { count: 10, seed: 7 } });
    const b = await loadVectorSets({ base, holdOut: { count: 10, seed: 7 } });
    const c = await loadVectorSets({ base, holdOut: { count: 10, seed: 8 } });
    expect(a.queries.rows).toBe(10);
    expect(a.base.rows).toBe(40);
    const queryRows = firstColumn(a.queries.data);
    const baseRows = firstColumn(a.base.data);
    expect(queryRows).toEqual(a.heldOutRows);
    expect([...queryRows, ...baseRows].sort((x, y) => x - y)).toEqual(Array.from({ length: ROWS }, (_, r) => r));
    expect(b.heldOutRows).toEqual(a.heldOutRows);
    expect(c.heldOutRows).not.toEqual(a.heldOutRows);
  });

  it('takes queries from a second file of the same width', async () => {
    const queries = join(dir, 'queries.jsonl');
    await writeFile(queries, '{"embedding":[1,0,0]}\n{"embedding":[0,1,0]}\n');
    const sets = await loadVectorSets({ base, queries });
    expect(sets.base.rows).toBe(ROWS);
    expect([...sets.queries.data]).toEqual([1, 0, 0, 0, 1, 0]);
  });

  it('refuses a query file of another width, naming both files', async () => {
    const queries = join(dir, 'wide.jsonl');
    await writeFile(queries, '{"embedding":[1,0,0,1]}\n');
    await expect(loadVectorSets({ base, queries })).rejects.toThrow(DatasetError);
    await expect(loadVectorSets({ base, queries })).rejects.toThrow(`${queries}: rows have 4 dimensions, but the base file ${base} has 3`);
  });

  it('refuses a held-out count that leaves no base or takes no query', async () => {
    await expect(loadVectorSets({ base, holdOut: { count: ROWS, seed: 1 } })).rejects.toThrow(OptionError);
    await expect(loadVectorSets({ base, holdOut: { count: 0, seed: 1 } })).rejects.toThrow(/holdOut\.count/);
  });
});
