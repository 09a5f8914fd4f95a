import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConfig } from '../../src/cli/serve.ts';
import { countUseLiteTokens, ShippedVectors } from '../../src/endpoint/models/index.ts';
import { resolveServerConfig } from '../../src/endpoint/server/config.ts';
import { listenEmbeddingsServer, type ListeningServer } from '../../src/endpoint/server/listen.ts';
import { startEmbeddingsServer, type ServerEndpoint } from '../../src/endpoint/server/start.ts';
import { cosine } from '../../src/memory/reference.mjs';

// `memopt serve --model use-lite` on 127.0.0.1, started by the library call, spoken to by the openai SDK. The model
// loads once per process (seconds on a loaded machine), so every test here shares one server and one load.


/** A text no dataset holds (so the model itself must run on it). */
const NOVEL = 'A quokka photographed the aurora over the salt flats at dawn.';

let server: ListeningServer;
let client: OpenAI;
let shipped: ShippedVectors;
let corpus: string[];

beforeAll(async () => {
  shipped = await ShippedVectors.load('use-lite');
  const texts = shipped.texts();
  corpus = [texts[0], texts[17], texts[4_321], texts[texts.length - 1]];
  server = await listenEmbeddingsServer(resolveServerConfig({ model: 'use-lite', timeScale: 0, rateLimit: false }));
  client = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
}, 120_000);
afterAll(async () => {
  await server?.close();
});

describe('memopt serve --model use-lite', () => {
  it('answers corpus texts with the shipped vectors, float and base64, without running the model', async () => {
    const float = await client.embeddings.create({ model: 'use-lite', input: corpus, encoding_format: 'float' });
    // The SDK asks for base64 when no format is given and decodes it: the second path of the contract.
    const base64 = await client.embeddings.create({ model: 'use-lite', input: corpus });
    for (const answer of [float, base64]) {
      expect(answer.model).toBe('use-lite');
      expect(answer.data.map((d) => d.index)).toEqual([0, 1, 2, 3]);
      answer.data.forEach((d, i) => {
        expect(d.embedding).toHaveLength(512);
        expect(cosine(d.embedding, shipped.vectorFor(corpus[i])!)).toBeGreaterThanOrEqual(0.9999);
      });
    }
    expect(base64.data[2].embedding).toEqual(float.data[2].embedding);
    expect(server.model!.stats()).toMatchObject({ computed: 0, modelCalls: 0 });
  });

  it("counts usage with the model's own tokenizer, exactly", async () => {
    const answer = await client.embeddings.create({ model: 'use-lite', input: corpus });
    const counts = await countUseLiteTokens(corpus);
    const expected = counts.reduce((a, b) => a + b, 0);
    const read = counts.reduce((a, b) => a + Math.min(b, 128), 0);
    expect(answer.usage).toEqual({ prompt_tokens: expected, total_tokens: expected, tokens_read: read, inputs_truncated: counts.filter((c) => c > 128).length });
    expect(expected).toBeGreaterThan(corpus.length);
  });

  it('runs the model on a text not in the corpus, once, and caches it', { timeout: 120_000 }, async () => {
    const before = server.model!.stats();
    const first = await client.embeddings.create({ model: 'use-lite', input: [NOVEL, corpus[0]], encoding_format: 'float' });
    const again = await client.embeddings.create({ model: 'use-lite', input: NOVEL, encoding_format: 'float' });
    const after = server.model!.stats();
    expect(after.computed - before.computed).toBe(1);
    expect(after.cacheHits - before.cacheHits).toBe(1);
    expect(Math.abs(Math.hypot(...first.data[0].embedding) - 1)).toBeLessThan(1e-5);
    expect(again.data[0].embedding).toEqual(first.data[0].embedding);
    // A real sentence model: a paraphrase-free unrelated corpus text is not the same vector.
    expect(cosine(first.data[0].embedding, first.data[1].embedding)).toBeLessThan(0.9);
  });

  it("refuses a width the model cannot give with a 400 naming it, and accepts its own width", async () => {
    const refused = await client.embeddings.create({ model: 'use-lite', input: 'x', dimensions: 64 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/use-lite.*512-dimensional vectors only.*got 64/);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('dimensions');
    const own = await client.embeddings.create({ model: 'use-lite', input: corpus[0], dimensions: 512 });
    expect(own.data[0].embedding).toHaveLength(512);
  });

  it("serves that model only: the mock's models are 404, and /v1/models lists use-lite", async () => {
    const missing = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['use-lite']);
  });

  it("keeps the mock's rate limit: a second request within the minute is a 429", async () => {
    const limited = await listenEmbeddingsServer(resolveServerConfig({ model: 'use-lite', timeScale: 1, rateLimit: { requestsPerMinute: 1 } }));
    try {
      const c = new OpenAI({ apiKey: 'sk-test', baseURL: limited.baseURL, maxRetries: 0 });
      await c.embeddings.create({ model: 'use-lite', input: corpus[0] });
      const second = await c.embeddings.create({ model: 'use-lite', input: corpus[1] }).catch((e: unknown) => e);
      expect(second).toBeInstanceOf(OpenAI.RateLimitError);
    } finally {
      await limited.close();
    }
  });
});

describe('a server endpoint with a real model', () => {
  let endpoint: ServerEndpoint;
  beforeAll(async () => {
    endpoint = await startEmbeddingsServer({ model: 'use-lite', timeScale: 0 }, { isolate: 'none' });
  }, 120_000);
  afterAll(async () => {
    await endpoint?.close();
  });

  it("gives the real model's vectors as its reference, equal to what the server answers, outside the ledger", async () => {
    expect(endpoint.model).toBe('use-lite');
    const [a, b] = await Promise.all(corpus.slice(0, 2).map((t) => endpoint.reference!.vectorFor(t, 'use-lite')));
    expect(cosine(a, shipped.vectorFor(corpus[0])!)).toBeGreaterThanOrEqual(0.9999);
    expect(cosine(b, shipped.vectorFor(corpus[1])!)).toBeGreaterThanOrEqual(0.9999);
    expect((await endpoint.ledger()).requests).toBe(0);
    const answer = await endpoint.createClient({ maxRetries: 0 }).embeddings.create({ model: 'use-lite', input: corpus[0] });
    expect(Array.from(a)).toEqual(answer.data[0].embedding);
    await expect(Promise.resolve(endpoint.reference!.vectorFor('x', 'text-embedding-3-small'))).rejects.toThrow(/answers with the model use-lite/);
  });
});

describe('--model', () => {
  it('is checked before anything listens: an unknown name exits 2 naming the flag', async () => {
    const error = await serveConfig({ model: 'minilm' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 2 });
    expect(String((error as Error).message)).toMatch(/--model.*unknown model "minilm"/);
  });
});
