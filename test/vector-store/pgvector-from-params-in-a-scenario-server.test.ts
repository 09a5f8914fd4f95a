import { afterAll, describe, expect, it } from 'vitest';
import { createIndex, indexParamsSchema, StoreConnections } from '../../src/parts/registry.ts';
import type { PgvectorParams } from '../../src/parts/vector-store/params.ts';
import { FlatIndex } from '../../src/parts/vector-index/flat-index.ts';
import { PgVectorIndex } from '../../src/parts/vector-store/pgvector-index.ts';
import { syntheticEmbeddings } from '../support/synthetic-vectors.ts';
import { expectSameRanking } from '../support/same-ranking.ts';

const stores = new StoreConnections();
afterAll(() => stores.close(), 30_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * createIndex({ index: 'pgvector' }) as a scenario writes it: opened in a PGlite server the scenario's PgDatabases
 * starts in a child process on first use (over the wire, one shared connection, a table per index), exact search
 * equal to FlatIndex's up to ties within 1e-5, the server stopped when the databases close.
 */
describe('a pgvector index from params, in the scenario database', () => {
  it('starts nothing until an index is asked for', async () => {
    expect((await stores.postgresDatabases()).get().opened).toBe(false);
  });

  it('exact search matches FlatIndex; two indexes share one server in tables of their own; close stops it', async () => {
    const params = indexParamsSchema.parse({ index: 'pgvector' }) as PgvectorParams;
    expect(params).toMatchObject({ index: 'pgvector', storage: 'vector', search: 'exact' });
    const vectors = syntheticEmbeddings({ count: 500, dims: 48, seed: 11 });
    const entries = vectors.map((v, i) => [`v${i}`, v] as const);
    const a = (await createIndex(params, { dimensions: 48, stores })) as PgVectorIndex;
    const b = (await createIndex(indexParamsSchema.parse({ index: 'pgvector', storage: 'halfvec' }) as PgvectorParams, { dimensions: 48, stores })) as PgVectorIndex;
    expect(a).toBeInstanceOf(PgVectorIndex);
    expect(a.table).not.toBe(b.table);
    const pid = (await stores.postgresDatabases()).get().serverPid!;
    expect(pid).not.toBe(process.pid);
    expect(alive(pid)).toBe(true);
    await a.addMany(entries);
    await b.addMany(entries.slice(0, 10));
    const flat = new FlatIndex();
    flat.addMany(entries);
    for (const q of syntheticEmbeddings({ count: 6, dims: 48, seed: 12 })) {
      expectSameRanking(await a.search(q, 10), flat.search(q, 10), 1e-5);
    }
    expect(a.size).toBe(500);
    expect(b.size).toBe(10);
    expect(JSON.stringify(a.stats())).not.toMatch(/postgres(ql)?:\/\//);
    await stores.close();
    expect(alive(pid)).toBe(false);
  }, 240_000);

  it('refuses pgvector params without a database or dimensions, and a malformed variable name', async () => {
    const params = indexParamsSchema.parse({ index: 'pgvector' }) as PgvectorParams;
    await expect(createIndex(params, { dimensions: 8 })).rejects.toThrow(/IndexEnvironment\.stores/);
    expect(() => indexParamsSchema.parse({ index: 'pgvector', connectionEnv: 'postgres://x' })).toThrow(/environment variable name/);
    expect(() => indexParamsSchema.parse({ index: 'pgvector', search: 'diskann' })).toThrow();
  });
});
