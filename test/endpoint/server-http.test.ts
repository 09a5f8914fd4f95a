import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { embeddingFor, startEmulatedApi, type LedgerSnapshot } from '../../src/endpoint/emulated-api/index.ts';
import { startEmbeddingsServer, type ServerEndpoint } from '../../src/endpoint/server/index.ts';

const MODEL = 'text-embedding-3-small';
let endpoint: ServerEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

/** The server on this thread (the isolation modes have their own test): fast to start. */
async function server(config: Parameters<typeof startEmbeddingsServer>[0] = {}) {
  endpoint = await startEmbeddingsServer({ timeScale: 0, ...config }, { isolate: 'none' });
  return endpoint;
}

describe('memopt server over real HTTP', () => {
  it('binds 127.0.0.1 on a free port and answers the SDK with the mock model vectors, float and base64', async () => {
    const ep = await server();
    expect(ep.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const client = ep.createClient({ maxRetries: 0 });
    const floats = await client.embeddings.create({ model: MODEL, input: ['first text', 'second'], encoding_format: 'float' });
    expect(floats.data.map((d) => d.embedding)).toEqual([Array.from(embeddingFor('first text')), Array.from(embeddingFor('second'))]);
    const short = await client.embeddings.create({ model: MODEL, input: 'first text', dimensions: 64 }); // SDK default: base64
    expect(short.data[0].embedding).toEqual(Array.from(embeddingFor('first text', MODEL, 64)));
    expect(await ep.ledger()).toMatchObject({ requests: 2, succeeded: 2, inputs: 3 });
  });

  it('gives the same ledger as the in-process mock for the same requests (one shared handler)', async () => {
    const requests = async (client: OpenAI) => {
      await client.embeddings.create({ model: MODEL, input: ['alpha beta', 'gamma'] });
      await client.embeddings.create({ model: 'text-embedding-3-large', input: 'delta', dimensions: 256 });
      await client.embeddings.create({ model: 'no-such-model', input: 'x' }).catch(() => undefined);
      await client.embeddings.create({ model: MODEL, input: [] }).catch(() => undefined);
    };
    const mock = startEmulatedApi({ timeScale: 0 });
    let fromMock: LedgerSnapshot;
    try {
      await requests(mock.createClient({ maxRetries: 0 }));
      fromMock = mock.ledger.snapshot();
    } finally {
      mock.close();
    }
    const ep = await server();
    await requests(ep.createClient({ maxRetries: 0 }));
    expect(await ep.ledger()).toEqual(fromMock);
    expect(fromMock).toMatchObject({ requests: 4, succeeded: 2, clientErrors: 2 });
  });

  it("answers the real API's error bodies: validation 400, unknown model 404, unknown route 404", async () => {
    const ep = await server();
    const bad = await fetch(`${ep.baseURL}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    const unknown = await ep.createClient({ maxRetries: 0 }).embeddings.create({ model: 'nope', input: 'x' }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    const route = await fetch(`${ep.baseURL}/chat/completions`, { method: 'POST', body: '{}' });
    expect(route.status).toBe(404);
    expect(await route.json()).toEqual({ error: { message: 'Invalid URL (POST /v1/chat/completions)', type: 'invalid_request_error', param: null, code: null } });
    expect(await ep.ledger()).toMatchObject({ requests: 2, clientErrors: 2 });
  });

  it('lists the models on GET /v1/models', async () => {
    const ep = await server();
    const ids: string[] = [];
    for await (const model of ep.createClient().models.list()) ids.push(model.id);
    expect(ids).toEqual(['text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002']);
  });

  it('rate-limits with the mock headers, and counts SDK retries of injected faults', async () => {
    const ep = await server({ timeScale: 1, latency: { baseMs: 0, perTokenMs: 0, jitter: 0 }, rateLimit: { requestsPerMinute: 1 } });
    const client = ep.createClient({ maxRetries: 0 });
    await client.embeddings.create({ model: MODEL, input: 'one' });
    const limited = await client.embeddings.create({ model: MODEL, input: 'two' }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    const headers = (limited as InstanceType<typeof OpenAI.RateLimitError>).headers;
    expect(headers?.get('x-ratelimit-limit-requests')).toBe('1');
    expect(Number(headers?.get('retry-after-ms'))).toBeGreaterThan(50_000);
    expect(await ep.ledger()).toMatchObject({ requests: 2, succeeded: 1, rateLimited: 1 });

    await ep.close();
    const faulty = await server({ seed: 3, faults: { serverErrorRate: 0.5 } });
    const retrying = faulty.createClient({ maxRetries: 5 });
    for (let i = 0; i < 6; i++) await retrying.embeddings.create({ model: MODEL, input: `text ${i}` });
    const ledger = await faulty.ledger();
    expect(ledger.succeeded).toBe(6);
    expect(ledger.serverErrors).toBeGreaterThan(0);
    expect(ledger.retriesSeen).toBe(ledger.serverErrors);
    expect(ledger.requests).toBe(6 + ledger.serverErrors);
  });

  it('resets its ledger, and with reset() its whole state (the same seeded faults again)', async () => {
    const ep = await server({ seed: 5, faults: { serverErrorRate: 0.5 } });
    const client = ep.createClient({ maxRetries: 0 });
    const outcomes = async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push(await client.embeddings.create({ model: MODEL, input: 'x' }).then(() => 200, (e: InstanceType<typeof OpenAI.APIError>) => e.status ?? 0));
      return statuses;
    };
    const first = await outcomes();
    await ep.resetLedger();
    expect((await ep.ledger()).requests).toBe(0);
    await ep.reset();
    expect(await outcomes()).toEqual(first);
    expect(first.filter((status) => status === 200).length).toBeGreaterThan(0);
    expect(first.filter((status) => status >= 500).length).toBeGreaterThan(0); // so the equality says something
    expect((await ep.ledger()).requests).toBe(8);
  });

  it('keeps connections alive between requests, like a real server', async () => {
    const ep = await server();
    const before = await ep.connections();
    const client = ep.createClient({ maxRetries: 0 });
    for (let i = 0; i < 5; i++) await client.embeddings.create({ model: MODEL, input: `sequential ${i}` });
    const after = await ep.connections();
    // Each control call opens a connection of its own (agent: false), so the second one adds 1; the five sequential
    // SDK requests reuse their connection (without keep-alive they would need 5).
    const sdkConnections = after - before - 1;
    expect(sdkConnections).toBeGreaterThanOrEqual(1);
    expect(sdkConnections).toBeLessThanOrEqual(2);
  });
});
