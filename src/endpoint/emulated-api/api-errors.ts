/**
 * Every error the mock answers, in one place, with the status and JSON shape of the real API:
 * `{ error: { message, type, param, code } }`. Messages are copied from real responses reported in public issue
 * threads where one was found; README.md ("Errors") lists the source of each and marks the ones that are guesses.
 */

export interface ApiError {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export interface ApiErrorReply {
  status: number;
  error: ApiError;
}

const API_REFERENCE = 'https://platform.openai.com/docs/api-reference';
const RATE_LIMITS_PAGE = 'https://platform.openai.com/account/rate-limits';
/** The organization named in rate-limit messages. */
export const MOCK_ORGANIZATION = 'org-memoptmock';

function invalid(message: string, param: string | null = null, code: string | null = null): ApiErrorReply {
  return { status: 400, error: { message, type: 'invalid_request_error', param, code } };
}

export const apiErrors = {
  /** A body that is not JSON. */
  malformedJson: (): ApiErrorReply =>
    invalid(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. " +
        'The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, ' +
        'please contact us through our help center at help.openai.com.)',
    ),

  /** JSON that is not an object. */
  bodyNotObject: (): ApiErrorReply => invalid(`'$' is invalid. Please check the API reference: ${API_REFERENCE}.`),

  /** `model` missing or not a string. */
  missingModel: (): ApiErrorReply => invalid('you must provide a model parameter'),

  /** `input` missing, empty (string or array), over 2048 entries, mixed, or holding an empty entry or a bad token id. */
  invalidInput: (): ApiErrorReply => invalid(`'$.input' is invalid. Please check the API reference: ${API_REFERENCE}.`),

  encodingFormat: (value: unknown): ApiErrorReply =>
    invalid(`Invalid value: '${String(value)}'. Supported values are: 'float' and 'base64'.`, 'encoding_format', 'invalid_value'),

  unknownModel: (model: string): ApiErrorReply => ({
    status: 404,
    error: { message: `The model \`${model}\` does not exist or you do not have access to it.`, type: 'invalid_request_error', param: null, code: 'model_not_found' },
  }),

  dimensionsNotSupported: (): ApiErrorReply => invalid('This model does not support specifying dimensions.'),

  /** memopt's own message (a real model served by memopt gives one width only; the real API has no such model). */
  dimensionsFixed: (model: string, width: number, value: unknown): ApiErrorReply =>
    invalid(
      `The model \`${model}\` gives ${width}-dimensional vectors only and cannot shorten them: 'dimensions' must be ${width} or left out, but got ${JSON.stringify(value)}.`,
      'dimensions',
      'unsupported_dimensions',
    ),

  dimensionsNotInteger: (value: unknown): ApiErrorReply =>
    invalid(`Invalid type for 'dimensions': expected an integer, but got ${describeType(value)} instead.`, 'dimensions', 'invalid_type'),

  dimensionsBelowMinimum: (value: number): ApiErrorReply =>
    invalid(`Invalid 'dimensions': integer below minimum value. Expected a value >= 1, but got ${value} instead.`, 'dimensions', 'integer_below_min_value'),

  dimensionsAboveMaximum: (value: number, maximum: number): ApiErrorReply =>
    invalid(
      `Invalid 'dimensions': integer above maximum value. Expected a value <= ${maximum}, but got ${value} instead.`,
      'dimensions',
      'integer_above_max_value',
    ),

  /** One input over the model's context (8,192 tokens). */
  contextLength: (maximum: number, requested: number): ApiErrorReply =>
    invalid(
      `This model's maximum context length is ${maximum} tokens, however you requested ${requested} tokens ` +
        `(${requested} in your prompt; 0 for the completion). Please reduce your prompt; or completion length.`,
    ),

  /**
   * One large text over the context, refused without counting all its tokens (by its size, or once the count
   * passed the maximum): `atLeast` is a lower bound. memopt's message; the real API names the exact count.
   */
  contextLengthBySize: (maximum: number, atLeast: number, bytes: number): ApiErrorReply =>
    invalid(
      `This model's maximum context length is ${maximum} tokens, however you requested at least ${atLeast} tokens ` +
        `(an input of ${bytes} UTF-8 bytes, not counted further). Please reduce your prompt; or completion length.`,
    ),

  /** A body over memopt's cap (MAX_REQUEST_BODY_BYTES), refused before it is read in full or parsed. memopt's message. */
  bodyTooLarge: (limit: number, bytes: number | undefined): ApiErrorReply => ({
    status: 413,
    error: {
      message:
        `memopt: the request body ${bytes === undefined ? 'is' : `is ${bytes} bytes,`} larger than ${limit} bytes, the most one request may ` +
        'send to this server; send fewer or shorter inputs per request',
      type: 'invalid_request_error',
      param: null,
      code: 'request_too_large',
    },
  }),

  /** All inputs together over 300,000 tokens. */
  maxTokensPerRequest: (requested: number, maximum: number): ApiErrorReply => ({
    status: 400,
    error: { message: `Requested ${requested} tokens, max ${maximum} tokens per request`, type: 'max_tokens_per_request', param: null, code: 'max_tokens_per_request' },
  }),

  rateLimited: (args: { model: string; kind: 'requests' | 'tokens'; limit: number; used: number; requested: number; retryIn: string }): ApiErrorReply => {
    const unit = args.kind === 'requests' ? 'requests per min (RPM)' : 'tokens per min (TPM)';
    return {
      status: 429,
      error: {
        message:
          `Rate limit reached for ${args.model} in organization ${MOCK_ORGANIZATION} on ${unit}: Limit ${args.limit}, ` +
          `Used ${args.used}, Requested ${args.requested}. Please try again in ${args.retryIn}. Visit ${RATE_LIMITS_PAGE} to learn more.`,
        type: args.kind,
        param: null,
        code: 'rate_limit_exceeded',
      },
    };
  },

  /** A request whose tokens exceed the whole per-minute allowance: it can never succeed. */
  requestTooLarge: (args: { model: string; limit: number; requested: number }): ApiErrorReply => ({
    status: 429,
    error: {
      message:
        `Request too large for ${args.model} in organization ${MOCK_ORGANIZATION} on tokens per min (TPM): Limit ${args.limit}, ` +
        `Requested ${args.requested}. The input or output tokens must be reduced in order to run successfully. Visit ${RATE_LIMITS_PAGE} to learn more.`,
      type: 'tokens',
      param: null,
      code: 'rate_limit_exceeded',
    },
  }),

  /** A path or method the API does not serve. */
  invalidUrl: (method: string, path: string): ApiErrorReply => ({
    status: 404,
    error: { message: `Invalid URL (${method} ${path})`, type: 'invalid_request_error', param: null, code: null },
  }),

  /** The real API's 500; `message` replaces its text (memopt's server says why its model failed). */
  serverError: (message = 'The server had an error while processing your request. Sorry about that!'): ApiErrorReply => ({
    status: 500,
    error: { message, type: 'server_error', param: null, code: null },
  }),

  overloaded: (): ApiErrorReply => ({
    status: 503,
    error: { message: 'The engine is currently overloaded, please try again later', type: 'server_error', param: null, code: null },
  }),
};

function describeType(value: unknown): string {
  if (typeof value === 'number') return 'a decimal number';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return 'an object';
}

/** The HTTP response for an error: the real JSON shape, plus any headers (rate-limit state, request id). */
export function errorResponse(reply: ApiErrorReply, headers: Record<string, string> = {}): Response {
  return Response.json({ error: reply.error }, { status: reply.status, headers });
}
