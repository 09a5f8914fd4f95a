import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { countTokens, startEmulatedApi, type EmulatedApi } from '../../src/endpoint/emulated-api/index.ts';

let mock: EmulatedApi;
let client: OpenAI;

beforeEach(() => {
  mock = startEmulatedApi({ timeScale: 0, rateLimit: false });
  client = mock.createClient({ maxRetries: 0 });
});
afterEach(() => mock.close());

const INVALID_INPUT = "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.";

/** The APIError the SDK throws for this request body (fails the test if the request succeeds). */
async function rejection(body: Record<string, unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await client.embeddings.create(body as unknown as OpenAI.EmbeddingCreateParams);
  } catch (error) {
    expect(error).toBeInstanceOf(OpenAI.APIError);
    return error as InstanceType<typeof OpenAI.APIError>;
  }
  throw new Error(`expected ${JSON.stringify(body).slice(0, 80)} to be rejected`);
}

describe('mocked POST /embeddings rejects what the real endpoint rejects', () => {
  it.each([
    ['an empty string', ''],
    ['an empty array', []],
    ['an array holding an empty string', ['fine', '']],
    ['more than 2048 inputs', Array.from({ length: 2049 }, () => 'a')],
    ['mixed strings and token ids', ['text', 42]],
    ['an empty token array inside the array', [[1, 2], []]],
    ['an id that is not a cl100k_base token', [10_000_000]],
    ['a number', 5],
  ])('400 invalid_request_error for input as %s', async (_label, input) => {
    const error = await rejection({ model: 'text-embedding-3-small', input });
    expect(error.status).toBe(400);
    expect(error.error).toEqual({ message: INVALID_INPUT, type: 'invalid_request_error', param: null, code: null });
  });

  it('accepts exactly 2048 inputs', async () => {
    const response = await client.embeddings.create({ model: 'text-embedding-3-small', input: Array.from({ length: 2048 }, (_, i) => `t${i}`) });
    expect(response.data).toHaveLength(2048);
  });

  it('400 for an input over 8192 tokens, naming the tokens requested', async () => {
    const text = 'hello '.repeat(8300);
    const tokens = countTokens(text);
    expect(tokens).toBeGreaterThan(8192);
    const error = await rejection({ model: 'text-embedding-3-small', input: ['short one', text] });
    expect(error.status).toBe(400);
    expect(error.error).toEqual({
      message: `This model's maximum context length is 8192 tokens, however you requested ${tokens} tokens (${tokens} in your prompt; 0 for the completion). Please reduce your prompt; or completion length.`,
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
  });

  it('accepts an input of exactly 8192 tokens', async () => {
    const ids = Array.from({ length: 8192 }, () => 15339); // 'hello'
    const response = await client.embeddings.create({ model: 'text-embedding-3-small', input: ids });
    expect(response.usage.prompt_tokens).toBe(8192);
  });

  it('400 max_tokens_per_request for more than 300,000 tokens in one request', async () => {
    const chunk = Array.from({ length: 8000 }, () => 15339);
    const input = Array.from({ length: 38 }, () => chunk); // 304,000 tokens
    const error = await rejection({ model: 'text-embedding-3-small', input });
    expect(error.status).toBe(400);
    expect(error.error).toEqual({
      message: 'Requested 304000 tokens, max 300000 tokens per request',
      type: 'max_tokens_per_request',
      param: null,
      code: 'max_tokens_per_request',
    });
  });

  it('404 model_not_found for an unknown model', async () => {
    const error = await rejection({ model: 'text-embedding-4-huge', input: 'hi' });
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.status).toBe(404);
    expect(error.error).toEqual({
      message: 'The model `text-embedding-4-huge` does not exist or you do not have access to it.',
      type: 'invalid_request_error',
      param: null,
      code: 'model_not_found',
    });
  });

  it('400 when the model is missing', async () => {
    const error = await rejection({ input: 'hi' });
    expect(error.status).toBe(400);
    expect(error.error).toMatchObject({ message: 'you must provide a model parameter', type: 'invalid_request_error' });
  });

  it('400 for dimensions on text-embedding-ada-002', async () => {
    const error = await rejection({ model: 'text-embedding-ada-002', input: 'hi', dimensions: 512 });
    expect(error.status).toBe(400);
    expect(error.error).toEqual({ message: 'This model does not support specifying dimensions.', type: 'invalid_request_error', param: null, code: null });
  });

  it.each([
    [0, 'integer_below_min_value', "Invalid 'dimensions': integer below minimum value. Expected a value >= 1, but got 0 instead."],
    [1537, 'integer_above_max_value', "Invalid 'dimensions': integer above maximum value. Expected a value <= 1536, but got 1537 instead."],
    [12.5, 'invalid_type', "Invalid type for 'dimensions': expected an integer, but got a decimal number instead."],
  ])('400 for dimensions %s on text-embedding-3-small', async (dimensions, code, message) => {
    const error = await rejection({ model: 'text-embedding-3-small', input: 'hi', dimensions });
    expect(error.status).toBe(400);
    expect(error.error).toEqual({ message, type: 'invalid_request_error', param: 'dimensions', code });
  });

  it('400 for an unknown encoding_format', async () => {
    const error = await rejection({ model: 'text-embedding-3-small', input: 'hi', encoding_format: 'int8' });
    expect(error.status).toBe(400);
    expect(error.error).toMatchObject({ param: 'encoding_format', code: 'invalid_value', type: 'invalid_request_error' });
  });

  it('400 for a body that is not JSON', async () => {
    const response = await fetch(`${mock.baseURL}/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
      body: '{"model": "text-embedding-3-small", "input": ',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/^We could not parse the JSON body of your request/);
  });

  it('counts every rejection as a client error and none as success', async () => {
    await rejection({ model: 'text-embedding-3-small', input: '' });
    await rejection({ model: 'nope', input: 'x' });
    const snapshot = mock.ledger.snapshot();
    expect(snapshot).toMatchObject({ requests: 2, clientErrors: 2, succeeded: 0, tokens: 0, costUsd: 0 });
  });
});
