import { BatchEmbedder, type BatchEmbedderOptions } from '../../src/parts/embeddings/batch-embedder.ts';
import { createFakeClient, type FakeClient, type FakeClientOptions } from '../../src/parts/embeddings/instant-client.ts';
import { ManualClock } from './manual-clock.ts';

/**
 * A BatchEmbedder on a fake client and a manual clock (timers, retry sleeps and `now` all on the clock), so a
 * test controls time and nothing sleeps. `options` override the embedder's, `fakeOptions` configure the fake API.
 */
export function setupBatchEmbedder(
  options: Partial<BatchEmbedderOptions> = {},
  fakeOptions: FakeClientOptions = {},
): { clock: ManualClock; fake: FakeClient; embedder: BatchEmbedder } {
  const clock = new ManualClock();
  const fake = createFakeClient(fakeOptions);
  const embedder = new BatchEmbedder({
    client: fake.client,
    model: 'm',
    timers: clock,
    sleep: clock.sleep,
    now: () => clock.now,
    ...options,
  });
  return { clock, fake, embedder };
}
