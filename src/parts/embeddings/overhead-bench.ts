import { Bench } from 'tinybench';
import { BatchEmbedder } from './batch-embedder.ts';
import { createFakeClient, fakeVector } from './instant-client.ts';

export interface OverheadOptions {
  /** Texts embedded per iteration (the same list every time). Required, non-empty. */
  texts: readonly string[];
  /** The batcher's maxBatchSize; the direct baseline sends the very batches the batcher sent. Default 256. */
  maxBatchSize?: number;
  /** Width of the fake client's vectors. Default 16 (both sides build the same vectors, so it cancels out). */
  dimensions?: number;
  /** tinybench time budget per task, in ms. Default 400. */
  timeMs?: number;
  /** tinybench minimum iterations per task. Default 10. */
  iterations?: number;
}

export interface OverheadResult {
  texts: number;
  /** Requests per iteration (identical for both tasks). */
  batches: number;
  /** Mean time per text through BatchEmbedder.embed (one call per text, then flush), in µs. */
  batcherUsPerText: number;
  /** Mean time per text calling the fake client directly with the same batches, in µs. */
  directUsPerText: number;
  /** batcherUsPerText - directUsPerText: the batcher's own cost per text, in µs (may be slightly < 0 from noise). */
  overheadUsPerText: number;
  /** Relative margins of error of the two means, in %. */
  batcherRme: number;
  directRme: number;
  /** Timed iterations per task. */
  samples: { batcher: number; direct: number };
}

/**
 * Times the BatchEmbedder's own overhead: embedding `texts` through it (one `embed()` per text, then `flush()`)
 * against an instant in-process fake client, versus sending the same batches to that fake client directly and
 * placing the vectors by index. The fake's work is the same on both sides, so the difference is the batcher's:
 * queueing, token bounds, de-duplication lookups, promise plumbing, response checks.
 *
 * Like lru-cache's benchmark, it refuses to time a batcher that gives a wrong vector: one checked run comes first.
 */
export async function measureBatcherOverhead(options: OverheadOptions): Promise<OverheadResult> {
  const texts = options.texts;
  if (!Array.isArray(texts) || texts.length === 0) throw new RangeError('measureBatcherOverhead: texts is empty');
  const maxBatchSize = options.maxBatchSize ?? 256;
  const dimensions = options.dimensions ?? 16;
  const vectorFor = (text: string) => fakeVector(text, dimensions);
  const model = 'overhead-bench';

  // Correctness first, and learn the exact batches the batcher sends.
  const recording = createFakeClient({ vectorFor });
  const checked = new BatchEmbedder({ client: recording.client, model, maxBatchSize });
  const vectors = await embedAll(checked, texts);
  await checked.close();
  for (let i = 0; i < texts.length; i++) {
    const expected = vectorFor(texts[i]);
    if (vectors[i].length !== expected.length || vectors[i].some((v, d) => v !== expected[d])) {
      throw new Error(`measureBatcherOverhead: text ${i} got a wrong vector; refusing to time an incorrect batcher`);
    }
  }
  const batches = recording.requests.map((r) => r.input);

  const fake = createFakeClient({ vectorFor });
  const embedder = new BatchEmbedder({ client: fake.client, model, maxBatchSize });
  const bench = new Bench({
    name: 'batcher overhead',
    time: options.timeMs ?? 400,
    iterations: options.iterations ?? 10,
    warmupTime: 100,
  });
  bench.add('batcher', async () => {
    await embedAll(embedder, texts);
  });
  bench.add('direct', async () => {
    const out = new Array<number[]>(texts.length);
    let offset = 0;
    const responses = await Promise.all(
      batches.map((input) => fake.client.embeddings.create({ model, input }, { maxRetries: 0 })),
    );
    for (let b = 0; b < responses.length; b++) {
      for (const item of responses[b].data) out[offset + item.index] = item.embedding;
      offset += batches[b].length;
    }
    if (out.length !== texts.length) throw new Error('unreachable');
  });
  await bench.run();
  await embedder.close();

  const stat = (name: string) => {
    const result = bench.getTask(name)?.result;
    if (result?.state !== 'completed') {
      const error = result && 'error' in result ? result.error : undefined;
      throw new Error(`measureBatcherOverhead: task '${name}' did not complete (${result?.state})`, { cause: error });
    }
    return result;
  };
  const batcher = stat('batcher');
  const direct = stat('direct');
  const batcherUs = (batcher.latency.mean * 1000) / texts.length;
  const directUs = (direct.latency.mean * 1000) / texts.length;
  return {
    texts: texts.length,
    batches: batches.length,
    batcherUsPerText: batcherUs,
    directUsPerText: directUs,
    overheadUsPerText: batcherUs - directUs,
    batcherRme: batcher.latency.rme,
    directRme: direct.latency.rme,
    samples: { batcher: batcher.latency.samplesCount, direct: direct.latency.samplesCount },
  };
}

async function embedAll(embedder: BatchEmbedder, texts: readonly string[]): Promise<number[][]> {
  const all = Promise.all(texts.map((text) => embedder.embed(text)));
  await embedder.flush(); // sends the last partial batch now instead of after maxWaitMs
  return all;
}
