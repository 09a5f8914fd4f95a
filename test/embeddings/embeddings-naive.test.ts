import { describe, expect, it } from 'vitest';
import { ClosedError, EmbeddingRequestError } from '../../src/errors.ts';
import { NaiveEmbedder } from '../../src/parts/embeddings/naive-embedder.ts';
import { createFakeClient, fakeVector } from '../../src/parts/embeddings/instant-client.ts';

describe('NaiveEmbedder (the baseline)', () => {
  it('sends one request per text, with a plain string input', async () => {
    const fake = createFakeClient();
    const embedder = new NaiveEmbedder({ client: fake.client, model: 'm', dimensions: 4 });
    expect(await embedder.embed('hello')).toEqual(fakeVector('hello', 4));
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ input: ['hello'], model: 'm', dimensions: 4 });
    // The SDK's default retries (no maxRetries), requestTimeoutMs as the SDK's per-attempt timeout, an abort signal.
    expect(fake.requests[0].options).toEqual({ timeout: 60_000, signal: expect.any(AbortSignal) });
  });

  it('embedMany sends every text at once and resolves in input order', async () => {
    const fake = createFakeClient({ latency: () => new Promise<void>((r) => setImmediate(r)) });
    const embedder = new NaiveEmbedder({ client: fake.client, model: 'm' });
    const texts = Array.from({ length: 20 }, (_, i) => `t${i % 7}`);
    expect(await embedder.embedMany(texts)).toEqual(texts.map((t) => fakeVector(t)));
    expect(fake.requests).toHaveLength(20); // no de-duplication
    expect(fake.peakInFlight).toBe(20);
    expect(embedder.stats()).toEqual({
      textsRequested: 20,
      requestsSent: 20,
      retries: 0,
      failedRequests: 0,
      inputsSent: 20,
      peakQueueLength: 0,
    });
  });

  it('wraps a final failure in EmbeddingRequestError with its status', async () => {
    const fake = createFakeClient({ behavior: () => ({ kind: 'error', status: 401 }) });
    const embedder = new NaiveEmbedder({ client: fake.client, model: 'm' });
    await expect(embedder.embed('x')).rejects.toBeInstanceOf(EmbeddingRequestError);
    await expect(embedder.embed('x')).rejects.toMatchObject({ status: 401, attempts: 1 });
    expect(embedder.stats().failedRequests).toBe(2);
  });

  it('rejects a malformed response instead of returning a wrong vector', async () => {
    const fake = createFakeClient({ behavior: () => ({ kind: 'data', data: [] }) });
    const embedder = new NaiveEmbedder({ client: fake.client, model: 'm' });
    await expect(embedder.embed('x')).rejects.toThrow(/0 embeddings for 1 inputs/);
  });

  it('flush does not wait for calls made after it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const fake = createFakeClient({ latency: (req) => (req.input[0] === 'late' ? gate : undefined) });
    const embedder = new NaiveEmbedder({ client: fake.client, model: 'm' });
    const early = embedder.embed('early');
    const flushed = embedder.flush();
    const late = embedder.embed('late');
    await flushed;
    await early;
    release();
    expect(await late).toEqual(fakeVector('late'));
  });

  it('flush waits for pending calls; close rejects later calls', async () => {
    const fake = createFakeClient({ latency: () => new Promise((r) => setImmediate(r)) });
    const embedder = new NaiveEmbedder({ client: fake.client, model: 'm' });
    let done = 0;
    for (const t of ['a', 'b', 'c']) void embedder.embed(t).then(() => done++);
    await embedder.flush();
    expect(done).toBe(3);
    await embedder.close();
    await expect(embedder.embed('late')).rejects.toBeInstanceOf(ClosedError);
  });
});
