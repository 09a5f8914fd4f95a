/**
 * The in-process mock as an embeddings endpoint (kind 'mock'): startEmulatedApi behind the EmbeddingsEndpoint
 * interface. Its limits come from the mock's rate-limit config, its reference vectors from the mock's own model
 * (`embeddingFor`, the function it answers requests with), and it also exposes its latency model (`latency`), which
 * only a modelled endpoint knows (parallel-api's latency ceiling reads it when present).
 */
import { embeddingFor, startEmulatedApi } from './emulated-api/index.ts';
import type { LatencyConfig, EmulatedApiConfig, EmulatedApiConfigInput } from './emulated-api/types.ts';
import type { EmbeddingsEndpoint, ReferenceVectors } from './types.ts';

export interface InProcessEndpoint extends EmbeddingsEndpoint {
  readonly kind: 'in-process';
  /** The mock's modelled latency (before `timeScale`); only modelled endpoints have one. */
  readonly latency: LatencyConfig;
  /** The resolved mock configuration (defaults filled in). */
  readonly config: EmulatedApiConfig;
}

/** The mock's model, as reference vectors: exactly what the mock answers for (text, model, dimensions). */
export const mockReferenceVectors: ReferenceVectors = {
  vectorFor: (text, model, dimensions) => embeddingFor(text, model, dimensions),
};

/**
 * Starts the in-process mock (only one may be open per process) and wraps it as an endpoint. The ledger is read
 * synchronously underneath; the interface is async because other kinds read theirs over HTTP.
 */
export function startInProcessEndpoint(config?: EmulatedApiConfigInput): InProcessEndpoint {
  const mock = startEmulatedApi(config);
  const rateLimit = mock.config.rateLimit;
  return {
    kind: 'in-process',
    baseURL: mock.baseURL,
    config: mock.config,
    latency: mock.config.latency,
    createClient: (options) => mock.createClient(options),
    ledger: async () => mock.ledger.snapshot(),
    resetLedger: async () => mock.ledger.reset(),
    limits: {
      // Limiting off: known to be unlimited (Infinity), not unknown (null).
      requestsPerMinute: rateLimit === false ? Number.POSITIVE_INFINITY : rateLimit.requestsPerMinute,
      tokensPerMinute: rateLimit === false ? Number.POSITIVE_INFINITY : rateLimit.tokensPerMinute,
    },
    timeScale: mock.config.timeScale,
    reference: mockReferenceVectors,
    close: async () => mock.close(),
  };
}

/** Whether an endpoint models its latency (the mock does), and that model. */
export function modelledLatency(endpoint: EmbeddingsEndpoint): LatencyConfig | undefined {
  return (endpoint as Partial<InProcessEndpoint>).latency;
}
