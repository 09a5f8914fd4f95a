import { describe, expect, it } from 'vitest';
import { ClosedError } from '../../src/errors.ts';
import { fakeVector } from '../../src/parts/embeddings/instant-client.ts';
import { setupBatchEmbedder as setup } from '../support/batch-embedder-setup.ts';

describe('BatchEmbedder close({ signal })', () => {
  it('gives up waiting: pending callers (sent, queued, waiting for room) and close reject with the reason, nothing is left running', async () => {
    const { clock, fake, embedder } = setup(
      { maxBatchSize: 2, maxQueueSize: 2, maxConcurrentRequests: 1 },
      { latency: () => new Promise(() => {}) },
    );
    const calls = [embedder.embedMany(['a', 'b']), embedder.embedMany(['c', 'd']), embedder.embed('e')];
    calls.forEach((c) => c.catch(() => {}));
    await clock.settle();
    expect(fake.requests).toHaveLength(1); // one hung request; the rest queued or waiting for room
    const controller = new AbortController();
    const closing = embedder.close({ signal: controller.signal });
    closing.catch(() => {});
    await clock.advance(1000);
    controller.abort('shutdown');
    await expect(closing).rejects.toBe('shutdown');
    for (const call of calls) await expect(call).rejects.toBe('shutdown');
    await clock.settle();
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0].aborted).toBe(true);
    expect(clock.pending).toBe(0);
    expect(embedder.stats()).toMatchObject({ requestsInFlight: 0, queueLength: 0, waitingProducers: 0, abortedCalls: 3 });
    await expect(embedder.embed('later')).rejects.toBeInstanceOf(ClosedError);
    await embedder.close(); // the plain close resolves now that nothing is pending
  });

  it('resolves as usual when everything settles before the signal aborts', async () => {
    const { clock, embedder } = setup({}, { latency: () => clock.wait(10) });
    const call = embedder.embed('a');
    const controller = new AbortController();
    await clock.run(embedder.close({ signal: controller.signal }));
    controller.abort();
    expect(await call).toEqual(fakeVector('a'));
    expect(embedder.stats().abortedCalls).toBe(0);
  });

  it('with an already-aborted signal, rejects at once and aborts what is pending', async () => {
    const { clock, fake, embedder } = setup();
    const call = embedder.embed('a');
    call.catch(() => {});
    await expect(embedder.close({ signal: AbortSignal.abort('now') })).rejects.toBe('now');
    await expect(call).rejects.toBe('now');
    await clock.settle();
    expect(fake.requests).toHaveLength(0);
    expect(clock.pending).toBe(0);
  });
});
