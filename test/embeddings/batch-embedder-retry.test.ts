import { describe, expect, it } from 'vitest';
import { EmbeddingRequestError } from '../../src/errors.ts';
import { BatchEmbedder, type BatchEmbedderOptions } from '../../src/parts/embeddings/batch-embedder.ts';
import {
  createFakeClient,
  fakeVector,
  type FakeClientOptions,
  type FakeReply,
  type FakeRequest,
} from '../../src/parts/embeddings/instant-client.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { createRng } from '../../src/util/rng.ts';

function setup(options: Partial<BatchEmbedderOptions> = {}, fakeOptions: FakeClientOptions = {}) {
  const clock = new ManualClock();
  const fake = createFakeClient(fakeOptions);
  const embedder = new BatchEmbedder({
    client: fake.client,
    model: 'm',
    timers: clock,
    sleep: clock.sleep,
    now: () => clock.now,
    ...options,
  });
  return { clock, fake, embedder };
}

/** Fails the first `times` requests with `reply`, then answers correctly. */
function failFirst(times: number, reply: FakeReply): FakeClientOptions['behavior'] {
  return (req: FakeRequest) => (req.seq < times ? reply : undefined);
}

describe('BatchEmbedder retries', () => {
  it('honours retry-after-ms on a 429 and counts the retry', async () => {
    const { clock, fake, embedder } = setup(
      {},
      { behavior: failFirst(1, { kind: 'error', status: 429, headers: { 'retry-after-ms': '1234' } }) },
    );
    expect(await clock.run(embedder.embed('a'))).toEqual(fakeVector('a'));
    expect(clock.sleeps).toEqual([1234]);
    expect(fake.requests.map((r) => r.retryCount)).toEqual([0, 1]);
    expect(fake.requests.every((r) => r.options?.maxRetries === 0)).toBe(true);
    expect(fake.requests[1].options?.headers).toEqual({ 'x-stainless-retry-count': '1' });
    expect(embedder.stats()).toMatchObject({ requestsSent: 2, retries: 1, failedRequests: 0, inputsSent: 1 });
  });

  it('honours retry-after in seconds, and as an HTTP date', async () => {
    const seconds = setup({}, { behavior: failFirst(1, { kind: 'error', status: 503, headers: { 'retry-after': '3' } }) });
    await seconds.clock.run(seconds.embedder.embed('a'));
    expect(seconds.clock.sleeps).toEqual([3000]);

    const now = Date.UTC(2030, 0, 1, 12, 0, 0);
    const withDate = setup(
      {},
      {
        behavior: failFirst(1, {
          kind: 'error',
          status: 429,
          headers: { 'retry-after': new Date(now + 7000).toUTCString() },
        }),
      },
    );
    withDate.clock.now = now;
    await withDate.clock.run(withDate.embedder.embed('a'));
    // The request was sent (and refused) at now + maxWaitMs, so 6995 ms remain until the date.
    expect(withDate.clock.sleeps).toEqual([6995]);
  });

  it('prefers retry-after-ms over retry-after', async () => {
    const { clock, embedder } = setup(
      {},
      { behavior: failFirst(1, { kind: 'error', status: 429, headers: { 'retry-after-ms': '250', 'retry-after': '9' } }) },
    );
    await clock.run(embedder.embed('a'));
    expect(clock.sleeps).toEqual([250]);
  });

  it('backs off exponentially with seeded jitter when the server gives no delay', async () => {
    const run = async (seed: number) => {
      const rng = createRng(seed);
      const { clock, fake, embedder } = setup(
        { random: () => rng.next(), initialBackoffMs: 500, maxBackoffMs: 3000 },
        { behavior: failFirst(5, { kind: 'error', status: 500 }) },
      );
      await clock.run(embedder.embed('a'));
      expect(fake.requests.map((r) => r.retryCount)).toEqual([0, 1, 2, 3, 4, 5]);
      return clock.sleeps;
    };
    const sleeps = await run(1);
    const bases = [500, 1000, 2000, 3000, 3000];
    sleeps.forEach((ms, i) => {
      expect(ms).toBeLessThanOrEqual(bases[i]);
      expect(ms).toBeGreaterThanOrEqual(bases[i] * 0.75);
    });
    expect(await run(1)).toEqual(sleeps); // same seed, same delays
    expect(await run(2)).not.toEqual(sleeps);
  });

  it.each([408, 409, 429, 500, 502, 503])('retries status %i', async (status) => {
    const { clock, fake, embedder } = setup({}, { behavior: failFirst(2, { kind: 'error', status }) });
    expect(await clock.run(embedder.embed('a'))).toEqual(fakeVector('a'));
    expect(fake.requests).toHaveLength(3);
  });

  it('retries connection errors', async () => {
    const { clock, fake, embedder } = setup({}, { behavior: failFirst(1, { kind: 'error' }) });
    expect(await clock.run(embedder.embed('a'))).toEqual(fakeVector('a'));
    expect(fake.requests).toHaveLength(2);
  });

  it.each([400, 401, 403, 404, 422])('does not retry status %i', async (status) => {
    const { clock, fake, embedder } = setup({}, { behavior: () => ({ kind: 'error', status }) });
    const result = clock.run(embedder.embed('a'));
    await expect(result).rejects.toBeInstanceOf(EmbeddingRequestError);
    await expect(result).rejects.toMatchObject({ status, attempts: 1 });
    expect(fake.requests).toHaveLength(1);
    expect(embedder.stats()).toMatchObject({ requestsSent: 1, retries: 0, failedRequests: 1 });
  });

  it('obeys x-should-retry: false', async () => {
    const { clock, fake, embedder } = setup(
      {},
      { behavior: () => ({ kind: 'error', status: 503, headers: { 'x-should-retry': 'false' } }) },
    );
    await expect(clock.run(embedder.embed('a'))).rejects.toMatchObject({ status: 503, attempts: 1 });
    expect(fake.requests).toHaveLength(1);
  });

  it('gives up after maxRetries and names the status and attempts', async () => {
    const { clock, fake, embedder } = setup({ maxRetries: 2 }, { behavior: () => ({ kind: 'error', status: 429 }) });
    const result = clock.run(embedder.embed('a'));
    await expect(result).rejects.toMatchObject({ status: 429, attempts: 3 });
    await expect(result).rejects.toThrow(/status 429 after 3 attempt/);
    expect(fake.requests).toHaveLength(3);
    expect(embedder.stats()).toMatchObject({ requestsSent: 3, retries: 2, failedRequests: 1, inputsSent: 0 });
  });

  it('rejects only the callers of a request that finally fails; other batches succeed', async () => {
    const { clock, fake, embedder } = setup(
      { maxBatchSize: 2, maxRetries: 1 },
      { behavior: (req) => (req.input.includes('doomed') ? { kind: 'error', status: 500 } : undefined) },
    );
    const calls = ['ok 1', 'ok 2', 'doomed', 'neighbour', 'ok 3', 'ok 4'].map((t) => embedder.embed(t));
    const outcomes = await clock.run(Promise.allSettled(calls));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[0] as PromiseFulfilledResult<number[]>).value).toEqual(fakeVector('ok 1'));
    expect((outcomes[5] as PromiseFulfilledResult<number[]>).value).toEqual(fakeVector('ok 4'));
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ status: 500, attempts: 2 });
    expect(fake.requests.filter((r) => r.input.includes('doomed'))).toHaveLength(2);
    expect(embedder.stats()).toMatchObject({ failedRequests: 1, inputsSent: 4 });
  });

  it('a request waiting to retry keeps its slot', async () => {
    const { clock, fake, embedder } = setup(
      { maxConcurrentRequests: 1, maxBatchSize: 1 },
      { behavior: failFirst(1, { kind: 'error', status: 429, headers: { 'retry-after-ms': '100' } }) },
    );
    await clock.run(Promise.all([embedder.embed('first'), embedder.embed('second')]));
    expect(fake.requests.map((r) => [r.input[0], r.retryCount])).toEqual([
      ['first', 0],
      ['first', 1],
      ['second', 0],
    ]);
  });

  it('rejects (never hangs) when the client throws synchronously', async () => {
    const clock = new ManualClock();
    const client = {
      embeddings: {
        create() {
          throw new TypeError('broken client');
        },
      },
    } as unknown as BatchEmbedderOptions['client'];
    const embedder = new BatchEmbedder({ client, model: 'm', timers: clock });
    const result = clock.run(embedder.embed('a'));
    await expect(result).rejects.toMatchObject({ status: undefined, attempts: 1 });
    await expect(result).rejects.toThrow(/broken client/);
  });
});
