/**
 * A real text-embedding model run in-process (USE-lite from npm, or a user's local ONNX folder), behind one small
 * interface so `memopt serve --model ...` and the scripts use any of them the same way.
 */

/** What one `embed` call returns: one vector and one token count per input, in input order. */
export interface ModelEmbeddings {
  vectors: Float32Array[];
  /** Tokens per input, counted as `tokenCounting` says: every token, as a provider bills them. */
  tokens: number[];
  /** Tokens per input the model actually read: `min(tokens, maxInputTokens)`. */
  tokensRead: number[];
}

/** Where each answered vector came from, counted since the model was created. */
export interface ModelStats {
  /** Texts the model itself ran on. */
  computed: number;
  /** Texts answered from the per-text cache of earlier answers. */
  cacheHits: number;
  /** Texts answered from the shipped corpus vectors without running the model. */
  shippedHits: number;
  /** Forward passes (batches) run. */
  modelCalls: number;
  /** Inputs longer than `maxInputTokens`: their vectors ignore everything past it. */
  inputsTruncated: number;
}

export interface TextEmbeddingModel {
  /** The name clients send as `model`, e.g. 'use-lite' or 'onnx:/path/to/folder'. */
  readonly name: string;
  /** Width of every vector. */
  readonly dimensions: number;
  /**
   * Whether vectors come out with unit norm. USE-lite's do (to ~1e-6, measured); an ONNX folder's are
   * normalized by memopt (mean pooling + L2), so true there too.
   */
  readonly normalizes: boolean;
  /** How `tokens` are counted, in words (e.g. "the model's own SentencePiece tokenizer"). */
  readonly tokenCounting: string;
  /**
   * How many tokens of one input the model reads; the vector of a longer input is that of its first
   * `maxInputTokens` tokens (the rest is ignored, though billed). null: the model reads every token.
   * USE-lite: 128 (measured). An ONNX folder: its tokenizer's declared model_max_length (transformers.js truncates
   * to it), or null when it declares none.
   */
  readonly maxInputTokens: number | null;
  /** Embeds `texts` (each non-empty); the model loads on the first call and once only. */
  embed(texts: readonly string[]): Promise<ModelEmbeddings>;
  /** Token counts as `embed` reports them, without embedding. */
  countTokens(texts: readonly string[]): Promise<number[]>;
  stats(): ModelStats;
  /**
   * Loads what answering needs short of the model's weights (its tokenizer, the shipped vectors), so that a server's
   * first request does not pay for it. The weights still load on the first text the model must run on.
   */
  warm(): Promise<void>;
}
