import { afterEach, describe, expect, it, vi } from 'vitest';
import OpenAI from 'openai';
import { InputError } from '../../src/errors.ts';
import { createUrlEndpoint } from '../../src/endpoint/url-endpoint.ts';
import { startTinyOpenAIServer, type TinyServer } from '../support/openai-compatible-server.ts';

const KEY = 'sk-secret-key-1234567890';
const HEADER_VALUE = 'azure-header-secret-4567';
const QUERY_VALUE = 'query-secret-7890';
const URL_QUERY_VALUE = 'url-query-secret-0000';
const SECRETS = [KEY, HEADER_VALUE, QUERY_VALUE, URL_QUERY_VALUE];

let tiny: TinyServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await tiny?.close();
  tiny = undefined;
});

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('url endpoint secrets', () => {
  it('sends the key, headers and query, and never returns or logs any of their values', async () => {
    const written: string[] = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) vi.spyOn(console, method).mockImplementation((...args) => void written.push(args.map(String).join(' ')));
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));

    tiny = await startTinyOpenAIServer((n) => (n === 1 ? 500 : 200));
    const endpoint = createUrlEndpoint({
      baseURL: `${tiny.baseURL}?tenant=${URL_QUERY_VALUE}`,
      apiKeyEnv: 'MEMOPT_TEST_KEY',
      env: { MEMOPT_TEST_KEY: KEY },
      headers: { 'api-key': HEADER_VALUE },
      query: { 'api-version': QUERY_VALUE },
    });
    const client = endpoint.createClient({ maxRetries: 0 });
    await client.embeddings.create({ model: 'm', input: 'hello there' });
    expect(tiny.last?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(tiny.last?.headers['api-key']).toBe(HEADER_VALUE);
    expect(tiny.last?.query).toEqual({ tenant: URL_QUERY_VALUE, 'api-version': QUERY_VALUE });

    const serverError = await client.embeddings.create({ model: 'm', input: 'again' }).catch((e: unknown) => e);
    expect(serverError).toBeInstanceOf(OpenAI.InternalServerError);
    await tiny.close();
    const connectionError = await client.embeddings.create({ model: 'm', input: 'gone' }).catch((e: unknown) => e);
    expect(connectionError).toBeInstanceOf(OpenAI.APIConnectionError);

    expect(endpoint.describe()).toEqual({ kind: 'url', baseURL: tiny.baseURL, apiKeyEnv: 'MEMOPT_TEST_KEY', headerNames: ['api-key'], queryNames: ['tenant', 'api-version'] });
    for (const text of [
      JSON.stringify(endpoint),
      JSON.stringify(endpoint.describe()),
      JSON.stringify(await endpoint.ledger()),
      endpoint.baseURL,
      String(serverError),
      (serverError as Error).stack ?? '',
      String(connectionError),
      JSON.stringify(connectionError),
      ...written,
    ]) {
      expectNoSecret(text);
    }
  });

  it('refuses a missing key variable and credentials in the URL, naming neither value', () => {
    const missing = (() => {
      try {
        createUrlEndpoint({ baseURL: 'http://127.0.0.1:9/v1', env: {} });
      } catch (error) {
        return error;
      }
    })();
    expect(missing).toBeInstanceOf(InputError);
    expect((missing as Error).message).toContain('OPENAI_API_KEY');
    // The hint names the CLI flag a user types, not an option name of the API.
    expect((missing as Error).message).toContain('--api-key-env none');
    expect(() => createUrlEndpoint({ baseURL: `http://user:${KEY}@127.0.0.1:9/v1`, apiKeyEnv: null })).toThrow(/credentials in the URL/);
    try {
      createUrlEndpoint({ baseURL: `http://user:${KEY}@127.0.0.1:9/v1`, apiKeyEnv: null });
    } catch (error) {
      expectNoSecret((error as Error).message);
    }
  });
});
