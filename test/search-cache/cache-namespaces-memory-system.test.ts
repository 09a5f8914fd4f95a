/**
 * The real MemorySystem, with namespaces, behind a real SearchCache (wired by createSearchCaches, as
 * createCachedMemory wires it), over NaiveIndex and FlatIndex, in both invalidation modes. cache-namespaces.test.ts
 * checks the cache against a model of the memory; this file checks the two together.
 *
 * Seeded interleavings of concurrent callers across four namespaces: adds (some without a namespace), updates that
 * move a memory to another namespace, deletes, and searches with and without a namespace and a metadata filter;
 * embeddings (of stored texts and of queries) resolve in an order drawn from the seed. Every search must equal an
 * uncached exact search of the same memory (`searchByVector`) at some moment within its call: when it was called, or
 * right after any write before it returned (the race checker's semantics: any moment within the call, never one
 * before it). Ids in order, scores within 1e-9.
 */
import { describe, expect, it } from 'vitest';
import { compareHits, cosine, matchesSearchFilter } from '../../src/memory/reference.mjs';
import { MemorySystem } from '../../src/memory/memory-system.ts';
import type { MemoryRecord, MemoryResult, SearchOptions, SearchResultCache, WriteEvent } from '../../src/memory/types.ts';
import { createSearchCaches } from '../../src/parts/search-cache/cached-memory.ts';
import type { InvalidationPolicy, SearchCache } from '../../src/parts/search-cache/search-cache.ts';
import { FlatIndex } from '../../src/parts/vector-index/flat-index.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { createRng } from '../../src/util/rng.ts';
import { GatedEmbedder, manualClock, settle } from '../support/cache-fakes.ts';
import { letterVector } from '../support/fake-embedder.ts';
import { stressSeedCount } from '../support/race-checker.ts';

const NAMESPACES = ['alice', 'bob', 'carol', 'dave'];
const TEXTS = ['abc', 'abd', 'bcd', 'cde', 'ace', 'bdf', 'abcd', 'efg', 'aab'];
const QUERIES = ['ab', 'bc', 'cd', 'ae', 'fg'];
const TOPICS = ['work', 'home'];
const SEEDS = Array.from({ length: stressSeedCount(6) }, (_, i) => i + 1);
const SCORE_TOLERANCE = 1e-9;

type IndexKind = 'naive' | 'flat';
/** Namespaces a write touched, or 'all' (a memory without namespace: any search may see it). */
type Touched = readonly string[] | 'all';

interface StressReport {
  searches: number;
  hits: number;
  /** Namespaced hits on an entry computed before a write to another namespace (and none to its own). */
  hitsAcrossOtherWrites: number;
  /** Searches with at least one write between their call and their answer. */
  searchesSpanningWrites: number;
  /** Updates that moved a memory to another namespace. */
  moves: number;
  violations: string[];
}

/** A search in flight: the exact answers of the memory at each moment within its call. */
interface OpenSearch {
  query: string;
  options: SearchOptions;
  candidates: Array<Promise<MemoryResult[]>>;
}

/**
 * The memory and its caches. `breakKey` files every search without its namespace (a cache whose key forgot the
 * namespace), to show the checks catch it.
 */
function build(invalidation: InvalidationPolicy, indexKind: IndexKind, breakKey = false) {
  const clock = manualClock();
  const embedder = new GatedEmbedder();
  const index = indexKind === 'flat' ? new FlatIndex({ initialCapacity: 64 }) : new NaiveIndex();
  let memory: MemorySystem | undefined;
  const { cache, embeddings } = createSearchCaches({
    embedder,
    index,
    record: (id) => memory?.get(id),
    // Small enough to evict, a TTL the steps (1 ms each) can reach: both mixed in with invalidation.
    cache: { invalidation, maxEntries: 40, ttlMs: 300, now: clock.now },
  });
  const afterWrite: Array<(event: WriteEvent) => void> = [];
  // The cache as the memory sees it, with a hook right after every write: the moments a search may reflect.
  const observed: SearchResultCache = {
    getOrCompute: (query, options, generation, compute) => {
      if (!breakKey) return cache.getOrCompute(query, options, generation, compute);
      const { namespace: _dropped, ...withoutNamespace } = options;
      return cache.getOrCompute(query, withoutNamespace, generation, compute);
    },
    onWrite: (event) => {
      cache.onWrite(event);
      for (const listener of afterWrite) listener(event);
    },
  };
  memory = new MemorySystem({ embedder, queryEmbedder: embeddings, index, cache: observed });
  return { memory, cache, embedder, clock, afterWrite };
}

function touchedBy(event: WriteEvent): Touched {
  const namespaces = [event.namespace, ...(event.kind === 'update' ? [event.previousNamespace] : [])];
  return namespaces.every((n): n is string => n !== undefined) ? namespaces : 'all';
}

function sameAnswer(got: readonly MemoryResult[], expected: readonly MemoryResult[]): boolean {
  return (
    got.length === expected.length &&
    got.every((r, i) => r.id === expected[i].id && Math.abs(r.score - expected[i].score) <= SCORE_TOLERANCE)
  );
}

const describeResults = (results: readonly MemoryResult[]) => `[${results.map((r) => `${r.id}@${r.namespace ?? '-'}`).join(',')}]`;

/** The exact answer from the records alone (reference cosine, ties by id): checks the uncached search itself. */
function referenceAnswer(records: ReadonlyMap<string, MemoryRecord>, query: string, options: SearchOptions): MemoryResult[] {
  const q = letterVector(query);
  const filter = { namespace: options.namespace, metadata: options.filter };
  return [...records.values()]
    .filter((record) => matchesSearchFilter(record, filter))
    .map((record) => ({ ...record, score: cosine(q, letterVector(record.text)) }))
    .sort(compareHits)
    .slice(0, options.topK ?? 5);
}

async function runStress(seed: number, invalidation: InvalidationPolicy, indexKind: IndexKind, breakKey = false): Promise<StressReport> {
  const rng = createRng(seed);
  const { memory, cache, embedder, clock, afterWrite } = build(invalidation, indexKind, breakKey);
  const report: StressReport = { searches: 0, hits: 0, hitsAcrossOtherWrites: 0, searchesSpanningWrites: 0, moves: 0, violations: [] };
  const open = new Set<OpenSearch>();
  /** What each generation's write touched (index = generation). */
  const touched: Touched[] = [[]];
  /** The memory's records as its write events describe them (for the reference check). */
  const records = new Map<string, MemoryRecord>();
  /** Generation at which each key's current entry started computing. */
  const computedAt = new Map<string, number>();
  afterWrite.push((event) => {
    touched[event.generation] = touchedBy(event);
    if (event.kind === 'update' && event.previousNamespace !== event.namespace) report.moves++;
    if (event.kind === 'delete') records.delete(event.id);
    else records.set(event.id, event.record!);
    for (const search of open) search.candidates.push(memory.searchByVector(letterVector(search.query), search.options));
  });

  const pending: Array<Promise<void>> = [];
  const search = (query: string, options: SearchOptions): Promise<void> => {
    report.searches++;
    const key = cache.keyOf(query, options);
    const before = cache.stats();
    const call: OpenSearch = { query, options, candidates: [memory.searchByVector(letterVector(query), options)] };
    open.add(call);
    const answered = memory.search(query, options);
    const after = cache.stats();
    const calledAt = memory.generation;
    if (after.hits > before.hits) {
      report.hits++;
      const since = touched.slice((computedAt.get(key) ?? calledAt) + 1, calledAt + 1);
      const own = since.some((t) => t === 'all' || options.namespace === undefined || t.includes(options.namespace));
      if (own && invalidation === 'generation') {
        report.violations.push(`seed ${seed}: '${query}' ${JSON.stringify(options)} was served across a write to its own namespace`);
      } else if (since.length > 0 && options.namespace !== undefined && !own) report.hitsAcrossOtherWrites++;
    } else if (after.misses > before.misses) computedAt.set(key, calledAt);
    return answered.then(
      async (got) => {
        open.delete(call);
        const candidates = await Promise.all(call.candidates);
        if (candidates.length > 1) report.searchesSpanningWrites++;
        const where = `seed ${seed}: '${query}' ${JSON.stringify(options)} called at generation ${calledAt}`;
        for (const r of got) {
          if (options.namespace !== undefined && r.namespace !== options.namespace) {
            report.violations.push(`${where} returned ${r.id} of namespace ${r.namespace ?? '(none)'}`);
          }
          if (options.filter && r.metadata?.topic !== options.filter.topic) report.violations.push(`${where} returned ${r.id} outside its filter`);
        }
        if (!candidates.some((expected) => sameAnswer(got, expected))) {
          report.violations.push(`${where} answered ${describeResults(got)}; the memory, uncached, gave ${candidates.map(describeResults).join(' or ')}`);
        }
      },
      (error: unknown) => {
        open.delete(call);
        report.violations.push(`seed ${seed}: search '${query}' failed: ${String(error)}`);
      },
    );
  };
  const drain = async () => {
    while (embedder.pending > 0 || open.size > 0) await embedder.releaseAll();
    await Promise.all(pending);
  };

  // The interleaving. Ids are assigned when add() is called: m<n> for the n-th add.
  let adds = 0;
  for (let step = 0; step < 400; step++) {
    clock.advance(1);
    const roll = rng.next();
    const someId = () => `m${rng.int(0, adds - 1)}`;
    const metadata = { topic: rng.pick(TOPICS) };
    if (roll < 0.09 || adds === 0) {
      const id = `m${adds++}`;
      const namespace = rng.next() < 0.1 ? undefined : rng.pick(NAMESPACES);
      pending.push(
        memory.add(rng.pick(TEXTS), metadata, { namespace }).then((got) => {
          if (got !== id) report.violations.push(`seed ${seed}: add got id ${got}, expected ${id}`);
        }),
      );
    } else if (roll < 0.15) {
      const id = someId();
      // Most updates move the memory (perhaps to where it already is); the others keep its namespace.
      const namespace = rng.next() < 0.7 ? rng.pick(NAMESPACES) : undefined;
      pending.push(
        memory.update(id, rng.pick(TEXTS), metadata, { namespace }).catch((error: unknown) => {
          // Unknown yet (still embedding its add) or deleted meanwhile: the race allows it.
          if (!(error instanceof RangeError)) report.violations.push(`seed ${seed}: update ${id} failed: ${String(error)}`);
        }),
      );
    } else if (roll < 0.19) {
      pending.push(memory.delete(someId()).then(() => undefined));
    } else if (roll < 0.75) {
      const options: SearchOptions = { topK: rng.next() < 0.8 ? 3 : 1 };
      if (rng.next() < 0.8) options.namespace = rng.pick(NAMESPACES);
      if (rng.next() < 0.25) options.filter = { topic: rng.pick(TOPICS) };
      pending.push(search(rng.pick(QUERIES), options));
    } else if (embedder.pending > 0) {
      const texts = embedder.pendingTexts;
      await embedder.release(texts[rng.int(0, texts.length - 1)]);
    }
    if (rng.next() < 0.3) await settle();
  }
  await drain();

  // The uncached search itself is exact (NaiveIndex scores by the reference cosine; FlatIndex rounds to float32).
  if (indexKind === 'naive') {
    for (const query of QUERIES) {
      for (const namespace of [undefined, ...NAMESPACES]) {
        for (const filter of [undefined, { topic: 'work' }]) {
          const options: SearchOptions = { topK: 3, namespace, filter };
          const uncached = await memory.searchByVector(letterVector(query), options);
          if (!sameAnswer(uncached, referenceAnswer(records, query, options))) {
            report.violations.push(`seed ${seed}: uncached '${query}' ${JSON.stringify(options)} differs from the reference`);
          }
        }
      }
    }
  }
  return report;
}

/**
 * With the memory at rest: searches every query in every namespace (filling the cache), adds a memory to `target`,
 * searches them all again and returns each namespace's hits in that second round. Each answer is checked against
 * the uncached memory (at rest, its answer now is the only right one).
 */
async function hitsAfterOneWrite(invalidation: InvalidationPolicy, indexKind: IndexKind, target: string) {
  const { memory, cache, embedder } = build(invalidation, indexKind);
  const settled = async <T>(work: Promise<T>): Promise<T> => {
    let done = false;
    const tracked = work.finally(() => (done = true));
    while (!done) await embedder.releaseAll();
    return tracked;
  };
  for (const [i, text] of TEXTS.entries()) await settled(memory.add(text, { topic: TOPICS[i % 2] }, { namespace: NAMESPACES[i % 4] }));
  const searchAll = async () => {
    const hits = new Map<string, number>();
    for (const namespace of NAMESPACES) {
      for (const query of QUERIES) {
        const before = cache.stats().hits;
        const got = await settled(memory.search(query, { namespace, topK: 3 }));
        expect(got).toEqual(await memory.searchByVector(letterVector(query), { namespace, topK: 3 }));
        hits.set(namespace, (hits.get(namespace) ?? 0) + cache.stats().hits - before);
      }
    }
    return hits;
  };
  await searchAll();
  await settled(memory.add('abcd', { topic: 'work' }, { namespace: target }));
  return searchAll();
}

describe('SearchCache in front of the real MemorySystem with namespaces', () => {
  for (const invalidation of ['generation', 'targeted'] as const) {
    for (const indexKind of ['naive', 'flat'] as const) {
      it(`${invalidation} over ${indexKind}: every search equals the uncached memory within its call, in its own namespace only (seeded)`, async () => {
        for (const seed of SEEDS) {
          const report = await runStress(seed, invalidation, indexKind);
          expect(report.violations).toEqual([]);
          // Each seed really races (searches span writes, memories move) and really caches: the checks are not
          // passed by recomputing everything, and entries outlive writes to other namespaces.
          expect(report.searches).toBeGreaterThan(100);
          expect(report.searchesSpanningWrites, `seed ${seed}`).toBeGreaterThan(0);
          expect(report.moves, `seed ${seed}`).toBeGreaterThan(0);
          expect(report.hits, `seed ${seed}`).toBeGreaterThan(0);
          expect(report.hitsAcrossOtherWrites, `seed ${seed}`).toBeGreaterThan(0);
        }
      });

      it(`${invalidation} over ${indexKind}: a write to one namespace leaves the other namespaces' entries cached`, async () => {
        for (const target of NAMESPACES) {
          const hits = await hitsAfterOneWrite(invalidation, indexKind, target);
          for (const namespace of NAMESPACES) {
            if (namespace !== target) expect(hits.get(namespace), `${namespace} after a write to ${target}`).toBe(QUERIES.length);
          }
          // 'generation' retires the whole namespace written to; 'targeted' only the entries the new memory beats.
          if (invalidation === 'generation') expect(hits.get(target)).toBe(0);
        }
      });
    }
  }

  it('the checks catch a cache whose key forgets the namespace', async () => {
    const violations = (await Promise.all(SEEDS.slice(0, 2).map((seed) => runStress(seed, 'generation', 'naive', true)))).flatMap(
      (report) => report.violations,
    );
    expect(violations.some((v) => v.includes('of namespace'))).toBe(true);
  });
});
