import { afterEach, describe, expect, it } from 'vitest';
import { BatchEmbedder } from '../../src/parts/embeddings/batch-embedder.ts';
import { NaiveEmbedder } from '../../src/parts/embeddings/naive-embedder.ts';
import { exactTokens } from '../../src/parts/embeddings/tokens.ts';
import { embeddingFor, startEmulatedApi, type EmulatedApi, type EmulatedApiConfigInput } from '../../src/endpoint/emulated-api/index.ts';
import { createRng } from '../../src/util/rng.ts';

/**
 * Both embedders against the mocked API (msw behind a real openai client): every caller gets exactly the mock's
 * vector of its own text, nothing is lost, and the ledger agrees with the embedders' own counters.
 */
const MODEL = 'text-embedding-3-small';
let mock: EmulatedApi | undefined;

function start(config: EmulatedApiConfigInput): EmulatedApi {
  mock = startEmulatedApi({ seed: 11, ...config });
  return mock;
}

afterEach(() => {
  mock?.close();
  mock = undefined;
});

const expected = (text: string) => Array.from(embeddingFor(text, MODEL));
const textsOf = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag} memory ${i}: the user said ${(i * 7919) % 1000}`);

/** `producers` async producers share `texts`; each awaits its text's vector, with seeded yields in between. */
async function interleaved(embedder: { embed(text: string): Promise<number[]> }, texts: string[], producers: number, seed: number) {
  const rng = createRng(seed);
  const results = new Array<number[] | undefined>(texts.length);
  const errors: unknown[] = [];
  let cursor = 0;
  const producer = async () => {
    while (cursor < texts.length) {
      const i = cursor++;
      for (let y = rng.int(0, 3); y > 0; y--) await new Promise((r) => setImmediate(r));
      try {
        results[i] = await embedder.embed(texts[i]);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: producers }, producer));
  return { results, errors };
}

function wrongOrMissing(texts: string[], results: (number[] | undefined)[]): number {
  let bad = 0;
  texts.forEach((text, i) => {
    const got = results[i];
    const want = expected(text);
    if (!got || got.length !== want.length || got.some((v, d) => v !== want[d])) bad++;
  });
  return bad;
}

describe('embedders against the mocked API', () => {
  it('BatchEmbedder: 600 texts from 60 interleaved producers, each gets its own vector (no limits)', async () => {
    const api = start({ timeScale: 0, rateLimit: false });
    const embedder = new BatchEmbedder({ client: api.createClient(), model: MODEL, maxBatchSize: 32 });
    const texts = textsOf(600, 'a');
    texts[17] = texts[3]; // a repeated text
    const { results, errors } = await interleaved(embedder, texts, 60, 1);
    await embedder.close();
    expect(errors).toEqual([]);
    expect(wrongOrMissing(texts, results)).toBe(0);
    const ledger = api.ledger.snapshot();
    const stats = embedder.stats();
    expect(ledger.requests).toBe(stats.requestsSent);
    expect(ledger.inputs).toBe(stats.inputsSent);
    expect(ledger.requests).toBeLessThan(600 / 4);
  });

  it('BatchEmbedder under rate limiting and server faults: no caller loses or swaps its vector', async () => {
    const api = start({
      // A "minute" is 120 ms: 3 requests at once, then one per 40 ms. The first four batches leave together, so
      // the fourth meets a 429 however slow the machine is.
      timeScale: 0.002,
      // The request bucket starts with one request: concurrent batches meet 429s however slow the machine is.
      rateLimit: { requestsPerMinute: 3, tokensPerMinute: 1_000_000, initialBurst: 1 / 3 },
      faults: { serverErrorRate: 0.2, slowRate: 0.1, slowFactor: 3 },
    });
    const embedder = new BatchEmbedder({
      client: api.createClient(),
      model: MODEL,
      maxBatchSize: 16,
      maxRetries: 20,
      initialBackoffMs: 2,
      maxBackoffMs: 20,
    });
    const texts = textsOf(400, 'b');
    const { results, errors } = await interleaved(embedder, texts, 80, 2);
    await embedder.close();
    expect(errors).toEqual([]);
    expect(wrongOrMissing(texts, results)).toBe(0);
    const ledger = api.ledger.snapshot();
    const stats = embedder.stats();
    expect(ledger.rateLimited).toBeGreaterThan(0);
    expect(ledger.serverErrors).toBeGreaterThan(0);
    expect(ledger.requests).toBe(stats.requestsSent);
    expect(ledger.retriesSeen).toBe(stats.retries); // x-stainless-retry-count reached the server on every retry
    expect(ledger.rateLimited + ledger.serverErrors).toBe(stats.retries);
    expect(ledger.inputs).toBe(400);
  });

  it('BatchEmbedder under a tight token-per-minute limit: batches queue behind the rate limit, none is lost', async () => {
    const api = start({
      // A "minute" is 3 s and the buckets start at a tenth of it: the token bucket refills 1.3 tokens/ms, far slower
      // than 4 concurrent 32-text batches consume tokens even on a heavily loaded machine, so 429s are certain.
      timeScale: 0.05,
      rateLimit: { requestsPerMinute: 600, tokensPerMinute: 4_000, initialBurst: 0.1 },
      faults: { serverErrorRate: 0.05, slowRate: 0, slowFactor: 1 },
    });
    const embedder = new BatchEmbedder({ client: api.createClient(), model: MODEL, maxBatchSize: 32 });
    const texts = textsOf(900, 'tpm');
    const results = await Promise.all(texts.map((t) => embedder.embed(t)));
    await embedder.close();
    expect(wrongOrMissing(texts, results)).toBe(0);
    const ledger = api.ledger.snapshot();
    expect(ledger.tokens).toBeGreaterThan(2 * 4_000); // needed several refills
    expect(ledger.rateLimited).toBeGreaterThan(0);
    expect(ledger.rateLimited).toBe(embedder.stats().rateLimitedResponses);
    expect(embedder.stats().failedRequests).toBe(0);
  });

  it('BatchEmbedder: a burst that outruns the API costs exactly ceil(N / maxBatchSize) requests', async () => {
    const api = start({ timeScale: 0, rateLimit: false });
    const embedder = new BatchEmbedder({ client: api.createClient(), model: MODEL, maxBatchSize: 64 });
    const texts = textsOf(1000, 'c');
    const results = await Promise.all(texts.map((t) => embedder.embed(t)));
    await embedder.close();
    expect(wrongOrMissing(texts, results)).toBe(0);
    expect(api.ledger.snapshot().requests).toBe(Math.ceil(1000 / 64));
    expect(embedder.stats().peakQueueLength).toBeLessThanOrEqual(4 * 64);
  });

  it('BatchEmbedder: a text over 8192 tokens is rejected alone and never reaches the API; 8192 is accepted', async () => {
    const api = start({ timeScale: 0, rateLimit: false });
    const embedder = new BatchEmbedder({ client: api.createClient(), model: MODEL });
    const atLimit = 'hello' + ' hello'.repeat(8191);
    const overLimit = atLimit + ' hello';
    expect(exactTokens(atLimit)).toBe(8192);
    const [ok, tooLong, neighbour] = await Promise.allSettled([
      embedder.embed(atLimit),
      embedder.embed(overLimit),
      embedder.embed('a neighbour'),
    ]);
    await embedder.close();
    expect(ok).toEqual({ status: 'fulfilled', value: expected(atLimit) });
    expect(tooLong).toMatchObject({ status: 'rejected', reason: { attempts: 0 } });
    expect(neighbour).toEqual({ status: 'fulfilled', value: expected('a neighbour') });
    expect(api.ledger.snapshot()).toMatchObject({ requests: 1, inputs: 2, clientErrors: 0 });
  });

  it('NaiveEmbedder sends exactly one request per text', async () => {
    const api = start({ timeScale: 0, rateLimit: false });
    const embedder = new NaiveEmbedder({ client: api.createClient(), model: MODEL });
    const texts = textsOf(200, 'd');
    const { results, errors } = await interleaved(embedder, texts, 20, 3);
    await embedder.close();
    expect(errors).toEqual([]);
    expect(wrongOrMissing(texts, results)).toBe(0);
    expect(api.ledger.snapshot()).toMatchObject({ requests: 200, inputs: 200 });
    expect(embedder.stats()).toMatchObject({ requestsSent: 200, inputsSent: 200, retries: 0 });
  });

  it('NaiveEmbedder counts the SDK retries the server sees', async () => {
    const api = start({ timeScale: 0.002, rateLimit: false, faults: { serverErrorRate: 0.3, slowRate: 0, slowFactor: 1 } });
    // The SDK's own backoff is 0.5-8 s per retry; keep this test short with few texts.
    const embedder = new NaiveEmbedder({ client: api.createClient({ maxRetries: 10 }), model: MODEL });
    const texts = textsOf(6, 'e');
    const results = await embedder.embedMany(texts);
    expect(wrongOrMissing(texts, results)).toBe(0);
    const ledger = api.ledger.snapshot();
    expect(ledger.requests).toBe(embedder.stats().requestsSent);
    expect(ledger.retriesSeen).toBe(embedder.stats().retries);
    expect(ledger.serverErrors).toBe(embedder.stats().retries);
  });
});
