/**
 * How well vector, keyword and hybrid memories retrieve the labelled answers of an agent-memory trace, on the real
 * USE-lite vectors, with no API in the way (an offline check of the workload, not a benchmark):
 *
 *   npx tsx scripts/agent-memory-relevance.ts [--trace datasets/agent-memory/agent-memory.jsonl]
 *
 * Replays the trace in order through one MemorySystem per stack (exact flat index; keyword BM25+; hybrid of flat and
 * keyword by RRF), each search within its user, and prints for the labelled searches recall_any@k (a relevant memory
 * in the top k) with a 95% Wilson interval, and how many live memories the user had when asked. Every text must be
 * in the shipped vectors (datasets/vectors/ and datasets/agent-memory/vectors/).
 */
import { integerOption, parseScriptArgs, runIfEntryPoint } from './lib/options.ts';
import { readAgentTrace } from '../src/datasets/agent-trace.ts';
import { loadShippedVectorSets } from '../src/endpoint/models/shipped-vectors.ts';
import { PrecomputedEmbedder } from '../src/measure/precomputed-embedder.ts';
import { MemorySystem } from '../src/memory/memory-system.ts';
import { createIndex, indexParamsSchema, type IndexParamsInput } from '../src/parts/registry.ts';
import { RunError } from '../src/errors.ts';

const USAGE = `Usage: npx tsx scripts/agent-memory-relevance.ts [--trace <file>] [--k 10]
  --trace <file>   an agent-memory trace whose texts are in the shipped USE-lite vectors (default: datasets/agent-memory/agent-memory.jsonl)
  --k <n>          results each search asks for (default: 10; recall is reported at 1, 5 and k)
  --help           show this help`;

const STACKS: Record<string, IndexParamsInput> = {
  vector: { index: 'flat' },
  keyword: { index: 'keyword' },
  hybrid: { index: 'hybrid', vector: { index: 'flat' } },
};

/** Wilson score interval of a proportion, 95%. */
export function wilsonInterval(successes: number, n: number, z = 1.959964): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

async function main(argv: readonly string[]): Promise<number> {
  const values = parseScriptArgs(
    argv,
    { trace: { type: 'string', default: 'datasets/agent-memory/agent-memory.jsonl' }, k: { type: 'string', default: '10' }, help: { type: 'boolean', default: false } },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const topK = integerOption('--k', values.k, 1);
  const ks = [...new Set([1, 5, topK])].filter((k) => k <= topK).sort((a, b) => a - b);
  const entries = await readAgentTrace(values.trace);
  const shipped = await loadShippedVectorSets('use-lite');
  if (!shipped) throw new RunError('no shipped USE-lite vectors found (datasets/vectors/, datasets/agent-memory/vectors/)');
  const texts = new Set(entries.flatMap(({ op }) => (op.op === 'delete' ? [] : [op.text])));
  const missing = [...texts].filter((text) => !shipped.has(text));
  if (missing.length > 0) throw new RunError(`${missing.length} texts of ${values.trace} have no shipped vector (first: '${missing[0].slice(0, 60)}'): rerun scripts/embed-corpus.ts --set agent-memory`);
  const vectors = [...texts].map((text) => [text, shipped.vectorFor(text)!] as const);

  console.log(`${values.trace}: ${entries.length} operations, USE-lite vectors, recall_any@k of the labelled searches (95% Wilson interval)`);
  for (const [name, params] of Object.entries(STACKS)) {
    const memory = new MemorySystem({ embedder: new PrecomputedEmbedder(vectors), index: await createIndex(indexParamsSchema.parse(params)) });
    const idOf = new Map<string, string>();
    const live = new Map<string, number>();
    const found = ks.map(() => 0);
    let labelled = 0;
    let liveSum = 0;
    for (const { op } of entries) {
      if (op.op === 'add') {
        idOf.set(op.id, await memory.add(op.text, op.metadata, { namespace: op.user }));
        live.set(op.user, (live.get(op.user) ?? 0) + 1);
      } else if (op.op === 'update') {
        await memory.update(idOf.get(op.id)!, op.text, op.metadata);
      } else if (op.op === 'delete') {
        await memory.delete(idOf.get(op.id)!);
        live.set(op.user, live.get(op.user)! - 1);
      } else {
        const results = await memory.search(op.text, { namespace: op.user, topK, filter: op.filter });
        if (!op.relevant) continue;
        labelled++;
        liveSum += live.get(op.user) ?? 0;
        const wanted = new Set(op.relevant.map((id) => idOf.get(id)));
        ks.forEach((k, i) => {
          if (results.slice(0, k).some((r) => wanted.has(r.id))) found[i]++;
        });
      }
    }
    const cells = ks.map((k, i) => {
      const [low, high] = wilsonInterval(found[i], labelled);
      return `@${k} ${(found[i] / labelled).toFixed(3)} [${low.toFixed(3)}, ${high.toFixed(3)}]`;
    });
    console.log(`${name.padEnd(8)} ${labelled} labelled searches (${(liveSum / labelled).toFixed(1)} live memories each on average): ${cells.join('  ')}`);
  }
  return 0;
}

await runIfEntryPoint(import.meta.url, main);
