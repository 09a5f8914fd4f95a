import { RequestPolicy, type RequestCounters, type RequestPolicySettings, type SendAttempt } from '../../src/parts/embeddings/request-policy.ts';
import { ManualClock } from './manual-clock.ts';

/** One call of the policy's `send`: what it was asked, and the signal of that attempt. */
export interface SentAttempt {
  inputs: readonly string[];
  attempt: number;
  signal: AbortSignal;
  at: number;
}

/** What one attempt does: answer with vectors, fail with an error, or never answer. */
export type AttemptReply = 'ok' | 'hang' | Error | ((inputs: readonly string[]) => unknown);

/** An SDK-like error: a status and response headers, as statusOf / headerOf / isRetryable read them. */
export function apiError(status: number, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${status} from the API`), { status, headers }, extra);
}

/** A well-formed embeddings response for `inputs` (2-wide vectors). */
export function okResponse(inputs: readonly string[]): unknown {
  return { data: inputs.map((text, index) => ({ index, embedding: [text.length, index] })) };
}

/**
 * A RequestPolicy with no queue in front of it, on a manual clock (timeout timers, retry sleeps and `now`), whose
 * `send` answers attempt k of a request with `replies(inputs, k)` after `latencyMs` of clock time.
 */
export function setupPolicy(
  replies: (inputs: readonly string[], attempt: number) => AttemptReply,
  settings: Partial<RequestPolicySettings> = {},
  latencyMs = 1,
) {
  const clock = new ManualClock();
  const sent: SentAttempt[] = [];
  const counters: RequestCounters = { requestsSent: 0, retries: 0, failedRequests: 0, inputsSent: 0, rateLimitedResponses: 0, timedOutAttempts: 0 };
  const send: SendAttempt = async (inputs, signal, attempt) => {
    sent.push({ inputs, attempt, signal, at: clock.now });
    const reply = replies(inputs, attempt);
    if (reply === 'hang') return new Promise(() => {});
    await clock.wait(latencyMs);
    if (reply === 'ok') return okResponse(inputs);
    if (reply instanceof Error) throw reply;
    return reply(inputs);
  };
  const policy = new RequestPolicy({
    maxRetries: 3,
    requestTimeoutMs: 1000,
    maxRetryAfterMs: 10_000,
    initialBackoffMs: 100,
    maxBackoffMs: 1000,
    ...settings,
    send,
    dimensions: undefined,
    random: () => 0, // no jitter: delays are exact
    timers: clock,
    sleep: clock.sleep,
    now: () => clock.now,
    counters,
  });
  return { clock, policy, sent, counters };
}
