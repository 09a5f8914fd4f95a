import { defineScenario, searchTraceDriver } from 'memopt';

/**
 * Issue 3, TTL: the same SearchCache without a TTL and with a short one (shorter than the replay), to show the TTL
 * is honoured where it actually fires: entries expire (`expirations` > 0), no result is served past its TTL
 * (`ttl_violations`, checked by the driver from when each result was computed), and nothing is stale. The hit-rate
 * cost of the TTL is reported, not gated.
 */
export default defineScenario({
  name: 'search-cache-ttl',
  description: 'SearchCache without a TTL vs with a 250 ms TTL on the same trace: expiry honoured, nothing stale',
  driver: searchTraceDriver,
  seed: 42,
  workload: {
    trace: '../datasets/traces/search-quick.jsonl',
    dataset: '../datasets/memories.jsonl',
    preload: 1_000,
    clients: 8,
    model: 'text-embedding-3-small',
    dimensions: 256,
    caseFold: true,
    measureHitCost: false,
  },
  endpoint: { timeScale: 0.05, rateLimit: false },
  repetitions: { full: 2, quick: 1 },
  baseline: { label: 'no-ttl', params: { cache: 'search-cache', maxEntries: 500, ttlMs: 0, invalidation: 'targeted' } },
  optimized: { label: 'ttl-250ms', params: { cache: 'search-cache', maxEntries: 500, ttlMs: 250, invalidation: 'targeted' } },
  targets: [
    { metric: 'ttl_violations', kind: 'max', max: 0, note: 'no result served past its TTL' },
    { metric: 'expirations', kind: 'min', min: 1, note: 'the TTL actually fired during the replay' },
    { metric: 'stale_results', kind: 'max', max: 0 },
  ],
});
