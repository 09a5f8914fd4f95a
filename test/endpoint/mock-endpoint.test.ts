import { afterEach, describe, expect, it } from 'vitest';
import { referenceOf } from '../../src/measure/reference-vectors.ts';
import { startInProcessEndpoint, type InProcessEndpoint } from '../../src/endpoint/in-process-endpoint.ts';
import { embeddingFor } from '../../src/endpoint/emulated-api/index.ts';
import type { EmbeddingsEndpoint } from '../../src/endpoint/types.ts';
import { referenceOnlyEndpoint } from '../support/endpoints.ts';

let endpoint: InProcessEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

describe('the mock as an embeddings endpoint', () => {
  it('counts requests made through its clients in an async ledger, and resets it', async () => {
    endpoint = startInProcessEndpoint({ timeScale: 0, rateLimit: false });
    const client = endpoint.createClient();
    await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'c' });
    expect(await endpoint.ledger()).toMatchObject({ requests: 2, inputs: 3, succeeded: 2 });
    await endpoint.resetLedger();
    expect(await endpoint.ledger()).toMatchObject({ requests: 0, inputs: 0 });
  });

  it('gives reference vectors equal to what it answers over HTTP', async () => {
    endpoint = startInProcessEndpoint({ timeScale: 0, rateLimit: false });
    const response = await endpoint.createClient().embeddings.create({ model: 'text-embedding-3-small', input: 'hello world', dimensions: 64 });
    const reference = await endpoint.reference!.vectorFor('hello world', 'text-embedding-3-small', 64);
    expect(Array.from(reference)).toEqual(response.data[0].embedding);
    expect(Array.from(reference)).toEqual(Array.from(embeddingFor('hello world', 'text-embedding-3-small', 64)));
  });

  it('states its limits, time scale and latency model from the mock config', async () => {
    endpoint = startInProcessEndpoint({ timeScale: 0.25, rateLimit: { requestsPerMinute: 600, tokensPerMinute: 9_000 }, latency: { baseMs: 123 } });
    expect(endpoint.kind).toBe('in-process');
    expect(endpoint.limits).toEqual({ requestsPerMinute: 600, tokensPerMinute: 9_000 });
    expect(endpoint.timeScale).toBe(0.25);
    expect(endpoint.latency.baseMs).toBe(123);
    await endpoint.close();
    // Limiting off is known to be unlimited, not unknown.
    endpoint = startInProcessEndpoint({ rateLimit: false });
    expect(endpoint.limits).toEqual({ requestsPerMinute: Infinity, tokensPerMinute: Infinity });
  });

  it('refuses new clients once closed, and a second one can start after', async () => {
    endpoint = startInProcessEndpoint({ timeScale: 0 });
    await endpoint.close();
    expect(() => endpoint!.createClient()).toThrow(/closed/);
    endpoint = startInProcessEndpoint({ timeScale: 0 });
    expect(endpoint.createClient()).toBeDefined();
  });

  it('a driver that needs reference vectors names the endpoint that has none', () => {
    const none: EmbeddingsEndpoint = { ...referenceOnlyEndpoint, kind: 'url', baseURL: 'http://127.0.0.1:9/v1', reference: null };
    expect(() => referenceOf(none, 'index-compression')).toThrow(/index-compression.*url endpoint at http:\/\/127\.0\.0\.1:9\/v1 has no reference model/);
  });
});
