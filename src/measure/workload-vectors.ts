/**
 * The vectors an index workload stores and asks: the first `size` memories of a dataset and the first `queryCount`
 * held-out queries, embedded by the shipped real vectors ('use-lite', datasets/vectors/) or by the endpoint's
 * reference model (the mock's). Shared by the drivers that measure indexes on texts they never send to an API.
 */
import { InputError } from '../errors.ts';
import { loadDataset, loadQueries } from '../datasets/index.ts';
import { ShippedVectors } from '../endpoint/models/shipped-vectors.ts';
import type { EmbeddingsEndpoint } from '../endpoint/types.ts';
import { referenceFloat32, referenceOf } from './reference-vectors.ts';

export const SHIPPED_MODEL = 'use-lite';

export interface WorkloadVectorsSpec {
  vectors?: typeof SHIPPED_MODEL;
  dataset: string;
  queries: string;
  /** Memories wanted (the first of the dataset). */
  size: number;
  /** Queries wanted (the first of the queries file). */
  queryCount: number;
  model: string;
  dimensions?: number;
}

export interface WorkloadVectors {
  texts: string[];
  vectors: Float32Array[];
  queryTexts: string[];
  queryVectors: Float32Array[];
}

/** Loads and embeds; refuses (InputError) too few records, and queries that are texts of the collection. */
export async function loadWorkloadVectors(spec: WorkloadVectorsSpec, endpoint: EmbeddingsEndpoint, driver: string): Promise<WorkloadVectors> {
  const [records, queryRecords] = await Promise.all([loadDataset(spec.dataset), loadQueries(spec.queries)]);
  if (records.length < spec.size) throw new InputError({ field: 'workload.size' }, `asks for ${spec.size} memories but ${spec.dataset} has ${records.length}`);
  if (queryRecords.length < spec.queryCount) {
    throw new InputError({ field: 'workload.queryCount' }, `asks for ${spec.queryCount} queries but ${spec.queries} has ${queryRecords.length}`);
  }
  const texts = records.slice(0, spec.size).map((r) => r.text);
  const queryTexts = queryRecords.slice(0, spec.queryCount).map((q) => q.text);
  const stored = new Set(texts);
  const leaked = queryTexts.filter((q) => stored.has(q)).length;
  if (leaked > 0) throw new InputError({ file: spec.queries }, `${leaked} queries are texts of the collection; queries must be held out`);
  let embed: (text: string) => Promise<Float32Array>;
  if (spec.vectors === SHIPPED_MODEL) {
    const shipped = await ShippedVectors.load(SHIPPED_MODEL);
    embed = async (text) => {
      const v = shipped.vectorFor(text);
      if (!v) throw new InputError({ field: 'workload.vectors' }, `the shipped ${SHIPPED_MODEL} vectors have no row for the text ${JSON.stringify(text.slice(0, 60))}`);
      return v;
    };
  } else {
    const model = referenceOf(endpoint, driver);
    embed = (text) => referenceFloat32(model, text, spec.model, spec.dimensions);
  }
  const vectors: Float32Array[] = [];
  for (const t of texts) vectors.push(await embed(t));
  const queryVectors: Float32Array[] = [];
  for (const t of queryTexts) queryVectors.push(await embed(t));
  return { texts, vectors, queryTexts, queryVectors };
}
