/**
 * Request checks: what the real endpoint accepts passes, what it rejects gets the real status and error body.
 *
 * Accepted `input` shapes (as in the API reference): a string; an array of strings; an array of token ids (one
 * input); an array of token-id arrays. Checks run in this order: body is a JSON object, `model` given, `input`
 * shape (at most 2048 inputs), `encoding_format`, model known (404), `dimensions`, each input's tokens <= 8192,
 * all tokens <= 300,000, token ids decodable.
 *
 * The work is bounded by the input's size: the shape checks are linear; a token-id input is counted by its length
 * and decoded only once every input fits; a text too large to fit by its UTF-8 bytes alone (over 8192 x 128 bytes)
 * is refused without tokenizing, a large one by its pieces' sizes or as soon as its count passes the limit, and any
 * other is counted in O(n log n) (util/bounded-tokens.ts). Counting yields to the event loop between inputs, so a
 * server stays responsive (to SIGTERM too) during a large request.
 */
import { countTokensWithin, minTokensForBytes } from '../../util/bounded-tokens.ts';
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

/** Ends validation early (the server is closing); the result is then never sent. */
export interface ValidationOptions {
  signal?: AbortSignal;
}

const fail = (reply: ApiErrorReply): ValidationResult => ({ ok: false, reply });

function isTokenId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** One input as sent: a text, or token ids (decoded once every input has passed the token limits). */
type RawInput = string | readonly number[];

/** The inputs, or undefined when the shape is not one the API accepts. Linear in the input; no tokenizing. */
function readInputs(input: unknown): RawInput[] | undefined {
  if (typeof input === 'string') return input.length > 0 ? [input] : undefined;
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every(isTokenId)) return [input as number[]];
  if (input.length > MAX_INPUTS_PER_REQUEST) return undefined;
  if (input.every((item) => typeof item === 'string')) return input.some((item) => item.length === 0) ? undefined : (input as string[]);
  if (input.every((item) => Array.isArray(item) && item.length > 0 && item.every(isTokenId))) return input as number[][];
  return undefined;
}

/**
 * A text over the limit is refused with its exact token count, as the real API does, while counting it is cheap
 * (up to 64 KiB: milliseconds); a larger one with a lower bound ("at least N tokens"), counted no further than the
 * limit.
 */
const EXACT_REFUSAL_BYTES = 64 * 1024;

/** Text bytes counted between two yields to the event loop (a few ms of work, at most about a second). */
const COUNTING_SLICE_BYTES = 256 * 1024;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Checks a parsed JSON body against the models `table` serves (default: the mock's models). Asynchronous only so
 * that counting a large request yields to the event loop; it does no I/O.
 */
export async function validateEmbeddingRequest(body: unknown, table: ModelTable = MODELS, options: ValidationOptions = {}): Promise<ValidationResult> {
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

  // Token counts, each checked against the limit as soon as it is known; the size bound first.
  const tokenCounts: number[] = [];
  let sliceBytes = 0;
  for (const raw of inputs) {
    if (typeof raw !== 'string') {
      tokenCounts.push(raw.length);
    } else {
      const bytes = Buffer.byteLength(raw, 'utf8');
      sliceBytes += bytes;
      const max = info.maxInputTokens;
      const atLeast = minTokensForBytes(bytes);
      if (atLeast > max) return fail(apiErrors.contextLengthBySize(max, atLeast, bytes));
      // Up to EXACT_REFUSAL_BYTES, the full count (an exact refusal message); past it, counting stops at the limit.
      const tokens = bytes > EXACT_REFUSAL_BYTES ? countTokensWithin(raw, max) : countTokens(raw);
      if (tokens === false) return fail(apiErrors.contextLengthBySize(max, max + 1, bytes));
      tokenCounts.push(tokens);
    }
    const tokens = tokenCounts[tokenCounts.length - 1];
    if (tokens > info.maxInputTokens) return fail(apiErrors.contextLength(info.maxInputTokens, tokens));
    if (sliceBytes > COUNTING_SLICE_BYTES) {
      await nextTurn();
      if (options.signal?.aborted) return fail(apiErrors.serverError('memopt: the server is shutting down'));
      sliceBytes = 0;
    }
  }

  const texts: string[] = [];
  for (const raw of inputs) {
    if (typeof raw === 'string') {
      texts.push(raw);
      continue;
    }
    const text = decodeTokens(raw);
    if (text === undefined) return fail(apiErrors.invalidInput());
    texts.push(text);
  }

  const request: EmbeddingRequest = {
    model,
    texts,
    tokenCounts,
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
