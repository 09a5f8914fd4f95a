/**
 * Writes the shipped agent-memory workloads (see src/datasets/agent-workload.ts and datasets/README.md):
 *
 *   npx tsx scripts/generate-agent-workload.ts [--stats]
 *
 * Options: --out <dir> (default datasets/agent-memory), --memories <file> and --queries <file> (the corpus texts
 * notes and unlabelled searches are drawn from; default datasets/memories.jsonl and datasets/queries.jsonl),
 * --users <n> --seed <n> --file <name> (write one workload instead of the two shipped ones), --stats (print each
 * workload's counts), --help. Output is byte-identical for the same inputs and options; files are written
 * atomically; bad options exit with code 2.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { integerOption, parseScriptArgs, runIfEntryPoint } from './lib/options.ts';
import { writeAgentTrace } from '../src/datasets/agent-trace.ts';
import { AGENT_WORKLOADS, generateAgentWorkload, summarizeAgentWorkload, type AgentWorkloadSummary } from '../src/datasets/agent-workload.ts';
import { loadDataset, loadQueries } from '../src/datasets/load.ts';

const USAGE = `Usage: npx tsx scripts/generate-agent-workload.ts [options]

  --out <dir>           folder for the workloads (default: datasets/${AGENT_WORKLOADS.dir})
  --memories <file>     corpus memories the notes are drawn from (default: datasets/memories.jsonl)
  --queries <file>      corpus queries the unlabelled searches are drawn from (default: datasets/queries.jsonl)
  --users <n> --seed <n>  write one workload of n users to --file instead of the two shipped ones
  --file <name>         file name for --users (default: agent-memory-custom.jsonl)
  --stats               print each workload's counts
  --help                show this help

Without --users, writes ${AGENT_WORKLOADS.full.file} (${AGENT_WORKLOADS.full.users} users, seed ${AGENT_WORKLOADS.full.seed}) and ${AGENT_WORKLOADS.quick.file} (${AGENT_WORKLOADS.quick.users} users, seed ${AGENT_WORKLOADS.quick.seed}).`;

export interface GenerateAgentWorkloadArgs {
  out: string;
  memories: string;
  queries: string;
  single: { users: number; seed: number; file: string } | undefined;
  stats: boolean;
  help: boolean;
}

export function parseGenerateAgentWorkloadArgs(argv: readonly string[]): GenerateAgentWorkloadArgs {
  const values = parseScriptArgs(
    argv,
    {
      out: { type: 'string', default: join('datasets', AGENT_WORKLOADS.dir) },
      memories: { type: 'string', default: 'datasets/memories.jsonl' },
      queries: { type: 'string', default: 'datasets/queries.jsonl' },
      users: { type: 'string' },
      seed: { type: 'string' },
      file: { type: 'string', default: 'agent-memory-custom.jsonl' },
      stats: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    USAGE,
  );
  const single =
    values.users !== undefined
      ? { users: integerOption('--users', values.users, 1), seed: integerOption('--seed', values.seed ?? '1'), file: values.file }
      : undefined;
  return { out: values.out, memories: values.memories, queries: values.queries, single, stats: values.stats, help: values.help };
}

/** Generates and writes the workloads; returns each path written with its counts. */
export async function writeAgentWorkloads(args: GenerateAgentWorkloadArgs): Promise<{ path: string; summary: AgentWorkloadSummary }[]> {
  const [notes, queries] = await Promise.all([loadDataset(args.memories), loadQueries(args.queries)]);
  await mkdir(args.out, { recursive: true });
  const plan = args.single ? [args.single] : [AGENT_WORKLOADS.full, AGENT_WORKLOADS.quick];
  const written: { path: string; summary: AgentWorkloadSummary }[] = [];
  for (const { users, seed, file } of plan) {
    const path = join(args.out, file);
    const ops = generateAgentWorkload({ users, seed }, { notes, queries });
    await writeAgentTrace(path, ops);
    written.push({ path, summary: summarizeAgentWorkload(ops) });
  }
  return written;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseGenerateAgentWorkloadArgs(argv);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  for (const { path, summary } of await writeAgentWorkloads(args)) {
    console.log(`wrote ${path}`);
    if (args.stats) console.log(JSON.stringify(summary, null, 2));
  }
  return 0;
}

await runIfEntryPoint(import.meta.url, main);
