import { describe, expect, it } from 'vitest';
import { EmbeddingRequestError } from '../../src/errors.ts';
import { fakeVector } from '../../src/parts/embeddings/instant-client.ts';
import { setupBatchEmbedder as setup } from '../support/batch-embedder-setup.ts';

describe('BatchEmbedder maxRetryAfterMs', () => {
  it('fails the callers at once, with a clear error, when retry-after is longer than maxRetryAfterMs (default 60 s)', async () => {
    const { clock, fake, embedder } = setup(
      {},
      { behavior: () => ({ kind: 'error', status: 429, headers: { 'retry-after': '3600' } }) },
    );
    const call = clock.run(embedder.embed('a'));
    await expect(call).rejects.toBeInstanceOf(EmbeddingRequestError);
    await expect(call).rejects.toMatchObject({ status: 429, attempts: 1 });
    await expect(call).rejects.toThrow(/retry after 3600000 ms, more than maxRetryAfterMs \(60000 ms\)/);
    expect(clock.sleeps).toEqual([]);
    expect(fake.requests).toHaveLength(1);
    expect(clock.now).toBeLessThan(1000);
  });

  it('does not hold the rate-limit turn: batches behind it are sent at once', async () => {
    const { clock, fake, embedder } = setup(
      { maxBatchSize: 1, maxConcurrentRequests: 1 },
      {
        latency: () => clock.wait(10),
        behavior: (req) =>
          req.input[0] === 'doomed' ? { kind: 'error', status: 429, headers: { 'retry-after-ms': '7200000' } } : undefined,
      },
    );
    const doomed = embedder.embed('doomed');
    doomed.catch(() => {});
    const next = [embedder.embed('b'), embedder.embed('c')];
    expect(await clock.run(Promise.all(next))).toEqual([fakeVector('b'), fakeVector('c')]);
    await expect(doomed).rejects.toMatchObject({ status: 429 });
    expect(clock.now).toBeLessThan(1000); // nobody waited two hours
    expect(fake.requests.map((r) => r.input[0])).toEqual(['doomed', 'b', 'c']);
  });

  it('honours a retry-after of exactly maxRetryAfterMs', async () => {
    const { clock, embedder } = setup(
      { maxRetryAfterMs: 5000 },
      { behavior: (req) => (req.seq === 0 ? { kind: 'error', status: 503, headers: { 'retry-after-ms': '5000' } } : undefined) },
    );
    expect(await clock.run(embedder.embed('a'))).toEqual(fakeVector('a'));
    expect(clock.sleeps).toEqual([5000]);
  });

  it('applies to any retryable status that carries a long retry-after', async () => {
    const { clock, embedder } = setup(
      { maxRetryAfterMs: 1000 },
      { behavior: () => ({ kind: 'error', status: 503, headers: { 'retry-after': '2' } }) },
    );
    await expect(clock.run(embedder.embed('a'))).rejects.toThrow(/status 503 .*retry after 2000 ms, more than maxRetryAfterMs \(1000 ms\)/);
    expect(clock.sleeps).toEqual([]);
  });
});
