/**
 * The part every in-process model shares: a per-text vector cache, the shipped corpus vectors, and one forward pass
 * at a time, around a function that runs the model itself.
 *
 * A text is answered from, in order: the cache (a copy of an earlier answer), the shipped vectors (known corpus
 * texts, without running the model), the model. Texts repeated within one call run once. Only computed vectors are
 * cached (shipped ones are already in memory); a failed pass caches nothing and rejects only the call it served.
 */
import { LRUCache } from 'lru-cache';
import { InputError, OptionError } from '../../errors.ts';
import type { ShippedVectorLookup } from './shipped-vectors.ts';
import type { ModelEmbeddings, ModelStats, TextEmbeddingModel } from './types.ts';

export interface CachedModelOptions {
  name: string;
  dimensions: number;
  normalizes: boolean;
  tokenCounting: string;
  /** Runs the model on distinct, non-empty texts; one vector per text, in order. */
  run(texts: readonly string[]): Promise<Float32Array[]>;
  /** How many forward passes `run` makes for `count` texts (for stats). */
  passesFor(count: number): number;
  countTokens(texts: readonly string[]): Promise<number[]>;
  /** How many tokens of an input the model reads (see TextEmbeddingModel.maxInputTokens); null: all. */
  maxInputTokens: number | null;
  /** Told once, the first time an input is longer than maxInputTokens; default: a line on stderr. */
  warn?: (message: string) => void;
  /** Vectors of earlier texts kept, in entries (dimensions x 4 bytes each). 0 turns the cache off. */
  cacheEntries: number;
  /** Resolves to the shipped vectors to consult, or null for none; called once, on the first embed. */
  shipped: () => Promise<ShippedVectorLookup | null>;
}

/** Empty texts are refused before any work: the OpenAI contract rejects them, and no model has a vector for them. */
export function checkTexts(texts: readonly string[]): void {
  texts.forEach((text, index) => {
    if (typeof text !== 'string' || text.length === 0) {
      throw new InputError({ field: `input[${index}]` }, 'expected a non-empty string: a model has no vector for an empty text');
    }
  });
}

export function createCachedModel(options: CachedModelOptions): TextEmbeddingModel {
  const { cacheEntries } = options;
  if (!Number.isInteger(cacheEntries) || cacheEntries < 0) throw new OptionError('cacheEntries', 'an integer >= 0', cacheEntries);
  const cache = cacheEntries > 0 ? new LRUCache<string, Float32Array>({ max: cacheEntries }) : undefined;
  let shipped: Promise<ShippedVectorLookup | null> | undefined;
  const stats: ModelStats = { computed: 0, cacheHits: 0, shippedHits: 0, modelCalls: 0, inputsTruncated: 0 };
  const { maxInputTokens } = options;
  const warn = options.warn ?? ((message: string) => void process.stderr.write(`${message}\n`));
  let warned = false;
  // One forward pass at a time: the model runs on this thread anyway, and concurrent passes would only add memory.
  // `queue` is the tail of the passes already requested; a failed pass does not block later ones.
  let queue: Promise<unknown> = Promise.resolve();

  async function countTokens(texts: readonly string[]): Promise<number[]> {
    checkTexts(texts);
    return options.countTokens(texts);
  }

  async function embed(texts: readonly string[]): Promise<ModelEmbeddings> {
    checkTexts(texts);
    const known = await (shipped ??= options.shipped());
    const vectors = new Array<Float32Array>(texts.length);
    const missing = new Map<string, number[]>();
    texts.forEach((text, i) => {
      const cached = cache?.get(text);
      if (cached) {
        stats.cacheHits++;
        vectors[i] = cached.slice();
        return;
      }
      const stored = known?.vectorFor(text);
      if (stored) {
        stats.shippedHits++;
        vectors[i] = stored;
        return;
      }
      const positions = missing.get(text);
      if (positions) positions.push(i);
      else missing.set(text, [i]);
    });
    if (missing.size > 0) {
      const unique = [...missing.keys()];
      const pass = queue.then(() => options.run(unique));
      queue = pass.catch(() => undefined);
      const computed = await pass;
      if (computed.length !== unique.length) throw new Error(`${options.name} returned ${computed.length} vectors for ${unique.length} texts`);
      stats.modelCalls += options.passesFor(unique.length);
      unique.forEach((text, u) => {
        stats.computed++;
        cache?.set(text, computed[u]);
        for (const i of missing.get(text)!) vectors[i] = computed[u].slice();
      });
    }
    const tokens = await options.countTokens(texts);
    const tokensRead = maxInputTokens === null ? tokens : tokens.map((n) => Math.min(n, maxInputTokens));
    const truncated = tokens.filter((n, i) => n > tokensRead[i]).length;
    if (truncated > 0) {
      stats.inputsTruncated += truncated;
      if (!warned) {
        warned = true;
        warn(
          `memopt: warning: ${options.name} reads only the first ${maxInputTokens} tokens of an input; ${truncated} input(s) of this request ` +
            `were longer (up to ${Math.max(...tokens)}): their vectors ignore the rest, which usage still bills (warned once; inputs_truncated counts them)`,
        );
      }
    }
    return { vectors, tokens, tokensRead };
  }

  async function warm(): Promise<void> {
    await (shipped ??= options.shipped());
    await options.countTokens(['warm']);
  }

  return {
    name: options.name,
    dimensions: options.dimensions,
    normalizes: options.normalizes,
    tokenCounting: options.tokenCounting,
    maxInputTokens,
    embed,
    countTokens,
    stats: () => ({ ...stats }),
    warm,
  };
}
