/**
 * The one request handler of the mocked API, shared by the in-process msw mock (handlers.ts) and the HTTP server
 * (../server/): a standard Request in, a standard Response out, never a throw.
 *
 * With a real model (`options.model`, `memopt serve --model use-lite`) the same contract, behaviours and ledger
 * apply, but the model table is that one model, `usage` is counted by the model's own tokenizer, and the vectors are
 * the model's. Rate limits, modelled latency and faults are the mock's, as configured; the modelled latency is
 * waited on top of the time the model itself takes (none for a text answered from its cache or shipped vectors).
 *
 * POST {base}/embeddings: count it (and whether it is a retry) -> read the body (413 over MAX_REQUEST_BODY_BYTES,
 * before it is read in full) -> parse JSON (400 if malformed) -> validate
 * (400/404) -> behaviours (429, 5xx, latency) -> happy path (200) -> record the outcome in the ledger.
 * GET {base}/models: the model table, as the real endpoint lists models.
 */
import { endianness } from 'node:os';
import { apiErrors, errorResponse, type ApiErrorReply } from './api-errors.ts';
import { compose, defaultBehaviours, type Behaviour, type CallResolver, type EmbeddingCall } from './behaviours.ts';
import { embedText } from '../models/mock-model.ts';
import { MAX_REQUEST_BODY_BYTES, MODELS, type ModelInfo, type ModelTable } from './models.ts';
import type { MockState } from './state.ts';
import { validateEmbeddingRequest, withTokenCounts, type EmbeddingRequest, type ValidationResult } from './validation.ts';

const BIG_ENDIAN = endianness() === 'BE';

/** Little-endian float32 bytes, base64: what the API returns for encoding_format "base64". */
export function float32ToBase64(vector: Float32Array): string {
  const bytes = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
  if (!BIG_ENDIAN) return bytes.toString('base64');
  return Buffer.from(bytes).swap32().toString('base64');
}

/**
 * A real embedding model as the handler needs it (src/endpoint/models/' TextEmbeddingModel satisfies it): one
 * name, one width, its own token counts, its vectors.
 */
export interface RealModelBackend {
  readonly name: string;
  readonly dimensions: number;
  countTokens(texts: readonly string[]): Promise<number[]>;
  /** `tokensRead`: per input, the tokens the model read (fewer than counted for an input past its limit). */
  embed(texts: readonly string[]): Promise<{ vectors: Float32Array[]; tokens?: number[]; tokensRead?: number[] }>;
}

/** The model table of a server answering with `model` only. Input limits as OpenAI's, in the model's tokens. */
export function realModelTable(model: RealModelBackend): ModelTable {
  const info: ModelInfo = { dimensions: model.dimensions, supportsDimensions: false, maxInputTokens: 8192, real: true };
  return { [model.name]: info };
}

/** The vectors of `texts` as the endpoint answers them: the real model's, or the mock's at `width`. */
export async function endpointVectors(model: RealModelBackend | undefined, modelName: string, texts: readonly string[], width: number): Promise<Float32Array[]> {
  return (await endpointAnswer(model, modelName, texts, width)).vectors;
}

/**
 * The vectors, and what the model read: `truncated` inputs were read only up to the model's limit, `tokensRead` is
 * the sum read (null when the model reads every token: the mock's, or a model that does not say).
 */
async function endpointAnswer(model: RealModelBackend | undefined, modelName: string, texts: readonly string[], width: number) {
  if (!model) return { vectors: texts.map((text) => embedText(modelName, text, width)), tokensRead: null, truncated: 0 };
  const answer = await model.embed(texts);
  if (!answer.tokensRead || !answer.tokens) return { vectors: answer.vectors, tokensRead: null, truncated: 0 };
  const truncated = answer.tokensRead.filter((read, i) => read < answer.tokens![i]).length;
  return { vectors: answer.vectors, tokensRead: answer.tokensRead.reduce((a, b) => a + b, 0), truncated };
}

/**
 * The 200 answer: `{ object: 'list', data: [{ object: 'embedding', index, embedding }], model, usage }`.
 *
 * Billing: `usage.prompt_tokens` is every token of every input accepted, as a real provider bills them, also past
 * what the model reads. A real model that reads less (USE-lite: 128 tokens) adds `usage.tokens_read` (the tokens its
 * vectors depend on) and `usage.inputs_truncated` (inputs read only in part); `onTruncated` is told the latter.
 */
export function createHappyPath(model?: RealModelBackend, onTruncated: (inputs: number) => void = () => undefined): CallResolver {
  return async (call: EmbeddingCall) => {
    const { model: name, texts, width, encodingFormat, totalTokens } = call.body;
    let vectors: Float32Array[];
    let read: { tokensRead: number | null; truncated: number };
    try {
      const answer = await endpointAnswer(model, name, texts, width);
      vectors = answer.vectors;
      read = answer;
    } catch (error) {
      // The model failed (it could not load, or a pass threw): a 500 naming why, never a hung or dropped request.
      return errorResponse(apiErrors.serverError(`memopt: the model ${name} failed: ${(error as Error).message}`), { 'x-request-id': call.requestId });
    }
    const data = vectors.map((vector, index) => ({
      object: 'embedding' as const,
      index,
      embedding: encodingFormat === 'base64' ? float32ToBase64(vector) : Array.from(vector),
    }));
    if (read.truncated > 0) onTruncated(read.truncated);
    const usage = {
      prompt_tokens: totalTokens,
      total_tokens: totalTokens,
      ...(read.tokensRead === null ? {} : { tokens_read: read.tokensRead, inputs_truncated: read.truncated }),
    };
    return Response.json(
      { object: 'list', data, model: name, usage },
      { headers: { 'openai-model': name, 'openai-version': '2020-10-01', 'x-request-id': call.requestId } },
    );
  };
}

/** The mock's 200 answer (its generative model). */
export const embeddingsHappyPath: CallResolver = createHappyPath();

export interface EmbeddingHandlerOptions {
  /** Behaviours around the happy path, outermost first; default rate limit -> latency -> faults. */
  behaviours?: Behaviour[];
  /** A real model answering instead of the mock's (its name is then the only model served). */
  model?: RealModelBackend;
  /** Aborts when the server closes: a request still being checked stops at its next yield. */
  signal?: AbortSignal;
}

/** Answers one POST /embeddings request against `state` (see the module comment for the steps). */
export function createEmbeddingsResponder(state: MockState, options: EmbeddingHandlerOptions = {}): (request: Request) => Promise<Response> {
  const { ledger, limiter } = state;
  const pipeline = compose(options.behaviours ?? defaultBehaviours(state), createHappyPath(options.model, (inputs) => ledger.truncated(inputs)));
  const table = options.model ? realModelTable(options.model) : MODELS;
  return async (request) => {
    const retryCount = Number(request.headers.get('x-stainless-retry-count') ?? '0');
    ledger.received(Number.isFinite(retryCount) ? retryCount : 0);
    const requestId = state.nextRequestId();

    let response: Response;
    const body = await readBodyWithin(request, MAX_REQUEST_BODY_BYTES);
    let parsed: unknown;
    if (typeof body === 'string') {
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
    }
    let validation = typeof body !== 'string' ? { ok: false as const, reply: body } : parsed === undefined ? undefined : await validateEmbeddingRequest(parsed, table, { signal: options.signal });
    if (validation?.ok && options.model) validation = await recountTokens(options.model, validation.request, table[validation.request.model]);
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

/**
 * The request body as text, or the 413 reply when it is over `limit` bytes: refused by its content-length before
 * reading, or as soon as the bytes read pass the limit (the rest is not read).
 */
async function readBodyWithin(request: Request, limit: number): Promise<string | ApiErrorReply> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) return apiErrors.bodyTooLarge(limit, declared);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > limit) {
      void reader.cancel().catch(() => {});
      return apiErrors.bodyTooLarge(limit, undefined);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks)); // as request.text(): invalid bytes replaced, a BOM dropped
}

/** `usage` as the real model counts it (its own tokenizer), limits re-checked in those tokens. */
async function recountTokens(model: RealModelBackend, request: EmbeddingRequest, info: ModelInfo): Promise<ValidationResult> {
  let counts: number[];
  try {
    counts = await model.countTokens(request.texts);
  } catch (error) {
    return { ok: false, reply: apiErrors.serverError(`memopt: the model ${model.name} could not count tokens: ${(error as Error).message}`) };
  }
  return withTokenCounts(request, counts, info);
}

/** GET /models: `{ object: 'list', data: [{ id, object: 'model', created, owned_by }] }`. */
export function modelsResponse(table: ModelTable = MODELS): Response {
  const data = Object.keys(table).map((id) => ({ id, object: 'model', created: 0, owned_by: table[id].real ? 'memopt' : 'system' }));
  return Response.json({ object: 'list', data });
}
