import { describe, expect, it } from 'vitest';
import { filteredSearchDriver } from '../../src/drivers/filtered-search.ts';
import { indexCompressionDriver } from '../../src/drivers/index-compression.ts';
import { ingestDriver } from '../../src/drivers/ingest.ts';
import { parallelApiDriver } from '../../src/drivers/parallel-api.ts';
import { parallelSearchDriver } from '../../src/drivers/parallel-search.ts';
import { searchTraceDriver } from '../../src/drivers/search-trace.ts';
import { startInProcessEndpoint } from '../../src/endpoint/in-process-endpoint.ts';
import { runScenario } from '../../src/harness/runner.ts';
import { validateScenario } from '../../src/harness/scenario-schema.ts';
import type { CompletedScenarioResult, ScenarioResult } from '../../src/harness/types.ts';
import { buildMemory } from '../../src/parts/pipeline.ts';
import { indexParamsSchema, isExactIndex, REGISTERED_KINDS, StoreConnections, type IndexKind } from '../../src/parts/registry.ts';

/**
 * Every kind the registry builds, built from pipeline params into a memory, and run through every driver that
 * takes a part of its role (index kinds: index-compression and filtered-search; embedders: ingest; caches:
 * search-trace; processors: parallel-api; batch searchers: parallel-search). A kind added to the registry without a
 * case here fails the coverage check, so no kind is left unrun.
 */
const MOCK = { timeScale: 0, rateLimit: false as const };

/** Params for a kind, with what a kind cannot default (a Matryoshka width) or a small test cannot (PCA width) given. */
function indexParams(kind: IndexKind) {
  if (kind === 'matryoshka') return indexParamsSchema.parse({ index: kind, dimensions: 64 });
  if (kind === 'hybrid') return indexParamsSchema.parse({ index: kind, vector: { index: 'flat' } });
  if (kind === 'compressed') return indexParamsSchema.parse({ index: kind, components: 16 });
  return indexParamsSchema.parse({ index: kind });
}

/** Kinds that rank memory texts (VectorIndex.usesText): the vector-only drivers (index-compression, filtered-search) cannot feed them. */
const TEXT_KINDS = new Set<IndexKind>(['keyword', 'hybrid']);

/** A scenario with one interleaved pair; its one advisory target only satisfies the schema (the test asserts). */
async function run(definition: Record<string, unknown> & { check: string }): Promise<CompletedScenarioResult> {
  const { check, ...rest } = definition;
  const targets = [{ metric: check, kind: 'min', min: 0, gate: 'advisory' }];
  const scenario = validateScenario('every-kind.ts', { description: 'every registered kind', repetitions: { full: 1, quick: 1 }, endpoint: MOCK, targets, ...rest }, { quick: true });
  const result: ScenarioResult = await runScenario(scenario, { quick: true });
  if (result.status === 'errored') throw new Error(`${String(definition.name)}: ${result.error.message}`);
  return result;
}

function metric(result: CompletedScenarioResult, name: string, side: 'baseline' | 'optimized' = 'optimized'): number | null {
  const found = result.metrics.find((m) => m.name === name);
  if (!found) throw new Error(`${result.name}: no metric ${name}`);
  return found[side];
}

describe('every registered kind', () => {
  it('has a case here for every role and kind', () => {
    expect(Object.keys(REGISTERED_KINDS).sort()).toEqual(['batchSearcher', 'cache', 'embedder', 'index', 'processor']);
    expect(REGISTERED_KINDS.index.length).toBeGreaterThanOrEqual(9);
  });

  for (const kind of REGISTERED_KINDS.index) {
    it(`index '${kind}': a memory built from pipeline params stores and finds its own texts`, async () => {
      const endpoint = startInProcessEndpoint(MOCK);
      const stores = new StoreConnections();
      const texts = Array.from({ length: 40 }, (_, i) => `memory ${i}: the ${['red', 'blue', 'green', 'grey'][i % 4]} bicycle was left at station ${i * 7}`);
      const dims = 256;
      try {
        const { memory, close } = await buildMemory(
          { embedder: { embedder: 'naive' }, cache: { cache: 'search-cache', invalidation: 'generation' }, index: indexParams(kind) },
          { client: endpoint.createClient(), model: 'text-embedding-3-small', dimensions: dims, capacity: texts.length, stores },
        );
        const vectors = await Promise.all(texts.map((t) => memory.embedder.embed(t)));
        if (memory.index.fit) await memory.index.fit(vectors);
        await memory.addMany(texts.map((text, i) => ({ text, vector: vectors[i] })));
        await memory.index.build?.();
        expect(memory.size).toBe(texts.length);
        for (const i of [0, 17, 39]) {
          const [top] = await memory.search(texts[i], { topK: 3 });
          expect(top.text).toBe(texts[i]);
          if (isExactIndex(indexParams(kind))) expect(top.score).toBeCloseTo(1, 5);
        }
        // The second search of a text is the cache's: same answer, no request.
        const before = (await endpoint.ledger()).requests;
        await memory.search(texts[17], { topK: 3 });
        expect((await endpoint.ledger()).requests).toBe(before);
        expect(memory.index.describe?.().kind).toBe(kind);
        await close();
      } finally {
        await stores.close();
        await endpoint.close();
      }
    }, 120_000);

    it(`index '${kind}': runs through index-compression and filtered-search`, async () => {
      const params = indexParams(kind);
      if (TEXT_KINDS.has(kind)) {
        // Ranks memory texts: the vector-only drivers give none, and it says so rather than answering nothing.
        const refused = run({
          name: `every-kind-compression-${kind}`,
          driver: indexCompressionDriver,
          check: 'recall_at_10',
          workload: { size: 80, queryCount: 6, dimensions: 256, sweepWidths: [] },
          baseline: { label: 'flat', params: { index: 'flat' } },
          optimized: { label: kind, params },
        });
        await expect(refused).rejects.toThrow(/attributes\.text/);
        return;
      }
      const compression = await run({
        name: `every-kind-compression-${kind}`,
        driver: indexCompressionDriver,
        check: 'recall_at_10',
        workload: { size: 80, queryCount: 6, dimensions: 256, sweepWidths: [] },
        baseline: { label: 'flat', params: { index: 'flat' } },
        optimized: { label: kind, params },
      });
      expect(metric(compression, 'index_bytes')).toBeGreaterThan(0);
      const recall = metric(compression, 'recall_at_10')!;
      if (isExactIndex(params)) expect(recall).toBe(1);
      else expect(recall).toBeGreaterThan(0);
      const filtered = await run({
        name: `every-kind-filtered-${kind}`,
        driver: filteredSearchDriver,
        check: 'recall_at_10',
        workload: { size: 80, queryCount: 6, users: 4, dimensions: 256, indexes: [params] },
        baseline: { label: 'over-fetch', params: { filtering: 'over-fetch' } },
        optimized: { label: 'native', params: { filtering: 'native' } },
      });
      expect(metric(filtered, 'indexes_measured')).toBe(1);
      const row = filtered.details.find((t) => t.name === 'indexes_filtered')!.rows[0];
      expect(row[3]).toBe(kind); // side, variant, repetition, then the index kind
    }, 180_000);
  }

  for (const embedder of REGISTERED_KINDS.embedder) {
    it(`embedder '${embedder}': runs through ingest, every text stored with its own vector`, async () => {
      const result = await run({
        name: `every-kind-ingest-${embedder}`,
        driver: ingestDriver,
        check: 'api_requests',
        workload: { size: 30, producers: 6, dimensions: 64, measureBatcherOverhead: false },
        baseline: { label: 'naive', params: { embedder: 'naive' } },
        optimized: { label: embedder, params: { embedder } },
      });
      expect(metric(result, 'texts_lost')).toBe(0);
      expect(metric(result, 'wrong_vectors')).toBe(0);
    }, 60_000);
  }

  for (const cache of REGISTERED_KINDS.cache) {
    it(`cache '${cache}': runs through search-trace, no stale result`, async () => {
      const result = await run({
        name: `every-kind-trace-${cache}`,
        driver: searchTraceDriver,
        check: 'hit_rate',
        workload: { trace: 'test/fixtures/traces/search-small.jsonl', preload: 100, clients: 4, boundCapacities: [50], measureHitCost: false },
        baseline: { label: 'none', params: { cache: 'none' } },
        optimized: { label: cache, params: { cache } },
      });
      expect(metric(result, 'stale_results', 'baseline')).toBe(0);
      if (cache !== 'naive') expect(metric(result, 'stale_results')).toBe(0); // the seed's cache may serve stale results: that is its flaw
      expect(metric(result, 'search_errors')).toBe(0);
    }, 60_000);
  }

  for (const mode of REGISTERED_KINDS.processor) {
    it(`processor '${mode}': runs through parallel-api, every answer right, no write lost`, async () => {
      const result = await run({
        name: `every-kind-parallel-api-${mode}`,
        driver: parallelApiDriver,
        check: 'api_requests',
        workload: { corpusSize: 50, documents: 6, queries: 6, dimensions: 64, curve: [] },
        baseline: { label: 'sequential', params: { mode: 'sequential' } },
        optimized: { label: mode, params: mode === 'sequential' ? { mode } : { mode, concurrency: 4 } },
      });
      expect(metric(result, 'wrong_results')).toBe(0);
      expect(metric(result, 'lost_writes')).toBe(0);
    }, 60_000);
  }

  for (const mode of REGISTERED_KINDS.batchSearcher) {
    it(`batch searcher '${mode}': runs through parallel-search, every answer the main thread's`, async () => {
      const result = await run({
        name: `every-kind-parallel-search-${mode}`,
        driver: parallelSearchDriver,
        check: 'wrong_results',
        workload: { vectors: 300, queries: 4, dimensions: 64, workerCounts: [1], measureOneAtATime: false },
        baseline: { label: 'main-thread', params: { mode: 'main-thread' } },
        optimized: { label: mode, params: mode === 'main-thread' ? { mode } : { mode, workers: 2 } },
      });
      expect(metric(result, 'wrong_results')).toBe(0);
      expect(metric(result, 'reference_mismatches')).toBe(0);
    }, 60_000);
  }
});
