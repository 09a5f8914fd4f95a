import { describe, expect, it } from 'vitest';
import { CostCapError, UsageError } from '../../src/errors.ts';
import { createClientLedger } from '../../src/endpoint/client-ledger.ts';
import { createCostBudget, inputTokensUpperBound } from '../../src/endpoint/cost-budget.ts';
import { countTokens } from '../../src/endpoint/emulated-api/index.ts';
import { prepareForUrlEndpoint } from '../../src/suite/endpoint-guard.ts';
import { validateScenario } from '../../src/harness/scenario-schema.ts';
import { ingestDriver } from '../../src/drivers/ingest.ts';

const MODEL = 'text-embedding-3-small';
const PRICE = 0.02; // its list price, USD per million tokens
const usd = (tokens: number) => (tokens * PRICE) / 1_000_000;
const prices = { [MODEL]: PRICE };

describe('the run cost budget', () => {
  it('charges each request its upper bound before it is sent, and refuses the first that would pass the cap', async () => {
    const texts = ['first memory', 'a second, longer memory', 'third one here'];
    const tokens = texts.map((t) => countTokens(t));
    // Room for the first two requests and half of the third.
    const budget = createCostBudget({ maxCostUsd: usd(tokens[0] + tokens[1] + tokens[2] / 2), pricesUsdPerMillionTokens: prices });
    expect(budget.charge(MODEL, [texts[0]])).toBeNull();
    expect(budget.charge(MODEL, texts[1])).toBeNull();
    expect(budget.spentUsd()).toBeCloseTo(usd(tokens[0] + tokens[1]), 15);
    const refused = budget.charge(MODEL, [texts[2]]);
    expect(refused).toBeInstanceOf(CostCapError);
    expect(refused!.exitCode).toBe(3);
    expect(refused!.message).toMatch(/^the run's cost cap of \$[\d.e-]+ is reached: 2 request\(s\) sent could cost up to \$[\d.]+, and the next \(up to \$[\d.]+\) would pass it; the request was not sent/);
    // Spent for good: even a request that would fit is refused now; nothing more is charged.
    expect(budget.charge(MODEL, [''])).toBe(refused);
    expect([budget.charged(), budget.refused()]).toEqual([2, 2]);
    expect(await budget.reached).toBe(refused);
  });

  it('refuses a model without a price, and bounds an unknown model by bytes + 2 per input', () => {
    expect(createCostBudget({ maxCostUsd: 1, pricesUsdPerMillionTokens: prices }).charge('my-deployment', ['x'])?.message).toMatch(/model 'my-deployment' has no known price/);
    expect(inputTokensUpperBound('my-deployment', ['héllo', 'ab'])).toBe(Buffer.byteLength('héllo') + 2 + 2 + 2);
    expect(inputTokensUpperBound(MODEL, [[1, 2, 3], [4]])).toBe(4);
    expect(() => createCostBudget({ maxCostUsd: -1, pricesUsdPerMillionTokens: prices })).toThrow(/expected a number >= 0/);
  });

  it('in the client ledger: a refused request never reaches the network, is answered 402 and final, and is not counted as sent; concurrent callers cannot pass the cap together', async () => {
    let reached = 0;
    const inner: typeof fetch = async () => {
      reached++;
      return new Response(JSON.stringify({ data: [], usage: { prompt_tokens: 1 } }), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const one = countTokens('same text');
    const budget = createCostBudget({ maxCostUsd: usd(one * 3.5), pricesUsdPerMillionTokens: prices });
    const ledger = createClientLedger({ fetch: inner, budget });
    const post = () => ledger.fetch('https://embeddings.example.invalid/v1/embeddings', { method: 'POST', body: JSON.stringify({ model: MODEL, input: ['same text'] }) });
    // Ten callers at once: each charge is synchronous, so exactly three get through.
    const answers = await Promise.all(Array.from({ length: 10 }, post));
    expect(reached).toBe(3);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 402, 402, 402, 402, 402, 402, 402]);
    const refused = answers.find((r) => r.status === 402)!;
    expect(refused.headers.get('x-should-retry')).toBe('false');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('memopt_cost_cap');
    expect(ledger.snapshot()).toMatchObject({ requests: 3, succeeded: 3, statuses: {} });
  });
});

describe("a user's part against an endpoint off this machine", () => {
  const scenario = () =>
    validateScenario(
      'x.ts',
      {
        name: 'mine-remote',
        description: 'a factory embedder',
        driver: ingestDriver,
        workload: { size: 4, producers: 1 },
        baseline: { label: 'naive', params: { embedder: 'naive' } },
        optimized: { label: 'mine', factory: () => ({}) },
      },
      { quick: true },
    );
  const remote = 'https://api.example.invalid/v1'; // never contacted: the guard decides before any request

  it('is refused without --max-cost-usd (exit 2, naming the flag), and allowed with it', () => {
    let refusal: unknown;
    try {
      prepareForUrlEndpoint([scenario()], { baseURL: remote });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(UsageError);
    expect((refusal as UsageError).message).toMatch(/field '--max-cost-usd': mine-remote: a factory variant's requests cannot be bounded before the run; against api\.example\.invalid give --max-cost-usd/);
    expect(() => prepareForUrlEndpoint([scenario()], { baseURL: remote, maxCostUsd: 0.01 })).not.toThrow();
  });
});
