import { describe, expect, it } from 'vitest';
import { BatchEmbedder } from '../../src/parts/embeddings/batch-embedder.ts';
import { createFakeClient, fakeVector, type FakeClientOptions } from '../../src/parts/embeddings/instant-client.ts';
import { ManualClock } from '../support/manual-clock.ts';

function setup(behavior: FakeClientOptions['behavior']) {
  const clock = new ManualClock();
  const fake = createFakeClient({ behavior });
  const embedder = new BatchEmbedder({ client: fake.client, model: 'm', timers: clock, sleep: clock.sleep, now: () => clock.now });
  return { clock, fake, embedder };
}

/** The API's answer to a request with more tokens than the whole per-minute allowance (no retry-after). */
const tooLarge = { kind: 'error', status: 429, message: 'Request too large for m in organization org on tokens per min (TPM): Limit 10, Requested 40.' } as const;

describe('BatchEmbedder and a 429 for a request larger than the rate limit itself', () => {
  it('splits the request instead of retrying it; every caller gets its vector', async () => {
    const { clock, fake, embedder } = setup((req) => (req.input.length > 2 ? tooLarge : undefined));
    const texts = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const vectors = await clock.run(Promise.all(texts.map((t) => embedder.embed(t))));
    expect(vectors).toEqual(texts.map((t) => fakeVector(t)));
    expect(fake.requests.every((r) => r.retryCount === 0)).toBe(true);
    expect(fake.requests.map((r) => r.input.length)).toEqual([8, 4, 2, 2, 4, 2, 2]);
    expect(clock.sleeps).toEqual([]);
  });

  it('fails a single input larger than the limit for its caller alone, without a retry', async () => {
    const { clock, fake, embedder } = setup((req) => (req.input.includes('huge') ? tooLarge : undefined));
    const [huge, small] = await clock.run(Promise.allSettled([embedder.embed('huge'), embedder.embed('small')]));
    expect(huge).toMatchObject({ status: 'rejected', reason: { status: 429, attempts: 1 } });
    expect((huge as PromiseRejectedResult).reason.message).toMatch(/larger than the rate limit itself/);
    expect(small).toEqual({ status: 'fulfilled', value: fakeVector('small') });
    expect(fake.requests.filter((r) => r.input.includes('huge')).every((r) => r.retryCount === 0)).toBe(true);
  });

  it('recognises it from x-ratelimit-limit-tokens when the message does not say so', async () => {
    // 4 tokens a minute: any request of more than 4 tokens can never pass; the 429 still carries a retry-after.
    const { clock, fake, embedder } = setup((req) =>
      req.input.join(' ').split(' ').length > 4
        ? { kind: 'error', status: 429, headers: { 'x-ratelimit-limit-tokens': '4', 'retry-after-ms': '100' } }
        : undefined,
    );
    const texts = ['one two', 'three four', 'five six', 'seven eight'];
    expect(await clock.run(Promise.all(texts.map((t) => embedder.embed(t))))).toEqual(texts.map((t) => fakeVector(t)));
    expect(fake.requests.map((r) => r.input.length)).toEqual([4, 2, 2]);
    expect(clock.sleeps).toEqual([]);
  });
});
