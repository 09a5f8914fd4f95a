import type { MaybePromise } from '../memory/types.ts';

/**
 * Whether a part's answer is a promise (then the caller awaits it) or a plain value (then it is used at once).
 * Callers of memopt's synchronous parts branch on this rather than await every value, so a synchronous index adds
 * no microtask tick: concurrent callers interleave exactly as they would calling it directly.
 */
export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** Awaits a MaybePromise only when it is a promise. */
export async function settle<T>(value: MaybePromise<T>): Promise<T> {
  return isPromise(value) ? await value : value;
}
