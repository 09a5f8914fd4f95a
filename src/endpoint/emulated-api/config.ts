/**
 * The mock's defaults and the merge of a partial configuration over them. Bad options fail here, at start, with a
 * message that says what was expected (OptionError), never later inside a request.
 */
import { OptionError } from '../../errors.ts';
import { LIST_PRICES_USD_PER_MILLION_TOKENS } from './models.ts';
import type { EmulatedApiConfig, EmulatedApiConfigInput, RateLimitConfig } from './types.ts';

/** Defaults; README.md ("Defaults") justifies the latency and rate-limit values. */
export const DEFAULT_MOCK_CONFIG: EmulatedApiConfig = deepFreeze({
  seed: 1,
  baseURL: 'https://mock.memopt.invalid/v1',
  timeScale: 1,
  latency: { baseMs: 200, perTokenMs: 0.005, jitter: 0.2 },
  rateLimit: { requestsPerMinute: 3_000, tokensPerMinute: 1_000_000, initialBurst: 1, rejectedCountAgainstLimit: false, retryHeaders: ['retry-after', 'retry-after-ms'], limitHeaders: true },
  faults: { serverErrorRate: 0, slowRate: 0, slowFactor: 5 },
  pricesUsdPerMillionTokens: { ...LIST_PRICES_USD_PER_MILLION_TOKENS },
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const TOP_LEVEL_KEYS = new Set(['seed', 'baseURL', 'timeScale', 'latency', 'rateLimit', 'faults', 'pricesUsdPerMillionTokens', 'clock', 'now']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Copies `given` over `defaults` for the named numeric fields, checking each; unknown keys are errors. */
function mergeNumbers<T extends object>(
  path: string,
  defaults: T,
  given: unknown,
  checks: Record<keyof T & string, { expected: string; ok: (n: number) => boolean }>,
): T {
  if (given === undefined) return { ...defaults };
  if (!isRecord(given)) throw new OptionError(path, 'an object', given);
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const check = (checks as Record<string, { expected: string; ok: (n: number) => boolean }>)[key];
    if (!check) throw new OptionError(`${path}.${key}`, `one of ${Object.keys(checks).join(', ')}`, key);
    if (typeof value !== 'number' || !Number.isFinite(value) || !check.ok(value)) {
      throw new OptionError(`${path}.${key}`, check.expected, value);
    }
    merged[key] = value;
  }
  return merged as T;
}

const nonNegative = { expected: 'a finite number >= 0', ok: (n: number) => n >= 0 };
const fraction = { expected: 'a fraction from 0 to 1', ok: (n: number) => n >= 0 && n <= 1 };
const positive = { expected: 'a finite number > 0', ok: (n: number) => n > 0 };

/** The full configuration: defaults with `partial` merged in (nested objects field by field). */
export function resolveMockConfig(partial: EmulatedApiConfigInput = {}): EmulatedApiConfig {
  if (!isRecord(partial)) throw new OptionError('mock', 'an object', partial);
  for (const key of Object.keys(partial)) {
    if (!TOP_LEVEL_KEYS.has(key)) throw new OptionError(key, `one of ${[...TOP_LEVEL_KEYS].join(', ')}`, key);
  }
  const d = DEFAULT_MOCK_CONFIG;

  const seed = partial.seed ?? d.seed;
  if (!Number.isSafeInteger(seed)) throw new OptionError('seed', 'an integer', seed);

  const baseURL = (partial.baseURL ?? d.baseURL).replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(baseURL);
  } catch {
    throw new OptionError('baseURL', 'an absolute http(s) URL', baseURL);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new OptionError('baseURL', 'an absolute http(s) URL', baseURL);
  }

  const timeScale = partial.timeScale ?? d.timeScale;
  if (typeof timeScale !== 'number' || !Number.isFinite(timeScale) || timeScale < 0) {
    throw new OptionError('timeScale', 'a finite number >= 0', timeScale);
  }

  const latency = mergeNumbers('latency', d.latency, partial.latency, {
    baseMs: nonNegative,
    perTokenMs: nonNegative,
    jitter: fraction,
  });

  const rateLimit = partial.rateLimit === false ? false : resolveRateLimit(d.rateLimit as RateLimitConfig, partial.rateLimit);

  const faults = mergeNumbers('faults', d.faults, partial.faults, {
    serverErrorRate: fraction,
    slowRate: fraction,
    slowFactor: { expected: 'a finite number >= 1', ok: (n) => n >= 1 },
  });

  const prices: Record<string, number> = { ...d.pricesUsdPerMillionTokens };
  if (partial.pricesUsdPerMillionTokens !== undefined) {
    if (!isRecord(partial.pricesUsdPerMillionTokens)) {
      throw new OptionError('pricesUsdPerMillionTokens', 'an object of model -> USD per million tokens', partial.pricesUsdPerMillionTokens);
    }
    for (const [model, price] of Object.entries(partial.pricesUsdPerMillionTokens)) {
      if (price === undefined) continue;
      if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) {
        throw new OptionError(`pricesUsdPerMillionTokens.${model}`, 'a finite number >= 0', price);
      }
      prices[model] = price;
    }
  }

  const now = partial.now;
  if (now !== undefined && typeof now !== 'function') throw new OptionError('now', 'a function returning ms', now);

  const clock = partial.clock;
  if (clock !== undefined && clock !== 'virtual' && clock !== 'wall') throw new OptionError('clock', "'virtual' or 'wall'", clock);

  return { seed, baseURL, timeScale, latency, rateLimit, faults, pricesUsdPerMillionTokens: prices, ...(clock ? { clock } : {}), ...(now ? { now } : {}) };
}

const RETRY_HEADERS = ['retry-after', 'retry-after-ms'] as const;

/** The rate limit's numbers through mergeNumbers, its switches and header list checked here. */
function resolveRateLimit(defaults: RateLimitConfig, given: unknown): RateLimitConfig {
  if (given === undefined) return resolveRateLimit(defaults, {});
  if (!isRecord(given)) throw new OptionError('rateLimit', 'false or an object', given);
  const { rejectedCountAgainstLimit, retryHeaders, limitHeaders, ...numbers } = given;
  const merged = mergeNumbers('rateLimit', { requestsPerMinute: defaults.requestsPerMinute, tokensPerMinute: defaults.tokensPerMinute, initialBurst: defaults.initialBurst ?? 1 }, numbers, {
    requestsPerMinute: positive,
    tokensPerMinute: positive,
    initialBurst: fraction,
  });
  const flag = (name: string, value: unknown, fallback: boolean): boolean => {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') throw new OptionError(`rateLimit.${name}`, 'true or false', value);
    return value;
  };
  let headers = [...(defaults.retryHeaders ?? RETRY_HEADERS)];
  if (retryHeaders !== undefined) {
    if (!Array.isArray(retryHeaders) || retryHeaders.some((h) => !(RETRY_HEADERS as readonly unknown[]).includes(h))) {
      throw new OptionError('rateLimit.retryHeaders', `an array of ${RETRY_HEADERS.map((h) => `'${h}'`).join(', ')}`, retryHeaders);
    }
    headers = [...new Set(retryHeaders as RateLimitConfig['retryHeaders'])];
  }
  return {
    ...merged,
    rejectedCountAgainstLimit: flag('rejectedCountAgainstLimit', rejectedCountAgainstLimit, defaults.rejectedCountAgainstLimit ?? false),
    retryHeaders: headers,
    limitHeaders: flag('limitHeaders', limitHeaders, defaults.limitHeaders ?? true),
  };
}
