/**
 * Query traces: a replayable log of what an agent asked its memory, as JSONL, one operation per line.
 *
 *   {"op":"search","text":"where is the all-hands held","options":{"topK":5}}
 *   {"op":"search","text":"Gift ideas for Laura","options":{"filter":{"topic":"family"},"topK":5}}
 *   {"op":"add","text":"The user moved the all-hands to Thursday.","metadata":{"topic":"meetings"}}
 *
 * - `search`: `text` (non-empty) and optional `options`: `topK` (integer 1..1000, default 5) and `filter`
 *   (metadata field -> string, number or boolean; a memory matches when every field is equal).
 * - `add`: `text` (non-empty) and optional `metadata` (field -> string, number or boolean).
 * - Blank lines and whole-line `#` comments are skipped (readJsonl's rules); unknown fields and unknown ops are
 *   errors. A bad line is a DatasetError naming the file, the line and the field (exit code 2).
 *
 * Operations are replayed in file order; with several concurrent clients, each client takes the next operation
 * when its previous one finished, so operation i starts no earlier than operation i-1 started.
 *
 * The generator draws searches from a Zipf distribution over a pool of distinct searches, makes a share of them
 * near-duplicates (the same search with different case or spacing), and interleaves adds at a given rate.
 */
import { z } from 'zod';
import { DatasetError, OptionError } from '../errors.ts';
import { createRng, type Rng } from '../util/rng.ts';
import { iterateJsonl, writeJsonlAtomic, type ReadJsonlOptions } from './jsonl.ts';

const MetadataValue = z.union([z.string(), z.number().refine(Number.isFinite, 'expected a finite number'), z.boolean()]);

export const TraceSearchOptionsSchema = z.strictObject({
  topK: z.number().int().min(1).max(1000).optional(),
  filter: z.record(z.string(), MetadataValue).optional(),
});

export const TraceSearchSchema = z.strictObject({
  op: z.literal('search'),
  text: z.string().min(1),
  options: TraceSearchOptionsSchema.optional(),
});

export const TraceAddSchema = z.strictObject({
  op: z.literal('add'),
  text: z.string().min(1),
  metadata: z.record(z.string(), MetadataValue).optional(),
});

/** One trace line. The `op` field is checked first, so an unknown op gets its own message. */
export const TraceOpSchema = z.discriminatedUnion('op', [TraceSearchSchema, TraceAddSchema], {
  error: (issue) =>
    issue.code === 'invalid_union' ? `expected op 'search' or 'add'` : undefined,
});

export type TraceSearch = z.infer<typeof TraceSearchSchema>;
export type TraceAdd = z.infer<typeof TraceAddSchema>;
export type TraceOp = z.infer<typeof TraceOpSchema>;

/** Reads and validates a trace file; it must hold at least one search. */
export async function readTrace(file: string, options?: ReadJsonlOptions): Promise<TraceOp[]> {
  const ops: TraceOp[] = [];
  for await (const { value } of iterateJsonl(file, TraceOpSchema, options)) ops.push(value);
  if (!ops.some((op) => op.op === 'search')) {
    throw new DatasetError({ file }, 'no search operations (a trace needs at least one {"op":"search",...} line)');
  }
  return ops;
}

/** Writes a trace atomically (see writeJsonlAtomic). */
export function writeTrace(file: string, ops: Iterable<TraceOp>): Promise<void> {
  return writeJsonlAtomic(file, ops);
}

export interface TraceGeneratorOptions {
  /** Operations in the trace (searches + adds). Default 20,000. */
  ops?: number;
  /** Distinct searches in the pool (at most the number of query texts given). Default 1,000. */
  poolSize?: number;
  /** Zipf exponent: the search of popularity rank r is drawn with weight r^-alpha. Default 0.9. */
  zipfAlpha?: number;
  /** Share of searches written as a near-duplicate of their pool entry (case or spacing). Default 0.1. */
  nearDuplicateShare?: number;
  /** Share of operations that are adds. Default 0.02. */
  writeRate?: number;
  /** Share of pool entries that filter on the query's topic. Default 0.1. */
  filterShare?: number;
  /** Share of pool entries asking for topK 10 instead of the default 5. Default 0.1. */
  topK10Share?: number;
  seed?: number;
}

export const DEFAULT_TRACE_OPTIONS: Required<TraceGeneratorOptions> = {
  ops: 20_000,
  poolSize: 1_000,
  zipfAlpha: 0.9,
  nearDuplicateShare: 0.1,
  writeRate: 0.02,
  filterShare: 0.1,
  topK10Share: 0.1,
  seed: 7,
};

/**
 * The traces committed in `datasets/traces/` and how they were made (generate-traces.ts writes them). Their adds
 * are the memories that follow the first `preload` of memories.jsonl, which a replay loads before the trace.
 */
export const DEFAULT_TRACES = {
  dir: 'traces',
  /** Memories of memories.jsonl loaded before a replay; adds start after them. */
  preload: 1_000,
  default: { file: 'search-default.jsonl', ops: 20_000, seed: 7 },
  quick: { file: 'search-quick.jsonl', ops: 4_000, seed: 8 },
} as const;

/** A query text to draw searches from; `topic` (if any) is what a filtered search filters on. */
export interface TraceQuerySource {
  text: string;
  topic?: string;
}

/** A memory an add may write; taken in order, so adds are reproducible and never repeat. */
export interface TraceAddSource {
  text: string;
  topic?: string;
}

interface PoolEntry {
  text: string;
  topK: number;
  filter?: Record<string, string>;
}

/**
 * A trace from query texts and memories to add. Deterministic for the same inputs and options. Throws OptionError
 * for options out of range, or when there are not enough memories for the adds the write rate asks for.
 */
export function generateTrace(
  queries: readonly TraceQuerySource[],
  adds: readonly TraceAddSource[],
  options: TraceGeneratorOptions = {},
): TraceOp[] {
  const o = { ...DEFAULT_TRACE_OPTIONS, ...options };
  checkInteger('ops', o.ops, 1);
  checkInteger('poolSize', o.poolSize, 1);
  if (o.poolSize > queries.length) {
    throw new OptionError('poolSize', `at most the ${queries.length} query texts given`, o.poolSize);
  }
  if (!(Number.isFinite(o.zipfAlpha) && o.zipfAlpha >= 0)) throw new OptionError('zipfAlpha', 'a number >= 0', o.zipfAlpha);
  for (const name of ['nearDuplicateShare', 'writeRate', 'filterShare', 'topK10Share'] as const) {
    if (!(o[name] >= 0 && o[name] <= 1)) throw new OptionError(name, 'a fraction between 0 and 1', o[name]);
  }
  if (o.writeRate === 1) throw new OptionError('writeRate', 'below 1 (a trace needs searches)', o.writeRate);

  const rng = createRng(o.seed);
  const poolRng = rng.fork('pool');
  // The pool: poolSize query texts in a random popularity order, each with its own options.
  const order = shuffle(queries.map((_, i) => i), poolRng).slice(0, o.poolSize);
  const pool: PoolEntry[] = order.map((i) => {
    const query = queries[i];
    const entry: PoolEntry = { text: query.text, topK: poolRng.next() < o.topK10Share ? 10 : 5 };
    if (query.topic && poolRng.next() < o.filterShare) entry.filter = { topic: query.topic };
    return entry;
  });
  const cdf = zipfCdf(o.poolSize, o.zipfAlpha);

  const opsRng = rng.fork('ops');
  const out: TraceOp[] = [];
  let nextAdd = 0;
  for (let i = 0; i < o.ops; i++) {
    if (opsRng.next() < o.writeRate) {
      if (nextAdd >= adds.length) {
        throw new OptionError('writeRate', `few enough adds for the ${adds.length} memories given`, o.writeRate);
      }
      const memory = adds[nextAdd++];
      out.push(memory.topic ? { op: 'add', text: memory.text, metadata: { topic: memory.topic } } : { op: 'add', text: memory.text });
      continue;
    }
    const entry = pool[sampleCdf(cdf, opsRng.next())];
    const text = opsRng.next() < o.nearDuplicateShare ? nearDuplicate(entry.text, opsRng) : entry.text;
    out.push({ op: 'search', text, options: writeOptions(entry, opsRng) });
  }
  return out;
}

/** The same options in one of the ways a caller might write them: key order varies, a default topK may be left out. */
function writeOptions(entry: PoolEntry, rng: Rng): TraceSearch['options'] {
  const omitTopK = entry.topK === 5 && rng.next() < 0.25;
  if (!entry.filter) return omitTopK ? {} : { topK: entry.topK };
  if (omitTopK) return { filter: entry.filter };
  return rng.next() < 0.5 ? { topK: entry.topK, filter: entry.filter } : { filter: entry.filter, topK: entry.topK };
}

/** The same text with different case or spacing; never the identical string. */
export function nearDuplicate(text: string, rng: Rng): string {
  const variants = [
    () => text.toLowerCase(),
    () => text.toUpperCase(),
    () => text.charAt(0).toUpperCase() + text.slice(1),
    () => `  ${text} `,
    () => text.replace(/ /g, '  '),
    () => `${text}\t`,
  ];
  for (let attempt = 0; attempt < 10; attempt++) {
    const candidate = rng.pick(variants)();
    if (candidate !== text) return candidate;
  }
  return `${text} `;
}

/** Cumulative weights of ranks 1..n under r^-alpha, normalized to end at 1. */
function zipfCdf(n: number, alpha: number): Float64Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) {
    sum += (r + 1) ** -alpha;
    cdf[r] = sum;
  }
  for (let r = 0; r < n; r++) cdf[r] /= sum;
  return cdf;
}

function sampleCdf(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function checkInteger(name: string, value: number, min: number): void {
  if (!(Number.isInteger(value) && value >= min)) throw new OptionError(name, `an integer >= ${min}`, value);
}
