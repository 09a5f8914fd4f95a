/**
 * pgvector's storage and index options over the wire: recall@10 against exact search (FlatIndex), bytes as Postgres
 * reports them, ANN build time, and per-query latency through the `pg` client. Not part of the test suite.
 *
 *     npx tsx scripts/pgvector-bench.ts [--size 10000] [--dims 512] [--queries 50]
 *         [--ef 10,40,100,200] [--probes 1,5,10,20] [--lists 100] [--configs vector/none,vector/hnsw,...]
 *         [--url-env MEMOPT_PG_URL]
 *
 * Vectors: the mock's text-embedding-3-small embeddings (at --dims) of the datasets' generated corpus (seed 7) and
 * held-out generated queries (seed 8). By default the database is PGlite + pgvector behind pglite-socket in a child
 * process on 127.0.0.1 (one connection: latencies are single-connection, sequential queries). With --url-env NAME
 * it uses the Postgres whose connection string is in environment variable NAME instead; the string is never printed.
 * Each configuration gets its own table (dropped at the end). Latency is wall time per query seen by the client, on
 * a shared machine: compare within one run, not across runs.
 */
import { loadavg } from 'node:os';
import { generateCorpus, generateQueries } from '../src/datasets/index.ts';
import { embeddingFor } from '../src/endpoint/emulated-api/index.ts';
import { UsageError } from '../src/errors.ts';
import { FlatIndex } from '../src/parts/vector-index/flat-index.ts';
import { recallAtK } from '../src/parts/vector-index/recall.ts';
import { startPgliteServer, type PgliteServer } from '../src/parts/vector-store/pglite-server-process.ts';
import { PgVectorIndex, type PgAnnIndex, type PgStorage } from '../src/parts/vector-store/pgvector-index.ts';
import { connectPg, connectionStringFromEnv } from '../src/parts/vector-store/sql-client.ts';
import type { SearchHit } from '../src/memory/types.ts';
import { integerOption, parseScriptArgs, runIfEntryPoint } from './lib/options.ts';

const USAGE = `usage: npx tsx scripts/pgvector-bench.ts [--size N] [--dims D] [--queries Q] [--ef LIST] [--probes LIST]
       [--lists L] [--configs storage/index,...] [--url-env ENV_VAR]`;

const DEFAULT_CONFIGS = 'vector/none,vector/hnsw,vector/ivfflat,halfvec/none,halfvec/hnsw,binary/none,binary/hnsw';

function intList(name: string, raw: string): number[] {
  return raw.split(',').map((part) => integerOption(name, part, 1));
}

export async function main(argv: readonly string[]): Promise<number> {
  const values = parseScriptArgs(
    argv,
    {
      size: { type: 'string', default: '10000' },
      dims: { type: 'string', default: '512' },
      queries: { type: 'string', default: '50' },
      ef: { type: 'string', default: '10,40,100,200' },
      probes: { type: 'string', default: '1,5,10,20' },
      lists: { type: 'string', default: '100' },
      configs: { type: 'string', default: DEFAULT_CONFIGS },
      'url-env': { type: 'string' },
    },
    USAGE,
  );
  const size = integerOption('--size', values.size, 1);
  const dims = integerOption('--dims', values.dims, 1);
  const queryCount = integerOption('--queries', values.queries, 1);
  const efList = intList('--ef', values.ef);
  const probeList = intList('--probes', values.probes);
  const lists = integerOption('--lists', values.lists, 1);
  const configs = values.configs.split(',').map((c) => {
    const [storage, index] = c.split('/');
    if (!['vector', 'halfvec', 'binary'].includes(storage) || !['none', 'hnsw', 'ivfflat'].includes(index)) {
      throw new UsageError({ field: '--configs' }, `expected storage/index (vector|halfvec|binary / none|hnsw|ivfflat), found '${c}'`);
    }
    return { storage: storage as PgStorage, index: index as PgAnnIndex['kind'] };
  });
  const urlEnv = values['url-env'];
  const userUrl = urlEnv === undefined ? undefined : connectionStringFromEnv(urlEnv);

  const log = (line: string) => console.log(line);
  log(`# node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  let t = performance.now();
  const corpus = generateCorpus({ size, seed: 7 });
  const vectors = corpus.map((r) => embeddingFor(r.text, 'text-embedding-3-small', dims));
  const queries = generateQueries({ size: queryCount, seed: 8 }).map((q) => embeddingFor(q.text, 'text-embedding-3-small', dims));
  const entries = vectors.map((v, i) => [corpus[i].id, v] as const);
  const flat = new FlatIndex({ initialCapacity: size });
  flat.addMany(entries);
  const exact = queries.map((q) => flat.search(q, 10));
  log(`# ${size} x ${dims} mock vectors (text-embedding-3-small), ${queryCount} queries, in ${(performance.now() - t).toFixed(0)} ms`);

  let server: PgliteServer | undefined;
  if (urlEnv === undefined) {
    t = performance.now();
    server = await startPgliteServer();
    log(`# database: PGlite 0.5.14 + pgvector 0.8 behind pglite-socket in a child process (one connection), started in ${(performance.now() - t).toFixed(0)} ms`);
  } else {
    log(`# database: the Postgres named by $${urlEnv}`);
  }
  const client = await connectPg({ connectionString: server?.url ?? userUrl!, queryTimeoutMs: 3_600_000 });
  log('');
  log('| storage | index | search param | recall@10 | query p50 ms | query p95 ms | load ms | build ms | total bytes (pg_total_relation_size) | table bytes (pg_table_size) | ANN index bytes (pg_relation_size) |');
  log('|---|---|---|---|---|---|---|---|---|---|---|');
  try {
    for (const config of configs) {
      const annIndex: PgAnnIndex =
        config.index === 'hnsw' ? { kind: 'hnsw', m: 16, efConstruction: 64 } : config.index === 'ivfflat' ? { kind: 'ivfflat', lists } : { kind: 'none' };
      const index = await PgVectorIndex.open({
        client,
        dimensions: dims,
        table: `bench_${config.storage}_${config.index}`,
        storage: config.storage,
        index: annIndex,
        reset: true,
        buildMemoryMb: 512,
      });
      t = performance.now();
      await index.addMany(entries);
      const loadMs = performance.now() - t;
      await index.buildIndex();
      await index.memoryBytes();
      const s = index.stats();
      const settings: { label: string; apply: () => void }[] =
        config.index === 'hnsw'
          ? efList.map((ef) => ({ label: `ef_search ${ef}`, apply: () => index.setSearchParams({ efSearch: ef }) }))
          : config.index === 'ivfflat'
            ? probeList.map((p) => ({ label: `probes ${p}`, apply: () => index.setSearchParams({ probes: p }) }))
            : [{ label: config.storage === 'binary' ? 'Hamming scan, re-rank 100' : 'exact scan', apply: () => {} }];
      for (const setting of settings) {
        setting.apply();
        await index.search(queries[0], 10); // applies the session setting; not timed
        const results: SearchHit[][] = [];
        const times: number[] = [];
        for (const q of queries) {
          const started = performance.now();
          results.push(await index.search(q, 10));
          times.push(performance.now() - started);
        }
        times.sort((a, b) => a - b);
        const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(1);
        log(
          `| ${config.storage} | ${config.index} | ${setting.label} | ${recallAtK(results, exact, 10).toFixed(3)} | ${pct(0.5)} | ${pct(0.95)} | ` +
            `${loadMs.toFixed(0)} | ${s.indexBuildMs.toFixed(0)} | ${s.pgTotalRelationBytes} | ${s.pgTableBytes} | ${s.pgAnnIndexBytes} |`,
        );
      }
      await index.drop();
    }
  } finally {
    await client.close();
    await server?.close();
  }
  return 0;
}

await runIfEntryPoint(import.meta.url, main);
