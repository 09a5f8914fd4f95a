/**
 * The one request handler of the mocked API, shared by the in-process msw mock (handlers.ts) and the HTTP server
 * (../server/): a standard Request in, a standard Response out, never a throw.
 *
 * POST {base}/embeddings: count it (and whether it is a retry) -> parse JSON (400 if malformed) -> validate
 * (400/404) -> behaviours (429, 5xx, latency) -> happy path (200) -> record the outcome in the ledger.
 * GET {base}/models: the model table, as the real endpoint lists models.
 */
import { endianness } from 'node:os';
import { apiErrors, errorResponse } from './api-errors.ts';
import { compose, defaultBehaviours, type Behaviour, type CallResolver, type EmbeddingCall } from './behaviours.ts';
import { embedText } from './embedding-model.ts';
import { MODELS } from './models.ts';
import type { MockState } from './state.ts';
import { validateEmbeddingRequest } from './validation.ts';

const BIG_ENDIAN = endianness() === 'BE';

/** Little-endian float32 bytes, base64: what the API returns for encoding_format "base64". */
export function float32ToBase64(vector: Float32Array): string {
  const bytes = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
  if (!BIG_ENDIAN) return bytes.toString('base64');
  return Buffer.from(bytes).swap32().toString('base64');
}

/** The 200 answer: `{ object: 'list', data: [{ object: 'embedding', index, embedding }], model, usage }`. */
export const embeddingsHappyPath: CallResolver = async (call: EmbeddingCall) => {
  const { model, texts, width, encodingFormat, totalTokens } = call.body;
  const data = texts.map((text, index) => {
    const vector = embedText(model, text, width);
    return { object: 'embedding' as const, index, embedding: encodingFormat === 'base64' ? float32ToBase64(vector) : Array.from(vector) };
  });
  return Response.json(
    { object: 'list', data, model, usage: { prompt_tokens: totalTokens, total_tokens: totalTokens } },
    { headers: { 'openai-model': model, 'openai-version': '2020-10-01', 'x-request-id': call.requestId } },
  );
};

export interface EmbeddingHandlerOptions {
  /** Behaviours around the happy path, outermost first; default rate limit -> latency -> faults. */
  behaviours?: Behaviour[];
}

/** Answers one POST /embeddings request against `state` (see the module comment for the steps). */
export function createEmbeddingsResponder(state: MockState, options: EmbeddingHandlerOptions = {}): (request: Request) => Promise<Response> {
  const pipeline = compose(options.behaviours ?? defaultBehaviours(state), embeddingsHappyPath);
  const { ledger, limiter } = state;
  return async (request) => {
    const retryCount = Number(request.headers.get('x-stainless-retry-count') ?? '0');
    ledger.received(Number.isFinite(retryCount) ? retryCount : 0);
    const requestId = state.nextRequestId();

    let parsed: unknown;
    let response: Response;
    try {
      parsed = JSON.parse(await request.text());
    } catch {
      parsed = undefined;
    }
    const validation = parsed === undefined ? undefined : validateEmbeddingRequest(parsed);
    if (!validation?.ok) {
      // Rejected before the rate limiter: the headers show its state, nothing is charged.
      const reply = validation ? validation.reply : apiErrors.malformedJson();
      response = errorResponse(reply, { ...limiter?.headers(), 'x-request-id': requestId });
    } else {
      response = await pipeline({ request, body: validation.request, requestId, slowdown: 1 });
      if (response.status === 200) ledger.succeeded(validation.request.model, validation.request.texts.length, validation.request.totalTokens);
    }
    if (response.status !== 200) ledger.failed(response.status);
    return response;
  };
}

/** GET /models: `{ object: 'list', data: [{ id, object: 'model', created, owned_by }] }`. */
export function modelsResponse(): Response {
  const data = Object.keys(MODELS).map((id) => ({ id, object: 'model', created: 0, owned_by: 'system' }));
  return Response.json({ object: 'list', data });
}
