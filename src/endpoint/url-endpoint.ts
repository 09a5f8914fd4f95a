/**
 * The 'url' endpoint: any OpenAI-compatible base URL (OpenAI, Azure OpenAI, vLLM, TEI, Ollama, a gateway, memopt's
 * own server). The API key comes from an environment variable; extra headers and query parameters (Azure's
 * `api-key` header and `api-version` query) are options. Counters come from a client-side ledger (client-ledger.ts)
 * shared by every client it creates.
 *
 * Secrets: the key, the header values and the query values live only in this module's closure and in the requests
 * sent. `baseURL` and describe() carry no query, no user info, and only the names of headers and parameters. Each
 * value is registered with util/redact.ts, so an endpoint that echoes one in an error body cannot carry it into a
 * report or a log.
 */
import OpenAI, { type ClientOptions } from 'openai';
import { ClosedError, InputError } from '../errors.ts';
import { registerSecret } from '../util/redact.ts';
import { createClientLedger, type ClientLedgerSnapshot } from './client-ledger.ts';
import type { CostBudget } from './cost-budget.ts';
import type { EmbeddingsEndpoint, EndpointLimits } from './types.ts';

export const DEFAULT_API_KEY_ENV = 'OPENAI_API_KEY';
/** Sent when apiKeyEnv is null (a server without keys): the SDK refuses an empty key. */
const NO_KEY = 'memopt-no-key';

export interface UrlEndpointOptions {
  /** The base URL an OpenAI client takes, e.g. https://api.openai.com/v1. A query in it joins `query`. */
  baseURL: string;
  /** Environment variable holding the API key; default OPENAI_API_KEY; null for a server that takes no key. */
  apiKeyEnv?: string | null;
  /** Where the variable is looked up; default process.env (tests inject one). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Extra headers on every request, e.g. { 'api-key': ... } for Azure. Values are never reported. */
  headers?: Readonly<Record<string, string>>;
  /** Extra query parameters on every request, e.g. { 'api-version': '2024-10-21' }. Values are never reported. */
  query?: Readonly<Record<string, string>>;
  /** The account's limits when known; default unknown (null). */
  limits?: Partial<EndpointLimits>;
  /** USD per million tokens by model, for the ledger's costUsd; default none. */
  pricesUsdPerMillionTokens?: Readonly<Record<string, number>>;
  /** The fetch under the ledger; default globalThis.fetch. */
  fetch?: typeof fetch;
  /**
   * The run's cost cap, shared by every endpoint of the run (cost-budget.ts): each request is charged before it is
   * sent, and the first that would pass the cap is not. Default none.
   */
  budget?: CostBudget;
}

/** What may be written about a url endpoint: no key, no header or query value. */
export interface UrlEndpointDescription {
  kind: 'url';
  baseURL: string;
  apiKeyEnv: string | null;
  headerNames: string[];
  queryNames: string[];
}

export interface UrlEndpoint extends EmbeddingsEndpoint {
  readonly kind: 'url';
  ledger(): Promise<ClientLedgerSnapshot>;
  describe(): UrlEndpointDescription;
}

export function createUrlEndpoint(options: UrlEndpointOptions): UrlEndpoint {
  let url: URL;
  try {
    url = new URL(options.baseURL);
  } catch {
    throw new InputError({ field: 'endpoint' }, 'expected an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError({ field: 'endpoint' }, `expected an http(s) URL, found ${url.protocol}`);
  if (url.username || url.password) throw new InputError({ field: 'endpoint' }, 'credentials in the URL are refused: put the key in an environment variable');
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = value;
  Object.assign(query, options.query);
  // Every value that could be echoed back (an error body quoting the request) is removed from reports and logs.
  for (const value of Object.values(query)) registerSecret(value);
  for (const value of Object.values(options.headers ?? {})) registerSecret(value);
  url.search = '';
  url.hash = '';
  const baseURL = url.href.replace(/\/+$/, '');

  const apiKeyEnv = options.apiKeyEnv === undefined ? DEFAULT_API_KEY_ENV : options.apiKeyEnv;
  let apiKey = NO_KEY;
  if (apiKeyEnv !== null) {
    const value = (options.env ?? process.env)[apiKeyEnv];
    if (!value) throw new InputError({ field: apiKeyEnv }, `environment variable ${apiKeyEnv} is not set (it holds the API key; for a server without keys, pass --api-key-env none, or apiKeyEnv: null to createUrlEndpoint)`);
    apiKey = value;
    registerSecret(apiKey);
  }
  const headers = { ...options.headers };
  const ledger = createClientLedger({ fetch: options.fetch, pricesUsdPerMillionTokens: options.pricesUsdPerMillionTokens, budget: options.budget });
  let closed = false;

  return {
    kind: 'url',
    baseURL,
    limits: { requestsPerMinute: options.limits?.requestsPerMinute ?? null, tokensPerMinute: options.limits?.tokensPerMinute ?? null },
    timeScale: 1,
    reference: null,
    createClient(clientOptions?: ClientOptions) {
      if (closed) throw new ClosedError('url endpoint');
      return new OpenAI({
        ...clientOptions,
        apiKey,
        baseURL,
        defaultHeaders: { ...clientOptions?.defaultHeaders, ...headers },
        defaultQuery: { ...clientOptions?.defaultQuery, ...query },
        fetch: ledger.fetch,
      });
    },
    ...(options.budget ? { costCapReached: options.budget.reached } : {}),
    ledger: async () => ledger.snapshot(),
    resetLedger: async () => ledger.reset(),
    describe: () => ({ kind: 'url', baseURL, apiKeyEnv, headerNames: Object.keys(headers), queryNames: Object.keys(query) }),
    async close() {
      closed = true;
    },
  };
}
