import { describe, expect, it } from 'vitest';
import { BatchEmbedder } from '../../src/parts/embeddings/batch-embedder.ts';
import { createFakeClient, fakeVector } from '../../src/parts/embeddings/instant-client.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { createRng } from '../../src/util/rng.ts';

describe('BatchEmbedder gives every caller the vector of its own text', () => {
  it('500 embed() calls from 50 interleaved producers with seeded random delays', async () => {
    const clock = new ManualClock();
    const rng = createRng(7);
    const fake = createFakeClient({ latency: () => clock.wait(rng.int(1, 40)) });
    const embedder = new BatchEmbedder({
      client: fake.client,
      model: 'm',
      maxBatchSize: 16,
      maxWaitMs: 5,
      maxConcurrentRequests: 3,
      timers: clock,
      sleep: clock.sleep,
    });
    const mismatches: string[] = [];
    let got = 0;
    const producer = async (p: number) => {
      for (let i = 0; i < 10; i++) {
        await clock.wait(rng.int(0, 12));
        // Some texts repeat across producers so in-batch de-duplication is exercised too.
        const text = rng.next() < 0.2 ? `shared ${rng.int(0, 9)}` : `producer ${p} text ${i}`;
        const vector = await embedder.embed(text);
        got++;
        if (JSON.stringify(vector) !== JSON.stringify(fakeVector(text))) mismatches.push(text);
        vector[0] = 999; // a caller mutating its vector must not affect anyone else's
      }
    };
    await clock.run(Promise.all(Array.from({ length: 50 }, (_, p) => producer(p))));
    expect(mismatches).toEqual([]);
    expect(got).toBe(500);
    const stats = embedder.stats();
    expect(stats.textsRequested).toBe(500);
    expect(stats.inputsSent + stats.inputsDeduplicated).toBe(500);
    expect(fake.requests.length).toBe(stats.requestsSent);
    expect(fake.requests.length).toBeLessThan(500);
    expect(fake.peakInFlight).toBeLessThanOrEqual(3);
    expect(Math.max(...fake.requests.map((r) => r.input.length))).toBeLessThanOrEqual(16);
    await clock.run(embedder.close());
    expect(clock.pending).toBe(0);
  });

  it('embedMany calls interleaved with embed calls resolve in input order', async () => {
    const clock = new ManualClock();
    const fake = createFakeClient({ latency: () => clock.wait(3) });
    const embedder = new BatchEmbedder({ client: fake.client, model: 'm', maxBatchSize: 7, timers: clock });
    const lists = Array.from({ length: 20 }, (_, l) => Array.from({ length: 1 + (l % 9) }, (_, i) => `l${l}-${i % 5}`));
    const results = await clock.run(
      Promise.all([...lists.map((list) => embedder.embedMany(list)), embedder.embed('solo')]),
    );
    for (let l = 0; l < lists.length; l++) expect(results[l]).toEqual(lists[l].map((t) => fakeVector(t)));
    expect(results[lists.length]).toEqual(fakeVector('solo'));
  });
});
