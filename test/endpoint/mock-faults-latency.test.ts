import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startEmulatedApi, type EmulatedApi, type EmulatedApiConfigInput } from '../../src/endpoint/emulated-api/index.ts';

let mock: EmulatedApi | undefined;
afterEach(() => mock?.close());

/** Sends `n` single-text requests in sequence (no SDK retries); returns each status and openai-processing-ms. */
async function run(config: EmulatedApiConfigInput, n: number) {
  mock = startEmulatedApi({ timeScale: 0, rateLimit: false, ...config });
  const client = mock.createClient({ maxRetries: 0 });
  const statuses: number[] = [];
  const processingMs: number[] = [];
  const bodies: unknown[] = [];
  for (let i = 0; i < n; i++) {
    try {
      const { response } = await client.embeddings.create({ model: 'text-embedding-3-small', input: `request ${i}` }).withResponse();
      statuses.push(response.status);
      processingMs.push(Number(response.headers.get('openai-processing-ms')));
    } catch (error) {
      const apiError = error as InstanceType<typeof OpenAI.APIError>;
      statuses.push(apiError.status ?? -1);
      processingMs.push(Number(apiError.headers?.get('openai-processing-ms')));
      bodies.push(apiError.error);
    }
  }
  const snapshot = mock.ledger.snapshot();
  mock.close();
  mock = undefined;
  return { statuses, processingMs, bodies, snapshot };
}

describe('fault injection', () => {
  it('answers roughly serverErrorRate of requests with 500 or 503 and the real bodies', async () => {
    const { statuses, bodies, snapshot } = await run({ seed: 11, faults: { serverErrorRate: 0.3 } }, 300);
    const failed = statuses.filter((s) => s >= 500).length;
    expect(failed / 300).toBeGreaterThan(0.22);
    expect(failed / 300).toBeLessThan(0.38);
    expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(snapshot).toMatchObject({ requests: 300, serverErrors: failed, succeeded: 300 - failed });
    expect(bodies).toContainEqual({ message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null });
    expect(bodies).toContainEqual({ message: 'The engine is currently overloaded, please try again later', type: 'server_error', param: null, code: null });
  });

  it('is reproducible with the same seed and differs with another', async () => {
    const a = await run({ seed: 5, faults: { serverErrorRate: 0.2, slowRate: 0.2 } }, 120);
    const b = await run({ seed: 5, faults: { serverErrorRate: 0.2, slowRate: 0.2 } }, 120);
    const c = await run({ seed: 6, faults: { serverErrorRate: 0.2, slowRate: 0.2 } }, 120);
    expect(b.statuses).toEqual(a.statuses);
    expect(b.processingMs).toEqual(a.processingMs);
    expect(c.statuses).not.toEqual(a.statuses);
  });

  it('slows roughly slowRate of requests by slowFactor, counted in the ledger', async () => {
    const latency = { baseMs: 100, perTokenMs: 0, jitter: 0 };
    const { processingMs, snapshot } = await run({ seed: 3, latency, faults: { slowRate: 0.25, slowFactor: 4 } }, 200);
    const slow = processingMs.filter((ms) => ms === 400).length;
    expect(processingMs.every((ms) => ms === 100 || ms === 400)).toBe(true);
    expect(slow).toBe(snapshot.slowResponses);
    expect(slow / 200).toBeGreaterThan(0.17);
    expect(slow / 200).toBeLessThan(0.33);
  });

  it('draws faults only for requests the rate limiter admits', async () => {
    const clock = { t: 0 };
    mock = startEmulatedApi({ timeScale: 1, latency: { baseMs: 0, perTokenMs: 0 }, rateLimit: { requestsPerMinute: 1, tokensPerMinute: 1000 }, faults: { serverErrorRate: 1 }, now: () => clock.t });
    const client = mock.createClient({ maxRetries: 0 });
    await expect(client.embeddings.create({ model: 'text-embedding-3-small', input: 'a' })).rejects.toThrow(OpenAI.InternalServerError);
    await expect(client.embeddings.create({ model: 'text-embedding-3-small', input: 'b' })).rejects.toThrow(OpenAI.RateLimitError);
    expect(mock.ledger.snapshot()).toMatchObject({ serverErrors: 1, rateLimited: 1 });
  });
});

describe('latency model', () => {
  it('reports (baseMs + perTokenMs x tokens) x seeded jitter in openai-processing-ms, the same for the same seed', async () => {
    const latency = { baseMs: 200, perTokenMs: 10, jitter: 0.2 };
    const a = await run({ seed: 9, latency }, 50);
    const b = await run({ seed: 9, latency }, 50);
    expect(a.processingMs).toEqual(b.processingMs);
    // 'request N' is 2 or 3 tokens: 220-230 ms modelled, +-20%
    for (const ms of a.processingMs) {
      expect(ms).toBeGreaterThanOrEqual(Math.floor(220 * 0.8));
      expect(ms).toBeLessThanOrEqual(Math.ceil(230 * 1.2));
    }
    expect(new Set(a.processingMs).size).toBeGreaterThan(10);
  });

  it('does not jitter when jitter is 0', async () => {
    const { processingMs } = await run({ latency: { baseMs: 50, perTokenMs: 0, jitter: 0 } }, 10);
    expect(processingMs).toEqual(Array(10).fill(50));
  });
});
