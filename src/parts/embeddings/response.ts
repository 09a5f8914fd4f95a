import type { Embedding } from '../../memory/types.ts';

/**
 * Turns an embeddings response into one vector per sent input, in input order, or explains why it cannot.
 *
 * The order comes from each item's `index`, never from the array order. The response is accepted only if it has
 * exactly one item per input and each index in [0, inputCount) appears once: anything else (a missing, duplicated
 * or out-of-range index, a wrong count, a vector of the wrong width) could hand one caller another caller's
 * vector, so the whole response is refused and the caller rejects everyone who was waiting on it.
 *
 * Vectors are returned as plain arrays (the SDK decodes base64 into one; a custom client might hand back a
 * Float32Array, which is copied into one).
 */
export function readEmbeddings(
  response: unknown,
  inputCount: number,
  dimensions: number | undefined,
): Embedding[] | string {
  const data = (response as { data?: unknown } | null | undefined)?.data;
  if (!Array.isArray(data)) return `response has no 'data' array`;
  if (data.length !== inputCount) return `response has ${data.length} embeddings for ${inputCount} inputs`;
  const out = new Array<Embedding>(inputCount);
  for (let k = 0; k < data.length; k++) {
    const item = data[k] as { index?: unknown; embedding?: unknown } | null | undefined;
    const index = item?.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= inputCount) {
      return `response item ${k} has index ${JSON.stringify(index)}, expected an integer in [0, ${inputCount})`;
    }
    if (out[index] !== undefined) return `response has index ${index} more than once`;
    let vector = item?.embedding;
    if (!Array.isArray(vector)) {
      if (!(vector instanceof Float32Array || vector instanceof Float64Array)) {
        return `response item ${k} (index ${index}) has no numeric 'embedding'`;
      }
      vector = Array.from(vector);
    }
    const length = (vector as Embedding).length;
    if (length === 0 || (dimensions !== undefined && length !== dimensions)) {
      return `response item ${k} (index ${index}) has ${length} dimensions, expected ${dimensions ?? 'at least 1'}`;
    }
    out[index] = vector as Embedding;
  }
  return out;
}
