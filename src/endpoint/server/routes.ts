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
 *   POST /memopt/vectors       { model, input: string[], dimensions? } -> { data: base64 float32[] }: the vectors
 *                              this server answers those texts with, outside the ledger, rate limit, latency and
 *                              faults (the harness's reference vectors of a server with a real model)
 *
 * With a real model (`model`), POST /v1/embeddings and GET /v1/models serve that model only; it outlives
 * /memopt/reset (it loads once per server, and its per-text cache is not part of the mocked API's state).
 *
 * A request body over MAX_REQUEST_BODY_BYTES is answered 413 without being read in full (README "Limits").
 * Anything else: 404 with the real API's "Invalid URL" body.
 */
import { apiErrors, errorResponse } from '../emulated-api/api-errors.ts';
import { MAX_REQUEST_BODY_BYTES, MODELS } from '../emulated-api/models.ts';
import { createEmbeddingsResponder, endpointVectors, float32ToBase64, modelsResponse, realModelTable, type RealModelBackend } from '../emulated-api/request-handler.ts';
import { createMockState, type MockState } from '../emulated-api/state.ts';
import type { EmulatedApiConfig } from '../emulated-api/types.ts';

export interface ServerRoutes {
  handle(request: Request): Promise<Response>;
  /** The current state (tests and the in-thread server read it). */
  readonly state: MockState;
}

export function createServerRoutes(config: EmulatedApiConfig, status: () => Record<string, number>, model?: RealModelBackend, closed?: AbortSignal): ServerRoutes {
  let state = createMockState(config);
  let respond = createEmbeddingsResponder(state, { model, signal: closed });
  const table = model ? realModelTable(model) : MODELS;
  const routes: ServerRoutes = {
    get state() {
      return state;
    },
    async handle(request) {
      const { pathname } = new URL(request.url);
      const route = `${request.method} ${pathname.replace(/\/+$/, '')}`;
      if (route === 'POST /v1/embeddings') return respond(request); // its own body cap, counted in the ledger
      const declared = Number(request.headers.get('content-length'));
      if (declared > MAX_REQUEST_BODY_BYTES) return errorResponse(apiErrors.bodyTooLarge(MAX_REQUEST_BODY_BYTES, declared));
      switch (route) {
        case 'GET /v1/models':
          return modelsResponse(table);
        case 'GET /memopt/ledger':
          return Response.json(state.ledger.snapshot());
        case 'POST /memopt/ledger/reset':
          state.ledger.reset();
          return new Response(null, { status: 204 });
        case 'POST /memopt/reset':
          state = createMockState(config);
          respond = createEmbeddingsResponder(state, { model, signal: closed });
          return new Response(null, { status: 204 });
        case 'GET /memopt/status':
          return Response.json(status());
        case 'POST /memopt/vectors':
          return vectorsResponse(request, table, model);
        default:
          return errorResponse(apiErrors.invalidUrl(request.method, pathname));
      }
    },
  };
  return routes;
}

/** POST /memopt/vectors (see the module comment); a bad body is a 400 naming the field. */
async function vectorsResponse(request: Request, table: typeof MODELS, model: RealModelBackend | undefined): Promise<Response> {
  const bad = (message: string) => Response.json({ error: { message, type: 'invalid_request_error' } }, { status: 400 });
  let body: { model?: unknown; input?: unknown; dimensions?: unknown };
  try {
    body = (await request.json()) as typeof body;
  } catch {
    return bad('expected a JSON body { model, input: string[], dimensions? }');
  }
  const name = body.model;
  if (typeof name !== 'string' || !Object.hasOwn(table, name)) return bad(`'model': expected one of ${Object.keys(table).join(', ')}`);
  if (!Array.isArray(body.input) || !body.input.every((t) => typeof t === 'string' && t.length > 0)) return bad("'input': expected an array of non-empty strings");
  const info = table[name];
  const dimensions = body.dimensions ?? undefined;
  if (dimensions !== undefined && (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > info.dimensions)) {
    return bad(`'dimensions': expected an integer from 1 to ${info.dimensions}`);
  }
  if (model && dimensions !== undefined && dimensions !== info.dimensions) return bad(`'dimensions': ${name} gives ${info.dimensions} only`);
  try {
    const vectors = await endpointVectors(model, name, body.input as string[], (dimensions as number | undefined) ?? info.dimensions);
    return Response.json({ data: vectors.map(float32ToBase64) });
  } catch (error) {
    return Response.json({ error: { message: `memopt: the model ${name} failed: ${(error as Error).message}`, type: 'server_error' } }, { status: 500 });
  }
}
