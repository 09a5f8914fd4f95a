import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClosedError, OptionError } from '../../src/errors.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { SharedVectorIndex, WorkerPoolSearcher } from '../../src/parts/parallel/index.ts';
import { splitRanges } from '../../src/parts/parallel/worker-searcher.ts';
import { createRng, type Rng } from '../../src/util/rng.ts';

function vector(rng: Rng, dims: number): number[] {
  return Array.from({ length: dims }, (_, i) => Math.fround(rng.normal() / Math.sqrt(i + 1)));
}

const DIMS = 32;
const rng = createRng(5);
const naive = new NaiveIndex();
const shared = new SharedVectorIndex({ dimensions: DIMS, capacity: 2_000 });
// Two workers on this 2-core machine: enough to exercise splitting and merging; one pool for the whole file.
const searcher = new WorkerPoolSearcher(shared, { workers: 2 });

beforeAll(async () => {
  const base = vector(rng, DIMS);
  for (let i = 0; i < 1_000; i++) {
    // Every 50th vector is a duplicate of `base`, so ties straddle the split between the two workers' ranges.
    const v = i % 50 === 0 ? base : vector(rng, DIMS);
    naive.add(`v${String(i).padStart(4, '0')}`, v);
    shared.add(`v${String(i).padStart(4, '0')}`, v);
  }
  for (let i = 0; i < 1_000; i += 7) {
    naive.remove(`v${String(i).padStart(4, '0')}`);
    shared.remove(`v${String(i).padStart(4, '0')}`);
  }
  await searcher.start();
});

afterAll(async () => {
  await searcher.close();
});

describe('WorkerPoolSearcher', () => {
  it('starts exactly the requested number of worker threads', () => {
    expect(searcher.threads).toBe(2);
  });

  it('search(vector, k) gives exactly NaiveIndex answers (ids, bit-equal scores, order, ties by id)', async () => {
    const duplicate = naive.get('v0050')!;
    const queries = [duplicate, ...Array.from({ length: 6 }, () => vector(rng, DIMS))];
    for (const k of [1, 5, 20, 10_000]) {
      for (const q of queries) expect(await searcher.search(q, k)).toEqual(naive.search(q, k));
    }
  });

  it('searchBatch scores several queries in one pass with the same answers, in query order', async () => {
    const queries = Array.from({ length: 21 }, () => vector(rng, DIMS));
    const answers = await searcher.searchBatch(queries, 10);
    expect(answers).toEqual(queries.map((q) => naive.search(q, 10)));
    expect(searcher.stats().tasks).toBeGreaterThan(0);
  });

  it('serves concurrent searches (more than there are workers)', async () => {
    const queries = Array.from({ length: 8 }, () => vector(rng, DIMS));
    const answers = await Promise.all(queries.map((q) => searcher.search(q, 4)));
    expect(answers).toEqual(queries.map((q) => naive.search(q, 4)));
  });

  it('rejects with the signal reason when aborted before or during a search, and keeps working after', async () => {
    const before = new AbortController();
    before.abort(new Error('not wanted'));
    await expect(searcher.search(vector(rng, DIMS), 3, { signal: before.signal })).rejects.toThrow('not wanted');

    const during = new AbortController();
    const pending = searcher.searchBatch(Array.from({ length: 16 }, () => vector(rng, DIMS)), 3, { signal: during.signal });
    const reason = new Error('changed my mind');
    during.abort(reason);
    await expect(pending).rejects.toBe(reason);

    const q = vector(rng, DIMS);
    expect(await searcher.search(q, 3)).toEqual(naive.search(q, 3));
  });

  it('answers an empty batch with an empty list, without a task', async () => {
    const before = searcher.stats().tasks;
    expect(await searcher.searchBatch([], 5)).toEqual([]);
    expect(searcher.stats().tasks).toBe(before);
  });

  it('refuses queries of the wrong width and bad options', async () => {
    await expect(searcher.search([1, 2, 3], 3)).rejects.toThrow(/expected a query of 32 dimensions, found 3/);
    expect(() => new WorkerPoolSearcher(shared, { workers: 0 })).toThrow(OptionError);
  });
});

describe('splitRanges', () => {
  it('covers every slot once in near-equal contiguous ranges, never an empty one', () => {
    expect(splitRanges(10, 3)).toEqual([
      [0, 3],
      [3, 6],
      [6, 10],
    ]);
    expect(splitRanges(1, 4)).toEqual([[0, 1]]);
    expect(splitRanges(0, 2)).toEqual([[0, 0]]);
  });
});

describe('WorkerPoolSearcher shutdown', () => {
  it('close() lets a running search finish, then leaves no worker; later calls reject with ClosedError', async () => {
    const own = new WorkerPoolSearcher(shared, { workers: 1 });
    const q = vector(rng, DIMS);
    const running = own.search(q, 5); // also starts the pool lazily
    const closed = own.close();
    expect(await running).toEqual(naive.search(q, 5));
    await closed;
    expect(own.threads).toBe(0);
    await expect(own.search(q, 5)).rejects.toBeInstanceOf(ClosedError);
    await expect(own.start()).rejects.toBeInstanceOf(ClosedError);
    await own.close(); // idempotent
  });

  it('close({ force: true }) terminates at once; a running search rejects with ClosedError', async () => {
    const own = new WorkerPoolSearcher(shared, { workers: 1 });
    await own.start();
    const running = own.searchBatch(Array.from({ length: 16 }, () => vector(rng, DIMS)), 5);
    await own.close({ force: true });
    await expect(running).rejects.toBeInstanceOf(ClosedError);
    expect(own.threads).toBe(0);
  });

  it('closing a searcher that never started is immediate', async () => {
    const own = new WorkerPoolSearcher(shared);
    await own.close();
    expect(own.threads).toBe(0);
  });
});
