import { defineScenario, ingestDriver } from 'memopt';

/**
 * memopt's own parts, chosen by params (the registry: every kind is in memopt's README and `npx memopt list` shows
 * what a scenario set): one embeddings request per text against memopt's batching embedder, ingesting memories from
 * concurrent producers into the same memory, against memopt's emulated OpenAI embeddings API (a server on 127.0.0.1
 * with modelled latency; nothing leaves the machine). `--endpoint URL` runs it against an OpenAI-compatible API.
 *
 * A relative path in a scenario (e.g. `workload.dataset: 'data/memories.jsonl'`) is read from this file's folder;
 * without one, memopt's shipped memories are used.
 *
 *   npx memopt run scenarios/stack.ts --quick
 */
export default defineScenario({
  name: 'stack-batch-embeddings',
  description: 'memories ingested by concurrent producers: one request per text vs batched requests',
  driver: ingestDriver,
  workload: { size: 1_000, producers: 32, model: 'text-embedding-3-small', measureBatcherOverhead: false },
  quick: { size: 200, producers: 16 },
  endpoint: { rateLimit: false },
  repetitions: { full: 3, quick: 1 },
  baseline: { label: 'naive', params: { embedder: 'naive' } },
  optimized: { label: 'batched', params: { embedder: 'batch', maxBatchSize: 64, maxWaitMs: 5 } },
  targets: [
    { metric: 'api_requests', kind: 'reduction', atLeastPct: 50, note: 'batches carry many texts per request' },
    { metric: 'texts_lost', kind: 'max', max: 0 },
    { metric: 'wrong_vectors', kind: 'max', max: 0, note: 'each text gets its own vector back' },
  ],
});
