import { describe, expect, it } from 'vitest';
import { BatchEmbedder } from '../../src/parts/embeddings/batch-embedder.ts';
import { createFakeClient, fakeVector, type FakeClientOptions } from '../../src/parts/embeddings/instant-client.ts';
import { ManualClock } from '../support/manual-clock.ts';

function setup(behavior: FakeClientOptions['behavior']) {
  const clock = new ManualClock();
  const fake = createFakeClient({ behavior });
  const embedder = new BatchEmbedder({ client: fake.client, model: 'm', timers: clock, sleep: clock.sleep });
  return { clock, fake, embedder };
}

describe('BatchEmbedder isolates the input behind a 400 by bisection', () => {
  it('rejects only the caller of the bad input; the rest of the batch is embedded', async () => {
    const { clock, fake, embedder } = setup((req) =>
      req.input.includes('poison') ? { kind: 'error', status: 400, message: 'invalid input' } : undefined,
    );
    const texts = ['t0', 't1', 't2', 't3', 't4', 'poison', 't6', 't7'];
    const settled = await clock.run(Promise.allSettled(texts.map((t) => embedder.embed(t))));
    settled.forEach((outcome, i) => {
      if (texts[i] === 'poison') expect(outcome).toMatchObject({ status: 'rejected', reason: { status: 400 } });
      else expect(outcome).toEqual({ status: 'fulfilled', value: fakeVector(texts[i]) });
    });
    expect(fake.requests).toHaveLength(1 + 2 * Math.log2(8)); // the batch, then two halves per level
    expect(embedder.stats()).toMatchObject({ batchesSent: 1, inputsSent: 7, retries: 0 });
  });

  it('stops after one split when both halves fail too (a request-wide 400): 3 requests, all rejected', async () => {
    const { clock, fake, embedder } = setup(() => ({ kind: 'error', status: 400, message: 'unknown model' }));
    const settled = await clock.run(Promise.allSettled(['a', 'b', 'c', 'd', 'e'].map((t) => embedder.embed(t))));
    expect(settled.every((o) => o.status === 'rejected')).toBe(true);
    expect(fake.requests).toHaveLength(3);
  });

  it('does not bisect other failures', async () => {
    const { clock, fake, embedder } = setup(() => ({ kind: 'error', status: 401 }));
    await clock.run(Promise.allSettled(['a', 'b', 'c', 'd'].map((t) => embedder.embed(t))));
    expect(fake.requests).toHaveLength(1);
  });
});
