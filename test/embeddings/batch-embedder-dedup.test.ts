import { describe, expect, it } from 'vitest';
import { BatchEmbedder } from '../../src/parts/embeddings/batch-embedder.ts';
import { createFakeClient, fakeVector } from '../../src/parts/embeddings/instant-client.ts';
import { ManualClock } from '../support/manual-clock.ts';

function setup(maxBatchSize = 256) {
  const clock = new ManualClock();
  const fake = createFakeClient();
  const embedder = new BatchEmbedder({ client: fake.client, model: 'm', maxBatchSize, timers: clock });
  return { clock, fake, embedder };
}

describe('BatchEmbedder in-batch de-duplication', () => {
  it('sends identical texts in one batch once; every caller gets the vector', async () => {
    const { clock, fake, embedder } = setup();
    const calls = ['same', 'other', 'same', 'same', 'other', 'same'].map((t) => embedder.embed(t));
    const vectors = await clock.run(Promise.all(calls));
    expect(fake.requests.map((r) => r.input)).toEqual([['same', 'other']]);
    expect(vectors).toEqual(['same', 'other', 'same', 'same', 'other', 'same'].map((t) => fakeVector(t)));
    expect(embedder.stats()).toMatchObject({ textsRequested: 6, inputsSent: 2, inputsDeduplicated: 4 });
  });

  it('gives each caller its own array, so mutating one vector cannot change another', async () => {
    const { clock, embedder } = setup();
    const [a, b, c] = await clock.run(Promise.all([embedder.embed('x'), embedder.embed('x'), embedder.embed('x')]));
    expect(a).not.toBe(b);
    expect(b).not.toBe(c);
    a[0] = 42;
    b.fill(0);
    expect(c).toEqual(fakeVector('x'));
  });

  it('de-duplicates within embedMany and across calls sharing a batch', async () => {
    const { clock, fake, embedder } = setup();
    const [many, single] = await clock.run(Promise.all([embedder.embedMany(['p', 'q', 'p']), embedder.embed('q')]));
    expect(many).toEqual([fakeVector('p'), fakeVector('q'), fakeVector('p')]);
    expect(many[0]).not.toBe(many[2]);
    expect(single).toEqual(fakeVector('q'));
    expect(fake.requests.map((r) => r.input)).toEqual([['p', 'q']]);
  });

  it('does not de-duplicate across batches (no cache: each batch sends its own texts)', async () => {
    const { clock, fake, embedder } = setup(2);
    await clock.run(embedder.embedMany(['a', 'b', 'a', 'c']));
    expect(fake.requests.map((r) => r.input)).toEqual([['a', 'b'], ['a', 'c']]);
  });

  it('a duplicate does not count toward maxBatchSize', async () => {
    const { clock, fake, embedder } = setup(2);
    await clock.run(embedder.embedMany(['a', 'a', 'a', 'b', 'c']));
    expect(fake.requests.map((r) => r.input)).toEqual([['a', 'b'], ['c']]);
  });
});
