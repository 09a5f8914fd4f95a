import { describe, expect, it } from 'vitest';
import { OptionError } from '../../src/errors.ts';
import { BatchEmbedder, type BatchEmbedderOptions } from '../../src/parts/embeddings/batch-embedder.ts';
import { NaiveEmbedder } from '../../src/parts/embeddings/naive-embedder.ts';
import { createFakeClient } from '../../src/parts/embeddings/instant-client.ts';

const { client } = createFakeClient();

describe('BatchEmbedder options', () => {
  it('fills in documented defaults', () => {
    const embedder = new BatchEmbedder({ client, model: 'm' });
    expect(embedder.options).toEqual({
      maxBatchSize: 256,
      maxWaitMs: 5,
      maxBatchTokens: 300_000,
      maxInputTokens: 8192,
      maxQueueSize: 1024,
      maxConcurrentRequests: 4,
      maxRetries: 6,
      requestTimeoutMs: 60_000,
      maxRetryAfterMs: 60_000,
      initialBackoffMs: 500,
      maxBackoffMs: 8000,
    });
    expect(Object.isFrozen(embedder.options)).toBe(true);
    expect(new BatchEmbedder({ client, model: 'm', maxBatchSize: 10 }).options.maxQueueSize).toBe(40);
  });

  const bad: [string, Partial<BatchEmbedderOptions>, RegExp][] = [
    ['maxBatchSize 0', { maxBatchSize: 0 }, /option 'maxBatchSize': expected an integer in \[1, 2048\]/],
    ['maxBatchSize over the API limit', { maxBatchSize: 2049 }, /'maxBatchSize'.*found 2049/],
    ['maxBatchSize fractional', { maxBatchSize: 1.5 }, /'maxBatchSize'/],
    ['maxWaitMs negative', { maxWaitMs: -1 }, /'maxWaitMs'/],
    ['maxWaitMs NaN', { maxWaitMs: Number.NaN }, /'maxWaitMs'/],
    ['maxQueueSize below maxBatchSize', { maxBatchSize: 10, maxQueueSize: 9 }, /'maxQueueSize'.*>= maxBatchSize \(10\)/],
    ['maxInputTokens over maxBatchTokens', { maxInputTokens: 100, maxBatchTokens: 50 }, /'maxBatchTokens'.*>= 100/],
    ['maxInputTokens over the default maxBatchTokens', { maxInputTokens: 400_000 }, /'maxInputTokens'/],
    ['maxConcurrentRequests 0', { maxConcurrentRequests: 0 }, /'maxConcurrentRequests'/],
    ['maxRetries negative', { maxRetries: -1 }, /'maxRetries'/],
    ['requestTimeoutMs 0', { requestTimeoutMs: 0 }, /option 'requestTimeoutMs': expected a finite number in \[1, 2147483647\]/],
    ['requestTimeoutMs Infinity', { requestTimeoutMs: Infinity }, /'requestTimeoutMs'/],
    ['maxRetryAfterMs negative', { maxRetryAfterMs: -1 }, /option 'maxRetryAfterMs': expected a finite number >= 0/],
    ['maxRetryAfterMs not a number', { maxRetryAfterMs: '60s' as never }, /'maxRetryAfterMs'.*found "60s"/],
    ['sleep not a function', { sleep: 5 as never }, /'sleep': expected a function/],
    ['maxBackoffMs below initialBackoffMs', { initialBackoffMs: 100, maxBackoffMs: 50 }, /'maxBackoffMs'/],
    ['dimensions 0', { dimensions: 0 }, /'dimensions'/],
    ['empty model', { model: '' }, /'model': expected a non-empty string/],
    ['random not a function', { random: 4 as never }, /'random': expected a function/],
    ['timers without clearTimeout', { timers: { setTimeout: () => 0 } as never }, /'timers'/],
  ];
  it.each(bad)('rejects %s at construction with an OptionError', (_name, options, message) => {
    const build = () => new BatchEmbedder({ client, model: 'm', ...options });
    expect(build).toThrow(OptionError);
    expect(build).toThrow(message);
  });

  it('rejects a missing client', () => {
    expect(() => new BatchEmbedder({ model: 'm' } as never)).toThrow(/'client': expected an OpenAI client/);
    expect(() => new NaiveEmbedder({ model: 'm' } as never)).toThrow(OptionError);
  });
});
