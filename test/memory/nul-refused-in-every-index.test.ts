import { describe, expect, it } from 'vitest';
import { MemorySystem } from '../../src/memory/memory-system.ts';
import type { VectorIndex } from '../../src/memory/types.ts';
import { FlatIndex } from '../../src/parts/vector-index/flat-index.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { PgVectorIndex } from '../../src/parts/vector-store/pgvector-index.ts';
import { FakeEmbedder } from '../support/fake-embedder.ts';
import { useInProcessPglite } from '../support/pglite.ts';

const pglite = useInProcessPglite();

const NUL_MESSAGE = /contains a NUL character \(U\+0000\), which Postgres \(pgvector\) cannot store; memopt refuses it in every index alike/;

const indexes: Array<[string, () => Promise<VectorIndex>]> = [
  ['NaiveIndex', async () => new NaiveIndex()],
  ['FlatIndex', async () => new FlatIndex()],
  ['PgVectorIndex', async () => (await PgVectorIndex.open({ client: pglite().client, dimensions: 26, table: 'nul_refused', reset: true })) as unknown as VectorIndex],
];

describe('NUL in a namespace or metadata is refused the same way over every index', () => {
  for (const [name, open] of indexes) {
    it(`${name}: add, addMany, update and search refuse it, before embedding, naming the field; nothing is stored`, async () => {
      const embedder = new FakeEmbedder();
      const memory = new MemorySystem({ embedder, index: await open() });
      await expect(memory.add('hello', undefined, { namespace: 'user\u00001' })).rejects.toThrow(/MemorySystem\.add: namespace "user\\u00001" contains a NUL character/);
      await expect(memory.add('hello', { 'ki\u0000nd': 'fact' })).rejects.toThrow(/metadata key "ki\\u0000nd"/);
      await expect(memory.add('hello', { kind: 'fa\u0000ct' })).rejects.toThrow(/metadata 'kind' value "fa\\u0000ct"/);
      await expect(memory.addMany(['ok', { text: 'bad', namespace: '\u0000' }])).rejects.toThrow(/MemorySystem\.addMany: item 1: namespace/);
      expect(embedder.calls).toBe(0);
      expect(memory.size).toBe(0);
      const id = await memory.add('hello', { kind: 'fact' }, { namespace: 'user-1' });
      await expect(memory.update(id, 'hello again', undefined, { namespace: 'a\u0000' })).rejects.toThrow(NUL_MESSAGE);
      let search: Promise<unknown> | undefined;
      expect(() => (search = memory.search('hello', { namespace: 'user\u00001' }))).not.toThrow();
      await expect(search).rejects.toThrow(/MemorySystem\.search: namespace/);
      await expect(memory.search('hello', { filter: { kind: 'fa\u0000ct' } })).rejects.toThrow(NUL_MESSAGE);
      expect((await memory.search('hello', { namespace: 'user-1' })).map((r) => r.id)).toEqual([id]);
    }, 240_000);
  }

  it('the pgvector index refuses it itself, with the same message, when used without MemorySystem', async () => {
    const index = await PgVectorIndex.open({ client: pglite().client, dimensions: 3, table: 'nul_direct', reset: true });
    await expect(index.add('a', [1, 0, 0], { namespace: 'x\u0000' })).rejects.toThrow(/PgVectorIndex 'a': namespace "x\\u0000" contains a NUL character/);
  }, 240_000);
});
