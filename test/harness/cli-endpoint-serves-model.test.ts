/**
 * The pre-flight checks that the endpoint serves the model and dimensions each scenario asks for, before any scenario
 * runs: memopt's own endpoints by their model table (no request), a user's endpoint by one small request per
 * (model, dimensions). Refused: exit 2, the field named, no run folder.
 */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { startTinyOpenAIServer, type TinyServer } from '../support/openai-compatible-server.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const bad = (name: string) => join(fixtures, 'bad-input', `${name}.ts`);
const INGEST = join(fixtures, 'scenarios', 'small-ingest.ts');

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

async function reports() {
  return join(await mkdtemp(join(tmpdir(), 'memopt-serves-model-')), 'reports');
}

let server: TinyServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the pre-flight checks the endpoint serves what each scenario asks', () => {
  it('a model the mocked API does not serve, and dimensions a model does not take: both listed, exit 2, nothing run', async () => {
    const out = await reports();
    const r = await cli('run', bad('unknown-model'), bad('dimensions-not-taken'), '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown-model\.ts, field 'workload\.model': scenario 'bad-unknown-model': the mocked API serves no model 'text-embedding-4-tiny'/);
    expect(r.err).toMatch(/dimensions-not-taken\.ts, field 'workload\.dimensions': scenario 'bad-dimensions-not-taken': text-embedding-ada-002 takes no dimensions parameter/);
    expect(existsSync(join(out, 'runs'))).toBe(false);
  });

  it("a real-model scenario left on the default model is refused before its server starts", async () => {
    const out = await reports();
    const r = await cli('run', bad('real-model-default-model'), '--endpoint-kind', 'server', '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/field 'workload\.model': .*answers with the real model 'use-lite' \(endpoint\.model\) only, but the workload asks for 'text-embedding-3-small'/);
    expect(existsSync(join(out, 'runs'))).toBe(false);
  });

  it('a url endpoint that answers other dimensions than asked: one check request, exit 2, no scenario run', async () => {
    server = await startTinyOpenAIServer(); // 8-dimensional vectors whatever is asked
    const out = await reports();
    const r = await cli('run', INGEST, '--quick', '--out', out, '--endpoint', server.baseURL, '--api-key-env', 'none', '--model', 'tiny', '--dimensions', '16');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/field 'workload\.model, workload\.dimensions': the endpoint answered model 'tiny' with 16 dimensions with 8 dimensions \(scenarios: small-ingest\)/);
    expect(server.seen.requests).toBe(1);
    expect(existsSync(join(out, 'runs'))).toBe(false);
  });

  it('a url endpoint that refuses the model: its status named, exit 2, no scenario run', async () => {
    server = await startTinyOpenAIServer(() => 500);
    const out = await reports();
    const r = await cli('run', INGEST, '--quick', '--out', out, '--endpoint', server.baseURL, '--api-key-env', 'none');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/field 'workload\.model': the endpoint refused model 'text-embedding-3-small': HTTP 500 \(scenarios: small-ingest\)/);
    expect(server.seen.requests).toBe(3); // the check request and the SDK's two retries
    expect(existsSync(join(out, 'runs'))).toBe(false);
  });

  it("a base URL without its '/v1': the 404 is named with the likely fix, exit 2, no scenario run", async () => {
    server = await startTinyOpenAIServer();
    const out = await reports();
    const root = server.baseURL.replace(/\/v1$/, '');
    const r = await cli('run', INGEST, '--quick', '--out', out, '--endpoint', root, '--api-key-env', 'none');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/field '--endpoint': the endpoint has no embeddings route: HTTP 404 for http:\/\/127\.0\.0\.1:\d+\/embeddings; the base URL may be missing its '\/v1' \(try http:\/\/127\.0\.0\.1:\d+\/v1\)/);
    expect(existsSync(join(out, 'runs'))).toBe(false);
  });

  it('a closed port: connection refused, named before anything runs (exit 2)', async () => {
    const closed = await startTinyOpenAIServer();
    const url = closed.baseURL;
    await closed.close();
    const out = await reports();
    const r = await cli('run', INGEST, '--quick', '--out', out, '--endpoint', url, '--api-key-env', 'none');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/field '--endpoint': cannot reach the endpoint at http:\/\/127\.0\.0\.1:\d+\/v1: connection refused/);
    expect(existsSync(join(out, 'runs'))).toBe(false);
  }, 30_000);

  it('a key the endpoint refuses: the variable is named, never its value (exit 2)', async () => {
    server = await startTinyOpenAIServer(() => 401);
    process.env.MEMOPT_TEST_PREFLIGHT_KEY = 'sk-preflight-secret-91';
    try {
      const out = await reports();
      const r = await cli('run', INGEST, '--quick', '--out', out, '--endpoint', server.baseURL, '--api-key-env', 'MEMOPT_TEST_PREFLIGHT_KEY');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/field '--api-key-env': the endpoint answered HTTP 401: the key in \$MEMOPT_TEST_PREFLIGHT_KEY was refused/);
      expect(r.err + r.out).not.toContain('sk-preflight-secret-91');
      expect(existsSync(join(out, 'runs'))).toBe(false);
    } finally {
      delete process.env.MEMOPT_TEST_PREFLIGHT_KEY;
    }
  });
});
