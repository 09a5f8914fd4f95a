import { describe, expect, it } from 'vitest';
import { EmbeddingRequestError } from '../../src/errors.ts';
import { BatchEmbedder, type BatchEmbedderOptions } from '../../src/parts/embeddings/batch-embedder.ts';
import { createFakeClient, fakeVector, type FakeClientOptions } from '../../src/parts/embeddings/instant-client.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { createRng } from '../../src/util/rng.ts';

function setup(options: Partial<BatchEmbedderOptions> = {}, fakeOptions: FakeClientOptions = {}) {
  const clock = new ManualClock();
  const fake = createFakeClient(fakeOptions);
  const embedder = new BatchEmbedder({ client: fake.client, model: 'm', timers: clock, sleep: clock.sleep, ...options });
  return { clock, fake, embedder };
}

describe('BatchEmbedder input limits', () => {
  it('rejects a text over maxInputTokens for its caller alone, at once, and never sends it', async () => {
    const { clock, fake, embedder } = setup({ maxInputTokens: 10, maxBatchTokens: 100 });
    const long = 'one two three four five six seven eight nine ten eleven twelve';
    const others = [embedder.embed('short a'), embedder.embed('short b')];
    const rejected = embedder.embed(long);
    await expect(rejected).rejects.toBeInstanceOf(EmbeddingRequestError);
    await expect(rejected).rejects.toMatchObject({ attempts: 0, status: undefined });
    await expect(rejected).rejects.toThrow(/maxInputTokens \(10\)/);
    expect(fake.requests).toHaveLength(0); // rejected before any request, not after one
    expect(await clock.run(Promise.all(others))).toEqual([fakeVector('short a'), fakeVector('short b')]);
    expect(fake.requests.flatMap((r) => r.input)).not.toContain(long);
    expect(embedder.stats().inputsRejected).toBe(1);
  });

  it('accepts a text whose bytes exceed maxInputTokens when its real token count does not', async () => {
    const { clock, fake, embedder } = setup({ maxInputTokens: 10, maxBatchTokens: 100 });
    const text = 'a'.repeat(40); // 40 bytes, a handful of tokens
    expect(await clock.run(embedder.embed(text))).toEqual(fakeVector(text));
    expect(fake.requests[0].input).toEqual([text]);
  });

  it('rejects an embedMany with an over-long text at once, sending none of its texts', async () => {
    const { clock, fake, embedder } = setup({ maxInputTokens: 5, maxBatchTokens: 50 });
    const call = embedder.embedMany(['fine', 'this text has far more than five tokens in it', 'also fine']);
    await expect(call).rejects.toThrow(/embedMany: text 1: .*maxInputTokens/);
    await clock.advance(100);
    expect(fake.requests).toHaveLength(0);
  });

  it('rejects an empty text alone (the API would fail the whole batch)', async () => {
    const { clock, fake, embedder } = setup();
    const ok = embedder.embed('x');
    await expect(embedder.embed('')).rejects.toThrow(/empty text/);
    await clock.run(ok);
    expect(fake.requests.map((r) => r.input)).toEqual([['x']]);
  });
});

describe('BatchEmbedder backpressure and concurrency', () => {
  it('never holds more than maxQueueSize texts; producers that outrun the API wait for room', async () => {
    const maxQueueSize = 8;
    const queueSeen: number[] = [];
    const clock = new ManualClock();
    const fake = createFakeClient({
      latency: async () => {
        queueSeen.push(embedder.stats().queueLength);
        await clock.wait(50);
      },
    });
    const embedder = new BatchEmbedder({
      client: fake.client,
      model: 'm',
      maxBatchSize: 4,
      maxQueueSize,
      maxConcurrentRequests: 2,
      timers: clock,
    });
    const rng = createRng(3);
    const wrong: string[] = [];
    const producer = async (p: number) => {
      for (let i = 0; i < 10; i++) {
        const text = `p${p} #${i}`;
        const vector = await embedder.embed(text);
        if (JSON.stringify(vector) !== JSON.stringify(fakeVector(text))) wrong.push(text);
        await clock.wait(rng.int(0, 3));
      }
    };
    await clock.run(Promise.all(Array.from({ length: 40 }, (_, p) => producer(p))));
    const stats = embedder.stats();
    expect(wrong).toEqual([]);
    expect(stats.peakQueueLength).toBe(maxQueueSize);
    expect(Math.max(...queueSeen)).toBeLessThanOrEqual(maxQueueSize);
    expect(stats.producerWaits).toBeGreaterThan(0);
    expect(stats.peakRequestsInFlight).toBe(2);
    expect(fake.peakInFlight).toBe(2);
    expect(stats.queueLength).toBe(0);
    expect(stats.waitingProducers).toBe(0);
  });

  it('feeds a huge embedMany into the queue as room appears, keeping the queue bounded', async () => {
    const { clock, fake, embedder } = setup(
      { maxBatchSize: 16, maxQueueSize: 32, maxConcurrentRequests: 3 },
      { latency: () => clock.wait(10) },
    );
    const texts = Array.from({ length: 1000 }, (_, i) => `text ${i}`);
    const vectors = await clock.run(embedder.embedMany(texts));
    expect(vectors).toEqual(texts.map((t) => fakeVector(t)));
    const stats = embedder.stats();
    expect(stats.peakQueueLength).toBeLessThanOrEqual(32);
    expect(stats.producerWaits).toBe(1);
    expect(fake.requests).toHaveLength(Math.ceil(1000 / 16)); // producers outrun the API: every batch full
    expect(fake.peakInFlight).toBe(3);
  });

  it('a full queue of identical texts does not wait for maxWaitMs (it could never fill its batch)', async () => {
    const { clock, fake, embedder } = setup({ maxBatchSize: 4, maxQueueSize: 4, maxWaitMs: 10_000 });
    // 12 callers of one text: each group of 4 fills the queue but holds a single input.
    const vectors = await clock.run(Promise.all(Array.from({ length: 12 }, () => embedder.embed('same'))));
    expect(vectors).toEqual(Array.from({ length: 12 }, () => fakeVector('same')));
    expect(clock.now).toBe(0);
    expect(fake.requests).toHaveLength(3);
    expect(embedder.stats().peakQueueLength).toBe(4);
    expect(fake.requests.every((r) => r.input.length === 1)).toBe(true);
  });

  it('never has more than maxConcurrentRequests requests in flight, retries included', async () => {
    let failures = 0;
    const { clock, fake, embedder } = setup(
      { maxBatchSize: 5, maxConcurrentRequests: 3 },
      {
        latency: () => clock.wait(7),
        behavior: (req) => (req.seq % 4 === 1 && failures++ < 10 ? { kind: 'error', status: 503 } : undefined),
      },
    );
    const texts = Array.from({ length: 200 }, (_, i) => `c${i}`);
    await clock.run(Promise.all(texts.map((t) => embedder.embed(t))));
    expect(fake.peakInFlight).toBe(3);
    expect(embedder.stats().peakRequestsInFlight).toBe(3);
    expect(embedder.stats().retries).toBeGreaterThan(0);
  });
});
