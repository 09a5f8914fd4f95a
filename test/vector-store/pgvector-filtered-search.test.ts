import { beforeAll, describe, expect, it } from 'vitest';
import type { SearchHit } from '../../src/memory/types.ts';
import { FlatIndex } from '../../src/parts/vector-index/flat-index.ts';
import { queryRecall } from '../../src/parts/vector-index/recall.ts';
import { PgVectorIndex, type PgRowAttributes, type PgSearchFilter } from '../../src/parts/vector-store/pgvector-index.ts';
import { createRng } from '../../src/util/rng.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';
import { expectSameRanking } from '../support/same-ranking.ts';
import { useInProcessPglite } from '../support/pglite.ts';

const DIMS = 32;
const COUNT = 1500;
const USERS = 30;

const vectors = syntheticEmbeddings({ count: COUNT, dims: DIMS, seed: 41 });
const queries = syntheticEmbeddings({ count: 10, dims: DIMS, seed: 42 });
const attributes: PgRowAttributes[] = [];
const flat = new FlatIndex();

const pglite = useInProcessPglite();
beforeAll(() => {
  const rng = createRng(43);
  for (let i = 0; i < COUNT; i++) {
    attributes.push({
      namespace: `user-${rng.int(0, USERS - 1)}`,
      metadata: { kind: rng.int(0, 2) === 0 ? 'fact' : 'chat', pinned: rng.int(0, 3) === 0, turn: rng.int(0, 9) },
    });
    flat.add(`m${i}`, vectors[i]);
  }
});

/** Brute force: FlatIndex's full ranking, filtered afterwards, cut to k. */
function bruteForce(query: Float32Array, k: number, filter: PgSearchFilter): SearchHit[] {
  return flat
    .search(query, COUNT)
    .filter(({ id }) => {
      const a = attributes[Number(id.slice(1))];
      if (filter.namespace !== undefined && a.namespace !== filter.namespace) return false;
      return Object.entries(filter.metadata ?? {}).every(([key, value]) => a.metadata![key] === value);
    })
    .slice(0, k);
}

async function load(table: string, extra: Partial<Parameters<typeof PgVectorIndex.open>[0]> = {}) {
  const index = await PgVectorIndex.open({ client: pglite().client, dimensions: DIMS, table, reset: true, ...extra });
  await index.addMany(vectors.map((v, i) => [`m${i}`, v, attributes[i]] as const));
  return index;
}

const FILTERS: PgSearchFilter[] = [
  { namespace: 'user-7' },
  { metadata: { kind: 'fact', pinned: true } },
  { namespace: 'user-3', metadata: { kind: 'chat' } },
  { metadata: { turn: 4 } },
  { namespace: 'nobody' },
];

describe('PgVectorIndex filtered search (namespace and metadata pushed into SQL)', () => {
  it('exact: equals a brute-force filter over FlatIndex results', async () => {
    const index = await load('filtered_exact');
    for (const filter of FILTERS) {
      for (const q of queries.slice(0, 4)) {
        const expected = bruteForce(q, 10, filter);
        const actual = await index.search(q, 10, filter);
        expectSameRanking(actual, expected, 1e-5);
      }
    }
    expect(await index.search(queries[0], 10, { namespace: 'nobody' })).toEqual([]);
  }, 120_000);

  it('HNSW with a small ef_search still returns k rows inside a namespace (iterative scan), recall measured', async () => {
    const index = await load('filtered_hnsw', { index: { kind: 'hnsw', m: 8, efConstruction: 32 }, search: { efSearch: 10 } });
    await index.buildIndex();
    let recall = 0;
    let n = 0;
    for (const filter of FILTERS.slice(0, 4)) {
      for (const q of queries) {
        const expected = bruteForce(q, 10, filter);
        const actual = await index.search(q, 10, filter);
        expect(actual).toHaveLength(expected.length);
        for (const hit of actual) expect(bruteForce(q, COUNT, filter).some((h) => h.id === hit.id)).toBe(true);
        recall += queryRecall(actual, expected, 10);
        n++;
      }
    }
    // fixed seed: a counter, not a timing. HNSW (m 8, ef_search 10) inside filters of 3-25% of 1,500 rows.
    expect(recall / n).toBeGreaterThanOrEqual(0.8);
    const mode = await pglite().client.withSession((s) => s.query<{ m: string }>(`SELECT current_setting('hnsw.iterative_scan') AS m`));
    expect(mode.rows[0].m).toBe('relaxed_order');
  }, 120_000);

  it("iterative scan settings: 'off' post-filters one candidate list, relaxed_order scans on, max_scan_tuples caps it", async () => {
    // A selective filter: about 1% of the 1,500 rows (kind 'fact' x pinned x turn 4).
    const filter: PgSearchFilter = { metadata: { kind: 'fact', pinned: true, turn: 4 } };
    // plan 'index' (enable_seqscan off): on 1,500 rows the planner would rather scan and sort, exactly.
    const index = await load('filtered_iterative', { index: { kind: 'hnsw', m: 8, efConstruction: 32 }, search: { efSearch: 10, iterativeScan: 'off', plan: 'index' } });
    await index.buildIndex();
    const returned = async () => {
      let rows = 0;
      let wanted = 0;
      for (const q of queries) {
        rows += (await index.search(q, 10, filter)).length;
        wanted += bruteForce(q, 10, filter).length;
      }
      return { rows, wanted };
    };
    const off = await returned();
    expect(off.wanted).toBeGreaterThan(0);
    // ef_search 10 candidates, about 1% of them pass: far fewer rows than k come back.
    expect(off.rows).toBeLessThan(off.wanted / 2);
    index.setSearchParams({ iterativeScan: 'relaxed_order' });
    expect(await returned()).toEqual({ rows: off.wanted, wanted: off.wanted });
    const mode = await pglite().client.withSession((s) => s.query<{ m: string; t: string }>(`SELECT current_setting('hnsw.iterative_scan') AS m, current_setting('hnsw.max_scan_tuples') AS t`));
    expect(mode.rows[0]).toEqual({ m: 'relaxed_order', t: '20000' });
    index.setSearchParams({ maxScanTuples: 20 });
    expect((await returned()).rows).toBeLessThan(off.wanted);
    expect(() => index.setSearchParams({ iterativeScan: 'sometimes' as never })).toThrow(/iterativeScan/);
    // Back to the planner's choice for the other tests of this session.
    index.setSearchParams({ plan: 'auto' });
    await index.search(queries[0], 1, filter);
    const seqscan = await pglite().client.withSession((s) => s.query<{ v: string }>(`SELECT current_setting('enable_seqscan') AS v`));
    expect(seqscan.rows[0].v).toBe('on');
  }, 180_000);

  it('an update moves a row to its new namespace; a removed row leaves every filter', async () => {
    const index = await load('filtered_update');
    const q = vectors[10];
    const from = attributes[10].namespace!;
    await index.add('m10', vectors[10], { namespace: 'user-moved', metadata: { kind: 'fact' } });
    expect((await index.search(q, 1, { namespace: 'user-moved' }))[0].id).toBe('m10');
    expect((await index.search(q, 50, { namespace: from })).some((h) => h.id === 'm10')).toBe(false);
    await index.remove('m10');
    expect(await index.search(q, 5, { namespace: 'user-moved' })).toEqual([]);
  }, 120_000);

  it('rejects a filter value that is not a string, number or boolean', async () => {
    const index = await load('filtered_bad');
    await expect(index.search(queries[0], 5, { metadata: { kind: null as never } })).rejects.toThrow(/metadata 'kind'/);
  }, 120_000);
});
