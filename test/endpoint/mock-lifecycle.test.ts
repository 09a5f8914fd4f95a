import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClosedError, OptionError, RunError } from '../../src/errors.ts';
import { DEFAULT_MOCK_CONFIG, MODELS, startEmulatedApi, type EmulatedApi } from '../../src/endpoint/emulated-api/index.ts';

let mock: EmulatedApi | undefined;
afterEach(() => mock?.close());

describe('startEmulatedApi lifecycle', () => {
  it('refuses a second active mock, and starts again after close', async () => {
    mock = startEmulatedApi({ timeScale: 0 });
    expect(() => startEmulatedApi({ timeScale: 0 })).toThrow(RunError);
    mock.close();
    mock = startEmulatedApi({ timeScale: 0 });
    const response = await mock.createClient().embeddings.create({ model: 'text-embedding-3-small', input: 'restarted' });
    expect(response.data).toHaveLength(1);
  });

  it('closes idempotently and refuses new clients once closed', () => {
    mock = startEmulatedApi({ timeScale: 0 });
    mock.close();
    mock.close();
    expect(() => mock!.createClient()).toThrow(ClosedError);
  });

  it('treats an unhandled request as an error (other path, other host)', async () => {
    mock = startEmulatedApi({ timeScale: 0 });
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await expect(fetch(`${mock.baseURL}/chat/completions`, { method: 'POST', body: '{}' })).rejects.toThrow();
      await expect(fetch(`${mock.baseURL}/embeddings`)).rejects.toThrow(); // GET
      await expect(fetch('https://elsewhere.memopt.invalid/')).rejects.toThrow();
    } finally {
      quiet.mockRestore();
    }
    expect(mock.ledger.snapshot().requests).toBe(0);
  });

  it('serves a custom baseURL', async () => {
    mock = startEmulatedApi({ timeScale: 0, baseURL: 'http://localhost:9/openai/v1/' });
    expect(mock.baseURL).toBe('http://localhost:9/openai/v1');
    const response = await mock.createClient().embeddings.create({ model: 'text-embedding-3-small', input: 'custom' });
    expect(response.data).toHaveLength(1);
  });
});

describe('mock configuration', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_MOCK_CONFIG).toMatchObject({
      seed: 1,
      baseURL: 'https://mock.memopt.invalid/v1',
      timeScale: 1,
      rateLimit: { requestsPerMinute: 3000, tokensPerMinute: 1_000_000 },
      faults: { serverErrorRate: 0, slowRate: 0 },
      pricesUsdPerMillionTokens: { 'text-embedding-3-small': 0.02, 'text-embedding-3-large': 0.13, 'text-embedding-ada-002': 0.1 },
    });
    expect(MODELS['text-embedding-3-large']).toEqual({ dimensions: 3072, supportsDimensions: true, maxInputTokens: 8192 });
    expect(Object.isFrozen(DEFAULT_MOCK_CONFIG.latency)).toBe(true);
  });

  it('merges a deep-partial config over the defaults', () => {
    mock = startEmulatedApi({ seed: 4, latency: { baseMs: 5 }, rateLimit: { tokensPerMinute: 10 }, pricesUsdPerMillionTokens: { custom: 1 } });
    expect(mock.config.seed).toBe(4);
    expect(mock.config.latency).toEqual({ ...DEFAULT_MOCK_CONFIG.latency, baseMs: 5 });
    expect(mock.config.rateLimit).toEqual({ ...DEFAULT_MOCK_CONFIG.rateLimit, requestsPerMinute: 3000, tokensPerMinute: 10 });
    expect(mock.config.pricesUsdPerMillionTokens).toMatchObject({ custom: 1, 'text-embedding-3-small': 0.02 });
    mock.close();
    mock = startEmulatedApi({ rateLimit: false });
    expect(mock.config.rateLimit).toBe(false);
  });

  it.each([
    [{ timeScale: -1 }, "option 'timeScale': expected a finite number >= 0, found -1"],
    [{ latency: { jitter: 2 } }, "option 'latency.jitter': expected a fraction from 0 to 1, found 2"],
    [{ faults: { slowFactor: 0.5 } }, "option 'faults.slowFactor': expected a finite number >= 1, found 0.5"],
    [{ rateLimit: { requestsPerMinute: 0 } }, "option 'rateLimit.requestsPerMinute': expected a finite number > 0, found 0"],
    [{ baseURL: 'not a url' }, "option 'baseURL': expected an absolute http(s) URL, found \"not a url\""],
    [{ seed: 1.5 }, "option 'seed': expected an integer, found 1.5"],
    [{ latencyMs: 3 }, "option 'latencyMs': expected one of"],
    [{ faults: { errorRate: 0.1 } }, "option 'faults.errorRate': expected one of serverErrorRate, slowRate, slowFactor"],
  ])('rejects %j at start', (config, message) => {
    expect(() => startEmulatedApi(config as never)).toThrow(OptionError);
    expect(() => startEmulatedApi(config as never)).toThrow(message);
  });
});
