/**
 * Every distinct text of the shipped agent-memory workloads (datasets/agent-memory/*.jsonl: the texts of adds,
 * updates and searches), in a fixed order: first appearance, files by name. The shipped real vectors of the
 * workloads (datasets/agent-memory/vectors/) have one row per text, in this order.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readAgentTrace } from './agent-trace.ts';
import { AGENT_WORKLOADS } from './agent-workload.ts';
import type { CorpusTexts } from './corpus-texts.ts';
import { DEFAULT_DATASET_DIR } from './defaults.ts';

export async function distinctAgentMemoryTexts(dir: string = DEFAULT_DATASET_DIR): Promise<CorpusTexts> {
  const files = (await readdir(join(dir, AGENT_WORKLOADS.dir))).filter((f) => f.endsWith('.jsonl')).sort();
  const sources = files.map((f) => `${AGENT_WORKLOADS.dir}/${f}`);
  const seen = new Set<string>();
  for (const source of sources) {
    for (const { op } of await readAgentTrace(join(dir, source))) if (op.op !== 'delete') seen.add(op.text);
  }
  return { texts: [...seen], sources };
}
