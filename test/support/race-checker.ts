/**
 * Race stress drivers: seeded random interleavings of concurrent writes and searches, each checked against a
 * sequential replay of the same operations in the order they took effect.
 *
 * - runMemoryStress: concurrent MemorySystem add / update / delete / search, issued through ParallelProcessor.map,
 *   with embeddings resolving in a seeded random order, optionally behind memopt's SearchCache (generation or
 *   targeted invalidation). Effect order is recorded by a wrapper around the index: a write takes effect when the
 *   memory stores it in the index (one index write per memory generation), an uncached search when it scans.
 * - runSearcherStress: a WorkerPoolSearcher answering searches in worker threads while the main thread keeps adding,
 *   replacing and removing vectors of the same SharedVectorIndex. A search takes effect when it is called (its
 *   snapshot).
 *
 * What is checked:
 * 1. every scan the index answered equals NaiveIndex's answer on the replayed writes before it;
 * 2. every memory search (cached or not) equals the replayed memory's answer at some generation between its call
 *    and its return (linearizability; a cache may answer from any moment within the call, never from before it);
 * 3. no write is lost or invented: every add/update that resolved and every delete that returned true is in the
 *    effect log exactly once, and the final state (records, vectors, answers, cache included) equals the replay's.
 * Nothing is timed and nothing sleeps: the only waits are turns of the event loop.
 */
import { EmbeddingCache, SearchCache } from '../../src/parts/search-cache/index.ts';
import { NaiveIndex } from '../../src/parts/vector-index/naive-index.ts';
import { compareHits, matchesFilter } from '../../src/memory/reference.mjs';
import { DEFAULT_TOP_K, MemorySystem } from '../../src/memory/memory-system.ts';
import type {
  Embedder,
  EmbedderStats,
  Embedding,
  MemoryRecord,
  MemoryResult,
  SearchHit,
  SearchOptions,
  SearchResultCache,
  VectorIndex,
  WriteEvent,
} from '../../src/memory/types.ts';
import { createRng, seedFromString } from '../../src/util/rng.ts';
import { ParallelProcessor } from '../../src/parts/parallel/processor.ts';
import { SharedVectorIndex } from '../../src/parts/parallel/shared-index.ts';
import { WorkerPoolSearcher } from '../../src/parts/parallel/worker-searcher.ts';

export interface MemoryStressOptions {
  seed: number;
  /** Operations issued; default 80. */
  operations?: number;
  /** Vector width; default 12. */
  dimensions?: number;
  /** Distinct texts (a small pool, so equal vectors and tied scores happen); default 24. */
  texts?: number;
  /** Which index the memory uses; default 'shared' (SharedVectorIndex). A function makes any index (tests of the checker). */
  index?: 'naive' | 'shared' | (() => SyncInspectableIndex);
  /**
   * Search-result cache in front of the memory: memopt's SearchCache with 'generation' (default) or 'targeted'
   * invalidation, 'none', or a function making any SearchResultCache (a new cache is one line here).
   */
  cache?: 'none' | 'generation' | 'targeted' | (() => SearchResultCache);
  /** Operations in flight at once; default drawn from the seed, 1 to 8. */
  concurrency?: number;
}

export interface StressReport {
  seed: number;
  /** Operations issued. */
  operations: number;
  /** Searches whose answers were checked. */
  searchesChecked: number;
  /** Writes that took effect. */
  writes: number;
  /** Operations that failed as the race allows (update of an id not stored yet, or deleted while embedding). */
  expectedFailures: number;
  /** Everything that disagreed with the sequential replay; empty when no race was detected. */
  violations: string[];
}

/** A deterministic float32 vector per text, so equal texts give equal vectors (and tied scores). */
export function stressVector(text: string, dims: number): number[] {
  const rng = createRng(seedFromString(`stress:${text}`));
  return Array.from({ length: dims }, (_, i) => Math.fround(rng.normal() / Math.sqrt(i + 1)));
}

/** Embeddings that resolve when the caller says (release(i)), in the order it draws: each text's vector is stressVector's. */
export class ScheduledEmbedder implements Embedder {
  readonly model = 'stress';
  readonly pending: Array<{ text: string; resolve: (v: Embedding) => void }> = [];
  private calls = 0;
  constructor(readonly dimensions: number) {}
  embed(text: string): Promise<Embedding> {
    this.calls++;
    return new Promise((resolve) => this.pending.push({ text, resolve }));
  }
  embedMany(texts: readonly string[]): Promise<Embedding[]> {
    return Promise.all(texts.map((t) => this.embed(t)));
  }
  /** Resolves the pending call at position i. */
  release(i: number): void {
    const [call] = this.pending.splice(i, 1);
    call.resolve(stressVector(call.text, this.dimensions));
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  stats(): EmbedderStats {
    const n = this.calls;
    return { textsRequested: n, requestsSent: n, retries: 0, failedRequests: 0, inputsSent: n, peakQueueLength: 0 };
  }
}

/** The race checker records scans synchronously: it takes indexes whose methods answer at once. */
export interface SyncInspectableIndex {
  readonly dimensions: number | undefined;
  readonly size: number;
  add(id: string, vector: ArrayLike<number>): void;
  remove(id: string): boolean;
  search(vector: ArrayLike<number>, k: number): SearchHit[];
  memoryBytes(): number;
  get(id: string): ArrayLike<number> | undefined;
}

type ScanEntry = { vector: number[]; k: number; hits: SearchHit[]; writesBefore: number };

/** Forwards to an index and records, in effect order, every scan with its answer and the writes before it. */
class RecordingIndex implements VectorIndex {
  readonly scans: ScanEntry[] = [];
  writes = 0;
  constructor(private readonly inner: SyncInspectableIndex) {}
  get dimensions(): number | undefined {
    return this.inner.dimensions;
  }
  get size(): number {
    return this.inner.size;
  }
  add(id: string, vector: ArrayLike<number>): void {
    this.inner.add(id, vector);
    this.writes++;
  }
  remove(id: string): boolean {
    const removed = this.inner.remove(id);
    if (removed) this.writes++;
    return removed;
  }
  search(vector: ArrayLike<number>, k: number): SearchHit[] {
    const hits = this.inner.search(vector, k);
    this.scans.push({ vector: Array.from(vector), k, hits: hits.map((h) => ({ ...h })), writesBefore: this.writes });
    return hits;
  }
  get(id: string): ArrayLike<number> | undefined {
    return this.inner.get(id);
  }
  memoryBytes(): number {
    return this.inner.memoryBytes();
  }
}

/** A write as it took effect: the memory's event and, for add/update, the record it stored. */
type WriteEntry = { event: WriteEvent; record: MemoryRecord | undefined };

/**
 * Sits where the memory's cache goes and records every write in effect order (the memory notifies its cache right
 * after storing, so the stored record is readable then), passing everything on to the real cache, if any.
 */
class RecordingCache implements SearchResultCache {
  readonly writes: WriteEntry[] = [];
  memory: MemorySystem | undefined;
  constructor(private readonly inner: SearchResultCache | undefined) {}
  getOrCompute(query: string, options: SearchOptions, generation: number, compute: () => Promise<MemoryResult[]>): Promise<MemoryResult[]> {
    return this.inner ? this.inner.getOrCompute(query, options, generation, compute) : compute();
  }
  onWrite(event: WriteEvent): void {
    const record = event.kind === 'delete' ? undefined : this.memory?.get(event.id);
    this.writes.push({ event, record: record && { ...record, metadata: record.metadata && { ...record.metadata } } });
    this.inner?.onWrite(event);
  }
}

/** The memory as a sequential execution of the first `generation` writes leaves it. */
interface ReplayState {
  index: NaiveIndex;
  records: Map<string, MemoryRecord>;
}

type MemoryOp =
  | { kind: 'add'; text: string; metadata: Record<string, unknown>; id: string }
  | { kind: 'update'; id: string; text: string; metadata: Record<string, unknown> }
  | { kind: 'delete'; id: string }
  | { kind: 'search'; text: string; options: SearchOptions };

type MemoryOutcome =
  | { op: MemoryOp; ok: true; value: unknown; callGeneration: number; endGeneration: number }
  | { op: MemoryOp; ok: false; error: unknown; callGeneration: number; endGeneration: number };

/** One seeded run of concurrent memory operations; see the module comment for what is checked. */
export async function runMemoryStress(options: MemoryStressOptions): Promise<StressReport> {
  const { seed } = options;
  const rng = createRng(seed).fork('memory-stress');
  const operations = options.operations ?? 80;
  const dims = options.dimensions ?? 12;
  const textCount = options.texts ?? 24;
  const concurrency = options.concurrency ?? rng.int(1, 8);
  const cacheKind = options.cache ?? 'generation';
  const texts = Array.from({ length: textCount }, (_, i) => `text ${i}`);
  const violations: string[] = [];

  const embedder = new ScheduledEmbedder(dims);
  const inner =
    typeof options.index === 'function'
      ? options.index()
      : options.index === 'naive'
        ? new NaiveIndex()
        : new SharedVectorIndex({ dimensions: dims, capacity: operations + 1 });
  const index = new RecordingIndex(inner);
  // The cache under test, wired as createCachedMemory does (query embeddings cached too); 'none' for no cache.
  const embeddings = new EmbeddingCache(embedder);
  let memory: MemorySystem | undefined;
  const cache =
    typeof cacheKind === 'function'
      ? cacheKind()
      : cacheKind === 'none'
        ? undefined
        : new SearchCache({
            invalidation: cacheKind,
            maxEntries: 16,
            inspector:
              cacheKind === 'targeted'
                ? {
                    queryVector: (normalized) => embeddings.peekNormalized(normalized),
                    memoryVector: (id) => index.get(id),
                    record: (id) => memory?.get(id),
                  }
                : undefined,
          });
  const recorder = new RecordingCache(cache);
  memory = new MemorySystem({ embedder, queryEmbedder: cacheKind === 'none' ? embedder : embeddings, index, cache: recorder });
  recorder.memory = memory;
  const mem = memory;

  // The operations, drawn up front. Ids are assigned at call time, in call order: `m<n>` for the n-th add.
  let adds = 0;
  const ops: MemoryOp[] = [];
  for (let i = 0; i < operations; i++) {
    const roll = rng.next();
    const someId = () => `m${rng.int(0, Math.max(0, adds - 1))}`;
    const metadata = { group: rng.int(0, 2) };
    if (roll < 0.35 || adds === 0) ops.push({ kind: 'add', text: rng.pick(texts), metadata, id: `m${adds++}` });
    else if (roll < 0.5) ops.push({ kind: 'update', id: someId(), text: rng.pick(texts), metadata });
    else if (roll < 0.6) ops.push({ kind: 'delete', id: someId() });
    else {
      const searchOptions: SearchOptions = { topK: rng.int(1, 6) };
      if (rng.next() < 0.25) searchOptions.filter = { group: rng.int(0, 2) };
      ops.push({ kind: 'search', text: rng.pick(texts), options: searchOptions });
    }
  }

  const processor = new ParallelProcessor({ concurrency });
  const run = processor.map(
    ops,
    async (op): Promise<MemoryOutcome> => {
      const callGeneration = mem.generation;
      try {
        let value: unknown;
        if (op.kind === 'add') {
          value = await mem.add(op.text, op.metadata);
          if (value !== op.id) violations.push(`add of '${op.text}' got id ${String(value)}, expected ${op.id}`);
        } else if (op.kind === 'update') value = await mem.update(op.id, op.text, op.metadata);
        else if (op.kind === 'delete') {
          // With a synchronous index a delete takes effect before delete() returns: read the generation there.
          const deleting = mem.delete(op.id);
          const endGeneration = mem.generation;
          return { op, ok: true, value: await deleting, callGeneration, endGeneration };
        }
        else value = await mem.search(op.text, op.options);
        return { op, ok: true, value, callGeneration, endGeneration: mem.generation };
      } catch (error) {
        return { op, ok: false, error, callGeneration, endGeneration: mem.generation };
      }
    },
  );
  let done = false;
  const finished = run.finally(() => {
    done = true;
  });
  // The interleaving: at each step, resolve one to three pending embeddings chosen by the seed, then let every
  // continuation run (one turn of the event loop) before choosing again.
  while (!done) {
    const releases = Math.min(embedder.pending.length, rng.int(1, 3));
    for (let r = 0; r < releases; r++) embedder.release(rng.int(0, embedder.pending.length - 1));
    await turn();
  }
  const outcomes = await finished;

  // Replay the effect log on a NaiveIndex, checking every scan the index answered.
  const states = replayStates(recorder.writes, dims);
  let searchesChecked = 0;
  for (const entry of index.scans) {
    const expected = states[entry.writesBefore].index.search(entry.vector, entry.k);
    if (!sameHits(entry.hits, expected)) {
      violations.push(`scan after ${entry.writesBefore} writes answered ${describe(entry.hits)}, replay gives ${describe(expected)}`);
    }
  }

  // Every memory search equals the replay at some generation within its call.
  let expectedFailures = 0;
  const writesSeen = { add: 0, update: 0, remove: 0 };
  for (const outcome of outcomes) {
    const { op } = outcome;
    if (op.kind === 'search') {
      if (!outcome.ok) {
        violations.push(`search '${op.text}' failed: ${String(outcome.error)}`);
        continue;
      }
      searchesChecked++;
      const vector = stressVector(op.text, dims);
      let matched = false;
      for (let g = outcome.callGeneration; g <= outcome.endGeneration && !matched; g++) {
        matched = sameResults(outcome.value as MemoryResult[], expectedSearch(states[g], vector, op.options));
      }
      if (!matched) {
        violations.push(
          `search '${op.text}' ${JSON.stringify(op.options)} between generations ${outcome.callGeneration} and ${outcome.endGeneration} answered ${describe(outcome.value as MemoryResult[])}, which no replayed state in that range gives`,
        );
      }
    } else if (op.kind === 'add') {
      if (outcome.ok) writesSeen.add++;
      else violations.push(`add ${op.id} failed: ${String(outcome.error)}`);
    } else if (op.kind === 'update') {
      if (outcome.ok) writesSeen.update++;
      else if (outcome.error instanceof RangeError) expectedFailures++;
      else violations.push(`update ${op.id} failed unexpectedly: ${String(outcome.error)}`);
    } else if (outcome.ok && outcome.value === true) writesSeen.remove++;
  }

  // No write lost or invented: the log holds exactly the writes that reported success.
  recorder.writes.forEach((w, i) => {
    if (w.event.generation !== i + 1) violations.push(`write ${i + 1} took effect as generation ${w.event.generation}`);
  });
  const loggedAdds = recorder.writes.filter((w) => w.event.kind !== 'delete').length;
  const loggedRemoves = recorder.writes.filter((w) => w.event.kind === 'delete').length;
  if (loggedAdds !== writesSeen.add + writesSeen.update) {
    violations.push(`${writesSeen.add} adds and ${writesSeen.update} updates succeeded, but ${loggedAdds} vectors were stored`);
  }
  if (loggedRemoves !== writesSeen.remove) violations.push(`${writesSeen.remove} deletes succeeded, but ${loggedRemoves} were applied`);
  if (mem.generation !== index.writes) violations.push(`memory generation ${mem.generation} != ${index.writes} index writes`);

  // The final state equals the replay's, and so does every search now (through the cache, if any).
  const final = states[states.length - 1];
  if (mem.size !== final.records.size) violations.push(`memory holds ${mem.size} records, replay ${final.records.size}`);
  for (const [id, record] of final.records) {
    const held = mem.get(id);
    if (!held || held.text !== record.text || JSON.stringify(held.metadata) !== JSON.stringify(record.metadata)) violations.push(`record ${id}: memory has '${held?.text}', replay '${record.text}'`);
  }
  for (const text of new Set(ops.flatMap((op) => (op.kind === 'search' ? [op.text] : [])))) {
    for (const searchOptions of [{ topK: 3 }, { topK: 6, filter: { group: 1 } }] satisfies SearchOptions[]) {
      const results = mem.search(text, searchOptions);
      while (embedder.pending.length > 0) embedder.release(0);
      const answer = await results;
      const expected = expectedSearch(final, stressVector(text, dims), searchOptions);
      if (!sameResults(answer, expected)) violations.push(`final search '${text}' answered ${describe(answer)}, replay ${describe(expected)}`);
      searchesChecked++;
    }
  }

  return { seed, operations, searchesChecked, writes: index.writes, expectedFailures, violations };
}

/** State after each prefix of the writes: states[g] is the memory after its first g writes. */
function replayStates(writes: readonly WriteEntry[], dims: number): ReplayState[] {
  const index = new NaiveIndex();
  const records = new Map<string, MemoryRecord>();
  const snapshot = (): ReplayState => {
    const copy = new NaiveIndex();
    for (const id of records.keys()) copy.add(id, index.get(id)!);
    return { index: copy, records: new Map(records) };
  };
  const states = [snapshot()];
  for (const { event, record } of writes) {
    if (event.kind === 'delete') {
      index.remove(event.id);
      records.delete(event.id);
    } else {
      index.add(event.id, stressVector(record!.text, dims));
      records.set(event.id, record!);
    }
    states.push(snapshot());
  }
  return states;
}

/** MemorySystem.searchByVector's semantics, on a replayed state. */
function expectedSearch(state: ReplayState, vector: number[], options: SearchOptions): MemoryResult[] {
  const topK = options.topK ?? DEFAULT_TOP_K;
  const filter = options.filter;
  const hits = state.index.search(vector, filter ? state.index.size : topK);
  const results: MemoryResult[] = [];
  for (const hit of hits) {
    const record = state.records.get(hit.id);
    if (!record) continue;
    if (filter && !matchesFilter(record.metadata, filter)) continue;
    results.push({ ...record, score: hit.score });
    if (results.length === topK) break;
  }
  return results;
}

function sameHits(a: readonly SearchHit[], b: readonly SearchHit[]): boolean {
  return a.length === b.length && a.every((hit, i) => hit.id === b[i].id && Object.is(hit.score, b[i].score));
}

function sameResults(actual: readonly MemoryResult[], expected: readonly MemoryResult[]): boolean {
  return (
    actual.length === expected.length &&
    actual.every(
      (r, i) =>
        r.id === expected[i].id &&
        r.text === expected[i].text &&
        Object.is(r.score, expected[i].score) &&
        JSON.stringify(r.metadata) === JSON.stringify(expected[i].metadata),
    )
  );
}

function describe(hits: ReadonlyArray<{ id: string; score: number }>): string {
  return `[${hits.map((h) => `${h.id}:${h.score.toFixed(6)}`).join(', ')}]`;
}

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface SearcherStressOptions {
  seed: number;
  /** Steps (writes and search dispatches); default 120. */
  steps?: number;
  /** Vector width; default 16. */
  dimensions?: number;
  /** Worker threads; default 2. */
  workers?: number;
}

/**
 * One seeded run of worker-thread searches racing main-thread writes on one SharedVectorIndex; see the module
 * comment. The pool is started and closed inside (no worker left when it returns or throws).
 */
export async function runSearcherStress(options: SearcherStressOptions): Promise<StressReport> {
  const { seed } = options;
  const rng = createRng(seed).fork('searcher-stress');
  const steps = options.steps ?? 120;
  const dims = options.dimensions ?? 16;
  const index = new SharedVectorIndex({ dimensions: dims, capacity: steps + 1 });
  const searcher = new WorkerPoolSearcher(index, { workers: options.workers ?? 2 });
  const violations: string[] = [];
  // The writes in the order they took effect (main thread, synchronous), and each search's position among them.
  const writes: Array<{ kind: 'add'; id: string; vector: number[] } | { kind: 'remove'; id: string }> = [];
  const inFlight: Array<Promise<void>> = [];
  let searchesChecked = 0;
  let ids = 0;
  try {
    await searcher.start();
    const check = (queries: number[][], k: number, writesBefore: number, answers: SearchHit[][]) => {
      const replay = new NaiveIndex();
      for (const w of writes.slice(0, writesBefore)) {
        if (w.kind === 'add') replay.add(w.id, w.vector);
        else replay.remove(w.id);
      }
      queries.forEach((q, i) => {
        searchesChecked++;
        const expected = replay.search(q, k);
        if (!sameHits(answers[i], expected)) {
          violations.push(`worker search after ${writesBefore} writes answered ${describe(answers[i])}, replay gives ${describe(expected)}`);
        }
      });
    };
    for (let step = 0; step < steps; step++) {
      const roll = rng.next();
      if (roll < 0.45 || index.size === 0) {
        // Sometimes a copy of an existing vector under a new id: tied scores across the workers' ranges.
        const vector = ids > 0 && rng.next() < 0.2 ? stressVector(`s${rng.int(0, ids - 1)}`, dims) : stressVector(`s${ids}`, dims);
        const id = rng.next() < 0.2 && ids > 0 ? `v${rng.int(0, ids - 1)}` : `v${ids++}`;
        index.add(id, vector);
        writes.push({ kind: 'add', id, vector });
      } else if (roll < 0.6) {
        const id = `v${rng.int(0, ids - 1)}`;
        if (index.remove(id)) writes.push({ kind: 'remove', id });
      } else if (roll < 0.9) {
        const queries = Array.from({ length: rng.int(1, 10) }, () => stressVector(`q${rng.int(0, 1000)}`, dims));
        const k = rng.int(1, 8);
        const writesBefore = writes.length;
        const search = searcher.searchBatch(queries, k).then((answers) => check(queries, k, writesBefore, answers));
        inFlight.push(search);
      } else if (inFlight.length > 0) {
        // Wait for one search (chosen by the seed) to come back before going on.
        await inFlight.splice(rng.int(0, inFlight.length - 1), 1)[0];
      }
    }
    await Promise.all(inFlight);
  } finally {
    await searcher.close({ force: true });
    await Promise.allSettled(inFlight);
  }
  if (searcher.threads !== 0) violations.push(`${searcher.threads} worker(s) still running after close`);
  // No write lost: the index holds exactly the replay's final state.
  const replay = new NaiveIndex();
  for (const w of writes) {
    if (w.kind === 'add') replay.add(w.id, w.vector);
    else replay.remove(w.id);
  }
  if (replay.size !== index.size) violations.push(`index holds ${index.size} vectors, replay ${replay.size}`);
  const probe = stressVector('final probe', dims);
  if (!sameHits(index.search(probe, replay.size), replay.search(probe, replay.size))) violations.push('final contents differ from the replay');
  return { seed, operations: steps, searchesChecked, writes: writes.length, expectedFailures: 0, violations };
}

/** Seeds to run: `MEMOPT_STRESS_SEEDS` (a count) if set, else `quickCount`. */
export function stressSeedCount(quickCount: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MEMOPT_STRESS_SEEDS;
  if (raw === undefined || raw === '') return quickCount;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`MEMOPT_STRESS_SEEDS: expected a positive integer, found '${raw}'`);
  return n;
}

