import type OpenAI from 'openai';
import { OptionError } from '../../errors.ts';

/**
 * Option checks shared by the embedders. Each returns the value (or its default) or throws an OptionError that
 * says what was expected and what was found, so a bad option fails at construction, never mid-run.
 */

/** Timer functions the BatchEmbedder uses; inject a manual clock so tests control time. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The fields shared by NaiveEmbedder and BatchEmbedder options. */
export interface EmbedderBaseOptions {
  /**
   * The openai client to call. Any OpenAI-compatible server works: construct the client with its `baseURL`.
   * Required.
   */
  client: OpenAI;
  /** Embedding model name, e.g. `text-embedding-3-small`. Required, non-empty. */
  model: string;
  /**
   * Output width to request (`dimensions` in the API; text-embedding-3 models only). Default: undefined, the
   * model's native width. When set, a response vector of any other width is refused as malformed.
   */
  dimensions?: number;
}

export function checkBase(options: EmbedderBaseOptions | undefined): {
  client: OpenAI;
  model: string;
  dimensions: number | undefined;
} {
  if (options === undefined || options === null || typeof options !== 'object') {
    throw new OptionError('options', 'an object with client and model', options);
  }
  const client = options.client as unknown as { embeddings?: { create?: unknown } } | undefined;
  if (typeof client?.embeddings?.create !== 'function') {
    throw new OptionError('client', 'an OpenAI client (with embeddings.create)', typeof client);
  }
  if (typeof options.model !== 'string' || options.model.length === 0) {
    throw new OptionError('model', 'a non-empty string', options.model);
  }
  const dimensions =
    options.dimensions === undefined ? undefined : integer('dimensions', options.dimensions, undefined, 1);
  return { client: options.client, model: options.model, dimensions };
}

/** An integer in [min, max]; `fallback` when undefined. */
export function integer(
  name: string,
  value: number | undefined,
  fallback: number | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
  why = '',
): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new OptionError(name, why ? `${range} (${why})` : range, value);
  }
  return value;
}

/** A finite number in [min, max]; `fallback` when undefined. */
export function finite(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_VALUE,
  why = '',
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = max === Number.MAX_VALUE ? `a finite number >= ${min}` : `a finite number in [${min}, ${max}]`;
    throw new OptionError(name, why ? `${range} (${why})` : range, value);
  }
  return value;
}

export function fn<T>(name: string, value: T | undefined, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') throw new OptionError(name, 'a function', typeof value);
  return value;
}

/**
 * The `signal` of a call's options: undefined when there is none, the signal, or a TypeError (the call rejects
 * with it) when `signal` is not an AbortSignal.
 */
export function abortSignalOf(options: { signal?: AbortSignal } | undefined): AbortSignal | undefined | TypeError {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') return new TypeError(`options must be an object, found ${typeof options}`);
  const signal = options.signal;
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) return new TypeError('options.signal must be an AbortSignal');
  return signal;
}
