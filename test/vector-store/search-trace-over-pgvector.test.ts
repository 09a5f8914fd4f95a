import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTrace, type TraceOp } from '../../src/datasets/traces.ts';
import { createMemoryProbe } from '../../src/measure/memory-probe.ts';
import type { RunContext } from '../../src/harness/types.ts';
import { startInProcessEndpoint } from '../../src/endpoint/in-process-endpoint.ts';
import { prepareContext } from '../support/endpoints.ts';
import { searchTraceDriver, type SearchTraceVariant } from '../../src/drivers/search-trace.ts';

// topK 100 covers every memory, so every add changes every cached result: a repeat after an add must recompute.
const all = { topK: 100 };
const ops: TraceOp[] = [
  { op: 'search', text: 'dark mode', options: all },
  { op: 'search', text: 'Dark  Mode', options: all },
  { op: 'add', text: 'The user switched the editor to dark mode.', metadata: { topic: 'editor' } },
  { op: 'search', text: 'dark mode', options: all }, // naive: stale hit; SearchCache: recomputed
  { op: 'search', text: 'lunch', options: { topK: 2 } },
  { op: 'search', text: 'lunch', options: { topK: 2 } },
  { op: 'search', text: 'dark mode', options: all }, // naive: stale again
];

let prepared: Awaited<ReturnType<typeof searchTraceDriver.prepare>>;
beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'memopt-search-trace-pg-'));
  const trace = join(dir, 'trace.jsonl');
  await writeTrace(trace, ops);
  const workload = searchTraceDriver.workloadSchema.parse({
    trace,
    preload: 20,
    clients: 1,
    dimensions: 64,
    measureHitCost: false,
    index: { index: 'pgvector' },
    staleScoreTolerance: 1e-6,
  });
  prepared = await searchTraceDriver.prepare(workload, prepareContext(1));
});
afterAll(() => searchTraceDriver.release!(prepared), 30_000);

async function run(params: unknown) {
  const endpoint = startInProcessEndpoint({ timeScale: 0, rateLimit: false });
  try {
    const context: RunContext = { seed: 1, quick: true, endpoint, memory: createMemoryProbe(), repetition: 1, side: 'optimized', log: () => {} };
    return (await searchTraceDriver.run(prepared, searchTraceDriver.variantSchema.parse(params) as SearchTraceVariant, context)).metrics;
  } finally {
    await endpoint.close();
  }
}

/**
 * The search-trace driver with workload.index = pgvector (a PGlite server in a child process, over the wire):
 * searches that reach the index are counted (database round trips), and the stale check compares served results
 * with uncached searches of a fresh pgvector table: it passes an uncached replay and catches the naive cache.
 */
describe('the search trace over pgvector', () => {
  it('without a cache: every search reaches the database, none stale', async () => {
    const m = await run({ cache: 'none' });
    expect(m).toMatchObject({ stale_results: 0, api_requests: 6, index_searches: 6, search_errors: 0 });
    // 6 searches and the trace's one add; session settings may add statements, never remove any.
    expect(m.db_queries).toBeGreaterThanOrEqual(7);
  }, 240_000);

  it("the naive cache's stale results are caught against pgvector", async () => {
    const m = await run({ cache: 'naive', maxEntries: 10, ttlMs: 60_000 });
    expect(m).toMatchObject({ stale_results: 2, cache_hits: 3, index_searches: 3 });
  }, 120_000);

  it('SearchCache saves round trips and embedding requests and is never stale', async () => {
    const m = await run({ cache: 'search-cache', maxEntries: 10, ttlMs: 60_000, invalidation: 'generation' });
    expect(m).toMatchObject({ stale_results: 0, search_errors: 0 });
    expect(m.index_searches).toBeLessThan(6);
    expect(m.index_searches).toBe(6 - (m.cache_hits as number) - ((m.inflight_joins as number) ?? 0));
    expect(m.api_requests).toBe(2);
  }, 120_000);

  it("SearchCache with targeted invalidation from the write event's vector: never stale, keeps what the add cannot change", async () => {
    const m = await run({ cache: 'search-cache', maxEntries: 10, ttlMs: 60_000, invalidation: 'targeted' });
    expect(m).toMatchObject({ stale_results: 0, search_errors: 0 });
    // The add changes every topK-100 result ('dark mode': fewer than k memories) and is checked against 'lunch'.
    expect(m.invalidations).toBeGreaterThanOrEqual(1);
    expect(m.index_searches).toBe(6 - (m.cache_hits as number) - ((m.inflight_joins as number) ?? 0));
    expect(m.cache_hits).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
