import type OpenAI from 'openai';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';

/**
 * An in-process stand-in for `OpenAI` with just `embeddings.create`, for unit tests and the overhead benchmark.
 * It records every request, can wait, fail, answer with headers, or return a tampered response, and its vector for
 * a text is a deterministic function of the text (`fakeVector`). Cast-free to use: `fake.client` is typed OpenAI.
 */

export interface FakeRequest {
  /** Arrival order, from 0. */
  seq: number;
  /** The inputs, as an array even when a single string was sent. */
  input: string[];
  model: string;
  dimensions: number | undefined;
  /** Per-request options as passed (maxRetries, headers, signal, ...). */
  options: { maxRetries?: number; headers?: Record<string, string>; signal?: AbortSignal; timeout?: number } | undefined;
  /** Whether the request's `signal` aborted it before it was answered (it then rejects like the SDK does). */
  aborted: boolean;
  /** The `x-stainless-retry-count` header sent with it (0 when absent). */
  retryCount: number;
}

export type FakeReply =
  /** A correct response (the default). */
  | { kind: 'ok' }
  /** An SDK error: with a status, an APIError of that status (RateLimitError for 429, ...); without, a connection error. */
  | { kind: 'error'; status?: number; headers?: Record<string, string>; message?: string }
  /** This exact `data` array instead of the correct one (to test missing, duplicated or reordered indexes). */
  | { kind: 'data'; data: unknown };

export interface FakeClientOptions {
  /** The vector for a text; default `fakeVector(text, dimensions ?? 8)`. */
  vectorFor?: (text: string, dimensions: number | undefined) => number[];
  /** Decides the reply to a request; undefined means a correct response. */
  behavior?: (request: FakeRequest, correctData: () => EmbeddingItem[]) => FakeReply | undefined;
  /**
   * Awaited before replying, e.g. `() => clock.wait(50)`; default none (replies on the next microtask). A request
   * whose `signal` aborts meanwhile rejects at once with APIUserAbortError, as the SDK's does.
   */
  latency?: (request: FakeRequest) => Promise<void> | void;
  /** Return responses in reverse array order (indexes still correct), to prove callers sort by index. Default true. */
  shuffle?: boolean;
}

export interface EmbeddingItem {
  object: 'embedding';
  index: number;
  embedding: number[];
}

export interface FakeClient {
  client: OpenAI;
  requests: FakeRequest[];
  /** Requests being answered now, and the most at once. */
  readonly inFlight: number;
  readonly peakInFlight: number;
}

function abortedBy(request: FakeRequest): APIUserAbortError {
  request.aborted = true;
  return new APIUserAbortError();
}

/** A deterministic unit-free vector for `text`: FNV-1a hash expanded by an LCG. */
export function fakeVector(text: string, dimensions = 8): number[] {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  const out = new Array<number>(dimensions);
  let x = h >>> 0;
  for (let d = 0; d < dimensions; d++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[d] = x / 0x1_0000_0000 - 0.5;
  }
  return out;
}

export function createFakeClient(options: FakeClientOptions = {}): FakeClient {
  const vectorFor = options.vectorFor ?? ((text, dimensions) => fakeVector(text, dimensions ?? 8));
  const shuffle = options.shuffle ?? true;
  const requests: FakeRequest[] = [];
  let inFlight = 0;
  let peakInFlight = 0;

  async function create(
    body: { input: string | string[]; model: string; dimensions?: number },
    requestOptions?: FakeRequest['options'],
  ) {
    const input = typeof body.input === 'string' ? [body.input] : [...body.input];
    const request: FakeRequest = {
      seq: requests.length,
      input,
      model: body.model,
      dimensions: body.dimensions,
      options: requestOptions,
      retryCount: Number(requestOptions?.headers?.['x-stainless-retry-count'] ?? 0),
      aborted: false,
    };
    requests.push(request);
    inFlight++;
    if (inFlight > peakInFlight) peakInFlight = inFlight;
    try {
      const signal = requestOptions?.signal;
      if (signal?.aborted) throw abortedBy(request);
      const waited = options.latency ? options.latency(request) : undefined;
      if (signal === undefined) await waited;
      else {
        let onAbort: () => void = () => {};
        const abort = new Promise<never>((_, reject) => {
          onAbort = () => reject(abortedBy(request));
          signal.addEventListener('abort', onAbort, { once: true });
        });
        try {
          await Promise.race([waited, abort]);
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
      }
      const correct = (): EmbeddingItem[] => {
        const items = input.map((text, index) => ({
          object: 'embedding' as const,
          index,
          embedding: vectorFor(text, body.dimensions),
        }));
        return shuffle ? items.reverse() : items;
      };
      const reply = options.behavior?.(request, correct) ?? { kind: 'ok' };
      if (reply.kind === 'error') {
        if (reply.status === undefined) throw new APIConnectionError({ message: reply.message });
        const message = reply.message ?? `fake ${reply.status}`;
        throw APIError.generate(reply.status, { message }, message, new Headers(reply.headers ?? {}));
      }
      return {
        object: 'list',
        model: body.model,
        data: reply.kind === 'data' ? reply.data : correct(),
        usage: { prompt_tokens: 0, total_tokens: 0 },
      };
    } finally {
      inFlight--;
    }
  }

  return {
    client: { embeddings: { create } } as unknown as OpenAI,
    requests,
    get inFlight() {
      return inFlight;
    },
    get peakInFlight() {
      return peakInFlight;
    },
  };
}
