/** Reference vectors from the run's endpoint, for drivers that check answers against the endpoint's own model. */
import { RunError } from '../errors.ts';
import type { EmbeddingsEndpoint, ReferenceVectors } from '../endpoint/types.ts';
import { isPromise } from '../util/maybe-promise.ts';

/** The endpoint's reference model; a driver that cannot work without one says so (a 'url' endpoint has none). */
export function referenceOf(endpoint: EmbeddingsEndpoint, driver: string): ReferenceVectors {
  if (!endpoint.reference) {
    throw new RunError(`driver '${driver}' needs reference vectors, and the ${endpoint.kind} endpoint at ${endpoint.baseURL} has no reference model`);
  }
  return endpoint.reference;
}

/** One reference vector as a Float32Array (the mock's model answers with one: no copy then). */
export async function referenceFloat32(reference: ReferenceVectors, text: string, model: string, dimensions?: number): Promise<Float32Array> {
  const answer = reference.vectorFor(text, model, dimensions);
  const vector = isPromise(answer) ? await answer : answer;
  return vector instanceof Float32Array ? vector : Float32Array.from(vector);
}

/** One reference vector as a plain number[], like the openai SDK's (NaiveIndex scans those fastest). */
export async function referenceArray(reference: ReferenceVectors, text: string, model: string, dimensions?: number): Promise<number[]> {
  const answer = reference.vectorFor(text, model, dimensions);
  return Array.from(isPromise(answer) ? await answer : answer);
}

/**
 * Cosine with one square root, sqrt(|a|² |b|²), where the reference's cosine (memory/reference.mjs) divides by two
 * norms: identical vectors give exactly 1 here (the reference gives 1 - 2e-16), which the vector checks' reported
 * min_cosine relies on. NaN for a zero vector or another width. Not for ranking: indexes rank by the reference's.
 */
export function singleRootCosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.NaN;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let d = 0; d < a.length; d++) {
    dot += a[d] * b[d];
    na += a[d] * a[d];
    nb += b[d] * b[d];
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : Number.NaN;
}

/** Whether `stored` is the reference vector `expected`: bit for bit, or within the reference's cosine tolerance. */
export function matchesReference(stored: ArrayLike<number>, expected: ArrayLike<number>, cosineTolerance = 0): boolean {
  if (stored.length !== expected.length) return false;
  if (!cosineTolerance) {
    for (let d = 0; d < stored.length; d++) if (stored[d] !== expected[d]) return false;
    return true;
  }
  return singleRootCosine(stored, expected) >= 1 - cosineTolerance; // NaN (a zero vector) never matches
}
