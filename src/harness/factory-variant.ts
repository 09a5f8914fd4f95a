import type { FactoryVariant } from './types.ts';

/** Whether a driver's run() was handed a factory variant (a user's part) rather than validated params. */
export function isFactoryVariant<F>(value: unknown): value is FactoryVariant<F> {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'factory' &&
    typeof (value as { factory?: unknown }).factory === 'function'
  );
}

/** How run.json records a factory variant: its label, the user's version and params, never the function. */
export function describeFactoryVariant(variant: FactoryVariant): { factory: string; version: string | null; params?: Record<string, unknown> } {
  const params = variant.params && Object.keys(variant.params).length > 0 ? { params: { ...variant.params } } : {};
  return { factory: variant.label, version: variant.version ?? null, ...params };
}
