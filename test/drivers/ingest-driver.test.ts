import { afterEach, describe, expect, it } from 'vitest';
import { ingestDriver, type EmbedderFactory } from '../../src/drivers/ingest.ts';
import { startInProcessEndpoint, type InProcessEndpoint } from '../../src/endpoint/in-process-endpoint.ts';
import { createMemoryProbe } from '../../src/measure/memory-probe.ts';
import type { FactoryVariant, RunContext } from '../../src/harness/types.ts';
import type { Embedder, Embedding } from '../../src/memory/types.ts';
import { prepareContext } from '../support/endpoints.ts';

let endpoint: InProcessEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

function context(side: 'baseline' | 'optimized'): RunContext {
  endpoint = startInProcessEndpoint({ timeScale: 0, rateLimit: false });
  return { seed: 9, quick: true, endpoint, memory: createMemoryProbe(), repetition: 1, side, log: () => {} };
}

const SIZE = 40;
const workload = ingestDriver.workloadSchema.parse({ size: SIZE, producers: 16, dimensions: 32, memoryCheckpoints: 2, measureBatcherOverhead: false });
const prepared = ingestDriver.prepare(workload, prepareContext(9));

describe('the ingest driver', () => {
  it('naive: one request per text, every text stored with its reference vector', async () => {
    const out = await ingestDriver.run(await prepared, ingestDriver.variantSchema.parse({ embedder: 'naive' }), context('baseline'));
    expect(out.metrics).toMatchObject({ api_requests: SIZE, api_inputs: SIZE, texts_lost: 0, wrong_vectors: 0, api_errors: 0, peak_queue_length: 0 });
    expect(out.metrics.api_tokens).toBeGreaterThan(0);
  });

  it('batched: producers outrun the API, so requests are the minimum at that batch size', async () => {
    const params = ingestDriver.variantSchema.parse({ embedder: 'batch', maxBatchSize: 8, maxConcurrentRequests: 1 });
    const out = await ingestDriver.run(await prepared, params, context('optimized'));
    expect(out.metrics).toMatchObject({ texts_lost: 0, wrong_vectors: 0, api_inputs: SIZE });
    expect(out.metrics.api_requests).toBe(SIZE / 8);
    expect(out.metrics.requests_over_minimum_pct).toBe(0);
  });

  it('counts a wrong vector: an embedder that answers one text with another vector is caught by the reference check', async () => {
    // A user's Embedder (factory variant) whose first call embeds a different text than it was given.
    const oneWrong: EmbedderFactory = ({ createClient, model, dimensions }) => {
      const client = createClient();
      let calls = 0;
      const embedder: Embedder = {
        model,
        dimensions,
        async embed(text) {
          calls++;
          const other = calls === 1 ? `${text} (not this text)` : text;
          const response = await client.embeddings.create({ model, input: other, dimensions });
          return response.data[0].embedding as Embedding;
        },
        embedMany: (texts) => Promise.all(texts.map((t) => embedder.embed(t))),
        flush: async () => {},
        close: async () => {},
        stats: () => ({ textsRequested: calls, requestsSent: calls, retries: 0, failedRequests: 0, inputsSent: calls, peakQueueLength: 0 }),
      };
      return embedder;
    };
    const variant: FactoryVariant<EmbedderFactory> = { kind: 'factory', factory: oneWrong, label: 'one-wrong', version: 'test' };
    const out = await ingestDriver.run(await prepared, variant, context('optimized'));
    expect(out.metrics).toMatchObject({ api_requests: SIZE, texts_lost: 0, wrong_vectors: 1 });
    // A user part's stats() fields are reported beside the generic metrics.
    const stats = out.details!.find((t) => t.name === 'part_stats')!;
    expect(stats.rows).toContainEqual(['requestsSent', SIZE]);
    expect(out.metrics.requests_over_minimum_pct).toBeUndefined();
  });

  it('counts texts lost when the embedder rejects', async () => {
    const failing: EmbedderFactory = ({ model, dimensions }) => ({
      model,
      dimensions,
      embed: async (text) => {
        if (text.length % 2 === 0) throw new Error('refused');
        return new Array(32).fill(0.1);
      },
      embedMany: async () => [],
      flush: async () => {},
      close: async () => {},
      stats: () => ({ textsRequested: 0, requestsSent: 0, retries: 0, failedRequests: 0, inputsSent: 0, peakQueueLength: 0 }),
    });
    const texts = (await prepared).texts;
    const even = texts.filter((t) => t.length % 2 === 0).length;
    const out = await ingestDriver.run(await prepared, { kind: 'factory', factory: failing, label: 'failing', version: undefined }, context('optimized'));
    expect(out.metrics.texts_lost).toBe(even);
    expect(out.metrics.wrong_vectors).toBe(SIZE - even); // stored, but not the endpoint's vectors
    expect(out.metrics.api_requests).toBe(0);
  });
});
