import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlatIndex } from '../../src/parts/vector-index/flat-index.ts';
import { startPgliteServer, type PgliteServer } from '../../src/parts/vector-store/pglite-server-process.ts';
import { PgVectorIndex } from '../../src/parts/vector-store/pgvector-index.ts';
import { connectPg, type SqlClient } from '../../src/parts/vector-store/sql-client.ts';
import { VectorStoreError } from '../../src/errors.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';
import { expectSameRanking } from '../support/same-ranking.ts';

let server: PgliteServer;
let client: SqlClient;
const pgStatsSeen: Record<string, number>[] = [];
beforeAll(async () => {
  server = await startPgliteServer();
  client = await connectPg({ connectionString: server.url, connectTimeoutMs: 10_000 });
}, 240_000);
afterAll(async () => {
  await client?.close();
  await server?.close();
}, 30_000);

describe('PgVectorIndex over the wire (pg client -> pglite-server child process on 127.0.0.1)', () => {
  it('serves on 127.0.0.1 from another process', () => {
    expect(server.url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(server.pid).not.toBe(process.pid);
  });

  it('exact search matches FlatIndex within 1e-5, with upserts and removals', async () => {
    const vectors = syntheticEmbeddings({ count: 1000, dims: 64, seed: 3 });
    const entries = vectors.map((v, i) => [`v${i}`, v] as const);
    const flat = new FlatIndex();
    flat.addMany(entries);
    const pg = await PgVectorIndex.open({ client, dimensions: 64, table: 'wire_exact', reset: true });
    await pg.addMany(entries);
    await pg.add('v1', vectors[2]);
    flat.add('v1', vectors[2]);
    expect(await pg.remove('v5')).toBe(true);
    flat.remove('v5');
    expect(pg.size).toBe(flat.size);
    for (const q of syntheticEmbeddings({ count: 8, dims: 64, seed: 4 })) {
      expectSameRanking(await pg.search(q, 10), flat.search(q, 10), 1e-5);
    }
    expect(await pg.memoryBytes()).toBeGreaterThan(1000 * 64 * 4);
    pgStatsSeen.push(pg.stats());
  }, 120_000);

  it('HNSW with ef_search set per session still answers after the parameter changes', async () => {
    const vectors = syntheticEmbeddings({ count: 1000, dims: 32, seed: 5 });
    const pg = await PgVectorIndex.open({
      client,
      dimensions: 32,
      table: 'wire_hnsw',
      reset: true,
      index: { kind: 'hnsw', m: 8, efConstruction: 32 },
    });
    await pg.addMany(vectors.map((v, i) => [`v${i}`, v] as const));
    await pg.buildIndex();
    const q = syntheticEmbeddings({ count: 1, dims: 32, seed: 6 })[0];
    expect(await pg.search(q, 10)).toHaveLength(10);
    pg.setSearchParams({ efSearch: 100 });
    const hits = await pg.search(q, 10);
    expect(hits).toHaveLength(10);
    const applied = await client.withSession((s) => s.query<{ ef: string }>(`SELECT current_setting('hnsw.ef_search') AS ef`));
    expect(applied.rows[0].ef).toBe('100');
  }, 120_000);

  it('takes one connection at a time: a second client gets a clear error, not a hang', async () => {
    const second = await connectPg({ connectionString: server.url, connectTimeoutMs: 3000 }).then(
      async (c) => {
        await c.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(second).toBeInstanceOf(VectorStoreError);
    expect(JSON.stringify(pgStatsSeen)).not.toContain(server.url);
  }, 60_000);

  it('close() stops the child process', async () => {
    await server.close();
    expect(() => process.kill(server.pid, 0)).toThrow();
  }, 60_000);
});

