import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type OpenAI from 'openai';
import { encode } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens, embeddingFor, startEmulatedApi, type EmulatedApi } from '../../src/endpoint/emulated-api/index.ts';

let mock: EmulatedApi;
let client: OpenAI;

beforeEach(() => {
  mock = startEmulatedApi({ timeScale: 0, rateLimit: false });
  client = mock.createClient({ maxRetries: 0 });
});
afterEach(() => mock.close());

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

describe('mocked POST /embeddings: accepted inputs', () => {
  it('answers a string input with the real response shape', async () => {
    const response = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'The quick brown fox', encoding_format: 'float' });
    expect(response.object).toBe('list');
    expect(response.model).toBe('text-embedding-3-small');
    expect(response.data).toHaveLength(1);
    expect(response.data[0]).toMatchObject({ object: 'embedding', index: 0 });
    expect(response.data[0].embedding).toHaveLength(1536);
    const tokens = countTokens('The quick brown fox');
    expect(response.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
  });

  it('answers an array of strings in input order, with usage equal to the cl100k_base counts', async () => {
    const texts = ['first text', 'a second, longer text about embeddings', 'third'];
    const response = await client.embeddings.create({ model: 'text-embedding-3-small', input: texts });
    expect(response.data.map((d) => d.index)).toEqual([0, 1, 2]);
    texts.forEach((text, i) => expect(response.data[i].embedding).toEqual(Array.from(embeddingFor(text))));
    const tokens = texts.reduce((sum, t) => sum + encode(t).length, 0);
    expect(response.usage.prompt_tokens).toBe(tokens);
    expect(response.usage.total_tokens).toBe(tokens);
  });

  it('embeds a token array as the text it decodes to, counting the ids sent', async () => {
    const text = 'Hello world, tokens here';
    const ids = encode(text);
    const response = await client.embeddings.create({ model: 'text-embedding-3-small', input: ids });
    expect(response.data).toHaveLength(1);
    expect(response.data[0].embedding).toEqual(Array.from(embeddingFor(text)));
    expect(response.usage.prompt_tokens).toBe(ids.length);
  });

  it('embeds an array of token arrays, one vector each', async () => {
    const texts = ['alpha beta', 'gamma delta epsilon'];
    const response = await client.embeddings.create({ model: 'text-embedding-3-small', input: texts.map((t) => encode(t)) });
    expect(response.data).toHaveLength(2);
    texts.forEach((text, i) => expect(response.data[i].embedding).toEqual(Array.from(embeddingFor(text))));
    expect(response.usage.prompt_tokens).toBe(encode(texts[0]).length + encode(texts[1]).length);
  });

  it('gives the same vector as base64 (the SDK default, decoded by the SDK) and as float, equal to embeddingFor', async () => {
    const text = 'memory systems for agents';
    const viaBase64 = await client.embeddings.create({ model: 'text-embedding-3-small', input: text });
    const viaFloat = await client.embeddings.create({ model: 'text-embedding-3-small', input: text, encoding_format: 'float' });
    expect(viaBase64.data[0].embedding).toEqual(viaFloat.data[0].embedding);
    expect(viaFloat.data[0].embedding).toEqual(Array.from(embeddingFor(text)));
  });

  it('returns base64 strings of little-endian float32 bytes when asked explicitly', async () => {
    const response = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'bytes', encoding_format: 'base64' });
    const encoded = response.data[0].embedding as unknown as string;
    expect(typeof encoded).toBe('string');
    const bytes = Buffer.from(encoded, 'base64');
    expect(bytes.length).toBe(1536 * 4);
    const expected = embeddingFor('bytes');
    for (const i of [0, 1, 700, 1535]) expect(bytes.readFloatLE(i * 4)).toBe(expected[i]);
  });

  it('returns unit vectors of each model\'s width', async () => {
    for (const [model, width] of [['text-embedding-3-small', 1536], ['text-embedding-3-large', 3072], ['text-embedding-ada-002', 1536]] as const) {
      const response = await client.embeddings.create({ model, input: 'width check' });
      expect(response.data[0].embedding).toHaveLength(width);
      expect(norm(response.data[0].embedding)).toBeCloseTo(1, 5);
    }
  });

  it('is deterministic: the same text gives the same vector across requests and mocks', async () => {
    const first = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'stable' });
    mock.close();
    mock = startEmulatedApi({ timeScale: 0, rateLimit: false, seed: 99 });
    client = mock.createClient({ maxRetries: 0 });
    const second = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'stable' });
    expect(second.data[0].embedding).toEqual(first.data[0].embedding);
  });
});

describe('mocked POST /embeddings: dimensions', () => {
  it('returns `dimensions` coordinates, unit norm, equal to the re-normalized prefix of the full vector', async () => {
    const text = 'matryoshka embeddings keep a prefix';
    for (const model of ['text-embedding-3-small', 'text-embedding-3-large']) {
      const full = (await client.embeddings.create({ model, input: text })).data[0].embedding;
      for (const dimensions of [1, 64, 256, 1024]) {
        const short = (await client.embeddings.create({ model, input: text, dimensions })).data[0].embedding;
        expect(short).toHaveLength(dimensions);
        expect(norm(short)).toBeCloseTo(1, 5);
        const prefix = full.slice(0, dimensions);
        const prefixNorm = norm(prefix);
        prefix.forEach((value, i) => expect(short[i]).toBeCloseTo(value / prefixNorm, 6));
        expect(short).toEqual(Array.from(embeddingFor(text, model, dimensions)));
      }
    }
  });

  it('accepts the full width as dimensions', async () => {
    const response = await client.embeddings.create({ model: 'text-embedding-3-large', input: 'x', dimensions: 3072 });
    expect(response.data[0].embedding).toEqual(Array.from(embeddingFor('x', 'text-embedding-3-large')));
  });
});
