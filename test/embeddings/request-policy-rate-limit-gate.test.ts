import { describe, expect, it } from 'vitest';
import { ABANDONED, type RequestFailure } from '../../src/parts/embeddings/request-policy.ts';
import { apiError, setupPolicy, type AttemptReply } from '../support/request-policy-setup.ts';

// The rate-limit gate of the request policy alone (no queue): the API answers 429 until t=100, then 200.
function limitedUntil100(clockNow: () => number): (inputs: readonly string[]) => AttemptReply {
  return () => (clockNow() < 100 ? apiError(429, { 'retry-after-ms': String(100 - clockNow()) }) : 'ok');
}

function tracked() {
  let now = () => 0;
  const setup = setupPolicy((inputs) => limitedUntil100(now)(inputs), { maxRetries: 3 });
  now = () => setup.clock.now;
  return setup;
}

describe('RequestPolicy rate-limit gate (without a queue)', () => {
  it('after a 429, sends one request at a time, lowest priority first, then opens again', async () => {
    const { clock, policy, sent, counters } = tracked();
    const signal = new AbortController().signal;
    const x = policy.request(['x'], { priority: 5, signal });
    const y = policy.request(['y'], { priority: 1, signal });
    const z = policy.request(['z'], { priority: 3, signal });
    await clock.run(Promise.all([x, y, z]));
    expect(counters.rateLimitedResponses).toBe(3);
    expect(counters.failedRequests).toBe(0);
    // All three met the 429 (answered at t=1, asking for 100 ms); x met it first and holds the turn; then y and z
    // by priority, each as the one before it ends (1 ms latency).
    const retries = sent.filter((s) => s.attempt > 0);
    expect(retries.map((s) => [s.inputs[0], s.at])).toEqual([
      ['x', 101],
      ['y', 102],
      ['z', 103],
    ]);
    expect(policy.rateLimited).toBe(false);
    // The gate is open: two new requests go out together.
    const before = sent.length;
    const both = Promise.all([policy.request(['p'], { priority: 0, signal }), policy.request(['q'], { priority: 0, signal })]);
    await clock.settle();
    expect(sent.slice(before).map((s) => s.at)).toEqual([clock.now, clock.now]);
    await clock.run(both);
  });

  it('a request abandoned while it waits for the turn leaves the gate at once and is never sent again', async () => {
    const { clock, policy, sent } = tracked();
    const signal = new AbortController().signal;
    const y = new AbortController();
    const x = policy.request(['x'], { priority: 0, signal });
    const yOutcome = policy.request(['y'], { priority: 1, signal: y.signal });
    const z = policy.request(['z'], { priority: 2, signal });
    await clock.advance(101); // all three slept out the 429; x holds the turn and resent, y and z wait for it
    expect(clock.sleeps).toHaveLength(3);
    expect(sent.filter((s) => s.attempt > 0).map((s) => s.inputs[0])).toEqual(['x']);
    y.abort();
    expect(await clock.run(yOutcome)).toBe(ABANDONED);
    await clock.run(Promise.all([x, z]));
    expect(sent.filter((s) => s.inputs[0] === 'y')).toHaveLength(1);
    expect(sent.filter((s) => s.attempt > 0).map((s) => s.inputs[0])).toEqual(['x', 'z']);
    expect(policy.rateLimited).toBe(false);
  });

  it('a request larger than the rate limit itself is not retried, asks for a split and leaves the gate open', async () => {
    const { clock, policy, sent, counters } = setupPolicy(() => apiError(429, { 'x-ratelimit-limit-tokens': '3' }));
    const outcome = (await clock.run(policy.request(['one two three', 'four five six'], { priority: 0, signal: new AbortController().signal }))) as RequestFailure;
    expect(outcome.split).toBe(true);
    expect(outcome.error.message).toMatch(/larger than the rate limit itself \(\d+ tokens, limit 3 tokens per minute\)/);
    expect(sent).toHaveLength(1);
    expect(counters.rateLimitedResponses).toBe(1);
    expect(policy.rateLimited).toBe(false);
  });
});
