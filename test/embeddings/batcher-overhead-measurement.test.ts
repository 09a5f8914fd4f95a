import { describe, expect, it } from 'vitest';
import { measureBatcherOverhead } from '../../src/parts/embeddings/overhead-bench.ts';

// Shape and counters only: the timings themselves are never asserted (a loaded machine would make them flake).
describe('measureBatcherOverhead: the batcher against the same batches sent directly', () => {
  it('reports the texts, the batches the batcher sent, and at least the asked-for iterations per side', async () => {
    const texts = Array.from({ length: 10 }, (_, i) => `text ${i}`);
    const result = await measureBatcherOverhead({ texts, maxBatchSize: 4, timeMs: 1, iterations: 3 });
    expect(result.texts).toBe(10);
    expect(result.batches).toBe(3); // 4 + 4 + 2
    expect(result.samples.batcher).toBeGreaterThanOrEqual(3);
    expect(result.samples.direct).toBeGreaterThanOrEqual(3);
    for (const value of [result.batcherUsPerText, result.directUsPerText, result.batcherRme, result.directRme]) expect(Number.isFinite(value)).toBe(true);
    expect(result.overheadUsPerText).toBe(result.batcherUsPerText - result.directUsPerText);
  });

  it('counts the requests the batcher sent: one per text at batch size 1, one for all at a large batch size', async () => {
    const texts = ['a', 'b', 'c', 'd', 'e'];
    expect((await measureBatcherOverhead({ texts, maxBatchSize: 1, timeMs: 1, iterations: 2 })).batches).toBe(5);
    expect((await measureBatcherOverhead({ texts, maxBatchSize: 256, timeMs: 1, iterations: 2 })).batches).toBe(1);
  });

  it('rejects an empty text list before timing anything', async () => {
    await expect(measureBatcherOverhead({ texts: [] })).rejects.toThrow(/texts is empty/);
  });
});
