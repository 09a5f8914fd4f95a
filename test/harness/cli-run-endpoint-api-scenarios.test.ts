/**
 * `run --endpoint URL` runs the search-trace and parallel-api drivers (not only ingest) against an endpoint without
 * a reference model: memopt's own server (library call) and an independent minimal one. The runs' counters plus
 * prepare's one batched request equal what the server saw, and the cross-side vector check ran and passed.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { loadDataset } from '../../src/datasets/load.ts';
import { readTrace } from '../../src/datasets/traces.ts';
import { startEmbeddingsServer, type ServerEndpoint } from '../../src/endpoint/server/index.ts';
import { normalizeQuery } from '../../src/parts/search-cache/keys.ts';
import { startTinyOpenAIServer, type TinyServer } from '../support/openai-compatible-server.ts';
import { lastRun } from '../support/run-folders.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'scenarios');
const SEARCH = join(fixtures, 'small-search-trace.ts');
const PARALLEL = join(fixtures, 'small-parallel-api.ts');

type Metric = { name: string; baselineSamples: number[]; optimizedSamples: number[] };
type Table = { name: string; columns: string[]; rows: unknown[][] };
type Scenario = { name: string; status: string; metrics: Metric[]; details: Table[] };

async function runBoth(baseURL: string): Promise<{ code: number; out: string; scenarios: Map<string, Scenario> }> {
  let out = '';
  const reports = join(await mkdtemp(join(tmpdir(), 'memopt-endpoint-api-')), 'reports');
  const code = await main(['run', SEARCH, PARALLEL, '--quick', '--out', reports, '--endpoint', baseURL, '--api-key-env', 'none'], { out: (t) => (out += t), err: (t) => (out += t) });
  const run = JSON.parse(await readFile(join(await lastRun(reports), 'run.json'), 'utf8'));
  return { code, out, scenarios: new Map(run.scenarios.map((s: Scenario) => [s.name, s])) };
}

/** The pre-flight's check that the endpoint serves the scenarios' model: one request ('memopt pre-flight check'). */
const PREFLIGHT_REQUESTS = 1;
const PREFLIGHT_WORDS = 3;

const metric = (s: Scenario, name: string) => s.metrics.find((m) => m.name === name)!;
const both = (s: Scenario, name: string) => [...metric(s, name).baselineSamples, ...metric(s, name).optimizedSamples].reduce((a, b) => a + b, 0);
const column = (t: Table, name: string) => t.rows.map((r) => r[t.columns.indexOf(name)]);

/** Requests the runs counted on the client ledger: each run's batch, plus parallel-api's curve batches. */
function runRequests(scenarios: Map<string, Scenario>): number {
  const parallel = scenarios.get('small-parallel-api')!;
  const curve = parallel.details.find((t) => t.name === 'concurrency_curve')!;
  return both(scenarios.get('small-search-trace')!, 'api_requests') + both(parallel, 'api_requests') + (column(curve, 'api_requests') as number[]).reduce((a, b) => a + b, 0);
}

/** What search-trace's prepare asks of the endpoint: each distinct stored text and normalized query once. */
async function searchPrepareTexts(): Promise<string[]> {
  const [ops, records] = await Promise.all([readTrace('test/fixtures/traces/search-small.jsonl'), loadDataset('datasets/memories.jsonl')]);
  const texts = records.slice(0, 100).map((r) => r.text);
  for (const op of ops) texts.push(op.op === 'add' ? op.text : normalizeQuery(op.text, { caseFold: true }));
  return [...new Set(texts)];
}

function expectChecked(scenarios: Map<string, Scenario>) {
  for (const s of scenarios.values()) {
    expect(s.status, s.name).toBe('passed');
    // The check ran on the optimized side against the baseline's vectors, with its tolerance stated.
    expect(metric(s, 'wrong_vectors').optimizedSamples).toEqual([0]);
    const table = s.details.find((t) => t.name === 'vector_check')!;
    expect(column(table, 'against')).toEqual(['cross-side']);
    expect(column(table, 'cosine_tolerance')).toEqual([1e-3]);
    expect((column(table, 'texts_compared')[0] as number) > 0).toBe(true);
    expect(column(table, 'unchecked')).toEqual([0]);
  }
  expect(metric(scenarios.get('small-search-trace')!, 'stale_results').optimizedSamples).toEqual([0]);
  expect(metric(scenarios.get('small-parallel-api')!, 'wrong_results').optimizedSamples).toEqual([0]);
}

let tiny: TinyServer | undefined;
let memopt: ServerEndpoint | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await tiny?.close();
  await memopt?.close();
  tiny = undefined;
  memopt = undefined;
});

describe('memopt run --endpoint URL: search-trace and parallel-api', () => {
  it('against an independent OpenAI-compatible server: counters equal what it saw, vectors checked across sides', async () => {
    tiny = await startTinyOpenAIServer();
    const { code, out, scenarios } = await runBoth(tiny.baseURL);
    expect(code, out).toBe(0);
    expectChecked(scenarios);
    // Prepare: one batched request per scenario (fewer than 256 texts each); the pre-flight: one request checking the
    // endpoint serves the model both scenarios ask for (one input of three words).
    expect(tiny.seen.requests).toBe(runRequests(scenarios) + 2 + PREFLIGHT_REQUESTS);
    const words = (t: string) => t.split(/\s+/).filter(Boolean).length;
    const prepareTokens = (await searchPrepareTexts()).reduce((sum, t) => sum + words(t), 0) + PREFLIGHT_WORDS;
    const searchTokens = both(scenarios.get('small-search-trace')!, 'api_tokens');
    const parallelTokens = tiny.seen.tokens - searchTokens - prepareTokens;
    const curve = scenarios.get('small-parallel-api')!.details.find((t) => t.name === 'concurrency_curve')!;
    expect(parallelTokens).toBeGreaterThan((column(curve, 'tokens') as number[]).reduce((a, b) => a + b, 0)); // + corpus and the two main batches
    expect(tiny.seen.retriesSeen + tiny.seen.rateLimited + tiny.seen.serverErrors).toBe(0);
  }, 120_000);

  it("against memopt's own server (library call): the runs' client ledgers add up to the server's ledger", async () => {
    memopt = await startEmbeddingsServer({ timeScale: 0, rateLimit: false }, { isolate: 'none' });
    const { code, out, scenarios } = await runBoth(memopt.baseURL);
    expect(code, out).toBe(0);
    expectChecked(scenarios);
    const server = await memopt.ledger();
    expect(server.requests).toBe(runRequests(scenarios) + 2 + PREFLIGHT_REQUESTS);
    expect(server.retriesSeen + server.rateLimited + server.serverErrors + server.clientErrors).toBe(0);
    const prepareTexts = await searchPrepareTexts();
    expect(server.inputs).toBeGreaterThan(prepareTexts.length + runRequests(scenarios)); // + parallel-api's corpus
  }, 120_000);

  it('bounds what each may cost from its workload before any request (--dry-run)', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    let out = '';
    const reports = join(await mkdtemp(join(tmpdir(), 'memopt-endpoint-api-')), 'reports');
    const argv = ['run', SEARCH, PARALLEL, '--quick', '--out', reports, '--endpoint', 'http://192.0.2.1/v1', '--api-key-env', 'none', '--max-cost-usd', '1', '--dry-run'];
    expect(await main(argv, { out: (t) => (out += t), err: (t) => (out += t) })).toBe(0);
    // parallel-api: prepare 1 request (40 corpus texts, 256 per request, 3 attempts); 24 texts alone per batch with
    // 1 + maxRetries (2) attempts, 1 batch per baseline run and 1 + 2 curve points per optimized run.
    expect(out).toMatch(/cost bound small-parallel-api on 192\.0\.2\.1 \(text-embedding-3-small\): 97 requests \(291 with every retry\)/);
    // search-trace: prepare 1 request (199 distinct texts); at most one request per search (146) per run, 3 attempts.
    expect(out).toMatch(/cost bound small-search-trace on 192\.0\.2\.1 \(text-embedding-3-small\): 293 requests \(879 with every retry\)/);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(out).toMatch(/cost bound, all scenarios: 390 requests \(1170 with every retry\), \d+ tokens \(\d+ billable with retries\), at most \$0\.000\d+/);
  });
});
