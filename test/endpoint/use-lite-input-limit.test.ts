import OpenAI from 'openai';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { countUseLiteTokens, createUseLiteModel, embedWithUseLite, USE_LITE_MAX_INPUT_TOKENS } from '../../src/endpoint/models/use-lite.ts';
import { resolveServerConfig } from '../../src/endpoint/server/config.ts';
import { listenEmbeddingsServer, type ListeningServer } from '../../src/endpoint/server/listen.ts';

// Words that are one USE-lite token each, so a text of n of them is exactly n tokens (checked below).
const WORDS = ['the', 'user', 'wants', 'machine', 'set', 'up', 'with', 'same', 'as', 'work', 'and', 'while', 'on', 'in', 'every', 'we', 'it', 'is', 'a', 'of', 'to', 'for'];
const words = Array.from({ length: 400 }, (_, i) => WORDS[(i * 7 + (i >> 3)) % WORDS.length]);
const textOf = (n: number) => words.slice(0, n).join(' ');

let server: ListeningServer | undefined;
afterAll(async () => {
  await server?.close();
});

describe('USE-lite reads the first 128 tokens of an input', () => {
  it('measured with the installed model: vectors differ up to 127 tokens and are bit-identical to the whole text from 128', async () => {
    const lengths = [126, 127, 128, 129, 200];
    expect(await countUseLiteTokens([...lengths.map(textOf), textOf(400)])).toEqual([...lengths, 400]);
    const [v126, v127, v128, v129, v200, full] = await embedWithUseLite([...lengths.map(textOf), textOf(400)]);
    const same = (a: Float32Array, b: Float32Array) => a.every((x, i) => x === b[i]);
    expect([v126, v127].map((v) => same(v, full))).toEqual([false, false]);
    expect([v128, v129, v200].map((v) => same(v, full))).toEqual([true, true, true]);
    expect(USE_LITE_MAX_INPUT_TOKENS).toBe(128);
  }, 120_000);

  it('the model reports what it read and what it counted, counts inputs past the limit, and warns once', async () => {
    const warn = vi.fn();
    const model = createUseLiteModel({ shipped: null, cacheEntries: 0, warn });
    expect(model.maxInputTokens).toBe(128);
    const first = await model.embed([textOf(20), textOf(300), textOf(128), textOf(129)]);
    expect(first.tokens).toEqual([20, 300, 128, 129]);
    expect(first.tokensRead).toEqual([20, 128, 128, 128]);
    await model.embed([textOf(400)]);
    expect(model.stats().inputsTruncated).toBe(3);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain('use-lite reads only the first 128 tokens of an input; 2 input(s) of this request were longer (up to 300)');
  }, 120_000);

  it('over HTTP: usage bills every token, says what was read, and the ledger counts inputs_truncated', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    server = await listenEmbeddingsServer(resolveServerConfig({ model: 'use-lite', timeScale: 0, rateLimit: false }));
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 });
    const answer = await client.embeddings.create({ model: 'use-lite', input: [textOf(50), textOf(300)] });
    expect(answer.usage).toEqual({ prompt_tokens: 350, total_tokens: 350, tokens_read: 178, inputs_truncated: 1 });
    const ledger = (await (await fetch(`${server.origin}/memopt/ledger`)).json()) as { tokens: number; inputsTruncated: number };
    expect(ledger).toMatchObject({ tokens: 350, inputsTruncated: 1 });
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain('use-lite reads only the first 128 tokens');
    stderr.mockRestore();
  }, 120_000);
});
