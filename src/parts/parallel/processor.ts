import { OptionError } from '../../errors.ts';

/** What `map` does when a call fails. */
export type FailureMode =
  /** Default. The first failure stops new calls, aborts the running calls' signal, and map rejects with it. */
  | 'reject'
  /** Every item runs; map resolves to one Settled per item, in input order; it rejects only when aborted. */
  | 'collect';

/** One item's outcome in 'collect' mode; the same shape as Promise.allSettled's. */
export type Settled<R> = { status: 'fulfilled'; value: R } | { status: 'rejected'; reason: unknown };

/**
 * The function map calls for each item. `signal` aborts when the map ends early (a failure in 'reject' mode, or
 * the caller's abort); a long call should pass it on (to fetch, the openai SDK, a worker pool) so it ends promptly.
 */
export type MapFn<T, R> = (item: T, index: number, signal: AbortSignal) => R | PromiseLike<R>;

export interface MapOptions {
  /**
   * Most calls of `fn` running at once: an integer >= 1, or Infinity. Default: the processor's concurrency.
   * Bounds what is in flight against an API (requests, rate limit) or memory; it is not a thread count.
   */
  concurrency?: number;
  /**
   * Aborting stops starting items and aborts the running calls' signal; map rejects with `signal.reason` once the
   * running calls have settled. Already aborted: rejects at once, calls nothing.
   */
  signal?: AbortSignal;
  /** 'reject' (default) or 'collect'; see FailureMode. */
  failures?: FailureMode;
}

export interface ParallelProcessorOptions {
  /** Default concurrency of `map` when a call does not give one; an integer >= 1 or Infinity. Default 8. */
  concurrency?: number;
}

/** Counters over every map of one processor; exact, so a scenario can check the bound held. */
export interface ParallelProcessorStats {
  /** Calls of fn started. */
  started: number;
  fulfilled: number;
  rejected: number;
  /** Items never started because their map ended early (failure or abort). */
  skipped: number;
  /** Most calls of fn running at once, over all maps (one map at a time: at most its concurrency). */
  peakInFlight: number;
}

/** Default concurrency of a ParallelProcessor. */
export const DEFAULT_CONCURRENCY = 8;

/**
 * Bounded concurrency in the event loop, for work that waits (API calls), not for CPU work (see
 * WorkerPoolSearcher). `map` keeps results in input order, starts items in input order, and never runs more than
 * `concurrency` calls at once.
 *
 * How: `concurrency` runners share one cursor; each takes the next item, awaits its call, and takes another until
 * the items run out. That is a counting semaphore without a queue of waiting closures: an item's call starts only
 * when a runner is free, so there are never more than `concurrency` in flight, and nothing is buffered ahead.
 *
 * Ending early (a failure in 'reject' mode, or the caller's abort) is structured: no new item starts, the running
 * calls' signal aborts, and map settles only after every call it started has settled. So when map rejects, none
 * of its work is still running, and later failures of the aborted calls are absorbed (no unhandled rejection).
 * The price: a call that ignores its signal delays the rejection until it finishes.
 */
export class ParallelProcessor {
  readonly concurrency: number;
  private readonly counters: ParallelProcessorStats = { started: 0, fulfilled: 0, rejected: 0, skipped: 0, peakInFlight: 0 };
  private inFlight = 0;

  constructor(options: ParallelProcessorOptions = {}) {
    this.concurrency = checkConcurrency(options.concurrency ?? DEFAULT_CONCURRENCY);
  }

  stats(): ParallelProcessorStats {
    return { ...this.counters };
  }

  map<T, R>(items: Iterable<T>, fn: MapFn<T, R>, options: MapOptions & { failures: 'collect' }): Promise<Array<Settled<R>>>;
  map<T, R>(items: Iterable<T>, fn: MapFn<T, R>, options?: MapOptions & { failures?: 'reject' }): Promise<R[]>;
  map<T, R>(items: Iterable<T>, fn: MapFn<T, R>, options: MapOptions = {}): Promise<R[] | Array<Settled<R>>> {
    let concurrency: number;
    try {
      concurrency = checkConcurrency(options.concurrency ?? this.concurrency);
      if (options.failures !== undefined && options.failures !== 'reject' && options.failures !== 'collect') {
        throw new OptionError('failures', "'reject' or 'collect'", options.failures);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return this.run(Array.from(items), fn, concurrency, options.failures ?? 'reject', signal);
  }

  private async run<T, R>(
    items: T[],
    fn: MapFn<T, R>,
    concurrency: number,
    mode: FailureMode,
    signal: AbortSignal | undefined,
  ): Promise<R[] | Array<Settled<R>>> {
    const results: unknown[] = new Array(items.length);
    const controller = new AbortController();
    // Why the map ended early: the first of the caller's abort and (in 'reject' mode) the first failure.
    let ended: { reason: unknown } | undefined;
    const end = (reason: unknown) => {
      if (ended) return;
      ended = { reason };
      controller.abort(reason);
    };
    const onAbort = () => end(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let cursor = 0;

    const runner = async () => {
      while (cursor < items.length && !ended) {
        const index = cursor++;
        this.counters.started++;
        if (++this.inFlight > this.counters.peakInFlight) this.counters.peakInFlight = this.inFlight;
        try {
          // Inside the try, so a synchronous throw is a failure of this item like a rejection.
          const value = await fn(items[index], index, controller.signal);
          this.counters.fulfilled++;
          results[index] = mode === 'collect' ? { status: 'fulfilled', value } : value;
        } catch (reason) {
          this.counters.rejected++;
          if (mode === 'collect') results[index] = { status: 'rejected', reason };
          else end(reason);
        } finally {
          this.inFlight--;
        }
      }
    };

    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, runner));
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (ended) {
      this.counters.skipped += items.length - cursor;
      throw ended.reason;
    }
    return results as R[] | Array<Settled<R>>;
  }
}

/** `map` on a one-off processor: bounded concurrency, results in input order (see ParallelProcessor). */
export function parallelMap<T, R>(items: Iterable<T>, fn: MapFn<T, R>, options: MapOptions & { failures: 'collect' }): Promise<Array<Settled<R>>>;
export function parallelMap<T, R>(items: Iterable<T>, fn: MapFn<T, R>, options?: MapOptions & { failures?: 'reject' }): Promise<R[]>;
export function parallelMap<T, R>(items: Iterable<T>, fn: MapFn<T, R>, options: MapOptions = {}): Promise<R[] | Array<Settled<R>>> {
  return new ParallelProcessor().map(items, fn, options as MapOptions & { failures?: 'reject' });
}

function checkConcurrency(value: number): number {
  if (value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 1)) return value;
  throw new OptionError('concurrency', 'an integer >= 1 or Infinity', value);
}
