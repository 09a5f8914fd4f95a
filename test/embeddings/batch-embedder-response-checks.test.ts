import { describe, expect, it } from 'vitest';
import { EmbeddingRequestError } from '../../src/errors.ts';
import { BatchEmbedder, type BatchEmbedderOptions } from '../../src/parts/embeddings/batch-embedder.ts';
import { createFakeClient, fakeVector, type FakeClientOptions } from '../../src/parts/embeddings/instant-client.ts';
import { ManualClock } from '../support/manual-clock.ts';

function setup(options: Partial<BatchEmbedderOptions> = {}, fakeOptions: FakeClientOptions = {}) {
  const clock = new ManualClock();
  const fake = createFakeClient(fakeOptions);
  const embedder = new BatchEmbedder({ client: fake.client, model: 'm', timers: clock, sleep: clock.sleep, ...options });
  return { clock, fake, embedder };
}

/** Tampers with the response of the batch holding `marker`; other batches are answered correctly. */
function tamper(marker: string, edit: (items: { index: number; embedding: unknown }[]) => unknown): FakeClientOptions {
  return {
    behavior: (req, correct) => (req.input.includes(marker) ? { kind: 'data', data: edit(correct()) } : undefined),
  };
}

async function outcomes(options: FakeClientOptions, extra: Partial<BatchEmbedderOptions> = {}) {
  const { clock, fake, embedder } = setup({ maxBatchSize: 3, ...extra }, options);
  const texts = ['a', 'b', 'marker', 'c', 'd', 'e'];
  const settled = await clock.run(Promise.allSettled(texts.map((t) => embedder.embed(t))));
  return { settled, fake, embedder, texts };
}

function expectBatchRejected(settled: PromiseSettledResult<number[]>[], texts: string[], message: RegExp) {
  // The tampered batch is the first three texts: all rejected, none given a vector; the second batch is fine.
  for (let i = 0; i < 3; i++) {
    expect(settled[i].status).toBe('rejected');
    const reason = (settled[i] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(EmbeddingRequestError);
    expect(String(reason.message)).toMatch(message);
  }
  for (let i = 3; i < 6; i++) expect(settled[i]).toEqual({ status: 'fulfilled', value: fakeVector(texts[i]) });
}

describe('BatchEmbedder refuses a response it cannot assign safely', () => {
  it('a duplicated index (and so a missing one) rejects that batch', async () => {
    const { settled, texts, embedder } = await outcomes(
      tamper('marker', (items) => items.map((item) => ({ ...item, index: item.index === 2 ? 0 : item.index }))),
    );
    expectBatchRejected(settled, texts, /index 0 more than once/);
    expect(embedder.stats().failedRequests).toBe(1);
  });

  it('one embedding too few rejects that batch', async () => {
    const { settled, texts } = await outcomes(tamper('marker', (items) => items.slice(1)));
    expectBatchRejected(settled, texts, /2 embeddings for 3 inputs/);
  });

  it('one embedding too many rejects that batch', async () => {
    const { settled, texts } = await outcomes(
      tamper('marker', (items) => [...items, { object: 'embedding', index: 3, embedding: [1] }]),
    );
    expectBatchRejected(settled, texts, /4 embeddings for 3 inputs/);
  });

  it('an out-of-range or non-integer index rejects that batch', async () => {
    const outOfRange = await outcomes(tamper('marker', (items) => items.map((it) => ({ ...it, index: it.index + 1 }))));
    expectBatchRejected(outOfRange.settled, outOfRange.texts, /expected an integer in \[0, 3\)/);
    const fractional = await outcomes(tamper('marker', (items) => items.map((it) => ({ ...it, index: it.index / 2 }))));
    expectBatchRejected(fractional.settled, fractional.texts, /expected an integer/);
  });

  it('a vector of the wrong width rejects that batch when dimensions is set', async () => {
    const { settled, texts } = await outcomes(
      tamper('marker', (items) => items.map((it) => ({ ...it, embedding: [1, 2] }))),
      { dimensions: 8 },
    );
    expectBatchRejected(settled, texts, /has 2 dimensions, expected 8/);
  });

  it('a missing data array rejects that batch', async () => {
    const { settled, texts } = await outcomes(tamper('marker', () => undefined));
    expectBatchRejected(settled, texts, /no 'data' array/);
  });

  it('accepts Float32Array embeddings (a custom client) and hands out plain arrays', async () => {
    const { clock, embedder } = setup(
      {},
      { behavior: (_req, correct) => ({ kind: 'data', data: correct().map((it) => ({ ...it, embedding: Float32Array.from(it.embedding) })) }) },
    );
    const vector = await clock.run(embedder.embed('f32'));
    expect(Array.isArray(vector)).toBe(true);
    expect(vector).toEqual(Array.from(Float32Array.from(fakeVector('f32'))));
  });
});
