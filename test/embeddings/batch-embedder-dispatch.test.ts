import { describe, expect, it } from 'vitest';
import { BatchEmbedder, type BatchEmbedderOptions } from '../../src/parts/embeddings/batch-embedder.ts';
import { createFakeClient, fakeVector, type FakeClientOptions } from '../../src/parts/embeddings/instant-client.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { exactTokens } from '../../src/parts/embeddings/tokens.ts';

function setup(options: Partial<BatchEmbedderOptions> = {}, fakeOptions: FakeClientOptions = {}) {
  const clock = new ManualClock();
  const fake = createFakeClient(fakeOptions);
  const embedder = new BatchEmbedder({ client: fake.client, model: 'm', timers: clock, sleep: clock.sleep, ...options });
  return { clock, fake, embedder };
}

describe('BatchEmbedder dispatch rule', () => {
  it('sends a lone text maxWaitMs after it was queued, not before', async () => {
    const { clock, fake, embedder } = setup({ maxWaitMs: 5 });
    const vector = embedder.embed('alone');
    await clock.advance(4.9);
    expect(fake.requests).toHaveLength(0);
    await clock.advance(0.1);
    expect(fake.requests.map((r) => r.input)).toEqual([['alone']]);
    expect(await clock.run(vector)).toEqual(fakeVector('alone'));
  });

  it('gathers texts queued within maxWaitMs of the first into one request', async () => {
    const { clock, fake, embedder } = setup({ maxWaitMs: 5 });
    const a = embedder.embed('a');
    await clock.advance(2);
    const b = embedder.embed('b');
    await clock.advance(2);
    const c = embedder.embed('c');
    await clock.run(Promise.all([a, b, c]));
    expect(fake.requests.map((r) => r.input)).toEqual([['a', 'b', 'c']]);
    expect(clock.now).toBe(5);
  });

  it('sends a full batch at once, without waiting for the timer', async () => {
    const { clock, fake, embedder } = setup({ maxBatchSize: 4, maxWaitMs: 1000 });
    const all = Promise.all(['a', 'b', 'c', 'd'].map((t) => embedder.embed(t)));
    await clock.settle();
    expect(fake.requests.map((r) => r.input)).toEqual([['a', 'b', 'c', 'd']]);
    await clock.run(all);
    expect(clock.now).toBe(0);
  });

  it('splits by maxBatchSize: 10 texts at batch size 4 are 3 requests of 4, 4 and 2', async () => {
    const { clock, fake, embedder } = setup({ maxBatchSize: 4 });
    const texts = Array.from({ length: 10 }, (_, i) => `t${i}`);
    const vectors = await clock.run(embedder.embedMany(texts));
    expect(vectors).toEqual(texts.map((t) => fakeVector(t)));
    expect(fake.requests.map((r) => r.input.length)).toEqual([4, 4, 2]);
    expect(embedder.stats().batchesSent).toBe(3);
  });

  it('splits by token budget, counting real tokens only when the byte bound would overflow', async () => {
    // Each text is ~25 bytes but only a few tokens: by bytes one would fit per batch, by tokens several do.
    const texts = Array.from({ length: 12 }, (_, i) => `item${i} alpha beta gamma delta`);
    const tokens = texts.map(exactTokens);
    const budget = 40;
    const { clock, fake, embedder } = setup({ maxBatchTokens: budget, maxInputTokens: budget });
    const vectors = await clock.run(embedder.embedMany(texts));
    expect(vectors).toEqual(texts.map((t) => fakeVector(t)));
    // Greedy packing by exact token counts, in order.
    const expected: number[] = [];
    let sum = 0;
    for (const t of tokens) {
      if (expected.length > 0 && sum + t <= budget) {
        expected[expected.length - 1]++;
        sum += t;
      } else {
        expected.push(1);
        sum = t;
      }
    }
    expect(fake.requests.map((r) => r.input.length)).toEqual(expected);
    expect(expected.length).toBeLessThan(texts.length);
    for (const request of fake.requests) {
      expect(request.input.reduce((s, t) => s + exactTokens(t), 0)).toBeLessThanOrEqual(budget);
    }
  });

  it('a due batch waiting for a request slot keeps accepting texts until it is sent', async () => {
    const { clock, fake, embedder } = setup(
      { maxConcurrentRequests: 1, maxWaitMs: 5 },
      { latency: () => clock.wait(100) },
    );
    const first = embedder.embed('first');
    await clock.advance(10); // 'first' is in flight until t=105
    const later = [embedder.embed('b')];
    await clock.advance(20); // b's batch is due at t=15 but waits for the slot
    later.push(embedder.embed('c'), embedder.embed('d'));
    await clock.run(Promise.all([first, ...later]));
    expect(fake.requests.map((r) => r.input)).toEqual([['first'], ['b', 'c', 'd']]);
    expect(fake.peakInFlight).toBe(1);
  });

  it('places vectors by response index, whatever the array order', async () => {
    const { clock, embedder } = setup({}, { shuffle: true });
    const texts = ['x', 'y', 'z'];
    expect(await clock.run(embedder.embedMany(texts))).toEqual(texts.map((t) => fakeVector(t)));
  });

  it('sends the model and dimensions, and turns off the SDK retries on every request', async () => {
    const { clock, fake, embedder } = setup({ dimensions: 3, model: 'text-embedding-3-small' });
    expect(await clock.run(embedder.embed('q'))).toEqual(fakeVector('q', 3));
    expect(fake.requests[0]).toMatchObject({ model: 'text-embedding-3-small', dimensions: 3 });
    expect(fake.requests[0].options?.maxRetries).toBe(0);
  });
});
