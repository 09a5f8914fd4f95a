/**
 * A minimal OpenAI-compatible embeddings server, independent of memopt's own (plain node:http, nothing shared with
 * src/endpoint): tests check the client ledger's counters against what this server saw. Vectors are 8 numbers
 * derived from the text alone (as a real model's: the same whether sent alone or in a batch); usage counts
 * whitespace-separated words. `answer(n)` picks the status of the n-th request
 * (0-based): 200, or 429 / 500 with a tiny retry-after-ms so SDK retries are fast, or 'reset' (the connection is
 * destroyed without an answer, as a dropped connection would be).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenCounters {
  requests: number;
  succeeded: number;
  inputs: number;
  tokens: number;
  rateLimited: number;
  serverErrors: number;
  clientErrors: number;
  retriesSeen: number;
}

export interface TinyServer {
  baseURL: string;
  seen: SeenCounters;
  /** Headers and query of the last request, as received. */
  last: { headers: IncomingMessage['headers']; query: Record<string, string> } | undefined;
  /** Every embeddings request's model and texts, in arrival order. */
  received: Array<{ model: unknown; texts: string[] }>;
  close(): Promise<void>;
}

/**
 * `answer(n)` picks the n-th request's status; `embed(text, index, inputs)` its vectors (default vectorOf(text): a
 * model that embeds each text by itself; a test may make batched answers differ).
 */
export async function startTinyOpenAIServer(
  answer: (n: number) => 200 | 401 | 429 | 500 | 'reset' = () => 200,
  embed: (text: string, index: number, inputs: number) => number[] = (text) => vectorOf(text),
): Promise<TinyServer> {
  const seen: SeenCounters = { requests: 0, succeeded: 0, inputs: 0, tokens: 0, rateLimited: 0, serverErrors: 0, clientErrors: 0, retriesSeen: 0 };
  const state: { last: TinyServer['last'] } = { last: undefined };
  const received: TinyServer['received'] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    state.last = { headers: req.headers, query: Object.fromEntries(url.searchParams) };
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || url.pathname !== '/v1/embeddings') return send(404, { error: { message: 'not found' } });
    const n = seen.requests++;
    if (Number(req.headers['x-stainless-retry-count'] ?? 0) > 0) seen.retriesSeen++;
    let body: { input?: unknown; model?: unknown; encoding_format?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      seen.clientErrors++;
      return send(400, { error: { message: 'bad json' } });
    }
    const texts = typeof body.input === 'string' ? [body.input] : Array.isArray(body.input) ? body.input.map(String) : [];
    received.push({ model: body.model, texts });
    if (texts.length === 0) {
      seen.clientErrors++;
      return send(400, { error: { message: 'input required' } });
    }
    const status = answer(n);
    if (status === 'reset') {
      req.socket.destroy();
      return;
    }
    if (status === 429) {
      seen.rateLimited++;
      return send(429, { error: { message: 'slow down' } }, { 'retry-after-ms': '1', 'x-ratelimit-limit-requests': '60', 'x-ratelimit-remaining-requests': '0' });
    }
    if (status === 401) {
      seen.clientErrors++;
      return send(401, { error: { message: 'Incorrect API key provided', code: 'invalid_api_key' } });
    }
    if (status === 500) {
      seen.serverErrors++;
      return send(500, { error: { message: 'oops' } }, { 'retry-after-ms': '1' });
    }
    const tokens = texts.reduce((sum, text) => sum + text.split(/\s+/).filter(Boolean).length, 0);
    seen.succeeded++;
    seen.inputs += texts.length;
    seen.tokens += tokens;
    // encoding_format 'base64' (what the openai SDK asks for by default): little-endian float32, as OpenAI sends it.
    const encode = body.encoding_format === 'base64' ? (v: number[]) => Buffer.from(Float32Array.from(v).buffer).toString('base64') : (v: number[]) => v;
    const data = texts.map((text, index) => ({ object: 'embedding', index, embedding: encode(embed(text, index, texts.length)) }));
    send(200, { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } }, { 'x-ratelimit-limit-requests': '60', 'x-ratelimit-remaining-requests': String(59 - (n % 60)) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    seen,
    received,
    get last() {
      return state.last;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The server's "model": 8 numbers from the text's characters (hashed into buckets), plus its length. */
export function vectorOf(text: string): number[] {
  const v = new Array<number>(8).fill(0);
  for (let i = 0; i < text.length; i++) v[(text.charCodeAt(i) * 31 + i) % 7] += 1;
  v[7] = text.length / 10;
  return v;
}
