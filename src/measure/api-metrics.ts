/**
 * The endpoint's ledger as metrics: every driver that talks to the embeddings API reports the same names, units
 * and descriptions for what the endpoint received (requests, tokens, cost, errors), from one map.
 */
import type { LedgerSnapshot } from '../endpoint/emulated-api/types.ts';
import type { MetricSpec, MetricValues } from '../harness/types.ts';

/** What a ledger snapshot carries (the mock's, the server's and the client-side ledger's). */
export type LedgerCounts = Pick<LedgerSnapshot, 'requests' | 'inputs' | 'tokens' | 'costUsd' | 'rateLimited' | 'serverErrors' | 'clientErrors' | 'retriesSeen'> & {
  /** Inputs longer than the serving model reads (a real model's input limit); absent in older ledgers. */
  inputsTruncated?: number;
  /** Only a client-side ledger (a user's endpoint) sees requests that got no HTTP answer. */
  networkErrors?: number;
  timeouts?: number;
};

/** The API metrics' definitions, by name: a driver lists the ones it reports (`apiMetricSpecs([...])`). */
const API_METRICS = {
  api_requests: { unit: 'requests', description: 'HTTP requests the endpoint received, retries included' },
  api_inputs: { unit: 'inputs', description: 'inputs embedded by successful requests (after in-batch de-duplication)' },
  api_tokens: { unit: 'tokens', description: 'prompt tokens billed (cl100k_base)' },
  api_cost_usd: { unit: 'usd', description: 'tokens x list price' },
  api_errors: { unit: 'responses', description: '429, 5xx and 4xx answers' },
  api_rate_limited: { unit: 'responses', description: '429 answers (requests or tokens per minute exceeded)' },
  api_server_errors: { unit: 'responses', description: '5xx answers (injected faults)' },
  api_retries: { unit: 'requests', description: 'requests that were retries (x-stainless-retry-count > 0)' },
  api_inputs_truncated: {
    unit: 'inputs',
    description: "inputs longer than the serving model reads (USE-lite: 128 tokens), counted from usage.inputs_truncated: billed in full, embedded from their start only",
  },
  api_network_errors: {
    unit: 'requests',
    description: 'requests that failed without an HTTP answer (connection reset or closed, refused, timed out); only a client-side ledger sees them (run --endpoint URL)',
  },
} as const;
export type ApiMetric = keyof typeof API_METRICS;

/** The specs of the API metrics named, in that order, each overridable (e.g. a sharper description). */
export function apiMetricSpecs(names: readonly ApiMetric[], overrides: Partial<Record<ApiMetric, Partial<MetricSpec>>> = {}): MetricSpec[] {
  return names.map((name) => ({ name, kind: 'counter', better: 'lower', ...API_METRICS[name], ...overrides[name] }));
}

/** Every API metric's value from a ledger (a driver keeps those it declared); api_network_errors only when seen. */
export function apiMetrics(ledger: LedgerCounts): MetricValues {
  const values: MetricValues = {
    api_requests: ledger.requests,
    api_inputs: ledger.inputs,
    api_tokens: ledger.tokens,
    api_cost_usd: ledger.costUsd,
    api_errors: ledger.rateLimited + ledger.serverErrors + ledger.clientErrors,
    api_rate_limited: ledger.rateLimited,
    api_server_errors: ledger.serverErrors,
    api_retries: ledger.retriesSeen,
  };
  if (ledger.inputsTruncated !== undefined) values.api_inputs_truncated = ledger.inputsTruncated;
  if (ledger.networkErrors !== undefined) values.api_network_errors = ledger.networkErrors + (ledger.timeouts ?? 0);
  return values;
}

/** Only the named metrics of `values`. */
export function pick(values: MetricValues, names: readonly string[]): MetricValues {
  const out: MetricValues = {};
  for (const name of names) if (values[name] !== undefined) out[name] = values[name];
  return out;
}
