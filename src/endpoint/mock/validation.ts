/**
 * Request checks: what the real endpoint accepts passes, what it rejects gets the real status and error body.
 *
 * Accepted `input` shapes (as in the API reference): a string; an array of strings; an array of token ids (one
 * input); an array of token-id arrays. Checks run in this order: body is a JSON object, `model` given, `input`
 * shape, `encoding_format`, model known (404), `dimensions`, each input's tokens <= 8192, all tokens <= 300,000.
 */
import { apiErrors, type ApiErrorReply } from './api-errors.ts';
import { MAX_INPUTS_PER_REQUEST, MAX_TOKENS_PER_REQUEST, MODELS, modelInfo, type ModelInfo, type ModelTable } from './models.ts';
import { countTokens, decodeTokens } from './tokens.ts';

export type EncodingFormat = 'float' | 'base64';

/** A request that passed every check, with its inputs as text and their token counts. */
export interface EmbeddingRequest {
  model: string;
  /** Each input as text (token inputs decoded with cl100k_base). */
  texts: string[];
  /** cl100k_base tokens of each input (for token inputs: the number of ids sent). */
  tokenCounts: number[];
  /** Sum of tokenCounts: usage.prompt_tokens. */
  totalTokens: number;
  /** Absent in the request means float. */
  encodingFormat: EncodingFormat;
  /** `dimensions` as requested, or undefined for the model's full width. */
  dimensions: number | undefined;
  /** Width of every returned vector. */
  width: number;
}

export type ValidationResult = { ok: true; request: EmbeddingRequest } | { ok: false; reply: ApiErrorReply };

const fail = (reply: ApiErrorReply): ValidationResult => ({ ok: false, reply });

function isTokenId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** Inputs as `{ text, tokens }`, or undefined when the shape is not one the API accepts. */
function readInputs(input: unknown): Array<{ text: string; tokens: number }> | undefined {
  if (typeof input === 'string') return input.length > 0 ? [{ text: input, tokens: countTokens(input) }] : undefined;
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every(isTokenId)) {
    const text = decodeTokens(input);
    return text === undefined ? undefined : [{ text, tokens: input.length }];
  }
  if (input.length > MAX_INPUTS_PER_REQUEST) return undefined;
  if (input.every((item) => typeof item === 'string')) {
    if (input.some((item) => item.length === 0)) return undefined;
    return input.map((text: string) => ({ text, tokens: countTokens(text) }));
  }
  if (input.every((item) => Array.isArray(item) && item.length > 0 && item.every(isTokenId))) {
    const decoded: Array<{ text: string; tokens: number }> = [];
    for (const ids of input as number[][]) {
      const text = decodeTokens(ids);
      if (text === undefined) return undefined;
      decoded.push({ text, tokens: ids.length });
    }
    return decoded;
  }
  return undefined;
}

/** Checks a parsed JSON body against the models `table` serves (default: the mock's models). */
export function validateEmbeddingRequest(body: unknown, table: ModelTable = MODELS): ValidationResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail(apiErrors.bodyNotObject());
  const fields = body as Record<string, unknown>;
  const model = fields.model;
  if (typeof model !== 'string' || model.length === 0) return fail(apiErrors.missingModel());
  const inputs = readInputs(fields.input);
  if (!inputs) return fail(apiErrors.invalidInput());

  const format = fields.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') return fail(apiErrors.encodingFormat(format));

  const info = modelInfo(model, table);
  if (!info) return fail(apiErrors.unknownModel(model));

  let dimensions: number | undefined;
  if (fields.dimensions !== undefined && fields.dimensions !== null) {
    const value = fields.dimensions;
    if (info.real && value === info.dimensions) {
      // Asking a real model for its own width is asking for what it gives: accepted.
    } else if (info.real) return fail(apiErrors.dimensionsFixed(model, info.dimensions, value));
    else if (!info.supportsDimensions) return fail(apiErrors.dimensionsNotSupported());
    if (typeof value !== 'number' || !Number.isInteger(value)) return fail(apiErrors.dimensionsNotInteger(value));
    if (value < 1) return fail(apiErrors.dimensionsBelowMinimum(value));
    if (value > info.dimensions) return fail(apiErrors.dimensionsAboveMaximum(value, info.dimensions));
    dimensions = value;
  }

  const request: EmbeddingRequest = {
    model,
    texts: inputs.map((i) => i.text),
    tokenCounts: inputs.map((i) => i.tokens),
    totalTokens: 0,
    encodingFormat: format,
    dimensions,
    width: dimensions ?? info.dimensions,
  };
  return withTokenCounts(request, request.tokenCounts, info);
}

/**
 * `request` with `tokenCounts` (and their sum) in place of the ones it had, checked against the per-input and
 * per-request limits. Validation counts cl100k tokens; a real model's server recounts with the model's tokenizer.
 */
export function withTokenCounts(request: EmbeddingRequest, tokenCounts: readonly number[], info: ModelInfo): ValidationResult {
  let totalTokens = 0;
  for (const tokens of tokenCounts) {
    if (tokens > info.maxInputTokens) return fail(apiErrors.contextLength(info.maxInputTokens, tokens));
    totalTokens += tokens;
  }
  if (totalTokens > MAX_TOKENS_PER_REQUEST) return fail(apiErrors.maxTokensPerRequest(totalTokens, MAX_TOKENS_PER_REQUEST));
  return { ok: true, request: { ...request, tokenCounts: [...tokenCounts], totalTokens } };
}
