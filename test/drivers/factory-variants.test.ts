import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeTrace, type TraceOp } from '../../src/datasets/traces.ts';
import { indexCompressionDriver, type IndexFactory } from '../../src/drivers/index-compression.ts';
import { parallelApiDriver } from '../../src/drivers/parallel-api.ts';
import { searchTraceDriver, type SearchCacheFactory } from '../../src/drivers/search-trace.ts';
import { startInProcessEndpoint, type InProcessEndpoint } from '../../src/endpoint/in-process-endpoint.ts';
import { createMemoryProbe } from '../../src/measure/memory-probe.ts';
import { runScenario } from '../../src/harness/runner.ts';
import { defineScenario, validateScenario } from '../../src/harness/scenario-schema.ts';
import type { FactoryVariant, RunContext } from '../../src/harness/types.ts';
import type { MemoryResult, SearchHit, SearchOptions, SearchResultCache, VectorIndex, WriteEvent } from '../../src/memory/types.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { prepareContext } from '../support/endpoints.ts';

let endpoint: InProcessEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

function context(): RunContext {
  endpoint = startInProcessEndpoint({ timeScale: 0, rateLimit: false });
  return { seed: 4, quick: true, endpoint, memory: createMemoryProbe(), repetition: 0, side: 'optimized', log: () => {} };
}

function factoryVariant<F>(factory: F, label = 'user'): FactoryVariant<F> {
  return { kind: 'factory', factory, label, version: '0.0.1' };
}

/** A user's index living "out of process": every method answers with a promise, after a macrotask. */
class RemoteLikeIndex implements VectorIndex {
  private readonly inner = new NaiveIndex();
  fitted = 0;
  searches = 0;
  get dimensions() {
    return this.inner.dimensions;
  }
  get size() {
    return this.inner.size;
  }
  private later<T>(value: () => T): Promise<T> {
    return new Promise((resolve) => setImmediate(() => resolve(value())));
  }
  add(id: string, vector: ArrayLike<number>): Promise<void> {
    return this.later(() => this.inner.add(id, Array.from(vector)));
  }
  remove(id: string): Promise<boolean> {
    return this.later(() => this.inner.remove(id));
  }
  search(vector: ArrayLike<number>, k: number): Promise<SearchHit[]> {
    this.searches++;
    return this.later(() => this.inner.search(vector, k));
  }
  memoryBytes(): Promise<number> {
    return this.later(() => this.inner.memoryBytes());
  }
  async fit(sample: readonly ArrayLike<number>[]): Promise<{ sampleRows: number }> {
    this.fitted = sample.length;
    return { sampleRows: sample.length };
  }
  stats(): Record<string, number> {
    return { searches: this.searches, fitted: this.fitted };
  }
}

describe('a factory variant (a user part) in each driver that takes one', () => {
  it('index-compression: a VectorIndex whose methods return promises is fitted, filled and measured like memopt\'s', async () => {
    const workload = indexCompressionDriver.workloadSchema.parse({ size: 120, queryCount: 12, sweepWidths: [] });
    const prepared = await indexCompressionDriver.prepare(workload, prepareContext(4));
    let built: RemoteLikeIndex | undefined;
    const factory: IndexFactory = ({ dimensions, capacity }) => {
      expect([dimensions, capacity]).toEqual([1536, 120]);
      return (built = new RemoteLikeIndex());
    };
    const out = await indexCompressionDriver.run(prepared, factoryVariant(factory, 'remote-like'), context());
    // An exact index behind promises: exact recall, NaiveIndex's bytes, a fit over the whole collection.
    expect(out.metrics).toMatchObject({ recall_at_1: 1, recall_at_10: 1, index_bytes: 120 * 1536 * 8, fit_rows: 120 });
    expect(built!.size).toBe(120);
    const stats = out.details!.find((t) => t.name === 'part_stats')!;
    expect(stats.rows).toEqual([['searches', 12], ['fitted', 120]]);
    expect(out.details!.find((t) => t.name === 'indexes')!.rows[0][0]).toBe('remote-like');
  });

  it('search-trace: a user cache gets the generic hit rate and the stale check (any cache, any index)', async () => {
    const ops: TraceOp[] = [
      { op: 'search', text: 'dark mode', options: { topK: 3 } },
      { op: 'search', text: 'dark mode', options: { topK: 3 } },
      { op: 'add', text: 'The user switched the editor to dark mode.' },
      { op: 'search', text: 'dark mode', options: { topK: 3 } },
      { op: 'search', text: 'lunch', options: { topK: 2 } },
      { op: 'search', text: 'lunch', options: { topK: 2 } },
    ];
    const dir = await mkdtemp(join(tmpdir(), 'memopt-factory-'));
    const trace = join(dir, 'trace.jsonl');
    await writeTrace(trace, ops);
    const workload = searchTraceDriver.workloadSchema.parse({ trace, preload: 20, clients: 1, dimensions: 64, measureHitCost: false });
    const prepared = await searchTraceDriver.prepare(workload, prepareContext(4));

    /** Exact query strings; `forgetOnWrite` false makes it serve results from before a write (stale). */
    const mapCache = (forgetOnWrite: boolean): SearchCacheFactory => () => {
      const entries = new Map<string, Promise<MemoryResult[]>>();
      let lookups = 0;
      const cache: SearchResultCache & { stats(): Record<string, number> } = {
        getOrCompute(query: string, options: SearchOptions, _generation: number, compute: () => Promise<MemoryResult[]>) {
          lookups++;
          const key = `${JSON.stringify(options)}\n${query}`;
          let entry = entries.get(key);
          if (!entry) entries.set(key, (entry = compute()));
          return entry;
        },
        onWrite(_event: WriteEvent) {
          if (forgetOnWrite) entries.clear();
        },
        stats: () => ({ lookups, entries: entries.size }),
      };
      return cache;
    };
    const fresh = await searchTraceDriver.run(prepared, factoryVariant(mapCache(true)), context());
    // Searches: dark(miss) dark(hit) | add | dark(miss) lunch(miss) lunch(hit): 2 of 5 answered without computing.
    expect(fresh.metrics).toMatchObject({ hit_rate: 2 / 5, cache_hits: 2, stale_results: 0, api_requests: 3, search_errors: 0 });
    expect(fresh.details!.find((t) => t.name === 'part_stats')!.rows).toEqual([['lookups', 5], ['entries', 2]]);
    await endpoint!.close();
    endpoint = undefined;

    const stale = await searchTraceDriver.run(prepared, factoryVariant(mapCache(false)), context());
    expect(stale.metrics).toMatchObject({ hit_rate: 3 / 5, stale_results: 1 });
  });

  it('search-trace with another index behind the cache: the stale check asks a fresh index of that kind', async () => {
    const ops: TraceOp[] = [
      { op: 'search', text: 'coffee', options: { topK: 4 } },
      { op: 'add', text: 'The user drinks coffee every morning.' },
      { op: 'search', text: 'coffee', options: { topK: 4 } },
      { op: 'search', text: 'coffee', options: { topK: 4 } },
    ];
    const dir = await mkdtemp(join(tmpdir(), 'memopt-factory-'));
    const trace = join(dir, 'trace.jsonl');
    await writeTrace(trace, ops);
    const workload = searchTraceDriver.workloadSchema.parse({ trace, preload: 30, clients: 1, dimensions: 64, measureHitCost: false, index: { index: 'flat' } });
    const prepared = await searchTraceDriver.prepare(workload, prepareContext(4));
    for (const params of [{ cache: 'none' }, { cache: 'search-cache', invalidation: 'generation' }]) {
      const out = await searchTraceDriver.run(prepared, searchTraceDriver.variantSchema.parse(params), context());
      expect(out.metrics.stale_results).toBe(0);
      await endpoint!.close();
      endpoint = undefined;
    }
  });
});

describe('factory variants in scenarios', () => {
  const indexScenario = (optimized: object) => ({
    name: 'factory-scenario',
    description: 'a user index',
    driver: indexCompressionDriver,
    workload: { size: 60, queryCount: 6, sweepWidths: [] },
    repetitions: { full: 1, quick: 1 },
    baseline: { label: 'flat', params: { index: 'flat' } },
    optimized,
    targets: [{ metric: 'recall_at_10', kind: 'min', min: 1 }],
  });

  it('are refused by a driver that takes params only, naming the field', () => {
    const scenario = defineScenario({
      name: 'parallel-factory',
      description: 'x',
      driver: parallelApiDriver,
      workload: { documents: 1, queries: 1 },
      baseline: { label: 'a', params: { mode: 'sequential' } },
      optimized: { label: 'b', params: { mode: 'sequential' } },
      targets: [{ metric: 'wall_time_ms', kind: 'max', max: 1 }],
    });
    const bad = { ...scenario, optimized: { label: 'mine', factory: () => ({}) } };
    expect(() => validateScenario('x.ts', bad, { quick: true })).toThrow(/optimized\.factory.*takes params only/);
  });

  it('refuse a factory that is not a function and a sweep of a factory variant', () => {
    expect(() => validateScenario('x.ts', indexScenario({ label: 'mine', factory: 'FlatIndex' }), { quick: true })).toThrow(/optimized/);
    const sweep = { ...indexScenario({ label: 'mine', factory: () => new NaiveIndex() }), sweep: { param: 'components', values: [8] } };
    expect(() => validateScenario('x.ts', sweep, { quick: true })).toThrow(/sweep.*factory variant/);
  });

  it('run through the runner, and run.json records the factory by label and version', async () => {
    const scenario = validateScenario('x.ts', indexScenario({ label: 'mine', factory: () => new RemoteLikeIndex(), version: '2.1.0' }), { quick: true });
    const result = await runScenario(scenario, { quick: true });
    expect(result.status).toBe('passed');
    expect(result.manifest!.optimizedParams).toEqual({ factory: 'mine', version: '2.1.0' });
    expect(result.manifest!.baselineParams).toEqual({ index: 'flat' });
    expect(result.details.find((t) => t.name === 'part_stats')!.columns).toEqual(['side', 'variant', 'repetition', 'stat', 'value']);
  });
});
