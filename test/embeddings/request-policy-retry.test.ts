import { describe, expect, it } from 'vitest';
import { EmbeddingRequestError } from '../../src/errors.ts';
import { ABANDONED, type RequestFailure } from '../../src/parts/embeddings/request-policy.ts';
import { apiError, okResponse, setupPolicy } from '../support/request-policy-setup.ts';

// The request policy alone: no queue, no batches, one request at a time, on a manual clock.
const ticket = () => ({ priority: 0, signal: new AbortController().signal });

describe('RequestPolicy retries, backoff and timeouts (without a queue)', () => {
  it('retries a 5xx with doubling backoff capped at maxBackoffMs, then succeeds, counting every attempt', async () => {
    const { clock, policy, sent, counters } = setupPolicy((_, attempt) => (attempt < 4 ? apiError(503) : 'ok'), {
      maxRetries: 4,
      initialBackoffMs: 100,
      maxBackoffMs: 300,
    });
    const outcome = await clock.run(policy.request(['a', 'b'], ticket()));
    expect(outcome).toEqual((okResponse(['a', 'b']) as { data: { embedding: number[] }[] }).data.map((d) => d.embedding));
    expect(clock.sleeps).toEqual([100, 200, 300, 300]);
    expect(sent.map((s) => s.attempt)).toEqual([0, 1, 2, 3, 4]);
    expect(counters).toEqual({ requestsSent: 5, retries: 4, failedRequests: 0, inputsSent: 2, rateLimitedResponses: 0, timedOutAttempts: 0 });
  });

  it('gives up after maxRetries with an error naming the status and the attempts', async () => {
    const { clock, policy, counters } = setupPolicy(() => apiError(500), { maxRetries: 2 });
    const outcome = (await clock.run(policy.request(['a'], ticket()))) as RequestFailure;
    expect(outcome.error).toBeInstanceOf(EmbeddingRequestError);
    expect(outcome.error.message).toMatch(/failed with status 500 after 3 attempt\(s\)/);
    expect(outcome.error.attempts).toBe(3);
    expect(outcome.split).toBe(false);
    expect(counters.failedRequests).toBe(1);
    expect(counters.requestsSent).toBe(3);
  });

  it('does not retry a 400; asks for a split only when the 400 may be about the inputs', async () => {
    const aboutInput = setupPolicy(() => apiError(400, {}, { param: 'input' }));
    const a = (await aboutInput.clock.run(aboutInput.policy.request(['a', 'b'], ticket()))) as RequestFailure;
    expect(a.split).toBe(true);
    expect(aboutInput.sent).toHaveLength(1);

    const aboutDimensions = setupPolicy(() => apiError(400, {}, { param: 'dimensions' }));
    const d = (await aboutDimensions.clock.run(aboutDimensions.policy.request(['a', 'b'], ticket()))) as RequestFailure;
    expect(d.split).toBe(false);
    expect(aboutDimensions.sent).toHaveLength(1);
  });

  it("waits exactly the server's retry-after-ms instead of the backoff", async () => {
    const { clock, policy } = setupPolicy((_, attempt) => (attempt === 0 ? apiError(503, { 'retry-after-ms': '750' }) : 'ok'));
    await clock.run(policy.request(['a'], ticket()));
    expect(clock.sleeps).toEqual([750]);
  });

  it('fails at once, without sleeping, when retry-after is over maxRetryAfterMs', async () => {
    const { clock, policy, sent, counters } = setupPolicy(() => apiError(429, { 'retry-after': '120' }), { maxRetryAfterMs: 60_000 });
    const outcome = (await clock.run(policy.request(['a'], ticket()))) as RequestFailure;
    expect(outcome.error.message).toMatch(/retry after 120000 ms, more than maxRetryAfterMs \(60000 ms\)/);
    expect(clock.sleeps).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(counters.failedRequests).toBe(1);
  });

  it('gives up an attempt after requestTimeoutMs, aborts its signal and retries it', async () => {
    const { clock, policy, sent, counters } = setupPolicy((_, attempt) => (attempt === 0 ? 'hang' : 'ok'), { requestTimeoutMs: 250 });
    const outcome = await clock.run(policy.request(['a'], ticket()));
    expect(Array.isArray(outcome)).toBe(true);
    expect(sent[0].signal.aborted).toBe(true);
    expect(sent[1].at).toBe(250 + 100); // the timeout, then the first backoff
    expect(counters.timedOutAttempts).toBe(1);
    expect(counters.retries).toBe(1);
  });

  it('refuses a malformed response without retrying it', async () => {
    const { clock, policy, sent, counters } = setupPolicy(() => () => ({ data: [{ index: 0, embedding: [1] }] }));
    const outcome = (await clock.run(policy.request(['a', 'b'], ticket()))) as RequestFailure;
    expect(outcome.error.message).toMatch(/malformed embeddings response for 2 input\(s\).*1 embeddings for 2 inputs/);
    expect(sent).toHaveLength(1);
    expect(counters.failedRequests).toBe(1);
    expect(counters.inputsSent).toBe(0);
  });

  it('is abandoned when its signal aborts during a retry wait: no further attempt', async () => {
    const { clock, policy, sent } = setupPolicy(() => apiError(503), { initialBackoffMs: 500 });
    const controller = new AbortController();
    const request = policy.request(['a'], { priority: 0, signal: controller.signal });
    await clock.advance(1 + 10); // the first attempt failed; the policy now sleeps 500 ms
    expect(clock.sleeps).toEqual([500]);
    controller.abort();
    expect(await clock.run(request)).toBe(ABANDONED);
    expect(sent).toHaveLength(1);
  });

  it('aborts the attempt in flight when its signal aborts', async () => {
    const { clock, policy, sent } = setupPolicy(() => 'hang');
    const controller = new AbortController();
    const request = policy.request(['a'], { priority: 0, signal: controller.signal });
    await clock.settle();
    controller.abort();
    expect(await clock.run(request)).toBe(ABANDONED);
    expect(sent[0].signal.aborted).toBe(true);
  });

  it('asks `wanted` before each retry and stops when nobody wants the answer', async () => {
    const { clock, policy, sent } = setupPolicy(() => apiError(503));
    let asked = 0;
    const outcome = await clock.run(policy.request(['a'], { priority: 0, signal: new AbortController().signal, wanted: () => ++asked < 2 }));
    expect(outcome).toBe(ABANDONED);
    expect(asked).toBe(2);
    expect(sent).toHaveLength(2);
  });
});
