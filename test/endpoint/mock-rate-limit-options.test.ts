import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { OptionError } from '../../src/errors.ts';
import { resolveMockConfig, startEmulatedApi, type EmulatedApi, type EmulatedApiConfigInput } from '../../src/endpoint/emulated-api/index.ts';

let mock: EmulatedApi | undefined;
afterEach(() => mock?.close());

const MODEL = 'text-embedding-3-small';

/** A mock whose limiter reads a clock the test moves; no latency. */
function limitedMock(rateLimit: NonNullable<EmulatedApiConfigInput['rateLimit']>) {
  const clock = { t: 0 };
  mock = startEmulatedApi({ rateLimit, latency: { baseMs: 0, perTokenMs: 0, jitter: 0 }, now: () => clock.t });
  return { clock, client: mock.createClient({ maxRetries: 0 }), mock };
}

async function statusOf(promise: Promise<unknown>): Promise<{ status: number; headers: Headers | undefined }> {
  try {
    await promise;
    return { status: 200, headers: undefined };
  } catch (error) {
    if (!(error instanceof OpenAI.APIError)) throw error;
    return { status: error.status ?? 0, headers: error.headers };
  }
}

describe('rate limiter options (start state, charging rejected requests, which headers)', () => {
  it('keeps the documented defaults: a full burst, rejected requests free, both retry headers, x-ratelimit-* on', () => {
    expect(resolveMockConfig().rateLimit).toEqual({
      requestsPerMinute: 3000,
      tokensPerMinute: 1_000_000,
      initialBurst: 1,
      rejectedCountAgainstLimit: false,
      retryHeaders: ['retry-after', 'retry-after-ms'],
      limitHeaders: true,
    });
  });

  it('initialBurst 0.5 admits half a minute of requests at once, then refills at the limit rate', async () => {
    const { clock, client } = limitedMock({ requestsPerMinute: 4, tokensPerMinute: 1_000_000, initialBurst: 0.5 });
    expect((await statusOf(client.embeddings.create({ model: MODEL, input: 'a' }))).status).toBe(200);
    expect((await statusOf(client.embeddings.create({ model: MODEL, input: 'b' }))).status).toBe(200);
    const third = await statusOf(client.embeddings.create({ model: MODEL, input: 'c' }));
    expect(third.status).toBe(429);
    expect(third.headers?.get('retry-after-ms')).toBe('15000'); // one request of 4 per minute
    clock.t = 15_000;
    expect((await statusOf(client.embeddings.create({ model: MODEL, input: 'c' }))).status).toBe(200);
    expect(mock!.ledger.snapshot()).toMatchObject({ requests: 4, succeeded: 3, rateLimited: 1 });
  });

  it('rejectedCountAgainstLimit charges each 429, so retrying too early pushes the advertised wait further out', async () => {
    const { clock, client } = limitedMock({ requestsPerMinute: 2, tokensPerMinute: 1_000_000, rejectedCountAgainstLimit: true });
    await client.embeddings.create({ model: MODEL, input: 'a' });
    await client.embeddings.create({ model: MODEL, input: 'b' });
    const first = await statusOf(client.embeddings.create({ model: MODEL, input: 'c' }));
    expect(first.headers?.get('retry-after-ms')).toBe('60000'); // the 429 itself took the request slot: 2 to refill
    clock.t = 30_000; // one slot refilled, but the debt of the 429 ate it
    const second = await statusOf(client.embeddings.create({ model: MODEL, input: 'c' }));
    expect(second.status).toBe(429);
    expect(second.headers?.get('retry-after-ms')).toBe('60000');
    clock.t = 90_000;
    expect((await statusOf(client.embeddings.create({ model: MODEL, input: 'c' }))).status).toBe(200);
  });

  it('the default leaves a 429 uncharged, so waiting exactly retry-after-ms succeeds', async () => {
    const { clock, client } = limitedMock({ requestsPerMinute: 2, tokensPerMinute: 1_000_000 });
    await client.embeddings.create({ model: MODEL, input: 'a' });
    await client.embeddings.create({ model: MODEL, input: 'b' });
    const rejected = await statusOf(client.embeddings.create({ model: MODEL, input: 'c' }));
    expect(rejected.headers?.get('retry-after-ms')).toBe('30000');
    clock.t = 30_000;
    expect((await statusOf(client.embeddings.create({ model: MODEL, input: 'c' }))).status).toBe(200);
  });

  it('sends only the retry headers named, and no x-ratelimit-* when limitHeaders is false', async () => {
    const { client } = limitedMock({ requestsPerMinute: 1, tokensPerMinute: 1_000_000, retryHeaders: ['retry-after'], limitHeaders: false });
    const { response } = await client.embeddings.create({ model: MODEL, input: 'a' }).withResponse();
    expect([...response.headers.keys()].filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
    const rejected = await statusOf(client.embeddings.create({ model: MODEL, input: 'b' }));
    expect(rejected.status).toBe(429);
    expect(rejected.headers?.get('retry-after')).toBe('60');
    expect(rejected.headers?.has('retry-after-ms')).toBe(false);
    expect(rejected.headers?.has('x-ratelimit-remaining-requests')).toBe(false);
  });

  it('rejects bad options at start, naming the field', () => {
    expect(() => resolveMockConfig({ rateLimit: { initialBurst: 2 } })).toThrow(/rateLimit\.initialBurst/);
    expect(() => resolveMockConfig({ rateLimit: { retryHeaders: ['retry-later' as 'retry-after'] } })).toThrow(OptionError);
    expect(() => resolveMockConfig({ rateLimit: { limitHeaders: 'yes' as unknown as boolean } })).toThrow(/rateLimit\.limitHeaders/);
  });
});
