/**
 * `run --endpoint URL`: which scenarios may run against a user's endpoint, with which model, and what they may cost
 * at most (the cost guard, src/endpoint/cost-guard.ts), all before any request.
 *
 * Only ingest scenarios run against a url endpoint: search-trace and parallel-api build their stored memories and
 * queries from the endpoint's reference model, which a user's endpoint does not have (a cross-side check for them
 * is not built), and index scenarios take vectors, not an API. Other scenarios are refused (exit 2).
 *
 * The bound of one ingest run: every text sent alone (the naive embedder's plan, the most requests) with up to
 * 6 retries per request (the batching embedder's default; the SDK's default is 2), so at most 7 attempts per text and
 * 7 x its tokens billed; plus the self-reference (each text once alone, up to 3 attempts) once per scenario.
 * A factory variant (a user's embedder) can send anything: it is refused against a non-loopback endpoint.
 */
import { loadDataset } from '../datasets/index.ts';
import { checkCostGuard, costUpperBound, formatCostBound, isLoopback, sumCostBounds, type CostBound } from '../endpoint/cost-guard.ts';
import { UsageError } from '../errors.ts';
import { isFactoryVariant } from '../harness/factory-variant.ts';
import type { ValidatedScenario } from '../harness/scenario-schema.ts';

export interface EndpointGuardArgs {
  baseURL: string;
  model?: string;
  dimensions?: number;
  maxCostUsd?: number;
  pricePerMillionTokens?: number;
}

const RUN_ATTEMPTS_MINUS_ONE = 6;
const REFERENCE_RETRIES = 2;

/** Refuses scenarios that cannot run against a url endpoint and applies --model / --dimensions to the rest. */
export function prepareForUrlEndpoint(scenarios: readonly ValidatedScenario[], args: EndpointGuardArgs): void {
  const refused = scenarios.filter((s) => s.definition.driver.name !== 'ingest').map((s) => `${s.definition.name} (${s.definition.driver.name})`);
  if (refused.length > 0) {
    throw new UsageError(
      { field: '--endpoint' },
      `only ingest scenarios run against a url endpoint (the others need the endpoint's reference model, which it has not); refused: ${refused.join(', ')}. Select scenarios with --filter`,
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

/** Each scenario's upper bound of requests, tokens and cost, for the console and the guard. */
export async function costBounds(scenarios: readonly ValidatedScenario[], args: EndpointGuardArgs): Promise<{ name: string; bound: CostBound }[]> {
  const out: { name: string; bound: CostBound }[] = [];
  for (const scenario of scenarios) {
    const workload = scenario.workload as { dataset: string; size: number; model: string };
    const texts = (await loadDataset(workload.dataset)).slice(0, workload.size).map((r) => r.text);
    const runs = 2 * scenario.repetitions + (scenario.sweep ? scenario.sweep.values.length * scenario.sweep.repetitions : 0);
    const price = { pricePerMillionTokens: args.pricePerMillionTokens };
    const run = costUpperBound({ texts, model: workload.model, plan: { inputsPerRequest: 1, maxRetries: RUN_ATTEMPTS_MINUS_ONE }, ...price });
    const reference = costUpperBound({ texts, model: workload.model, plan: { inputsPerRequest: 1, maxRetries: REFERENCE_RETRIES }, ...price });
    const total = sumCostBounds([...Array.from({ length: runs }, () => run), reference]);
    out.push({ name: scenario.definition.name, bound: { ...run, ...total } });
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
