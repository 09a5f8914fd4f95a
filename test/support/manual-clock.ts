import type { Timers } from '../../src/parts/embeddings/options.ts';

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
}

/**
 * A clock that only moves when told, for deterministic tests and benchmarks of the BatchEmbedder: pass it as
 * `timers`, `clock.sleep` as `sleep` and `() => clock.now` as `now`. Between timer firings it lets the event loop
 * run (setImmediate turns, no waiting on wall-clock time) so every promise continuation settles first.
 */
export class ManualClock implements Timers {
  now = 0;
  /** Every delay requested through `sleep`, in order (the embedder's retry waits). */
  readonly sleeps: number[] = [];
  #timers: Timer[] = [];
  #seq = 0;

  setTimeout(callback: () => void, ms: number): unknown {
    const timer: Timer = { at: this.now + Math.max(0, ms), seq: this.#seq++, callback };
    this.#timers.push(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    const i = this.#timers.indexOf(handle as Timer);
    if (i >= 0) this.#timers.splice(i, 1);
  }

  /** A recorded wait: what the embedder's `sleep` option should be. */
  readonly sleep = (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    return this.wait(ms);
  };

  /** An unrecorded wait on this clock (fake latency, producer pauses). */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => void this.setTimeout(resolve, ms));
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Lets all queued promise continuations run; time does not move. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Fires the earliest timer (moving time to it); false when none is pending. */
  async step(): Promise<boolean> {
    await this.settle();
    if (this.#timers.length === 0) return false;
    let next = 0;
    for (let i = 1; i < this.#timers.length; i++) {
      const t = this.#timers[i];
      const n = this.#timers[next];
      if (t.at < n.at || (t.at === n.at && t.seq < n.seq)) next = i;
    }
    const [timer] = this.#timers.splice(next, 1);
    this.now = Math.max(this.now, timer.at);
    timer.callback();
    await this.settle();
    return true;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    for (;;) {
      await this.settle();
      const due = this.#timers.filter((t) => t.at <= until);
      if (due.length === 0) break;
      await this.step();
    }
    this.now = until;
    await this.settle();
  }

  /**
   * Runs timers until `promise` settles and returns its outcome. Throws if it is still pending when no timer is
   * left, which means something hangs (the failure a batcher must never have).
   */
  async run<T>(promise: Promise<T>, maxSteps = 1_000_000): Promise<T> {
    let done = false;
    const watched = promise.finally(() => {
      done = true;
    });
    watched.catch(() => {});
    for (let steps = 0; ; steps++) {
      await this.settle();
      if (done) return watched;
      if (steps >= maxSteps) throw new Error(`ManualClock.run: still pending after ${maxSteps} timer steps`);
      if (!(await this.step())) {
        await this.settle();
        if (done) return watched;
        throw new Error(`ManualClock.run: the promise is pending and no timer is left (it would hang) at t=${this.now}`);
      }
    }
  }
}
