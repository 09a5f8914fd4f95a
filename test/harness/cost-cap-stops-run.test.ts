import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/datasets/index.ts';
import { DEFAULT_DATASET_DIR, DEFAULT_DATASETS } from '../../src/datasets/defaults.ts';
import { countTokens } from '../../src/endpoint/emulated-api/index.ts';
import { inputTokensUpperBound } from '../../src/endpoint/cost-budget.ts';
import { CHECK_INPUT } from '../../src/suite/endpoint-check.ts';
import { runSuite, type SuiteMessage } from '../../src/suite/run-suite.ts';
import { startTinyOpenAIServer, type TinyServer } from '../support/openai-compatible-server.ts';

const MODEL = 'text-embedding-3-small';
const PRICE = 0.02; // its list price, USD per million tokens: what the ledger charges each request by
const usd = (tokens: number) => (tokens * PRICE) / 1_000_000;
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'cost-cap');

let tiny: TinyServer | undefined;
afterEach(async () => {
  await tiny?.close();
  tiny = undefined;
});

describe('--max-cost-usd is a hard cap, enforced request by request', () => {
  it("stops the run the moment a user's part's next request would pass it: exit 3, what ran kept, nothing after it run", async () => {
    tiny = await startTinyOpenAIServer();
    const texts = (await loadDataset(join(DEFAULT_DATASET_DIR, DEFAULT_DATASETS.memories.file))).slice(0, 40).map((r) => r.text);
    const sum = (list: string[]) => list.reduce((n, t) => n + countTokens(t), 0);
    // Room for: the pre-flight check, cap-a-params (4 texts, each side), cap-b-factory's batched side (40 texts),
    // then about 20 of the user's part's 40 one-text requests.
    const cap = usd(countTokens(CHECK_INPUT) + 2 * sum(texts.slice(0, 4)) + sum(texts) + sum(texts.slice(0, 20)) + countTokens(texts[20]) / 2);
    const messages: SuiteMessage[] = [];
    const out = join(await mkdtemp(join(tmpdir(), 'memopt-cap-')), 'reports');
    const outcome = await runSuite({
      scenarios: [fixtures],
      quick: true,
      out,
      endpoint: { kind: 'url', baseURL: tiny.baseURL, apiKeyEnv: null, maxCostUsd: cap },
      onMessage: (m) => messages.push(m),
    });

    expect(outcome.exitCode).toBe(3);
    const [first, second, ...rest] = outcome.report!.scenarios;
    expect(rest).toEqual([]); // cap-c-never did not run
    expect(messages.map((m) => m.text)).toContain(`the run's cost cap of $${cap} was reached: not run: cap-c-never`);
    expect(first).toMatchObject({ name: 'cap-a-params', status: 'passed' });
    expect(second).toMatchObject({ name: 'cap-b-factory', status: 'errored', error: { exitCode: 3 } });
    expect(second.status === 'errored' && second.error.message).toMatch(/the run's cost cap of \$[\d.e-]+ is reached: \d+ request\(s\) sent could cost up to/);

    // What the server was sent never passes the cap, and the cap was used up to within one request.
    const sent = tiny.received.reduce((n, r) => n + usd(inputTokensUpperBound(MODEL, r.texts)), 0);
    expect(sent).toBeLessThanOrEqual(cap);
    expect(cap - sent).toBeLessThan(usd(Math.max(...texts.map((t) => countTokens(t)))));
    // No retries anywhere, so every text was sent once per run: the check (1), cap-a-params (4 per side), the batched
    // side of cap-b-factory (40); the rest are the user's part's one-text requests, stopped at about 20 of its 40.
    const textsSent = tiny.received.reduce((n, r) => n + r.texts.length, 0);
    const ownRequests = textsSent - (1 + 2 * 4 + 40);
    expect(ownRequests).toBeGreaterThanOrEqual(19);
    expect(ownRequests).toBeLessThanOrEqual(21);

    // The report on disk holds the scenarios that ran, the run marked failed with exit code 3.
    const run = JSON.parse(await readFile(join(outcome.runFolder!, 'run.json'), 'utf8'));
    expect(run.scenarios.map((s: { name: string }) => s.name)).toEqual(['cap-a-params', 'cap-b-factory']);
    expect([run.status, run.exitCode]).toEqual(['failed', 3]);
  });
});
