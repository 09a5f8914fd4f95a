import { afterEach, describe, expect, it } from 'vitest';
import { createUrlEndpoint } from '../../src/endpoint/url-endpoint.ts';
import { startEmbeddingsServer, type ServerEndpoint } from '../../src/endpoint/server/index.ts';
import { startTinyOpenAIServer, type TinyServer } from '../support/openai-compatible-server.ts';

const MODEL = 'text-embedding-3-small';
let tiny: TinyServer | undefined;
let memopt: ServerEndpoint | undefined;
afterEach(async () => {
  await tiny?.close();
  await memopt?.close();
  tiny = undefined;
  memopt = undefined;
});

describe('the url endpoint and its client-side ledger', () => {
  it("counts exactly what an independent OpenAI-compatible server saw, retries and errors included", async () => {
    // Request 1 and 4 answered 429, request 6 answered 500; the SDK retries each.
    tiny = await startTinyOpenAIServer((n) => (n === 1 || n === 4 ? 429 : n === 6 ? 500 : 200));
    const endpoint = createUrlEndpoint({ baseURL: tiny.baseURL, apiKeyEnv: null });
    const client = endpoint.createClient({ maxRetries: 2 });
    for (let i = 0; i < 5; i++) await client.embeddings.create({ model: MODEL, input: i % 2 ? `one two ${i}` : [`a ${i}`, 'b c d'] });
    await client.embeddings.create({ model: MODEL, input: [] }).catch(() => undefined); // a 400 too

    const ledger = await endpoint.ledger();
    const { requests, succeeded, inputs, tokens, rateLimited, serverErrors, clientErrors, retriesSeen } = ledger;
    expect({ requests, succeeded, inputs, tokens, rateLimited, serverErrors, clientErrors, retriesSeen }).toEqual(tiny.seen);
    expect(tiny.seen).toMatchObject({ requests: 9, succeeded: 5, rateLimited: 2, serverErrors: 1, clientErrors: 1, retriesSeen: 3 });
    expect(ledger.rateLimitHeaders).toMatchObject({ limitRequests: 60, retryAfterMs: 2, retryAfter: 0 });
    expect(ledger.timeouts + ledger.networkErrors).toBe(0);
    await endpoint.resetLedger();
    expect((await endpoint.ledger()).requests).toBe(0);
  });

  it("agrees exactly with memopt's own server ledger under rate limits, faults and retries (no client timeout)", async () => {
    memopt = await startEmbeddingsServer(
      { seed: 11, timeScale: 0.1, latency: { baseMs: 0, perTokenMs: 0, jitter: 0 }, rateLimit: { requestsPerMinute: 20, initialBurst: 0.25 }, faults: { serverErrorRate: 0.2 } },
      { isolate: 'none' },
    );
    const endpoint = createUrlEndpoint({ baseURL: memopt.baseURL, apiKeyEnv: null, pricesUsdPerMillionTokens: memopt.config.pricesUsdPerMillionTokens });
    const client = endpoint.createClient({ maxRetries: 30 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.embeddings.create({ model: MODEL, input: [`text number ${i}`, 'shared words here'] })));
    const server = await memopt.ledger();
    const { timeouts, networkErrors, rateLimitHeaders, transport, statuses, ...counters } = await endpoint.ledger();
    expect(timeouts + networkErrors).toBe(0);
    expect(transport).toEqual({ refused: 0, reset: 0, timeout: 0, other: 0 });
    expect(counters).toEqual({ ...server, slowResponses: 0, inputsTruncated: 0 });
    // The client's answers by status are the server's 429s and 5xx.
    expect((statuses['429'] ?? 0) + Object.entries(statuses).filter(([s]) => Number(s) >= 500).reduce((n, [, c]) => n + c, 0)).toBe(server.rateLimited + server.serverErrors);
    expect(server.rateLimited).toBeGreaterThan(0); // the comparison covered 429s,
    expect(server.serverErrors).toBeGreaterThan(0); // 5xx
    expect(server.retriesSeen).toBe(server.rateLimited + server.serverErrors); // and their retries
    expect(rateLimitHeaders.limitRequests).toBe(20);
  });
});
