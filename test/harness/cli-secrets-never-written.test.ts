import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { redactArgv } from '../../src/util/redact.ts';
import { CHECK_INPUT } from '../../src/suite/endpoint-check.ts';

const scenario = join(import.meta.dirname, '..', 'fixtures', 'scenarios', 'small-ingest.ts');
const searchTrace = join(import.meta.dirname, '..', 'fixtures', 'scenarios', 'small-search-trace.ts');
const KEY = 'sk-echoed-key-5f1e2d';
const HEADER_VALUE = 'hdr-echoed-7a9b3c';
const QUERY_VALUE = 'qry-echoed-44c0de';
const URL_QUERY_VALUE = 'urlq-echoed-91aa02';
const PG_PASSWORD = 'pgpass-echoed-3e8f';
const SECRETS = [KEY, HEADER_VALUE, QUERY_VALUE, URL_QUERY_VALUE, PG_PASSWORD];

/**
 * A server on 127.0.0.1 that answers requests with an error body quoting everything it received. With `passCheck`,
 * the pre-flight's one-input check request (memopt's endpoint check) gets a proper vector first, so the run goes
 * on and every later request meets the echo.
 */
async function startEchoServer(options: { passCheck: boolean }): Promise<{ baseURL: string; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    state.requests++;
    const body = Buffer.concat(chunks).toString('utf8');
    const parsed = JSON.parse(body || '{}') as { input?: unknown; dimensions?: number };
    if (options.passCheck && Array.isArray(parsed.input) && parsed.input.length === 1 && parsed.input[0] === CHECK_INPUT) {
      res.writeHead(200, { 'content-type': 'application/json' });
      const embedding = new Array(parsed.dimensions ?? 8).fill(0.25);
      res.end(JSON.stringify({ object: 'list', data: [{ object: 'embedding', index: 0, embedding }], model: 'echo', usage: { prompt_tokens: 3, total_tokens: 3 } }));
      return;
    }
    const echoed = `you sent ${req.method} ${req.url} with headers ${JSON.stringify(req.headers)} and body ${body.slice(0, 200)}`;
    // 401: not retried, so every request fails once and quickly.
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: echoed, type: 'invalid_request_error', code: 'invalid_api_key' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

async function cli(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

let echo: Awaited<ReturnType<typeof startEchoServer>> | undefined;
afterEach(async () => {
  delete process.env.MEMOPT_ECHO_KEY;
  await echo?.close();
  echo = undefined;
});

describe('secrets are never written', () => {
  it('an endpoint that refuses the pre-flight with the secrets in its body: exit 2, no secret printed, nothing written', async () => {
    echo = await startEchoServer({ passCheck: false });
    process.env.MEMOPT_ECHO_KEY = KEY;
    const root = await mkdtemp(join(tmpdir(), 'memopt-secrets-'));
    const r = await cli([
      'run', scenario, '--quick', '--verbose', '--out', join(root, 'reports'),
      '--endpoint', `${echo.baseURL}?tenant=${URL_QUERY_VALUE}`, '--api-key-env', 'MEMOPT_ECHO_KEY',
      '--header', `api-key=${HEADER_VALUE}`, '--query', `api-version=${QUERY_VALUE}`,
    ]);
    expect(r.code).toBe(2);
    expect(echo.requests).toBeGreaterThan(0);
    expect(r.err).toMatch(/401/);
    for (const secret of SECRETS) for (const text of [r.out, r.err]) expect(text).not.toContain(secret);
    expect(await filesUnder(root)).toEqual([]);
  }, 60_000);

  it('an endpoint that echoes the key, headers and query in its error bodies: no secret in any file written or line printed', async () => {
    echo = await startEchoServer({ passCheck: true });
    process.env.MEMOPT_ECHO_KEY = KEY;
    const root = await mkdtemp(join(tmpdir(), 'memopt-secrets-'));
    const out = join(root, 'reports');
    const markdown = join(root, 'summary.md');
    const r = await cli([
      'run', scenario, searchTrace, '--quick', '--verbose', '--out', out, '--markdown', markdown, '--save-baseline', 'echo', '--baselines-dir', join(root, 'baselines'), '--allow-incomplete',
      '--endpoint', `${echo.baseURL}?tenant=${URL_QUERY_VALUE}`, '--api-key-env', 'MEMOPT_ECHO_KEY',
      '--header', `api-key=${HEADER_VALUE}`, '--query', `api-version=${QUERY_VALUE}`,
    ]);
    // The server did answer (with the secrets in its bodies), and the run recorded its errors.
    expect(echo.requests).toBeGreaterThan(0);
    const files = await filesUnder(root);
    expect(files.some((f) => f.endsWith('run.json'))).toBe(true);
    expect(files.some((f) => f.endsWith('summary.csv'))).toBe(true);
    expect((await stat(markdown)).size).toBeGreaterThan(0);
    const runJson = await readFile(files.find((f) => f.endsWith('run.json'))!, 'utf8');
    // The echoed error bodies reached the log (--verbose), with the secrets replaced: redaction, not silence.
    expect(r.err).toMatch(/you sent POST \/v1\/embeddings\?tenant=\[redacted\]&api-version=\[redacted\]/);
    expect(r.err).toContain('"authorization":"Bearer [redacted]","api-key":"[redacted]"');
    expect(runJson).toContain('api-key=[redacted]');
    expect(runJson).toContain('tenant=[redacted]');
    expect(r.code).not.toBe(0);
    // search-trace errors on the first failed request: the echoed body is its recorded error, redacted.
    expect(runJson).toMatch(/"message": "401 you sent POST \/v1\/embeddings\?tenant=\[redacted\]&api-version=\[redacted\] with headers/);
    const summary = await readFile(files.find((f) => f.endsWith('summary.csv'))!, 'utf8');
    expect(summary).toContain('401 you sent POST /v1/embeddings?tenant=[redacted]');
    expect(r.out).toContain('401 you sent POST /v1/embeddings?tenant=[redacted]');
    const texts = [r.out, r.err, ...(await Promise.all(files.map((f) => readFile(f, 'utf8'))))];
    for (const secret of SECRETS) for (const text of texts) expect(text).not.toContain(secret);
  }, 60_000);

  it('a --pg-url password is in no message, and argv records neither it nor any URL query or credentials', async () => {
    const r = await cli(['run', scenario, '--quick', '--out', join(await mkdtemp(join(tmpdir(), 'memopt-secrets-')), 'r'), '--pg-url', `postgresql://u:${PG_PASSWORD}@127.0.0.1:9/db`]);
    expect(r.code).toBe(2);
    for (const secret of SECRETS) expect(r.out + r.err).not.toContain(secret);
    const argv = redactArgv([
      'run', '--endpoint', `http://u:${KEY}@127.0.0.1:9/v1?tenant=${URL_QUERY_VALUE}`, `--endpoint=http://127.0.0.1:9/v1?k=${URL_QUERY_VALUE}`,
      '--header', `api-key=${HEADER_VALUE}`, `--query=api-version=${QUERY_VALUE}`, '--pg-url', `postgresql://u:${PG_PASSWORD}@h/db`, `--pg-url=postgresql://u:${PG_PASSWORD}@h/db`,
    ]);
    for (const secret of SECRETS) expect(argv.join(' ')).not.toContain(secret);
    expect(argv).toEqual([
      'run', '--endpoint', 'http://u:[redacted]@127.0.0.1:9/v1?tenant=[redacted]', '--endpoint=http://127.0.0.1:9/v1?k=[redacted]',
      '--header', 'api-key=[redacted]', '--query=api-version=[redacted]', '--pg-url', '[redacted]', '--pg-url=[redacted]',
    ]);
  }, 30_000);
});
