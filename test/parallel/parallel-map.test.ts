import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { OptionError } from '../../src/errors.ts';
import { ParallelProcessor, parallelMap } from '../../src/parts/parallel/index.ts';
import { createRng } from '../../src/util/rng.ts';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every queued microtask (and promise chain) run; no timers, no sleeping. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/**
 * Calls the test controls: each call registers a deferred; the test resolves them in any order it likes.
 * Tracks how many run at once.
 */
function controlledCalls() {
  const pending = new Map<number, Deferred<string>>();
  const started: number[] = [];
  const signals: AbortSignal[] = [];
  let inFlight = 0;
  let peak = 0;
  const fn = async (item: number, index: number, signal: AbortSignal) => {
    started.push(index);
    signals[index] = signal;
    inFlight++;
    peak = Math.max(peak, inFlight);
    const d = deferred<string>();
    pending.set(index, d);
    try {
      return await d.promise;
    } finally {
      inFlight--;
      pending.delete(index);
    }
  };
  return { fn, pending, started, signals, peak: () => peak, inFlight: () => inFlight };
}

describe('ParallelProcessor.map', () => {
  it('keeps results in input order when calls finish in reverse order', async () => {
    const calls = controlledCalls();
    const done = new ParallelProcessor().map([0, 1, 2, 3], calls.fn, { concurrency: 4 });
    await settle();
    for (const index of [3, 2, 1, 0]) {
      calls.pending.get(index)!.resolve(`r${index}`);
      await settle();
    }
    expect(await done).toEqual(['r0', 'r1', 'r2', 'r3']);
  });

  it('never runs more than `concurrency` calls at once, whatever order they finish in (seeded)', async () => {
    for (const concurrency of [1, 2, 3, 8]) {
      const rng = createRng(concurrency);
      const calls = controlledCalls();
      const processor = new ParallelProcessor();
      const items = Array.from({ length: 40 }, (_, i) => i);
      const done = processor.map(items, calls.fn, { concurrency });
      await settle();
      while (calls.pending.size > 0) {
        expect(calls.inFlight()).toBeLessThanOrEqual(concurrency);
        const running = [...calls.pending.keys()];
        calls.pending.get(rng.pick(running))!.resolve('ok');
        await settle();
      }
      await done;
      expect(calls.peak()).toBe(concurrency);
      expect(processor.stats().peakInFlight).toBe(concurrency);
      expect(calls.started).toEqual(items); // started in input order
    }
  });

  it('fills a freed slot at once, not when the whole wave ends', async () => {
    const calls = controlledCalls();
    const done = parallelMap([0, 1, 2], calls.fn, { concurrency: 2 });
    await settle();
    expect(calls.started).toEqual([0, 1]);
    calls.pending.get(1)!.resolve('b');
    await settle();
    expect(calls.started).toEqual([0, 1, 2]);
    calls.pending.get(0)!.resolve('a');
    calls.pending.get(2)!.resolve('c');
    expect(await done).toEqual(['a', 'b', 'c']);
  });

  it("'reject' mode: rejects with the first failure, starts nothing more, aborts and awaits the running calls", async () => {
    const calls = controlledCalls();
    const processor = new ParallelProcessor();
    let outcome: unknown = 'pending';
    const done = processor.map([0, 1, 2, 3, 4], calls.fn, { concurrency: 2 }).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    void done.then((value) => (outcome = value));
    await settle();
    const first = new Error('first failure');
    calls.pending.get(1)!.reject(first);
    await settle();
    expect(calls.signals[0].aborted).toBe(true);
    expect(calls.signals[0].reason).toBe(first);
    expect(calls.started).toEqual([0, 1]); // nothing new started after the failure
    expect(outcome).toBe('pending'); // call 0 is still running: map waits for it
    calls.pending.get(0)!.reject(new Error('later failure, absorbed'));
    expect(await done).toBe(first);
    expect(processor.stats()).toMatchObject({ started: 2, rejected: 2, skipped: 3 });
  });

  it("'collect' mode: every item runs, failures and values per item, in input order", async () => {
    const results = await parallelMap(
      [1, 2, 3, 4],
      async (n) => {
        if (n % 2 === 0) throw new Error(`even ${n}`);
        return n * 10;
      },
      { concurrency: 2, failures: 'collect' },
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 10 });
    expect((results[3] as { reason: Error }).reason.message).toBe('even 4');
  });

  it("continues after a synchronous throw ('collect') and rejects with it ('reject')", async () => {
    const fn = (n: number) => {
      if (n === 1) throw new TypeError('sync throw');
      return n;
    };
    const collected = await parallelMap([0, 1, 2], fn, { failures: 'collect' });
    expect(collected.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await expect(parallelMap([0, 1, 2], fn, { concurrency: 1 })).rejects.toThrow('sync throw');
  });

  it('accepts plain (non-promise) return values and any iterable', async () => {
    const results = await parallelMap(new Set(['a', 'b']), (s, i) => `${s}${i}`);
    expect(results).toEqual(['a0', 'b1']);
  });

  it('resolves an empty input to an empty array without calling fn', async () => {
    let calls = 0;
    expect(await parallelMap([], () => calls++)).toEqual([]);
    expect(calls).toBe(0);
  });

  it('an already aborted signal rejects with its reason and calls nothing', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    controller.abort(reason);
    let calls = 0;
    await expect(parallelMap([1, 2], () => calls++, { signal: controller.signal })).rejects.toBe(reason);
    expect(calls).toBe(0);
  });

  it('aborting mid-way stops new items, aborts running calls, rejects with the reason once they settle', async () => {
    const calls = controlledCalls();
    const controller = new AbortController();
    const done = parallelMap([0, 1, 2, 3], calls.fn, { concurrency: 2, signal: controller.signal, failures: 'collect' });
    await settle();
    const reason = new Error('cancelled');
    controller.abort(reason);
    expect(calls.signals[0].aborted).toBe(true);
    calls.pending.get(0)!.reject(calls.signals[0].reason);
    calls.pending.get(1)!.resolve('finished anyway');
    await expect(done).rejects.toBe(reason);
    expect(calls.started).toEqual([0, 1]);
  });

  it("removes its listener from the caller's signal when it ends", async () => {
    const controller = new AbortController();
    await parallelMap([1, 2, 3], async (n) => n, { signal: controller.signal });
    await expect(parallelMap([1], async () => Promise.reject(new Error('x')), { signal: controller.signal })).rejects.toThrow('x');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('runs everything at once with concurrency Infinity', async () => {
    const calls = controlledCalls();
    const done = parallelMap([0, 1, 2, 3, 4], calls.fn, { concurrency: Number.POSITIVE_INFINITY });
    await settle();
    expect(calls.inFlight()).toBe(5);
    for (const d of calls.pending.values()) d.resolve('x');
    await done;
  });

  it('refuses a bad concurrency or failure mode with an OptionError, at construction or call', async () => {
    expect(() => new ParallelProcessor({ concurrency: 0 })).toThrow(OptionError);
    expect(() => new ParallelProcessor({ concurrency: 1.5 })).toThrow(/concurrency.*integer >= 1 or Infinity/);
    await expect(parallelMap([1], (n) => n, { concurrency: Number.NaN })).rejects.toBeInstanceOf(OptionError);
    await expect(parallelMap([1], (n) => n, { failures: 'ignore' as 'reject' })).rejects.toThrow(/failures/);
  });
});
