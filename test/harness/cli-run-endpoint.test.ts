import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { startTinyOpenAIServer, vectorOf, type TinyServer } from '../support/openai-compatible-server.ts';
import { lastRun } from '../support/run-folders.ts';

const scenario = join(import.meta.dirname, '..', 'fixtures', 'scenarios', 'small-ingest.ts');
const SECRETS = ['KEYVALUE-91', 'HEADERVALUE-92', 'QUERYVALUE-93'];

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

async function outDir() {
  return join(await mkdtemp(join(tmpdir(), 'memopt-endpoint-')), 'reports');
}

let server: TinyServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  delete process.env.MEMOPT_TEST_KEY;
  await server?.close();
  server = undefined;
});

describe('memopt run --endpoint URL', () => {
  it('runs an ingest scenario against an independent server: counters equal what it saw, no secret written', async () => {
    server = await startTinyOpenAIServer();
    process.env.MEMOPT_TEST_KEY = SECRETS[0];
    const out = await outDir();
    const r = await cli('run', scenario, '--quick', '--out', out, '--endpoint', server.baseURL, '--model', 'tiny', '--api-key-env', 'MEMOPT_TEST_KEY', '--header', `x-extra=${SECRETS[1]}`, '--query', `api-version=${SECRETS[2]}`);
    expect(r.err + r.out).not.toMatch(/VALUE-9/);
    expect(r.code).toBe(0);
    expect(server.last!.headers['x-extra']).toBe(SECRETS[1]);
    expect(server.last!.query['api-version']).toBe(SECRETS[2]);
    const dir = await lastRun(out);
    for (const file of await readdir(dir)) expect(await readFile(join(dir, file), 'utf8')).not.toMatch(/VALUE-9/);
    const run = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'));
    const result = run.scenarios[0];
    expect(result.manifest.endpoint).toEqual({ kind: 'url', baseURL: server.baseURL, apiKeyEnv: 'MEMOPT_TEST_KEY', headerNames: ['x-extra'], queryNames: ['api-version'] });
    const sum = (name: string) => {
      const m = result.metrics.find((x: { name: string }) => x.name === name);
      return [...m.baselineSamples, ...m.optimizedSamples].reduce((a: number, b: number) => a + b, 0);
    };
    // The runs (ingest needs no vectors outside them: no reference model, checked across sides), plus the
    // pre-flight's one check that the endpoint serves the model: one input of three words.
    expect(sum('api_requests') + 1).toBe(server.seen.requests);
    expect(sum('api_inputs') + 1).toBe(server.seen.inputs);
    expect(sum('api_tokens') + 3).toBe(server.seen.tokens);
    expect(result.metrics.find((x: { name: string }) => x.name === 'api_requests').baselineSamples).toEqual([30]);
    expect(result.metrics.find((x: { name: string }) => x.name === 'wrong_vectors').optimizedSamples).toEqual([0]);
    const check = result.details.find((t: { name: string }) => t.name === 'vector_check');
    expect(check.rows[0].slice(3)).toEqual(['stored', 'cross-side', 1e-3, 30, 0, 0, 1]);
  }, 60_000);

  it("catches an endpoint whose batched answers differ from its single ones: wrong_vectors across sides, target missed (exit 1)", async () => {
    // A broken model: a text's vector depends on its batch (the last number is the batch's size).
    server = await startTinyOpenAIServer(undefined, (text, _index, inputs) => [...vectorOf(text).slice(0, 7), inputs * 10]);
    const out = await outDir();
    const r = await cli('run', scenario, '--quick', '--out', out, '--endpoint', server.baseURL, '--api-key-env', 'none');
    expect(r.code).toBe(1);
    const result = JSON.parse(await readFile(join(await lastRun(out), 'run.json'), 'utf8')).scenarios[0];
    const wrong = result.metrics.find((x: { name: string }) => x.name === 'wrong_vectors');
    expect(wrong.baselineSamples).toEqual([]); // the baseline side is the reference
    expect(wrong.optimizedSamples[0]).toBeGreaterThan(0);
    const check = result.details.find((t: { name: string }) => t.name === 'vector_check');
    expect(check.rows[0][7]).toBe(wrong.optimizedSamples[0]); // mismatches, none unchecked
    expect(check.rows[0][9]).toBeLessThan(1 - 1e-3); // min_cosine
  }, 60_000);

  it('refuses a non-loopback endpoint without --max-cost-usd (exit 2), before any request', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const r = await cli('run', scenario, '--quick', '--out', await outDir(), '--endpoint', 'http://192.0.2.1/v1', '--api-key-env', 'none');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--max-cost-usd.*required/);
    expect(r.out).toMatch(/cost bound small-ingest on 192\.0\.2\.1/);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('refuses a bound above --max-cost-usd and a model without a price (exit 2); --dry-run prints and stops (exit 0)', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const base = ['run', scenario, '--quick', '--out', await outDir(), '--endpoint', 'http://192.0.2.1/v1', '--api-key-env', 'none'];
    const over = await cli(...base, '--max-cost-usd', '0.0000001');
    expect(over.code).toBe(2);
    expect(over.err).toMatch(/refused: this run could cost up to/);
    const unpriced = await cli(...base, '--max-cost-usd', '1', '--model', 'my-model');
    expect(unpriced.code).toBe(2);
    expect(unpriced.err).toMatch(/--price-per-million-tokens/);
    // 2 runs of 30 texts sent alone, up to 7 attempts each.
    const dry = await cli(...base, '--max-cost-usd', '1', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/cost bound, all scenarios: 60 requests \(420 with every retry\)/);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('refuses index scenarios, which take vectors, not an API (exit 2)', async () => {
    const passing = join(import.meta.dirname, '..', 'fixtures', 'scenarios', 'passing.ts');
    const r = await cli('run', passing, '--quick', '--out', await outDir(), '--endpoint', 'http://127.0.0.1:9/v1', '--api-key-env', 'none');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/only scenarios that call the embeddings API \(ingest, search-trace, parallel-api\) run against a url endpoint/);
  });
});
