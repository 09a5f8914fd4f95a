/**
 * The run's cost cap, enforced as requests go: every embeddings request through a url endpoint's client ledger is
 * charged before it is sent, at the same upper bound the pre-run guard uses (cost-guard.ts: exact cl100k_base tokens
 * for OpenAI's models, UTF-8 bytes + 2 per input otherwise, times the model's price; every attempt charged, a retry
 * included, since a provider may bill one). The first request whose charge would take the total past the cap is
 * not sent; the budget is then spent for good: every later request is refused too, and `reached` resolves, which
 * the runner races against a run so the run stops there (exit 3) with what it measured so far kept.
 *
 * This is what lets a user's own part (a factory variant, whose requests no plan can bound in advance) run against a
 * paid endpoint: the bound is enforced instead of predicted. A charge happens synchronously, so concurrent
 * requests cannot pass the cap together.
 */
import { CostGuardError, CostCapError } from '../errors.ts';
import { MODELS } from './emulated-api/models.ts';
import { countTokens } from './emulated-api/tokens.ts';

export interface CostBudget {
  readonly maxCostUsd: number;
  /** The upper bound of what the requests charged so far can cost. */
  spentUsd(): number;
  /** Requests charged (sent) and refused (not sent). */
  charged(): number;
  refused(): number;
  /** Charges one request before it is sent; the error when it would pass the cap (then it must not be sent). */
  charge(model: string | undefined, input: unknown): CostCapError | null;
  /** Resolves with the error once a request has been refused; never rejects. */
  readonly reached: Promise<CostCapError>;
}

export interface CostBudgetOptions {
  maxCostUsd: number;
  /** USD per million tokens by model; a model without a price is refused (its cost cannot be bounded). */
  pricesUsdPerMillionTokens: Readonly<Record<string, number>>;
}

/** Tokens an embeddings `input` can be billed for at most (see the module comment). */
export function inputTokensUpperBound(model: string | undefined, input: unknown): number {
  const exact = model !== undefined && Object.hasOwn(MODELS, model);
  const ofText = (text: string) => (exact ? countTokens(text) : Buffer.byteLength(text, 'utf8') + 2);
  if (typeof input === 'string') return ofText(input);
  if (!Array.isArray(input)) return 0;
  // One token array, or an array of texts or of token arrays: a token id is one token.
  if (input.every((item) => typeof item === 'number')) return input.length;
  return input.reduce<number>((sum, item) => sum + (typeof item === 'string' ? ofText(item) : Array.isArray(item) ? item.length : 0), 0);
}

export function createCostBudget(options: CostBudgetOptions): CostBudget {
  if (!(Number.isFinite(options.maxCostUsd) && options.maxCostUsd >= 0)) {
    throw new CostGuardError({ field: '--max-cost-usd' }, `expected a number >= 0, found ${options.maxCostUsd}`);
  }
  let spent = 0;
  let sent = 0;
  let refusedCount = 0;
  let first: CostCapError | null = null;
  let announce: (error: CostCapError) => void = () => {};
  const reached = new Promise<CostCapError>((resolve) => (announce = resolve));
  const refuse = (why: string): CostCapError => {
    refusedCount++;
    if (!first) {
      first = new CostCapError(`the run's cost cap of $${options.maxCostUsd} is reached: ${why}; the request was not sent and the run stops here (results so far are kept)`);
      announce(first);
    }
    return first;
  };
  return {
    maxCostUsd: options.maxCostUsd,
    spentUsd: () => spent,
    charged: () => sent,
    refused: () => refusedCount,
    reached,
    charge(model, input) {
      if (first) return refuse('an earlier request was refused');
      const price = model !== undefined && Object.hasOwn(options.pricesUsdPerMillionTokens, model) ? options.pricesUsdPerMillionTokens[model] : undefined;
      if (price === undefined) return refuse(`model ${model === undefined ? '(none named)' : `'${model}'`} has no known price, so a request to it cannot be bounded (give --price-per-million-tokens)`);
      const cost = (inputTokensUpperBound(model, input) * price) / 1_000_000;
      if (spent + cost > options.maxCostUsd) {
        return refuse(`${sent} request(s) sent could cost up to $${spent.toFixed(6)}, and the next (up to $${cost.toFixed(6)}) would pass it`);
      }
      spent += cost;
      sent++;
      return null;
    },
  };
}
