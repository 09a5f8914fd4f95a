/** Endpoints for driver tests: a prepare context with the mock's reference vectors and no traffic at all. */
import { mockReferenceVectors } from '../../src/endpoint/in-process-endpoint.ts';
import type { EmbeddingsEndpoint } from '../../src/endpoint/types.ts';
import type { PrepareContext } from '../../src/harness/types.ts';

/** An endpoint that only gives reference vectors (the mock's model); any request through it is a test bug. */
export const referenceOnlyEndpoint: EmbeddingsEndpoint = {
  kind: 'in-process',
  baseURL: 'https://reference-only.memopt.invalid/v1',
  createClient() {
    throw new Error('referenceOnlyEndpoint: prepare() must not send requests');
  },
  ledger: async () => {
    throw new Error('referenceOnlyEndpoint has no ledger');
  },
  resetLedger: async () => {},
  limits: { requestsPerMinute: null, tokensPerMinute: null },
  timeScale: 0,
  reference: mockReferenceVectors,
  close: async () => {},
};

export function prepareContext(seed: number): PrepareContext {
  return { seed, quick: true, file: 'test', endpoint: referenceOnlyEndpoint };
}
