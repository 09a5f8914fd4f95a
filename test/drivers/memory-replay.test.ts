import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryReplayDriver, type MemoryReplayVariant } from '../../src/drivers/memory-replay.ts';
import { startInProcessEndpoint, type InProcessEndpoint } from '../../src/endpoint/in-process-endpoint.ts';
import { createMemoryProbe } from '../../src/measure/memory-probe.ts';
import { createIndex } from '../../src/parts/registry.ts';
import type { RunContext } from '../../src/harness/types.ts';
import type { MemoryResult, SearchOptions, SearchResultCache, VectorIndex } from '../../src/memory/types.ts';
import type { AgentTraceOpInput } from '../../src/datasets/agent-trace.ts';
import { prepareContext } from '../support/endpoints.ts';

const endpoints: InProcessEndpoint[] = [];
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
});

/** A fresh endpoint per run (one mocked API at a time: the previous one is closed first). */
async function context(side: 'baseline' | 'optimized' = 'optimized'): Promise<RunContext> {
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
  const endpoint = startInProcessEndpoint({ timeScale: 0, rateLimit: false });
  endpoints.push(endpoint);
  return { seed: 7, quick: true, endpoint, memory: createMemoryProbe(), repetition: 0, side, log: () => {} };
}

const T0 = Date.parse('2026-05-08T10:00:00Z');
const MINUTE = 60_000;

/**
 * Three users, interleaved minute by minute: each states facts, asks where they live, moves (an update), asks the
 * same question again, forgets a fact (a delete) and asks about it. The users share question texts, so a cache
 * that ignores the user answers one user with another's memory.
 */
function interleavedTrace(): AgentTraceOpInput[] {
  const users = ['alice', 'bob', 'carol'];
  const cities = { alice: ['Berlin', 'Paris'], bob: ['Oslo', 'Rome'], carol: ['Lima', 'Quito'] } as Record<string, [string, string]>;
  const perUser = (user: string): AgentTraceOpInput[] => {
    const [from, to] = cities[user];
    const id = (n: string) => `${user}-${n}`;
    return [
      { op: 'add', user, id: id('home'), text: `${user} lives in ${from}`, at: 0, metadata: { kind: 'fact' } },
      { op: 'add', user, id: id('pet'), text: `${user} has a cat called Miso`, at: 0, metadata: { kind: 'fact' } },
      { op: 'add', user, id: id('job'), text: `${user} works as a nurse at night`, at: 0 },
      { op: 'add', user, id: id('food'), text: `${user} does not eat mushrooms`, at: 0, metadata: { kind: 'preference' } },
      { op: 'search', user, text: 'where do I live?', k: 3, at: 0, relevant: [id('home')] },
      { op: 'update', user, id: id('home'), text: `${user} moved to ${to}`, at: 0 },
      { op: 'search', user, text: 'where do I live?', k: 3, at: 0, relevant: [id('home')] },
      { op: 'delete', user, id: id('pet'), at: 0 },
      { op: 'search', user, text: 'do I have a pet?', k: 3, at: 0 },
      { op: 'search', user, text: 'what facts do you know?', k: 5, at: 0, filter: { kind: 'fact' } },
      { op: 'search', user, text: 'where do I live?', k: 3, at: 0, relevant: [id('home')] },
      { op: 'search', user, text: 'where do I live?', k: 3, at: 0, relevant: [id('home')] },
    ];
  };
  const streams = users.map(perUser);
  const out: AgentTraceOpInput[] = [];
  for (let step = 0; step < streams[0].length; step++) {
    for (const stream of streams) out.push({ ...stream[step], at: T0 + out.length * MINUTE });
  }
  return out;
}

async function traceFile(ops: readonly AgentTraceOpInput[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'memory-replay-'));
  const file = join(dir, 'trace.jsonl');
  await writeFile(file, ops.map((op) => JSON.stringify(op)).join('\n') + '\n');
  return file;
}

async function prepare(ops: readonly AgentTraceOpInput[], workload: Record<string, unknown> = {}) {
  const parsed = memoryReplayDriver.workloadSchema.parse({ trace: await traceFile(ops), dimensions: 32, fitSample: 8, ...workload });
  return memoryReplayDriver.prepare(parsed, prepareContext(7));
}

const variant = (input: unknown) => memoryReplayDriver.variantSchema.parse(input) as MemoryReplayVariant;
const NAIVE = variant({ stack: { embedder: { embedder: 'naive' }, cache: { cache: 'none' }, index: { index: 'flat' } }, users: 1 });
const OPTIMIZED = variant({
  stack: { embedder: { embedder: 'batch', maxBatchSize: 64 }, cache: { cache: 'search-cache', ttlMs: 0 }, index: { index: 'flat' } },
  users: 3,
});

const trace = interleavedTrace();
const writes = trace.filter((op) => op.op !== 'search' && op.op !== 'delete').length;
const searches = trace.filter((op) => op.op === 'search').length;

describe('the memory-replay driver', () => {
  it('naive stack: one request per text, every search exact and its own user\'s, nothing stale or lost', async () => {
    const out = await memoryReplayDriver.run(await prepare(trace), NAIVE, await context('baseline'));
    expect(out.metrics).toMatchObject({
      api_requests: writes + searches,
      stale_results: 0,
      cross_user_results: 0,
      lost_writes: 0,
      write_errors: 0,
      search_errors: 0,
      recall_at_10: 1,
      recall_any_at_10_drop: 0,
      cache_hit_rate: 0,
    });
    expect(out.metrics.api_tokens).toBeGreaterThan(0);
    expect(out.metrics.cost_batch_api_usd).toBeCloseTo(out.metrics.cost_usd / 2, 12);
    // Context: the first k results' tokens, far fewer than the user's whole history by the last searches.
    expect(out.metrics.context_tokens_per_search).toBeGreaterThan(0);
    expect(out.metrics.history_tokens_per_search).toBeGreaterThan(out.metrics.context_tokens_per_search);
  });

  it('optimized stack, three users at once: fewer requests, cache hits, and each user still gets their own correct answers', async () => {
    const prepared = await prepare(trace);
    const out = await memoryReplayDriver.run(prepared, OPTIMIZED, await context());
    expect(out.metrics).toMatchObject({ stale_results: 0, cross_user_results: 0, lost_writes: 0, write_errors: 0, search_errors: 0, recall_at_10: 1, recall_any_at_10_drop: 0 });
    expect(out.metrics.api_requests).toBeLessThan((writes + searches) / 2);
    // The repeated 'where do I live?' of each user is answered from the cache until that user's next write.
    expect(out.metrics.cache_hit_rate).toBeGreaterThan(0);
    // ...and it takes every hit the trace allows a never-stale per-user cache: the shortfall gate is 0.
    expect(out.metrics.cache_hit_rate_bound).toBeGreaterThan(0);
    expect(out.metrics.cache_hit_shortfall).toBeCloseTo(0, 12);
    // Exact counters reproduce run after run.
    const again = await memoryReplayDriver.run(prepared, OPTIMIZED, await context());
    for (const name of ['api_requests', 'api_tokens', 'cache_hit_rate', 'index_bytes', 'recall_any_at_1', 'context_tokens_per_search']) {
      expect(again.metrics[name], name).toBe(out.metrics[name]);
    }
  });

  it('a cache that ignores writes (no invalidation) serves stale results: the counter can fail', async () => {
    const broken = variant({ ...OPTIMIZED, stack: { ...OPTIMIZED.stack, cache: { cache: 'naive', ttlMs: 3_600_000 } } });
    const out = await memoryReplayDriver.run(await prepare(trace), broken, await context());
    // Each user's second 'where do I live?' (after the move) is the cached answer naming the old city.
    expect(out.metrics.stale_results).toBeGreaterThanOrEqual(3);
    expect(out.metrics.cross_user_results).toBe(0);
  });

  it('a cache keyed without the user answers one user with another\'s memories: cross_user_results counts them', async () => {
    const withoutUser = (): SearchResultCache => {
      const entries = new Map<string, MemoryResult[]>();
      return {
        async getOrCompute(query: string, options: SearchOptions, _generation: number, compute: () => Promise<MemoryResult[]>) {
          const key = `${query}\n${JSON.stringify(options.filter ?? {})}`; // the bug: no options.namespace
          const hit = entries.get(key);
          if (hit) return hit;
          const results = await compute();
          entries.set(key, results);
          return results;
        },
        onWrite: () => entries.clear(),
      };
    };
    // One user at a time: bob asks 'where do I live?' right after alice did, with no write in between.
    const broken = variant({ users: 1, stack: { ...OPTIMIZED.stack, cache: withoutUser } });
    const out = await memoryReplayDriver.run(await prepare(trace), broken, await context());
    expect(out.metrics.cross_user_results).toBeGreaterThan(0);
  });

  it('an index that drops a write is caught by lost_writes', async () => {
    const dropping = async (): Promise<VectorIndex> => {
      const inner = await createIndex({ index: 'flat' });
      let adds = 0;
      const dropped = new Set<string>();
      return new Proxy(inner, {
        get(target, name, receiver) {
          if (name === 'add')
            return (id: string, vector: ArrayLike<number>, attributes: unknown) => {
              if (++adds === 2) return void dropped.add(id); // the second add never reaches the index
              return target.add(id, vector, attributes as never);
            };
          if (name === 'get') return (id: string) => (dropped.has(id) ? undefined : target.get!(id));
          const value = Reflect.get(target, name, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    };
    const broken = variant({ ...NAIVE, stack: { ...NAIVE.stack, index: dropping } });
    const out = await memoryReplayDriver.run(await prepare(trace), broken, await context());
    expect(out.metrics.lost_writes).toBe(1);
  });

  it('runs on the trace\'s virtual clock: a TTL shorter than the trace\'s gap expires entries, however fast the replay runs', async () => {
    const user = 'dana';
    const ops: AgentTraceOpInput[] = [
      { op: 'add', user, id: 'd1', text: 'dana likes tea', at: T0 },
      { op: 'search', user, text: 'what do I drink?', at: T0 + 1_000 },
      { op: 'search', user, text: 'what do I drink?', at: T0 + 2_000 }, // 1 s later: a hit
      { op: 'search', user, text: 'what do I drink?', at: T0 + 3 * 3_600_000 }, // hours later: expired
    ];
    const ttl = variant({ stack: { embedder: { embedder: 'naive' }, cache: { cache: 'search-cache', ttlMs: 60_000 }, index: { index: 'flat' } } });
    const out = await memoryReplayDriver.run(await prepare(ops), ttl, await context());
    expect(out.metrics.cache_hit_rate).toBeCloseTo(1 / 3, 12);
    // The TTL costs a hit the per-user ceiling counts (2 of 3 repeat since the last write): the shortfall gate fails.
    expect(out.metrics.cache_hit_shortfall).toBeCloseTo(1 / 3, 12);
  });

  it('maxUsers replays the first users\' streams whole, and only theirs', async () => {
    const out = await memoryReplayDriver.run(await prepare(trace, { maxUsers: 1 }), NAIVE, await context('baseline'));
    const alice = trace.filter((op) => op.user === 'alice');
    expect(out.metrics.api_requests).toBe(alice.filter((op) => op.op !== 'delete').length);
    expect(out.metrics).toMatchObject({ lost_writes: 0, stale_results: 0 });
  });

  it('relevance stacks are replayed once after the optimized side\'s first run and compared with a paired interval', async () => {
    const flat = { embedder: { embedder: 'naive' }, index: { index: 'flat' } };
    // A stack that answers every search with nothing: its recall_any@10 is 0.
    const empty = { embedder: { embedder: 'naive' }, index: async () => Object.assign(await createIndex({ index: 'flat' }), { search: () => [] }) };
    const prepared = await prepare(trace, { relevanceStacks: [{ label: 'flat', stack: flat }, { label: 'empty', stack: empty }], fusedLabel: 'flat', relevanceUsers: 3 });
    const out = await memoryReplayDriver.run(prepared, NAIVE, await context('optimized'));
    const table = out.details!.find((t) => t.name === 'stack_relevance')!;
    const column = (name: string) => table.columns.indexOf(name);
    expect(table.rows.map((r) => r[0])).toEqual(['flat', 'empty']);
    expect(table.rows[0][column('recall_any_at_10')]).toBe(1);
    expect(table.rows[1][column('recall_any_at_10')]).toBe(0);
    expect(out.metrics.fused_recall_any_at_10_margin).toBe(1);
    expect(table.rows[0][column('margin_ci95_low')]).toBe(1);
    expect(table.rows[0][column('best_other')]).toBe('empty');
    expect(table.rows[0][column('stale_results')]).toBe(0);
    expect(table.rows[0][column('lost_writes')]).toBe(0);
    // Not on the baseline side.
    const baseline = await memoryReplayDriver.run(prepared, NAIVE, await context('baseline'));
    expect(baseline.details!.some((t) => t.name === 'stack_relevance')).toBe(false);
  });

  it('keyword and hybrid memories replay through the driver like any stack: nothing stale, cross-user or lost', async () => {
    const stack = (index: unknown) => ({ embedder: { embedder: 'batch', maxWaitMs: 0 }, cache: { cache: 'search-cache', invalidation: 'generation' }, index });
    for (const index of [{ index: 'keyword' }, { index: 'hybrid', vector: { index: 'flat' } }]) {
      const out = await memoryReplayDriver.run(await prepare(trace), variant({ stack: stack(index), users: 3 }), await context());
      expect(out.metrics, JSON.stringify(index)).toMatchObject({ stale_results: 0, cross_user_results: 0, lost_writes: 0, write_errors: 0, search_errors: 0 });
    }
  });

  it('an index that needs a fit (sq8) is fitted before the replay and measured against exact search', async () => {
    const compressed = variant({ ...OPTIMIZED, stack: { ...OPTIMIZED.stack, cache: { cache: 'search-cache', invalidation: 'generation' }, index: { index: 'sq8' } } });
    const out = await memoryReplayDriver.run(await prepare(trace), compressed, await context());
    expect(out.metrics).toMatchObject({ stale_results: 0, cross_user_results: 0, lost_writes: 0 });
    expect(out.metrics.recall_at_10).toBeGreaterThan(0.9);
    expect(out.metrics.index_bytes).toBeGreaterThan(0);
  });
});
