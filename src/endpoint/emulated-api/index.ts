/**
 * The mocked OpenAI embeddings API: an msw server answering POST {baseURL}/embeddings like the real endpoint
 * (shapes, limits, errors, usage, rate limits), with deterministic vectors from a generative model, a ledger of
 * requests, tokens and cost, and seeded latency and faults. README.md describes the model and every difference
 * from the real service.
 */
import OpenAI, { type ClientOptions } from 'openai';
import { setupServer, type SetupServer } from 'msw/node';
import { ClosedError, RunError } from '../../errors.ts';
import { resolveMockConfig } from './config.ts';
import { warmTokenCounter } from '../../util/bounded-tokens.ts';
import { preallocateModel } from '../models/mock-model.ts';
import { createEmbeddingHandlers } from './handlers.ts';
import { DEFAULT_MODEL } from './models.ts';
import { createMockState } from './state.ts';
import type { EmulatedApi, EmulatedApiConfigInput } from './types.ts';

export type { FaultConfig, LatencyConfig, LedgerSnapshot, EmulatedApi, EmulatedApiConfig, EmulatedApiConfigInput, RateLimitConfig } from './types.ts';
export { DEFAULT_MOCK_CONFIG, resolveMockConfig } from './config.ts';
export { embeddingFor, embeddingCacheStats, MOCK_MODEL_VERSION, preallocateModel } from '../models/mock-model.ts';
export { countTokens } from './tokens.ts';
export {
  DEFAULT_MODEL,
  LIST_PRICES_USD_PER_MILLION_TOKENS,
  MAX_INPUTS_PER_REQUEST,
  MAX_TOKENS_PER_REQUEST,
  MODELS,
  type ModelInfo,
} from './models.ts';
export { createEmbeddingHandlers } from './handlers.ts';
export { createEmbeddingsResponder, embeddingsHappyPath, float32ToBase64, modelsResponse, type EmbeddingHandlerOptions } from './request-handler.ts';
export { compose, defaultBehaviours, withFaults, withLatency, withRateLimit, type Behaviour, type CallResolver, type EmbeddingCall } from './behaviours.ts';
export { createMockState, type MockState } from './state.ts';
export { formatDuration } from './rate-limiter.ts';
export type { ApiError } from './api-errors.ts';

/**
 * msw hands its listeners a clone of each mocked response (a tee of the body). Until that clone is read, cancelling
 * the client's copy never settles (mswjs/interceptors#712, #799), and the openai SDK cancels the body of every
 * response it is about to retry: without this, any SDK retry against msw hangs forever. Call it on any server that
 * serves createEmbeddingHandlers to an SDK client.
 */
export function readMockedResponseClones(server: Pick<SetupServer, 'events'>): void {
  server.events.on('response:mocked', ({ response }) => {
    response.arrayBuffer().catch(() => undefined);
  });
}

/** The dummy key every client of the mock sends. */
export const MOCK_API_KEY = 'sk-memopt-mock';

let active: EmulatedApi | undefined;

/**
 * Starts intercepting (msw setupServer, onUnhandledRequest: 'error'). Only one may be active per process: starting
 * a second while one is open throws; start -> close -> start again works (the harness gives each variant a fresh
 * mock, sequentially). The default model's vector caches are allocated here, once per process, so memory measured
 * during a run does not jump at the first embedding.
 */
export function startEmulatedApi(config?: EmulatedApiConfigInput): EmulatedApi {
  if (active) throw new RunError('a mocked API is already active in this process; close() it before starting another');
  const resolved = resolveMockConfig(config);
  preallocateModel(DEFAULT_MODEL);
  warmTokenCounter(); // built now, not inside the first request (it would shift that request's timing)
  const state = createMockState(resolved);
  const server = setupServer(...createEmbeddingHandlers(state));
  server.listen({ onUnhandledRequest: 'error' });
  readMockedResponseClones(server);
  let closed = false;
  const mock: EmulatedApi = {
    config: resolved,
    baseURL: resolved.baseURL,
    ledger: { snapshot: () => state.ledger.snapshot(), reset: () => state.ledger.reset() },
    createClient(options?: ClientOptions) {
      if (closed) throw new ClosedError('mocked API');
      return new OpenAI({ apiKey: MOCK_API_KEY, baseURL: resolved.baseURL, ...options });
    },
    close() {
      if (closed) return;
      closed = true;
      server.close();
      if (active === mock) active = undefined;
    },
  };
  active = mock;
  return mock;
}
