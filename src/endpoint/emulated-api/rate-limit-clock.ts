/**
 * The mock's rate-limit clock by default: virtual time that passes only when a client waits out a 429's advice,
 * so what the limiter admits depends on the requests and their order, never on how fast the machine is.
 *
 * The model: a client sends as fast as it can; the only time that passes is the time it was told to wait. A 429
 * tells its sender to wait `retry-after-ms`; when a retry of that same request arrives (`x-stainless-retry-count`
 * > 0, the same model, dimensions and inputs), the client is taken to have waited exactly that long, so the clock
 * moves to at least the moment the 429 was answered plus the advised wait. Nothing else moves it: neither the
 * modelled latency (which is waited in real time, for the timing metrics) nor the wall clock. The buckets then
 * refill by exactly the advised waits, so waiting as told always succeeds if nobody else took the allowance first.
 *
 * Why not the wall clock: the buckets refilled in real time, so a loaded machine (slower client, more real time
 * between requests) met fewer 429s, and a run's counters did not reproduce from its seed. Why not the request
 * order alone (a fixed step per request): it would invent a sending rate the client never had. The clock cannot
 * be the client's own (a server in another process cannot read it, and the SDK does not send one).
 *
 * What it does not model: a client that retries sooner than advised is treated as if it had waited (the mock
 * cannot see how long it slept), and time spent in flight does not refill the buckets. Rates the client reaches
 * by concurrency alone, with no 429, are not limited by time at all; within one burst the limiter still admits
 * at most a minute's allowance. Use `clock: 'wall'` for the real-time behaviour.
 */

/** What identifies a retry of a request: the same model, dimensions and inputs. */
export function retryKey(model: string, dimensions: number | undefined, texts: readonly string[]): string {
  return `${model}\u0000${dimensions ?? ''}\u0000${texts.join('\u0001')}`;
}

export class RetryDrivenClock {
  #now = 0;
  /** Per request key, the moments its retries are due (a queue: the same texts may be rejected more than once). */
  readonly #due = new Map<string, number[]>();

  /** Virtual ms since the mock started (or was reset). */
  now(): number {
    return this.#now;
  }

  /** A request with this key was answered 429 now, advised to wait `waitMs`. */
  rejected(key: string, waitMs: number): void {
    const queue = this.#due.get(key);
    const due = this.#now + waitMs;
    if (queue) queue.push(due);
    else this.#due.set(key, [due]);
  }

  /** A retry of a request with this key arrived: time has reached at least its due moment. */
  retried(key: string): void {
    const queue = this.#due.get(key);
    if (!queue) return;
    const due = queue.shift()!;
    if (queue.length === 0) this.#due.delete(key);
    if (due > this.#now) this.#now = due;
  }

  /** Retries still owed (429s whose retry has not arrived): for tests and diagnostics. */
  get pendingRetries(): number {
    let n = 0;
    for (const queue of this.#due.values()) n += queue.length;
    return n;
  }
}
