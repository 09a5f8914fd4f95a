import { describe, expect, it } from 'vitest';
import { EmbeddingRequestError } from '../../src/errors.ts';
import { BatchEmbedder } from '../../src/parts/embeddings/batch-embedder.ts';
import { createFakeClient, fakeVector, type FakeReply } from '../../src/parts/embeddings/instant-client.ts';
import { createRng, type Rng } from '../../src/util/rng.ts';
import { ManualClock } from '../support/manual-clock.ts';

/**
 * Seeded fault injection: random callers (embed and embedMany, duplicates across callers, bad inputs the API
 * rejects with a 400), random aborts, and a fake API that hangs (timeouts), answers 429 (short or over
 * maxRetryAfterMs) or 5xx at random. Every caller must settle exactly once, with its own vectors, its own bad
 * input's error, its own abort, or the error of a request that held one of its texts and failed.
 * All time is the ManualClock's: nothing sleeps.
 */

const SEEDS = 240;

type Fate = 'ok' | 'hang' | '429' | '429-long' | '500' | '503';

interface Caller {
  texts: string[];
  single: boolean;
  at: number;
  abortAt: number | undefined;
  reason: Error | undefined;
  abortFired: boolean;
  /** Whether its abort had fired when it settled (then it must have settled with that abort). */
  settledAfterAbort: boolean;
  settled: number;
  outcome: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
}

interface Tally {
  callers: number;
  vectors: number;
  ownInputErrors: number;
  ownAborts: number;
  requestErrors: number;
  lost: number;
  settledTwice: number;
  misrouted: number;
  goodRejected: number;
  /** Callers still pending when their abort fired that did not reject with it. */
  ignoredAborts: number;
  requests: number;
  violations: string[];
}

function drawFate(rng: Rng): Fate {
  const u = rng.next();
  if (u < 0.06) return 'hang';
  if (u < 0.14) return '429';
  if (u < 0.17) return '429-long';
  if (u < 0.23) return '500';
  if (u < 0.27) return '503';
  return 'ok';
}

async function runSeed(seed: number, tally: Tally): Promise<void> {
  const rng = createRng(seed);
  const clock = new ManualClock();
  const maxRetryAfterMs = 2000;
  const fates: Fate[] = [];
  const fake = createFakeClient({
    latency: (req) => {
      const fate = (fates[req.seq] = drawFate(rng));
      return fate === 'hang' ? new Promise<void>(() => {}) : clock.wait(rng.int(1, 40));
    },
    behavior: (req): FakeReply | undefined => {
      switch (fates[req.seq]) {
        case '429':
          return { kind: 'error', status: 429, headers: { 'retry-after-ms': String(rng.int(1, 200)) } };
        case '429-long':
          return { kind: 'error', status: 429, headers: { 'retry-after': String(maxRetryAfterMs / 1000 + 60) } };
        case '500':
          return { kind: 'error', status: 500 };
        case '503':
          return { kind: 'error', status: 503 };
      }
      const bad = req.input.find((t) => t.startsWith('bad'));
      return bad === undefined ? undefined : { kind: 'error', status: 400, message: `invalid input: <${bad}>` };
    },
  });
  const maxBatchSize = rng.int(1, 8);
  const embedder = new BatchEmbedder({
    client: fake.client,
    model: 'm',
    maxBatchSize,
    maxQueueSize: maxBatchSize * rng.int(1, 3),
    maxConcurrentRequests: rng.int(1, 4),
    maxWaitMs: rng.int(0, 5),
    maxRetries: rng.int(0, 3),
    requestTimeoutMs: rng.int(100, 500),
    maxRetryAfterMs,
    initialBackoffMs: 10,
    maxBackoffMs: 80,
    random: () => rng.next(),
    timers: clock,
    sleep: clock.sleep,
    now: () => clock.now,
  });

  const pool = Array.from({ length: rng.int(4, 24) }, (_, i) => (rng.next() < 0.12 ? `bad ${seed}.${i}` : `t ${seed}.${i}`));
  const callers: Caller[] = Array.from({ length: rng.int(5, 30) }, () => {
    const single = rng.next() < 0.6;
    const texts = Array.from({ length: single ? 1 : rng.int(1, 5) }, () => rng.pick(pool));
    const aborts = rng.next() < 0.2;
    return {
      texts,
      single,
      at: rng.int(0, 60),
      abortAt: aborts ? rng.int(0, 400) : undefined,
      reason: undefined,
      abortFired: false,
      settledAfterAbort: false,
      settled: 0,
      outcome: undefined,
    };
  });

  const started = callers.map(async (caller, i) => {
    await clock.wait(caller.at);
    let signal: AbortSignal | undefined;
    if (caller.abortAt !== undefined) {
      const controller = new AbortController();
      signal = controller.signal;
      caller.reason = new Error(`abort of caller ${i}`);
      clock.setTimeout(() => {
        caller.abortFired = true;
        controller.abort(caller.reason);
      }, caller.abortAt);
    }
    const call = caller.single
      ? embedder.embed(caller.texts[0], { signal })
      : embedder.embedMany(caller.texts, { signal });
    const record = (outcome: NonNullable<Caller['outcome']>) => {
      caller.settled++;
      if (caller.outcome === undefined) {
        caller.outcome = outcome;
        caller.settledAfterAbort = caller.abortFired;
      }
    };
    await call.then(
      (value) => record({ ok: true, value }),
      (error: unknown) => record({ ok: false, error }),
    );
  });
  await clock.run(Promise.all(started));
  await clock.run(embedder.close());

  // Texts that were in a request that did not succeed for a reason other than a bad input.
  const inFailedRequest = new Set<string>();
  fake.requests.forEach((req, k) => {
    if (fates[k] !== 'ok') for (const t of req.input) inFailedRequest.add(t);
  });

  tally.requests += fake.requests.length;
  callers.forEach((caller, i) => {
    tally.callers++;
    const where = `seed ${seed} caller ${i} (${JSON.stringify(caller.texts)})`;
    if (caller.settled === 0) {
      tally.lost++;
      tally.violations.push(`${where}: never settled`);
      return;
    }
    if (caller.settled > 1) {
      tally.settledTwice++;
      tally.violations.push(`${where}: settled ${caller.settled} times`);
    }
    const hasBad = caller.texts.some((t) => t.startsWith('bad'));
    const touchedFailure = caller.texts.some((t) => inFailedRequest.has(t));
    const outcome = caller.outcome!;
    if (caller.settledAfterAbort && (outcome.ok || outcome.error !== caller.reason)) {
      tally.ignoredAborts++;
      tally.violations.push(`${where}: its abort fired while it was pending, but it settled otherwise`);
      return;
    }
    if (outcome.ok) {
      const expected = caller.single ? fakeVector(caller.texts[0]) : caller.texts.map((t) => fakeVector(t));
      if (hasBad || JSON.stringify(outcome.value) !== JSON.stringify(expected)) {
        tally.misrouted++;
        tally.violations.push(`${where}: resolved with vectors that are not its own`);
      } else tally.vectors++;
      return;
    }
    const error = outcome.error;
    if (caller.reason !== undefined && error === caller.reason) {
      if (!caller.abortFired) tally.violations.push(`${where}: rejected with its abort reason before it aborted`);
      else tally.ownAborts++;
      return;
    }
    if (!(error instanceof EmbeddingRequestError)) {
      tally.misrouted++;
      tally.violations.push(`${where}: rejected with a foreign error: ${String((error as Error)?.message ?? error)}`);
      return;
    }
    if (error.status === 400) {
      const own = caller.texts.some((t) => t.startsWith('bad') && error.message.includes(`<${t}>`));
      if (own && /for 1 input\(s\)/.test(error.message)) tally.ownInputErrors++;
      else {
        if (hasBad) tally.misrouted++;
        else tally.goodRejected++;
        tally.violations.push(`${where}: rejected with a 400 that is not its own input's: ${error.message}`);
      }
      return;
    }
    if (touchedFailure) {
      tally.requestErrors++;
      return;
    }
    tally.goodRejected++;
    tally.violations.push(`${where}: rejected with ${error.message} though no request with its texts failed`);
  });

  const stats = embedder.stats();
  const aborted = callers.filter((c) => c.outcome && !c.outcome.ok && c.outcome.error === c.reason).length;
  if (stats.abortedCalls !== aborted) {
    tally.violations.push(`seed ${seed}: stats.abortedCalls ${stats.abortedCalls} != callers rejected by their abort ${aborted}`);
  }
  if (stats.requestsInFlight !== 0 || stats.queueLength !== 0 || stats.waitingProducers !== 0) {
    tally.violations.push(`seed ${seed}: left work behind after close(): ${JSON.stringify(stats)}`);
  }
}

describe('BatchEmbedder under seeded fault injection', () => {
  it(`settles every caller exactly once with its own outcome over ${SEEDS} seeds (bad inputs, aborts, timeouts, 429/5xx)`, async () => {
    const tally: Tally = {
      callers: 0,
      vectors: 0,
      ownInputErrors: 0,
      ownAborts: 0,
      requestErrors: 0,
      lost: 0,
      settledTwice: 0,
      misrouted: 0,
      goodRejected: 0,
      ignoredAborts: 0,
      requests: 0,
      violations: [],
    };
    for (let seed = 1; seed <= SEEDS; seed++) await runSeed(seed, tally);
    const { violations, ...figures } = tally;
    console.info(`fault injection over ${SEEDS} seeds: ${JSON.stringify(figures)}`);
    expect(violations.slice(0, 10)).toEqual([]);
    expect(figures).toMatchObject({ lost: 0, settledTwice: 0, misrouted: 0, goodRejected: 0, ignoredAborts: 0 });
    // The injection really exercised every kind of outcome.
    expect(figures.vectors).toBeGreaterThan(0);
    expect(figures.ownInputErrors).toBeGreaterThan(0);
    expect(figures.ownAborts).toBeGreaterThan(0);
    expect(figures.requestErrors).toBeGreaterThan(0);
    expect(figures.vectors + figures.ownInputErrors + figures.ownAborts + figures.requestErrors).toBe(figures.callers);
  });
});
