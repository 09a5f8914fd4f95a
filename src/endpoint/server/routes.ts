/**
 * What memopt's embeddings server answers, as one function from a standard Request to a Response:
 *
 *   POST /v1/embeddings        the mocked API's shared request handler (../mock/request-handler.ts)
 *   GET  /v1/models            the model table
 *   GET  /memopt/ledger        the exact ledger (LedgerSnapshot JSON)
 *   POST /memopt/ledger/reset  zero the ledger (204)
 *   POST /memopt/reset         a fresh state, as a new mock would have: ledger, rate-limit buckets, seeded draws and
 *                              request ids (204); the harness calls it before each run
 *   GET  /memopt/status        { connections } (TCP connections accepted so far: shows keep-alive reuse)
 *
 * Anything else: 404 with the real API's "Invalid URL" body.
 */
import { apiErrors, errorResponse } from '../mock/api-errors.ts';
import { createEmbeddingsResponder, modelsResponse } from '../mock/request-handler.ts';
import { createMockState, type MockState } from '../mock/state.ts';
import type { MockApiConfig } from '../mock/types.ts';

export interface ServerRoutes {
  handle(request: Request): Promise<Response>;
  /** The current state (tests and the in-thread server read it). */
  readonly state: MockState;
}

export function createServerRoutes(config: MockApiConfig, status: () => Record<string, number>): ServerRoutes {
  let state = createMockState(config);
  let respond = createEmbeddingsResponder(state);
  const routes: ServerRoutes = {
    get state() {
      return state;
    },
    async handle(request) {
      const { pathname } = new URL(request.url);
      const route = `${request.method} ${pathname.replace(/\/+$/, '')}`;
      switch (route) {
        case 'POST /v1/embeddings':
          return respond(request);
        case 'GET /v1/models':
          return modelsResponse();
        case 'GET /memopt/ledger':
          return Response.json(state.ledger.snapshot());
        case 'POST /memopt/ledger/reset':
          state.ledger.reset();
          return new Response(null, { status: 204 });
        case 'POST /memopt/reset':
          state = createMockState(config);
          respond = createEmbeddingsResponder(state);
          return new Response(null, { status: 204 });
        case 'GET /memopt/status':
          return Response.json(status());
        default:
          return errorResponse(apiErrors.invalidUrl(request.method, pathname));
      }
    },
  };
  return routes;
}
