/**
 * The embedding models the mock serves, the limits the real endpoint enforces, and list prices.
 *
 * Sources (checked 2025/2026, see README.md): OpenAI's embeddings API reference (input limits, `dimensions`),
 * the models pages (dimensions, prices), and error bodies reported in public issue threads.
 */

export interface ModelInfo {
  /** Width of the full vector the model returns. */
  dimensions: number;
  /** Whether the request may ask for a shorter vector with `dimensions` (text-embedding-3 only). */
  supportsDimensions: boolean;
  /** Largest single input, in cl100k_base tokens (a real model's: in its own tokens). */
  maxInputTokens: number;
  /**
   * A real model served by memopt (`memopt serve --model`) rather than the mock's generative model: it gives its
   * native width only, and a `dimensions` other than that width is refused with a message saying so.
   */
  real?: boolean;
}

/** The model table an endpoint serves: name -> ModelInfo. */
export type ModelTable = Readonly<Record<string, ModelInfo>>;

export const MODELS: Record<string, ModelInfo> = {
  'text-embedding-3-small': { dimensions: 1536, supportsDimensions: true, maxInputTokens: 8192 },
  'text-embedding-3-large': { dimensions: 3072, supportsDimensions: true, maxInputTokens: 8192 },
  'text-embedding-ada-002': { dimensions: 1536, supportsDimensions: false, maxInputTokens: 8192 },
};

export const DEFAULT_MODEL = 'text-embedding-3-small';

/** At most this many inputs in one request ("any array must be 2048 dimensions or less"). */
export const MAX_INPUTS_PER_REQUEST = 2048;

/** "All embedding models enforce a maximum of 300,000 tokens summed across all inputs in a single request." */
export const MAX_TOKENS_PER_REQUEST = 300_000;

/**
 * memopt's own cap on one request body, in bytes: a larger body is refused with 413 before it is read in full or
 * parsed. 8 MiB holds any request the limits above allow in practice (300,000 token ids are about 2 MB of JSON;
 * 300,000 tokens of English text about 1.3 MB).
 */
export const MAX_REQUEST_BODY_BYTES = 8 * 1024 * 1024;

/** List prices in USD per million input tokens (standard, not Batch API). */
export const LIST_PRICES_USD_PER_MILLION_TOKENS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 0.02,
  'text-embedding-3-large': 0.13,
  'text-embedding-ada-002': 0.1,
};

/**
 * Batch API prices in USD per million input tokens: OpenAI's Batch API bills embeddings at half the list price
 * (asynchronous, answered within 24 hours). For what a workload that can wait would pay.
 */
export const BATCH_API_PRICES_USD_PER_MILLION_TOKENS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 0.01,
  'text-embedding-3-large': 0.065,
  'text-embedding-ada-002': 0.05,
};

export function modelInfo(model: string, table: ModelTable = MODELS): ModelInfo | undefined {
  return Object.hasOwn(table, model) ? table[model] : undefined;
}
