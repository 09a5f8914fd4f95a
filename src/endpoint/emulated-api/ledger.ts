/**
 * The ledger: exact counters of one mock's traffic (requests, inputs, tokens, cost, errors, retries). Deterministic
 * for a deterministic client, so scenarios can gate on them.
 */
import type { LedgerSnapshot } from './types.ts';

export interface Ledger {
  snapshot(): LedgerSnapshot;
  reset(): void;
  /** A POST /embeddings arrived; `retryCount` is its x-stainless-retry-count header (0 when absent). */
  received(retryCount: number): void;
  /** Answered 200 for `inputs` inputs and `tokens` prompt tokens of `model`. */
  succeeded(model: string, inputs: number, tokens: number): void;
  /** Answered with an error status (429, 4xx, 5xx). */
  failed(status: number): void;
  /** An injected slow response. */
  slowed(): void;
  /** A real model answered `count` inputs from only their first maxInputTokens tokens. */
  truncated(count: number): void;
}

function zero(): LedgerSnapshot {
  return { requests: 0, succeeded: 0, inputs: 0, tokens: 0, costUsd: 0, rateLimited: 0, serverErrors: 0, clientErrors: 0, retriesSeen: 0, slowResponses: 0, inputsTruncated: 0 };
}

/**
 * Cost is kept as tokens per model and priced at snapshot time, so the sum is exact to float precision whatever the
 * number of requests. A model without a price costs 0.
 */
export function createLedger(pricesUsdPerMillionTokens: Readonly<Record<string, number>>): Ledger {
  let counts = zero();
  let tokensByModel = new Map<string, number>();
  return {
    snapshot() {
      let costUsd = 0;
      for (const [model, tokens] of tokensByModel) costUsd += (tokens * (pricesUsdPerMillionTokens[model] ?? 0)) / 1_000_000;
      return { ...counts, costUsd };
    },
    reset() {
      counts = zero();
      tokensByModel = new Map();
    },
    received(retryCount) {
      counts.requests++;
      if (retryCount > 0) counts.retriesSeen++;
    },
    succeeded(model, inputs, tokens) {
      counts.succeeded++;
      counts.inputs += inputs;
      counts.tokens += tokens;
      tokensByModel.set(model, (tokensByModel.get(model) ?? 0) + tokens);
    },
    failed(status) {
      if (status === 429) counts.rateLimited++;
      else if (status >= 500) counts.serverErrors++;
      else if (status >= 400) counts.clientErrors++;
    },
    slowed() {
      counts.slowResponses++;
    },
    truncated(count) {
      counts.inputsTruncated += count;
    },
  };
}
