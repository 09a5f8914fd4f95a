/**
 * The cost guard: before any request to an endpoint that is not on this machine, an upper bound of the requests,
 * tokens and list-price cost of a workload, and the rule that refuses it (CostGuardError, exit 2):
 * - a loopback endpoint (127.0.0.0/8, ::1, localhost) is never guarded: it costs nothing;
 * - any other endpoint needs maxCostUsd, and a price: the model's list price, or pricePerMillionTokens;
 * - a bound above maxCostUsd is refused.
 *
 * The bound is an upper bound, not an estimate:
 * - tokens: for OpenAI's embedding models, the exact cl100k_base count (their tokenizer); for any other model, the
 *   text's UTF-8 bytes + 2 per input (every byte-level BPE, byte-fallback SentencePiece or WordPiece token covers at
 *   least one byte; 2 for [CLS]/[SEP]-style markers), since its tokenizer is unknown;
 * - requests: the batching plan packs texts in order, at most inputsPerRequest inputs and tokensPerRequest tokens
 *   per request; each may be sent 1 + maxRetries times;
 * - billed tokens: each request's tokens once per attempt (a retry after a client timeout may be billed again), so
 *   cost = billed tokens x price.
 */
import { isIP } from 'node:net';
import { CostGuardError } from '../errors.ts';
import { LIST_PRICES_USD_PER_MILLION_TOKENS, MODELS } from './emulated-api/models.ts';
import { countTokens } from './emulated-api/tokens.ts';

/** List prices, USD per million input tokens (standard tier, not Batch API). Source: src/endpoint/emulated-api/README.md. */
export const PRICE_TABLE_USD_PER_MILLION_TOKENS: Readonly<Record<string, number>> = LIST_PRICES_USD_PER_MILLION_TOKENS;

/** Whether `url` points at this machine: 127.0.0.0/8, ::1 (also IPv4-mapped), or the name localhost. */
export function isLoopback(url: string | URL): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.split('.')[0] === '127';
  // The WHATWG URL parser has normalized the address: 127.1 -> 127.0.0.1, [0::1] -> [::1], [::ffff:127.0.0.1] -> [::ffff:7f00:1].
  if (isIP(host) === 6) return host === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(host);
  return false;
}

/** How a workload sends its texts. */
export interface BatchingPlan {
  /** At most this many inputs per request (1 = one text per request). */
  inputsPerRequest: number;
  /** At most this many tokens per request; default 300,000 (the API's limit). */
  tokensPerRequest?: number;
  /** Retries per request (the SDK's maxRetries); default 2 (the SDK's default). */
  maxRetries?: number;
}

export interface CostBound {
  model: string;
  texts: number;
  /** Tokens of all texts once (exact for OpenAI models, an upper bound otherwise). */
  tokens: number;
  tokensExact: boolean;
  /** Requests if none is retried. */
  requests: number;
  /** Requests counting every retry. */
  maxRequests: number;
  /** Tokens that could be billed: every attempt of every request. */
  maxBilledTokens: number;
  /** USD per million tokens used, or null when unknown. */
  pricePerMillionTokens: number | null;
  /** maxBilledTokens x price, or null when the price is unknown. */
  maxCostUsd: number | null;
}

/** Upper bound of requests, tokens and cost of sending `texts` to `model` under `plan`. */
export function costUpperBound(args: { texts: readonly string[]; model: string; plan: BatchingPlan; pricePerMillionTokens?: number }): CostBound {
  const { texts, model, plan } = args;
  const tokensExact = Object.hasOwn(MODELS, model);
  const tokensOf = tokensExact ? (text: string) => countTokens(text) : (text: string) => Buffer.byteLength(text, 'utf8') + 2;
  const perRequestTokens = plan.tokensPerRequest ?? 300_000;
  const maxRetries = plan.maxRetries ?? 2;
  let tokens = 0;
  let requests = 0;
  let inBatch = 0;
  let batchTokens = 0;
  for (const text of texts) {
    const t = tokensOf(text);
    tokens += t;
    if (inBatch > 0 && (inBatch + 1 > plan.inputsPerRequest || batchTokens + t > perRequestTokens)) {
      inBatch = 0;
      batchTokens = 0;
    }
    if (inBatch === 0) requests++;
    inBatch++;
    batchTokens += t;
  }
  const attempts = 1 + maxRetries;
  const price = args.pricePerMillionTokens ?? (Object.hasOwn(PRICE_TABLE_USD_PER_MILLION_TOKENS, model) ? PRICE_TABLE_USD_PER_MILLION_TOKENS[model] : null);
  const maxBilledTokens = tokens * attempts;
  return {
    model,
    texts: texts.length,
    tokens,
    tokensExact,
    requests,
    maxRequests: requests * attempts,
    maxBilledTokens,
    pricePerMillionTokens: price,
    maxCostUsd: price === null ? null : (maxBilledTokens * price) / 1_000_000,
  };
}

/** Adds bounds (of several workloads or scenarios); the cost is unknown if any is. */
export function sumCostBounds(bounds: readonly CostBound[]): Omit<CostBound, 'model' | 'tokensExact' | 'pricePerMillionTokens'> {
  const total = { texts: 0, tokens: 0, requests: 0, maxRequests: 0, maxBilledTokens: 0, maxCostUsd: 0 as number | null };
  for (const b of bounds) {
    total.texts += b.texts;
    total.tokens += b.tokens;
    total.requests += b.requests;
    total.maxRequests += b.maxRequests;
    total.maxBilledTokens += b.maxBilledTokens;
    total.maxCostUsd = total.maxCostUsd === null || b.maxCostUsd === null ? null : total.maxCostUsd + b.maxCostUsd;
  }
  return total;
}

/** One line for the console: what a run may cost at most. */
export function formatCostBound(bound: Pick<CostBound, 'requests' | 'maxRequests' | 'tokens' | 'maxBilledTokens' | 'maxCostUsd'>): string {
  const cost = bound.maxCostUsd === null ? 'cost unknown (no price)' : `at most $${bound.maxCostUsd.toFixed(6)}`;
  return `${bound.requests} requests (${bound.maxRequests} with every retry), ${bound.tokens} tokens (${bound.maxBilledTokens} billable with retries), ${cost}`;
}

/**
 * Refuses (CostGuardError, exit 2) a run against a non-loopback endpoint without maxCostUsd, without a price, or
 * whose bound exceeds maxCostUsd. Call it before any request. `flags` names the options in messages.
 */
export function checkCostGuard(args: {
  baseURL: string;
  maxCostUsd: number | undefined;
  bound: Pick<CostBound, 'maxCostUsd' | 'requests' | 'maxRequests' | 'tokens' | 'maxBilledTokens'> & { model?: string };
  flags?: { maxCostUsd: string; pricePerMillionTokens: string };
}): void {
  if (isLoopback(args.baseURL)) return;
  const flags = args.flags ?? { maxCostUsd: '--max-cost-usd', pricePerMillionTokens: '--price-per-million-tokens' };
  const host = new URL(args.baseURL).host;
  if (args.maxCostUsd === undefined) {
    throw new CostGuardError({ field: flags.maxCostUsd }, `required for an endpoint that is not on this machine (${host}): this run could send ${formatCostBound(args.bound)}`);
  }
  if (!(Number.isFinite(args.maxCostUsd) && args.maxCostUsd >= 0)) throw new CostGuardError({ field: flags.maxCostUsd }, `expected a number >= 0, found ${args.maxCostUsd}`);
  if (args.bound.maxCostUsd === null) {
    throw new CostGuardError(
      { field: flags.pricePerMillionTokens },
      `model ${args.bound.model === undefined ? '' : `'${args.bound.model}' `}has no known price: give its USD price per million tokens`,
    );
  }
  if (args.bound.maxCostUsd > args.maxCostUsd) {
    throw new CostGuardError({ field: flags.maxCostUsd }, `refused: this run could cost up to $${args.bound.maxCostUsd.toFixed(6)} (${formatCostBound(args.bound)}), above the limit of $${args.maxCostUsd}`);
  }
}
