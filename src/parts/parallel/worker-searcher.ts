import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Piscina } from 'piscina';
import { ClosedError, OptionError } from '../../errors.ts';
import type { SearchHit } from '../../memory/types.ts';
import type { ScanResult } from './kernel.mjs';
import { clampK, prepareQueries, type IndexSnapshot, type SharedVectorIndex } from './shared-index.ts';

export interface WorkerPoolSearcherOptions {
  /**
   * Worker threads (a piscina pool of exactly this many). Each search splits the index's slots into this many
   * contiguous ranges, one task per worker, and merges their top-k on the main thread. An integer >= 1; default 1.
   * More workers than `os.availableParallelism()` only add scheduling overhead.
   */
  workers?: number;
}

export interface SearchCallOptions {
  /**
   * Aborting it rejects the search with `signal.reason`. A task already running in a worker is stopped by
   * terminating that worker (piscina replaces it), so aborting is prompt but not free.
   */
  signal?: AbortSignal;
}

export interface WorkerPoolSearcherStats {
  /** Calls of search and searchBatch that started. */
  searches: number;
  /** Queries scored over all searches. */
  queries: number;
  /** Tasks sent to workers (ranges x searches). */
  tasks: number;
}

type ScanTaskMessage = {
  kind: 'scan';
  queries: SharedArrayBuffer;
  queryNorms: Float64Array;
  k: number;
  start: number;
  end: number;
  generation: number;
};
type WorkerTask = { kind: 'ping'; warmSlots: number } | ScanTaskMessage;

/** Slots each worker scans at start to warm its kernel (a few ms at 1536 dimensions). */
const WARM_UP_SLOTS = 256;

const WORKER_FILE = fileURLToPath(new URL('./search-worker.mjs', import.meta.url));

/**
 * Exact k-nearest search of a SharedVectorIndex in a pool of worker threads, with the same answers as
 * `index.search` (and so as NaiveIndex): the workers run the same kernel over the same shared buffers.
 *
 * Zero copies of the index: each worker maps the index's SharedArrayBuffers once, when it starts. A search copies
 * its queries into one SharedArrayBuffer that every task reads, and gets back only each range's top-k candidates.
 *
 * Consistency: a search takes its snapshot (slots published, generation) synchronously when called; it sees the
 * index as it was then, even while the main thread keeps adding and removing, because published slots are never
 * rewritten (see SharedVectorIndex).
 *
 * Lifecycle: `start()` spawns every worker and waits until each has mapped the index, so timings exclude startup;
 * a search before `start()` starts the pool itself. `close()` refuses new searches, lets running ones finish, then
 * terminates every worker; `close({ force: true })` terminates at once and running searches reject with
 * ClosedError. Both are idempotent, and `await using` closes too.
 */
export class WorkerPoolSearcher {
  readonly index: SharedVectorIndex;
  readonly workers: number;
  private pool: Piscina<WorkerTask, unknown> | undefined;
  private started: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly running = new Set<Promise<unknown>>();
  private readonly counters: WorkerPoolSearcherStats = { searches: 0, queries: 0, tasks: 0 };
  /** A worker error with no task to reject (piscina's 'error' event); the next search rejects with it. */
  private poolError: unknown;
  private readonly onPoolError = (error: unknown) => {
    this.poolError ??= error;
  };

  constructor(index: SharedVectorIndex, options: WorkerPoolSearcherOptions = {}) {
    const workers = options.workers ?? 1;
    if (!Number.isInteger(workers) || workers < 1) throw new OptionError('workers', 'an integer >= 1', workers);
    this.index = index;
    this.workers = workers;
  }

  /** The machine's parallelism (os.availableParallelism()): the physical limit of any speedup here. */
  static availableCores(): number {
    return availableParallelism();
  }

  /** Worker threads alive now (0 before start and after close). */
  get threads(): number {
    return this.pool?.threads.length ?? 0;
  }

  stats(): WorkerPoolSearcherStats {
    return { ...this.counters };
  }

  /**
   * Spawns every worker and resolves once each has mapped the index and answered a ping. Aborting `signal` stops
   * the wait, not the start (which other callers may share).
   */
  start(signal?: AbortSignal): Promise<void> {
    if (this.closing) return Promise.reject(new ClosedError('WorkerPoolSearcher'));
    this.started ??= this.spawn();
    return untilAborted(this.started, signal);
  }

  private async spawn(): Promise<void> {
    // Loaded here, not at the top: loading piscina through tsx's loader slows every typed-array loop on the main
    // thread by ~30% for the rest of the process (see README.md, "Limits"), so importing memopt must not load it.
    const { Piscina } = await import('piscina');
    const pool = new Piscina<WorkerTask, unknown>({
      filename: WORKER_FILE,
      minThreads: this.workers,
      maxThreads: this.workers,
      workerData: this.index.sharedBuffers(),
    });
    pool.on('error', this.onPoolError);
    this.pool = pool;
    // One ping per worker, all at once: with one task per worker at a time, each lands on a different worker. Each
    // worker warms its kernel on the first slots, so the first timed search does not pay for V8's optimization.
    const warmSlots = Math.min(this.index.slotsUsed, WARM_UP_SLOTS);
    await Promise.all(Array.from({ length: this.workers }, () => pool.run({ kind: 'ping', warmSlots })));
  }

  /** The k nearest stored vectors to `vector`, best first, ties by id: exactly `index.search(vector, k)`. */
  async search(vector: ArrayLike<number>, k: number, options: SearchCallOptions = {}): Promise<SearchHit[]> {
    const [hits] = await this.searchBatch([vector], k, options);
    return hits;
  }

  /**
   * Several queries, each range of slots scanned once for all of them (blocks of 8 queries per stored vector);
   * answer i equals `index.search(queries[i], k)`.
   */
  searchBatch(queries: readonly ArrayLike<number>[], k: number, options: SearchCallOptions = {}): Promise<SearchHit[][]> {
    if (this.closing) return Promise.reject(new ClosedError('WorkerPoolSearcher'));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    let prepared;
    try {
      prepared = prepareQueries(queries, this.index.dimensions, 'WorkerPoolSearcher.search', (bytes) => new SharedArrayBuffer(bytes));
    } catch (error) {
      return Promise.reject(error);
    }
    if (queries.length === 0) return Promise.resolve([]);
    // The snapshot is taken now, synchronously: this is the moment the search takes effect.
    const snapshot = this.index.snapshot();
    const search = this.runSearch(prepared.queries, prepared.queryNorms, k, snapshot, signal);
    this.running.add(search);
    const forget = () => this.running.delete(search);
    search.then(forget, forget);
    return search;
  }

  private async runSearch(
    queries: Float64Array,
    queryNorms: Float64Array,
    k: number,
    snapshot: IndexSnapshot,
    signal: AbortSignal | undefined,
  ): Promise<SearchHit[][]> {
    this.counters.searches++;
    this.counters.queries += queryNorms.length;
    await this.start(signal);
    const pool = this.pool!;
    if (this.poolError !== undefined) throw this.poolError;

    const limit = clampK(k, snapshot.slots);
    const ranges = splitRanges(snapshot.slots, this.workers);
    // One controller for the whole search: the caller's abort or the first failing range stops the other ranges.
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let firstError: { reason: unknown } | undefined;
    try {
      const tasks = ranges.map(async ([start, end]) => {
        this.counters.tasks++;
        const task: ScanTaskMessage = {
          kind: 'scan',
          queries: queries.buffer as SharedArrayBuffer,
          queryNorms,
          k: limit,
          start,
          end,
          generation: snapshot.generation,
        };
        try {
          return (await pool.run(task, { signal: controller.signal })) as ScanResult[];
        } catch (reason) {
          if (!firstError) {
            firstError = { reason };
            controller.abort(reason);
          }
          throw reason;
        }
      });
      // Settle every range before answering, so no task of this search is still running when it rejects.
      const settled = await Promise.allSettled(tasks);
      if (signal?.aborted) throw signal.reason;
      if (firstError) throw this.closing ? new ClosedError('WorkerPoolSearcher') : firstError.reason;
      const perRange = settled.map((s) => (s as PromiseFulfilledResult<ScanResult[]>).value);
      return Array.from({ length: queryNorms.length }, (_, q) => this.index.toHits(perRange.map((results) => results[q]), k));
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Refuses new searches, then terminates every worker: after running searches settle, or at once with
   * `{ force: true }` (running searches reject with ClosedError). Idempotent; resolves when no worker is left.
   */
  close(options: { force?: boolean } = {}): Promise<void> {
    this.closing ??= this.shutdown(options.force ?? false);
    return this.closing;
  }

  private async shutdown(force: boolean): Promise<void> {
    if (!force) await Promise.allSettled([...this.running]);
    // A start still in progress must finish spawning before its workers can be terminated.
    await this.started?.catch(() => {});
    const pool = this.pool;
    if (!pool) return;
    await pool.destroy();
    pool.off('error', this.onPoolError);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Resolves or rejects as `promise` does, or rejects with `signal.reason` as soon as it aborts; no listener left. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** [start, end) ranges covering [0, slots) in `parts` near-equal contiguous pieces; no empty range. */
export function splitRanges(slots: number, parts: number): Array<[number, number]> {
  const count = Math.max(1, Math.min(parts, slots));
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    ranges.push([Math.floor((slots * i) / count), Math.floor((slots * (i + 1)) / count)]);
  }
  return ranges;
}
