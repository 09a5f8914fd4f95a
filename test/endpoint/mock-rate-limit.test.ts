import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { encode } from 'gpt-tokenizer/encoding/cl100k_base';
import { formatDuration, startEmulatedApi, type EmulatedApi } from '../../src/endpoint/emulated-api/index.ts';

let mock: EmulatedApi | undefined;
afterEach(() => mock?.close());

/** A mock whose rate limiter reads a clock the test moves; no latency, so nothing waits on real time. */
function limitedMock(requestsPerMinute: number, tokensPerMinute: number) {
  const clock = { t: 0 };
  mock = startEmulatedApi({ rateLimit: { requestsPerMinute, tokensPerMinute }, latency: { baseMs: 0, perTokenMs: 0, jitter: 0 }, now: () => clock.t });
  return { clock, client: mock.createClient({ maxRetries: 0 }), mock };
}

/** An input of exactly `n` tokens ('hello' is one cl100k_base token). */
const tokensOf = (n: number) => Array.from({ length: n }, () => 15339);

async function rateLimitError(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    return error as InstanceType<typeof OpenAI.APIError>;
  }
  throw new Error('expected a 429');
}

describe('rate limits (token buckets refilled continuously, per minute)', () => {
  it('puts x-ratelimit-* headers on every successful response', async () => {
    const { client } = limitedMock(3000, 1_000_000);
    const text = 'count these tokens';
    const { response } = await client.embeddings.create({ model: 'text-embedding-3-small', input: text }).withResponse();
    const tokens = encode(text).length;
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('3000');
    expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('1000000');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('2999');
    expect(response.headers.get('x-ratelimit-remaining-tokens')).toBe(String(1_000_000 - tokens));
    expect(response.headers.get('x-ratelimit-reset-requests')).toBe('20ms'); // 60 s / 3000
    expect(response.headers.get('x-ratelimit-reset-tokens')).toBe(formatDuration((tokens * 60_000) / 1_000_000));
  });

  it('answers 429 over the requests-per-minute limit, with retry-after, and admits the request once replenished', async () => {
    const { clock, client } = limitedMock(3, 1_000_000);
    for (let i = 0; i < 3; i++) await client.embeddings.create({ model: 'text-embedding-3-small', input: `r${i}` });
    const error = await rateLimitError(client.embeddings.create({ model: 'text-embedding-3-small', input: 'r3' }));
    expect(error.status).toBe(429);
    expect(error.error).toEqual({
      message:
        'Rate limit reached for text-embedding-3-small in organization org-memoptmock on requests per min (RPM): Limit 3, Used 3, Requested 1. ' +
        'Please try again in 20s. Visit https://platform.openai.com/account/rate-limits to learn more.',
      type: 'requests',
      param: null,
      code: 'rate_limit_exceeded',
    });
    expect(error.headers?.get('retry-after')).toBe('20');
    expect(error.headers?.get('retry-after-ms')).toBe('20000');
    expect(error.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(error.headers?.get('x-ratelimit-reset-requests')).toBe('1m0s');

    clock.t = 19_999; // not yet
    await rateLimitError(client.embeddings.create({ model: 'text-embedding-3-small', input: 'r3' }));
    clock.t = 20_000; // the 429s consumed nothing: exactly retry-after later one request fits
    await expect(client.embeddings.create({ model: 'text-embedding-3-small', input: 'r3' })).resolves.toBeDefined();
    expect(mock!.ledger.snapshot()).toMatchObject({ requests: 6, succeeded: 4, rateLimited: 2 });
  });

  it('answers 429 over the tokens-per-minute limit, waiting exactly for the missing tokens', async () => {
    const { clock, client } = limitedMock(1000, 1000);
    await client.embeddings.create({ model: 'text-embedding-3-small', input: tokensOf(600) });
    const error = await rateLimitError(client.embeddings.create({ model: 'text-embedding-3-small', input: tokensOf(600) }));
    // 200 tokens missing at 1000 tokens / 60 s: 12 s
    expect(error.error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });
    expect(error.error).toHaveProperty(
      'message',
      'Rate limit reached for text-embedding-3-small in organization org-memoptmock on tokens per min (TPM): Limit 1000, Used 600, Requested 600. ' +
        'Please try again in 12s. Visit https://platform.openai.com/account/rate-limits to learn more.',
    );
    expect(error.headers?.get('retry-after')).toBe('12');
    expect(error.headers?.get('retry-after-ms')).toBe('12000');
    expect(error.headers?.get('x-ratelimit-remaining-tokens')).toBe('400');
    clock.t = 12_000;
    const ok = await client.embeddings.create({ model: 'text-embedding-3-small', input: tokensOf(600) }).withResponse();
    expect(ok.response.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
    expect(ok.response.headers.get('x-ratelimit-reset-tokens')).toBe('1m0s');
  });

  it('answers "Request too large" without retry-after when one request exceeds the whole minute', async () => {
    const { client } = limitedMock(1000, 500);
    const error = await rateLimitError(client.embeddings.create({ model: 'text-embedding-3-small', input: tokensOf(501) }));
    expect(error.error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });
    expect((error.error as { message: string }).message).toMatch(/^Request too large for text-embedding-3-small .* Limit 500, Requested 501\./);
    expect(error.headers?.get('retry-after')).toBeNull();
    expect(error.headers?.get('retry-after-ms')).toBeNull();
  });

  it('does not charge requests rejected by validation, but still reports the limits', async () => {
    const { client } = limitedMock(2, 1_000_000);
    try {
      await client.embeddings.create({ model: 'text-embedding-3-small', input: '' });
    } catch (error) {
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
      expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('x-ratelimit-remaining-requests')).toBe('2');
    }
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'a' });
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'b' });
    expect(mock!.ledger.snapshot()).toMatchObject({ succeeded: 2, clientErrors: 1, rateLimited: 0 });
  });

  it('refills continuously: half a window restores half the allowance', async () => {
    const { clock, client } = limitedMock(10, 1_000_000);
    for (let i = 0; i < 10; i++) await client.embeddings.create({ model: 'text-embedding-3-small', input: `x${i}` });
    clock.t = 30_000;
    const { response } = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'y' }).withResponse();
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('4'); // 0 + 5 refilled - 1
  });

  it('scales the window by timeScale: at 0.01 a minute lasts 600 ms', async () => {
    const clock = { t: 0 };
    mock = startEmulatedApi({ timeScale: 0.01, rateLimit: { requestsPerMinute: 1, tokensPerMinute: 1_000_000 }, latency: { baseMs: 0, perTokenMs: 0 }, now: () => clock.t });
    const client = mock.createClient({ maxRetries: 0 });
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'a' });
    const error = await rateLimitError(client.embeddings.create({ model: 'text-embedding-3-small', input: 'b' }));
    expect(error.headers?.get('retry-after-ms')).toBe('600');
    expect(error.headers?.get('retry-after')).toBe('1');
    clock.t = 600;
    await expect(client.embeddings.create({ model: 'text-embedding-3-small', input: 'b' })).resolves.toBeDefined();
  });

  it('lets the SDK retry a 429 after retry-after-ms and succeed', async () => {
    // The clock jumps a full window once a 429 has been answered, so the SDK's retry finds the bucket refilled.
    let limitedOnce = false;
    mock = startEmulatedApi({
      timeScale: 0.0001, // retry-after-ms: 6 ms of real waiting
      rateLimit: { requestsPerMinute: 1, tokensPerMinute: 1_000_000 },
      latency: { baseMs: 0, perTokenMs: 0 },
      now: () => (limitedOnce ? 1e9 : 0),
    });
    const client = mock.createClient({ maxRetries: 2 });
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'first' });
    const second = client.embeddings.create({ model: 'text-embedding-3-small', input: 'second' });
    const watcher = setInterval(() => {
      if (mock!.ledger.snapshot().rateLimited > 0) limitedOnce = true;
    }, 1);
    try {
      await expect(second).resolves.toBeDefined();
    } finally {
      clearInterval(watcher);
    }
    expect(mock.ledger.snapshot()).toMatchObject({ requests: 3, succeeded: 2, rateLimited: 1, retriesSeen: 1 });
  });

  it('never limits at timeScale 0 (a zero-length window refills at once)', async () => {
    mock = startEmulatedApi({ timeScale: 0, rateLimit: { requestsPerMinute: 1, tokensPerMinute: 10 } });
    const client = mock.createClient({ maxRetries: 0 });
    for (let i = 0; i < 5; i++) await client.embeddings.create({ model: 'text-embedding-3-small', input: 'two tokens' });
    expect(mock.ledger.snapshot().rateLimited).toBe(0);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [0.3, '1ms'],
    [12, '12ms'],
    [999.2, '1000ms'],
    [1000, '1s'],
    [2812, '2.812s'],
    [20_000, '20s'],
    [60_000, '1m0s'],
    [360_000, '6m0s'],
    [90_500, '1m30.5s'],
    [3_600_000, '1h0m0s'],
  ])('%s ms is written %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
