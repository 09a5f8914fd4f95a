import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { countTokens, startEmulatedApi, type EmulatedApi } from '../../src/endpoint/emulated-api/index.ts';

let mock: EmulatedApi | undefined;
afterEach(() => mock?.close());

const EMPTY = { requests: 0, succeeded: 0, inputs: 0, tokens: 0, costUsd: 0, rateLimited: 0, serverErrors: 0, clientErrors: 0, retriesSeen: 0, slowResponses: 0, inputsTruncated: 0 };

describe('ledger', () => {
  it('starts at zero', () => {
    mock = startEmulatedApi({ timeScale: 0 });
    expect(mock.ledger.snapshot()).toEqual(EMPTY);
  });

  it('counts requests, inputs, tokens and cost at list prices, per model', async () => {
    mock = startEmulatedApi({ timeScale: 0 });
    const client = mock.createClient({ maxRetries: 0 });
    const small = ['one memory', 'two memories here', 'three'];
    const large = ['a larger model costs more per token'];
    await client.embeddings.create({ model: 'text-embedding-3-small', input: small });
    await client.embeddings.create({ model: 'text-embedding-3-large', input: large[0] });
    const smallTokens = small.reduce((n, t) => n + countTokens(t), 0);
    const largeTokens = countTokens(large[0]);
    const snapshot = mock.ledger.snapshot();
    expect(snapshot).toMatchObject({ requests: 2, succeeded: 2, inputs: 4, tokens: smallTokens + largeTokens, clientErrors: 0 });
    expect(snapshot.costUsd).toBeCloseTo((smallTokens * 0.02 + largeTokens * 0.13) / 1e6, 15);
  });

  it('uses configured prices', async () => {
    mock = startEmulatedApi({ timeScale: 0, pricesUsdPerMillionTokens: { 'text-embedding-3-small': 1 } });
    const client = mock.createClient();
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'priced' });
    expect(mock.ledger.snapshot().costUsd).toBeCloseTo(countTokens('priced') / 1e6, 15);
  });

  it('counts rejected requests as client errors, with no tokens or cost', async () => {
    mock = startEmulatedApi({ timeScale: 0 });
    const client = mock.createClient({ maxRetries: 0 });
    await expect(client.embeddings.create({ model: 'text-embedding-3-small', input: [] })).rejects.toThrow(OpenAI.BadRequestError);
    await expect(client.embeddings.create({ model: 'gpt-nope', input: 'x' })).rejects.toThrow(OpenAI.NotFoundError);
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'ok' });
    expect(mock.ledger.snapshot()).toMatchObject({ requests: 3, succeeded: 1, inputs: 1, clientErrors: 2, serverErrors: 0, rateLimited: 0 });
  });

  it('sees the SDK retries of server errors (x-stainless-retry-count > 0)', async () => {
    mock = startEmulatedApi({ timeScale: 0, faults: { serverErrorRate: 1 } });
    const client = mock.createClient({ maxRetries: 1 });
    await expect(client.embeddings.create({ model: 'text-embedding-3-small', input: 'always fails' })).rejects.toThrow(OpenAI.InternalServerError);
    expect(mock.ledger.snapshot()).toMatchObject({ requests: 2, succeeded: 0, serverErrors: 2, retriesSeen: 1, tokens: 0 });
  });

  it('reset() zeroes every counter', async () => {
    mock = startEmulatedApi({ timeScale: 0 });
    const client = mock.createClient();
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'something' });
    mock.ledger.reset();
    expect(mock.ledger.snapshot()).toEqual(EMPTY);
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'again' });
    expect(mock.ledger.snapshot()).toMatchObject({ requests: 1, succeeded: 1, tokens: countTokens('again') });
  });

  it('gives every mock its own ledger', async () => {
    mock = startEmulatedApi({ timeScale: 0 });
    await mock.createClient().embeddings.create({ model: 'text-embedding-3-small', input: 'first mock' });
    mock.close();
    mock = startEmulatedApi({ timeScale: 0 });
    expect(mock.ledger.snapshot()).toEqual(EMPTY);
  });
});
