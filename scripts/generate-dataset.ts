/**
 * Writes the default datasets:
 *
 *   npx tsx scripts/generate-dataset.ts --out datasets
 *
 * Options: --out <dir> (default: datasets), --memories <n> (10000), --seed <n> (42), --queries <n> (1000),
 * --query-seed <n> (43), --stats (also print corpus statistics), --help. Output is byte-identical for the same
 * options. Files are written atomically. Bad options exit with code 2.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { integerOption, parseScriptArgs, runIfEntryPoint } from './lib/options.ts';
import { countWords, generateCorpusDetailed, generateQueries } from '../src/datasets/corpus.ts';
import { DEFAULT_DATASETS } from '../src/datasets/defaults.ts';
import { writeJsonlAtomic } from '../src/datasets/jsonl.ts';

const USAGE = `Usage: npx tsx scripts/generate-dataset.ts [options]

  --out <dir>         folder to write memories.jsonl and queries.jsonl to (default: datasets)
  --memories <n>      number of memories (default: ${DEFAULT_DATASETS.memories.size})
  --seed <n>          seed for the memories (default: ${DEFAULT_DATASETS.memories.seed})
  --queries <n>       number of queries (default: ${DEFAULT_DATASETS.queries.size})
  --query-seed <n>    seed for the queries (default: ${DEFAULT_DATASETS.queries.seed})
  --stats             print corpus statistics (words, cl100k tokens, duplicates)
  --help              show this help`;

export interface GenerateDatasetsOptions {
  out: string;
  memories: number;
  seed: number;
  queries: number;
  querySeed: number;
}

/** Generates and writes both files; returns their paths. */
export async function writeDatasets(options: GenerateDatasetsOptions): Promise<{ memories: string; queries: string }> {
  await mkdir(options.out, { recursive: true });
  const memories = join(options.out, DEFAULT_DATASETS.memories.file);
  const queries = join(options.out, DEFAULT_DATASETS.queries.file);
  const corpus = generateCorpusDetailed({ size: options.memories, seed: options.seed });
  await writeJsonlAtomic(memories, corpus.map((memory) => memory.record));
  await writeJsonlAtomic(queries, generateQueries({ size: options.queries, seed: options.querySeed }));
  return { memories, queries };
}

export interface GenerateArgs extends GenerateDatasetsOptions {
  stats: boolean;
  help: boolean;
}

/** Parses the script's argv (without node and the script path); bad input throws `UsageError`. */
export function parseGenerateArgs(argv: readonly string[]): GenerateArgs {
  const values = parseScriptArgs(
    argv,
    {
    out: { type: 'string', default: 'datasets' },
    memories: { type: 'string', default: String(DEFAULT_DATASETS.memories.size) },
    seed: { type: 'string', default: String(DEFAULT_DATASETS.memories.seed) },
    queries: { type: 'string', default: String(DEFAULT_DATASETS.queries.size) },
    'query-seed': { type: 'string', default: String(DEFAULT_DATASETS.queries.seed) },
    stats: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
    },
    USAGE,
  );
  return {
    out: values.out,
    memories: integerOption('--memories', values.memories, 0),
    seed: integerOption('--seed', values.seed),
    queries: integerOption('--queries', values.queries, 0),
    querySeed: integerOption('--query-seed', values['query-seed']),
    stats: values.stats,
    help: values.help,
  };
}

async function printStats(options: GenerateDatasetsOptions, files: { memories: string; queries: string }) {
  const { countTokens } = await import('gpt-tokenizer/encoding/cl100k_base');
  const corpus = generateCorpusDetailed({ size: options.memories, seed: options.seed });
  const words = corpus.map((memory) => countWords(memory.record.text));
  const tokens = corpus.map((memory) => countTokens(memory.record.text));
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const share = (kind: string) => corpus.filter((memory) => memory.kind === kind).length / Math.max(1, corpus.length);
  const queries = generateQueries({ size: options.queries, seed: options.querySeed });
  const topics = new Set(corpus.map((memory) => memory.record.topic)).size;
  const range = (xs: number[]) => `mean ${mean(xs).toFixed(2)}, min ${Math.min(...xs)}, max ${Math.max(...xs)}`;
  const percent = (x: number) => `${(x * 100).toFixed(2)}%`;
  const queryWords = queries.map((query) => countWords(query.text));
  const lines = [
    `memories: ${corpus.length} records, ${topics} topics, ${(await stat(files.memories)).size} bytes`,
    `  words per text: ${range(words)}`,
    `  cl100k tokens per text: ${range(tokens)}`,
    `  exact duplicates ${percent(share('exact-duplicate'))}, near duplicates ${percent(share('near-duplicate'))}`,
    `queries: ${queries.length} records, ${(await stat(files.queries)).size} bytes`,
    `  words per query: ${range(queryWords)}`,
  ];
  console.log(lines.join('\n'));
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseGenerateArgs(argv);
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const files = await writeDatasets(options);
  console.log(`wrote ${files.memories} and ${files.queries}`);
  if (options.stats) await printStats(options, files);
  return 0;
}

await runIfEntryPoint(import.meta.url, main);
