import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OptionError, VectorStoreError } from '../../src/errors.ts';
import type { PgliteHandle } from '../../src/parts/vector-store/pglite-client.ts';
import { openTestPglite } from '../support/pglite.ts';
import { PgVectorIndex } from '../../src/parts/vector-store/pgvector-index.ts';
import { connectPg, redactConnection } from '../../src/parts/vector-store/sql-client.ts';

const PASSWORD = 'sekret-pw-4711';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function rejection(promise: Promise<unknown>): Promise<VectorStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VectorStoreError);
  return error as VectorStoreError;
}

function expectNoSecret(error: Error, connectionString: string): void {
  for (const text of [error.message, String(error.stack), JSON.stringify(error)]) {
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(connectionString);
  }
}

describe('connectPg: an unusable server is a clear error (exit 2) before any run, without the connection string', () => {
  it('refused connection: unreachable', async () => {
    const probe = createServer();
    const port = await listen(probe);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const url = `postgresql://alice:${PASSWORD}@127.0.0.1:${port}/memories`;
    const error = await rejection(connectPg({ connectionString: url, connectTimeoutMs: 2000 }));
    expect(error.problem).toBe('unreachable');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expectNoSecret(error, url);
  }, 30_000);

  it('a server that accepts but never answers: times out instead of hanging', async () => {
    const silent = createServer(() => {});
    const sockets: import('node:net').Socket[] = [];
    silent.on('connection', (s) => sockets.push(s));
    const port = await listen(silent);
    const url = `postgres://bob:${PASSWORD}@127.0.0.1:${port}/db?application_name=x`;
    try {
      const error = await rejection(connectPg({ connectionString: url, connectTimeoutMs: 300 }));
      expect(error.problem).toBe('unreachable');
      expect(error.message).toContain('within 300 ms');
      expectNoSecret(error, url);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 30_000);

  it('redacts a connection string and its password in either form', () => {
    const url = `postgresql://u:${PASSWORD}@h:5432/d`;
    expect(redactConnection(`failed on ${url} with ${PASSWORD}`, url)).toBe('failed on <connection string> with ***');
    const kv = `host=h user=u password=${PASSWORD} dbname=d`;
    expect(redactConnection(`x ${PASSWORD} y`, kv)).toBe('x *** y');
  });
});

describe('PgVectorIndex.open: extension and table are checked before any run', () => {
  let plain: PgliteHandle;
  let withVector: PgliteHandle;
  beforeAll(async () => {
    plain = await openTestPglite({ pgvector: false });
    withVector = await openTestPglite();
  }, 240_000);
  afterAll(async () => {
    await plain?.client.close();
    await withVector?.client.close();
  });

  it('a database without pgvector: extension-missing', async () => {
    const error = await rejection(PgVectorIndex.open({ client: plain.client, dimensions: 8 }));
    expect(error.problem).toBe('extension-missing');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/pgvector extension/);
  }, 60_000);

  it('an existing table of another width or storage: schema-mismatch naming both', async () => {
    const first = await PgVectorIndex.open({ client: withVector.client, dimensions: 64, table: 'shape', reset: true });
    await first.add('a', new Float32Array(64).fill(1));
    const error = await rejection(PgVectorIndex.open({ client: withVector.client, dimensions: 32, table: 'shape' }));
    expect(error.problem).toBe('schema-mismatch');
    expect(error.message).toContain('vector(32)');
    expect(error.message).toContain('vector(64)');
    const storage = await rejection(PgVectorIndex.open({ client: withVector.client, dimensions: 64, table: 'shape', storage: 'halfvec' }));
    expect(storage.message).toContain('halfvec(64)');
    // the same shape reopens, and counts the rows already there
    const again = await PgVectorIndex.open({ client: withVector.client, dimensions: 64, table: 'shape' });
    expect(again.size).toBe(1);
  }, 60_000);

  it('bad options fail at construction, naming the option', async () => {
    await expect(PgVectorIndex.open({ client: withVector.client, dimensions: 8, table: 'x; drop table y' })).rejects.toThrow(OptionError);
    await expect(PgVectorIndex.open({ client: withVector.client, dimensions: 0 })).rejects.toThrow(/dimensions/);
    await expect(
      PgVectorIndex.open({ client: withVector.client, dimensions: 8, index: { kind: 'hnsw' }, search: { efSearch: 5000 } }),
    ).rejects.toThrow(/efSearch/);
    const index = await PgVectorIndex.open({ client: withVector.client, dimensions: 8, table: 'opts', reset: true });
    await expect(index.add('a', [1, 2, 3])).rejects.toThrow(/8 dimensions, found 3/);
    await expect(index.add('a', [1, 2, 3, 4, 5, 6, 7, NaN])).rejects.toThrow(/finite/);
  }, 60_000);
});
