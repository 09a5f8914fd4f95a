/**
 * Writes the default query traces (see traces.ts for the format):
 *
 *   npx tsx scripts/generate-traces.ts
 *
 * Options: --out <dir> (default datasets/traces), --memories <file> (datasets/memories.jsonl), --queries <file>
 * (datasets/queries.jsonl), --preload <n> (1000: adds are the memories after the first n), --alpha <x> (0.9),
 * --pool <n> (1000), --near-duplicates <x> (0.1), --write-rate <x> (0.02), --ops <n> and --seed <n> (write one
 * trace, to --file), --help. Output is byte-identical for the same inputs and options; files are written
 * atomically; bad options exit with code 2.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { integerOption, numberOption, parseScriptArgs, runIfEntryPoint } from './lib/options.ts';
import { loadDataset, loadQueries } from '../src/datasets/load.ts';
import { DEFAULT_TRACE_OPTIONS, DEFAULT_TRACES, generateTrace, writeTrace, type TraceGeneratorOptions } from '../src/datasets/traces.ts';

const USAGE = `Usage: npx tsx scripts/generate-traces.ts [options]

  --out <dir>               folder for the traces (default: datasets/${DEFAULT_TRACES.dir})
  --memories <file>         memories to add from (default: datasets/memories.jsonl)
  --queries <file>          query texts to search for (default: datasets/queries.jsonl)
  --preload <n>             adds use the memories after the first n (default: ${DEFAULT_TRACES.preload})
  --pool <n>                distinct searches (default: ${DEFAULT_TRACE_OPTIONS.poolSize})
  --alpha <x>               Zipf exponent of search popularity (default: ${DEFAULT_TRACE_OPTIONS.zipfAlpha})
  --near-duplicates <x>     share of searches differing only in case or spacing (default: ${DEFAULT_TRACE_OPTIONS.nearDuplicateShare})
  --write-rate <x>          share of operations that are adds (default: ${DEFAULT_TRACE_OPTIONS.writeRate})
  --ops <n> --seed <n>      write one trace of n operations to --file instead of the two defaults
  --file <name>             file name for --ops (default: search-custom.jsonl)
  --help                    show this help

Without --ops, writes ${DEFAULT_TRACES.default.file} (${DEFAULT_TRACES.default.ops} operations, seed ${DEFAULT_TRACES.default.seed}) and ${DEFAULT_TRACES.quick.file} (${DEFAULT_TRACES.quick.ops}, seed ${DEFAULT_TRACES.quick.seed}).`;

export interface GenerateTracesArgs {
  out: string;
  memories: string;
  queries: string;
  preload: number;
  generator: TraceGeneratorOptions;
  single: { ops: number; seed: number; file: string } | undefined;
  help: boolean;
}

export function parseGenerateTracesArgs(argv: readonly string[]): GenerateTracesArgs {
  const values = parseScriptArgs(
    argv,
    {
    out: { type: 'string', default: join('datasets', DEFAULT_TRACES.dir) },
    memories: { type: 'string', default: 'datasets/memories.jsonl' },
    queries: { type: 'string', default: 'datasets/queries.jsonl' },
    preload: { type: 'string', default: String(DEFAULT_TRACES.preload) },
    pool: { type: 'string', default: String(DEFAULT_TRACE_OPTIONS.poolSize) },
    alpha: { type: 'string', default: String(DEFAULT_TRACE_OPTIONS.zipfAlpha) },
    'near-duplicates': { type: 'string', default: String(DEFAULT_TRACE_OPTIONS.nearDuplicateShare) },
    'write-rate': { type: 'string', default: String(DEFAULT_TRACE_OPTIONS.writeRate) },
    ops: { type: 'string' },
    seed: { type: 'string' },
    file: { type: 'string', default: 'search-custom.jsonl' },
    help: { type: 'boolean', default: false },
    },
    USAGE,
  );
  const single =
    values.ops !== undefined
      ? { ops: integerOption('--ops', values.ops, 1), seed: integerOption('--seed', values.seed ?? '1'), file: values.file }
      : undefined;
  return {
    out: values.out,
    memories: values.memories,
    queries: values.queries,
    preload: integerOption('--preload', values.preload, 0),
    generator: {
      poolSize: integerOption('--pool', values.pool, 1),
      zipfAlpha: numberOption('--alpha', values.alpha, 0, Number.POSITIVE_INFINITY),
      nearDuplicateShare: numberOption('--near-duplicates', values['near-duplicates'], 0, 1),
      writeRate: numberOption('--write-rate', values['write-rate'], 0, 1),
    },
    single,
    help: values.help,
  };
}

/** Generates and writes the traces; returns the paths written. */
export async function writeTraces(args: GenerateTracesArgs): Promise<string[]> {
  const [memories, queries] = await Promise.all([loadDataset(args.memories), loadQueries(args.queries)]);
  const adds = memories.slice(args.preload);
  await mkdir(args.out, { recursive: true });
  const plan = args.single ? [args.single] : [DEFAULT_TRACES.default, DEFAULT_TRACES.quick];
  const written: string[] = [];
  for (const { ops, seed, file } of plan) {
    const path = join(args.out, file);
    await writeTrace(path, generateTrace(queries, adds, { ...args.generator, ops, seed }));
    written.push(path);
  }
  return written;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseGenerateTracesArgs(argv);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  for (const path of await writeTraces(args)) console.log(`wrote ${path}`);
  return 0;
}

await runIfEntryPoint(import.meta.url, main);
