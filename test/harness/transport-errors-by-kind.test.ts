import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ingestDriver } from '../../src/drivers/ingest.ts';
import { transportErrorKind } from '../../src/endpoint/client-ledger.ts';
import { exitCodeFor, runScenario } from '../../src/harness/runner.ts';
import { urlEndpoints } from '../../src/harness/scenario-endpoint.ts';
import { validateScenario } from '../../src/harness/scenario-schema.ts';
import type { ErroredScenarioResult } from '../../src/harness/types.ts';
import { formatScenario } from '../../src/report/console.ts';
import { startTinyOpenAIServer, type TinyServer } from '../support/openai-compatible-server.ts';

let tiny: TinyServer | undefined;
afterEach(async () => {
  await tiny?.close();
  tiny = undefined;
});

/** Ingest of 8 texts, one request per text on one side, batches of up to 4 on the other; no retries. */
const scenario = () =>
  validateScenario(
    'x.ts',
    {
      name: 'user-endpoint',
      description: 'ingest against a user endpoint',
      driver: ingestDriver,
      workload: { size: 8, producers: 1 },
      repetitions: { full: 1, quick: 1 },
      baseline: { label: 'one-per-text', params: { embedder: 'batch', maxBatchSize: 1, maxWaitMs: 0, maxRetries: 0 } },
      optimized: { label: 'batched', params: { embedder: 'batch', maxBatchSize: 4, maxWaitMs: 1, maxRetries: 0 } },
    },
    { quick: true },
  );

const against = (baseURL: string) => ({ quick: true, endpoints: () => urlEndpoints({ baseURL, apiKeyEnv: null }) });

/** A port with nothing listening: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('transport errors during a run, by kind', () => {
  it('a few dropped connections: counted as reset, shown beside the table, the run still measures', async () => {
    // The 3rd request (the one-per-text side's) has its connection destroyed; everything else is answered.
    tiny = await startTinyOpenAIServer((n) => (n === 2 ? 'reset' : 200));
    const result = await runScenario(scenario(), against(tiny.baseURL));
    expect(result.status).toBe('passed');
    // Every request the server saw, counted by the client: one reset (no retry), the others answered.
    const sent = tiny.seen.requests;
    expect(result.transport).toEqual({ requests: sent, succeeded: sent - 1, refused: 0, reset: 1, timeout: 0, other: 0, statuses: {} });
    expect(formatScenario(result)).toContain(`  endpoint: ${sent} requests, ${sent - 1} answered 200; 1 reset\n`);
  });

  it('most requests dropped: the run fails (exit 3) saying how many got no response, and of which kind', async () => {
    tiny = await startTinyOpenAIServer((n) => (n % 4 === 0 ? 200 : 'reset'));
    const result = (await runScenario(scenario(), against(tiny.baseURL))) as ErroredScenarioResult;
    expect(result.status).toBe('errored');
    expect(exitCodeFor([result])).toBe(3);
    expect(result.error.message).toBe(
      'one-per-text: 6 of 8 embeddings requests got no response from the endpoint (6 reset); the run measured the network, not the part: check that the endpoint is up and keeps its connections',
    );
    expect(result.transport).toMatchObject({ requests: 8, succeeded: 2, reset: 6 });
  });

  it('nothing listening: every request refused, named as refused', async () => {
    const result = (await runScenario(scenario(), against(`http://127.0.0.1:${await closedPort()}/v1`))) as ErroredScenarioResult;
    expect(result.error.exitCode).toBe(3);
    expect(result.error.message).toMatch(/^one-per-text: 8 of 8 embeddings requests got no response from the endpoint \(8 refused\)/);
  });

  it('HTTP statuses are counted by status, apart from transport errors', async () => {
    tiny = await startTinyOpenAIServer((n) => (n === 0 ? 500 : n === 1 ? 429 : 200));
    const result = await runScenario(scenario(), against(tiny.baseURL));
    const sent = tiny.seen.requests;
    expect(result.transport).toEqual({ requests: sent, succeeded: sent - 2, refused: 0, reset: 0, timeout: 0, other: 0, statuses: { '429': 1, '500': 1 } });
    expect(formatScenario(result)).toContain(`  endpoint: ${sent} requests, ${sent - 2} answered 200; HTTP 429 x1, 500 x1\n`);
  });

  it('classifies the errors fetch throws by their cause', () => {
    const fetchFailed = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });
    expect(transportErrorKind(fetchFailed('ECONNREFUSED'))).toBe('refused');
    expect(transportErrorKind(fetchFailed('ECONNRESET'))).toBe('reset');
    expect(transportErrorKind(fetchFailed('UND_ERR_SOCKET'))).toBe('reset');
    expect(transportErrorKind(fetchFailed('UND_ERR_CONNECT_TIMEOUT'))).toBe('timeout');
    expect(transportErrorKind(Object.assign(new Error('x'), { name: 'AbortError' }))).toBe('timeout');
    expect(transportErrorKind(fetchFailed('ENOTFOUND'))).toBe('other');
  });
});
