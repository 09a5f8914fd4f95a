/**
 * A namespaced memory model for cache tests: records with namespaces, write events as MemorySystem fills them
 * (the part contract: namespace, previousNamespace, record, vector), and searches whose scan runs when the test releases
 * it, so writes land between a search's call and its scan. MemorySystem itself takes no namespace on add yet (stream
 * filtered-search adds it), so the cache's per-namespace behaviour is checked against this model.
 *
 * runNamespacedStress interleaves callers across namespaces with writes in a seeded random order and checks that
 * every search (cached or not) equals the model's exact answer at some generation between its call and its return
 * (it may reflect any moment within its call, never one before it).
 */
import { compareHits, cosine } from '../../src/memory/reference.mjs';
import type { MemoryRecord, MemoryResult, SearchResultCache, WriteEvent } from '../../src/memory/types.ts';
import { createRng } from '../../src/util/rng.ts';
import { letterVector } from './fake-embedder.ts';

interface Stored {
  record: MemoryRecord;
  vector: number[];
}

export class NamespacedMemory {
  generation = 0;
  /** State after each generation (index = generation). */
  readonly history: Array<ReadonlyMap<string, Stored>> = [new Map()];
  private state = new Map<string, Stored>();
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly cache: SearchResultCache) {}

  get(id: string): MemoryRecord | undefined {
    return this.state.get(id)?.record;
  }

  /**
   * Adds or replaces a memory. `details: false` sends an event without namespaces, record or vector (a memory that
   * does not fill them), which the cache must treat as touching everything.
   */
  put(id: string, text: string, namespace: string | undefined, details = true): void {
    const previous = this.state.get(id);
    const record: MemoryRecord = { id, text, namespace };
    const vector = letterVector(text);
    this.commit(id, { record, vector });
    const kind = previous ? 'update' : 'add';
    const event: WriteEvent = details
      ? { kind, id, generation: this.generation, namespace, record, vector, ...(previous ? { previousNamespace: previous.record.namespace } : {}) }
      : { kind, id, generation: this.generation };
    this.cache.onWrite(event);
  }

  remove(id: string, details = true): boolean {
    const previous = this.state.get(id);
    if (!previous) return false;
    this.commit(id, undefined);
    this.cache.onWrite({ kind: 'delete', id, generation: this.generation, ...(details ? { namespace: previous.record.namespace } : {}) });
    return true;
  }

  /** A search through the cache; a computation's scan waits until `releaseOne`/`releaseAll`. */
  search(query: string, namespace: string | undefined, topK: number): Promise<MemoryResult[]> {
    const compute = () =>
      new Promise<MemoryResult[]>((resolve) => this.waiting.push(() => resolve(answer(this.state, query, namespace, topK))));
    return this.cache.getOrCompute(query, { topK, namespace }, this.generation, compute);
  }

  get pending(): number {
    return this.waiting.length;
  }

  /** Runs the scan of the `at`-th waiting computation now. */
  releaseOne(at: number): void {
    const [run] = this.waiting.splice(at, 1);
    run();
  }

  releaseAll(): void {
    for (const run of this.waiting.splice(0)) run();
  }

  private commit(id: string, stored: Stored | undefined): void {
    this.state = new Map(this.state);
    if (stored) this.state.set(id, stored);
    else this.state.delete(id);
    this.generation++;
    this.history.push(this.state);
  }
}

/** The exact answer of a state: records of the namespace (all without one), by reference cosine, ties by id. */
export function answer(state: ReadonlyMap<string, Stored>, query: string, namespace: string | undefined, topK: number): MemoryResult[] {
  const q = letterVector(query);
  const hits = [...state.values()]
    .filter((s) => namespace === undefined || s.record.namespace === namespace)
    .map((s) => ({ id: s.record.id, score: cosine(q, s.vector) }))
    .sort(compareHits)
    .slice(0, topK);
  return hits.map((h) => ({ ...state.get(h.id)!.record, score: h.score }));
}

export interface NamespacedStressOptions {
  seed: number;
  /** Steps (each a write, a search call or a scan released); default 400. */
  steps?: number;
  /** Namespaces writes and searches use; default ['alice', 'bob', 'carol']. */
  namespaces?: readonly string[];
}

export interface NamespacedStressResult {
  searches: number;
  /** Searches whose answer equals the model at no generation within their call. */
  violations: number;
  /** Searches by namespace (undefined: without one), to show callers were interleaved across namespaces. */
  byNamespace: Map<string | undefined, number>;
  firstViolation?: string;
}

const TEXTS = ['abc', 'abd', 'bcd', 'cde', 'ace', 'bdf', 'abcd', 'efg'];
const QUERIES = ['ab', 'bc', 'cd', 'ae', 'ff'];

/**
 * Seeded interleaving of writes (adds, updates that may move a memory to another namespace, deletes; one in ten
 * without details) and searches within a namespace or across all, with scans released in random order.
 */
export async function runNamespacedStress(
  makeCache: (inspect: { record: (id: string) => MemoryRecord | undefined }) => SearchResultCache,
  options: NamespacedStressOptions,
): Promise<NamespacedStressResult> {
  const rng = createRng(options.seed);
  const namespaces = options.namespaces ?? ['alice', 'bob', 'carol'];
  let memory: NamespacedMemory | undefined;
  const cache = makeCache({ record: (id) => memory?.get(id) });
  memory = new NamespacedMemory(cache);
  const pick = <T>(items: readonly T[]): T => items[rng.int(0, items.length - 1)];
  const checks: Array<Promise<void>> = [];
  const result: NamespacedStressResult = { searches: 0, violations: 0, byNamespace: new Map() };
  let nextId = 0;
  for (let step = 0; step < (options.steps ?? 400); step++) {
    const r = rng.next();
    if (r < 0.15) {
      const ids = [...memory.history[memory.generation].keys()];
      const details = rng.next() >= 0.1;
      if (ids.length > 0 && r < 0.04) memory.remove(pick(ids), details);
      else if (ids.length > 0 && r < 0.08) memory.put(pick(ids), pick(TEXTS), pick(namespaces), details);
      else memory.put(`m${nextId++}`, pick(TEXTS), pick(namespaces), details);
    } else if (r < 0.7 || memory.pending === 0) {
      const query = pick(QUERIES);
      const namespace = rng.next() < 0.2 ? undefined : pick(namespaces);
      const topK = pick([1, 3]);
      const calledAt = memory.generation;
      result.searches++;
      result.byNamespace.set(namespace, (result.byNamespace.get(namespace) ?? 0) + 1);
      const m = memory;
      checks.push(
        m.search(query, namespace, topK).then((got) => {
          const returnedAt = m.generation;
          for (let g = calledAt; g <= returnedAt; g++) if (same(got, answer(m.history[g], query, namespace, topK))) return;
          result.violations++;
          result.firstViolation ??= `'${query}' in ${namespace ?? '(all)'} top ${topK} called at generation ${calledAt}, returned at ${returnedAt}: got ${got.map((x) => x.id).join(',')}`;
        }),
      );
    } else {
      memory.releaseOne(rng.int(0, memory.pending - 1));
    }
    // Let released scans and their continuations run before the next step.
    if (rng.next() < 0.5) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  while (memory.pending > 0) {
    memory.releaseAll();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await Promise.all(checks);
  return result;
}

function same(a: readonly MemoryResult[], b: readonly MemoryResult[]): boolean {
  return a.length === b.length && a.every((x, i) => x.id === b[i].id && x.score === b[i].score && x.text === b[i].text);
}
