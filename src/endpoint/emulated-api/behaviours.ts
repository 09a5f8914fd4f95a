/**
 * Behaviours layered on the happy path as composable wrappers: each takes the resolver it wraps and returns one
 * that adds a single concern (rate limiting, latency, faults). Every wrapper answers with a Response, never throws.
 *
 * The default stack, outermost first, is rate limit -> latency -> faults -> happy path:
 * - the rate limit is checked before any fault is drawn, and its headers land on every response it passes on;
 * - latency is applied to whatever comes back from below (a 200 or an injected 5xx), stretched for slow faults;
 * - a 429 is answered at once, without latency.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { apiErrors, errorResponse } from './api-errors.ts';
import { retryKey } from './rate-limit-clock.ts';
import { formatDuration } from './rate-limiter.ts';
import type { MockState } from './state.ts';
import type { RateLimitConfig } from './types.ts';
import type { EmbeddingRequest } from './validation.ts';

/** One validated request on its way through the behaviours. */
export interface EmbeddingCall {
  readonly request: Request;
  readonly body: EmbeddingRequest;
  readonly requestId: string;
  /** Latency multiplier; a slow fault raises it. */
  slowdown: number;
}

export type CallResolver = (call: EmbeddingCall) => Promise<Response>;
export type Behaviour = (next: CallResolver) => CallResolver;

/** Wraps `inner` in `behaviours`, the first one outermost. */
export function compose(behaviours: readonly Behaviour[], inner: CallResolver): CallResolver {
  return behaviours.reduceRight<CallResolver>((next, behaviour) => behaviour(next), inner);
}

function setHeaders(response: Response, headers: Record<string, string>): Response {
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

/**
 * Requests and tokens per minute (see rate-limiter.ts); x-ratelimit-* headers on every response. On the default
 * virtual clock (rate-limit-clock.ts), a retry of a request answered 429 moves the clock to when it was due.
 */
export function withRateLimit(state: MockState): Behaviour {
  return (next) => async (call) => {
    const limiter = state.limiter;
    if (!limiter) return next(call);
    const clock = state.retryClock;
    const key = clock ? retryKey(call.body.model, call.body.dimensions, call.body.texts) : '';
    if (clock && Number(call.request.headers.get('x-stainless-retry-count') ?? '0') > 0) clock.retried(key);
    const decision = limiter.admit(call.body.totalTokens);
    if (decision.admitted) return setHeaders(await next(call), decision.headers);
    const headers: Record<string, string> = { ...decision.headers, 'x-request-id': call.requestId };
    if (decision.retryAfterMs === undefined) {
      return errorResponse(apiErrors.requestTooLarge({ model: call.body.model, limit: decision.limit, requested: decision.requested }), headers);
    }
    const waitMs = Math.max(1, Math.ceil(decision.retryAfterMs));
    clock?.rejected(key, waitMs);
    const retryHeaders = (state.config.rateLimit as RateLimitConfig).retryHeaders ?? ['retry-after', 'retry-after-ms'];
    if (retryHeaders.includes('retry-after')) headers['retry-after'] = String(Math.ceil(waitMs / 1000));
    if (retryHeaders.includes('retry-after-ms')) headers['retry-after-ms'] = String(waitMs);
    return errorResponse(
      apiErrors.rateLimited({
        model: call.body.model,
        kind: decision.kind,
        limit: decision.limit,
        used: decision.used,
        requested: decision.requested,
        retryIn: formatDuration(waitMs),
      }),
      headers,
    );
  };
}

/**
 * Modelled response time, applied after the response below is ready:
 * `(baseMs + perTokenMs x tokens) x (1 + jitter x u) x slowdown`, u seeded uniform in [-1, 1), reported in
 * `openai-processing-ms` and waited out x timeScale.
 * The jitter draw happens even at timeScale 0, so changing the scale never shifts other draws.
 */
export function withLatency(state: MockState): Behaviour {
  return (next) => async (call) => {
    const response = await next(call);
    const { latency, timeScale } = state.config;
    const u = 2 * state.latencyRng.next() - 1;
    const modelledMs = (latency.baseMs + latency.perTokenMs * call.body.totalTokens) * (1 + latency.jitter * u) * call.slowdown;
    // The header reports the modelled time (what the real service would take); the wait is scaled.
    response.headers.set('openai-processing-ms', String(Math.round(modelledMs)));
    const waitMs = modelledMs * timeScale;
    if (waitMs > 0) await delay(waitMs);
    return response;
  };
}

/**
 * Seeded faults: a fraction of requests answered 500 or 503 with the real bodies, and a fraction slowed by
 * slowFactor. Three draws per request whatever the rates, so one rate's setting never shifts another's draws and
 * the same seed gives the same faults for the same sequence of requests.
 */
export function withFaults(state: MockState): Behaviour {
  return (next) => async (call) => {
    const { serverErrorRate, slowRate, slowFactor } = state.config.faults;
    const failDraw = state.faultRng.next();
    const kindDraw = state.faultRng.next();
    const slowDraw = state.faultRng.next();
    if (slowDraw < slowRate) {
      call.slowdown *= slowFactor;
      state.ledger.slowed();
    }
    if (failDraw < serverErrorRate) {
      return errorResponse(kindDraw < 0.5 ? apiErrors.serverError() : apiErrors.overloaded(), { 'x-request-id': call.requestId });
    }
    return next(call);
  };
}

/** The default behaviours, outermost first. */
export function defaultBehaviours(state: MockState): Behaviour[] {
  return [withRateLimit(state), withLatency(state), withFaults(state)];
}
