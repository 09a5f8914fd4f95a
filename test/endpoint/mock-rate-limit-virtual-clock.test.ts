import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startEmulatedApi, resolveMockConfig, type EmulatedApi } from '../../src/endpoint/emulated-api/index.ts';
import { RetryDrivenClock, retryKey } from '../../src/endpoint/emulated-api/rate-limit-clock.ts';
import { InputError, OptionError } from '../../src/errors.ts';
import { resolveServerConfig } from '../../src/endpoint/server/config.ts';

let mock: EmulatedApi | undefined;
afterEach(() => mock?.close());

const MODEL = 'text-embedding-3-small';
/** 'hello' is one cl100k_base token. */
const tokensOf = (n: number) => Array.from({ length: n }, () => 15339);

/** A mock on its default (virtual) clock: no latency, 3 requests per minute. */
function virtualMock() {
  mock = startEmulatedApi({ rateLimit: { requestsPerMinute: 3, tokensPerMinute: 1_000_000 }, latency: { baseMs: 0, perTokenMs: 0, jitter: 0 } });
  return mock;
}

async function status(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    return (error as InstanceType<typeof OpenAI.APIError>).status ?? -1;
  }
}

/** A request as the SDK sends it: `retry` sets x-stainless-retry-count. */
function send(client: OpenAI, input: string | number[], retry = 0) {
  return client.embeddings.create({ model: MODEL, input }, retry > 0 ? { headers: { 'x-stainless-retry-count': String(retry) } } : {});
}

describe('the mock rate limiter on its virtual clock (the default)', () => {
  it('does not refill with wall time: a new request stays rejected however long the client takes', async () => {
    const api = virtualMock();
    const client = api.createClient({ maxRetries: 0 });
    for (let i = 0; i < 3; i++) expect(await status(send(client, `r${i}`))).toBe(200);
    // Real time passes between these (each is a full round trip); on a wall clock some would be admitted eventually.
    for (let i = 0; i < 20; i++) expect(await status(send(client, `late${i}`))).toBe(429);
    expect(api.ledger.snapshot()).toMatchObject({ succeeded: 3, rateLimited: 20 });
  });

  it('admits a retry of a rejected request: the client is taken to have waited the advised retry-after-ms', async () => {
    const api = virtualMock();
    const client = api.createClient({ maxRetries: 0 });
    for (let i = 0; i < 3; i++) await send(client, `r${i}`);
    const rejected = await send(client, 'r3').catch((e: InstanceType<typeof OpenAI.APIError>) => e);
    expect((rejected as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after-ms')).toBe('20000'); // 60 s / 3
    // Another text is not that retry: still rejected. The retry itself is admitted, and uses up the refill.
    expect(await status(send(client, 'other', 1))).toBe(429);
    expect(await status(send(client, 'r3', 1))).toBe(200);
    expect(await status(send(client, 'r4'))).toBe(429);
  });

  it('gives the same decisions for the same sequence of requests, however fast they come', async () => {
    const sequence = async (pauseEvery: number) => {
      const api = startEmulatedApi({ rateLimit: { requestsPerMinute: 1_000, tokensPerMinute: 60 }, latency: { baseMs: 0, perTokenMs: 0, jitter: 0 } });
      try {
        const client = api.createClient({ maxRetries: 0 });
        const codes: number[] = [];
        for (let i = 0; i < 30; i++) {
          if (pauseEvery > 0 && i % pauseEvery === 0) await new Promise((r) => setImmediate(r));
          const retry = i % 3 === 2 ? 1 : 0; // every third request retries the one before it
          codes.push(await status(send(client, tokensOf(retry ? 7 + ((i - 1) % 5) : 7 + (i % 5)), retry)));
        }
        return { codes, ledger: api.ledger.snapshot() };
      } finally {
        api.close();
      }
    };
    const first = await sequence(0);
    const second = await sequence(4);
    expect(second).toEqual(first);
    expect(first.codes).toContain(429);
    expect(first.codes.filter((c) => c === 200).length).toBeGreaterThan(8); // retries were admitted
  });

  it("accepts clock 'wall' and 'virtual', and names the field for anything else", () => {
    expect(resolveMockConfig({ clock: 'wall' }).clock).toBe('wall');
    expect(resolveMockConfig({ clock: 'virtual' }).clock).toBe('virtual');
    expect(() => resolveMockConfig({ clock: 'fast' as never })).toThrow(OptionError);
    expect(() => resolveMockConfig({ clock: 'fast' as never })).toThrow(/clock/);
    // memopt serve's config (and --clock) take the same field.
    expect(resolveServerConfig({ clock: 'wall' })).toMatchObject({ api: { clock: 'wall' } });
    expect(() => resolveServerConfig({ clock: 'fast' })).toThrow(InputError);
  });
});

describe('RetryDrivenClock', () => {
  it('moves only to the due time of a retry it was told about, never back', () => {
    const clock = new RetryDrivenClock();
    const a = retryKey(MODEL, undefined, ['a']);
    const b = retryKey(MODEL, 256, ['a']);
    clock.rejected(a, 100);
    clock.retried(b); // same text, other dimensions: a different request
    expect(clock.now()).toBe(0);
    clock.retried(a);
    expect(clock.now()).toBe(100);
    clock.rejected(a, 50); // due at 150
    clock.rejected(b, 10); // due at 110
    clock.retried(a);
    clock.retried(b); // 110 is in the past now: no move back
    expect(clock.now()).toBe(150);
    expect(clock.pendingRetries).toBe(0);
  });

  it('keeps one due time per rejection of the same request, oldest first', () => {
    const clock = new RetryDrivenClock();
    const key = retryKey(MODEL, undefined, ['x', 'y']);
    clock.rejected(key, 10);
    clock.rejected(key, 30);
    expect(clock.pendingRetries).toBe(2);
    clock.retried(key);
    expect(clock.now()).toBe(10);
    clock.retried(key);
    expect(clock.now()).toBe(30); // both were rejected at 0: due times count from the rejection
  });
});
