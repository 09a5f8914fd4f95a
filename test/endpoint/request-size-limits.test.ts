import { describe, expect, it, vi } from 'vitest';
import { request as httpRequest } from 'node:http';
import * as bounded from '../../src/util/bounded-tokens.ts';
import * as tokens from '../../src/endpoint/emulated-api/tokens.ts';
import { resolveMockConfig } from '../../src/endpoint/emulated-api/config.ts';
import { MAX_REQUEST_BODY_BYTES } from '../../src/endpoint/emulated-api/models.ts';
import { createEmbeddingsResponder } from '../../src/endpoint/emulated-api/request-handler.ts';
import { createMockState } from '../../src/endpoint/emulated-api/state.ts';
import { validateEmbeddingRequest } from '../../src/endpoint/emulated-api/validation.ts';
import { listenEmbeddingsServer } from '../../src/endpoint/server/listen.ts';
import { resolveServerConfig } from '../../src/endpoint/server/config.ts';

// Spies around the real counters and decoder, so a test sees which work validation did for an input.
vi.mock('../../src/util/bounded-tokens.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/util/bounded-tokens.ts')>();
  return { ...real, countTokensWithin: vi.fn(real.countTokensWithin), countTokensExactly: vi.fn(real.countTokensExactly) };
});
vi.mock('../../src/endpoint/emulated-api/tokens.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/endpoint/emulated-api/tokens.ts')>();
  return { ...real, countTokens: vi.fn(real.countTokens), decodeTokens: vi.fn(real.decodeTokens) };
});

const MODEL = 'text-embedding-3-small';

function resetSpies() {
  vi.mocked(bounded.countTokensWithin).mockClear();
  vi.mocked(bounded.countTokensExactly).mockClear();
  vi.mocked(tokens.countTokens).mockClear();
  vi.mocked(tokens.decodeTokens).mockClear();
}

async function refusal(input: unknown) {
  const result = await validateEmbeddingRequest({ model: MODEL, input });
  if (result.ok) throw new Error('expected a refusal');
  return result.reply;
}

describe('request size limits: refused before the work grows with the input', () => {
  it('10,000,000 token ids: refused by their count, never decoded', async () => {
    resetSpies();
    const reply = await refusal(new Array<number>(10_000_000).fill(64));
    expect(reply.status).toBe(400);
    expect(reply.error.message).toContain('maximum context length is 8192 tokens, however you requested 10000000 tokens');
    expect(tokens.decodeTokens).not.toHaveBeenCalled();
  });

  it("'a' x 120,000: refused naming the limit, counted only up to it (never the full count)", async () => {
    resetSpies();
    const reply = await refusal('a'.repeat(120_000));
    expect(reply.status).toBe(400);
    expect(reply.error.message).toContain('maximum context length is 8192 tokens, however you requested at least 8193 tokens');
    expect(bounded.countTokensWithin).toHaveBeenCalledTimes(1);
    expect(vi.mocked(bounded.countTokensWithin).mock.calls[0][1]).toBe(8192);
    expect(tokens.countTokens).not.toHaveBeenCalled();
  });

  it('a text over 8192 x 128 bytes: refused by its size, never tokenized', async () => {
    resetSpies();
    const reply = await refusal(['short', ' '.repeat(8192 * 128 + 1)]);
    expect(reply.error.message).toContain('maximum context length is 8192 tokens, however you requested at least 8193 tokens (an input of 1048577 UTF-8 bytes');
    expect(bounded.countTokensWithin).not.toHaveBeenCalled();
    expect(tokens.countTokens).toHaveBeenCalledTimes(1); // 'short' alone
  });

  it('an input over the limit stops the count: later inputs are not counted', async () => {
    resetSpies();
    await refusal(['hello '.repeat(9000), 'next', 'and next']);
    expect(tokens.countTokens).toHaveBeenCalledTimes(1);
  });

  it('a closing server stops validation at its next yield', async () => {
    resetSpies();
    const closed = new AbortController();
    closed.abort();
    const big = `x${' '.repeat(127)}`.repeat(2100); // 269 kB (over one counting slice) of about 4,200 tokens: fits
    const result = await validateEmbeddingRequest({ model: MODEL, input: [big, big, big] }, undefined, { signal: closed.signal });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reply.error.message).toContain('shutting down');
    expect(bounded.countTokensWithin).toHaveBeenCalledTimes(1);
  });
});

describe('request body cap', () => {
  const responder = () => {
    const state = createMockState(resolveMockConfig({ timeScale: 0, rateLimit: false }));
    return { state, respond: createEmbeddingsResponder(state) };
  };

  /** A streamed body of `chunks` x 1 MiB that counts how many chunks were pulled. */
  function streamedBody(chunks: number) {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled === chunks) return controller.close();
        pulled++;
        controller.enqueue(new Uint8Array(1024 * 1024).fill(0x20));
      },
    }, { highWaterMark: 0 });
    return { body, pulled: () => pulled };
  }

  it('413 by content-length alone: not a byte read, counted in the ledger as a client error', async () => {
    const { state, respond } = responder();
    const stream = streamedBody(20);
    const request = new Request('http://mock/v1/embeddings', {
      method: 'POST',
      headers: { 'content-length': String(20 * 1024 * 1024) },
      body: stream.body,
      duplex: 'half',
    } as RequestInit);
    const response = await respond(request);
    expect(response.status).toBe(413);
    const body = (await response.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe('request_too_large');
    expect(body.error.message).toContain(`larger than ${MAX_REQUEST_BODY_BYTES} bytes`);
    expect(stream.pulled()).toBe(0);
    expect(state.ledger.snapshot()).toMatchObject({ requests: 1, clientErrors: 1, succeeded: 0 });
  });

  it('413 for a body without content-length once the bytes read pass the cap; the rest is not read', async () => {
    const { respond } = responder();
    const stream = streamedBody(20);
    const response = await respond(new Request('http://mock/v1/embeddings', { method: 'POST', body: stream.body, duplex: 'half' } as RequestInit));
    expect(response.status).toBe(413);
    expect(stream.pulled()).toBeLessThanOrEqual(MAX_REQUEST_BODY_BYTES / (1024 * 1024) + 2);
  });

  it('the HTTP server answers 413 to a chunked body over the cap, naming the cap', async () => {
    const server = await listenEmbeddingsServer(resolveServerConfig({ port: 0, timeScale: 0, rateLimit: false }));
    try {
      const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest(`${server.baseURL}/embeddings`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString() }));
          res.on('error', reject);
        });
        req.on('error', reject);
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        for (let i = 0; i < 9; i++) req.write(chunk);
        req.end();
      });
      expect(status).toBe(413);
      expect(text).toContain(`larger than ${MAX_REQUEST_BODY_BYTES} bytes`);
    } finally {
      await server.close();
    }
  });
});

describe('a closing server (as on SIGTERM)', () => {
  it('closing the server stops a request in the middle of its validation (no further input counted)', async () => {
    const real = await vi.importActual<typeof import('../../src/util/bounded-tokens.ts')>('../../src/util/bounded-tokens.ts');
    const server = await listenEmbeddingsServer(resolveServerConfig({ port: 0, timeScale: 0, rateLimit: false }));
    resetSpies();
    let closing: Promise<void> | undefined;
    // The server closes (as on SIGTERM) while the first of three large inputs is being counted.
    vi.mocked(bounded.countTokensWithin).mockImplementationOnce((text, limit, work) => {
      closing = server.close();
      return real.countTokensWithin(text, limit, work);
    });
    const big = `x${' '.repeat(127)}`.repeat(2100); // 269 kB of about 4,200 tokens: fits, over one counting slice
    const body = JSON.stringify({ model: MODEL, input: [big, big, big] });
    const answered = await new Promise<string>((resolve) => {
      const req = httpRequest(`${server.baseURL}/embeddings`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', (error) => resolve(`connection ended: ${error.message}`));
      req.end(body);
    });
    await closing;
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve)); // let the handler resume
    expect(answered).toMatch(/^connection ended/);
    expect(bounded.countTokensWithin).toHaveBeenCalledTimes(1);
  });
});
