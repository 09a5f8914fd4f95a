import { describe, expect, it } from 'vitest';
import { BatchEmbedder } from '../../src/parts/embeddings/batch-embedder.ts';
import { createFakeClient, fakeVector, type FakeRequest } from '../../src/parts/embeddings/instant-client.ts';
import { ManualClock } from '../support/manual-clock.ts';

/** A fake API that admits one request per `intervalMs` and answers 429 with the exact wait otherwise. */
function rateLimitedApi(clock: ManualClock, intervalMs: number, latencyMs: number) {
  let nextAllowed = 0;
  let limited = true;
  const outcomes: { text: string; status: number; at: number }[] = [];
  const fake = createFakeClient({
    latency: () => clock.wait(latencyMs),
    behavior: (req: FakeRequest) => {
      if (limited && clock.now < nextAllowed) {
        outcomes.push({ text: req.input[0], status: 429, at: clock.now });
        return { kind: 'error', status: 429, headers: { 'retry-after-ms': String(nextAllowed - clock.now) } };
      }
      nextAllowed = clock.now + intervalMs;
      outcomes.push({ text: req.input[0], status: 200, at: clock.now });
      return undefined;
    },
  });
  return { fake, outcomes, lift: () => (limited = false) };
}

describe('BatchEmbedder under a shared rate limit', () => {
  it('after a 429, sends one request at a time, oldest batch first, so no batch exhausts its retries', async () => {
    const clock = new ManualClock();
    const api = rateLimitedApi(clock, 100, 1);
    const embedder = new BatchEmbedder({
      client: api.fake.client,
      model: 'm',
      maxBatchSize: 1,
      maxConcurrentRequests: 4,
      maxRetries: 2, // racing for the refill, a batch would lose 3 times in a row and fail
      timers: clock,
      sleep: clock.sleep,
      now: () => clock.now,
    });
    const texts = Array.from({ length: 8 }, (_, i) => `t${i}`);
    const vectors = await clock.run(Promise.all(texts.map((t) => embedder.embed(t))));
    expect(vectors).toEqual(texts.map((t) => fakeVector(t)));
    const stats = embedder.stats();
    expect(stats.failedRequests).toBe(0);
    expect(stats.rateLimitedResponses).toBeGreaterThan(0);
    // Batches succeed in dispatch order, one per refill.
    const successes = api.outcomes.filter((o) => o.status === 200);
    expect(successes.map((o) => o.text)).toEqual(texts);
    // No request met more than two 429s.
    for (const text of texts) expect(api.outcomes.filter((o) => o.text === text && o.status === 429).length).toBeLessThanOrEqual(2);
  });

  it('opens the gate again once the limit is over: full concurrency resumes', async () => {
    const clock = new ManualClock();
    const api = rateLimitedApi(clock, 100, 5);
    const embedder = new BatchEmbedder({
      client: api.fake.client,
      model: 'm',
      maxBatchSize: 1,
      maxConcurrentRequests: 4,
      timers: clock,
      sleep: clock.sleep,
    });
    await clock.run(Promise.all(['a', 'b', 'c'].map((t) => embedder.embed(t))));
    expect(embedder.stats().rateLimitedResponses).toBeGreaterThan(0);
    api.lift();
    const before = api.fake.requests.length;
    const burst = Promise.all(['d', 'e', 'f', 'g'].map((t) => embedder.embed(t)));
    await clock.settle();
    expect(api.fake.inFlight).toBe(4); // all four sent at once, none waiting for a turn
    await clock.run(burst);
    expect(api.fake.requests.length - before).toBe(4);
  });
});
