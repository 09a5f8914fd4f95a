import { describe, expect, it } from 'vitest';
import { EmbeddingRequestError } from '../../src/errors.ts';
import { BatchEmbedder, type BatchEmbedderOptions } from '../../src/parts/embeddings/batch-embedder.ts';
import { fakeVector } from '../../src/parts/embeddings/instant-client.ts';
import { setupBatchEmbedder as setup } from '../support/batch-embedder-setup.ts';
import { ManualClock } from '../support/manual-clock.ts';

const never = () => new Promise<void>(() => {});

describe('BatchEmbedder requestTimeoutMs', () => {
  it('aborts an attempt with no answer after requestTimeoutMs (default 60 s) and retries it as a retryable failure', async () => {
    const { clock, fake, embedder } = setup({}, { latency: (req) => (req.seq === 0 ? never() : undefined) });
    expect(await clock.run(embedder.embed('a'))).toEqual(fakeVector('a'));
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[0].aborted).toBe(true);
    expect(fake.requests[1].retryCount).toBe(1);
    expect(clock.sleeps).toHaveLength(1); // one backoff, as after a connection error
    expect(clock.now).toBeGreaterThanOrEqual(60_005);
    expect(embedder.stats()).toMatchObject({ timedOutAttempts: 1, retries: 1, failedRequests: 0 });
  });

  it('rejects the callers with a timeout error after maxRetries, so flush() and close() never hang', async () => {
    const { clock, fake, embedder } = setup({ requestTimeoutMs: 1000, maxRetries: 2 }, { latency: never });
    const calls = [embedder.embed('a'), embedder.embed('b')];
    calls.forEach((c) => c.catch(() => {}));
    await clock.run(embedder.close());
    for (const call of calls) {
      await expect(call).rejects.toBeInstanceOf(EmbeddingRequestError);
      await expect(call).rejects.toThrow(/timeout \(no answer within requestTimeoutMs \(1000 ms\)\) after 3 attempt/);
    }
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests.every((r) => r.aborted)).toBe(true);
    expect(embedder.stats()).toMatchObject({ timedOutAttempts: 3, failedRequests: 1, requestsInFlight: 0 });
    expect(clock.pending).toBe(0);
  });

  it('stops waiting for a client that ignores the abort signal', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const client = {
      embeddings: {
        create: (body: { input: string[] }) => {
          calls++;
          if (calls === 1) return new Promise(() => {}); // ignores the signal and never answers
          return Promise.resolve({ data: body.input.map((t, index) => ({ index, embedding: fakeVector(t) })) });
        },
      },
    } as unknown as BatchEmbedderOptions['client'];
    const embedder = new BatchEmbedder({ client, model: 'm', requestTimeoutMs: 500, timers: clock, sleep: clock.sleep });
    expect(await clock.run(embedder.embed('a'))).toEqual(fakeVector('a'));
    expect(calls).toBe(2);
  });

  it('leaves no timeout timer behind after a request is answered', async () => {
    const { clock, embedder } = setup({}, { latency: () => clock.wait(10) });
    await clock.run(embedder.embed('a'));
    expect(clock.pending).toBe(0);
  });
});
