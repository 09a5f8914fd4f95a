import { describe, expect, it } from 'vitest';
import { ClosedError, EmbeddingRequestError } from '../../src/errors.ts';
import { BatchEmbedder, type BatchEmbedderOptions } from '../../src/parts/embeddings/batch-embedder.ts';
import { createFakeClient, fakeVector, type FakeClientOptions } from '../../src/parts/embeddings/instant-client.ts';
import { ManualClock } from '../support/manual-clock.ts';

function setup(options: Partial<BatchEmbedderOptions> = {}, fakeOptions: FakeClientOptions = {}) {
  const clock = new ManualClock();
  const fake = createFakeClient(fakeOptions);
  const embedder = new BatchEmbedder({ client: fake.client, model: 'm', timers: clock, sleep: clock.sleep, ...options });
  return { clock, fake, embedder };
}

function track<T>(promise: Promise<T>) {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

describe('BatchEmbedder flush()', () => {
  it('sends a partial batch now, without waiting maxWaitMs', async () => {
    const { clock, fake, embedder } = setup({ maxWaitMs: 10_000 });
    const a = embedder.embed('a');
    const flushed = embedder.flush();
    await clock.settle();
    expect(fake.requests.map((r) => r.input)).toEqual([['a']]);
    await flushed;
    expect(await a).toEqual(fakeVector('a'));
    expect(clock.now).toBe(0);
  });

  it('resolves only when every earlier call has settled, failures included', async () => {
    const { clock, embedder } = setup(
      { maxBatchSize: 2, maxConcurrentRequests: 1 },
      {
        latency: () => clock.wait(100),
        behavior: (req) => (req.input.includes('bad') ? { kind: 'error', status: 401 } : undefined),
      },
    );
    const calls = ['a', 'bad', 'c', 'd', 'e'].map((t) => embedder.embed(t));
    calls.forEach((c) => c.catch(() => {}));
    const states = calls.map(track);
    const flushed = embedder.flush();
    const flushState = track(flushed);
    await clock.advance(250);
    expect(flushState.settled).toBe(false); // two of three requests done
    expect(states.filter((s) => s.settled)).toHaveLength(4);
    await clock.run(flushed);
    expect(states.every((s) => s.settled)).toBe(true);
  });

  it('does not wait for calls made after it', async () => {
    const { clock, embedder } = setup({ maxConcurrentRequests: 1 }, { latency: () => clock.wait(100) });
    const early = embedder.embed('early');
    const flushed = embedder.flush();
    const late = embedder.embed('late'); // waits for the only slot, then maxWaitMs... then its own request
    await clock.run(flushed);
    expect(track(late).settled).toBe(false);
    await clock.run(Promise.all([early, late]));
  });

  it('resolves at once when nothing is pending', async () => {
    const { fake, embedder } = setup();
    // Settles within a few microtask turns, with the fake clock never advanced and no request sent.
    const state = track(embedder.flush());
    for (let i = 0; i < 10 && !state.settled; i++) await Promise.resolve();
    expect(state.settled).toBe(true);
    expect(fake.requests).toHaveLength(0);
  });

  it('covers texts still waiting for room in the queue', async () => {
    const { clock, fake, embedder } = setup(
      { maxBatchSize: 2, maxQueueSize: 2, maxWaitMs: 10_000 },
      { latency: () => clock.wait(5) },
    );
    const many = embedder.embedMany(['a', 'b', 'c', 'd', 'e']);
    await clock.run(embedder.flush());
    expect(await many).toEqual(['a', 'b', 'c', 'd', 'e'].map((t) => fakeVector(t)));
    expect(fake.requests.map((r) => r.input)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(clock.now).toBeLessThan(10_000); // the last partial batch did not wait for its timer
  });
});

describe('BatchEmbedder close()', () => {
  it('finishes earlier calls, then rejects later ones with ClosedError', async () => {
    const { clock, embedder } = setup({}, { latency: () => clock.wait(20) });
    const before = embedder.embed('before');
    const closed = embedder.close();
    await expect(embedder.embed('after')).rejects.toBeInstanceOf(ClosedError);
    await expect(embedder.embedMany(['after'])).rejects.toBeInstanceOf(ClosedError);
    await clock.run(closed);
    expect(await before).toEqual(fakeVector('before'));
  });

  it('leaves no timer behind and is idempotent', async () => {
    const { clock, embedder } = setup({ maxWaitMs: 50 });
    const pending = embedder.embed('x');
    expect(clock.pending).toBe(1);
    const first = embedder.close();
    expect(embedder.close()).toBe(first);
    await clock.run(first);
    await pending;
    expect(clock.pending).toBe(0);
    expect(embedder.stats()).toMatchObject({ queueLength: 0, requestsInFlight: 0, waitingProducers: 0 });
  });

  it('after close with nothing pending, resolves at once and leaves nothing scheduled', async () => {
    const { clock, embedder } = setup();
    await embedder.close();
    expect(clock.pending).toBe(0);
  });

  it('an embedMany with a failed text rejects with its first failure, after all its texts settled', async () => {
    const { clock, fake, embedder } = setup(
      { maxBatchSize: 2 },
      { behavior: (req) => (req.input.includes('b') ? { kind: 'error', status: 403 } : undefined) },
    );
    const call = embedder.embedMany(['a', 'b', 'c', 'd', 'e']);
    await expect(clock.run(call)).rejects.toBeInstanceOf(EmbeddingRequestError);
    expect(fake.requests).toHaveLength(3); // every text was still sent; nothing is left in flight
    await embedder.close();
    expect(clock.pending).toBe(0);
  });
});

describe('BatchEmbedder embedMany input', () => {
  it('embeds the texts as they were at the call, even if the caller reuses its array', async () => {
    const { clock, embedder } = setup({ maxBatchSize: 2, maxQueueSize: 2 });
    const buffer = ['a', 'b', 'c', 'd', 'e'];
    const call = embedder.embedMany(buffer);
    buffer.fill('changed'); // 'c', 'd', 'e' are still waiting for room
    expect(await clock.run(call)).toEqual(['a', 'b', 'c', 'd', 'e'].map((t) => fakeVector(t)));
  });
});
