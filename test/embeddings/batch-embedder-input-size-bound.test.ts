import { describe, expect, it, vi } from 'vitest';
import * as bounded from '../../src/util/bounded-tokens.ts';
import { EmbeddingRequestError } from '../../src/errors.ts';
import { setupBatchEmbedder as setup } from '../support/batch-embedder-setup.ts';

// A spy around the real counter: the test sees whether a text was counted in full or only up to the limit.
vi.mock('../../src/util/bounded-tokens.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/util/bounded-tokens.ts')>();
  return { ...real, countTokensWithin: vi.fn(real.countTokensWithin), countTokensExactly: vi.fn(real.countTokensExactly) };
});

describe('BatchEmbedder checks a text against maxInputTokens with work bounded by the limit', () => {
  it("rejects 'a' x 120,000 naming the limit, counting only up to maxInputTokens, and sends nothing", async () => {
    const { embedder, fake } = setup();
    vi.mocked(bounded.countTokensWithin).mockClear();
    vi.mocked(bounded.countTokensExactly).mockClear();
    const error = await embedder.embed('a'.repeat(120_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddingRequestError);
    expect((error as Error).message).toContain('more than maxInputTokens (8192) tokens');
    expect(vi.mocked(bounded.countTokensWithin).mock.calls.map((call) => call[1])).toEqual([8192]);
    expect(bounded.countTokensExactly).not.toHaveBeenCalled();
    expect(fake.requests).toHaveLength(0);
    expect(embedder.stats().inputsRejected).toBe(1);
  });
});
