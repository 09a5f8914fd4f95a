/**
 * `run --endpoint URL`: which scenarios may run against a user's endpoint, with which model, and what they may cost
 * at most (the cost guard, src/endpoint/cost-guard.ts), all before any request.
 *
 * The scenarios whose driver declares its API requests (`WorkloadDriver.apiRequests`: ingest, search-trace and
 * parallel-api) run. Such an endpoint has no reference model: vectors a driver needs outside its measured section
 * are asked of it once in prepare, and correctness is checked across sides (src/measure/vector-checks.ts). Scenarios
 * of other drivers (index scenarios take vectors, not an API) are refused (exit 2), and a factory variant (a
 * user's part can send anything) runs against a non-loopback endpoint only with --max-cost-usd, which the client
 * ledger enforces request by request (src/endpoint/cost-budget.ts).
 *
 * The bound of each scenario is its driver's request plan (each driver documents its own): the requests of every
 * run (2 x repetitions, plus the sweep) and of prepare, each sent as often as its retries allow, every attempt billed.
 */
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

/** memopt's drivers that declare their API requests, for the refusal message. */
const API_DRIVERS_HINT = 'ingest, search-trace, parallel-api';

/** Refuses scenarios that cannot run against a url endpoint and applies --model / --dimensions to the rest. */
export function prepareForUrlEndpoint(scenarios: readonly ValidatedScenario[], args: EndpointGuardArgs): void {
  const refused = scenarios.filter((s) => !s.definition.driver.apiRequests).map((s) => `${s.definition.name} (${s.definition.driver.name})`);
  if (refused.length > 0) {
    throw new UsageError(
      { field: '--endpoint' },
      `only scenarios that call the embeddings API (${API_DRIVERS_HINT}) run against a url endpoint (their driver declares apiRequests); index scenarios take vectors; refused: ${refused.join(', ')}. Select scenarios with --filter`,
    );
  }
  for (const scenario of scenarios) {
    const workload = scenario.workload as { model: string; dimensions?: number };
    if (args.model !== undefined) workload.model = args.model;
    if (args.dimensions !== undefined) workload.dimensions = args.dimensions;
    // A user's part can send anything: no plan bounds it, so off this machine it runs only under a hard cap, which the
    // client ledger enforces request by request (cost-budget.ts).
    if (!isLoopback(args.baseURL) && args.maxCostUsd === undefined && (isFactoryVariant(scenario.baselineParams) || isFactoryVariant(scenario.optimizedParams))) {
      throw new UsageError(
        { field: '--max-cost-usd' },
        `${scenario.definition.name}: a factory variant's requests cannot be bounded before the run; against ${new URL(args.baseURL).host} give --max-cost-usd, and memopt's client ledger stops the run before a request would pass it`,
      );
    }
  }
}

/**
 * How many runs each side makes (repetitions, plus the sweep's runs on its side). A factory variant's side counts 0:
 * its requests are the user's part's own, which no plan bounds; the cap bounds them as they go.
 */
function runsBySide(scenario: ValidatedScenario): { baseline: number; optimized: number } {
  const runs = { baseline: scenario.repetitions, optimized: scenario.repetitions };
  if (scenario.sweep) runs[scenario.sweep.side] += scenario.sweep.values.length * scenario.sweep.repetitions;
  if (isFactoryVariant(scenario.baselineParams)) runs.baseline = 0;
  if (isFactoryVariant(scenario.optimizedParams)) runs.optimized = 0;
  return runs;
}

/** The bounds that make up one scenario, from its driver's request plan: [bound, how many times it is spent]. */
async function scenarioBounds(scenario: ValidatedScenario, price: { pricePerMillionTokens?: number }): Promise<Array<[CostBound, number]>> {
  const driver = scenario.definition.driver;
  if (!driver.apiRequests) throw new UsageError({ field: '--endpoint' }, `${scenario.definition.name}: driver '${driver.name}' declares no API requests, so it has no cost bound`);
  const plans = await driver.apiRequests(scenario.workload, { seed: scenario.seed, runs: runsBySide(scenario) });
  return plans.map((plan) => [costUpperBound({ texts: plan.texts, model: plan.model, plan: plan.batching, ...price }), plan.times]);
}

/** Each scenario's upper bound of requests, tokens and cost, for the console and the guard. */
export async function costBounds(scenarios: readonly ValidatedScenario[], args: EndpointGuardArgs): Promise<{ name: string; bound: CostBound; factorySides: string[] }[]> {
  const out: { name: string; bound: CostBound; factorySides: string[] }[] = [];
  for (const scenario of scenarios) {
    const parts = await scenarioBounds(scenario, { pricePerMillionTokens: args.pricePerMillionTokens });
    const total = sumCostBounds(parts.flatMap(([b, times]) => Array.from({ length: times }, () => b)));
    const factorySides = (['baseline', 'optimized'] as const).filter((side) => isFactoryVariant(side === 'baseline' ? scenario.baselineParams : scenario.optimizedParams)).map((side) => `${side} '${scenario.definition[side].label}'`);
    out.push({ name: scenario.definition.name, bound: { ...parts[0][0], ...total }, factorySides });
  }
  return out;
}

/** Prints every bound, then refuses (exit 2) what the guard refuses. Returns the lines printed. */
export function guardCost(
  bounds: readonly { name: string; bound: CostBound; factorySides?: string[] }[],
  args: EndpointGuardArgs,
  out: (text: string) => void,
): void {
  const host = new URL(args.baseURL).host;
  for (const { name, bound, factorySides } of bounds) {
    const unbounded = factorySides?.length ? ` (not counted: the factory variant ${factorySides.join(', ')}; --max-cost-usd caps it as it runs)` : '';
    out(`cost bound ${name} on ${host} (${bound.model}): ${formatCostBound(bound)}${unbounded}\n`);
  }
  const total = sumCostBounds(bounds.map((b) => b.bound));
  out(`cost bound, all scenarios: ${formatCostBound(total)}\n`);
  checkCostGuard({ baseURL: args.baseURL, maxCostUsd: args.maxCostUsd, bound: { ...total, model: bounds[0]?.bound.model } });
}
