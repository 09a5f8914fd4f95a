/**
 * The client-side ledger: exact counters of the embeddings traffic one client sends, read from the requests and
 * responses passing through the fetch it wraps. It gives the counters when the server has none (a user's endpoint),
 * and against memopt's own server it agrees with the server's ledger exactly as long as no client timeout fired
 * (a request the client gave up on may still have been answered, and counted, by the server).
 *
 * What it keeps is numbers only: never a URL, a header value, a query value or a key, so nothing secret can leak
 * through a snapshot, a report or a log.
 */
import type { LedgerSnapshot } from './emulated-api/types.ts';
import type { CostBudget } from './cost-budget.ts';

export interface RateLimitHeadersSeen {
  /** Responses that carried any x-ratelimit-* header. */
  responsesWithLimits: number;
  /** Last x-ratelimit-limit-requests / -tokens seen (null: never seen). */
  limitRequests: number | null;
  limitTokens: number | null;
  /** Lowest x-ratelimit-remaining-requests / -tokens seen (null: never seen). */
  minRemainingRequests: number | null;
  minRemainingTokens: number | null;
  /** 429 responses that carried retry-after-ms, and those that carried retry-after. */
  retryAfterMs: number;
  retryAfter: number;
}

/**
 * LedgerSnapshot's counters as the client saw them, plus what only a client sees. `slowResponses` is not observable
 * from the client and is always 0; cost is tokens x the price table given (0 for a model without a price).
 */
export interface ClientLedgerSnapshot extends LedgerSnapshot {
  /** Requests that got no response: the client's timeout fired or it aborted. */
  timeouts: number;
  /** Requests that got no response for another reason (connection refused, reset). */
  networkErrors: number;
  /** The requests that got no response, by kind (timeout = `timeouts`; refused + reset + other = `networkErrors`). */
  transport: TransportErrorCounts;
  /** Every answer that was not 200, by HTTP status ('429': 3, '503': 1). */
  statuses: Record<string, number>;
  rateLimitHeaders: RateLimitHeadersSeen;
}

/** Requests that got no HTTP response at all, by why. */
export interface TransportErrorCounts {
  /** The connection was refused (nothing listening: ECONNREFUSED). */
  refused: number;
  /** The connection was dropped mid-request (ECONNRESET, EPIPE, a socket closed by the other side). */
  reset: number;
  /** The client's timeout fired or it aborted, or the connection timed out. */
  timeout: number;
  /** Anything else without a response (host not found, TLS failure, ...). */
  other: number;
}

/** The kind of a fetch failure, from its error and the errors it wraps (undici puts the system code in `cause`). */
export function transportErrorKind(error: unknown, aborted = false): keyof TransportErrorCounts {
  const names: string[] = [];
  const codes: string[] = [];
  const messages: string[] = [];
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const x = e as { name?: unknown; code?: unknown; message?: unknown };
    if (typeof x.name === 'string') names.push(x.name);
    if (typeof x.code === 'string') codes.push(x.code);
    if (typeof x.message === 'string') messages.push(x.message);
  }
  if (aborted || names.some((n) => n === 'AbortError' || n === 'TimeoutError') || codes.some((c) => c === 'ETIMEDOUT' || c === 'UND_ERR_CONNECT_TIMEOUT' || c === 'UND_ERR_HEADERS_TIMEOUT' || c === 'UND_ERR_BODY_TIMEOUT')) return 'timeout';
  if (codes.includes('ECONNREFUSED')) return 'refused';
  if (codes.some((c) => c === 'ECONNRESET' || c === 'EPIPE' || c === 'UND_ERR_SOCKET' || c === 'UND_ERR_CLOSED') || messages.some((m) => /other side closed|socket hang up/i.test(m))) return 'reset';
  return 'other';
}

export interface ClientLedger {
  /** Give this to the openai SDK (`new OpenAI({ fetch })`); every POST .../embeddings through it is counted. */
  readonly fetch: typeof fetch;
  snapshot(): ClientLedgerSnapshot;
  reset(): void;
}

export interface ClientLedgerOptions {
  /** The fetch to wrap; default globalThis.fetch, looked up at each call (so msw's patch applies in tests). */
  fetch?: typeof fetch;
  /** USD per million tokens by model, for costUsd. Default none (cost 0). */
  pricesUsdPerMillionTokens?: Readonly<Record<string, number>>;
  /**
   * The run's cost cap: each embeddings request is charged before it is sent; one that would pass the cap is not
   * sent (answered locally with status 402 and `x-should-retry: false`, never counted as sent). Default none.
   */
  budget?: CostBudget;
}

function zero(): Omit<ClientLedgerSnapshot, 'costUsd'> {
  return {
    requests: 0,
    succeeded: 0,
    inputs: 0,
    tokens: 0,
    rateLimited: 0,
    serverErrors: 0,
    clientErrors: 0,
    retriesSeen: 0,
    slowResponses: 0,
    inputsTruncated: 0,
    timeouts: 0,
    networkErrors: 0,
    transport: { refused: 0, reset: 0, timeout: 0, other: 0 },
    statuses: {},
    rateLimitHeaders: { responsesWithLimits: 0, limitRequests: null, limitTokens: null, minRemainingRequests: null, minRemainingTokens: null, retryAfterMs: 0, retryAfter: 0 },
  };
}

/** Inputs in an embeddings request body, counted as the API counts them (a token array is one input). */
function countInputs(body: unknown): { model: string | undefined; inputs: number; input: unknown } {
  if (typeof body !== 'string') return { model: undefined, inputs: 0, input: undefined };
  try {
    const parsed = JSON.parse(body) as { model?: unknown; input?: unknown };
    const model = typeof parsed.model === 'string' ? parsed.model : undefined;
    const input = parsed.input;
    if (typeof input === 'string') return { model, inputs: 1, input };
    if (!Array.isArray(input)) return { model, inputs: 0, input };
    return { model, inputs: input.length > 0 && input.every((item) => typeof item === 'number') ? 1 : input.length, input };
  } catch {
    return { model: undefined, inputs: 0, input: undefined };
  }
}

/** The local answer to a request the cost cap refused: never sent, final (the SDK and memopt's retry do not retry). */
function capRefusal(message: string): Response {
  return new Response(JSON.stringify({ error: { message, type: 'memopt_cost_cap', code: 'memopt_cost_cap' } }), {
    status: 402,
    headers: { 'content-type': 'application/json', 'x-should-retry': 'false' },
  });
}

function headerNumber(headers: Headers, name: string): number | null {
  const value = headers.get(name);
  if (value === null) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

const minOf = (current: number | null, seen: number | null) => (seen === null ? current : current === null ? seen : Math.min(current, seen));

function isEmbeddingsPost(input: Parameters<typeof fetch>[0], init: RequestInit | undefined): boolean {
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  return method === 'POST' && new URL(href).pathname.replace(/\/+$/, '').endsWith('/embeddings');
}

export function createClientLedger(options: ClientLedgerOptions = {}): ClientLedger {
  const prices = options.pricesUsdPerMillionTokens ?? {};
  let counts = zero();
  let tokensByModel = new Map<string, number>();

  const ledgerFetch: typeof fetch = async (input, init) => {
    const inner = options.fetch ?? globalThis.fetch;
    if (!isEmbeddingsPost(input, init)) return inner(input, init);
    const { model, inputs, input: sentInput } = countInputs(init?.body);
    const capped = options.budget?.charge(model, sentInput);
    if (capped) return capRefusal(capped.message);
    counts.requests++;
    const retryCount = Number(new Headers(init?.headers).get('x-stainless-retry-count') ?? '0');
    if (Number.isFinite(retryCount) && retryCount > 0) counts.retriesSeen++;

    let response: Response;
    try {
      response = await inner(input, init);
    } catch (error) {
      const kind = transportErrorKind(error, init?.signal?.aborted ?? false);
      counts.transport[kind]++;
      if (kind === 'timeout') counts.timeouts++;
      else counts.networkErrors++;
      throw error;
    }

    const seen = counts.rateLimitHeaders;
    const limitRequests = headerNumber(response.headers, 'x-ratelimit-limit-requests');
    const limitTokens = headerNumber(response.headers, 'x-ratelimit-limit-tokens');
    const remainingRequests = headerNumber(response.headers, 'x-ratelimit-remaining-requests');
    const remainingTokens = headerNumber(response.headers, 'x-ratelimit-remaining-tokens');
    if ([limitRequests, limitTokens, remainingRequests, remainingTokens].some((v) => v !== null)) seen.responsesWithLimits++;
    if (limitRequests !== null) seen.limitRequests = limitRequests;
    if (limitTokens !== null) seen.limitTokens = limitTokens;
    seen.minRemainingRequests = minOf(seen.minRemainingRequests, remainingRequests);
    seen.minRemainingTokens = minOf(seen.minRemainingTokens, remainingTokens);

    const status = response.status;
    if (status !== 200) counts.statuses[String(status)] = (counts.statuses[String(status)] ?? 0) + 1;
    if (status === 200) {
      // Read a clone for usage, so the SDK still gets an unread body.
      let promptTokens = 0;
      try {
        const body = (await response.clone().json()) as { usage?: { prompt_tokens?: unknown; inputs_truncated?: unknown } };
        if (typeof body.usage?.prompt_tokens === 'number') promptTokens = body.usage.prompt_tokens;
        // memopt's server says when its real model read inputs only in part; other endpoints do not.
        if (typeof body.usage?.inputs_truncated === 'number') counts.inputsTruncated += body.usage.inputs_truncated;
      } catch {
        // Not JSON: the SDK reports it; usage unknown.
      }
      counts.succeeded++;
      counts.inputs += inputs;
      counts.tokens += promptTokens;
      if (model !== undefined) tokensByModel.set(model, (tokensByModel.get(model) ?? 0) + promptTokens);
    } else if (status === 429) {
      counts.rateLimited++;
      if (response.headers.has('retry-after-ms')) seen.retryAfterMs++;
      if (response.headers.has('retry-after')) seen.retryAfter++;
    } else if (status >= 500) counts.serverErrors++;
    else if (status >= 400) counts.clientErrors++;
    return response;
  };

  return {
    fetch: ledgerFetch,
    snapshot() {
      let costUsd = 0;
      for (const [model, tokens] of tokensByModel) costUsd += (tokens * (prices[model] ?? 0)) / 1_000_000;
      return { ...counts, transport: { ...counts.transport }, statuses: { ...counts.statuses }, rateLimitHeaders: { ...counts.rateLimitHeaders }, costUsd };
    },
    reset() {
      counts = zero();
      tokensByModel = new Map();
    },
  };
}
