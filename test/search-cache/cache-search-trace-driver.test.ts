import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
  { op: 'search', text: 'Dark  Mode', options: all }, // near-duplicate: a SearchCache hit, a naive miss
  { op: 'add', text: 'The user switched the editor to dark mode.', metadata: { topic: 'editor' } },
  { op: 'search', text: 'dark mode', options: all }, // naive: stale hit; SearchCache: invalidated, recomputed
  { op: 'search', text: 'lunch', options: { topK: 2 } },
  { op: 'search', text: 'lunch', options: { topK: 2 } }, // a hit for both
  { op: 'search', text: 'dark mode', options: all }, // a hit for both; fresh for SearchCache, stale for naive
];

async function run(params: unknown) {
  const dir = await mkdtemp(join(tmpdir(), 'memopt-search-trace-'));
  const trace = join(dir, 'trace.jsonl');
  await writeTrace(trace, ops);
  const workload = searchTraceDriver.workloadSchema.parse({ trace, preload: 20, clients: 1, dimensions: 64, measureHitCost: false });
  const prepared = await searchTraceDriver.prepare(workload, prepareContext(1));
  const endpoint = startInProcessEndpoint({ timeScale: 0, rateLimit: false });
  try {
    const context: RunContext = { seed: 1, quick: true, endpoint, memory: createMemoryProbe(), repetition: 1, side: 'optimized', log: () => {} };
    return (await searchTraceDriver.run(prepared, searchTraceDriver.variantSchema.parse(params) as SearchTraceVariant, context)).metrics;
  } finally {
    await endpoint.close();
  }
}

describe('the search-trace driver', () => {
  it('finds no stale result without a cache (the check is its own control) and sends one request per search', async () => {
    const m = await run({ cache: 'none' });
    expect(m).toMatchObject({ stale_results: 0, api_requests: 6, hit_rate: 0, search_errors: 0 });
  });

  it("counts the naive cache's stale results", async () => {
    const m = await run({ cache: 'naive', maxEntries: 10, ttlMs: 60_000 });
    expect(m).toMatchObject({ stale_results: 2, cache_hits: 3, api_requests: 3 });
  });

  it('serves SearchCache results that are never stale, with near-duplicates as hits', async () => {
    const m = await run({ cache: 'search-cache', maxEntries: 10, ttlMs: 60_000, invalidation: 'targeted' });
    expect(m).toMatchObject({ stale_results: 0, cache_hits: 3, invalidations: 1, ttl_violations: 0 });
    // 'dark mode' recomputed after the add without a second embedding request: 2 distinct queries, 2 requests.
    expect(m.api_requests).toBe(2);
    expect(m.hit_rate).toBeCloseTo(3 / 6);
    expect(m.belady_hit_rate).toBeCloseTo(3 / 6);
    expect(m.infinite_cache_hit_rate).toBeCloseTo(3 / 6);
  });
});
