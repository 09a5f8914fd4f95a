/**
 * memopt's search-result cache: an LRU (lru-cache) keyed by canonical queries, bounded by entries and optionally by
 * bytes, with per-cache and per-entry TTLs, in-flight sharing, and one guarantee above all: a result computed
 * before a write to the memory is never served after that write.
 *
 * How a result stays correct (read this before changing anything below)
 * ----------------------------------------------------------------------
 * The cache follows the memory's write counter (`generation`): `onWrite` gives it every write, and every lookup
 * gives it the generation the search started under. Each stored entry carries the generation it was computed
 * under, and the cache keeps floors: the oldest generation whose results are still servable, one for every entry
 * (`floor`), one for searches without a namespace, and one per namespace.
 *
 * Namespaces. A search with `namespace: A` sees only A's memories, so a write that touched only
 * other namespaces cannot change it. A write's namespaces are known when its event names them: `namespace` (add,
 * delete), and for an update also `previousNamespace` (the one the memory left; often the same). A write whose
 * namespaces are not all known (a memory without a namespace, an event without details) touches everything, as
 * every write did before namespaces. A search without a namespace sees every namespace: every write touches it.
 *
 * - invalidation 'generation' (needs nothing from the memory): a write raises the floors of what it touched (its
 *   namespaces and the searches without namespace; everything when unknown) to the new generation, so every older
 *   entry there is refused when next looked up (a stale-reject) and recomputed. O(namespaces touched) per write.
 * - invalidation 'targeted' (needs the write's vector and record: from the event, or an `inspector`): a write
 *   removes exactly the entries it could change and leaves the floors alone. For a cached search (query vector q,
 *   topK k, namespace n, filter f, result R, best first):
 *     add(id)    changes R iff the new memory is in n, matches f and (R has fewer than k items, or its score beats
 *                R's last);
 *     delete(id) changes R iff id is in R;
 *     update(id) changes R iff id is in R (its old version: the old membership), or the new version is in n,
 *                matches f and beats R's last (as for add).
 *   The new version's record is the event's (`event.record`, the memory as stored), else the inspector's. Its
 *   vector is the inspector's `memoryVector` (the index's own stored copy, exact for an index that rounds what it
 *   stores) when it has one, else the event's (`event.vector`, as given to the index).
 *   "Beats" is decided with a margin (`scoreMargin`): a score within the margin of R's last counts as beating it,
 *   so rounding can only cause an extra invalidation, never a missed one. The margin must cover how far the
 *   index's scores can be from the reference cosine of these vectors (pgvector: `pgvectorScoreMargin`). Anything
 *   that cannot be decided (no vector, no record, an entry whose query vector was not captured) invalidates as
 *   'generation' would: when in doubt, recompute. Exact for an index that scores by cosine like NaiveIndex; for an
 *   approximate index, pass its scoring as `inspector.score`, or use 'generation'.
 *
 * A computation in flight when a write that touches it happens may have scanned before or after that write: its
 * result is handed to the callers waiting on it (each of them called before it finished, so the scan falls within
 * their call) but is not stored, and later callers start a new computation rather than join it. Callers join a
 * running computation only if no write that touches its namespace happened since it started (a write to another
 * namespace cannot change what it computes).
 *
 * `clear()` drops every entry and every running computation: a computation that started before it still answers
 * the callers already waiting on it, but its result is neither stored nor joined by later callers (the cache was
 * cleared because something the cache cannot see changed; the scan may predate that change).
 *
 * Results are frozen deeply when a computation ends, before they are stored or handed out: the array, each result
 * object and a frozen copy of each result's metadata (the memory's own record keeps its unfrozen object). Every
 * caller of a key gets the same array, and targeted invalidation reads the stored metadata, so a caller that could
 * mutate it would change what others see and what invalidation decides. The copy costs once per computation,
 * nothing per hit.
 */
import { LRUCache } from 'lru-cache';
import { OptionError } from '../../errors.ts';
import { DEFAULT_TOP_K } from '../../memory/memory-system.ts';
import { cosine, matchesFilter } from '../../memory/reference.mjs';
import type { MemoryRecord, MemoryResult, SearchOptions, SearchResultCache, WriteEvent } from '../../memory/types.ts';
import { canonicalOptions, normalizeQuery, type QueryNormalization } from './keys.ts';
import { ratio, type SearchCacheStats } from './stats.ts';

export type InvalidationPolicy = 'generation' | 'targeted';

/** What targeted invalidation needs to see of the memory (beyond what a write event carries). */
export interface CacheInspector {
  /** The vector a search used for this normalized query text (e.g. `EmbeddingCache#peek`); undefined if unknown. */
  queryVector(normalizedQuery: string): ArrayLike<number> | undefined;
  /**
   * The stored vector of a memory, as the index scores it; undefined if unknown. Optional: without it (an index
   * that cannot answer synchronously, such as a database), the write event's `vector` is used.
   */
  memoryVector?(id: string): ArrayLike<number> | undefined;
  /** The stored record of a memory (its metadata decides filters); used when a write event carries no `record`. */
  record(id: string): MemoryRecord | undefined;
  /** The score the index gives `memory` for `query`. Default: the reference cosine (memory/reference.mjs), as NaiveIndex scores. */
  score?(query: ArrayLike<number>, memory: ArrayLike<number>): number;
}

export interface SearchCacheOptions {
  /**
   * Most entries kept; the least recently used goes first. Default 1000. Must be a positive integer. lru-cache
   * preallocates arrays of this length, so a huge value costs memory up front.
   */
  maxEntries?: number;
  /**
   * Byte budget for stored results, by `sizeOf`'s estimate. Default: none (only `maxEntries` bounds the cache).
   * A result larger than the whole budget is returned but not stored. Must be a positive integer if set.
   */
  maxSizeBytes?: number;
  /** Estimated bytes of one entry; used only with `maxSizeBytes`. Default `estimateEntryBytes`. */
  sizeOf?: (key: string, results: readonly MemoryResult[]) => number;
  /**
   * Time to live of every entry, in ms; 0 means no expiry. Default 0: writes already invalidate what they change,
   * so a TTL is only a bound on how long a result may live for reasons the cache is not told about (an index
   * changed behind the memory's back, a model swap). An entry whose computation started at t is served up to
   * t + ttlMs inclusive: its age counts from the start of the computation, not from when it was stored.
   * A per-entry TTL can be passed to `getOrCompute`. Must be a non-negative integer.
   */
  ttlMs?: number;
  /** How writes invalidate entries (see the module comment). Default 'generation'; 'targeted' needs `inspector`. */
  invalidation?: InvalidationPolicy;
  /** Required by invalidation 'targeted'. */
  inspector?: CacheInspector;
  /**
   * Targeted invalidation treats a new score within this margin of a result's last score as beating it, so
   * rounding never keeps a changed result. It must be at least the most the index's scores can differ from the
   * reference cosine of the vectors it was given (pgvector's float32 sums: `pgvectorScoreMargin`). Default 1e-9
   * (an index that scores like NaiveIndex). Must be >= 0. A function is read at every decision: for an index whose
   * tolerance depends on a width it learns from its first vector (FlatIndex's `scoreTolerance`).
   */
  scoreMargin?: number | (() => number);
  /**
   * Query normalization for keys (NFC, trim, whitespace runs collapsed; `caseFold` lower-cases). Must match the
   * normalization of the memory's query embedder, or near-duplicates would be served each other's results.
   */
  normalization?: QueryNormalization;
  /** The memory's default topK, applied to keys so `{}` and `{ topK: 5 }` match. Default DEFAULT_TOP_K. */
  defaultTopK?: number;
  /**
   * Clock in ms for TTLs. Default: lru-cache's (performance.now()). Tests inject one. Either way staleness is checked
   * against the clock on every lookup (see `ttlClock`).
   */
  now?: () => number;
}

/** Per-entry options of `getOrCompute`. */
export interface EntryOptions {
  /** TTL of this entry in ms, instead of the cache's `ttlMs`; 0 means no expiry. */
  ttlMs?: number;
}

interface Entry {
  results: readonly MemoryResult[];
  /** Generation the result was computed under. */
  generation: number;
  topK: number;
  filter: SearchOptions['filter'];
  /** The search's namespace; undefined: every namespace. */
  namespace: string | undefined;
  /** Query vector, for targeted invalidation; undefined if not captured (any write then invalidates). */
  vector: ArrayLike<number> | undefined;
}

interface Flight {
  promise: Promise<MemoryResult[]>;
  generation: number;
  /** The search's namespace; undefined: every namespace. */
  namespace: string | undefined;
  /** False once a write that touches it happened (or clear()): its result is then neither joined nor stored. */
  live: boolean;
  /** Clock reading when the computation started (its result's age counts from here). */
  startedAt: number;
  /** TTL its result will be stored with (0: none). */
  ttlMs: number;
}

export class SearchCache implements SearchResultCache {
  readonly maxEntries: number;
  readonly maxSizeBytes: number | undefined;
  readonly ttlMs: number;
  readonly invalidation: InvalidationPolicy;
  readonly normalization: QueryNormalization;
  readonly defaultTopK: number;
  private readonly lru: LRUCache<string, Entry>;
  private readonly inflight = new Map<string, Flight>();
  private readonly inspector: CacheInspector | undefined;
  private readonly scoreMargin: number | (() => number);
  private readonly sizeOf: (key: string, results: readonly MemoryResult[]) => number;
  /** The clock lru-cache checks TTLs against; read when a computation starts, as the entry's TTL start. */
  private readonly clock: () => number;
  /** Latest generation the cache has seen. */
  private current = 0;
  /** Entries computed under an older generation than this are refused (every entry). */
  private floor = 0;
  /** The same for searches without a namespace (any write touches them). */
  private unscopedFloor = 0;
  /** The same per namespace (only writes that touched it). */
  private readonly namespaceFloors = new Map<string, number>();
  /** Number of `clear()` calls: a computation stores its result only if none happened since it started. */
  private clears = 0;
  private readonly counts = {
    lookups: 0,
    hits: 0,
    inflightJoins: 0,
    misses: 0,
    staleRejects: 0,
    invalidations: 0,
    evictions: 0,
    expirations: 0,
    computeErrors: 0,
  };

  constructor(options: SearchCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    if (!isPositiveInteger(this.maxEntries)) throw new OptionError('maxEntries', 'a positive integer', options.maxEntries);
    this.maxSizeBytes = options.maxSizeBytes;
    if (this.maxSizeBytes !== undefined && !isPositiveInteger(this.maxSizeBytes)) {
      throw new OptionError('maxSizeBytes', 'a positive integer (bytes) or undefined', options.maxSizeBytes);
    }
    this.ttlMs = options.ttlMs ?? 0;
    checkTtl('ttlMs', this.ttlMs);
    this.invalidation = options.invalidation ?? 'generation';
    if (this.invalidation !== 'generation' && this.invalidation !== 'targeted') {
      throw new OptionError('invalidation', "'generation' or 'targeted'", options.invalidation);
    }
    this.inspector = options.inspector;
    if (this.invalidation === 'targeted' && !this.inspector) {
      throw new OptionError('inspector', "an inspector (vectors and records) with invalidation 'targeted'", undefined);
    }
    this.scoreMargin = options.scoreMargin ?? 1e-9;
    if (typeof this.scoreMargin !== 'function' && !(this.scoreMargin >= 0)) throw new OptionError('scoreMargin', 'a number >= 0', options.scoreMargin);
    this.normalization = { caseFold: options.normalization?.caseFold ?? false };
    this.defaultTopK = options.defaultTopK ?? DEFAULT_TOP_K;
    if (!isPositiveInteger(this.defaultTopK)) throw new OptionError('defaultTopK', 'a positive integer', options.defaultTopK);
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new OptionError('now', 'a function returning milliseconds', options.now);
    }
    this.sizeOf = options.sizeOf ?? estimateEntryBytes;
    const clock = ttlClock(options.now);
    this.clock = clock.perf.now;

    this.lru = new LRUCache<string, Entry>({
      max: this.maxEntries,
      ...(this.maxSizeBytes !== undefined
        ? { maxSize: this.maxSizeBytes, sizeCalculation: (entry: Entry, key: string) => entrySize(this.sizeOf, key, entry) }
        : {}),
      ttl: this.ttlMs,
      ...clock,
      dispose: (_entry, _key, reason) => {
        if (reason === 'evict') this.counts.evictions++;
        else if (reason === 'expire') this.counts.expirations++;
      },
    });
  }

  /**
   * The result of a search: a stored one if valid, the running computation's if one is running for the same key
   * and no write happened since it started, else `compute()`'s (stored if no write happened while it ran).
   * `generation` is the memory's write counter when the search started. A rejected computation rejects every
   * caller waiting on it and caches nothing.
   */
  getOrCompute(
    query: string,
    options: SearchOptions,
    generation: number,
    compute: () => Promise<MemoryResult[]>,
    entryOptions?: EntryOptions,
  ): Promise<MemoryResult[]> {
    // A bad per-entry TTL is the caller's error: a rejected promise (as every other failure of this call), checked
    // before anything is counted or served, so a hit cannot hide it.
    const ttlMs = entryOptions?.ttlMs;
    if (ttlMs !== undefined) {
      try {
        checkTtl('entryOptions.ttlMs', ttlMs);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    this.counts.lookups++;
    if (generation > this.current) this.advanceTo(generation, ALL);
    const normalized = normalizeQuery(query, this.normalization);
    const key = `${canonicalOptions(options, this.defaultTopK)}\n${normalized}`;

    const entry = this.lru.get(key);
    if (entry !== undefined) {
      if (this.servable(entry)) {
        this.counts.hits++;
        return Promise.resolve(entry.results as MemoryResult[]);
      }
      this.counts.staleRejects++;
      this.lru.delete(key);
    }

    const flight = this.inflight.get(key);
    // A join gets the computation's result, as old as the computation: not once that is past its TTL.
    if (flight !== undefined && flight.live && !(flight.ttlMs > 0 && this.clock() - flight.startedAt > flight.ttlMs)) {
      this.counts.inflightJoins++;
      return flight.promise;
    }

    this.counts.misses++;
    return this.start(key, normalized, options, compute, ttlMs);
  }

  private start(
    key: string,
    normalized: string,
    options: SearchOptions,
    compute: () => Promise<MemoryResult[]>,
    ttlMs: number | undefined,
  ): Promise<MemoryResult[]> {
    const startedUnder = this.current;
    const clearsAtStart = this.clears;
    // The entry's age counts from here, not from when it is stored: the scan may read the index any time after
    // this, and the store runs after the caller's own continuations, which can take milliseconds on a busy loop.
    const startedAt = this.clock();
    let computed: Promise<MemoryResult[]>;
    try {
      computed = Promise.resolve(compute());
    } catch (error) {
      computed = Promise.reject(error);
    }
    const entryTtl = ttlMs ?? this.ttlMs;
    const namespace = options?.namespace;
    const flight: Flight = {
      generation: startedUnder,
      namespace,
      live: true,
      startedAt,
      ttlMs: entryTtl,
      promise: computed.then(
        (results) => {
          if (this.inflight.get(key) === flight) this.inflight.delete(key);
          const frozen = freezeResults(results);
          // Stored only if no write that touches it and no clear() happened while computing: the scan may have
          // preceded them. Nor if it is already past its TTL (a computation slower than the TTL): it could only
          // evict a live entry.
          if (
            flight.live &&
            this.clears === clearsAtStart &&
            !(entryTtl > 0 && this.clock() - startedAt > entryTtl)
          ) {
            const entry: Entry = {
              results: frozen,
              generation: startedUnder,
              topK: options?.topK ?? this.defaultTopK,
              filter: options?.filter,
              namespace,
              vector: this.invalidation === 'targeted' ? this.inspector!.queryVector(normalized) : undefined,
            };
            this.lru.set(key, entry, ttlMs === undefined ? { start: startedAt } : { ttl: ttlMs, start: startedAt });
          }
          return frozen as MemoryResult[];
        },
        (error: unknown) => {
          if (this.inflight.get(key) === flight) this.inflight.delete(key);
          this.counts.computeErrors++;
          throw error;
        },
      ),
    };
    this.inflight.set(key, flight);
    return flight.promise;
  }

  /** Called by the memory after every write. */
  onWrite(event: WriteEvent): void {
    if (event.generation <= this.current) return;
    if (event.generation > this.current + 1) {
      // One write missed: nothing can be trusted from before it.
      this.advanceTo(event.generation, ALL);
      return;
    }
    const touched = touchedNamespaces(event);
    if (this.invalidation === 'generation') {
      this.advanceTo(event.generation, touched);
      return;
    }
    this.advanceTo(event.generation, NONE, touched);
    this.invalidateAffected(event, touched);
  }

  /**
   * Drops every entry and forgets running computations: their callers still get their results, but those results
   * are not stored and later callers start a new computation.
   */
  clear(): void {
    this.clears++;
    this.lru.clear();
    for (const flight of this.inflight.values()) flight.live = false;
    this.inflight.clear();
  }

  /** The stored result for a search, if valid; no stats, no recency update. For tests and inspection. */
  peek(query: string, options: SearchOptions = {}): readonly MemoryResult[] | undefined {
    const key = this.keyOf(query, options);
    const entry = this.lru.peek(key);
    return entry !== undefined && this.servable(entry) ? entry.results : undefined;
  }

  /**
   * Whether a search has a computation running that a lookup now would join (no write that touches it since it
   * started, not past its TTL). For a tier in front of this cache (the semantic tier), which must not answer a
   * query this cache is about to answer itself.
   */
  isComputing(query: string, options: SearchOptions = {}): boolean {
    const flight = this.inflight.get(this.keyOf(query, options));
    return flight !== undefined && flight.live && !(flight.ttlMs > 0 && this.clock() - flight.startedAt > flight.ttlMs);
  }

  /** The canonical key this cache files a search under. */
  keyOf(query: string, options: SearchOptions = {}): string {
    return `${canonicalOptions(options, this.defaultTopK)}\n${normalizeQuery(query, this.normalization)}`;
  }

  /** Latest generation the cache has seen. */
  get generation(): number {
    return this.current;
  }

  stats(): SearchCacheStats {
    const c = this.counts;
    return {
      ...c,
      entries: this.lru.size,
      sizeBytes: this.maxSizeBytes !== undefined ? this.lru.calculatedSize : 0,
      hitRate: ratio(c.hits + c.inflightJoins, c.lookups),
    };
  }

  /** Whether an entry was computed under a generation no write it could see has retired. */
  private servable(entry: Entry): boolean {
    if (entry.generation < this.floor) return false;
    const floor = entry.namespace === undefined ? this.unscopedFloor : (this.namespaceFloors.get(entry.namespace) ?? 0);
    return entry.generation >= floor;
  }

  /**
   * Moves to `generation` and raises the floors of `retire` (ALL, NONE, or these namespaces with the searches
   * without namespace). Running computations a write touched (`touched`, default `retire`) are dropped: they may
   * have scanned before this write, so later callers must not join them and their results are not stored.
   */
  private advanceTo(generation: number, retire: Touched, touched: Touched = retire): void {
    this.current = generation;
    if (retire === ALL) this.floor = generation;
    else if (retire !== NONE) {
      this.unscopedFloor = generation;
      for (const namespace of retire) this.namespaceFloors.set(namespace, generation);
    }
    if (touched === NONE) return;
    for (const [key, flight] of this.inflight) {
      if (touched === ALL || flight.namespace === undefined || touched.includes(flight.namespace)) {
        flight.live = false;
        this.inflight.delete(key);
      }
    }
  }

  private invalidateAffected(event: WriteEvent, touched: Touched): void {
    const inspector = this.inspector!;
    let vector: ArrayLike<number> | undefined;
    let record: MemoryRecord | undefined;
    if (event.kind !== 'delete') {
      vector = inspector.memoryVector?.(event.id) ?? event.vector;
      record = event.record ?? inspector.record(event.id);
      if (vector === undefined || record === undefined) {
        // In doubt: retire what the write touched, as 'generation' would.
        this.advanceTo(event.generation, touched);
        return;
      }
    }
    const score = inspector.score ?? cosine;
    const margin = typeof this.scoreMargin === 'function' ? this.scoreMargin() : this.scoreMargin;
    const doomed: string[] = [];
    for (const [key, entry] of this.lru.entries()) {
      if (!this.servable(entry)) continue;
      if (affects(event.kind, event.id, vector, record, entry, score, margin)) doomed.push(key);
    }
    for (const key of doomed) this.lru.delete(key);
    this.counts.invalidations += doomed.length;
  }
}

/** Every namespace (a write whose namespaces are unknown), none, or these (and the searches without namespace). */
type Touched = typeof ALL | typeof NONE | readonly string[];
const ALL = 'all' as const;
const NONE = 'none' as const;

/**
 * The namespaces a write touched, when its event names all of them: an add's or delete's `namespace`, an update's
 * `namespace` and `previousNamespace`. Otherwise ALL: a memory without a namespace, or an event without details,
 * could be in any search's results (a record that contradicts the event's namespace also counts as unknown).
 */
function touchedNamespaces(event: WriteEvent): Touched {
  const { namespace } = event;
  if (typeof namespace !== 'string') return ALL;
  if (event.record !== undefined && event.record.namespace !== namespace) return ALL;
  if (event.kind !== 'update') return [namespace];
  const previous = event.previousNamespace;
  if (typeof previous !== 'string') return ALL;
  return previous === namespace ? [namespace] : [namespace, previous];
}

/** Whether a write could change a cached result (see the module comment for the rules). */
function affects(
  kind: WriteEvent['kind'],
  id: string,
  vector: ArrayLike<number> | undefined,
  record: MemoryRecord | undefined,
  entry: Entry,
  score: (query: ArrayLike<number>, memory: ArrayLike<number>) => number,
  margin: number,
): boolean {
  const results = entry.results;
  if (kind !== 'add') {
    for (let i = 0; i < results.length; i++) if (results[i].id === id) return true;
    if (kind === 'delete') return false;
  }
  if (entry.namespace !== undefined && record!.namespace !== entry.namespace) return false;
  if (entry.filter && !matchesFilter(record!.metadata, entry.filter)) return false;
  if (results.length < entry.topK) return true;
  if (entry.vector === undefined) return true;
  return score(entry.vector, vector!) >= results[results.length - 1].score - margin;
}

/**
 * Default size estimate of an entry, in bytes: UTF-16 strings at 2 bytes a character, 8 per score, the metadata's
 * JSON length, and a flat 64 per result object and 96 per entry for headers. An estimate to bound memory, not a
 * measurement.
 */
export function estimateEntryBytes(key: string, results: readonly MemoryResult[]): number {
  let bytes = 96 + key.length * 2;
  for (const result of results) {
    bytes += 64 + 8 + (result.id.length + result.text.length) * 2;
    if (result.metadata) bytes += JSON.stringify(result.metadata).length * 2;
  }
  return bytes;
}

function entrySize(sizeOf: (key: string, results: readonly MemoryResult[]) => number, key: string, entry: Entry): number {
  const size = Math.ceil(sizeOf(key, entry.results));
  return Number.isFinite(size) && size >= 1 ? size : 1;
}

/**
 * Freezes a computation's results deeply, in place for the array and result objects (fresh objects made by the
 * search) and by a frozen copy for metadata (shared with the memory's records, which must stay writable). A result
 * object that is already frozen cannot take a copy: its metadata is frozen in place.
 */
function freezeResults(results: MemoryResult[]): readonly MemoryResult[] {
  if (Object.isFrozen(results)) return results;
  for (const result of results) {
    if (result.metadata !== undefined && result.metadata !== null) {
      if (Object.isFrozen(result)) deepFreeze(result.metadata);
      else result.metadata = frozenCopy(result.metadata) as Record<string, unknown>;
    }
    Object.freeze(result);
  }
  return Object.freeze(results);
}

/** A deep copy of plain objects and arrays, frozen at every level; other values are kept (and frozen if objects). */
function frozenCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return Object.freeze(value);
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(value)) out[name] = frozenCopy((value as Record<string, unknown>)[name]);
  return Object.freeze(out);
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const name of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[name]);
}

/**
 * lru-cache's clock options for a TTL that is honoured to the millisecond:
 * - `ttlResolution: 0` reads the clock on every staleness check. lru-cache's default (1) caches the time and clears
 *   the cached value with a 1 ms timer; a busy event loop runs that timer late, and the search-cache-ttl scenario
 *   measured entries served up to 73 ms past a 250 ms TTL that way. One performance.now() per lookup is the price.
 * - `perf` is always given, so a cache can read the very clock lru-cache checks against (for `set`'s `start`).
 * - an injected clock is shifted to start at 1 ms (time since construction + 1), because lru-cache treats an entry
 *   whose start time is 0 as having no TTL.
 */
export function ttlClock(now: (() => number) | undefined): { ttlResolution: number; perf: { now: () => number } } {
  if (!now) return { ttlResolution: 0, perf: { now: () => performance.now() } };
  const origin = now();
  return { ttlResolution: 0, perf: { now: () => now() - origin + 1 } };
}

function isPositiveInteger(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0;
}

function checkTtl(option: string, ttlMs: unknown): void {
  if (!(typeof ttlMs === 'number' && Number.isInteger(ttlMs) && ttlMs >= 0)) {
    throw new OptionError(option, 'a non-negative integer number of milliseconds (0 = no expiry)', ttlMs);
  }
}
