/**
 * The msw handlers of the in-process mock: routing only. Every answer comes from the shared request handler
 * (request-handler.ts), which the HTTP server (../server/) serves too.
 */
import { http, type HttpHandler } from 'msw';
import { createEmbeddingsResponder, type EmbeddingHandlerOptions } from './request-handler.ts';
import type { MockState } from './state.ts';

export { embeddingsHappyPath, float32ToBase64, type EmbeddingHandlerOptions } from './request-handler.ts';

/** The msw handlers of the mocked API (POST {baseURL}/embeddings); compose them into any setupServer. */
export function createEmbeddingHandlers(state: MockState, options: EmbeddingHandlerOptions = {}): HttpHandler[] {
  const respond = createEmbeddingsResponder(state, options);
  return [http.post(`${state.config.baseURL}/embeddings`, ({ request }) => respond(request))];
}
