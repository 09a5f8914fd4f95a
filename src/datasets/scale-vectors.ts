/**
 * Vectors for the scale sweep (scripts/scale-sweep.ts): as many memories as asked (10^6 and more), generated in
 * chunks from a seed, embedded by memopt's mock model (text-embedding-3-small at 512 dimensions, USE-lite's
 * width), so they carry the mock's spectrum (power-law variance, a shared mean direction, block rotations) and its
 * closeness for texts that share words. Nothing here holds more than one chunk: row i's text depends only on the
 * seed and i's chunk, so any chunk can be regenerated, and a sweep writes the vectors once to a raw float32 file and
 * streams it back into each index (`readVectorChunks`).
 *
 * Texts: each memory is about one of TOPIC_COUNT topics (picked by a Zipf law, so some topics are crowded, like a
 * user's memories), and is TEXT_WORDS_MIN..MAX words drawn mostly from its topic's own words and partly from the
 * whole vocabulary (also Zipf). The vocabulary is the words of a small corpus from the datasets' generator (seed 7),
 * so word vectors are the ones the other scenarios see. Queries are the same kind of text from another seed: held
 * out (no stored row is generated from the query seed).
 */
import { open } from 'node:fs/promises';
import { embeddingFor } from '../endpoint/emulated-api/index.ts';
import { createRng, type Rng } from '../util/rng.ts';
import { generateCorpus } from './corpus.ts';

/** The mock model and width the sweep embeds with. */
export const SCALE_MODEL = 'text-embedding-3-small';
export const SCALE_DIMENSIONS = 512;
/** Rows generated (and written) per chunk: the unit of streaming. */
export const SCALE_CHUNK_ROWS = 8192;

const TOPIC_COUNT = 200;
const TOPIC_WORDS = 40;
const TEXT_WORDS_MIN = 6;
const TEXT_WORDS_MAX = 14;
/** Share of a text's words taken from its topic (the rest from the whole vocabulary). */
const TOPIC_SHARE = 0.7;

interface Vocabulary {
  words: string[];
  topics: string[][];
  /** Cumulative Zipf weights over topics and over words, for inverse-CDF picks. */
  topicCdf: Float64Array;
  wordCdf: Float64Array;
}

let vocabulary: Vocabulary | undefined;

function zipfCdf(n: number): Float64Array {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cdf[i] = total += 1 / (i + 1);
  for (let i = 0; i < n; i++) cdf[i] /= total;
  return cdf;
}

function pickCdf(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function vocabularyOf(): Vocabulary {
  if (vocabulary) return vocabulary;
  const seen = new Set<string>();
  for (const record of generateCorpus({ size: 3000, seed: 7 })) {
    for (const word of record.text.toLowerCase().split(/[^a-z0-9-]+/)) if (word.length > 1) seen.add(word);
  }
  const words = [...seen].sort();
  const rng = createRng(4242).fork('scale-topics');
  // Shuffle once so the Zipf ranks are not alphabetical.
  for (let i = words.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [words[i], words[j]] = [words[j], words[i]];
  }
  const topics = Array.from({ length: TOPIC_COUNT }, () => Array.from({ length: TOPIC_WORDS }, () => rng.pick(words)));
  vocabulary = { words, topics, topicCdf: zipfCdf(TOPIC_COUNT), wordCdf: zipfCdf(words.length) };
  return vocabulary;
}

function textOf(rng: Rng, v: Vocabulary): string {
  const topic = v.topics[pickCdf(v.topicCdf, rng.next())];
  const count = rng.int(TEXT_WORDS_MIN, TEXT_WORDS_MAX);
  const out: string[] = [];
  for (let w = 0; w < count; w++) out.push(rng.next() < TOPIC_SHARE ? rng.pick(topic) : v.words[pickCdf(v.wordCdf, rng.next())]);
  return out.join(' ');
}

/** The texts of rows [chunk * SCALE_CHUNK_ROWS, + count): a function of (seed, chunk) alone. */
export function scaleTexts(seed: number, chunk: number, count = SCALE_CHUNK_ROWS): string[] {
  const v = vocabularyOf();
  const rng = createRng(seed).fork(`chunk:${chunk}`);
  return Array.from({ length: count }, () => textOf(rng, v));
}

/** The id of row i (fixed width would cost bytes for nothing; ids compare as strings only for ties). */
export const scaleId = (row: number): string => `m${row}`;

/** `count` rows' vectors from row `chunk * SCALE_CHUNK_ROWS` on, row-major in one Float32Array. */
export function scaleVectorChunk(seed: number, chunk: number, count = SCALE_CHUNK_ROWS): Float32Array {
  const texts = scaleTexts(seed, chunk, count);
  const out = new Float32Array(count * SCALE_DIMENSIONS);
  for (let i = 0; i < count; i++) out.set(embeddingFor(texts[i], SCALE_MODEL, SCALE_DIMENSIONS), i * SCALE_DIMENSIONS);
  return out;
}

/** Held-out query vectors (their own seed stream: no stored row is one of them). */
export function scaleQueries(seed: number, count: number): Float32Array[] {
  const texts = scaleTexts(seed, -1, count);
  return texts.map((t) => embeddingFor(t, SCALE_MODEL, SCALE_DIMENSIONS));
}

/** Writes `rows` vectors of `seed` to `file` (raw little-endian float32, row-major), one chunk at a time. */
export async function writeScaleVectors(file: string, seed: number, rows: number, onChunk?: (rowsDone: number) => void): Promise<void> {
  const handle = await open(file, 'w');
  try {
    for (let chunk = 0; chunk * SCALE_CHUNK_ROWS < rows; chunk++) {
      const count = Math.min(SCALE_CHUNK_ROWS, rows - chunk * SCALE_CHUNK_ROWS);
      const data = scaleVectorChunk(seed, chunk, count);
      await handle.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      onChunk?.(chunk * SCALE_CHUNK_ROWS + count);
    }
  } finally {
    await handle.close();
  }
}

/** One streamed chunk: its first row and its vectors (a fresh array each time: indexes may keep none of it). */
export interface VectorChunk {
  firstRow: number;
  rows: number;
  data: Float32Array;
}

/** The first `rows` vectors of a file written by writeScaleVectors, a chunk at a time. */
export async function* readVectorChunks(file: string, rows: number, dimensions = SCALE_DIMENSIONS, chunkRows = SCALE_CHUNK_ROWS): AsyncGenerator<VectorChunk> {
  const handle = await open(file, 'r');
  try {
    const rowBytes = dimensions * 4;
    for (let first = 0; first < rows; first += chunkRows) {
      const count = Math.min(chunkRows, rows - first);
      const data = new Float32Array(count * dimensions);
      const bytes = new Uint8Array(data.buffer);
      let done = 0;
      while (done < bytes.length) {
        const { bytesRead } = await handle.read(bytes, done, bytes.length - done, first * rowBytes + done);
        if (bytesRead === 0) throw new RangeError(`${file}: ends at row ${first + Math.floor(done / rowBytes)}, ${rows} rows expected`);
        done += bytesRead;
      }
      yield { firstRow: first, rows: count, data };
    }
  } finally {
    await handle.close();
  }
}
