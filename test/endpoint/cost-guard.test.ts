import { describe, expect, it } from 'vitest';
import { CostGuardError } from '../../src/errors.ts';
import { countTokens } from '../../src/endpoint/emulated-api/index.ts';
import { checkCostGuard, costUpperBound, isLoopback } from '../../src/endpoint/cost-guard.ts';

const texts = ['the first memory', 'a second, longer memory about something', 'third', 'héllo wörld'];

describe('isLoopback', () => {
  it('accepts only addresses on this machine', () => {
    for (const url of ['http://127.0.0.1:8080/v1', 'http://127.1/v1', 'http://127.255.0.3/', 'http://localhost:1234/v1', 'http://[::1]:99/v1', 'http://[0:0:0:0:0:0:0:1]/', 'http://[::ffff:127.0.0.1]/']) {
      expect(isLoopback(url), url).toBe(true);
    }
    for (const url of ['https://api.openai.com/v1', 'http://10.0.0.1/', 'http://0.0.0.0/', 'http://localhost.example.com/', 'http://127.0.0.1.nip.io/', 'http://[::ffff:10.0.0.1]/', 'http://[::2]/', 'not a url']) {
      expect(isLoopback(url), url).toBe(false);
    }
  });
});

describe('costUpperBound', () => {
  it('counts exact cl100k tokens for an OpenAI model and packs requests by the plan', () => {
    const tokens = texts.reduce((sum, t) => sum + countTokens(t), 0);
    const bound = costUpperBound({ texts, model: 'text-embedding-3-small', plan: { inputsPerRequest: 3, maxRetries: 2 } });
    expect(bound).toEqual({
      model: 'text-embedding-3-small',
      texts: 4,
      tokens,
      tokensExact: true,
      requests: 2,
      maxRequests: 6,
      maxBilledTokens: tokens * 3,
      pricePerMillionTokens: 0.02,
      maxCostUsd: (tokens * 3 * 0.02) / 1_000_000,
    });
    expect(costUpperBound({ texts, model: 'text-embedding-3-small', plan: { inputsPerRequest: 1, maxRetries: 0 } }).requests).toBe(4);
    // A token cap splits batches too: each text alone.
    expect(costUpperBound({ texts, model: 'text-embedding-3-small', plan: { inputsPerRequest: 100, tokensPerRequest: 8, maxRetries: 0 } }).requests).toBe(3);
  });

  it('bounds an unknown model by UTF-8 bytes + 2 per input, and has no price unless one is given', () => {
    const bytes = texts.reduce((sum, t) => sum + Buffer.byteLength(t) + 2, 0);
    const bound = costUpperBound({ texts, model: 'my-azure-deployment', plan: { inputsPerRequest: 16, maxRetries: 0 } });
    expect(bound).toMatchObject({ tokens: bytes, tokensExact: false, requests: 1, pricePerMillionTokens: null, maxCostUsd: null });
    expect(costUpperBound({ texts, model: 'my-azure-deployment', plan: { inputsPerRequest: 16, maxRetries: 0 }, pricePerMillionTokens: 1 }).maxCostUsd).toBe(bytes / 1_000_000);
  });
});

describe('checkCostGuard', () => {
  const bound = costUpperBound({ texts, model: 'text-embedding-3-small', plan: { inputsPerRequest: 2 } });
  const unpriced = costUpperBound({ texts, model: 'custom', plan: { inputsPerRequest: 2 } });

  it('lets a loopback endpoint through without a limit or a price', () => {
    expect(() => checkCostGuard({ baseURL: 'http://127.0.0.1:5000/v1', maxCostUsd: undefined, bound: unpriced })).not.toThrow();
  });

  it('refuses a remote endpoint without --max-cost-usd, without a price, or over the limit (exit 2)', () => {
    const refusal = (args: Parameters<typeof checkCostGuard>[0]) => {
      try {
        checkCostGuard(args);
      } catch (error) {
        expect(error).toBeInstanceOf(CostGuardError);
        expect((error as CostGuardError).exitCode).toBe(2);
        return (error as Error).message;
      }
      throw new Error('expected a refusal');
    };
    expect(refusal({ baseURL: 'https://api.openai.com/v1', maxCostUsd: undefined, bound })).toMatch(/--max-cost-usd.*api\.openai\.com/);
    expect(refusal({ baseURL: 'https://api.openai.com/v1', maxCostUsd: 5, bound: unpriced })).toMatch(/--price-per-million-tokens.*'custom' has no known price/);
    expect(refusal({ baseURL: 'https://api.openai.com/v1', maxCostUsd: bound.maxCostUsd! / 2, bound })).toMatch(/refused: this run could cost up to/);
    expect(() => checkCostGuard({ baseURL: 'https://api.openai.com/v1', maxCostUsd: bound.maxCostUsd!, bound })).not.toThrow();
  });
});
