/**
 * The generative model behind the mock's vectors: deterministic, L2-normalized, anisotropic, with a decaying
 * eigen-spectrum, and closer for texts that share words (README.md explains and calibrates it).
 *
 *   x(text) = a·W·m + Σ_words weight(w)·v(w) + c·W·p(text),   vector = x / |x|
 *
 * - v(w): the word's vector, itself a mix of a stem vector (so 'runner' / 'running' / 'runs' are close), an exact-word
 *   vector, and the sum of the word's character-trigram vectors (so typos stay close).
 * - every such feature vector has independent coordinates whose standard deviation decays as a power law over the
 *   coordinate index: early coordinates carry most variance (the spectrum decays, and truncating to `dimensions`
 *   keeps the most informative prefix, like the Matryoshka-trained text-embedding-3 models). Then a fixed
 *   pseudo-random rotation within prefix blocks (64, 64, 128, 256, 512, ...) turns those independent axes into
 *   correlated coordinates, as a real model's are, without moving energy across block boundaries.
 * - m: the model's shared mean direction (same decaying profile); `a` sets how similar unrelated texts look.
 * - p(text): a small component from a hash of the whole raw text, so different texts never coincide.
 * - W = sqrt(Σ weight²) keeps the mean and per-text parts in proportion whatever the text's length.
 *
 * Vectors depend on the model and the text only, never on a run's seed, like a real model.
 */
import { OptionError } from '../../errors.ts';
import { seedFromString } from '../../util/rng.ts';
import { DEFAULT_MODEL, MODELS } from '../emulated-api/models.ts';

/**
 * The version of this model's vectors. Bump it with any change that moves a vector (geometry, weights, tokenizing,
 * hashing): run.json records it, and `memopt compare` refuses runs made with different versions, whose counters
 * (recall, hits, bytes) would differ for that reason alone.
 */
export const MOCK_MODEL_VERSION = '2';

/** Shape of one model's space; calibrated in README.md ("Calibration"). */
interface Geometry {
  /** Coordinate i has variance proportional to (i + 1)^-exponent. */
  spectrumExponent: number;
  /** `a`: weight of the shared mean direction, relative to the norm of the word part. */
  meanWeight: number;
}

const GEOMETRY: Record<string, Geometry> = {
  // Unrelated texts: mean cosine ~0.1-0.25 (3-small), ~0.05-0.15 (3-large), ~0.7-0.8 (ada-002). Version 2: the
  // spectrum exponent (0.85 in version 1) and 3-small's mean weight (0.37) moved toward a real model's geometry on
  // the shipped corpus (README.md, "Against a real model"); 3-large keeps its mean weight's ratio to 3-small's.
  'text-embedding-3-small': { spectrumExponent: 1.1, meanWeight: 0.45 },
  'text-embedding-3-large': { spectrumExponent: 1.1, meanWeight: 0.33 },
  'text-embedding-ada-002': { spectrumExponent: 1.1, meanWeight: 1.6 },
};

/** Energy shares inside a word vector: stem, exact word, character trigrams (they sum to 1). */
const STEM_SHARE = 0.4;
const EXACT_SHARE = 0.25;
const TRIGRAM_SHARE = 0.35;
/** `c`: weight of the per-text component (its energy is c² = 2% of the word part). */
const TEXT_WEIGHT = 0.15;
/** Per-text components are signed sums of two vectors from a pool of this many (a power of two). */
const PER_TEXT_POOL = 1024;

/**
 * Cache capacities (entries). Each entry holds one full-width float32 vector: 6 KiB at 1536 dimensions, so the
 * default caches of a 1536-d model take 48 MiB (word) + 24 MiB (trigram), allocated once per model and process.
 * Capacity changes speed only, never values.
 */
const WORD_CACHE_ENTRIES = 8192;
const TRIGRAM_CACHE_ENTRIES = 4096;

/** Function words get a low idf-like weight; the list is small on purpose (a model, not a search engine). */
const STOPWORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have he her his i if in into is it its ' +
    'me my no not of on or our she so than that the their them then there these they this to too was we were what ' +
    'when which who will with would you your'
  ).split(' '),
);

const SUFFIXES = ['ations', 'ation', 'ments', 'ment', 'ness', 'ings', 'ing', 'ers', 'er', 'ies', 'ied', 'ed', 'es', 'ly', 's'];

/** A crude suffix-stripping stemmer: enough to make inflections of one word share a vector. */
export function stem(word: string): string {
  for (const suffix of SUFFIXES) {
    if (word.length - suffix.length >= 3 && word.endsWith(suffix)) {
      let base = word.slice(0, -suffix.length);
      if (suffix === 'ies' || suffix === 'ied') base += 'y';
      // running -> runn -> run; stopped -> stopp -> stop
      const n = base.length;
      if (n >= 4 && base[n - 1] === base[n - 2] && !'aeiouls'.includes(base[n - 1])) base = base.slice(0, -1);
      return base;
    }
  }
  return word;
}

/** A bounded LRU of slots in one preallocated float32 slab: memory is fixed from allocation on. */
class SlabCache {
  readonly slab: Float32Array;
  readonly weights: Float64Array;
  private readonly slots = new Map<string, number>();
  private next = 0;
  hits = 0;
  misses = 0;

  constructor(
    readonly capacity: number,
    readonly width: number,
  ) {
    this.slab = new Float32Array(capacity * width);
    this.weights = new Float64Array(capacity);
  }

  /** The slot holding `key`, refreshed as most recently used; undefined on a miss. */
  get(key: string): number | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.slots.delete(key);
    this.slots.set(key, slot);
    return slot;
  }

  /** A slot for a new `key` (evicting the least recently used entry when full); the caller fills it. */
  claim(key: string): number {
    let slot: number;
    if (this.next < this.capacity) slot = this.next++;
    else {
      const oldest = this.slots.keys().next().value as string;
      slot = this.slots.get(oldest)!;
      this.slots.delete(oldest);
    }
    this.slots.set(key, slot);
    return slot;
  }
}

/** 32-bit FNV-1a of a string, seeded; cheap enough for per-text use. */
function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One model's space: its spectrum, mean direction, per-text pool and caches. */
class ModelSpace {
  readonly dimensions: number;
  /** Standard deviation of coordinate i of a feature vector; Σ sigma² = 1, so E|feature|² = 1. */
  readonly sigma: Float64Array;
  readonly mean: Float64Array;
  readonly meanWeight: number;
  private readonly pool: Float32Array;
  readonly words: SlabCache;
  readonly trigrams: SlabCache;
  private readonly scratch: Float64Array;
  private readonly featureScratch: Float64Array;
  private readonly wordScratch: Float64Array;
  /** [start, size) of each rotation block (see rotationBlocks). */
  private readonly blocks: Array<[number, number]>;
  /** Two rows of seeded ±1 signs, one per coordinate: D1 and D2 of the rotation. */
  private readonly signs: Float64Array;

  constructor(
    readonly model: string,
    geometry: Geometry,
  ) {
    const d = MODELS[model].dimensions;
    this.dimensions = d;
    this.meanWeight = geometry.meanWeight;
    this.sigma = new Float64Array(d);
    let total = 0;
    for (let i = 0; i < d; i++) total += (i + 1) ** -geometry.spectrumExponent;
    for (let i = 0; i < d; i++) this.sigma[i] = Math.sqrt((i + 1) ** -geometry.spectrumExponent / total);
    // The mean direction: the same profile with seeded signs, so its share is the same in every prefix.
    this.mean = new Float64Array(d);
    this.featureScratch = new Float64Array(d);
    this.blocks = rotationBlocks(d);
    this.signs = new Float64Array(2 * d);
    this.generateSigns();
    this.generate('mean', this.featureScratch);
    this.rotate(this.featureScratch);
    let meanNorm = 0;
    for (let i = 0; i < d; i++) meanNorm += this.featureScratch[i] ** 2;
    meanNorm = Math.sqrt(meanNorm);
    for (let i = 0; i < d; i++) this.mean[i] = this.featureScratch[i] / meanNorm;
    this.pool = new Float32Array(PER_TEXT_POOL * d);
    for (let j = 0; j < PER_TEXT_POOL; j++) {
      this.generate(`text-pool:${j}`, this.featureScratch);
      this.rotate(this.featureScratch);
      this.pool.set(this.featureScratch, j * d);
    }
    this.words = new SlabCache(WORD_CACHE_ENTRIES, d);
    this.trigrams = new SlabCache(TRIGRAM_CACHE_ENTRIES, d);
    this.scratch = new Float64Array(d);
    this.wordScratch = new Float64Array(d);
  }

  /**
   * Writes the feature vector for `key` into `out` (length `dimensions`): coordinate i is sigma_i times a
   * zero-mean unit-variance draw. The draws come from a small inline generator seeded by the key's sha256 (via
   * seedFromString): this loop runs once per coordinate of every new feature, where a general-purpose Rng would
   * dominate the cost. A triangular draw (two uniforms) stands in for a normal one; sums of many features are
   * close to normal anyway.
   */
  generate(key: string, out: Float64Array | Float32Array): void {
    let state = seedFromString(`memopt-embedding:${this.model}:${key}`) | 0;
    const d = this.dimensions;
    const sigma = this.sigma;
    const scale = Math.sqrt(6) / 65536;
    for (let i = 0; i < d; i++) {
      // mulberry32
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      t = (t ^ (t >>> 14)) >>> 0;
      const triangular = (t & 0xffff) + (t >>> 16) - 65535; // in (-65536, 65536), variance 65536²/6
      out[i] = sigma[i] * triangular * scale;
    }
  }

  private generateSigns(): void {
    const d = this.dimensions;
    let state = seedFromString(`memopt-embedding:${this.model}:rotation`) | 0;
    for (let i = 0; i < 2 * d; i++) {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      this.signs[i] = (t ^ (t >>> 14)) & 1 ? 1 : -1;
    }
  }

  /**
   * Turns `v` in place by the model's fixed rotation: within each block, H·D2·H·D1 / size (H the Walsh-Hadamard
   * matrix, D1 and D2 seeded sign diagonals), a cheap pseudo-random orthogonal map. The features' independent,
   * axis-aligned coordinates thus become correlated coordinates of similar variance within a block, as a real model's
   * are, while the blocks keep the prefix structure (Matryoshka truncation keeps whole blocks' energy).
   */
  rotate(v: Float64Array | Float32Array): void {
    const d = this.dimensions;
    for (const [start, size] of this.blocks) {
      for (let i = start; i < start + size; i++) v[i] *= this.signs[i];
      walshHadamard(v, start, size);
      const scale = 1 / size;
      for (let i = start; i < start + size; i++) v[i] *= this.signs[d + i];
      walshHadamard(v, start, size);
      for (let i = start; i < start + size; i++) v[i] *= scale;
    }
  }

  /** Slot in the trigram cache holding trigram `t`'s vector. */
  private trigramSlot(t: string): number {
    let slot = this.trigrams.get(t);
    if (slot === undefined) {
      slot = this.trigrams.claim(t);
      this.generate(`t:${t}`, this.featureScratch);
      this.trigrams.slab.set(this.featureScratch, slot * this.dimensions);
    }
    return slot;
  }

  /** Slot in the word cache holding word `w`'s composite vector (its weight is in `words.weights[slot]`). */
  wordSlot(w: string): number {
    const cached = this.words.get(w);
    if (cached !== undefined) return cached;
    const d = this.dimensions;
    const acc = this.wordScratch;
    const feature = this.featureScratch;
    const s = stem(w);
    this.generate(`s:${s}`, feature);
    const cs = Math.sqrt(STEM_SHARE);
    for (let i = 0; i < d; i++) acc[i] = cs * feature[i];
    this.generate(`w:${w}`, feature);
    const ce = Math.sqrt(EXACT_SHARE);
    for (let i = 0; i < d; i++) acc[i] += ce * feature[i];
    // '^' and '$' mark the word's ends, so every word (even one letter) has at least one trigram. Repeated trigrams
    // are added once with their count (a 40,000-letter "word" costs a few vector additions, not 40,000), and the sum
    // is scaled to carry exactly TRIGRAM_SHARE of the energy.
    const padded = `^${w}$`;
    const trigramCounts = new Map<string, number>();
    for (let k = 0; k + 3 <= padded.length; k++) {
      const t = padded.slice(k, k + 3);
      trigramCounts.set(t, (trigramCounts.get(t) ?? 0) + 1);
    }
    let countSquares = 0;
    for (const n of trigramCounts.values()) countSquares += n * n;
    const ct = Math.sqrt(TRIGRAM_SHARE / countSquares);
    const trigramSlab = this.trigrams.slab;
    for (const [t, n] of trigramCounts) {
      const base = this.trigramSlot(t) * d;
      const weight = ct * n;
      for (let i = 0; i < d; i++) acc[i] += weight * trigramSlab[base + i];
    }
    this.rotate(acc);
    const slot = this.words.claim(w);
    this.words.slab.set(acc, slot * d);
    this.words.weights[slot] = idfWeight(w);
    return slot;
  }

  /** The unit vector for `text`, truncated to its first `width` coordinates and re-normalized. */
  embed(text: string, width: number): Float32Array {
    const d = this.dimensions;
    const acc = this.scratch;
    const words = text.toLowerCase().match(WORD_PATTERN) ?? [];
    const termFrequency = new Map<string, number>();
    for (const w of words) termFrequency.set(w, (termFrequency.get(w) ?? 0) + 1);
    let weightSquares = 0;
    const slab = this.words.slab;
    acc.fill(0, 0, width);
    for (const [w, tf] of termFrequency) {
      const slot = this.wordSlot(w);
      const weight = this.words.weights[slot] * (1 + Math.log(tf));
      weightSquares += weight * weight;
      addScaled(acc, slab, slot * d, weight, width);
    }
    const scale = weightSquares > 0 ? Math.sqrt(weightSquares) : 1;
    // One fused pass adds the mean direction and the per-text component (two signed pool vectors chosen by two
    // hashes of the raw text) and takes the norm.
    const meanScale = this.meanWeight * scale;
    const pickScale = (TEXT_WEIGHT * scale) / Math.SQRT2;
    const h1 = fnv1a(text, 0);
    const h2 = fnv1a(text, 0x5bd1e995);
    const base1 = (h1 & (PER_TEXT_POOL - 1)) * d;
    const base2 = (h2 & (PER_TEXT_POOL - 1)) * d;
    const s1 = h1 & 0x80000000 ? -pickScale : pickScale;
    const s2 = h2 & 0x80000000 ? -pickScale : pickScale;
    const mean = this.mean;
    const pool = this.pool;
    let norm = 0;
    for (let i = 0; i < width; i++) {
      const v = acc[i] + meanScale * mean[i] + s1 * pool[base1 + i] + s2 * pool[base2 + i];
      acc[i] = v;
      norm += v * v;
    }
    const inverse = 1 / Math.sqrt(norm);
    const out = new Float32Array(width);
    for (let i = 0; i < width; i++) out[i] = acc[i] * inverse;
    return out;
  }
}

/**
 * The rotation's blocks for width `d`: 64, 64, 128, 256, then 512 at a time ([0,64) [64,128) [128,256) [256,512)
 * [512,1024) ...), so every power-of-two prefix from 64 up to 512, and every multiple of 512, is a union of blocks.
 */
function rotationBlocks(d: number): Array<[number, number]> {
  const blocks: Array<[number, number]> = [];
  let start = 0;
  for (const size of [64, 64, 128, 256]) {
    if (start + size > d) break;
    blocks.push([start, size]);
    start += size;
  }
  while (start + 512 <= d) {
    blocks.push([start, 512]);
    start += 512;
  }
  if (start !== d) throw new Error(`mock model width ${d} is not a sum of rotation blocks`);
  return blocks;
}

/** In-place unnormalized fast Walsh-Hadamard transform of v[start, start + size), size a power of two. */
function walshHadamard(v: Float64Array | Float32Array, start: number, size: number): void {
  for (let h = 1; h < size; h *= 2) {
    for (let i = start; i < start + size; i += 2 * h) {
      for (let j = i; j < i + h; j++) {
        const a = v[j];
        const b = v[j + h];
        v[j] = a + b;
        v[j + h] = a - b;
      }
    }
  }
}

/** acc[0..width) += weight * source[base..base+width), unrolled by eight (the hot loop of every embedding). */
function addScaled(acc: Float64Array, source: Float32Array, base: number, weight: number, width: number): void {
  const whole = width & ~7;
  let i = 0;
  for (; i < whole; i += 8) {
    const j = base + i;
    acc[i] += weight * source[j];
    acc[i + 1] += weight * source[j + 1];
    acc[i + 2] += weight * source[j + 2];
    acc[i + 3] += weight * source[j + 3];
    acc[i + 4] += weight * source[j + 4];
    acc[i + 5] += weight * source[j + 5];
    acc[i + 6] += weight * source[j + 6];
    acc[i + 7] += weight * source[j + 7];
  }
  for (; i < width; i++) acc[i] += weight * source[base + i];
}

const WORD_PATTERN = /[\p{L}\p{N}]+/gu;

/**
 * Idf-like weight of a word without corpus statistics: function words count little, numbers somewhat less, and
 * longer words (rarer, by Zipf's law of abbreviation) a bit more, with a fixed per-word variation.
 */
function idfWeight(word: string): number {
  if (STOPWORDS.has(word)) return 0.2;
  const variation = 0.85 + 0.3 * (fnv1a(word, 0x9e3779b9) / 2 ** 32);
  if (/^\p{N}+$/u.test(word)) return 0.6 * variation;
  return Math.min(1.3, 0.55 + 0.09 * word.length) * variation;
}

const spaces = new Map<string, ModelSpace>();

function spaceFor(model: string): ModelSpace {
  let space = spaces.get(model);
  if (!space) {
    const geometry = Object.hasOwn(GEOMETRY, model) ? GEOMETRY[model] : undefined;
    if (!geometry) throw new OptionError('model', `one of ${Object.keys(GEOMETRY).join(', ')}`, model);
    space = new ModelSpace(model, geometry);
    spaces.set(model, space);
  }
  return space;
}

/**
 * Allocates a model's space and caches now (about 75 MiB for a 1536-d model) rather than on its first embedding,
 * so memory measured during a run does not jump when the first text is embedded.
 */
export function preallocateModel(model: string = DEFAULT_MODEL): void {
  spaceFor(model);
}

/**
 * The deterministic unit vector the mock returns for `text` (independent of any run seed, like a real model).
 * With `dimensions`, the full vector is truncated to its first `dimensions` coordinates and re-normalized, as the
 * text-embedding-3 models do.
 */
export function embeddingFor(text: string, model: string = DEFAULT_MODEL, dimensions?: number): Float32Array {
  const space = spaceFor(model);
  if (dimensions !== undefined) {
    if (!MODELS[model].supportsDimensions) throw new OptionError('dimensions', `undefined for ${model}`, dimensions);
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > space.dimensions) {
      throw new OptionError('dimensions', `an integer from 1 to ${space.dimensions}`, dimensions);
    }
  }
  return space.embed(text, dimensions ?? space.dimensions);
}

/** Hit and miss counts of the word and trigram caches, per model space allocated so far. */
export function embeddingCacheStats(): Record<string, { wordHits: number; wordMisses: number; trigramHits: number; trigramMisses: number }> {
  const stats: ReturnType<typeof embeddingCacheStats> = {};
  for (const [model, space] of spaces) {
    stats[model] = {
      wordHits: space.words.hits,
      wordMisses: space.words.misses,
      trigramHits: space.trigrams.hits,
      trigramMisses: space.trigrams.misses,
    };
  }
  return stats;
}

/** The handlers' fast path: `width` already validated against the model. */
export function embedText(model: string, text: string, width: number): Float32Array {
  return spaceFor(model).embed(text, width);
}
