import { describe, expect, it } from 'vitest';
import { BatchEmbedder } from '../../src/parts/embeddings/batch-embedder.ts';
import { createFakeClient } from '../../src/parts/embeddings/instant-client.ts';
import { setupBatchEmbedder } from '../support/batch-embedder-setup.ts';
import { ManualClock } from '../support/manual-clock.ts';

describe('BatchEmbedder stats say why each batch left: full, on its timer, or flushed', () => {
  it('counts full batches, a timer batch and a flushed batch separately; they sum to batchesSent', async () => {
    const { clock, embedder } = setupBatchEmbedder({ maxBatchSize: 4, maxWaitMs: 5 });
    // 9 texts at once: two full batches of 4, then 1 left that leaves on its 5 ms timer.
    const first = embedder.embedMany(Array.from({ length: 9 }, (_, i) => `a${i}`));
    await clock.run(first);
    expect(clock.now).toBe(5);
    expect(embedder.stats()).toMatchObject({ batchesSent: 3, fullBatchesSent: 2, timerBatchesSent: 1, flushedBatchesSent: 0 });
    // 2 texts then flush(): sent at once by the flush, not the timer.
    const second = embedder.embedMany(['b0', 'b1']);
    const flushed = embedder.flush();
    await clock.run(Promise.all([second, flushed]));
    expect(clock.now).toBe(5);
    expect(embedder.stats()).toMatchObject({ batchesSent: 4, fullBatchesSent: 2, timerBatchesSent: 1, flushedBatchesSent: 1 });
  });

  it('a batch due on its timer but waiting for a request slot, topped up to full, counts as full', async () => {
    const clock = new ManualClock();
    const fake = createFakeClient({ latency: () => clock.wait(20) });
    const embedder = new BatchEmbedder({
      client: fake.client,
      model: 'm',
      timers: clock,
      sleep: clock.sleep,
      now: () => clock.now,
      maxBatchSize: 4,
      maxWaitMs: 5,
      maxConcurrentRequests: 1,
    });
    const first = embedder.embedMany(['a0', 'a1', 'a2', 'a3']); // full, in flight until t = 20
    await clock.advance(1);
    const late = [embedder.embed('b0')];
    await clock.advance(10); // b0's batch is due (timer) but the only slot is busy
    late.push(...['b1', 'b2', 'b3'].map((t) => embedder.embed(t)));
    await clock.run(Promise.all([first, ...late]));
    expect(fake.requests.map((r) => r.input.length)).toEqual([4, 4]);
    expect(embedder.stats()).toMatchObject({ batchesSent: 2, fullBatchesSent: 2, timerBatchesSent: 0, flushedBatchesSent: 0 });
  });
});
