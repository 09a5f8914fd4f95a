import { APIConnectionError, APIUserAbortError } from 'openai';

/**
 * How the BatchEmbedder decides whether and when to retry a failed embeddings request. Mirrors the openai SDK's
 * own policy (client.js `shouldRetry` / `retryRequest`), so moving retries from the SDK into the batcher changes
 * who counts them, not which failures are retried.
 */

/** The HTTP status of an SDK error, if it has one (connection errors and non-HTTP errors have none). */
export function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** A response header from an SDK error (`Headers` in the SDK; plain objects accepted for hand-made errors). */
export function headerOf(err: unknown, name: string): string | undefined {
  const headers = (err as { headers?: unknown } | null)?.headers;
  if (headers === undefined || headers === null || typeof headers !== 'object') return undefined;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') return (get.call(headers, name) as string | null) ?? undefined;
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Whether a failed request is worth retrying: 408, 409, 429 and 5xx responses and connection errors (timeouts
 * included), unless the server says otherwise with `x-should-retry`. Other 4xx, a user abort and errors that are
 * not from the HTTP layer (e.g. a bug in a custom client) are final.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof APIUserAbortError) return false;
  const should = headerOf(err, 'x-should-retry');
  if (should === 'true') return true;
  if (should === 'false') return false;
  const status = statusOf(err);
  if (status === undefined) return err instanceof APIConnectionError || isConnectionErrorByName(err);
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

// A client built against another copy of the openai package throws errors that fail `instanceof`; match by name.
function isConnectionErrorByName(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'APIConnectionError' || name === 'APIConnectionTimeoutError';
}

/**
 * The delay the server asked for, in ms: `retry-after-ms` (ms, may be fractional), else `retry-after` (seconds, or
 * an HTTP date relative to `nowMs`). Undefined when neither is present or parseable. Never negative.
 */
export function serverRetryDelayMs(err: unknown, nowMs: number): number | undefined {
  const ms = headerOf(err, 'retry-after-ms');
  if (ms !== undefined) {
    const value = Number.parseFloat(ms);
    if (Number.isFinite(value)) return Math.max(0, value);
  }
  const after = headerOf(err, 'retry-after');
  if (after !== undefined) {
    const seconds = Number.parseFloat(after);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(after);
    if (Number.isFinite(date)) return Math.max(0, date - nowMs);
  }
  return undefined;
}

/**
 * Exponential backoff for retry number `retry` (1 for the first retry): `initialMs * 2^(retry-1)`, capped at
 * `maxMs`, then shortened by up to 25% of jitter drawn from `random` (the SDK's formula, with a seeded source).
 */
export function backoffDelayMs(retry: number, initialMs: number, maxMs: number, random: () => number): number {
  const base = Math.min(initialMs * 2 ** (retry - 1), maxMs);
  return base * (1 - random() * 0.25);
}
