import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { BatchEmbedder } from '../../src/parts/embeddings/batch-embedder.ts';
import { NaiveEmbedder } from '../../src/parts/embeddings/naive-embedder.ts';
import { fakeVector } from '../../src/parts/embeddings/instant-client.ts';

/**
 * Both embedders against a real openai SDK client whose `fetch` is an in-process fake server: proves the
 * per-request options reach the wire (SDK retries off, x-stainless-retry-count set by the batcher) and that the
 * naive baseline's stats count the SDK's hidden retries.
 */
interface Seen {
  inputs: string[];
  retryCount: string | null;
}

function fakeServer(fail: (n: number) => Response | undefined) {
  const seen: Seen[] = [];
  const fetch = async (_url: string | URL | Request, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as { input: string | string[]; encoding_format?: string };
    const inputs = typeof body.input === 'string' ? [body.input] : body.input;
    seen.push({ inputs, retryCount: new Headers(init?.headers).get('x-stainless-retry-count') });
    const failure = fail(seen.length - 1);
    if (failure) return failure;
    const data = inputs.map((text, index) => {
      const f32 = Float32Array.from(fakeVector(text));
      const embedding =
        body.encoding_format === 'base64' ? Buffer.from(f32.buffer).toString('base64') : Array.from(f32);
      return { object: 'embedding', index, embedding };
    });
    return Response.json({ object: 'list', data: data.reverse(), model: 'm', usage: { prompt_tokens: 1, total_tokens: 1 } });
  };
  const client = new OpenAI({ apiKey: 'test', baseURL: 'http://fake.invalid/v1', fetch, maxRetries: 5 });
  return { client, seen };
}

const tooMany = () =>
  new Response(JSON.stringify({ error: { message: 'slow down' } }), {
    status: 429,
    headers: { 'content-type': 'application/json', 'retry-after-ms': '0' },
  });

const expected = (text: string) => Array.from(Float32Array.from(fakeVector(text)));

describe('embedders on a real openai client', () => {
  it('BatchEmbedder turns the SDK retries off and sends its own retry count', async () => {
    const { client, seen } = fakeServer((n) => (n < 2 ? tooMany() : undefined));
    const embedder = new BatchEmbedder({ client, model: 'm', maxWaitMs: 0 });
    expect(await embedder.embedMany(['a', 'b', 'a'])).toEqual([expected('a'), expected('b'), expected('a')]);
    await embedder.close();
    // Had the SDK retried on its own (maxRetries 5), these would not be exactly three with counts 0, 1, 2.
    expect(seen.map((s) => s.retryCount)).toEqual(['0', '1', '2']);
    expect(seen.map((s) => s.inputs)).toEqual([['a', 'b'], ['a', 'b'], ['a', 'b']]);
    expect(embedder.stats()).toMatchObject({ requestsSent: 3, retries: 2, inputsSent: 2, inputsDeduplicated: 1 });
  });

  it('NaiveEmbedder sends one request per text and counts the SDK retries', async () => {
    const { client, seen } = fakeServer((n) => (n === 0 ? tooMany() : undefined));
    const embedder = new NaiveEmbedder({ client, model: 'm' });
    expect(await embedder.embed('x')).toEqual(expected('x'));
    expect(seen.map((s) => [s.inputs, s.retryCount])).toEqual([
      [['x'], '0'],
      [['x'], '1'],
    ]);
    expect(embedder.stats()).toMatchObject({ textsRequested: 1, requestsSent: 2, retries: 1, inputsSent: 1 });
  });
});
