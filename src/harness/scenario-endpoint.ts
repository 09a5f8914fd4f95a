/**
 * Which endpoint a scenario's runs talk to, and its life cycle: the one place the runner learns of endpoint kinds.
 *
 * - 'server' (the CLI's default): one memopt server per scenario in a child process (isolate 'process'), so the
 *   mocked API's CPU and memory are not the measured client's. It starts at the scenario's first open() and is
 *   reset before each run (a fresh state, as a new in-process mock: ledger, rate-limit buckets, seeded draws).
 * - 'in-process': the emulated API in this process (msw), a new one per run (unit tests; the cost of the mock counts as the client's).
 *
 * A scenario's `endpoint.model` (e.g. 'use-lite') makes its server answer with that real model, and the endpoint's
 * reference vectors are then that model's (asked of the server). The in-process mock has no real model: such a
 * scenario refuses the 'in-process' kind (exit 2) before anything runs.
 *
 * The caller of openScenarioEndpoints closes it when the scenario ends, also on errors and signals.
 */
import { InputError } from '../errors.ts';
import type { EmulatedApiConfigInput } from '../endpoint/emulated-api/types.ts';
import { startInProcessEndpoint } from '../endpoint/in-process-endpoint.ts';
import { startEmbeddingsServer, type ServerEndpoint } from '../endpoint/server/index.ts';
import type { EmbeddingsEndpoint } from '../endpoint/types.ts';
import { createUrlEndpoint, type UrlEndpointOptions } from '../endpoint/url-endpoint.ts';

export type EndpointKind = 'server' | 'in-process';
export const ENDPOINT_KINDS: readonly EndpointKind[] = ['server', 'in-process'];

/** An endpoint kind as given (CLI, MEMOPT_ENDPOINT_KIND): 'mock' is the in-process kind's old name, still read. */
export function endpointKindOf(given: string): EndpointKind | undefined {
  if (given === 'mock') return 'in-process';
  return (ENDPOINT_KINDS as readonly string[]).includes(given) ? (given as EndpointKind) : undefined;
}

/** What the runs talk to: a kind memopt starts, or a user's OpenAI-compatible base URL (`run --endpoint`). */
export type EndpointChoice = { kind: EndpointKind } | { kind: 'url'; options: UrlEndpointOptions };

export interface ScenarioEndpoints {
  /** A fresh endpoint for one run (or prepare); release() it when the run ends. */
  open(): Promise<{ endpoint: EmbeddingsEndpoint; release(): Promise<void> }>;
  /** What the report records about the endpoint kind (no secrets). */
  describe(): { kind: EmbeddingsEndpoint['kind']; isolate?: string; baseURL?: string; model?: string };
  /** Stops whatever is still running (idempotent). */
  close(): Promise<void>;
}

/** A scenario's mock options, which may name a real model for its server (`model`). */
export type ScenarioMockInput = EmulatedApiConfigInput & { model?: string };

/** The in-process mock, a new one per run. */
export function mockEndpoints(mockInput: ScenarioMockInput): ScenarioEndpoints {
  if (mockInput.model !== undefined) {
    throw new InputError(
      { field: 'endpoint.model' },
      `the in-process mock cannot answer with the real model '${mockInput.model}': run this scenario with --endpoint-kind server (the default)`,
    );
  }
  return {
    async open() {
      const endpoint = startInProcessEndpoint(mockInput);
      return { endpoint, release: () => endpoint.close() };
    },
    describe: () => ({ kind: 'in-process' }),
    close: async () => {},
  };
}

/**
 * One memopt server in a child process for the whole scenario, reset before each run. The server's config takes
 * the mock's options except `baseURL` (it answers on its own address) and `now` (a clock cannot cross processes).
 */
export function serverEndpoints(mockInput: ScenarioMockInput): ScenarioEndpoints {
  const { baseURL: _baseURL, now: _now, ...serverInput } = mockInput as EmulatedApiConfigInput & { baseURL?: unknown; now?: unknown };
  let starting: Promise<ServerEndpoint> | null = null;
  let closed = false;
  return {
    async open() {
      if (closed) throw new Error('scenario endpoints already closed');
      starting ??= startEmbeddingsServer(serverInput as never, { isolate: 'process' });
      const server = await starting;
      await server.reset();
      // The server outlives each run: a driver's run ends with release(), which leaves it running for the next.
      return { endpoint: server, release: async () => {} };
    },
    describe: () => ({ kind: 'server', isolate: 'process', ...(mockInput.model ? { model: mockInput.model } : {}) }),
    async close() {
      closed = true;
      const pending = starting;
      starting = null;
      if (pending) await pending.then((server) => server.close(), () => undefined);
    },
  };
}

/**
 * A user's endpoint for the whole scenario, its client-side ledger zeroed before each run (and before prepare).
 * It has no reference model (`reference` null): drivers ask it for the vectors they need outside the measured
 * section in prepare, and check correctness across sides (src/measure/vector-checks.ts).
 */
export function urlEndpoints(options: UrlEndpointOptions): ScenarioEndpoints {
  const endpoint = createUrlEndpoint(options);
  return {
    async open() {
      await endpoint.resetLedger();
      return { endpoint, release: async () => {} };
    },
    describe: () => ({ ...endpoint.describe() }),
    close: () => endpoint.close(),
  };
}

/** The endpoints of one scenario for the chosen kind. */
export function openScenarioEndpoints(choice: EndpointChoice, mockInput: ScenarioMockInput): ScenarioEndpoints {
  if (choice.kind === 'url') return urlEndpoints(choice.options);
  return choice.kind === 'server' ? serverEndpoints(mockInput) : mockEndpoints(mockInput);
}
