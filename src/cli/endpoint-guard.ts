/**
 * `run --endpoint URL`: which scenarios may run against a user's endpoint, with which model, and what they may cost
 * at most (the cost guard, src/endpoint/cost-guard.ts), all before any request.
 *
 * The scenarios that call the API run: ingest, search-trace and parallel-api. Such an endpoint has no reference
 * model: vectors a driver needs outside its measured section are asked of it once in prepare, and correctness is
 * checked across sides (src/measure/vector-checks.ts). Index scenarios take vectors, not an API: they are refused
 * (exit 2), as is a factory variant (a user's part can send anything) against a non-loopback endpoint.
 *
 * The bound of each scenario: the requests of every run (2 x repetitions, plus the sweep), each sent as often as
 * its retries allow, every attempt billed, plus prepare's:
 * - ingest: every text sent alone (the naive embedder's plan, the most requests), up to 7 attempts (6 retries: the
 *   batching embedder's default; the SDK's default is 2); no prepare requests.
 * - search-trace: at most one query embedding per search (a cache only removes requests), each alone, up to 3
 *   attempts (the SDK's default); prepare: every distinct stored text and normalized query once, 256 per request,
 *   up to 3 attempts.
 * - parallel-api: per batch every document and query alone, up to 1 + workload.maxRetries attempts; one batch per
 *   baseline run, 1 + the curve's distinct concurrencies per optimized run (no token-bucket drain: an endpoint
 *   with unknown limits is not drained); prepare: the corpus once, 256 per request, up to 3 attempts.
 */
import { loadDataset, generateCorpus, generateQueries } from '../datasets/index.ts';
import { readTrace } from '../datasets/traces.ts';
import { PREPARE_INPUTS_PER_REQUEST, PREPARE_MAX_RETRIES } from '../measure/vector-checks.ts';
import type { IngestWorkload } from '../drivers/ingest.ts';
import type { ParallelApiWorkload } from '../drivers/parallel-api.ts';
import type { SearchTraceWorkload } from '../drivers/search-trace.ts';
import { checkCostGuard, costUpperBound, formatCostBound, isLoopback, sumCostBounds, type BatchingPlan, type CostBound } from '../endpoint/cost-guard.ts';
import { UsageError } from '../errors.ts';
import { isFactoryVariant } from '../harness/factory-variant.ts';
import type { ValidatedScenario } from '../harness/scenario-schema.ts';
import { normalizeQuery } from '../parts/search-cache/keys.ts';

export interface EndpointGuardArgs {
  baseURL: string;
  model?: string;
  dimensions?: number;
  maxCostUsd?: number;
  pricePerMillionTokens?: number;
}

/** Drivers whose scenarios call the embeddings API and run against a url endpoint. */
export const URL_ENDPOINT_DRIVERS: readonly string[] = ['ingest', 'search-trace', 'parallel-api'];

const INGEST_MAX_RETRIES = 6;
const SDK_DEFAULT_MAX_RETRIES = 2;

/** Refuses scenarios that cannot run against a url endpoint and applies --model / --dimensions to the rest. */
export function prepareForUrlEndpoint(scenarios: readonly ValidatedScenario[], args: EndpointGuardArgs): void {
  const refused = scenarios
    .filter((s) => !URL_ENDPOINT_DRIVERS.includes(s.definition.driver.name))
    .map((s) => `${s.definition.name} (${s.definition.driver.name})`);
  if (refused.length > 0) {
    throw new UsageError(
      { field: '--endpoint' },
      `only scenarios that call the embeddings API (${URL_ENDPOINT_DRIVERS.join(', ')}) run against a url endpoint; index scenarios take vectors; refused: ${refused.join(', ')}. Select scenarios with --filter`,
    );
  }
  for (const scenario of scenarios) {
    const workload = scenario.workload as { model: string; dimensions?: number };
    if (args.model !== undefined) workload.model = args.model;
    if (args.dimensions !== undefined) workload.dimensions = args.dimensions;
    if (!isLoopback(args.baseURL) && (isFactoryVariant(scenario.baselineParams) || isFactoryVariant(scenario.optimizedParams))) {
      throw new UsageError({ field: '--endpoint' }, `${scenario.definition.name}: a factory variant's requests cannot be bounded; refused against ${new URL(args.baseURL).host}`);
    }
  }
}

/** How many runs each side makes (repetitions, plus the sweep's runs on its side). */
function runsBySide(scenario: ValidatedScenario): { baseline: number; optimized: number } {
  const runs = { baseline: scenario.repetitions, optimized: scenario.repetitions };
  if (scenario.sweep) runs[scenario.sweep.side] += scenario.sweep.values.length * scenario.sweep.repetitions;
  return runs;
}

/** The bounds that make up one scenario: [bound, how many times it is spent]. */
async function scenarioBounds(scenario: ValidatedScenario, price: { pricePerMillionTokens?: number }): Promise<Array<[CostBound, number]>> {
  const runs = runsBySide(scenario);
  const bound = (texts: readonly string[], model: string, plan: BatchingPlan) => costUpperBound({ texts, model, plan, ...price });
  const alone = (maxRetries: number): BatchingPlan => ({ inputsPerRequest: 1, maxRetries });
  const batched: BatchingPlan = { inputsPerRequest: PREPARE_INPUTS_PER_REQUEST, maxRetries: PREPARE_MAX_RETRIES };
  switch (scenario.definition.driver.name) {
    case 'ingest': {
      const w = scenario.workload as IngestWorkload;
      const texts = (await loadDataset(w.dataset)).slice(0, w.size).map((r) => r.text);
      return [[bound(texts, w.model, alone(INGEST_MAX_RETRIES)), runs.baseline + runs.optimized]];
    }
    case 'search-trace': {
      const w = scenario.workload as SearchTraceWorkload;
      const [ops, records] = await Promise.all([readTrace(w.trace), loadDataset(w.dataset)]);
      const normalization = { caseFold: w.caseFold };
      const searches = ops.flatMap((op) => (op.op === 'search' ? [normalizeQuery(op.text, normalization)] : []));
      const stored = [...records.slice(0, w.preload).map((r) => r.text), ...ops.flatMap((op) => (op.op === 'add' ? [op.text] : []))];
      const distinct = [...new Set([...stored, ...searches])];
      return [
        [bound(distinct, w.model, batched), 1],
        [bound(searches, w.model, alone(SDK_DEFAULT_MAX_RETRIES)), runs.baseline + runs.optimized],
      ];
    }
    case 'parallel-api': {
      const w = scenario.workload as ParallelApiWorkload;
      const records = generateCorpus({ size: w.corpusSize + w.documents, seed: scenario.seed });
      const corpus = records.slice(0, w.corpusSize).map((r) => r.text);
      const batch = [...records.slice(w.corpusSize).map((r) => r.text), ...generateQueries({ size: w.queries, seed: scenario.seed }).map((q) => q.text)];
      const curve = new Set(w.curve).size;
      return [
        [bound(corpus, w.model, batched), 1],
        [bound(batch, w.model, alone(w.maxRetries)), runs.baseline + runs.optimized * (1 + curve)],
      ];
    }
    default:
      throw new UsageError({ field: '--endpoint' }, `${scenario.definition.name}: driver '${scenario.definition.driver.name}' has no cost bound`);
  }
}

/** Each scenario's upper bound of requests, tokens and cost, for the console and the guard. */
export async function costBounds(scenarios: readonly ValidatedScenario[], args: EndpointGuardArgs): Promise<{ name: string; bound: CostBound }[]> {
  const out: { name: string; bound: CostBound }[] = [];
  for (const scenario of scenarios) {
    const parts = await scenarioBounds(scenario, { pricePerMillionTokens: args.pricePerMillionTokens });
    const total = sumCostBounds(parts.flatMap(([b, times]) => Array.from({ length: times }, () => b)));
    out.push({ name: scenario.definition.name, bound: { ...parts[0][0], ...total } });
  }
  return out;
}

/** Prints every bound, then refuses (exit 2) what the guard refuses. Returns the lines printed. */
export function guardCost(bounds: readonly { name: string; bound: CostBound }[], args: EndpointGuardArgs, out: (text: string) => void): void {
  const host = new URL(args.baseURL).host;
  for (const { name, bound } of bounds) out(`cost bound ${name} on ${host} (${bound.model}): ${formatCostBound(bound)}\n`);
  const total = sumCostBounds(bounds.map((b) => b.bound));
  out(`cost bound, all scenarios: ${formatCostBound(total)}\n`);
  checkCostGuard({ baseURL: args.baseURL, maxCostUsd: args.maxCostUsd, bound: { ...total, model: bounds[0]?.bound.model } });
}
