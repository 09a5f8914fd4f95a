/**
 * The pre-flight's endpoint check: the endpoint serves the model and dimensions each scenario asks for, before any
 * scenario runs (exit 2 otherwise), so a run never measures an endpoint that refuses every request.
 *
 * - memopt's own endpoints (the server, the in-process mock): checked against the model table they serve, with no
 *   request: the mock's models (text-embedding-3-small/-large, ada-002, `dimensions` within the model's width where
 *   the model takes it), or, for a scenario whose server answers with a real model (`endpoint: { model: 'use-lite' }`),
 *   that model by name, at its own width only.
 * - a user's endpoint (`run --endpoint URL`): one small request (one short input) per distinct (model, dimensions),
 *   whose answer must be a vector of the asked width. These few requests are not in the cost bound.
 */
import { InputError, InputErrorList, UsageError } from '../errors.ts';
import { MODELS, modelInfo } from '../endpoint/emulated-api/models.ts';
import { USE_LITE_DIMENSIONS, USE_LITE_NAME } from '../endpoint/models/use-lite.ts';
import { createUrlEndpoint } from '../endpoint/url-endpoint.ts';
import type { EndpointChoice } from '../harness/scenario-endpoint.ts';
import type { ValidatedScenario } from '../harness/scenario-schema.ts';

/** The text of the check request: short, so it costs a handful of tokens. */
export const CHECK_INPUT = 'memopt pre-flight check';

/** A scenario's asked model and dimensions (its workload's `model` and `dimensions`), when its workload names a model. */
function askedModel(scenario: ValidatedScenario): { model: string; dimensions: number | undefined } | null {
  const workload = scenario.workload as { model?: unknown; dimensions?: unknown } | null;
  if (typeof workload?.model !== 'string') return null;
  return { model: workload.model, dimensions: typeof workload.dimensions === 'number' ? workload.dimensions : undefined };
}

/** Checks every scenario (all problems listed at once); a user's endpoint is asked, memopt's are checked by table. */
export async function checkEndpointServes(scenarios: readonly ValidatedScenario[], choice: EndpointChoice): Promise<void> {
  if (choice.kind === 'url') return checkUrlEndpoint(scenarios, choice);
  const problems: InputError[] = [];
  for (const scenario of scenarios) {
    const asked = askedModel(scenario);
    if (!asked) continue;
    const realModel = scenario.endpointOptions.model;
    const problem = realModel === undefined ? mockModelProblem(asked) : realModelProblem(asked, realModel);
    if (problem) problems.push(new InputError({ file: scenario.file, field: problem.field }, `scenario '${scenario.definition.name}': ${problem.text}`));
  }
  if (problems.length > 0) throw InputErrorList.of(problems);
}

function mockModelProblem(asked: { model: string; dimensions: number | undefined }): { field: string; text: string } | null {
  const info = modelInfo(asked.model);
  if (!info) return { field: 'workload.model', text: `the mocked API serves no model '${asked.model}' (it serves ${Object.keys(MODELS).join(', ')})` };
  if (asked.dimensions === undefined) return null;
  if (!info.supportsDimensions) return { field: 'workload.dimensions', text: `${asked.model} takes no dimensions parameter (it gives ${info.dimensions} only)` };
  if (asked.dimensions > info.dimensions) return { field: 'workload.dimensions', text: `${asked.model} gives at most ${info.dimensions} dimensions, asked ${asked.dimensions}` };
  return null;
}

function realModelProblem(asked: { model: string; dimensions: number | undefined }, served: string): { field: string; text: string } | null {
  if (asked.model !== served) {
    return { field: 'workload.model', text: `its server answers with the real model '${served}' (endpoint.model) only, but the workload asks for '${asked.model}': set workload.model to '${served}'` };
  }
  // A user's ONNX model's width is known only once it is loaded; USE-lite's is fixed.
  if (asked.dimensions !== undefined && served === USE_LITE_NAME && asked.dimensions !== USE_LITE_DIMENSIONS) {
    return { field: 'workload.dimensions', text: `${served} gives ${USE_LITE_DIMENSIONS} dimensions only, asked ${asked.dimensions}` };
  }
  return null;
}

/** One request per distinct (model, dimensions): refused or a vector of another width is bad input naming the scenarios. */
async function checkUrlEndpoint(scenarios: readonly ValidatedScenario[], choice: Extract<EndpointChoice, { kind: 'url' }>): Promise<void> {
  const byAsk = new Map<string, { model: string; dimensions: number | undefined; scenarios: ValidatedScenario[] }>();
  for (const scenario of scenarios) {
    const asked = askedModel(scenario);
    if (!asked) continue;
    const key = `${asked.model}\0${asked.dimensions ?? ''}`;
    const entry = byAsk.get(key) ?? { ...asked, scenarios: [] };
    entry.scenarios.push(scenario);
    byAsk.set(key, entry);
  }
  if (byAsk.size === 0) return;
  const endpoint = createUrlEndpoint(choice.options);
  const problems: InputError[] = [];
  try {
    const client = endpoint.createClient({ maxRetries: 2 });
    for (const ask of byAsk.values()) {
      const names = ask.scenarios.map((s) => s.definition.name).join(', ');
      const what = `model '${ask.model}'${ask.dimensions === undefined ? '' : ` with ${ask.dimensions} dimensions`}`;
      const field = ask.dimensions === undefined ? 'workload.model' : 'workload.model, workload.dimensions';
      try {
        const response = await client.embeddings.create({ model: ask.model, input: [CHECK_INPUT], ...(ask.dimensions === undefined ? {} : { dimensions: ask.dimensions }) });
        const width = response.data?.[0]?.embedding?.length;
        if (ask.dimensions !== undefined && width !== ask.dimensions) {
          problems.push(new UsageError({ field }, `the endpoint answered ${what} with ${width ?? 'no'} dimensions (scenarios: ${names})`));
        }
      } catch (error) {
        const refusal = describeRefusal(error, choice.options);
        if (refusal) {
          // The endpoint itself is wrong (dead, wrong path, key refused): one problem, not one per model.
          problems.length = 0;
          problems.push(new UsageError({ field: refusal.field }, `${refusal.text} (asked for ${what}; scenarios: ${names})`));
          break;
        }
        // Only the status and the error's code: an error body may echo a header or a key.
        const status = (error as { status?: number }).status;
        const code = (error as { code?: string | null }).code;
        const reason = status !== undefined ? `HTTP ${status}${code ? ` (${code})` : ''}` : ((error as Error).name ?? 'no answer');
        problems.push(new UsageError({ field }, `the endpoint refused ${what}: ${reason} (scenarios: ${names}); check --model, --dimensions or the scenarios' workload`));
      }
    }
  } finally {
    await endpoint.close();
  }
  if (problems.length > 0) throw InputErrorList.of(problems);
}

/**
 * A refusal that says the endpoint itself is wrong rather than a model: no connection (refused, unknown host, timed
 * out), no embeddings route (404: most often a base URL without its `/v1`), or the key refused (401, 403). Null for
 * anything else (a model the endpoint does not serve, a bad dimensions value). Never quotes the error's body.
 */
export function describeRefusal(error: unknown, options: { baseURL: string; apiKeyEnv?: string | null }): { field: string; text: string } | null {
  const status = (error as { status?: number }).status;
  const url = new URL(options.baseURL);
  const where = `${url.protocol}//${url.host}${url.pathname}`;
  if (status === undefined) {
    const cause = (error as { cause?: { code?: string; cause?: { code?: string } } }).cause;
    const code = cause?.code ?? cause?.cause?.code;
    const name = (error as Error)?.name ?? 'Error';
    if (!/Connection|Timeout|Fetch/i.test(name) && code === undefined) return null;
    const why = code === 'ECONNREFUSED' ? 'connection refused' : code === 'ENOTFOUND' ? 'host not found' : /Timeout/i.test(name) ? 'timed out' : `no answer${code ? ` (${code})` : ''}`;
    return { field: '--endpoint', text: `cannot reach the endpoint at ${where}: ${why}; is the server running, and is the address right?` };
  }
  if (status === 404) {
    const hint = /\/v\d+\/?$/.test(url.pathname) ? 'check the base URL' : `the base URL may be missing its '/v1' (try ${where.replace(/\/$/, '')}/v1)`;
    return { field: '--endpoint', text: `the endpoint has no embeddings route: HTTP 404 for ${where.replace(/\/$/, '')}/embeddings; ${hint}` };
  }
  if (status === 401 || status === 403) {
    const key = options.apiKeyEnv === null ? 'no key was sent (--api-key-env none)' : `the key in $${options.apiKeyEnv ?? 'OPENAI_API_KEY'} was refused`;
    return { field: '--api-key-env', text: `the endpoint answered HTTP ${status}: ${key}` };
  }
  return null;
}
