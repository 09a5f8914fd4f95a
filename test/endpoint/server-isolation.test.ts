import { afterEach, describe, expect, it } from 'vitest';
import { threadId } from 'node:worker_threads';
import { InputError } from '../../src/errors.ts';
import { startEmbeddingsServer, type ServerEndpoint } from '../../src/endpoint/server/index.ts';

let endpoint: ServerEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

describe.each(['worker', 'process'] as const)('startEmbeddingsServer isolate %s', (isolate) => {
  it('serves from off this thread, reads its ledger over HTTP, and stops on close', async () => {
    endpoint = await startEmbeddingsServer({ timeScale: 0, rateLimit: { requestsPerMinute: 500, tokensPerMinute: 90_000 } }, { isolate });
    expect(endpoint.kind).toBe('server');
    expect(endpoint.isolate).toBe(isolate);
    expect(endpoint.limits).toEqual({ requestsPerMinute: 500, tokensPerMinute: 90_000 });
    const response = await endpoint.createClient({ maxRetries: 0 }).embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two'] });
    expect(response.data[0].embedding).toEqual(Array.from(await endpoint.reference!.vectorFor('one', 'text-embedding-3-small')));
    expect(await endpoint.ledger()).toMatchObject({ requests: 1, succeeded: 1, inputs: 2, tokens: response.usage.prompt_tokens });
    const { origin } = endpoint;
    await endpoint.close();
    await endpoint.close(); // idempotent
    await expect(endpoint.ledger()).rejects.toThrow(/closed/);
    await expect(fetch(`${origin}/memopt/ledger`)).rejects.toThrow(); // nothing listens any more
    expect(threadId).toBe(0); // the test itself ran on the main thread of its fork
  });
});

describe('startEmbeddingsServer configuration', () => {
  it('rejects a bad field before starting anything, naming it (exit code 2)', async () => {
    const error = await startEmbeddingsServer({ rateLimit: { requestsPerMinute: -1 } }, { isolate: 'process' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(2);
    expect((error as Error).message).toContain("field 'rateLimit.requestsPerMinute'");
    const unknown = await startEmbeddingsServer({ prot: 80 } as never, { isolate: 'none' }).catch((e: unknown) => e);
    expect((unknown as Error).message).toMatch(/prot/);
  });
});
