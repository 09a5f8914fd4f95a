/**
 * Where a scenario's vectors come from, and how they are checked, whatever the endpoint.
 *
 * With a reference model (the mock, memopt's server): stored texts and checks use `endpoint.reference`, and every
 * vector a side got must equal it bit for bit.
 *
 * Without one (`endpoint.reference === null`: a user's base URL): vectors a driver needs outside the measured
 * section (pre-loaded memories, the offline bounds) are asked of the same endpoint and model in prepare
 * (`endpointVectors`, batched, before the first run's ledger reset), and correctness is checked across sides:
 * each text's vector the optimized side got is compared with the vector the baseline side got for the same text,
 * and matches when their cosine is at least 1 - CROSS_SIDE_COSINE_TOLERANCE (batched and single requests can differ
 * in the last digits on a GPU server). A text the baseline side never got a vector for cannot be checked: it is
 * counted as unchecked, never as matching.
 */
import type { EmbeddingsEndpoint } from '../endpoint/types.ts';
import type { DetailTable, MetricSpec, MetricValues } from '../harness/types.ts';
import type { Embedder, EmbedderStats, Embedding } from '../memory/types.ts';
import { referenceArray, singleRootCosine } from './reference-vectors.ts';

/** Cosine tolerance of the cross-side check: vectors match when cosine >= 1 - 1e-3. */
export const CROSS_SIDE_COSINE_TOLERANCE = 1e-3;

/** Inputs per request when prepare embeds texts through an endpoint without a reference model. */
export const PREPARE_INPUTS_PER_REQUEST = 256;
/** Retries per prepare request (the SDK's default). */
export const PREPARE_MAX_RETRIES = 2;

/**
 * The endpoint's vector of each distinct text: from its reference model when it has one, else asked of the
 * endpoint itself, PREPARE_INPUTS_PER_REQUEST texts per request, in order.
 */
export async function endpointVectors(
  endpoint: EmbeddingsEndpoint,
  texts: Iterable<string>,
  model: string,
  dimensions: number | undefined,
): Promise<Map<string, number[]>> {
  const distinct = [...new Set(texts)];
  const out = new Map<string, number[]>();
  const reference = endpoint.reference;
  if (reference) {
    // All at once: a server's reference (a real model's) sends the texts asked for together in one request.
    const vectors = await Promise.all(distinct.map((text) => referenceArray(reference, text, model, dimensions)));
    distinct.forEach((text, i) => out.set(text, vectors[i]));
    return out;
  }
  const client = endpoint.createClient({ maxRetries: PREPARE_MAX_RETRIES });
  for (let i = 0; i < distinct.length; i += PREPARE_INPUTS_PER_REQUEST) {
    const input = distinct.slice(i, i + PREPARE_INPUTS_PER_REQUEST);
    const response = await client.embeddings.create({ model, input, ...(dimensions ? { dimensions } : {}) });
    if (response.data.length !== input.length) {
      throw new RangeError(`${endpoint.baseURL}: asked for ${input.length} embeddings, got ${response.data.length}`);
    }
    for (const item of response.data) out.set(input[item.index], Array.from(item.embedding));
  }
  return out;
}


function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let d = 0; d < a.length; d++) if (a[d] !== b[d]) return false;
  return true;
}

/**
 * The vectors one run got, by text: every distinct vector (bit for bit) each text was answered with, in arrival
 * order. An endpoint may answer the same text differently twice; checks then try each.
 */
export class ObservedVectors {
  readonly byText = new Map<string, ArrayLike<number>[]>();
  observe(text: string, vector: ArrayLike<number>): void {
    const list = this.byText.get(text);
    if (!list) this.byText.set(text, [vector]);
    else if (!list.some((v) => sameBits(v, vector))) list.push(vector);
  }
}

/** An Embedder that records what its inner embedder answered, under `keyOf(text)`. */
export class ObservingEmbedder implements Embedder {
  constructor(
    private readonly inner: Embedder,
    readonly observed: ObservedVectors,
    private readonly keyOf: (text: string) => string = (t) => t,
  ) {}
  get model(): string {
    return this.inner.model;
  }
  get dimensions(): number | undefined {
    return this.inner.dimensions;
  }
  async embed(text: string): Promise<Embedding> {
    const vector = await this.inner.embed(text);
    this.observed.observe(this.keyOf(text), vector);
    return vector;
  }
  async embedMany(texts: readonly string[]): Promise<Embedding[]> {
    const vectors = await this.inner.embedMany(texts);
    texts.forEach((t, i) => this.observed.observe(this.keyOf(t), vectors[i]));
    return vectors;
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  stats(): EmbedderStats {
    return this.inner.stats();
  }
}

export interface VectorCheck {
  /** 'reference' (the endpoint's model, exact) or 'cross-side' (the baseline side's, within the tolerance). */
  against: 'reference' | 'cross-side';
  /** Texts checked. */
  compared: number;
  /** Texts with a vector that does not match. */
  mismatches: number;
  /** Texts that could not be checked (cross-side: the baseline side has no vector for them). */
  unchecked: number;
  /** Lowest cosine seen (cross-side), NaN when nothing was compared. */
  minCosine: number;
}

/**
 * The baseline side's vectors of one scenario, kept across its runs (in the driver's prepared state), for the
 * cross-side check. The first vector the baseline side got for a text is kept.
 */
export class CrossSideVectors {
  private readonly baseline = new Map<string, ArrayLike<number>>();

  record(observed: Iterable<readonly [string, ArrayLike<number> | readonly ArrayLike<number>[]]>): void {
    for (const [text, value] of observed) {
      const first = isList(value) ? value[0] : value;
      if (first && !this.baseline.has(text)) this.baseline.set(text, first);
    }
  }

  /** Every vector of every text against the baseline side's vector of that text. */
  check(observed: Iterable<readonly [string, ArrayLike<number> | readonly ArrayLike<number>[]]>): VectorCheck {
    const result: VectorCheck = { against: 'cross-side', compared: 0, mismatches: 0, unchecked: 0, minCosine: Number.NaN };
    for (const [text, value] of observed) {
      const expected = this.baseline.get(text);
      if (!expected) {
        result.unchecked++;
        continue;
      }
      result.compared++;
      let ok = true;
      for (const vector of isList(value) ? value : [value]) {
        const c = singleRootCosine(vector, expected); // NaN for a zero vector or another width: a mismatch
        if (!Number.isNaN(c) && (Number.isNaN(result.minCosine) || c < result.minCosine)) result.minCosine = c;
        if (!(c >= 1 - CROSS_SIDE_COSINE_TOLERANCE)) ok = false;
      }
      if (!ok) result.mismatches++;
    }
    return result;
  }
}

function isList(value: ArrayLike<number> | readonly ArrayLike<number>[]): value is readonly ArrayLike<number>[] {
  return value.length > 0 && typeof (value as ArrayLike<unknown>)[0] === 'object';
}

/** Every vector of every text against the endpoint's reference vector of that text, bit for bit. */
export function checkAgainstReference(observed: Iterable<readonly [string, readonly ArrayLike<number>[]]>, reference: ReadonlyMap<string, ArrayLike<number>>): VectorCheck {
  const result: VectorCheck = { against: 'reference', compared: 0, mismatches: 0, unchecked: 0, minCosine: Number.NaN };
  for (const [text, vectors] of observed) {
    const expected = reference.get(text);
    if (!expected) {
      result.unchecked++;
      continue;
    }
    result.compared++;
    if (!vectors.every((v) => sameBits(v, expected))) result.mismatches++;
  }
  return result;
}

/** The metrics a driver adds for its vector check (see VECTOR_CHECK_METRICS). */
export function vectorCheckMetrics(check: VectorCheck): MetricValues {
  return { wrong_vectors: check.mismatches + check.unchecked, vectors_unchecked: check.unchecked };
}

export const VECTOR_CHECK_METRICS: MetricSpec[] = [
  {
    name: 'wrong_vectors',
    unit: 'texts',
    kind: 'counter',
    better: 'lower',
    description:
      "texts whose vector differs from the endpoint's reference vector (bit for bit); without a reference model (run --endpoint URL), the optimized side's vectors against the baseline side's, cosine >= 1 - 1e-3; unchecked texts count as wrong",
  },
  { name: 'vectors_unchecked', unit: 'texts', kind: 'counter', better: 'lower', description: 'texts with nothing to check their vector against (cross-side: the baseline side has no vector for them); included in wrong_vectors' },
];

/** The check as a detail table: what it compared against, and the tolerance. */
export function vectorCheckTable(check: VectorCheck, what: string): DetailTable {
  return {
    name: 'vector_check',
    columns: ['vectors', 'against', 'cosine_tolerance', 'texts_compared', 'mismatches', 'unchecked', 'min_cosine'],
    rows: [[what, check.against, check.against === 'cross-side' ? CROSS_SIDE_COSINE_TOLERANCE : 0, check.compared, check.mismatches, check.unchecked, Number.isNaN(check.minCosine) ? null : check.minCosine]],
  };
}
