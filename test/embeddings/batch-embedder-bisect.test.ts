import { describe, expect, it } from 'vitest';
import { BatchEmbedder } from '../../src/parts/embeddings/batch-embedder.ts';
import { createFakeClient, fakeVector, type FakeClientOptions } from '../../src/parts/embeddings/instant-client.ts';
import { createRng } from '../../src/util/rng.ts';
import { ManualClock } from '../support/manual-clock.ts';

function setup(behavior: FakeClientOptions['behavior'], maxBatchSize = 256) {
  const clock = new ManualClock();
  const fake = createFakeClient({ behavior });
  const embedder = new BatchEmbedder({ client: fake.client, model: 'm', maxBatchSize, timers: clock, sleep: clock.sleep });
  return { clock, fake, embedder };
}

/** The API rejects any request that contains a text starting with 'bad' (400, as for an invalid input). */
const rejectsBadInputs: FakeClientOptions['behavior'] = (req) =>
  req.input.some((t) => t.startsWith('bad')) ? { kind: 'error', status: 400, message: 'invalid input' } : undefined;

const bound = (b: number, n: number) => 1 + 2 * b * Math.ceil(Math.log2(n));

async function embedAll(texts: string[], behavior = rejectsBadInputs) {
  const { clock, fake, embedder } = setup(behavior);
  const settled = await clock.run(Promise.allSettled(texts.map((t) => embedder.embed(t))));
  return { settled, fake, embedder };
}

function expectOnlyBadRejected(texts: string[], settled: PromiseSettledResult<number[]>[]) {
  settled.forEach((outcome, i) => {
    if (texts[i].startsWith('bad')) expect(outcome).toMatchObject({ status: 'rejected', reason: { status: 400 } });
    else expect(outcome).toEqual({ status: 'fulfilled', value: fakeVector(texts[i]) });
  });
}

describe('BatchEmbedder isolates the inputs behind a 400 by bisection (DataLoader-strict)', () => {
  it('rejects only the caller of one bad input; the rest of the batch is embedded, in 1 + 2 log2(n) requests', async () => {
    const texts = ['t0', 't1', 't2', 't3', 't4', 'bad', 't6', 't7'];
    const { settled, fake, embedder } = await embedAll(texts);
    expectOnlyBadRejected(texts, settled);
    expect(fake.requests).toHaveLength(1 + 2 * Math.log2(8)); // the batch, then two halves per level
    expect(embedder.stats()).toMatchObject({ batchesSent: 1, inputsSent: 7, retries: 0 });
  });

  it('rejects only the bad callers when two bad inputs sit in different halves (all good callers embedded)', async () => {
    const texts = ['t0', 'bad 1', 't2', 't3', 't4', 't5', 'bad 2', 't7'];
    const { settled, fake } = await embedAll(texts);
    expectOnlyBadRejected(texts, settled);
    expect(fake.requests.length).toBeLessThanOrEqual(bound(2, 8));
  });

  it('holds for any number and position of bad inputs, within 1 + 2 b ceil(log2 n) requests', async () => {
    const rng = createRng(10);
    for (let trial = 0; trial < 60; trial++) {
      const n = rng.int(2, 40);
      const texts = Array.from({ length: n }, (_, i) => (rng.next() < 0.15 ? `bad ${trial}.${i}` : `t ${trial}.${i}`));
      const b = texts.filter((t) => t.startsWith('bad')).length;
      const { settled, fake } = await embedAll(texts);
      expectOnlyBadRejected(texts, settled);
      expect(fake.requests.length).toBeLessThanOrEqual(b === 0 ? 1 : bound(b, n));
    }
  });

  it('rejects every caller, each with its own input error, when every input is bad', async () => {
    const texts = ['bad a', 'bad b', 'bad c', 'bad d', 'bad e'];
    const { settled, fake } = await embedAll(texts);
    expectOnlyBadRejected(texts, settled);
    expect(fake.requests.length).toBeLessThanOrEqual(bound(5, 5));
    // Each caller's error comes from a request holding its input alone.
    const single = fake.requests.filter((r) => r.input.length === 1).map((r) => r.input[0]);
    expect(single.sort()).toEqual([...texts].sort());
  });

  it('does not bisect a 400 that names another parameter than the input (a request-wide error): 1 request', async () => {
    const clock = new ManualClock();
    const fake = createFakeClient({ behavior: () => ({ kind: 'error', status: 400, message: 'bad dimensions' }) });
    // The SDK's APIError carries the API's `param`; the fake's error has none, so add it the way the SDK would.
    const client = {
      embeddings: {
        create: (body: never, options: never) =>
          fake.client.embeddings.create(body, options).catch((err: Error & { param?: string }) => {
            err.param = 'dimensions';
            throw err;
          }),
      },
    } as unknown as typeof fake.client;
    const embedder = new BatchEmbedder({ client, model: 'm', timers: clock, sleep: clock.sleep });
    const settled = await clock.run(Promise.allSettled(['a', 'b', 'c', 'd'].map((t) => embedder.embed(t))));
    expect(settled.every((o) => o.status === 'rejected' && (o.reason as { status: number }).status === 400)).toBe(true);
    expect(fake.requests).toHaveLength(1);
  });

  it('does not bisect other failures', async () => {
    const { clock, fake, embedder } = setup(() => ({ kind: 'error', status: 401 }));
    await clock.run(Promise.allSettled(['a', 'b', 'c', 'd'].map((t) => embedder.embed(t))));
    expect(fake.requests).toHaveLength(1);
  });

  it('gives every duplicate caller of a bad input its error, and of a good input its vector', async () => {
    const texts = ['t0', 'bad', 't0', 'bad', 't1'];
    const { settled } = await embedAll(texts);
    expectOnlyBadRejected(texts, settled);
  });
});
